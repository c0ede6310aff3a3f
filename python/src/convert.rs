//! Conversions between Python values and the core's types. Every rule about what a value
//! may be lives in the core; this file only changes representations.

use std::collections::BTreeMap;

use capturekit::coinbase_payments::EscrowCapture;
use capturekit::{Capture, CapturePage, OnchainTransaction, PaymentError, PaymentSession};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyType};

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// The text of an amount given as `Decimal`, `str` or `int` (the core parses it). A `float`
/// is refused: binary floating point cannot hold most decimal amounts exactly.
pub fn amount_text(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<String>> {
    let Some(value) = value.filter(|v| !v.is_none()) else { return Ok(None) };
    if value.is_instance_of::<PyFloat>() {
        return Err(PyTypeError::new_err(
            "amount must be a decimal.Decimal, str or int, not float: money is never a float \
             (write Decimal(\"10.50\") or \"10.50\")",
        ));
    }
    let is_decimal = value.is_instance(DECIMAL.import(value.py(), "decimal", "Decimal")?)?;
    let text: String = if value.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err("amount must be a decimal.Decimal, str or int, not bool"));
    } else if value.is_instance_of::<PyString>() {
        value.extract()?
    } else if value.is_instance_of::<PyInt>() || is_decimal {
        value.str()?.extract()?
    } else {
        return Err(PyTypeError::new_err(format!(
            "amount must be a decimal.Decimal, str or int, not {}",
            value.get_type().name()?
        )));
    };
    Ok(Some(text))
}

/// Metadata from a `dict[str, str]`.
pub fn metadata(value: Option<&Bound<'_, PyAny>>) -> PyResult<BTreeMap<String, String>> {
    let Some(value) = value.filter(|v| !v.is_none()) else { return Ok(BTreeMap::new()) };
    value
        .extract::<BTreeMap<String, String>>()
        .map_err(|_| PyTypeError::new_err("metadata must be a dict of str keys to str values"))
}

fn payment_error<'py>(py: Python<'py>, error: &PaymentError) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("code", &error.code)?;
    dict.set_item("message", &error.message)?;
    dict.set_item("occurred_at", error.occurred_at)?;
    Ok(dict)
}

fn transaction<'py>(py: Python<'py>, tx: &OnchainTransaction) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("transaction_hash", &tx.transaction_hash)?;
    dict.set_item("network", tx.network.as_str())?;
    Ok(dict)
}

/// A capture as a dict of Python values (`Decimal`, aware `datetime`, `str`).
pub fn capture<'py>(py: Python<'py>, capture: &Capture) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("capture_id", &capture.capture_id)?;
    dict.set_item("payment_session_id", &capture.payment_session_id)?;
    dict.set_item("status", capture.status.as_str())?;
    dict.set_item("amount", capture.amount)?;
    dict.set_item("final_capture", capture.final_capture)?;
    dict.set_item("error", capture.error.as_ref().map(|e| payment_error(py, e)).transpose()?)?;
    dict.set_item("metadata", &capture.metadata)?;
    dict.set_item("external_reference_id", &capture.external_reference_id)?;
    let txs = capture.onchain_transactions.iter().map(|t| transaction(py, t)).collect::<PyResult<Vec<_>>>()?;
    dict.set_item("onchain_transactions", PyList::new(py, txs)?)?;
    dict.set_item("created_at", capture.created_at)?;
    dict.set_item("updated_at", capture.updated_at)?;
    dict.set_item("idempotency_key", &capture.idempotency_key)?;
    Ok(dict)
}

/// One page of captures.
pub fn page<'py>(py: Python<'py>, page: &CapturePage) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    let captures = page.captures.iter().map(|c| capture(py, c)).collect::<PyResult<Vec<_>>>()?;
    dict.set_item("captures", PyList::new(py, captures)?)?;
    dict.set_item("next_page_token", &page.next_page_token)?;
    Ok(dict)
}

/// A payment session with its balances, expiries and captures.
pub fn session<'py>(py: Python<'py>, session: &PaymentSession) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("payment_session_id", &session.payment_session_id)?;
    dict.set_item("entity_id", &session.entity_id)?;
    dict.set_item("status", session.status.as_str())?;
    dict.set_item("amount", session.amount)?;
    dict.set_item("asset", &session.asset)?;
    dict.set_item("auto_capture", session.auto_capture)?;
    let balances = PyDict::new(py);
    balances.set_item("capturable", session.balances.capturable)?;
    balances.set_item("captured", session.balances.captured)?;
    balances.set_item("refundable", session.balances.refundable)?;
    balances.set_item("refunded", session.balances.refunded)?;
    dict.set_item("balances", balances)?;
    let expiries = PyDict::new(py);
    expiries.set_item("authorization_expires_at", session.expiries.authorization_expires_at)?;
    expiries.set_item("capture_expires_at", session.expiries.capture_expires_at)?;
    expiries.set_item("refund_expires_at", session.expiries.refund_expires_at)?;
    dict.set_item("expiries", expiries)?;
    let captures = session.captures.iter().map(|c| capture(py, c)).collect::<PyResult<Vec<_>>>()?;
    dict.set_item("captures", PyList::new(py, captures)?)?;
    dict.set_item("metadata", &session.metadata)?;
    dict.set_item("external_reference_id", &session.external_reference_id)?;
    dict.set_item("cancellation_reason", &session.cancellation_reason)?;
    dict.set_item("created_at", session.created_at)?;
    dict.set_item("updated_at", session.updated_at)?;
    Ok(dict)
}

/// Any serializable result as Python values, keys in snake_case; decimals and timestamps stay
/// text (the Python layer turns them into `Decimal` and `datetime` by the dataclass's types).
pub fn serialized<'py, T: serde::Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyDict>> {
    let json = serde_json::to_value(value).map_err(|e| PyTypeError::new_err(format!("unserializable result: {e}")))?;
    match json_to_py(py, &json)?.cast_into::<PyDict>() {
        Ok(dict) => Ok(dict),
        Err(_) => Err(PyTypeError::new_err("a result must be an object")),
    }
}

/// An escrow capture, with the idempotency key it was sent with.
pub fn escrow_capture<'py>(py: Python<'py>, capture: &EscrowCapture) -> PyResult<Bound<'py, PyDict>> {
    let dict = serialized(py, capture)?;
    dict.set_item("idempotency_key", &capture.idempotency_key)?;
    Ok(dict)
}

fn json_to_py<'py>(py: Python<'py>, value: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.into_pyobject(py)?.into_any(),
            None => match n.as_u64() {
                Some(u) => u.into_pyobject(py)?.into_any(),
                None => n.as_f64().unwrap_or_default().into_pyobject(py)?.into_any(),
            },
        },
        Value::String(text) => PyString::new(py, text).into_any(),
        Value::Array(items) => {
            PyList::new(py, items.iter().map(|item| json_to_py(py, item)).collect::<PyResult<Vec<_>>>()?)?.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (key, item) in map {
                dict.set_item(snake_case(key), json_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// `operationSteps` → `operation_steps`; snake_case keys stay as they are.
fn snake_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
