//! The native half of the `capturekit-sdk` npm package: the Rust core as napi classes. Every
//! conversion comes from the core (its `node` feature): results become objects with
//! camelCase keys and `Date`s, option objects are checked key by key, and every call resolves
//! with an outcome (`{ value }` or `{ error, description }`) that `index.js` unwraps.

mod calls;
mod signer;
mod token_provider;

use std::future::Future;

use capturekit::node::{from_options, throw_type_error, FromJs, IntoJs, Outcome};
use capturekit::{ClientOptions, CredentialOptions, Error, InputError};
use napi::bindgen_prelude::{Function, Object, Promise, PromiseRaw};
use napi::{Env, Unknown};
use napi_derive::napi;

pub use calls::{CaptureIterator, CoinbasePayments, PaymentSessions, StateSet};
pub use signer::JwtSigner;
use token_provider::{NodeTokenProvider, TokenRequest};

/// Starts `call` once its arguments converted: a promise of its outcome. A wrong type or
/// name throws a `TypeError` at once; a rule broken resolves with that error's outcome; a
/// panic inside the call resolves with an `internal` error's.
pub(crate) fn settle<'env, T, F>(
    env: &'env Env,
    call: Result<F, InputError>,
) -> napi::Result<PromiseRaw<'env, Outcome<T>>>
where
    T: IntoJs + Send + 'static,
    F: Future<Output = Result<T, Error>> + Send + 'static,
{
    match call {
        Ok(future) => {
            env.spawn_future(async move { Ok(Outcome::from(capturekit::panics::catch_panics(future).await)) })
        }
        Err(InputError::Invalid(error)) => env.spawn_future(async move { Ok(Outcome::<T>::Failure(error)) }),
        Err(InputError::Type(message)) => Err(throw_type_error(env, message)),
    }
}

/// The outcome of a call that runs at once (no I/O).
pub(crate) fn at_once<T>(env: &Env, result: Result<T, InputError>) -> napi::Result<Outcome<T>> {
    match result {
        Ok(value) => Ok(Outcome::Value(value)),
        Err(InputError::Invalid(error)) => Ok(Outcome::Failure(error)),
        Err(InputError::Type(message)) => Err(throw_type_error(env, message)),
    }
}

/// The core client. Build it with `NativeClient.create` (it resolves credentials and checks
/// every option); its call groups share its connection pool.
#[napi]
pub struct NativeClient {
    client: capturekit::Client,
}

impl IntoJs for NativeClient {
    type Js = NativeClient;
    fn into_js(self) -> NativeClient {
        self
    }
}

#[napi]
impl NativeClient {
    /// `credentials` has the keys of the core's `CredentialOptions`, `options` those of its
    /// `ClientOptions`; an unknown key is a `TypeError`. `provider` is `credentials`'s
    /// `tokenProvider`, made to return a Promise by `index.js`.
    #[napi(ts_return_type = "{ value?: NativeClient, error?: unknown, description?: string }")]
    pub fn create(
        env: &Env,
        credentials: Option<Unknown<'_>>,
        options: Option<Unknown<'_>>,
        provider: Option<Function<'_, TokenRequest, Promise<String>>>,
    ) -> napi::Result<Outcome<NativeClient>> {
        let mut parsed = match at_once(env, read(credentials.as_ref(), options.as_ref()))? {
            Outcome::Value(parsed) => parsed,
            Outcome::Failure(error) => return Ok(Outcome::Failure(error)),
        };
        if let Some(function) = provider {
            parsed.0.token_provider = Some(NodeTokenProvider::build(function)?);
        }
        let (credentials, options) = parsed;
        let built =
            capturekit::Client::builder().binding("node").credential_options(credentials).options(options).build();
        Ok(Outcome::from(built.map(|client| NativeClient { client })))
    }

    /// The base URL requests go to.
    #[napi(getter)]
    pub fn base_url(&self) -> String {
        self.client.base_url().to_owned()
    }

    /// The CDP Payment Sessions calls.
    #[napi(getter)]
    pub fn payment_sessions(&self) -> PaymentSessions {
        PaymentSessions::new(self.client.clone())
    }

    /// The Coinbase Payments (escrow) calls.
    #[napi(getter)]
    pub fn coinbase_payments(&self) -> CoinbasePayments {
        CoinbasePayments::new(self.client.clone())
    }

    /// The StateSet calls.
    #[napi(getter)]
    pub fn stateset(&self) -> StateSet {
        StateSet::new(self.client.clone())
    }

    /// Closes the client (see the core's `Client::close`): the token provider is let go and
    /// later calls fail before any I/O.
    #[napi]
    pub fn close(&self) {
        self.client.close();
    }
}

/// Reads the two option objects; `tokenProvider`, if given, must be a function (the
/// function itself reaches `create` separately, wrapped by `index.js`).
fn read(
    credentials: Option<&Unknown<'_>>,
    options: Option<&Unknown<'_>>,
) -> Result<(CredentialOptions, ClientOptions), InputError> {
    let parsed: CredentialOptions = from_options(credentials)?;
    if let Some((key, value)) = credentials.and_then(|c| token_provider_value(c)) {
        if value.get_type().ok() != Some(napi::ValueType::Function) {
            return Err(InputError::Type(format!("{key}: must be a function")));
        }
    }
    Ok((parsed, from_options(options)?))
}

/// The callback of a credentials object (the one field a binding fills itself), with its key,
/// unless missing, `null` or `undefined`.
fn token_provider_value<'a>(credentials: &Unknown<'a>) -> Option<(&'static str, Unknown<'a>)> {
    use capturekit::schema::Record;
    if credentials.get_type().ok() != Some(napi::ValueType::Object) {
        return None;
    }
    let key = CredentialOptions::schema().fields.iter().find(|field| field.binding_filled)?.js;
    // SAFETY: checked to be an object just above.
    let object = unsafe { credentials.cast::<Object<'a>>() }.ok()?;
    let value: Unknown<'a> = object.get(key).ok()??;
    match value.get_type() {
        Ok(napi::ValueType::Null | napi::ValueType::Undefined) => None,
        _ => Some((key, value)),
    }
}

/// A UUID-v4-shaped idempotency key derived from your own identifiers (stable across runs).
#[napi(ts_return_type = "{ value?: string, error?: unknown, description?: string }")]
pub fn derive_idempotency_key(env: &Env, parts: Unknown<'_>) -> napi::Result<Outcome<String>> {
    let parts = at_once(env, Vec::<String>::from_js(&parts, "parts"))?;
    Ok(parts.and_then(|parts| Outcome::from(capturekit::derive_idempotency_key(&parts))))
}

/// A CDP JWT for one request, keeping nothing once it returns: the keys of the core's
/// `ApiKeyOptions` and `JwtRequest` in one object. To sign many tokens, keep a `JwtSigner`.
#[napi(ts_return_type = "{ value?: string, error?: unknown, description?: string }")]
pub fn generate_jwt(env: &Env, options: Option<Unknown<'_>>) -> napi::Result<Outcome<String>> {
    use capturekit::auth::{ApiKeyOptions, JwtRequest, JwtSigner};
    let read = capturekit::node::split_options::<ApiKeyOptions, JwtRequest>(options.as_ref(), "generateJwt");
    Ok(at_once(env, read)?.and_then(|(key, request)| {
        Outcome::from(JwtSigner::from_options(key).and_then(|signer| signer.sign_request(&request)))
    }))
}

/// Verifies a webhook delivery (raw body Buffer, request headers, subscription secret,
/// options `{ maxAgeMs }`) and returns its event.
#[napi(ts_return_type = "{ value?: unknown, error?: unknown, description?: string }")]
pub fn verify_webhook(
    env: &Env,
    body: Unknown<'_>,
    headers: Unknown<'_>,
    secret: Unknown<'_>,
    options: Option<Unknown<'_>>,
) -> napi::Result<Outcome<capturekit::WebhookEvent>> {
    use capturekit::webhooks::{WebhookBody, WebhookHeaders, WebhookOptions};
    let read = (|| {
        let body = WebhookBody::from_js(&body, "body")?;
        let headers = WebhookHeaders::from_js(&headers, "headers")?;
        let secret = String::from_js(&secret, "secret")?;
        let options: WebhookOptions = from_options(options.as_ref())?;
        Ok((body, headers, secret, options))
    })();
    Ok(at_once(env, read)?.and_then(|(body, headers, secret, options)| {
        Outcome::from(capturekit::webhooks::verify_webhook(&body.0, headers.pairs(), &secret, options))
    }))
}

/// The `X-Hook0-Signature` CDP would send for `body` signed with `secret` (options
/// `{ headers, timestamp }`): for tests of a webhook handler.
#[napi(ts_return_type = "{ value?: string, error?: unknown, description?: string }")]
pub fn sign_webhook(
    env: &Env,
    body: Unknown<'_>,
    secret: Unknown<'_>,
    options: Option<Unknown<'_>>,
) -> napi::Result<Outcome<String>> {
    use capturekit::webhooks::{WebhookBody, WebhookSignOptions};
    let read = (|| {
        let body = WebhookBody::from_js(&body, "body")?;
        let secret = String::from_js(&secret, "secret")?;
        let options: WebhookSignOptions = from_options(options.as_ref())?;
        Ok((body, secret, options))
    })();
    Ok(at_once(env, read)?.and_then(|(body, secret, options)| {
        Outcome::from(capturekit::webhooks::sign_webhook(
            &secret,
            &body.0,
            &options.header_pairs(),
            options.unix_time(),
        ))
    }))
}

/// A fresh random UUID v4 idempotency key.
/// Test hook, not API (`index.js` does not export it): a call that panics inside the core.
#[napi(ts_return_type = "Promise<{ value?: undefined, error?: unknown, description?: string }>")]
pub fn panic_for_tests(env: &Env) -> napi::Result<PromiseRaw<'_, Outcome<()>>> {
    settle(env, Ok(capturekit::panics::panic_for_tests()))
}

#[napi]
pub fn new_idempotency_key() -> String {
    capturekit::new_idempotency_key()
}

/// The error kinds of the core, by code, for the package's check that its classes cover them.
#[napi]
pub fn error_codes() -> Vec<String> {
    capturekit::ErrorKind::ALL.iter().map(|kind| kind.code().to_owned()).collect()
}
