//! The client object and its calls. Every call is async on the tokio runtime (`suspend` in
//! Kotlin, `async` in Swift); cancelling the caller drops the call.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use capturekit::coinbase_payments::{EscrowCapture, EscrowPaymentDetails, RewardInput};
use capturekit::stateset::StateSetPayment;
use capturekit::{
    CancelRequest, Capture, CapturePage, ClientOptions, CredentialOptions, PaymentSession, PaymentSessionPage, Refund,
    RefundPage, RefundSource, StateSetCaptureRequest, Void, VoidPage, VoidRequest, WaitOptions,
};
use zeroize::Zeroizing;

use crate::error::CaptureKitError;
use crate::token_provider::{ForeignTokenProvider, TokenProvider};

type Result<T> = std::result::Result<T, CaptureKitError>;

/// A capturekit client. Build one with a token provider or a bearer token in an app; an API
/// key (id and secret, or key file) only on a server. Cheap to share: one connection pool.
#[derive(uniffi::Object)]
pub struct Client {
    client: capturekit::Client,
    calls: Arc<AtomicU64>,
}

impl Client {
    fn build(
        credentials: CredentialOptions,
        options: ClientOptions,
        stateset_api_key: Option<String>,
    ) -> Result<Arc<Self>> {
        let credentials = CredentialOptions { stateset_api_key: stateset_api_key.map(Zeroizing::new), ..credentials };
        let client =
            capturekit::Client::builder().binding("uniffi").credential_options(credentials).options(options).build()?;
        Ok(Arc::new(Client { client, calls: Arc::default() }))
    }
}

#[uniffi::export]
impl Client {
    /// For apps: asks `provider` (your back end) for a token before every attempt.
    #[uniffi::constructor(default(stateset_api_key = None))]
    pub fn with_token_provider(
        provider: Arc<dyn TokenProvider>,
        options: ClientOptions,
        stateset_api_key: Option<String>,
    ) -> Result<Arc<Self>> {
        let provider = Arc::new(ForeignTokenProvider(provider));
        Self::build(
            CredentialOptions { token_provider: Some(provider), ..Default::default() },
            options,
            stateset_api_key,
        )
    }

    /// A static bearer token, sent as is.
    #[uniffi::constructor(default(stateset_api_key = None))]
    pub fn with_bearer_token(
        token: String,
        options: ClientOptions,
        stateset_api_key: Option<String>,
    ) -> Result<Arc<Self>> {
        let credentials = CredentialOptions { bearer_token: Some(Zeroizing::new(token)), ..Default::default() };
        Self::build(credentials, options, stateset_api_key)
    }

    /// For servers only (never ship a secret in an app): a CDP API key id and secret; each
    /// attempt carries a fresh JWT signed with it.
    #[uniffi::constructor(default(stateset_api_key = None))]
    pub fn with_api_key(
        key_id: String,
        key_secret: String,
        options: ClientOptions,
        stateset_api_key: Option<String>,
    ) -> Result<Arc<Self>> {
        let credentials = CredentialOptions {
            api_key_id: Some(key_id),
            api_key_secret: Some(Zeroizing::new(key_secret)),
            ..Default::default()
        };
        Self::build(credentials, options, stateset_api_key)
    }

    /// For servers only: the CDP API key JSON file.
    #[uniffi::constructor(default(stateset_api_key = None))]
    pub fn with_key_file(path: String, options: ClientOptions, stateset_api_key: Option<String>) -> Result<Arc<Self>> {
        Self::build(CredentialOptions { key_file: Some(path.into()), ..Default::default() }, options, stateset_api_key)
    }

    /// For servers only: `CDP_API_KEY_ID` / `CDP_API_KEY_SECRET` and `STATESET_API_KEY` from
    /// the environment (at least one of the two).
    #[uniffi::constructor]
    pub fn from_environment(options: ClientOptions) -> Result<Arc<Self>> {
        Self::build(CredentialOptions::default(), options, None)
    }

    /// For servers only: StateSet alone, with its API key (no CDP credentials).
    #[uniffi::constructor]
    pub fn with_stateset_api_key(key: String, options: ClientOptions) -> Result<Arc<Self>> {
        Self::build(CredentialOptions::default(), options, Some(key))
    }

    /// The base URL this client sends to.
    pub fn base_url(&self) -> String {
        self.client.base_url().to_owned()
    }

    /// The CDP Payment Sessions calls.
    pub fn payment_sessions(&self) -> Arc<PaymentSessions> {
        Arc::new(PaymentSessions { calls: self.client.payment_sessions(), in_flight: self.calls.clone() })
    }

    /// The Coinbase Payments (escrow) calls.
    pub fn coinbase_payments(&self) -> Arc<CoinbasePayments> {
        Arc::new(CoinbasePayments { calls: self.client.coinbase_payments(), in_flight: self.calls.clone() })
    }

    /// The StateSet calls.
    pub fn stateset(&self) -> Arc<StateSet> {
        Arc::new(StateSet { calls: self.client.stateset(), in_flight: self.calls.clone() })
    }

    /// Closes the client and the call groups taken from it: its token provider is let go,
    /// and every later call fails with `CaptureKitError.Configuration` before any I/O. A request
    /// under way finishes with its retries. (Not `close`: Kotlin's `AutoCloseable.close` of a uniffi object
    /// only frees that one handle.)
    pub fn shutdown(&self) {
        self.client.close();
    }

    /// How many calls made through this client are running now. A cancelled call stops
    /// counting as soon as it is dropped, so this returns to zero once the app is idle.
    pub fn calls_in_flight(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }
}

/// What to capture: `amount` as a decimal string in the session's asset (`null` captures
/// all that is capturable), plus options.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct CaptureRequest {
    /// A plain positive decimal, e.g. `"10.50"`; `null` captures all that is capturable.
    #[uniffi(default = None)]
    pub amount: Option<String>,
    /// Release any remaining capturable balance once this capture settles.
    #[uniffi(default = false)]
    pub final_capture: bool,
    /// Up to 10 pairs; keys 1 to 40 characters, values at most 500.
    #[uniffi(default)]
    pub metadata: HashMap<String, String>,
    /// Your own reference, at most 256 characters.
    #[uniffi(default = None)]
    pub external_reference_id: Option<String>,
    /// The idempotency key; a random UUID v4 when `null`. Pass your own (see
    /// `deriveIdempotencyKey`) to retry safely across restarts.
    #[uniffi(default = None)]
    pub idempotency_key: Option<String>,
}

impl CaptureRequest {
    // Both structs are spelled out field by field, with no `..Default::default()`: a field
    // the core's request gains fails to compile here instead of being silently defaulted.
    fn into_core(self) -> capturekit::Result<capturekit::CaptureRequest> {
        let CaptureRequest { amount, final_capture, metadata, external_reference_id, idempotency_key } = self;
        let request = capturekit::CaptureRequest {
            amount: None,
            final_capture,
            metadata: metadata.into_iter().collect(),
            external_reference_id,
            idempotency_key,
        };
        match amount {
            Some(text) => request.amount_text(&text),
            None => Ok(request),
        }
    }
}

/// What to refund: `source` (an account with its asset, or an address), and `amount` as a
/// decimal string in the session's asset (`null` refunds all that is refundable).
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct RefundRequest {
    /// Where the money comes from: `accountId` and `asset`, or `address`.
    pub source: RefundSource,
    /// A plain positive decimal, e.g. `"0.50"`; `null` refunds all that is refundable.
    #[uniffi(default = None)]
    pub amount: Option<String>,
    /// Why, for your records and the payer's.
    #[uniffi(default = None)]
    pub reason: Option<String>,
    /// Up to 10 pairs; keys 1 to 40 characters, values at most 500.
    #[uniffi(default)]
    pub metadata: HashMap<String, String>,
    /// The idempotency key; a random UUID v4 when `null`.
    #[uniffi(default = None)]
    pub idempotency_key: Option<String>,
}

impl RefundRequest {
    // Spelled out field by field, as `CaptureRequest::into_core` is, for the same reason.
    fn into_core(self) -> capturekit::Result<capturekit::RefundRequest> {
        let RefundRequest { source, amount, reason, metadata, idempotency_key } = self;
        let request = capturekit::RefundRequest {
            source,
            amount: None,
            reason,
            metadata: metadata.into_iter().collect(),
            idempotency_key,
        };
        match amount {
            Some(text) => request.amount_text(&text),
            None => Ok(request),
        }
    }
}

/// The CDP Payment Sessions calls of a [`Client`].
#[derive(uniffi::Object)]
pub struct PaymentSessions {
    calls: capturekit::PaymentSessions,
    in_flight: Arc<AtomicU64>,
}

/// Runs a core call, counted in flight while it is alive; a panic inside it is
/// `CaptureKitError.Internal`, like any other error of the core.
async fn tracked<T>(
    in_flight: &Arc<AtomicU64>,
    call: impl std::future::Future<Output = capturekit::Result<T>>,
) -> Result<T> {
    let _call = InFlight::start(in_flight);
    Ok(capturekit::panics::catch_panics(call).await?)
}

/// Counts one call while it is alive, whether it finishes or is dropped half way.
struct InFlight(Arc<AtomicU64>);

impl InFlight {
    fn start(counter: &Arc<AtomicU64>) -> Self {
        counter.fetch_add(1, Ordering::SeqCst);
        InFlight(counter.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl PaymentSessions {
    /// Creates a capture on an authorized session; it comes back `Pending`. Every attempt
    /// carries the same idempotency key, which is on the result and on every error.
    pub async fn capture(&self, payment_session_id: String, request: CaptureRequest) -> Result<Capture> {
        let request = request.into_core()?;
        tracked(&self.in_flight, self.calls.capture(&payment_session_id, request)).await
    }

    /// Voids the session: releases all that is still capturable; it comes back `Pending`.
    /// The idempotency key is handled as for `capture`.
    pub async fn void(&self, payment_session_id: String, request: VoidRequest) -> Result<Void> {
        tracked(&self.in_flight, self.calls.void(&payment_session_id, request)).await
    }

    /// Refunds captured funds from `request.source`; it comes back `Pending`. The
    /// idempotency key is handled as for `capture`.
    pub async fn refund(&self, payment_session_id: String, request: RefundRequest) -> Result<Refund> {
        let request = request.into_core()?;
        tracked(&self.in_flight, self.calls.refund(&payment_session_id, request)).await
    }

    /// Cancels a session that was never authorized and returns it, `Canceled`.
    pub async fn cancel(&self, payment_session_id: String, request: CancelRequest) -> Result<PaymentSession> {
        tracked(&self.in_flight, self.calls.cancel(&payment_session_id, request)).await
    }

    /// Fetches one capture.
    pub async fn get_capture(&self, payment_session_id: String, capture_id: String) -> Result<Capture> {
        tracked(&self.in_flight, self.calls.get_capture(&payment_session_id, &capture_id)).await
    }

    /// Fetches one void.
    pub async fn get_void(&self, payment_session_id: String, void_id: String) -> Result<Void> {
        tracked(&self.in_flight, self.calls.get_void(&payment_session_id, &void_id)).await
    }

    /// Fetches one refund.
    pub async fn get_refund(&self, payment_session_id: String, refund_id: String) -> Result<Refund> {
        tracked(&self.in_flight, self.calls.get_refund(&payment_session_id, &refund_id)).await
    }

    /// Fetches one page of a session's voids (`pageSize` 1 to 100, default 20).
    #[uniffi::method(default(page_size = None, page_token = None))]
    pub async fn list_voids(
        &self,
        payment_session_id: String,
        page_size: Option<u32>,
        page_token: Option<String>,
    ) -> Result<VoidPage> {
        tracked(&self.in_flight, self.calls.list_voids(&payment_session_id, page_size, page_token.as_deref())).await
    }

    /// Fetches one page of a session's refunds (`pageSize` 1 to 100, default 20).
    #[uniffi::method(default(page_size = None, page_token = None))]
    pub async fn list_refunds(
        &self,
        payment_session_id: String,
        page_size: Option<u32>,
        page_token: Option<String>,
    ) -> Result<RefundPage> {
        tracked(&self.in_flight, self.calls.list_refunds(&payment_session_id, page_size, page_token.as_deref())).await
    }

    /// Fetches one page of the payment sessions the credentials can see.
    #[uniffi::method(default(page_size = None, page_token = None))]
    pub async fn list_sessions(
        &self,
        page_size: Option<u32>,
        page_token: Option<String>,
    ) -> Result<PaymentSessionPage> {
        tracked(&self.in_flight, self.calls.list_sessions(page_size, page_token.as_deref())).await
    }

    /// Every void of a session, fetching page after page.
    #[uniffi::method(default(page_size = None))]
    pub async fn list_all_voids(&self, payment_session_id: String, page_size: Option<u32>) -> Result<Vec<Void>> {
        tracked(&self.in_flight, self.calls.list_all_voids(&payment_session_id, page_size)).await
    }

    /// Every refund of a session, fetching page after page.
    #[uniffi::method(default(page_size = None))]
    pub async fn list_all_refunds(&self, payment_session_id: String, page_size: Option<u32>) -> Result<Vec<Refund>> {
        tracked(&self.in_flight, self.calls.list_all_refunds(&payment_session_id, page_size)).await
    }

    /// Every payment session, fetching page after page.
    #[uniffi::method(default(page_size = None))]
    pub async fn list_all_sessions(&self, page_size: Option<u32>) -> Result<Vec<PaymentSession>> {
        tracked(&self.in_flight, self.calls.list_all_sessions(page_size)).await
    }

    /// Polls a void until it settles, as `waitForCapture` does a capture.
    pub async fn wait_for_void(
        &self,
        payment_session_id: String,
        void_id: String,
        options: WaitOptions,
    ) -> Result<Void> {
        tracked(&self.in_flight, self.calls.wait_for_void(&payment_session_id, &void_id, options)).await
    }

    /// Polls a refund until it settles, as `waitForCapture` does a capture.
    pub async fn wait_for_refund(
        &self,
        payment_session_id: String,
        refund_id: String,
        options: WaitOptions,
    ) -> Result<Refund> {
        tracked(&self.in_flight, self.calls.wait_for_refund(&payment_session_id, &refund_id, options)).await
    }

    /// Fetches one page of a session's captures (`pageSize` 1 to 100, default 20).
    #[uniffi::method(default(page_size = None, page_token = None))]
    pub async fn list_captures(
        &self,
        payment_session_id: String,
        page_size: Option<u32>,
        page_token: Option<String>,
    ) -> Result<CapturePage> {
        tracked(&self.in_flight, self.calls.list_captures(&payment_session_id, page_size, page_token.as_deref())).await
    }

    /// Every capture of a session, fetching page after page.
    #[uniffi::method(default(page_size = None))]
    pub async fn list_all_captures(&self, payment_session_id: String, page_size: Option<u32>) -> Result<Vec<Capture>> {
        tracked(&self.in_flight, self.calls.list_all_captures(&payment_session_id, page_size)).await
    }

    /// Fetches a payment session, with its balances and deadlines.
    pub async fn get_session(&self, payment_session_id: String) -> Result<PaymentSession> {
        tracked(&self.in_flight, self.calls.get_session(&payment_session_id)).await
    }

    /// Polls a capture until it settles (`Succeeded` or `Failed`) or `options.timeout` passes
    /// (60 s when not set).
    pub async fn wait_for_capture(
        &self,
        payment_session_id: String,
        capture_id: String,
        options: WaitOptions,
    ) -> Result<Capture> {
        tracked(&self.in_flight, self.calls.wait_for_capture(&payment_session_id, &capture_id, options)).await
    }
}

/// What to capture from an escrowed Coinbase Payments payment.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct EscrowCaptureRequest {
    /// A plain positive decimal in the payment's token, e.g. `"10.50"`.
    pub amount: String,
    /// The fee in basis points (0 to 10000), within the payment's bounds.
    #[uniffi(default = 0)]
    pub fee_bps: u32,
    /// Who receives the fee (`0x` + 40 hex digits); `null` means none (only with a fee of 0).
    #[uniffi(default = None)]
    pub fee_receiver: Option<String>,
    /// Rewards to distribute with the capture.
    #[uniffi(default)]
    pub distribute_rewards: Vec<RewardInput>,
    /// Metadata returned in the webhook; the same limits as CDP metadata.
    #[uniffi(default)]
    pub metadata: HashMap<String, String>,
    /// The idempotency key; a random UUID v4 when `null`.
    #[uniffi(default = None)]
    pub idempotency_key: Option<String>,
}

impl EscrowCaptureRequest {
    // Spelled out field by field, as `CaptureRequest::into_core` is, for the same reason.
    fn into_core(self) -> capturekit::Result<capturekit::EscrowCaptureRequest> {
        let EscrowCaptureRequest { amount, fee_bps, fee_receiver, distribute_rewards, metadata, idempotency_key } =
            self;
        let request = capturekit::EscrowCaptureRequest {
            amount: capturekit::Decimal::ZERO,
            fee_bps,
            fee_receiver,
            distribute_rewards,
            metadata: metadata.into_iter().collect(),
            idempotency_key,
        };
        request.amount_text(&amount)
    }
}

/// The Coinbase Payments calls of a [`Client`].
#[derive(uniffi::Object)]
pub struct CoinbasePayments {
    calls: capturekit::CoinbasePayments,
    in_flight: Arc<AtomicU64>,
}

#[uniffi::export(async_runtime = "tokio")]
impl CoinbasePayments {
    /// Captures escrowed funds; the same idempotency key goes on every attempt and error.
    pub async fn capture(&self, payment_id: String, request: EscrowCaptureRequest) -> Result<EscrowCapture> {
        let request = request.into_core()?;
        tracked(&self.in_flight, self.calls.capture(&payment_id, request)).await
    }

    /// Fetches a payment and its operations.
    pub async fn get_payment(&self, payment_id: String) -> Result<EscrowPaymentDetails> {
        tracked(&self.in_flight, self.calls.get_payment(&payment_id)).await
    }
}

/// Signs CDP JWTs with one API key, for a server that mints tokens for apps. The key is
/// parsed once and wiped from memory when the signer is dropped; nothing is kept elsewhere.
#[derive(uniffi::Object)]
pub struct JwtSigner {
    signer: capturekit::auth::JwtSigner,
}

#[uniffi::export]
impl JwtSigner {
    /// A signer for an API key id and secret (Ed25519 base64 or EC PEM).
    #[uniffi::constructor]
    pub fn with_api_key(key_id: String, key_secret: String) -> Result<Arc<Self>> {
        let key_secret = Zeroizing::new(key_secret);
        Ok(Arc::new(JwtSigner { signer: capturekit::auth::JwtSigner::new(&key_id, &key_secret)? }))
    }

    /// A signer for the key in a CDP key JSON file.
    #[uniffi::constructor]
    pub fn with_key_file(path: String) -> Result<Arc<Self>> {
        Ok(Arc::new(JwtSigner { signer: capturekit::auth::JwtSigner::from_key_file(path)? }))
    }

    /// A JWT (two minutes, fresh nonce) for one request.
    pub fn sign(&self, request: capturekit::auth::JwtRequest) -> Result<String> {
        Ok(self.signer.sign_request(&request)?)
    }

    /// The key's id.
    pub fn key_id(&self) -> String {
        self.signer.key_id().to_owned()
    }
}

/// The StateSet calls of a [`Client`].
#[derive(uniffi::Object)]
pub struct StateSet {
    calls: capturekit::StateSet,
    in_flight: Arc<AtomicU64>,
}

#[uniffi::export(async_runtime = "tokio")]
impl StateSet {
    /// Captures an authorized payment (cents); never repeated after an ambiguous ending.
    pub async fn capture(&self, payment_id: String, request: StateSetCaptureRequest) -> Result<StateSetPayment> {
        tracked(&self.in_flight, self.calls.capture(&payment_id, request)).await
    }

    /// Fetches a payment.
    pub async fn get_payment(&self, payment_id: String) -> Result<StateSetPayment> {
        tracked(&self.in_flight, self.calls.get_payment(&payment_id)).await
    }
}
