//! The client and its configuration.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use capturekit_macros::record;

use crate::auth::{CredentialOptions, Credentials, TokenProvider};
use crate::backoff::RetryPolicy;
use crate::cdp::PaymentSessions;
use crate::coinbase_payments::{CoinbasePayments, DEFAULT_PAYMENTS_BASE_URL};
use crate::error::{Error, Result};
use crate::stateset::{StateSet, DEFAULT_STATESET_BASE_URL, ENV_STATESET_API_KEY};
use crate::transport::Transport;

/// The production base URL of the CDP APIs.
pub const DEFAULT_BASE_URL: &str = "https://api.cdp.coinbase.com/platform";
/// The default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default timeout of one attempt (connect, send and read the whole answer).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A capturekit client. Cheap to clone: clones share one connection pool.
///
/// ```no_run
/// # async fn demo() -> capturekit::Result<()> {
/// use capturekit::{CaptureRequest, Client};
/// use rust_decimal::Decimal;
///
/// // Credentials from CDP_API_KEY_ID / CDP_API_KEY_SECRET.
/// let client = Client::builder().build()?;
/// let capture = client
///     .payment_sessions()
///     .capture(
///         "paymentSession_82c879c1-84e1-44ed-a8c2-1ac239cf09ad",
///         CaptureRequest::amount(Decimal::new(250, 2)).final_capture(false),
///     )
///     .await?;
/// println!("{} is {}", capture.capture_id, capture.status);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    /// CDP Payment Sessions.
    pub(crate) transport: Arc<Transport>,
    /// Coinbase Payments: the same credentials, another host.
    pub(crate) payments_transport: Arc<Transport>,
    /// StateSet: its own API key, another host.
    pub(crate) stateset_transport: Arc<Transport>,
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The CDP Payment Sessions calls: capture, get, list, get session, wait.
    pub fn payment_sessions(&self) -> PaymentSessions {
        PaymentSessions { client: self.clone() }
    }

    /// The Coinbase Payments (escrow) calls: capture, get payment.
    pub fn coinbase_payments(&self) -> CoinbasePayments {
        CoinbasePayments { client: self.clone() }
    }

    /// The StateSet calls: capture, get payment.
    pub fn stateset(&self) -> StateSet {
        StateSet { client: self.clone() }
    }

    /// The base URL this client sends to.
    pub fn base_url(&self) -> &str {
        self.transport.base_url.as_str()
    }

    /// Closes the client and every clone of it: its credentials, and a token provider with
    /// whatever it holds (a JavaScript function, a Python callable), are dropped, and every
    /// later call fails before any I/O with a `configuration` error. A request already under
    /// way finishes with its retries (a `wait_for_capture` ends at its next poll). Closing
    /// twice does nothing more. Idle pooled connections close when the last
    /// clone is dropped.
    pub fn close(&self) {
        for transport in [&self.transport, &self.payments_transport, &self.stateset_transport] {
            transport.close();
        }
    }
}

/// The client options a language binding receives, all optional (left out, the default).
#[record(input)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ClientOptions {
    /// The API base URL (see [`ClientBuilder::base_url`]).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub base_url: Option<String>,
    /// How long one attempt may take in all (default 30 s).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub timeout: Option<Duration>,
    /// How long to wait for a connection (default 10 s).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub connect_timeout: Option<Duration>,
    /// Attempts after the first (default 2, at most 10).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub max_retries: Option<u32>,
    /// Text added to the `User-Agent` header, e.g. `"my-shop/1.2"`.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub user_agent: Option<String>,
    /// The Coinbase Payments base URL (default `https://payments.coinbase.com`).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub coinbase_payments_base_url: Option<String>,
    /// The StateSet base URL (default `https://api.stateset.com`).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub stateset_base_url: Option<String>,
}

/// Configures a [`Client`]. Every option has a sensible default; credentials default to
/// `CDP_API_KEY_ID` / `CDP_API_KEY_SECRET` from the environment.
#[derive(Debug, Default)]
pub struct ClientBuilder {
    base_url: Option<String>,
    payments_base_url: Option<String>,
    stateset_base_url: Option<String>,
    stateset_api_key: Option<zeroize::Zeroizing<String>>,
    credentials: Option<CredentialSource>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    retry: RetryPolicy,
    user_agent: Option<String>,
    binding: Option<&'static str>,
}

/// Where the credentials come from; resolved (and parsed, once) in [`ClientBuilder::build`].
enum CredentialSource {
    Ready(Credentials),
    Options(CredentialOptions),
    ApiKey { id: String, secret: zeroize::Zeroizing<String> },
    KeyFile(PathBuf),
    BearerToken(zeroize::Zeroizing<String>),
}

impl std::fmt::Debug for CredentialSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CredentialSource::Ready(c) => c.fmt(f),
            CredentialSource::Options(_) => f.write_str("Options(<redacted>)"),
            CredentialSource::ApiKey { id, .. } => {
                write!(f, "ApiKey {{ id: {id:?}, secret: <redacted> }}")
            }
            CredentialSource::KeyFile(path) => write!(f, "KeyFile({path:?})"),
            CredentialSource::BearerToken(_) => f.write_str("BearerToken(<redacted>)"),
        }
    }
}

impl ClientBuilder {
    /// The API base URL (default [`DEFAULT_BASE_URL`]). Must be `https://`, or `http://` on a
    /// loopback host (so a token never travels in clear).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The Coinbase Payments base URL (default `https://payments.coinbase.com`); the same
    /// rules as [`Self::base_url`].
    pub fn coinbase_payments_base_url(mut self, url: impl Into<String>) -> Self {
        self.payments_base_url = Some(url.into());
        self
    }

    /// The StateSet base URL (default `https://api.stateset.com`); the same rules as
    /// [`Self::base_url`].
    pub fn stateset_base_url(mut self, url: impl Into<String>) -> Self {
        self.stateset_base_url = Some(url.into());
        self
    }

    /// The StateSet API key (default `STATESET_API_KEY` from the environment), sent as a
    /// bearer token to StateSet only.
    pub fn stateset_api_key(mut self, key: impl Into<String>) -> Self {
        self.stateset_api_key = Some(zeroize::Zeroizing::new(key.into()));
        self
    }

    /// Authenticate with a CDP API key id and secret (Ed25519 base64 or EC PEM).
    pub fn api_key(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.credentials =
            Some(CredentialSource::ApiKey { id: id.into(), secret: zeroize::Zeroizing::new(secret.into()) });
        self
    }

    /// Authenticate with the key JSON file the CDP portal hands out.
    pub fn key_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.credentials = Some(CredentialSource::KeyFile(path.into()));
        self
    }

    /// Authenticate with a static bearer token.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.credentials = Some(CredentialSource::BearerToken(zeroize::Zeroizing::new(token.into())));
        self
    }

    /// Authenticate with a callback that returns a token for each attempt.
    pub fn token_provider(mut self, provider: impl TokenProvider + 'static) -> Self {
        self.credentials = Some(CredentialSource::Ready(Credentials::token_provider(provider)));
        self
    }

    /// Credentials as a language binding receives them: the CDP ones (at most one kind, see
    /// [`Credentials::resolve`]) and the StateSet key. No CDP credential means
    /// `CDP_API_KEY_ID` / `CDP_API_KEY_SECRET`, or none for a StateSet-only client.
    pub fn credential_options(mut self, mut options: CredentialOptions) -> Self {
        if let Some(key) = options.stateset_api_key.take() {
            self.stateset_api_key = Some(key);
        }
        if options.has_cdp() {
            self.credentials = Some(CredentialSource::Options(options));
        }
        self
    }

    /// Authenticate with ready-made [`Credentials`].
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(CredentialSource::Ready(credentials));
        self
    }

    /// How long to wait for a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// How long one attempt may take in all (default 30 s). Retries get their own.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Attempts after the first (default 2).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.retry.max_retries = retries;
        self
    }

    /// The whole retry policy (count, base and cap of the backoff).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Text added to the `User-Agent` header, e.g. `"my-shop/1.2"`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Names the language binding that builds this client, for the `User-Agent` header
    /// (`capturekit-python/0.1.0`); `rust` by default.
    pub fn binding(mut self, name: &'static str) -> Self {
        self.binding = Some(name);
        self
    }

    /// Applies every option that is set.
    pub fn options(mut self, options: ClientOptions) -> Self {
        if let Some(url) = options.base_url {
            self = self.base_url(url);
        }
        if let Some(timeout) = options.timeout {
            self = self.timeout(timeout);
        }
        if let Some(timeout) = options.connect_timeout {
            self = self.connect_timeout(timeout);
        }
        if let Some(retries) = options.max_retries {
            self = self.max_retries(retries);
        }
        if let Some(agent) = options.user_agent {
            self = self.user_agent(agent);
        }
        if let Some(url) = options.coinbase_payments_base_url {
            self = self.coinbase_payments_base_url(url);
        }
        if let Some(url) = options.stateset_base_url {
            self = self.stateset_base_url(url);
        }
        self
    }

    /// Checks the configuration, parses the keys once, and builds the client.
    ///
    /// CDP credentials (for Payment Sessions and Coinbase Payments) and the StateSet key are
    /// each optional as long as one of them is there; calling an API whose credentials are
    /// missing fails with a `configuration` error that says what to set.
    pub fn build(self) -> Result<Client> {
        let base_url = parse_base_url("base_url", self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        let payments_base_url = parse_base_url(
            "coinbase_payments_base_url",
            self.payments_base_url.as_deref().unwrap_or(DEFAULT_PAYMENTS_BASE_URL),
        )?;
        let stateset_base_url = parse_base_url(
            "stateset_base_url",
            self.stateset_base_url.as_deref().unwrap_or(DEFAULT_STATESET_BASE_URL),
        )?;
        let stateset = match self.stateset_api_key {
            Some(key) => Some(Credentials::bearer_token(key.as_str()).map_err(|_| {
                Error::configuration("stateset_api_key: must be non-empty visible ASCII (no spaces or line breaks)")
            })?),
            None => stateset_key_from_env()?,
        };
        let cdp = match self.credentials {
            Some(CredentialSource::Ready(c)) => Ok(c),
            Some(CredentialSource::Options(options)) => Ok(Credentials::resolve(options)?),
            Some(CredentialSource::ApiKey { id, secret }) => Ok(Credentials::api_key(&id, &secret)?),
            Some(CredentialSource::KeyFile(path)) => Ok(Credentials::key_file(path)?),
            Some(CredentialSource::BearerToken(token)) => Ok(Credentials::bearer_token(token.as_str())?),
            // A StateSet-only client needs no CDP key; a client with nothing at all is an error now.
            None => match Credentials::from_env() {
                Err(missing) if stateset.is_none() => return Err(missing),
                other => other,
            },
        };
        let stateset = stateset.ok_or_else(|| {
            Error::configuration(format!("no StateSet API key: pass stateset_api_key or set {ENV_STATESET_API_KEY}"))
        });
        let connect_timeout = positive("connect_timeout", self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))?;
        let attempt_timeout = positive("timeout", self.timeout.unwrap_or(DEFAULT_TIMEOUT))?;
        // Connecting is part of an attempt: a connect timeout longer than the attempt's would
        // let the attempt's timer fire mid-connect, where "nothing was sent" is no longer known.
        let connect_timeout = connect_timeout.min(attempt_timeout);
        if self.retry.max_retries > 10 {
            return Err(Error::configuration(format!(
                "max_retries: must be at most 10, got {}",
                self.retry.max_retries
            )));
        }
        let product = format!("capturekit-{}/{}", self.binding.unwrap_or("rust"), env!("CARGO_PKG_VERSION"));
        let user_agent = match &self.user_agent {
            Some(extra) if !extra.bytes().all(|b| (0x20..0x7f).contains(&b)) => {
                return Err(Error::configuration("user_agent: must be printable ASCII"))
            }
            Some(extra) => format!("{product} {extra}"),
            None => product,
        };
        let http = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .tcp_nodelay(true)
            .user_agent(user_agent)
            // A redirect would resend a request we signed for another path; never follow.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::configuration(format!("could not build the HTTP client: {e}")))?;
        let transport = |base_url, credentials| {
            Arc::new(Transport {
                http: http.clone(),
                base_url,
                credentials: std::sync::RwLock::new(credentials),
                retry: self.retry,
                attempt_timeout,
            })
        };
        Ok(Client {
            transport: transport(base_url, cdp.clone()),
            payments_transport: transport(payments_base_url, cdp),
            stateset_transport: transport(stateset_base_url, stateset),
        })
    }
}

/// The StateSet key from `STATESET_API_KEY`, if set.
fn stateset_key_from_env() -> Result<Option<Credentials>> {
    match std::env::var(ENV_STATESET_API_KEY).ok().filter(|v| !v.trim().is_empty()) {
        Some(key) => Credentials::bearer_token(key)
            .map(Some)
            .map_err(|_| Error::configuration(format!("{ENV_STATESET_API_KEY}: must be visible ASCII"))),
        None => Ok(None),
    }
}

fn positive(field: &str, value: Duration) -> Result<Duration> {
    if value.is_zero() {
        return Err(Error::configuration(format!("{field}: must be greater than zero")));
    }
    Ok(value)
}

/// Accepts `https://` anywhere and `http://` only on loopback hosts.
fn parse_base_url(field: &str, text: &str) -> Result<url::Url> {
    let url = url::Url::parse(text).map_err(|e| Error::configuration(format!("{field}: not a valid URL ({e})")))?;
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(Error::configuration(format!("{field}: must be an absolute http(s) URL with a host")));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
        return Err(Error::configuration(format!("{field}: must not carry a query, fragment or credentials")));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(Error::configuration(format!(
            "{field}: plain http:// is only allowed for loopback hosts (localhost, 127.0.0.0/8, [::1]); use https://"
        ))),
        other => Err(Error::configuration(format!("{field}: scheme must be https, got {other}"))),
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn with_token() -> ClientBuilder {
        Client::builder().bearer_token("tok")
    }

    #[test]
    fn base_url_rules() {
        assert!(with_token().build().is_ok());
        for ok in
            ["http://127.0.0.1:9/platform", "http://localhost:1", "http://[::1]:8080/platform", "http://127.5.5.5"]
        {
            assert!(with_token().base_url(ok).build().is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com/platform",
            "http://10.0.0.1/",
            "ftp://x/",
            "not a url",
            "https://u:p@h/",
            "https://h/?q=1",
        ] {
            let err = with_token().base_url(bad).build().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Configuration, "{bad}");
            assert!(err.message().starts_with("base_url: "), "{}", err.message());
        }
    }

    #[test]
    fn options_are_checked() {
        let err = with_token().timeout(Duration::ZERO).build().unwrap_err();
        assert_eq!(err.message(), "timeout: must be greater than zero");
        let err = with_token().max_retries(11).build().unwrap_err();
        assert!(err.message().starts_with("max_retries"));
        let err = with_token().user_agent("bad\nagent").build().unwrap_err();
        assert!(err.message().starts_with("user_agent"));
    }

    #[tokio::test]
    async fn each_api_says_which_credentials_it_misses() {
        // CDP credentials only: StateSet calls fail before any I/O, naming what to set.
        let cdp_only = with_token().build().unwrap();
        if std::env::var(ENV_STATESET_API_KEY).is_err() {
            let err = cdp_only.stateset().get_payment("pay_1").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Configuration);
            assert!(err.message().contains("STATESET_API_KEY"), "{}", err.message());
        }
        // A StateSet key only: the client builds, and CDP calls say what is missing.
        if std::env::var(crate::auth::ENV_API_KEY_ID).is_err() {
            let stateset_only = Client::builder().stateset_api_key("sk_test").build().unwrap();
            let err = stateset_only.coinbase_payments().get_payment("p1").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Configuration);
            assert!(err.message().contains("CDP_API_KEY_ID"), "{}", err.message());
            // Nothing at all is refused at build time, as before.
            assert_eq!(Client::builder().build().unwrap_err().kind(), ErrorKind::Configuration);
        }
        let err = Client::builder().stateset_api_key("bad key").build().unwrap_err();
        assert!(err.message().starts_with("stateset_api_key"), "{}", err.message());
        assert!(!err.message().contains("bad key"));
        let err = with_token().stateset_base_url("http://example.com").build().unwrap_err();
        assert!(err.message().starts_with("stateset_base_url: "), "{}", err.message());
    }

    #[test]
    fn debug_of_builder_and_client_hides_secrets() {
        let builder = Client::builder().api_key("key-id", "super-secret-material");
        let shown = format!("{builder:?}");
        assert!(!shown.contains("super-secret-material"), "{shown}");
        let client = Client::builder().bearer_token("tok_super_secret").build().unwrap();
        assert!(!format!("{client:?}").contains("tok_super_secret"));
    }
}
