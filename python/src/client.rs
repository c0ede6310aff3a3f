//! `NativeClient`: the core client behind `capturekit.Client` and `capturekit.AsyncClient`.
//! Each call runs on the process runtime, blocking with the GIL released (sync) or as an
//! awaitable on the caller's event loop (async).

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;

use std::sync::Arc;

use capturekit::coinbase_payments::RewardInput;
use capturekit::{
    CaptureRequest, Client, ClientOptions, CredentialOptions, Credentials, Error, EscrowCaptureRequest,
    StateSetCaptureRequest, WaitOptions,
};
use futures_util::{Stream, StreamExt};
use pyo3::exceptions::PyStopAsyncIteration;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use zeroize::Zeroizing;

use crate::convert;
use crate::errors::to_py_err;
use crate::runtime::{current_pid, runtime, CaptureKitRuntime};
use crate::token_provider::PyTokenProvider;

/// What a client was configured with, kept so that a forked child can build its own
/// connection pool (pooled connections belong to the parent process).
struct Settings {
    /// The resolved CDP credentials; `None`: from the environment, or none (StateSet only).
    credentials: Option<Credentials>,
    stateset_api_key: Option<Zeroizing<String>>,
    options: ClientOptions,
}

impl Settings {
    fn build(&self) -> Result<Client, Error> {
        let credentials = CredentialOptions { stateset_api_key: self.stateset_api_key.clone(), ..Default::default() };
        let mut builder = Client::builder().credential_options(credentials).options(self.options.clone());
        if let Some(resolved) = &self.credentials {
            builder = builder.credentials(resolved.clone());
        }
        builder.build()
    }
}

fn seconds(field: &str, value: Option<f64>) -> Result<Option<Duration>, Error> {
    value
        .map(|s| {
            Duration::try_from_secs_f64(s)
                .map_err(|_| Error::configuration(format!("{field}: must be a positive number of seconds, got {s}")))
        })
        .transpose()
}

/// The core client, for the Python package's `Client` and `AsyncClient`.
#[pyclass(frozen, module = "capturekit._native")]
pub struct NativeClient {
    settings: Settings,
    client: Mutex<(u32, Client)>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send>>;

/// Runs `future` and converts its value: blocking with the GIL released, or as an awaitable.
fn dispatch<T: Send + 'static>(
    py: Python<'_>,
    is_async: bool,
    future: BoxFuture<T>,
    convert: for<'py> fn(Python<'py>, &T) -> PyResult<Bound<'py, PyDict>>,
) -> PyResult<Py<PyAny>> {
    if is_async {
        let awaitable = pyo3_async_runtimes::generic::future_into_py::<CaptureKitRuntime, _, _>(py, async move {
            let value = future.await.map_err(to_py_err)?;
            Python::attach(|py| convert(py, &value).map(Bound::unbind))
        })?;
        Ok(awaitable.unbind())
    } else {
        let value = py.detach(|| runtime().block_on(future)).map_err(to_py_err)?;
        convert(py, &value).map(|d| d.into_any().unbind())
    }
}

#[pymethods]
impl NativeClient {
    #[new]
    #[pyo3(signature = (*, api_key_id=None, api_key_secret=None, key_file=None, bearer_token=None,
        token_provider=None, base_url=None, timeout=None, connect_timeout=None, max_retries=None, user_agent=None,
        stateset_api_key=None, coinbase_payments_base_url=None, stateset_base_url=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        api_key_id: Option<String>,
        api_key_secret: Option<String>,
        key_file: Option<std::path::PathBuf>,
        bearer_token: Option<String>,
        token_provider: Option<Py<PyAny>>,
        base_url: Option<String>,
        timeout: Option<f64>,
        connect_timeout: Option<f64>,
        max_retries: Option<u32>,
        user_agent: Option<String>,
        stateset_api_key: Option<String>,
        coinbase_payments_base_url: Option<String>,
        stateset_base_url: Option<String>,
    ) -> PyResult<Self> {
        let cdp = CredentialOptions {
            api_key_id,
            api_key_secret: api_key_secret.map(Zeroizing::new),
            key_file,
            bearer_token: bearer_token.map(Zeroizing::new),
            token_provider: token_provider
                .map(|callable| Arc::new(PyTokenProvider { callable }) as Arc<dyn capturekit::TokenProvider>),
            stateset_api_key: None,
        };
        let credentials = if cdp.has_cdp() { Some(Credentials::resolve(cdp).map_err(to_py_err)?) } else { None };
        let options = ClientOptions {
            base_url,
            timeout: seconds("timeout", timeout).map_err(to_py_err)?,
            connect_timeout: seconds("connect_timeout", connect_timeout).map_err(to_py_err)?,
            max_retries,
            user_agent: Some(
                user_agent.map_or_else(|| "capturekit-python".to_owned(), |a| format!("capturekit-python {a}")),
            ),
            coinbase_payments_base_url,
            stateset_base_url,
        };
        let settings = Settings { credentials, stateset_api_key: stateset_api_key.map(Zeroizing::new), options };
        let client = settings.build().map_err(to_py_err)?;
        Ok(NativeClient { settings, client: Mutex::new((current_pid(), client)) })
    }

    /// The base URL the client sends to.
    #[getter]
    fn base_url(&self) -> String {
        self.client().base_url().to_owned()
    }

    #[pyo3(signature = (payment_session_id, amount, final_capture, metadata, external_reference_id, idempotency_key, is_async))]
    #[allow(clippy::too_many_arguments)]
    fn capture(
        &self,
        py: Python<'_>,
        payment_session_id: String,
        amount: Option<Bound<'_, PyAny>>,
        final_capture: bool,
        metadata: Option<Bound<'_, PyAny>>,
        external_reference_id: Option<String>,
        idempotency_key: Option<String>,
        is_async: bool,
    ) -> PyResult<Py<PyAny>> {
        let mut request = CaptureRequest {
            amount: None,
            final_capture,
            metadata: convert::metadata(metadata.as_ref())?,
            external_reference_id,
            idempotency_key,
        };
        if let Some(text) = convert::amount_text(amount.as_ref())? {
            request = request.amount_text(&text).map_err(to_py_err)?;
        }
        let calls = self.client().payment_sessions();
        let future = Box::pin(async move { calls.capture(&payment_session_id, request).await });
        dispatch(py, is_async, future, convert::capture)
    }

    fn get_capture(
        &self,
        py: Python<'_>,
        payment_session_id: String,
        capture_id: String,
        is_async: bool,
    ) -> PyResult<Py<PyAny>> {
        let calls = self.client().payment_sessions();
        let future = Box::pin(async move { calls.get_capture(&payment_session_id, &capture_id).await });
        dispatch(py, is_async, future, convert::capture)
    }

    #[pyo3(signature = (payment_session_id, page_size, page_token, is_async))]
    fn list_captures(
        &self,
        py: Python<'_>,
        payment_session_id: String,
        page_size: Option<u32>,
        page_token: Option<String>,
        is_async: bool,
    ) -> PyResult<Py<PyAny>> {
        let calls = self.client().payment_sessions();
        let future =
            Box::pin(async move { calls.list_captures(&payment_session_id, page_size, page_token.as_deref()).await });
        dispatch(py, is_async, future, convert::page)
    }

    #[pyo3(signature = (payment_session_id, page_size))]
    fn iter_captures(&self, payment_session_id: String, page_size: Option<u32>) -> CaptureIterator {
        let stream = self.client().payment_sessions().captures_stream(&payment_session_id, page_size);
        CaptureIterator { stream: std::sync::Arc::new(tokio::sync::Mutex::new(Box::pin(stream))) }
    }

    #[pyo3(signature = (payment_id, amount, fee_bps, fee_receiver, distribute_rewards, metadata, idempotency_key, is_async))]
    #[allow(clippy::too_many_arguments)]
    fn escrow_capture(
        &self,
        py: Python<'_>,
        payment_id: String,
        amount: Option<Bound<'_, PyAny>>,
        fee_bps: u32,
        fee_receiver: Option<String>,
        distribute_rewards: Vec<(String, String, u64)>,
        metadata: Option<Bound<'_, PyAny>>,
        idempotency_key: Option<String>,
        is_async: bool,
    ) -> PyResult<Py<PyAny>> {
        let request = EscrowCaptureRequest {
            fee_bps,
            fee_receiver,
            distribute_rewards: distribute_rewards
                .into_iter()
                .map(|(campaign_address, token_address, chain_id)| RewardInput {
                    campaign_address,
                    token_address,
                    chain_id,
                })
                .collect(),
            metadata: convert::metadata(metadata.as_ref())?,
            idempotency_key,
            ..Default::default()
        }
        .amount_text(&convert::amount_text(amount.as_ref())?.unwrap_or_default())
        .map_err(to_py_err)?;
        let calls = self.client().coinbase_payments();
        let future = Box::pin(async move { calls.capture(&payment_id, request).await });
        dispatch(py, is_async, future, convert::escrow_capture)
    }

    fn get_escrow_payment(&self, py: Python<'_>, payment_id: String, is_async: bool) -> PyResult<Py<PyAny>> {
        let calls = self.client().coinbase_payments();
        let future = Box::pin(async move { calls.get_payment(&payment_id).await });
        dispatch(py, is_async, future, convert::serialized)
    }

    #[pyo3(signature = (payment_id, amount, statement_descriptor, metadata, is_async))]
    fn stateset_capture(
        &self,
        py: Python<'_>,
        payment_id: String,
        amount: Option<u64>,
        statement_descriptor: Option<String>,
        metadata: Option<Bound<'_, PyAny>>,
        is_async: bool,
    ) -> PyResult<Py<PyAny>> {
        let request = StateSetCaptureRequest {
            amount_cents: amount,
            statement_descriptor,
            metadata: convert::metadata(metadata.as_ref())?,
        };
        let calls = self.client().stateset();
        let future = Box::pin(async move { calls.capture(&payment_id, request).await });
        dispatch(py, is_async, future, convert::serialized)
    }

    fn get_stateset_payment(&self, py: Python<'_>, payment_id: String, is_async: bool) -> PyResult<Py<PyAny>> {
        let calls = self.client().stateset();
        let future = Box::pin(async move { calls.get_payment(&payment_id).await });
        dispatch(py, is_async, future, convert::serialized)
    }

    fn get_session(&self, py: Python<'_>, payment_session_id: String, is_async: bool) -> PyResult<Py<PyAny>> {
        let calls = self.client().payment_sessions();
        let future = Box::pin(async move { calls.get_session(&payment_session_id).await });
        dispatch(py, is_async, future, convert::session)
    }

    #[pyo3(signature = (payment_session_id, capture_id, timeout, poll_interval, is_async))]
    fn wait_for_capture(
        &self,
        py: Python<'_>,
        payment_session_id: String,
        capture_id: String,
        timeout: f64,
        poll_interval: Option<f64>,
        is_async: bool,
    ) -> PyResult<Py<PyAny>> {
        let timeout = Duration::try_from_secs_f64(timeout).map_err(|_| {
            to_py_err(Error::invalid("timeout", format!("must be a positive number of seconds, got {timeout}")))
        })?;
        let mut options = WaitOptions::timeout(timeout);
        if let Some(interval) = poll_interval {
            options.initial_interval = Duration::try_from_secs_f64(interval).map_err(|_| {
                to_py_err(Error::invalid(
                    "poll_interval",
                    format!("must be a positive number of seconds, got {interval}"),
                ))
            })?;
        }
        let calls = self.client().payment_sessions();
        let future = Box::pin(async move { calls.wait_for_capture(&payment_session_id, &capture_id, options).await });
        dispatch(py, is_async, future, convert::capture)
    }
}

impl NativeClient {
    /// The core client, rebuilt once in a forked child.
    fn client(&self) -> Client {
        let mut slot = self.client.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let pid = current_pid();
        if slot.0 != pid {
            // Building succeeded with the same settings in the parent.
            if let Ok(fresh) = self.settings.build() {
                *slot = (pid, fresh);
            }
        }
        slot.1.clone()
    }
}

type CaptureStream = Pin<Box<dyn Stream<Item = Result<capturekit::Capture, Error>> + Send>>;

/// Every capture of a session, fetched a page at a time as iteration reaches it
/// (`for` and `async for`).
#[pyclass(frozen, module = "capturekit._native")]
pub struct CaptureIterator {
    stream: std::sync::Arc<tokio::sync::Mutex<CaptureStream>>,
}

#[pymethods]
impl CaptureIterator {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let stream = self.stream.clone();
        let next = py.detach(|| runtime().block_on(async move { stream.lock().await.next().await }));
        match next {
            None => Ok(None),
            Some(item) => convert::capture(py, &item.map_err(to_py_err)?).map(|d| Some(d.into_any().unbind())),
        }
    }

    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let stream = self.stream.clone();
        pyo3_async_runtimes::generic::future_into_py::<CaptureKitRuntime, _, _>(py, async move {
            match stream.lock().await.next().await {
                None => Err(PyStopAsyncIteration::new_err(())),
                Some(item) => {
                    let capture = item.map_err(to_py_err)?;
                    Python::attach(|py| convert::capture(py, &capture).map(Bound::unbind))
                }
            }
        })
    }
}
