//! A panic inside a call (a defect of ours) ends that call with an `internal` error instead
//! of reaching the host language as a crash or a foreign exception type. The bindings run
//! every call through [`catch_panics`].

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;

use crate::error::{Error, ErrorKind, Result};

/// Runs `call`; a panic while it runs becomes an `internal` error carrying the panic message.
pub async fn catch_panics<T>(call: impl Future<Output = Result<T>>) -> Result<T> {
    // Unwind safety: a panicking call's state is dropped with it; nothing it touched is
    // observed afterwards except through locks that recover from poisoning.
    AssertUnwindSafe(call).catch_unwind().await.unwrap_or_else(|payload| Err(internal_error(payload)))
}

/// The `internal` error for a caught panic's payload.
pub fn internal_error(payload: Box<dyn Any + Send>) -> Error {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    Error::new(ErrorKind::Internal, format!("internal error in capturekit (please report it): {message}"))
}

/// A call that panics, for the tests of each binding that show a panic arrives as the
/// library's `internal` error with the host alive. Not part of the API.
#[doc(hidden)]
pub async fn panic_for_tests() -> Result<()> {
    tokio::task::yield_now().await;
    panic!("a panic forced by a test")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_becomes_an_internal_error() {
        let err = catch_panics(panic_for_tests()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Internal);
        assert!(err.message().contains("a panic forced by a test"), "{}", err.message());
        assert_eq!(catch_panics(async { Ok(5) }).await.unwrap(), 5);
    }
}
