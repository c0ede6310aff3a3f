//! The one tokio runtime of the process, created lazily, and recreated in a child after
//! `os.fork()`: a forked child inherits the runtime's memory but none of its threads, so
//! using the parent's runtime there would hang forever.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use pyo3_async_runtimes::generic::{ContextExt, Runtime};
use pyo3_async_runtimes::TaskLocals;

struct ProcessRuntime {
    pid: u32,
    runtime: Arc<tokio::runtime::Runtime>,
}

static RUNTIME: Mutex<Option<ProcessRuntime>> = Mutex::new(None);

/// The runtime of this process (created on first use, or anew after a fork).
pub fn runtime() -> Arc<tokio::runtime::Runtime> {
    let mut slot = RUNTIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let pid = std::process::id();
    if let Some(current) = slot.as_ref().filter(|r| r.pid == pid) {
        return current.runtime.clone();
    }
    if let Some(inherited) = slot.take() {
        // The parent's runtime has no threads in this process; dropping it would wait for
        // them. Leak it instead (it is one per fork, and small).
        std::mem::forget(inherited);
    }
    let runtime = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .thread_name("capturekit")
            .enable_all()
            .build()
            .expect("the tokio runtime starts"),
    );
    *slot = Some(ProcessRuntime { pid, runtime: runtime.clone() });
    runtime
}

/// The process id the runtime belongs to; clients rebuild their connection pools when it
/// changes, since pooled connections belong to the parent.
pub fn current_pid() -> u32 {
    std::process::id()
}

tokio::task_local! {
    static TASK_LOCALS: std::cell::OnceCell<TaskLocals>;
}

/// Plugs [`runtime`] into pyo3-async-runtimes, so asyncio awaits our runtime's futures.
pub struct CaptureKitRuntime;

impl Runtime for CaptureKitRuntime {
    type JoinError = tokio::task::JoinError;
    type JoinHandle = tokio::task::JoinHandle<()>;

    fn spawn<F>(fut: F) -> Self::JoinHandle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        runtime().spawn(fut)
    }

    fn spawn_blocking<F>(f: F) -> Self::JoinHandle
    where
        F: FnOnce() + Send + 'static,
    {
        runtime().spawn_blocking(f)
    }
}

impl ContextExt for CaptureKitRuntime {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        let cell = std::cell::OnceCell::new();
        let _ = cell.set(locals);
        Box::pin(TASK_LOCALS.scope(cell, fut))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        TASK_LOCALS.try_with(|cell| cell.get().cloned()).unwrap_or_default()
    }
}
