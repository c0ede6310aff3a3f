//! A Python callable (sync or async) as the core's token provider.

use capturekit::auth::{TokenFuture, TokenProvider, TokenRequest};
use pyo3::prelude::*;
use pyo3_async_runtimes::generic::ContextExt;

use crate::runtime::CaptureKitRuntime;

/// Calls the Python callable with a [`TokenRequest`]; a coroutine result is awaited on the
/// caller's event loop (async client) or run to completion (sync client).
///
/// The callable runs on a thread of the runtime's blocking pool, never on the thread that
/// waits for the call: a provider that blocks (or runs a coroutine that never ends) cannot
/// stop the attempt timeout from ending the call, nor Ctrl-C from reaching the main thread.
/// Such a provider's thread is left to finish on its own; at most
/// [`MAX_PROVIDER_CALLS_RUNNING`] run at once, so that providers that never return cannot
/// use up the runtime's blocking pool (which also hands asyncio its results).
pub struct PyTokenProvider {
    pub callable: std::sync::Arc<Py<PyAny>>,
}

/// The most token provider calls running at once, the abandoned ones (timed out, still
/// running) included.
pub const MAX_PROVIDER_CALLS_RUNNING: usize = 64;

static PROVIDER_CALLS: std::sync::LazyLock<std::sync::Arc<tokio::sync::Semaphore>> =
    std::sync::LazyLock::new(|| std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_PROVIDER_CALLS_RUNNING)));

enum Answer {
    Token(String),
    Pending(std::pin::Pin<Box<dyn std::future::Future<Output = PyResult<Py<PyAny>>> + Send>>),
}

/// The provider's exception as text for the core. A `KeyboardInterrupt` is not swallowed:
/// it is re-armed as a pending Ctrl-C, which the waiting call raises as soon as it returns.
fn describe(py: Python<'_>, error: PyErr) -> String {
    if error.is_instance_of::<pyo3::exceptions::PyKeyboardInterrupt>(py) {
        // SAFETY: PyErr_SetInterrupt only marks SIGINT as pending; it may be called anywhere.
        unsafe { pyo3::ffi::PyErr_SetInterrupt() };
    }
    let name = error.get_type(py).name().map(|n| n.to_string()).unwrap_or_else(|_| "Exception".into());
    format!("{name}: {}", error.value(py))
}

fn extract_token(py: Python<'_>, value: &Bound<'_, PyAny>) -> Result<String, String> {
    value.extract::<String>().map_err(|_| {
        let type_name = value.get_type().name().map(|n| n.to_string()).unwrap_or_default();
        describe(
            py,
            pyo3::exceptions::PyTypeError::new_err(format!("the token provider must return a str, not {type_name}")),
        )
    })
}

impl TokenProvider for PyTokenProvider {
    fn token(&self, request: TokenRequest) -> TokenFuture<'_> {
        let locals = CaptureKitRuntime::get_task_locals();
        let callable = self.callable.clone();
        Box::pin(async move {
            let permit = PROVIDER_CALLS.clone().try_acquire_owned().map_err(|_| {
                format!(
                    "{MAX_PROVIDER_CALLS_RUNNING} token provider calls are still running (does the provider \
                     ever return?); nothing was sent"
                )
            })?;
            let answer = tokio::task::spawn_blocking(move || {
                let _running = permit;
                call(&callable, request, locals)
            })
            .await
            .map_err(|e| format!("the token provider's thread failed: {e}"))??;
            match answer {
                Answer::Token(token) => Ok(token),
                Answer::Pending(future) => {
                    let value = future.await;
                    Python::attach(|py| match value {
                        Ok(value) => extract_token(py, value.bind(py)),
                        Err(error) => Err(describe(py, error)),
                    })
                }
            }
        })
    }
}

/// Calls the provider: its token, or (async client) the future of the coroutine it returned.
fn call(
    callable: &Py<PyAny>,
    request: TokenRequest,
    locals: Option<pyo3_async_runtimes::TaskLocals>,
) -> Result<Answer, String> {
    Python::attach(|py| -> Result<Answer, String> {
        let result = callable.bind(py).call1((request,)).map_err(|e| describe(py, e))?;
        let is_awaitable = py
            .import("inspect")
            .and_then(|inspect| inspect.call_method1("isawaitable", (&result,)))
            .and_then(|b| b.is_truthy())
            .map_err(|e| describe(py, e))?;
        if !is_awaitable {
            return extract_token(py, &result).map(Answer::Token);
        }
        match &locals {
            // Async client: await it on the caller's event loop.
            Some(locals) => pyo3_async_runtimes::into_future_with_locals(locals, result)
                .map(|future| Answer::Pending(Box::pin(future)))
                .map_err(|e| describe(py, e)),
            // Sync client: no loop is running on this thread; run it to completion.
            None => py
                .import("capturekit_sdk._awaitable")
                .and_then(|m| m.call_method1("run", (result,)))
                .map_err(|e| describe(py, e))
                .and_then(|token| extract_token(py, &token))
                .map(Answer::Token),
        }
    })
}
