//! `capturekit._native`: the Rust core, as the Python package sees it. This layer converts
//! arguments, results and errors; every rule is the core's.

mod client;
mod convert;
mod errors;
mod runtime;
mod token_provider;

use pyo3::prelude::*;

/// Derives a UUID-v4-shaped idempotency key from your own identifiers (stable across runs).
#[pyfunction]
fn derive_idempotency_key(parts: Vec<String>) -> PyResult<String> {
    capturekit::derive_idempotency_key(&parts).map_err(errors::to_py_err)
}

/// A fresh random UUID v4 idempotency key.
#[pyfunction]
fn new_idempotency_key() -> String {
    capturekit::new_idempotency_key()
}

/// A CDP JWT for one request (`"<METHOD> <host><path>"`), signed with this API key.
#[pyfunction]
#[pyo3(signature = (*, api_key_id, api_key_secret, request_method, request_host, request_path))]
fn generate_jwt(
    api_key_id: &str,
    api_key_secret: &str,
    request_method: &str,
    request_host: &str,
    request_path: &str,
) -> PyResult<String> {
    capturekit::auth::generate_jwt(api_key_id, api_key_secret, request_method, request_host, request_path)
        .map_err(errors::to_py_err)
}

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<client::NativeClient>()?;
    module.add_class::<client::CaptureIterator>()?;
    module.add_class::<token_provider::TokenRequest>()?;
    module.add_function(wrap_pyfunction!(derive_idempotency_key, module)?)?;
    module.add_function(wrap_pyfunction!(new_idempotency_key, module)?)?;
    module.add_function(wrap_pyfunction!(generate_jwt, module)?)?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    let wait = wrap_pyfunction!(runtime::wait_for_completions, module)?;
    module.py().import("atexit")?.call_method1("register", (wait,))?;
    Ok(())
}
