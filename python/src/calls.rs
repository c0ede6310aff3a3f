//! The call groups (`client.payment_sessions`, `client.coinbase_payments`, `client.stateset`),
//! blocking and asyncio. Each call is written once, in `call_group!`, which makes both entry
//! points: the blocking one returns the result, the asyncio one an awaitable of it, so the
//! stubs type every return.

use std::pin::Pin;
use std::sync::Arc;

use capturekit::coinbase_payments::{EscrowCapture, EscrowPaymentDetails};
use capturekit::python::{from_kwargs, to_py_err};
use capturekit::stateset::StateSetPayment;
use capturekit::{
    CancelRequest, Capture, CapturePage, CaptureRequest, EscrowCaptureRequest, PageOptions, PaymentSession,
    PaymentSessionPage, Refund, RefundPage, RefundRequest, StateSetCaptureRequest, Void, VoidPage, VoidRequest,
    WaitOptions,
};
use futures_util::{Stream, StreamExt};
use pyo3::exceptions::PyStopAsyncIteration;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::client::Shared;
use crate::runtime::{awaitable, blocking, runtime, CaptureKitRuntime};

/// A positional argument, converted by the core's rules: a wrong type is a `TypeError` and
/// broken text (a lone surrogate) an `InvalidRequestError`, each naming the argument.
pub(crate) fn positional<T: capturekit::python::FromPy>(value: &Bound<'_, PyAny>, name: &str) -> PyResult<T> {
    T::from_py(value, name).map_err(capturekit::python::input_error)
}

/// Declares a blocking and an asyncio class with the same calls. A call is
/// `fn name(positional: Type, …) [options: Request] -> Result = |client| body;`: the
/// positional arguments, then keyword arguments that make the core's `Request` (unknown
/// names refused), then the core call on `client`.
macro_rules! call_group {
    (
        $(#[doc = $doc:literal])*
        $blocking:ident, $asynchronous:ident {
            $(
                $(#[doc = $call_doc:literal])*
                fn $name:ident($($arg:ident: $arg_ty:ty),*) $([$options:ident: $options_ty:ty])? -> $out:ty
                    = |$client:ident| $body:expr;
            )*
        }
        streams {
            $(
                $(#[doc = $stream_doc:literal])*
                fn $stream:ident($($stream_arg:ident: $stream_arg_ty:ty),*) [$stream_options:ident: $stream_options_ty:ty]
                    -> $iterator:ident = |$stream_client:ident| $stream_body:expr;
            )*
        }
    ) => {
        $(#[doc = $doc])*
        ///
        /// Blocking: every call returns its result.
        #[pyclass(frozen, module = "capturekit_sdk")]
        pub struct $blocking {
            shared: Arc<Shared>,
        }

        $(#[doc = $doc])*
        ///
        /// For asyncio: every call returns an awaitable of its result.
        #[pyclass(frozen, module = "capturekit_sdk")]
        pub struct $asynchronous {
            shared: Arc<Shared>,
        }

        impl $blocking {
            pub fn new(shared: Arc<Shared>) -> Self {
                $blocking { shared }
            }
        }

        impl $asynchronous {
            pub fn new(shared: Arc<Shared>) -> Self {
                $asynchronous { shared }
            }
        }

        #[pymethods]
        impl $blocking {
            $(
                $(#[doc = $call_doc])*
                #[pyo3(signature = ($($arg,)* $(**$options)?))]
                fn $name(
                    &self,
                    py: Python<'_>,
                    $($arg: &Bound<'_, PyAny>,)*
                    $($options: Option<&Bound<'_, PyDict>>)?
                ) -> PyResult<$out> {
                    $(let $arg: $arg_ty = positional($arg, stringify!($arg))?;)*
                    $(let $options: $options_ty = from_kwargs(py, $options)?;)?
                    let $client = self.shared.client();
                    blocking(py, async move { $body })
                }
            )*
            $(
                $(#[doc = $stream_doc])*
                #[pyo3(signature = ($($stream_arg,)* **$stream_options))]
                fn $stream(
                    &self,
                    py: Python<'_>,
                    $($stream_arg: &Bound<'_, PyAny>,)*
                    $stream_options: Option<&Bound<'_, PyDict>>
                ) -> PyResult<$iterator> {
                    $(let $stream_arg: $stream_arg_ty = positional($stream_arg, stringify!($stream_arg))?;)*
                    let $stream_options: $stream_options_ty = from_kwargs(py, $stream_options)?;
                    let $stream_client = self.shared.client();
                    Ok($iterator::new($stream_body))
                }
            )*
        }

        #[pymethods]
        impl $asynchronous {
            $(
                $(#[doc = $call_doc])*
                #[pyo3(signature = ($($arg,)* $(**$options)?))]
                fn $name<'py>(
                    &self,
                    py: Python<'py>,
                    $($arg: &Bound<'_, PyAny>,)*
                    $($options: Option<&Bound<'_, PyDict>>)?
                ) -> PyResult<Bound<'py, PyAny>> {
                    $(let $arg: $arg_ty = positional($arg, stringify!($arg))?;)*
                    $(let $options: $options_ty = from_kwargs(py, $options)?;)?
                    let $client = self.shared.client();
                    awaitable::<$out>(py, async move { $body })
                }
            )*
            $(
                $(#[doc = $stream_doc])*
                #[pyo3(signature = ($($stream_arg,)* **$stream_options))]
                fn $stream(
                    &self,
                    py: Python<'_>,
                    $($stream_arg: &Bound<'_, PyAny>,)*
                    $stream_options: Option<&Bound<'_, PyDict>>
                ) -> PyResult<$iterator> {
                    // The same iterator serves `for` and `async for`: the blocking group's.
                    $blocking::new(self.shared.clone()).$stream(py, $($stream_arg,)* $stream_options)
                }
            )*
        }
    };
}

call_group! {
    /// CDP Payment Sessions calls: capture, void, refund and cancel; get and list sessions,
    /// captures, voids and refunds; wait for an action to settle. Get it as
    /// `client.payment_sessions`.
    PaymentSessions, AsyncPaymentSessions {
        /// Captures an authorized session: keyword arguments of `CaptureRequest` (`amount`,
        /// all that is capturable when left out; `final_capture`, `metadata`,
        /// `external_reference_id`, `idempotency_key`). The capture comes back `pending` with
        /// the idempotency key it was sent with; an `OutcomeUnknownError` means it may exist:
        /// call again with the same key.
        fn capture(payment_session_id: String) [request: CaptureRequest] -> Capture
            = |client| client.payment_sessions().capture(&payment_session_id, request).await;
        /// Voids a session, releasing all that is still capturable: keyword arguments of
        /// `VoidRequest` (`metadata`, `idempotency_key`). The void comes back `pending`; the
        /// idempotency key is handled as for `capture`.
        fn void(payment_session_id: String) [request: VoidRequest] -> Void
            = |client| client.payment_sessions().void(&payment_session_id, request).await;
        /// Refunds captured funds: keyword arguments of `RefundRequest` (`source`, required:
        /// `{"account_id": …, "asset": …}` or `{"address": …}`; `amount`, all that is
        /// refundable when left out; `reason`, `metadata`, `idempotency_key`). The refund
        /// comes back `pending`; the idempotency key is handled as for `capture`.
        fn refund(payment_session_id: String) [request: RefundRequest] -> Refund
            = |client| client.payment_sessions().refund(&payment_session_id, request).await;
        /// Cancels a session that was never authorized: keyword arguments of `CancelRequest`
        /// (`cancellation_reason`, `idempotency_key`). Returns the session, `canceled`.
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
        /// Fetches a session with its balances, expiries and captures.
        fn get_session(payment_session_id: String) -> PaymentSession
            = |client| client.payment_sessions().get_session(&payment_session_id).await;
        /// One page of captures (`page_size`, `page_token`); pass `next_page_token` back as
        /// `page_token` to go on.
        fn list_captures_page(payment_session_id: String) [page: PageOptions] -> CapturePage
            = |client| {
                client.payment_sessions().list_captures(&payment_session_id, page.page_size, page.page_token.as_deref()).await
            };
        /// One page of voids (`page_size`, `page_token`).
        fn list_voids_page(payment_session_id: String) [page: PageOptions] -> VoidPage
            = |client| {
                client.payment_sessions().list_voids(&payment_session_id, page.page_size, page.page_token.as_deref()).await
            };
        /// One page of refunds (`page_size`, `page_token`).
        fn list_refunds_page(payment_session_id: String) [page: PageOptions] -> RefundPage
            = |client| {
                client.payment_sessions().list_refunds(&payment_session_id, page.page_size, page.page_token.as_deref()).await
            };
        /// One page of the payment sessions the credentials can see (`page_size`, `page_token`).
        fn list_sessions_page() [page: PageOptions] -> PaymentSessionPage
            = |client| client.payment_sessions().list_sessions(page.page_size, page.page_token.as_deref()).await;
        /// Polls until the capture is `succeeded` or `failed` and returns it (a failed capture
        /// is a value with its `error`): keyword arguments of `WaitOptions` (`timeout`,
        /// `poll_interval`, `max_poll_interval`, in seconds). At the deadline raises
        /// `capturekit_sdk.TimeoutError`, whose `last_capture` is the last state seen.
        fn wait_for_capture(payment_session_id: String, capture_id: String) [options: WaitOptions] -> Capture
            = |client| client.payment_sessions().wait_for_capture(&payment_session_id, &capture_id, options).await;
        /// Polls until the void settles, as `wait_for_capture`; a timeout's `last_void` is the
        /// last state seen.
        fn wait_for_void(payment_session_id: String, void_id: String) [options: WaitOptions] -> Void
            = |client| client.payment_sessions().wait_for_void(&payment_session_id, &void_id, options).await;
        /// Polls until the refund settles, as `wait_for_capture`; a timeout's `last_refund` is
        /// the last state seen.
        fn wait_for_refund(payment_session_id: String, refund_id: String) [options: WaitOptions] -> Refund
            = |client| client.payment_sessions().wait_for_refund(&payment_session_id, &refund_id, options).await;
    }
    streams {
        /// Every capture of the session, oldest first, fetching pages as iteration reaches
        /// them (`for` or `async for`; keyword arguments of `PageOptions`).
        fn list_captures(payment_session_id: String) [page: PageOptions] -> CaptureIterator
            = |client| client.payment_sessions().captures_stream(&payment_session_id, page);
        /// Every void of the session, as `list_captures` gives captures.
        fn list_voids(payment_session_id: String) [page: PageOptions] -> VoidIterator
            = |client| client.payment_sessions().voids_stream(&payment_session_id, page);
        /// Every refund of the session, as `list_captures` gives captures.
        fn list_refunds(payment_session_id: String) [page: PageOptions] -> RefundIterator
            = |client| client.payment_sessions().refunds_stream(&payment_session_id, page);
        /// Every payment session the credentials can see, as `list_captures` gives captures.
        fn list_sessions() [page: PageOptions] -> PaymentSessionIterator
            = |client| client.payment_sessions().sessions_stream(page);
    }
}

call_group! {
    /// Coinbase Payments (escrow) calls: capture, get a payment. Get it as
    /// `client.coinbase_payments`.
    CoinbasePayments, AsyncCoinbasePayments {
        /// Captures an escrowed payment: keyword arguments of `EscrowCaptureRequest` (`amount`,
        /// `fee_bps`, `fee_receiver`, `distribute_rewards`, `metadata`, `idempotency_key`).
        /// The same idempotency key goes on every attempt and on the result; an
        /// `OutcomeUnknownError` means: call again with that key.
        fn capture(payment_id: String) [request: EscrowCaptureRequest] -> EscrowCapture
            = |client| client.coinbase_payments().capture(&payment_id, request).await;
        /// Fetches a payment and its operations.
        fn get_payment(payment_id: String) -> EscrowPaymentDetails
            = |client| client.coinbase_payments().get_payment(&payment_id).await;
    }
    streams {}
}

call_group! {
    /// StateSet calls: capture, get a payment. Get it as `client.stateset`. Amounts are whole
    /// cents.
    StateSet, AsyncStateSet {
        /// Captures a payment created with `capture: false`: keyword arguments of
        /// `StateSetCaptureRequest` (`amount_cents`, the full authorization when left out;
        /// `statement_descriptor`, `metadata`). StateSet has no idempotency key: after an
        /// `OutcomeUnknownError`, `get_payment` tells whether the capture happened.
        fn capture(payment_id: String) [request: StateSetCaptureRequest] -> StateSetPayment
            = |client| client.stateset().capture(&payment_id, request).await;
        /// Fetches a payment.
        fn get_payment(payment_id: String) -> StateSetPayment
            = |client| client.stateset().get_payment(&payment_id).await;
    }
    streams {}
}

/// Declares a class that iterates a stream of `$item`, fetched a page at a time as
/// iteration reaches it, with both `for` and `async for`.
macro_rules! item_iterator {
    ($(#[doc = $doc:literal])* $iterator:ident($item:ty)) => {
        $(#[doc = $doc])*
        #[pyclass(frozen, module = "capturekit_sdk")]
        pub struct $iterator {
            stream: Arc<tokio::sync::Mutex<Pin<Box<dyn Stream<Item = Result<$item, capturekit::Error>> + Send>>>>,
        }

        impl $iterator {
            fn new(stream: impl Stream<Item = Result<$item, capturekit::Error>> + Send + 'static) -> Self {
                $iterator { stream: Arc::new(tokio::sync::Mutex::new(Box::pin(stream))) }
            }
        }

        #[pymethods]
        impl $iterator {
            fn __iter__(slf: Py<Self>) -> Py<Self> {
                slf
            }

            fn __next__(&self, py: Python<'_>) -> PyResult<Option<$item>> {
                let stream = self.stream.clone();
                let next = py.detach(|| runtime().block_on(async move { stream.lock().await.next().await }));
                next.transpose().map_err(to_py_err)
            }

            fn __aiter__(slf: Py<Self>) -> Py<Self> {
                slf
            }

            fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                let stream = self.stream.clone();
                pyo3_async_runtimes::generic::future_into_py::<CaptureKitRuntime, _, _>(py, async move {
                    match stream.lock().await.next().await {
                        None => Err(PyStopAsyncIteration::new_err(())),
                        Some(item) => item.map_err(to_py_err),
                    }
                })
            }
        }
    };
}

item_iterator! {
    /// Every capture of a session, fetched a page at a time as iteration reaches it.
    CaptureIterator(Capture)
}
item_iterator! {
    /// Every void of a session, fetched a page at a time as iteration reaches it.
    VoidIterator(Void)
}
item_iterator! {
    /// Every refund of a session, fetched a page at a time as iteration reaches it.
    RefundIterator(Refund)
}
item_iterator! {
    /// Every payment session, fetched a page at a time as iteration reaches it.
    PaymentSessionIterator(PaymentSession)
}
