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
    CancelRequest, Capture, CapturePage, CaptureRequest, EscrowCaptureRequest, InputError, PageOptions, PaymentSession,
    PaymentSessionPage, Refund, RefundPage, RefundRequest, StateSetCaptureRequest, Void, VoidPage, VoidRequest,
    WaitOptions,
};
use futures_util::{Stream, StreamExt};
use napi::bindgen_prelude::PromiseRaw;
use napi::{Env, Unknown};
use napi_derive::napi;

use crate::settle;

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
                        $(let $arg = <$arg_ty as FromJs>::from_js(&$arg, &capturekit::node::camel_case(stringify!($arg)))?;)*
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
    /// CDP Payment Sessions calls. A `list…` call without `Page` gives an iterator.
    PaymentSessions {
        /// Creates a capture (options: the core's `CaptureRequest`).
        fn capture(payment_session_id: String) [request: CaptureRequest] -> Capture
            = |client| client.payment_sessions().capture(&payment_session_id, request).await;
        /// Voids a session (options: `VoidRequest`).
        fn void(payment_session_id: String) [request: VoidRequest] -> Void
            = |client| client.payment_sessions().void(&payment_session_id, request).await;
        /// Refunds captured funds (options: `RefundRequest`).
        fn refund(payment_session_id: String) [request: RefundRequest] -> Refund
            = |client| client.payment_sessions().refund(&payment_session_id, request).await;
        /// Cancels a session that was never authorized (options: `CancelRequest`).
        fn cancel(payment_session_id: String) [request: CancelRequest] -> PaymentSession
            = |client| client.payment_sessions().cancel(&payment_session_id, request).await;
        /// Fetches one capture.
        fn get_capture(payment_session_id: String, capture_id: String) -> Capture
            = |client| client.payment_sessions().get_capture(&payment_session_id, &capture_id).await;
        /// Fetches one void.
        fn get_void(payment_session_id: String, void_id: String) -> Void
            = |client| client.payment_sessions().get_void(&payment_session_id, &void_id).await;
        /// Fetches one refund.
        fn get_refund(payment_session_id: String, refund_id: String) -> Refund
            = |client| client.payment_sessions().get_refund(&payment_session_id, &refund_id).await;
        /// Fetches a session.
        fn get_session(payment_session_id: String) -> PaymentSession
            = |client| client.payment_sessions().get_session(&payment_session_id).await;
        /// Fetches one page of captures (options: `PageOptions`).
        fn list_captures_page(payment_session_id: String) [page: PageOptions] -> CapturePage
            = |client| {
                client.payment_sessions().list_captures(&payment_session_id, page.page_size, page.page_token.as_deref()).await
            };
        /// Fetches one page of voids (options: `PageOptions`).
        fn list_voids_page(payment_session_id: String) [page: PageOptions] -> VoidPage
            = |client| {
                client.payment_sessions().list_voids(&payment_session_id, page.page_size, page.page_token.as_deref()).await
            };
        /// Fetches one page of refunds (options: `PageOptions`).
        fn list_refunds_page(payment_session_id: String) [page: PageOptions] -> RefundPage
            = |client| {
                client.payment_sessions().list_refunds(&payment_session_id, page.page_size, page.page_token.as_deref()).await
            };
        /// Fetches one page of payment sessions (options: `PageOptions`).
        fn list_sessions_page() [page: PageOptions] -> PaymentSessionPage
            = |client| client.payment_sessions().list_sessions(page.page_size, page.page_token.as_deref()).await;
        /// Polls a capture until it settles (options: `WaitOptions`).
        fn wait_for_capture(payment_session_id: String, capture_id: String) [options: WaitOptions] -> Capture
            = |client| client.payment_sessions().wait_for_capture(&payment_session_id, &capture_id, options).await;
        /// Polls a void until it settles (options: `WaitOptions`).
        fn wait_for_void(payment_session_id: String, void_id: String) [options: WaitOptions] -> Void
            = |client| client.payment_sessions().wait_for_void(&payment_session_id, &void_id, options).await;
        /// Polls a refund until it settles (options: `WaitOptions`).
        fn wait_for_refund(payment_session_id: String, refund_id: String) [options: WaitOptions] -> Refund
            = |client| client.payment_sessions().wait_for_refund(&payment_session_id, &refund_id, options).await;
        /// Every capture of a session, as an iterator of pages fetched on demand.
        fn list_captures(payment_session_id: String) [page: PageOptions] -> CaptureIterator
            = |client| Ok(CaptureIterator::new(client.payment_sessions().captures_stream(&payment_session_id, page)));
        /// Every void of a session, as an iterator of pages fetched on demand.
        fn list_voids(payment_session_id: String) [page: PageOptions] -> VoidIterator
            = |client| Ok(VoidIterator::new(client.payment_sessions().voids_stream(&payment_session_id, page)));
        /// Every refund of a session, as an iterator of pages fetched on demand.
        fn list_refunds(payment_session_id: String) [page: PageOptions] -> RefundIterator
            = |client| Ok(RefundIterator::new(client.payment_sessions().refunds_stream(&payment_session_id, page)));
        /// Every payment session, as an iterator of pages fetched on demand.
        fn list_sessions() [page: PageOptions] -> PaymentSessionIterator
            = |client| Ok(PaymentSessionIterator::new(client.payment_sessions().sessions_stream(page)));
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

/// Declares a class that iterates a stream of `$item`, one page fetched at a time.
macro_rules! item_iterator {
    ($(#[doc = $doc:literal])* $iterator:ident($item:ty)) => {
        $(#[doc = $doc])*
        #[napi]
        pub struct $iterator {
            stream: Arc<tokio::sync::Mutex<Pin<Box<dyn Stream<Item = Result<$item, capturekit::Error>> + Send>>>>,
        }

        impl $iterator {
            fn new(stream: impl Stream<Item = Result<$item, capturekit::Error>> + Send + 'static) -> Self {
                $iterator { stream: Arc::new(tokio::sync::Mutex::new(Box::pin(stream))) }
            }
        }

        impl capturekit::node::IntoJs for $iterator {
            type Js = $iterator;
            fn into_js(self) -> $iterator {
                self
            }
        }

        #[napi]
        impl $iterator {
            /// The next item (`value` is `null` after the last one).
            #[napi(ts_return_type = "Promise<unknown>")]
            pub fn next<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Outcome<Option<$item>>>> {
                let stream = self.stream.clone();
                let call = async move { stream.lock().await.next().await.transpose() };
                settle(env, Ok(call))
            }
        }
    };
}

item_iterator! {
    /// Every capture of a session, one page fetched at a time.
    CaptureIterator(Capture)
}
item_iterator! {
    /// Every void of a session, one page fetched at a time.
    VoidIterator(Void)
}
item_iterator! {
    /// Every refund of a session, one page fetched at a time.
    RefundIterator(Refund)
}
item_iterator! {
    /// Every payment session, one page fetched at a time.
    PaymentSessionIterator(PaymentSession)
}
