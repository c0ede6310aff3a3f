//! `Client` and `AsyncClient`: the core client, configured from keyword arguments that the
//! core's `CredentialOptions` and `ClientOptions` define, and rebuilt once in a forked child
//! (pooled connections belong to the parent process).

use std::sync::{Arc, Mutex};

use capturekit::python::to_py_err;
use capturekit::schema::Record;
use capturekit::{ClientOptions, CredentialOptions, Credentials, Error};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::calls::{
    AsyncCoinbasePayments, AsyncPaymentSessions, AsyncStateSet, CoinbasePayments, PaymentSessions, StateSet,
};
use crate::runtime::current_pid;
use crate::token_provider::PyTokenProvider;

/// What a client was configured with, kept so that a forked child can build its own
/// connection pool.
struct Settings {
    /// The resolved CDP credentials; `None`: from the environment, or none (StateSet only).
    credentials: Option<Credentials>,
    stateset_api_key: Option<zeroize::Zeroizing<String>>,
    options: ClientOptions,
}

impl Settings {
    fn build(&self) -> Result<capturekit::Client, Error> {
        let credentials = CredentialOptions { stateset_api_key: self.stateset_api_key.clone(), ..Default::default() };
        let mut builder = capturekit::Client::builder()
            .binding("python")
            .credential_options(credentials)
            .options(self.options.clone());
        if let Some(resolved) = &self.credentials {
            builder = builder.credentials(resolved.clone());
        }
        builder.build()
    }
}

/// The core client of one Python client object, shared by its call groups.
pub struct Shared {
    /// `None` once closed: nothing (a token provider above all) is kept after `close()`.
    settings: Mutex<Option<Settings>>,
    client: Mutex<(u32, capturekit::Client)>,
}

impl Shared {
    /// Builds the client from a constructor's keyword arguments: the names of
    /// `CredentialOptions` (`token_provider` a callable) and of `ClientOptions`.
    fn from_kwargs(py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Arc<Self>> {
        let (mut credentials, options) =
            capturekit::python::split_kwargs::<CredentialOptions, ClientOptions>(py, "Client", kwargs)?;
        // The one field of the credentials that a binding fills itself: the callback.
        let provider_name = CredentialOptions::schema()
            .fields
            .iter()
            .find(|field| field.binding_filled)
            .map(|field| field.name)
            .expect("CredentialOptions has a callback field");
        let token_provider = match kwargs {
            Some(kwargs) => kwargs.get_item(provider_name)?.filter(|p| !p.is_none()),
            None => None,
        };
        if let Some(callable) = token_provider {
            if !callable.is_callable() {
                return Err(PyTypeError::new_err(format!("{provider_name}: must be callable")));
            }
            credentials.token_provider = Some(Arc::new(PyTokenProvider { callable: Arc::new(callable.unbind()) }));
        }
        let stateset_api_key = credentials.stateset_api_key.take();
        let resolved =
            if credentials.has_cdp() { Some(Credentials::resolve(credentials).map_err(to_py_err)?) } else { None };
        let settings = Settings { credentials: resolved, stateset_api_key, options };
        let client = settings.build().map_err(to_py_err)?;
        Ok(Arc::new(Shared { settings: Mutex::new(Some(settings)), client: Mutex::new((current_pid(), client)) }))
    }

    /// The core client, rebuilt once in a forked child (unless closed).
    pub fn client(&self) -> capturekit::Client {
        let mut slot = self.client.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let pid = current_pid();
        if slot.0 != pid {
            let settings = self.settings.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            // Building succeeded with the same settings in the parent.
            if let Some(Ok(fresh)) = settings.as_ref().map(Settings::build) {
                *slot = (pid, fresh);
            }
        }
        slot.1.clone()
    }

    /// Closes the core client and forgets the settings (see the core's `Client::close`).
    fn close(&self) {
        drop(self.settings.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take());
        self.client.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).1.close();
    }
}

/// The blocking client. Safe to share between threads: calls release the GIL while they wait
/// on the network, so many threads make progress together.
///
/// Credentials: `api_key_id` and `api_key_secret`, or `key_file`, or `bearer_token`, or
/// `token_provider`; with none, `CDP_API_KEY_ID` / `CDP_API_KEY_SECRET`. StateSet takes
/// `stateset_api_key` (or `STATESET_API_KEY`). Options: `base_url`, `timeout` and
/// `connect_timeout` (seconds), `max_retries`, `user_agent`, `coinbase_payments_base_url`,
/// `stateset_base_url`. An unknown name is a `TypeError`.
#[pyclass(frozen, module = "capturekit_sdk")]
pub struct Client {
    shared: Arc<Shared>,
}

#[pymethods]
impl Client {
    #[new]
    #[pyo3(signature = (**options))]
    fn new(py: Python<'_>, options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Ok(Client { shared: Shared::from_kwargs(py, options)? })
    }

    /// The CDP Payment Sessions calls.
    #[getter]
    fn payment_sessions(&self) -> PaymentSessions {
        PaymentSessions::new(self.shared.clone())
    }

    /// The Coinbase Payments (escrow) calls.
    #[getter]
    fn coinbase_payments(&self) -> CoinbasePayments {
        CoinbasePayments::new(self.shared.clone())
    }

    /// The StateSet calls.
    #[getter]
    fn stateset(&self) -> StateSet {
        StateSet::new(self.shared.clone())
    }

    /// The base URL requests go to.
    #[getter]
    fn base_url(&self) -> String {
        self.shared.client().base_url().to_owned()
    }

    /// Closes the client: its token provider is let go, and every later call raises
    /// `ConfigurationError` before any I/O. A request under way finishes with its retries.
    fn close(&self) {
        self.shared.close();
    }

    /// `with Client(...) as client:` closes it at the end of the block.
    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc_info))]
    fn __exit__(&self, _exc_info: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.shared.close();
        false
    }

    fn __repr__(&self) -> String {
        format!("Client(base_url='{}')", self.base_url())
    }
}

/// The asyncio client: the same constructor as `Client`; every call is a coroutine, and
/// many run at once on one event loop.
#[pyclass(frozen, module = "capturekit_sdk")]
pub struct AsyncClient {
    shared: Arc<Shared>,
}

#[pymethods]
impl AsyncClient {
    #[new]
    #[pyo3(signature = (**options))]
    fn new(py: Python<'_>, options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Ok(AsyncClient { shared: Shared::from_kwargs(py, options)? })
    }

    /// The CDP Payment Sessions calls.
    #[getter]
    fn payment_sessions(&self) -> AsyncPaymentSessions {
        AsyncPaymentSessions::new(self.shared.clone())
    }

    /// The Coinbase Payments (escrow) calls.
    #[getter]
    fn coinbase_payments(&self) -> AsyncCoinbasePayments {
        AsyncCoinbasePayments::new(self.shared.clone())
    }

    /// The StateSet calls.
    #[getter]
    fn stateset(&self) -> AsyncStateSet {
        AsyncStateSet::new(self.shared.clone())
    }

    /// The base URL requests go to.
    #[getter]
    fn base_url(&self) -> String {
        self.shared.client().base_url().to_owned()
    }

    /// Closes the client (see `Client.close`); a plain method, as it waits for nothing.
    fn close(&self) {
        self.shared.close();
    }

    /// `async with AsyncClient(...) as client:` closes it at the end of the block.
    fn __aenter__<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        py.import("capturekit_sdk._awaitable")?.call_method1("ready", (slf,))
    }

    #[pyo3(signature = (*_exc_info))]
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _exc_info: &Bound<'py, pyo3::types::PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.shared.close();
        py.import("capturekit_sdk._awaitable")?.call_method1("ready", (false,))
    }

    fn __repr__(&self) -> String {
        format!("AsyncClient(base_url='{}')", self.base_url())
    }
}
