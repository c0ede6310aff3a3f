//! The accept loop. It is written out (rather than `axum::serve`) so a handler can close its
//! own connection without answering: the "commit then drop" fault.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::response::IntoResponse;
use hyper_util::rt::{TokioIo, TokioTimer};

use crate::api_error::ApiError;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tower::ServiceExt;

/// Put into every request's extensions: notifying it closes that request's connection.
#[derive(Clone)]
pub struct ConnKill(pub Arc<Notify>);

/// The largest request body read (the API's bodies are a few kilobytes).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Serves `router` on `listener` until `shutdown` turns true. A client has `read_timeout` to
/// send a request's header, and again its body.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    read_timeout: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(serve_connection(stream, router.clone(), read_timeout, shutdown.clone()));
                }
                // Out of file descriptors, say: pause instead of spinning on the error.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            _ = shutdown.changed() => return,
        }
    }
}

async fn serve_connection(
    stream: TcpStream,
    router: axum::Router,
    read_timeout: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let kill = Arc::new(Notify::new());
    let kill_for_requests = kill.clone();
    let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
        let router = router.clone();
        let kill = kill_for_requests.clone();
        async move {
            let (parts, body) = request.into_parts();
            let body = match read_body(body, read_timeout).await {
                Ok(body) => body,
                Err(refusal) => return Ok(refusal),
            };
            let mut request = axum::http::Request::from_parts(parts, axum::body::Body::from(body));
            request.extensions_mut().insert(ConnKill(kill));
            router.oneshot(request).await
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(read_timeout);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    // Dropping the connection future closes the socket without a response.
    tokio::select! {
        _ = connection => {}
        _ = kill.notified() => {}
        _ = shutdown.changed() => {}
    }
}

/// Reads a whole request body within `read_timeout` and [`MAX_BODY_BYTES`], or the answer
/// that refuses it (408 or 413).
async fn read_body(body: hyper::body::Incoming, read_timeout: Duration) -> Result<Bytes, axum::response::Response> {
    let read = axum::body::to_bytes(axum::body::Body::new(body), MAX_BODY_BYTES);
    match tokio::time::timeout(read_timeout, read).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(ApiError::new(
            413,
            "request_too_large",
            format!("The request body is larger than {MAX_BODY_BYTES} bytes or could not be read."),
        )
        .into_response()),
        Err(_) => {
            Err(ApiError::new(408, "request_timeout", "The request body did not arrive in time.").into_response())
        }
    }
}
