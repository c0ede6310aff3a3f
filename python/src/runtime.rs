//! The one tokio runtime of the process, created lazily, and recreated in a child after
//! `os.fork()`: a forked child inherits the runtime's memory but none of its threads, so
//! using the parent's runtime there would hang forever.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

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

/// How often a blocking call looks for signals (Ctrl-C) while it waits.
const SIGNAL_CHECK_INTERVAL: Duration = Duration::from_millis(50);

/// Whether the calling thread is Python's main thread (where signal handlers run).
fn is_main_thread(py: pyo3::Python<'_>) -> bool {
    use pyo3::types::PyAnyMethods;
    let threading = match py.import("threading") {
        Ok(module) => module,
        Err(_) => return false,
    };
    match (threading.call_method0("current_thread"), threading.call_method0("main_thread")) {
        (Ok(current), Ok(main)) => current.is(&main),
        _ => false,
    }
}

/// How a blocking call ended: its own result, or a signal handler's exception.
enum Ending<T> {
    Done(Result<T, capturekit::Error>),
    Interrupted(pyo3::PyErr),
}

/// Runs a core call to its end on the process runtime, with the GIL released meanwhile
/// (other Python threads run), and hands back its result or its exception. While it waits
/// it runs Python's signal handlers every 50 ms, so Ctrl-C raises `KeyboardInterrupt` at
/// once (the call is dropped: a create's outcome is then unknown, as with any interruption).
/// A panic inside the call is an `InternalError`.
pub fn blocking<T: Send>(
    py: pyo3::Python<'_>,
    call: impl Future<Output = Result<T, capturekit::Error>> + Send,
) -> pyo3::PyResult<T> {
    // Python runs signal handlers on its main thread only; other threads never check.
    let on_main_thread = is_main_thread(py);
    let wait = async {
        let call = capturekit::panics::catch_panics(call);
        tokio::pin!(call);
        if !on_main_thread {
            return Ending::Done(call.await);
        }
        let mut ticks = tokio::time::interval(SIGNAL_CHECK_INTERVAL);
        loop {
            tokio::select! {
                result = &mut call => return Ending::Done(result),
                _ = ticks.tick() => {
                    if let Err(error) = pyo3::Python::attach(|py| py.check_signals()) {
                        return Ending::Interrupted(error);
                    }
                }
            }
        }
    };
    let ending = py.detach(|| {
        if tokio::runtime::Handle::try_current().is_err() {
            return runtime().block_on(wait);
        }
        // Called from inside a call of ours (a token provider that uses capturekit): this
        // thread is already driving the runtime, so the nested call gets a thread of its own.
        std::thread::scope(|scope| {
            scope
                .spawn(|| runtime().block_on(wait))
                .join()
                .unwrap_or_else(|payload| Ending::Done(Err(capturekit::panics::internal_error(payload))))
        })
    });
    match ending {
        Ending::Done(Ok(value)) => Ok(value),
        // A KeyboardInterrupt raised inside a token provider is re-armed there as a pending
        // signal (the core only carries text); it is raised here rather than the call's error.
        Ending::Done(Err(error)) => py.check_signals().map(|()| Err(capturekit::python::to_py_err(error)))?,
        Ending::Interrupted(error) => Err(error),
    }
}

/// A core call as a coroutine of the caller's event loop, resolved with its result or its
/// exception. Like an `async def`, it does nothing until it is awaited or scheduled
/// (`asyncio.create_task`): a coroutine dropped unawaited sends no request.
pub fn awaitable<'py, T>(
    py: pyo3::Python<'py>,
    call: impl Future<Output = Result<T, capturekit::Error>> + Send + 'static,
) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>>
where
    T: for<'a> pyo3::IntoPyObject<'a> + Send + 'static,
{
    use pyo3::types::PyAnyMethods;
    static COROUTINE: pyo3::sync::PyOnceLock<pyo3::Py<pyo3::PyAny>> = pyo3::sync::PyOnceLock::new();
    let call: PendingFuture = Box::pin(async move {
        let value = capturekit::panics::catch_panics(call).await.map_err(capturekit::python::to_py_err)?;
        Ok(Converted(Box::new(move |py| {
            use pyo3::BoundObject;
            value.into_pyobject(py).map(|bound| bound.into_any().into_bound()).map_err(Into::into)
        })))
    });
    let pending = pyo3::Py::new(py, PendingCall { call: Mutex::new(Some(call)) })?;
    let coroutine = COROUTINE.get_or_try_init(py, || {
        py.import("capturekit_sdk._awaitable")?.getattr("coroutine").map(pyo3::Bound::unbind)
    })?;
    coroutine.bind(py).call1((pending,))
}

type PendingFuture = Pin<Box<dyn Future<Output = pyo3::PyResult<Converted>> + Send>>;

/// A call's result, turned into its Python value where the GIL is already held (when the
/// result is handed to asyncio).
struct Converted(Box<dyn for<'py> FnOnce(pyo3::Python<'py>) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> + Send>);

impl<'py> pyo3::IntoPyObject<'py> for Converted {
    type Target = pyo3::PyAny;
    type Output = pyo3::Bound<'py, pyo3::PyAny>;
    type Error = pyo3::PyErr;

    fn into_pyobject(self, py: pyo3::Python<'py>) -> Result<Self::Output, Self::Error> {
        (self.0)(py)
    }
}

/// An asyncio call that has not started: `capturekit_sdk._awaitable.coroutine` starts it when it
/// is first awaited.
#[pyo3::pyclass(frozen, module = "capturekit_sdk._native")]
pub struct PendingCall {
    call: Mutex<Option<PendingFuture>>,
}

#[pyo3::pymethods]
impl PendingCall {
    /// Starts the call on the process runtime: an asyncio future of its result.
    fn start<'py>(&self, py: pyo3::Python<'py>) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
        let call = self.call.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        let call = call.ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("this call was already started"))?;
        pyo3_async_runtimes::generic::future_into_py::<CaptureKitRuntime, _, Converted>(py, call)
    }
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
        // pyo3-async-runtimes hands an awaited call's result to asyncio from here, holding
        // the GIL; see `Completions` for why the interpreter's exit waits for it.
        runtime().spawn_blocking(move || {
            if let Some(_in_progress) = COMPLETIONS.enter() {
                f();
            }
        })
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

/// The results being handed to asyncio right now, and whether the interpreter is exiting.
///
/// Handing a result over runs Python code on one of our threads. Python may switch to the
/// main thread in the middle of it; if that thread then finishes the program, the
/// interpreter finalizes, and when our thread asks for the GIL back Python ends it with
/// `pthread_exit`, which aborts the process ("PyGILState_Release: thread state must be
/// current"). So an `atexit` hook (`wait_for_completions`) lets every hand-over in progress
/// finish, and none start after it.
struct Completions {
    state: Mutex<CompletionState>,
    idle: Condvar,
}

struct CompletionState {
    in_progress: usize,
    exiting: bool,
}

static COMPLETIONS: Completions =
    Completions { state: Mutex::new(CompletionState { in_progress: 0, exiting: false }), idle: Condvar::new() };

/// One hand-over in progress; dropping it leaves.
struct InProgress(&'static Completions);

impl Drop for InProgress {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.in_progress -= 1;
        if state.in_progress == 0 {
            self.0.idle.notify_all();
        }
    }
}

/// The longest the interpreter's exit waits for results being handed over.
const EXIT_WAIT: Duration = Duration::from_secs(5);

impl Completions {
    fn lock(&self) -> std::sync::MutexGuard<'_, CompletionState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// None once the interpreter is exiting: nobody is left to receive the result. The
    /// guard leaves when dropped, so a hand-over that panics does not hold up the exit.
    fn enter(&'static self) -> Option<InProgress> {
        let mut state = self.lock();
        if state.exiting {
            return None;
        }
        state.in_progress += 1;
        Some(InProgress(self))
    }

    fn wait_until_idle(&self) {
        let mut state = self.lock();
        state.exiting = true;
        let deadline = std::time::Instant::now() + EXIT_WAIT;
        while state.in_progress > 0 {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                break;
            }
            state = self.idle.wait_timeout(state, left).unwrap_or_else(|poisoned| poisoned.into_inner()).0;
        }
    }
}

/// Registered with `atexit`: waits, without the GIL, for results being handed to asyncio.
#[pyo3::pyfunction]
pub fn wait_for_completions(py: pyo3::Python<'_>) {
    py.detach(|| COMPLETIONS.wait_until_idle());
}
