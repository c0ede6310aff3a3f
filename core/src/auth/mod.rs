//! How requests are authenticated: a CDP API key (a fresh JWT per attempt), a static bearer
//! token, or a token provider callback.

mod jwt;
mod key;
mod wiped_box;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use capturekit_macros::record;
pub use jwt::{generate_jwt, request_uri, sign_jwt, ApiKeyOptions, JwtRequest, JwtSigner, JWT_LIFETIME_SECS};
pub use key::{ApiKey, PublicKey};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind, Result};

/// Environment variable holding the CDP API key id.
pub const ENV_API_KEY_ID: &str = "CDP_API_KEY_ID";
/// Environment variable holding the CDP API key secret.
pub const ENV_API_KEY_SECRET: &str = "CDP_API_KEY_SECRET";

/// What a token provider is asked for: a token for this one request.
///
/// CDP JWTs are bound to one method, host and path, so a back end minting tokens for an
/// app needs all three; `uri` is the ready-made `uris` claim.
#[record(output)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TokenRequest {
    /// The HTTP method, e.g. `"POST"`.
    pub method: String,
    /// Host (with `:port` when not the default) and path, e.g. `"api.cdp.coinbase.com/platform/v2/…"`.
    pub host_and_path: String,
    /// `"<METHOD> <host><path>"`, the value of the JWT `uris` claim.
    pub uri: String,
}

/// The future a [`TokenProvider`] returns.
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = std::result::Result<String, String>> + Send + 'a>>;

/// Supplies a bearer token for each request attempt, for apps whose back end mints tokens
/// (an app must never hold an API key secret).
///
/// Any `Fn(TokenRequest) -> impl Future<Output = Result<String, String>>` is a provider. An
/// `Err(message)` fails the call with an `authentication` error carrying `message`.
pub trait TokenProvider: Send + Sync {
    /// Returns a token for `request`.
    fn token(&self, request: TokenRequest) -> TokenFuture<'_>;
}

impl<F, Fut> TokenProvider for F
where
    F: Fn(TokenRequest) -> Fut + Send + Sync,
    Fut: Future<Output = std::result::Result<String, String>> + Send + 'static,
{
    fn token(&self, request: TokenRequest) -> TokenFuture<'_> {
        Box::pin(self(request))
    }
}

/// How the client authenticates. `Debug` never shows a secret or token.
#[derive(Clone)]
pub enum Credentials {
    /// A CDP API key: every attempt carries a fresh JWT signed with it.
    ApiKey(Arc<ApiKey>),
    /// A static bearer token, sent as is.
    BearerToken(Arc<Zeroizing<String>>),
    /// A callback asked for a token before every attempt.
    TokenProvider(Arc<dyn TokenProvider>),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::ApiKey(key) => f.debug_tuple("ApiKey").field(key).finish(),
            Credentials::BearerToken(_) => f.write_str("BearerToken(<redacted>)"),
            Credentials::TokenProvider(_) => f.write_str("TokenProvider(..)"),
        }
    }
}

/// Credentials as a language binding receives them: at most one kind may be given, and none
/// means `CDP_API_KEY_ID` / `CDP_API_KEY_SECRET` from the environment.
#[record(input)]
#[derive(Default)]
pub struct CredentialOptions {
    /// An API key id; goes with `api_key_secret`.
    pub api_key_id: Option<String>,
    /// An API key secret (Ed25519 base64 or EC PEM); goes with `api_key_id`.
    pub api_key_secret: Option<Zeroizing<String>>,
    /// A CDP key JSON file.
    pub key_file: Option<std::path::PathBuf>,
    /// A static bearer token.
    pub bearer_token: Option<Zeroizing<String>>,
    /// A callback asked for a token before every attempt (for apps whose back end mints
    /// tokens); it is given a `TokenRequest` and returns the token.
    #[record(skip)]
    pub token_provider: Option<Arc<dyn TokenProvider>>,
    /// The StateSet API key (StateSet only; default `STATESET_API_KEY`).
    pub stateset_api_key: Option<Zeroizing<String>>,
}

impl CredentialOptions {
    /// Whether any CDP credential (for Payment Sessions and Coinbase Payments) was given.
    pub fn has_cdp(&self) -> bool {
        self.api_key_id.is_some()
            || self.api_key_secret.is_some()
            || self.key_file.is_some()
            || self.bearer_token.is_some()
            || self.token_provider.is_some()
    }
}

impl Credentials {
    /// Chooses the credentials a binding was given (see [`CredentialOptions`]).
    pub fn resolve(options: CredentialOptions) -> Result<Self> {
        let api_key = options.api_key_id.is_some() || options.api_key_secret.is_some();
        let given =
            [api_key, options.key_file.is_some(), options.bearer_token.is_some(), options.token_provider.is_some()];
        if given.iter().filter(|g| **g).count() > 1 {
            return Err(Error::configuration(
                "credentials: pass only one of an API key (id and secret), a key file, a bearer token or a token provider",
            ));
        }
        if let Some(provider) = options.token_provider {
            return Ok(Credentials::TokenProvider(provider));
        }
        if let Some(path) = options.key_file {
            return Self::key_file(path);
        }
        if let Some(token) = options.bearer_token {
            return Self::bearer_token(token.as_str());
        }
        match (options.api_key_id, options.api_key_secret) {
            (Some(id), Some(secret)) => Self::api_key(&id, &secret),
            (None, None) => Self::from_env(),
            _ => Err(Error::configuration("credentials: an API key needs both its id and its secret")),
        }
    }

    /// API-key credentials from an id and a secret in any accepted format.
    pub fn api_key(id: &str, secret: &str) -> Result<Self> {
        Ok(Credentials::ApiKey(Arc::new(ApiKey::new(id, secret)?)))
    }

    /// API-key credentials from the key JSON file the CDP portal hands out.
    pub fn key_file(path: impl AsRef<std::path::Path>) -> Result<Self> {
        Ok(Credentials::ApiKey(Arc::new(ApiKey::from_json_file(path)?)))
    }

    /// API-key credentials from `CDP_API_KEY_ID` and `CDP_API_KEY_SECRET`.
    pub fn from_env() -> Result<Self> {
        let id = std::env::var(ENV_API_KEY_ID).ok().filter(|v| !v.trim().is_empty());
        let secret = std::env::var(ENV_API_KEY_SECRET).ok().map(Zeroizing::new);
        match (id, secret) {
            (Some(id), Some(secret)) => Self::api_key(&id, &secret),
            _ => Err(Error::configuration(format!(
                "no credentials: pass an API key, a key file, a bearer token or a token provider, \
                 or set {ENV_API_KEY_ID} and {ENV_API_KEY_SECRET}"
            ))),
        }
    }

    /// A static bearer token.
    pub fn bearer_token(token: impl Into<String>) -> Result<Self> {
        let token = Zeroizing::new(token.into());
        check_token(&token)?;
        Ok(Credentials::BearerToken(Arc::new(token)))
    }

    /// A token provider callback.
    pub fn token_provider(provider: impl TokenProvider + 'static) -> Self {
        Credentials::TokenProvider(Arc::new(provider))
    }

    /// The `Authorization` header value for one attempt of `method` on `url`.
    pub(crate) async fn authorization(&self, method: &str, url: &url::Url) -> Result<Zeroizing<String>> {
        match self {
            Credentials::ApiKey(key) => {
                let token = jwt::sign_jwt_now(key, &request_uri(method, url));
                Ok(Zeroizing::new(format!("Bearer {token}")))
            }
            Credentials::BearerToken(token) => Ok(Zeroizing::new(format!("Bearer {}", token.as_str()))),
            Credentials::TokenProvider(provider) => {
                let uri = request_uri(method, url);
                let host_and_path = uri.split_once(' ').map(|(_, rest)| rest.to_owned()).unwrap_or_default();
                let request = TokenRequest { method: method.to_owned(), host_and_path, uri };
                let token = Zeroizing::new(provider.token(request).await.map_err(|message| {
                    Error::new(ErrorKind::Authentication, format!("token provider failed: {message}"))
                })?);
                check_token(&token).map_err(|_| {
                    Error::new(
                        ErrorKind::Authentication,
                        "token provider: the token it gave must be non-empty visible ASCII (no spaces or line breaks)",
                    )
                })?;
                Ok(Zeroizing::new(format!("Bearer {}", token.as_str())))
            }
        }
    }
}

/// A token must be a non-empty, visible-ASCII header value (never echoed in the error).
fn check_token(token: &str) -> Result<()> {
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::configuration("bearer token: must be non-empty visible ASCII (no spaces or line breaks)"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_takes_exactly_one_kind() {
        let both = CredentialOptions {
            bearer_token: Some(Zeroizing::new("t".into())),
            key_file: Some("k.json".into()),
            ..Default::default()
        };
        assert!(Credentials::resolve(both).unwrap_err().message().contains("only one of"));
        let half = CredentialOptions { api_key_id: Some("id".into()), ..Default::default() };
        assert!(Credentials::resolve(half).unwrap_err().message().contains("both its id and its secret"));
        let bearer = CredentialOptions { bearer_token: Some(Zeroizing::new("t".into())), ..Default::default() };
        assert!(matches!(Credentials::resolve(bearer).unwrap(), Credentials::BearerToken(_)));
        let provider = CredentialOptions {
            token_provider: Some(Arc::new(|_r: TokenRequest| async { Ok("t".to_string()) })),
            ..Default::default()
        };
        assert!(matches!(Credentials::resolve(provider).unwrap(), Credentials::TokenProvider(_)));
    }

    #[test]
    fn debug_hides_tokens() {
        let c = Credentials::bearer_token("tok_very_secret").unwrap();
        assert_eq!(format!("{c:?}"), "BearerToken(<redacted>)");
    }

    #[test]
    fn bad_tokens_are_refused_without_echo() {
        let err = Credentials::bearer_token("abc def").unwrap_err();
        assert!(!err.message().contains("abc def"));
        assert!(Credentials::bearer_token("").is_err());
    }

    #[tokio::test]
    async fn token_provider_is_asked_per_request_with_the_uri() {
        let provider = |req: TokenRequest| async move { Ok(format!("tok-{}", req.method)) };
        let c = Credentials::token_provider(provider);
        let url = url::Url::parse("https://api.cdp.coinbase.com/platform/v2/payment-sessions/x").unwrap();
        assert_eq!(c.authorization("GET", &url).await.unwrap().as_str(), "Bearer tok-GET");

        let failing = Credentials::token_provider(|_req: TokenRequest| async { Err("backend down".to_string()) });
        let err = failing.authorization("GET", &url).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Authentication);
        assert!(err.message().contains("backend down"));
    }
}
