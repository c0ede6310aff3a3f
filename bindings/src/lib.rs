//! capturekit for apps and the JVM, through uniffi: the generated Kotlin and Swift call
//! this crate, which converts types and errors and leaves every decision to the core.
//!
//! The core's result records, enums, wait options and error details cross as they are (the
//! core's `uniffi` feature); this crate adds what needs a different shape: the client and
//! signer objects, the capture requests (their amounts are text, checked by the core), the
//! error enum (built from the core's list of kinds) and the token-provider trait.

// uniffi lowers the error enum by value, so its details cannot be boxed to keep it small;
// the size only matters on the error path.
#![allow(clippy::result_large_err)]

mod client;
mod error;
mod token_provider;

pub use client::{
    CaptureRequest, Client, CoinbasePayments, EscrowCaptureRequest, JwtSigner, PaymentSessions, StateSet,
};
pub use error::CaptureKitError;
pub use token_provider::{TokenProvider, TokenProviderError};

uniffi::setup_scaffolding!("capturekit_ffi");

/// A UUID-v4-shaped idempotency key derived from your own identifiers: the same parts give
/// the same key on every run, so a retry after a restart cannot capture twice.
#[uniffi::export]
pub fn derive_idempotency_key(parts: Vec<String>) -> Result<String, CaptureKitError> {
    Ok(capturekit::derive_idempotency_key(&parts)?)
}

/// A fresh random UUID v4 idempotency key.
#[uniffi::export]
pub fn new_idempotency_key() -> String {
    capturekit::new_idempotency_key()
}

/// Test hook, not API: a call that panics inside the core, so that the tests of each
/// language show a panic arrives as `CaptureKitError.Internal` with the app alive.
#[uniffi::export(async_runtime = "tokio")]
pub async fn internal_panic_for_tests() -> Result<(), CaptureKitError> {
    Ok(capturekit::panics::catch_panics(capturekit::panics::panic_for_tests()).await?)
}

/// Verifies a webhook delivery and returns its event: `body` the raw request body, `headers`
/// the request's headers (names in any case), `secret` the subscription's signing secret.
/// Throws a `Webhook…` error when the delivery must not be trusted; handle each `eventId`
/// once (deliveries are retried).
#[uniffi::export(default(options = None))]
pub fn verify_webhook(
    body: Vec<u8>,
    headers: std::collections::HashMap<String, String>,
    secret: String,
    options: Option<capturekit::webhooks::WebhookOptions>,
) -> Result<capturekit::WebhookEvent, CaptureKitError> {
    let pairs = headers.iter().map(|(name, value)| (name.as_str(), value.as_str()));
    Ok(capturekit::webhooks::verify_webhook(&body, pairs, &secret, options.unwrap_or_default())?)
}

/// The `X-Hook0-Signature` CDP would send for `body` signed with `secret`, covering
/// `headers` (default `content-type: application/json`; send them with the body) at
/// `timestamp` (unix seconds; now when `null`): for tests of a webhook handler.
#[uniffi::export(default(headers = None, timestamp = None))]
pub fn sign_webhook(
    body: Vec<u8>,
    secret: String,
    headers: Option<std::collections::HashMap<String, String>>,
    timestamp: Option<u64>,
) -> Result<String, CaptureKitError> {
    let headers = headers.unwrap_or_default().into_iter().collect();
    let options = capturekit::webhooks::WebhookSignOptions { headers, timestamp };
    Ok(capturekit::webhooks::sign_webhook(&secret, &body, &options.header_pairs(), options.unix_time())?)
}
