//! The call groups (`client.paymentSessions`, `client.coinbasePayments`, `client.stateset`).
//! Each call is written once, in `call_group!`: its positional arguments and its options
//! object are converted by the core's rules (a wrong type or unknown key is a `TypeError`),
//! then the core call runs on napi's tokio runtime and resolves with its outcome.

use std::pin::Pin;
use std::sync::Arc;

use capturekit::coinbase_payments::{EscrowCapture, EscrowPaymentDetails};
use capturekit::node::{from_options, FromJs, Outcome};
use capturekit::stateset::StateSetPayment;
use capturekit::{
    Capture, CapturePage, CaptureRequest, EscrowCaptureRequest, InputError, PageOptions, PaymentSession,
    StateSetCaptureRequest, WaitOptions,
};
use futures_util::{Stream, StreamExt};
use napi::bindgen_prelude::PromiseRaw;
use napi::{Env, Unknown};
use napi_derive::napi;

use crate::settle;

/// A positional argument's name as JavaScript spells it (`payment_session_id` → `paymentSessionId`).
fn js_name(rust_name: &str) -> String {
    let mut parts = rust_name.split('_');
    let first = parts.next().unwrap_or_default().to_owned();
    parts.fold(first, |mut name, part| {
        let mut chars = part.chars();
        if let Some(head) = chars.next() {
            name.extend(head.to_uppercase());
            name.push_str(chars.as_str());
        }
        name
    })
}

/// Declares a napi class with calls. A call is
/// `fn name(positional: Type, …) [options: Request] -> Result = |client| body;`.
macro_rules! call_group {
    (
        $(#[doc = $doc:literal])*
        $group:ident {
            $(
                $(#[doc = $call_doc:literal])*
                fn $name:ident($($arg:ident: $arg_ty:ty),*) $([$options:ident: $options_ty:ty])? -> $out:ty
                    = |$client:ident| $body:expr;
            )*
        }
    ) => {
        $(#[doc = $doc])*
        #[napi]
        pub struct $group {
            client: capturekit::Client,
        }

        impl $group {
            pub fn new(client: capturekit::Client) -> Self {
                $group { client }
            }
        }

        #[napi]
        impl $group {
            $(
                $(#[doc = $call_doc])*
                #[napi(ts_return_type = "Promise<unknown>")]
                pub fn $name<'env>(
                    &self,
                    env: &'env Env,
                    $($arg: Unknown<'env>,)*
                    $($options: Option<Unknown<'env>>,)?
                ) -> napi::Result<PromiseRaw<'env, Outcome<$out>>> {
                    let call = (|| -> Result<_, InputError> {
                        $(let $arg = <$arg_ty as FromJs>::from_js(&$arg, &js_name(stringify!($arg)))?;)*
                        $(let $options: $options_ty = from_options($options.as_ref())?;)?
                        let $client = self.client.clone();
                        Ok(async move { $body })
                    })();
                    settle(env, call)
                }
            )*
        }
    };
}

call_group! {
    /// CDP Payment Sessions calls.
    PaymentSessions {
        /// Creates a capture (options: the core's `CaptureRequest`).
        fn capture(payment_session_id: String) [request: CaptureRequest] -> Capture
            = |client| client.payment_sessions().capture(&payment_session_id, request).await;
        /// Fetches one capture.
        fn get_capture(payment_session_id: String, capture_id: String) -> Capture
            = |client| client.payment_sessions().get_capture(&payment_session_id, &capture_id).await;
        /// Fetches one page of captures (options: `PageOptions`).
        fn list_captures_page(payment_session_id: String) [page: PageOptions] -> CapturePage
            = |client| {
                client.payment_sessions().list_captures(&payment_session_id, page.page_size, page.page_token.as_deref()).await
            };
        /// Fetches a session.
        fn get_session(payment_session_id: String) -> PaymentSession
            = |client| client.payment_sessions().get_session(&payment_session_id).await;
        /// Polls a capture until it settles (options: `WaitOptions`).
        fn wait_for_capture(payment_session_id: String, capture_id: String) [options: WaitOptions] -> Capture
            = |client| client.payment_sessions().wait_for_capture(&payment_session_id, &capture_id, options).await;
        /// Every capture of a session, as an iterator of pages fetched on demand.
        fn list_captures(payment_session_id: String) [page: PageOptions] -> CaptureIterator
            = |client| Ok(CaptureIterator::new(client.payment_sessions().captures_stream(&payment_session_id, page)));
    }
}

call_group! {
    /// Coinbase Payments (escrow) calls.
    CoinbasePayments {
        /// Captures escrowed funds (options: `EscrowCaptureRequest`).
        fn capture(payment_id: String) [request: EscrowCaptureRequest] -> EscrowCapture
            = |client| client.coinbase_payments().capture(&payment_id, request).await;
        /// Fetches a payment and its operations.
        fn get_payment(payment_id: String) -> EscrowPaymentDetails
            = |client| client.coinbase_payments().get_payment(&payment_id).await;
    }
}

call_group! {
    /// StateSet calls.
    StateSet {
        /// Captures a payment (options: `StateSetCaptureRequest`).
        fn capture(payment_id: String) [request: StateSetCaptureRequest] -> StateSetPayment
            = |client| client.stateset().capture(&payment_id, request).await;
        /// Fetches a payment.
        fn get_payment(payment_id: String) -> StateSetPayment
            = |client| client.stateset().get_payment(&payment_id).await;
    }
}

type CaptureStream = Pin<Box<dyn Stream<Item = Result<Capture, capturekit::Error>> + Send>>;

/// Every capture of a session, one page fetched at a time.
#[napi]
pub struct CaptureIterator {
    stream: Arc<tokio::sync::Mutex<CaptureStream>>,
}

impl CaptureIterator {
    fn new(stream: impl Stream<Item = Result<Capture, capturekit::Error>> + Send + 'static) -> Self {
        CaptureIterator { stream: Arc::new(tokio::sync::Mutex::new(Box::pin(stream))) }
    }
}

impl capturekit::node::IntoJs for CaptureIterator {
    type Js = CaptureIterator;
    fn into_js(self) -> CaptureIterator {
        self
    }
}

#[napi]
impl CaptureIterator {
    /// The next capture (`value` is `null` after the last one).
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn next<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Outcome<Option<Capture>>>> {
        let stream = self.stream.clone();
        let call = async move { stream.lock().await.next().await.transpose() };
        settle(env, Ok(call))
    }
}
