//! `JwtSigner`: the core's signer as a Python object a back end builds once and signs with.

use capturekit::auth::{ApiKeyOptions, JwtRequest};
use capturekit::python::{from_kwargs, to_py_err};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Signs CDP JWTs with one API key, for a back end that mints tokens (for an app's
/// `token_provider`). Keyword arguments of `ApiKeyOptions`: `api_key_id` and
/// `api_key_secret`, or `key_file`. The key is parsed once and wiped from memory when the
/// signer is dropped; nothing is kept anywhere else.
#[pyclass(frozen, module = "capturekit_sdk")]
pub struct JwtSigner {
    signer: capturekit::auth::JwtSigner,
}

#[pymethods]
impl JwtSigner {
    #[new]
    #[pyo3(signature = (**key))]
    fn new(py: Python<'_>, key: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let key: ApiKeyOptions = from_kwargs(py, key)?;
        Ok(JwtSigner { signer: capturekit::auth::JwtSigner::from_options(key).map_err(to_py_err)? })
    }

    /// A JWT (two minutes, fresh nonce) for one request: keyword arguments of `JwtRequest`
    /// (`request_method`, `request_host`, `request_path`).
    #[pyo3(signature = (**request))]
    fn sign(&self, py: Python<'_>, request: Option<&Bound<'_, PyDict>>) -> PyResult<String> {
        let request: JwtRequest = from_kwargs(py, request)?;
        self.signer.sign_request(&request).map_err(to_py_err)
    }

    /// The key's id.
    #[getter]
    fn key_id(&self) -> &str {
        self.signer.key_id()
    }

    fn __repr__(&self) -> String {
        format!("JwtSigner(key_id={:?})", self.signer.key_id())
    }
}
