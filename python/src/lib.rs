//! `capturekit_sdk._native`: the Rust core, as the Python package sees it. The result classes
//! and every conversion come from the core (its `python` feature); this layer adds the
//! client and call classes, the token provider and the runtime that runs the calls.

mod calls;
mod client;
mod runtime;
mod signer;
mod token_provider;
mod webhooks;

use capturekit::python::to_py_err;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Derives a UUID-v4-shaped idempotency key from your own identifiers (stable across runs).
#[pyfunction]
#[pyo3(signature = (*parts))]
fn derive_idempotency_key(parts: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<String> {
    use capturekit::python::FromPy;
    let parts = parts
        .iter()
        .enumerate()
        .map(|(index, part)| String::from_py(&part, &format!("parts[{index}]")))
        .collect::<Result<Vec<_>, _>>()
        .map_err(capturekit::python::input_error)?;
    capturekit::derive_idempotency_key(&parts).map_err(to_py_err)
}

/// A fresh random UUID v4 idempotency key.
#[pyfunction]
fn new_idempotency_key() -> String {
    capturekit::new_idempotency_key()
}

/// A CDP JWT for one request, keeping nothing once it returns: keyword arguments of
/// `ApiKeyOptions` and `JwtRequest`. To sign many tokens with one key, keep a `JwtSigner`.
#[pyfunction]
#[pyo3(signature = (**options))]
fn generate_jwt(py: Python<'_>, options: Option<&Bound<'_, PyDict>>) -> PyResult<String> {
    use capturekit::auth::{ApiKeyOptions, JwtRequest};
    let (key, request) = capturekit::python::split_kwargs::<ApiKeyOptions, JwtRequest>(py, "generate_jwt", options)?;
    let signer = capturekit::auth::JwtSigner::from_options(key).map_err(to_py_err)?;
    signer.sign_request(&request).map_err(to_py_err)
}

/// Test hook, not API: a blocking call that panics inside the core.
#[pyfunction]
fn _panic_for_tests(py: Python<'_>) -> PyResult<()> {
    runtime::blocking(py, capturekit::panics::panic_for_tests())
}

/// Test hook, not API: an asyncio call that panics inside the core.
#[pyfunction]
fn _panic_for_tests_async(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    runtime::awaitable(py, capturekit::panics::panic_for_tests())
}

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    capturekit::python::add_classes(module)?;
    module.add_class::<client::Client>()?;
    module.add_class::<client::AsyncClient>()?;
    module.add_class::<calls::PaymentSessions>()?;
    module.add_class::<calls::AsyncPaymentSessions>()?;
    module.add_class::<calls::CoinbasePayments>()?;
    module.add_class::<calls::AsyncCoinbasePayments>()?;
    module.add_class::<calls::StateSet>()?;
    module.add_class::<calls::AsyncStateSet>()?;
    module.add_class::<calls::CaptureIterator>()?;
    module.add_class::<calls::VoidIterator>()?;
    module.add_class::<calls::RefundIterator>()?;
    module.add_class::<calls::PaymentSessionIterator>()?;
    module.add_class::<signer::JwtSigner>()?;
    module.add_class::<runtime::PendingCall>()?;
    module.add_function(wrap_pyfunction!(derive_idempotency_key, module)?)?;
    module.add_function(wrap_pyfunction!(new_idempotency_key, module)?)?;
    module.add_function(wrap_pyfunction!(generate_jwt, module)?)?;
    module.add_function(wrap_pyfunction!(webhooks::verify_webhook, module)?)?;
    module.add_function(wrap_pyfunction!(webhooks::sign_webhook, module)?)?;
    module.add_function(wrap_pyfunction!(_panic_for_tests, module)?)?;
    module.add_function(wrap_pyfunction!(_panic_for_tests_async, module)?)?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // The package exports what it means to (`capturekit_sdk.__all__`); this module is its
    // implementation, and the `__all__` pyo3 kept of every class added would say otherwise.
    module.delattr("__all__")?;
    let wait = wrap_pyfunction!(runtime::wait_for_completions, module)?;
    module.py().import("atexit")?.call_method1("register", (wait,))?;
    Ok(())
}
