//! The native half of the `capturekit` npm package: the Rust core as napi classes and
//! functions. Every call returns a Promise resolved on napi's tokio runtime, so the event
//! loop never waits. Results are the API's camelCase JSON; errors carry the core's fields
//! as JSON for `index.js` to raise as the matching `CaptureKitError` subclass.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use capturekit::auth::{TokenFuture, TokenProvider, TokenRequest as CoreTokenRequest};
use capturekit::coinbase_payments::RewardInput;
use capturekit::{
    Capture, CaptureRequest, Client, ClientOptions, CredentialOptions, Error, EscrowCaptureRequest,
    StateSetCaptureRequest, WaitOptions,
};
use futures_util::{Stream, StreamExt};
use napi::bindgen_prelude::{Function, Promise};
use napi::threadsafe_function::ThreadsafeFunction;
use napi::Status;
use napi_derive::napi;
use serde_json::{json, Value};
use zeroize::Zeroizing;

/// Marks a rejection that carries a core error as JSON (see `index.js`).
const ERROR_PREFIX: &str = "capturekit:";

fn to_js_error(error: Error) -> napi::Error {
    let fields = json!({
        "code": error.code(),
        "message": error.message(),
        "status": error.http_status(),
        "errorType": error.error_type(),
        "correlationId": error.correlation_id(),
        "errorLink": error.error_link(),
        "idempotencyKey": error.idempotency_key(),
        "retryAfter": error.retry_after().map(|d| d.as_secs_f64()),
        "lastCapture": error.last_capture().map(capture_json),
    });
    napi::Error::new(Status::GenericFailure, format!("{ERROR_PREFIX}{fields}"))
}

fn capture_json(capture: &Capture) -> Value {
    let mut value = serde_json::to_value(capture).unwrap_or(Value::Null);
    if let Some(key) = &capture.idempotency_key {
        value["idempotencyKey"] = json!(key);
    }
    value
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Client options; the core chooses among the credentials given (see `Credentials::resolve`).
#[napi(object)]
pub struct NativeOptions {
    pub api_key_id: Option<String>,
    pub api_key_secret: Option<String>,
    pub key_file: Option<String>,
    pub bearer_token: Option<String>,
    pub base_url: Option<String>,
    pub timeout_ms: Option<u32>,
    pub connect_timeout_ms: Option<u32>,
    pub max_retries: Option<u32>,
    pub user_agent: Option<String>,
    pub stateset_api_key: Option<String>,
    pub coinbase_payments_base_url: Option<String>,
    pub stateset_base_url: Option<String>,
}

/// What a token provider is asked for: a token for this one request.
#[napi(object)]
pub struct TokenRequest {
    pub method: String,
    pub host_and_path: String,
    pub uri: String,
}

type JsTokenProvider = ThreadsafeFunction<TokenRequest, Promise<String>, TokenRequest, Status, false>;

/// Calls the app's async JavaScript function for each attempt's token.
struct NodeTokenProvider {
    function: Arc<JsTokenProvider>,
}

impl TokenProvider for NodeTokenProvider {
    fn token(&self, request: CoreTokenRequest) -> TokenFuture<'_> {
        let function = self.function.clone();
        Box::pin(async move {
            let request =
                TokenRequest { method: request.method, host_and_path: request.host_and_path, uri: request.uri };
            // call_async_catch: a provider that throws rejects the call; it never aborts node.
            let promise = function.call_async_catch(request).await.map_err(|e| e.reason.clone())?;
            promise.await.map_err(|e| e.reason.clone())
        })
    }
}

/// Capture options, as `index.js` passes them (the amount already checked to be a string).
#[napi(object)]
pub struct NativeCaptureOptions {
    pub amount: Option<String>,
    pub final_capture: Option<bool>,
    pub metadata: Option<std::collections::HashMap<String, String>>,
    pub external_reference_id: Option<String>,
    pub idempotency_key: Option<String>,
}

/// The core client.
#[napi]
pub struct NativeClient {
    client: Client,
}

#[napi]
impl NativeClient {
    #[napi(constructor)]
    pub fn new(
        options: NativeOptions,
        token_provider: Option<Function<TokenRequest, Promise<String>>>,
    ) -> napi::Result<Self> {
        let token_provider = match token_provider {
            Some(function) => {
                let tsfn: JsTokenProvider = function.build_threadsafe_function().callee_handled::<false>().build()?;
                Some(Arc::new(NodeTokenProvider { function: Arc::new(tsfn) }) as Arc<dyn TokenProvider>)
            }
            None => None,
        };
        let credentials = CredentialOptions {
            api_key_id: options.api_key_id,
            api_key_secret: options.api_key_secret.map(Zeroizing::new),
            key_file: options.key_file.map(Into::into),
            bearer_token: options.bearer_token.map(Zeroizing::new),
            token_provider,
            stateset_api_key: options.stateset_api_key.map(Zeroizing::new),
        };
        let options = ClientOptions {
            base_url: options.base_url,
            timeout: options.timeout_ms.map(|ms| Duration::from_millis(ms.into())),
            connect_timeout: options.connect_timeout_ms.map(|ms| Duration::from_millis(ms.into())),
            max_retries: options.max_retries,
            user_agent: Some(
                options.user_agent.map_or_else(|| "capturekit-node".to_owned(), |a| format!("capturekit-node {a}")),
            ),
            coinbase_payments_base_url: options.coinbase_payments_base_url,
            stateset_base_url: options.stateset_base_url,
        };
        let build = || Client::builder().credential_options(credentials).options(options).build();
        Ok(NativeClient { client: build().map_err(to_js_error)? })
    }

    #[napi(getter)]
    pub fn base_url(&self) -> String {
        self.client.base_url().to_owned()
    }

    #[napi]
    pub async fn capture(&self, payment_session_id: String, options: NativeCaptureOptions) -> napi::Result<Value> {
        let mut request = CaptureRequest {
            amount: None,
            final_capture: options.final_capture.unwrap_or(false),
            metadata: options.metadata.unwrap_or_default().into_iter().collect(),
            external_reference_id: options.external_reference_id,
            idempotency_key: options.idempotency_key,
        };
        if let Some(text) = options.amount {
            request = request.amount_text(&text).map_err(to_js_error)?;
        }
        let capture =
            self.client.payment_sessions().capture(&payment_session_id, request).await.map_err(to_js_error)?;
        Ok(capture_json(&capture))
    }

    #[napi]
    pub async fn get_capture(&self, payment_session_id: String, capture_id: String) -> napi::Result<Value> {
        let capture =
            self.client.payment_sessions().get_capture(&payment_session_id, &capture_id).await.map_err(to_js_error)?;
        Ok(capture_json(&capture))
    }

    #[napi]
    pub async fn list_captures(
        &self,
        payment_session_id: String,
        page_size: Option<u32>,
        page_token: Option<String>,
    ) -> napi::Result<Value> {
        let page = self
            .client
            .payment_sessions()
            .list_captures(&payment_session_id, page_size, page_token.as_deref())
            .await
            .map_err(to_js_error)?;
        Ok(json!({
            "captures": page.captures.iter().map(capture_json).collect::<Vec<_>>(),
            "nextPageToken": page.next_page_token,
        }))
    }

    #[napi]
    pub fn iter_captures(&self, payment_session_id: String, page_size: Option<u32>) -> CaptureIterator {
        let stream = self.client.payment_sessions().captures_stream(&payment_session_id, page_size);
        CaptureIterator { stream: Arc::new(tokio::sync::Mutex::new(Box::pin(stream))) }
    }

    #[napi]
    pub async fn get_session(&self, payment_session_id: String) -> napi::Result<Value> {
        let session = self.client.payment_sessions().get_session(&payment_session_id).await.map_err(to_js_error)?;
        Ok(to_json(&session))
    }

    #[napi]
    pub async fn wait_for_capture(
        &self,
        payment_session_id: String,
        capture_id: String,
        timeout_ms: u32,
        poll_interval_ms: Option<u32>,
    ) -> napi::Result<Value> {
        let mut options = WaitOptions::timeout(Duration::from_millis(timeout_ms.into()));
        if let Some(ms) = poll_interval_ms {
            options.initial_interval = Duration::from_millis(ms.into());
        }
        let capture = self
            .client
            .payment_sessions()
            .wait_for_capture(&payment_session_id, &capture_id, options)
            .await
            .map_err(to_js_error)?;
        Ok(capture_json(&capture))
    }
}

/// A reward to distribute with an escrow capture.
#[napi(object)]
pub struct NativeRewardInput {
    pub campaign_address: String,
    pub token_address: String,
    /// A non-negative integer (checked by `index.js`).
    pub chain_id: i64,
}

/// Escrow capture options, as `index.js` passes them.
#[napi(object)]
pub struct NativeEscrowCaptureOptions {
    pub amount: String,
    pub fee_bps: Option<u32>,
    pub fee_receiver: Option<String>,
    pub distribute_rewards: Option<Vec<NativeRewardInput>>,
    pub metadata: Option<std::collections::HashMap<String, String>>,
    pub idempotency_key: Option<String>,
}

/// StateSet capture options, as `index.js` passes them (cents checked to be a whole number).
#[napi(object)]
pub struct NativeStateSetCaptureOptions {
    pub amount: Option<i64>,
    pub statement_descriptor: Option<String>,
    pub metadata: Option<std::collections::HashMap<String, String>>,
}

#[napi]
impl NativeClient {
    #[napi]
    pub async fn escrow_capture(&self, payment_id: String, options: NativeEscrowCaptureOptions) -> napi::Result<Value> {
        let request = EscrowCaptureRequest {
            fee_bps: options.fee_bps.unwrap_or(0),
            fee_receiver: options.fee_receiver,
            distribute_rewards: options
                .distribute_rewards
                .unwrap_or_default()
                .into_iter()
                .map(|r| RewardInput {
                    campaign_address: r.campaign_address,
                    token_address: r.token_address,
                    chain_id: u64::try_from(r.chain_id).unwrap_or(0),
                })
                .collect(),
            metadata: options.metadata.unwrap_or_default().into_iter().collect(),
            idempotency_key: options.idempotency_key,
            ..Default::default()
        }
        .amount_text(&options.amount)
        .map_err(to_js_error)?;
        let capture = self.client.coinbase_payments().capture(&payment_id, request).await.map_err(to_js_error)?;
        let mut value = to_json(&capture);
        value["idempotencyKey"] = json!(capture.idempotency_key);
        Ok(value)
    }

    #[napi]
    pub async fn get_escrow_payment(&self, payment_id: String) -> napi::Result<Value> {
        Ok(to_json(&self.client.coinbase_payments().get_payment(&payment_id).await.map_err(to_js_error)?))
    }

    #[napi]
    pub async fn stateset_capture(
        &self,
        payment_id: String,
        options: NativeStateSetCaptureOptions,
    ) -> napi::Result<Value> {
        let request = StateSetCaptureRequest {
            amount_cents: options.amount.map(|cents| u64::try_from(cents).unwrap_or(0)),
            statement_descriptor: options.statement_descriptor,
            metadata: options.metadata.unwrap_or_default().into_iter().collect(),
        };
        Ok(to_json(&self.client.stateset().capture(&payment_id, request).await.map_err(to_js_error)?))
    }

    #[napi]
    pub async fn get_stateset_payment(&self, payment_id: String) -> napi::Result<Value> {
        Ok(to_json(&self.client.stateset().get_payment(&payment_id).await.map_err(to_js_error)?))
    }
}

type CaptureStream = Pin<Box<dyn Stream<Item = Result<Capture, Error>> + Send>>;

/// Every capture of a session, one page fetched at a time.
#[napi]
pub struct CaptureIterator {
    stream: Arc<tokio::sync::Mutex<CaptureStream>>,
}

#[napi]
impl CaptureIterator {
    /// The next capture, or `null` after the last one.
    #[napi]
    pub async fn next(&self) -> napi::Result<Option<Value>> {
        match self.stream.lock().await.next().await {
            None => Ok(None),
            Some(item) => item.map(|c| Some(capture_json(&c))).map_err(to_js_error),
        }
    }
}

/// A UUID-v4-shaped idempotency key derived from your own identifiers (stable across runs).
#[napi]
pub fn derive_idempotency_key(parts: Vec<String>) -> napi::Result<String> {
    capturekit::derive_idempotency_key(&parts).map_err(to_js_error)
}

/// A CDP JWT for one request (`"<METHOD> <host><path>"`), signed with this API key.
#[napi]
pub fn generate_jwt(
    api_key_id: String,
    api_key_secret: String,
    request_method: String,
    request_host: String,
    request_path: String,
) -> napi::Result<String> {
    capturekit::auth::generate_jwt(&api_key_id, &api_key_secret, &request_method, &request_host, &request_path)
        .map_err(to_js_error)
}

/// A fresh random UUID v4 idempotency key.
#[napi]
pub fn new_idempotency_key() -> String {
    capturekit::new_idempotency_key()
}
