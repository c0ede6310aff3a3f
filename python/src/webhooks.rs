//! Webhook verification and test signing, as module functions. Every rule is the core's.

use capturekit::python::{from_kwargs, to_py_err};
use capturekit::webhooks::{WebhookBody, WebhookHeaders, WebhookOptions, WebhookSignOptions};
use capturekit::WebhookEvent;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::calls::positional;

/// Verifies a webhook delivery and returns its event: `body` the raw request body (bytes,
/// before any parsing), `headers` the request's headers (a mapping or `http.server`'s
/// `self.headers`), `secret` the subscription's signing secret; keyword argument `max_age`
/// (seconds, default 300). Raises a `WebhookVerificationError` subclass when the delivery
/// must not be trusted. Deliveries are retried: handle each `event_id` once.
#[pyfunction]
#[pyo3(signature = (body, headers, secret, **options))]
pub fn verify_webhook(
    py: Python<'_>,
    body: &Bound<'_, PyAny>,
    headers: &Bound<'_, PyAny>,
    secret: &Bound<'_, PyAny>,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<WebhookEvent> {
    let body: WebhookBody = positional(body, "body")?;
    let headers: WebhookHeaders = positional(headers, "headers")?;
    let secret: String = positional(secret, "secret")?;
    let options: WebhookOptions = from_kwargs(py, options)?;
    capturekit::webhooks::verify_webhook(&body.0, headers.pairs(), &secret, options).map_err(to_py_err)
}

/// The `X-Hook0-Signature` value CDP would send for `body` (bytes) signed with `secret`: for
/// tests of a webhook handler. Keyword arguments `headers` (the signed headers; default
/// `{"content-type": "application/json"}`, send them too) and `timestamp` (unix seconds,
/// default now).
#[pyfunction]
#[pyo3(signature = (body, secret, **options))]
pub fn sign_webhook(
    py: Python<'_>,
    body: &Bound<'_, PyAny>,
    secret: &Bound<'_, PyAny>,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<String> {
    let body: WebhookBody = positional(body, "body")?;
    let secret: String = positional(secret, "secret")?;
    let options: WebhookSignOptions = from_kwargs(py, options)?;
    capturekit::webhooks::sign_webhook(&secret, &body.0, &options.header_pairs(), options.unix_time())
        .map_err(to_py_err)
}
