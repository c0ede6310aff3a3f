//! Core errors become instances of the exception classes written in Python
//! (`capturekit/_errors.py`), one class per core error kind.

use capturekit::Error;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

static FROM_NATIVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The Python exception for a core error, with every field the core error carries.
pub fn to_py_err(error: Error) -> PyErr {
    Python::attach(|py| match build(py, &error) {
        Ok(exception) => PyErr::from_value(exception),
        // Only reachable if the package's own Python files are broken.
        Err(import_error) => {
            PyRuntimeError::new_err(format!("{error} (and capturekit._errors failed: {import_error})"))
        }
    })
}

fn build<'py>(py: Python<'py>, error: &Error) -> PyResult<Bound<'py, PyAny>> {
    let from_native = FROM_NATIVE
        .get_or_try_init(py, || py.import("capturekit._errors")?.getattr("_from_native").map(Bound::unbind))?;
    let last_capture = error.last_capture().map(|c| crate::convert::capture(py, c)).transpose()?;
    from_native.bind(py).call1((
        error.code(),
        error.message(),
        error.http_status(),
        error.error_type(),
        error.correlation_id(),
        error.error_link(),
        error.idempotency_key(),
        error.retry_after().map(|d| d.as_secs_f64()),
        last_capture,
    ))
}
