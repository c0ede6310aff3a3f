//! How the core's types cross into Python (the `python` feature, used by the
//! `capturekit-python` extension). Records and enums get their conversions from `#[record]`
//! and `open_enum!`; this module holds the conversions of the values inside them, so every
//! record field converts the same way:
//!
//! | shape | Python out | Python in |
//! |---|---|---|
//! | text | `str` | `str` |
//! | decimal | `decimal.Decimal` | `Decimal`, `str` or `int` (never `float`) |
//! | timestamp | aware `datetime` (UTC) | - |
//! | duration | `float` seconds | `int` or `float` seconds |
//! | map | `dict`, keys and values as they came | any mapping of `str` to `str` |
//! | record | its class (`to_dict()`: a `dict`) | a mapping of its field names |
//! | enum | its `capturekit` string enum | `str` |

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pyclass::PyClass;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple, PyType};
use rust_decimal::Decimal;
use zeroize::Zeroizing;

use crate::error::{Error, InputError};

/// A value the core hands to Python.
pub trait ToPy {
    /// The Python value; with `plain`, records become `dict`s and enums their strings (as
    /// `to_dict()` gives them).
    fn to_py(&self, py: Python<'_>, plain: bool) -> PyResult<Py<PyAny>>;
}

/// A value Python hands to the core, checked on the way in.
pub trait FromPy: Sized {
    /// Converts `value` (never `None`: that is [`Self::absent`]); `path` names it in errors.
    fn from_py(value: &Bound<'_, PyAny>, path: &str) -> Result<Self, InputError>;

    /// The value of a field that was left out or given as `None`.
    fn absent(path: &str) -> Result<Self, InputError> {
        Err(InputError::Type(format!("{path}: required")))
    }
}

/// A `#[record(output)]` type: its fields as Python values, in declaration order.
pub trait PyRecord {
    /// The class name.
    const NAME: &'static str;
    /// Each field's name and Python value (see [`ToPy::to_py`] for `plain`).
    fn py_items(&self, py: Python<'_>, plain: bool) -> PyResult<Vec<(&'static str, Py<PyAny>)>>;
}

/// Adds a result's class to a module (see [`PyRegister`]).
pub type AddClass = fn(&Bound<'_, pyo3::types::PyModule>) -> PyResult<()>;

/// Every `#[record]` type: how its Python class (results only) joins the native module.
pub trait PyRegister {
    /// Adds the class of a result; does nothing for a request, which has no class.
    fn add_class(module: &Bound<'_, pyo3::types::PyModule>) -> PyResult<()>;
}

/// Adds the class of every result the API returns to `module` (the native module).
pub fn add_classes(module: &Bound<'_, pyo3::types::PyModule>) -> PyResult<()> {
    for add in crate::schema::api().python_classes() {
        add(module)?;
    }
    Ok(())
}

/// A `#[record(input)]` type, built from keyword arguments (or any mapping).
pub trait FromPyKwargs: Sized {
    /// The type's name, for errors.
    const NAME: &'static str;
    /// The names it accepts; any other is refused.
    const FIELDS: &'static [&'static str];
    /// Builds it from `kwargs`, whose names were checked.
    fn from_kwargs(kwargs: &Kwargs<'_, '_>) -> Result<Self, InputError>;

    /// Builds it from a mapping (`None`: nothing given), refusing names it does not know.
    fn from_mapping(py: Python<'_>, mapping: Option<&Bound<'_, PyAny>>, path: &str) -> Result<Self, InputError> {
        let dict = match mapping.filter(|m| !m.is_none()) {
            None => PyDict::new(py),
            Some(value) => as_dict(value, path, Self::NAME)?,
        };
        let kwargs = Kwargs { dict: &dict, prefix: path };
        kwargs.refuse_unknown(Self::NAME, Self::FIELDS)?;
        Self::from_kwargs(&kwargs)
    }
}

/// The keyword arguments of one record, with the path that names them in errors.
pub struct Kwargs<'a, 'py> {
    dict: &'a Bound<'py, PyDict>,
    prefix: &'a str,
}

impl<'py> Kwargs<'_, 'py> {
    /// How `field` is named in errors (`distribute_rewards[0].chain_id`).
    // Borrowed at the top level (the common case): a call allocates no path it does not report.
    pub fn path<'k>(&self, field: &'k str) -> std::borrow::Cow<'k, str> {
        if self.prefix.is_empty() {
            std::borrow::Cow::Borrowed(field)
        } else {
            std::borrow::Cow::Owned(format!("{}.{field}", self.prefix))
        }
    }

    /// The value of `field`; `None` when it was left out or given as `None`.
    pub fn value(&self, field: &str) -> Result<Option<Bound<'py, PyAny>>, InputError> {
        let value = self.dict.get_item(field).map_err(|e| raised(&self.path(field), e))?;
        Ok(value.filter(|v| !v.is_none()))
    }

    /// The text of `field`, if it is a `str` (to carry a caller's key on conversion errors).
    pub fn text(&self, field: &str) -> Option<String> {
        self.value(field).ok().flatten().and_then(|v| v.extract::<String>().ok())
    }

    fn refuse_unknown(&self, name: &str, fields: &[&str]) -> Result<(), InputError> {
        for key in self.dict.keys() {
            let known = key.extract::<String>().is_ok_and(|k| fields.contains(&k.as_str()));
            if !known {
                let shown = key.repr().map(|r| r.to_string()).unwrap_or_else(|_| "?".into());
                return Err(InputError::Type(format!(
                    "{}: unexpected option {shown} ({name} takes {})",
                    if self.prefix.is_empty() { name } else { self.prefix },
                    fields.join(", ")
                )));
            }
        }
        Ok(())
    }
}

fn as_dict<'py>(value: &Bound<'py, PyAny>, path: &str, name: &str) -> Result<Bound<'py, PyDict>, InputError> {
    if let Ok(dict) = value.cast::<PyDict>() {
        return Ok(dict.clone());
    }
    match value.cast::<PyMapping>() {
        Ok(mapping) => {
            let dict = PyDict::new(value.py());
            for item in mapping.items().map_err(|e| raised(path, e))?.iter() {
                let (key, item) = item
                    .extract::<(Bound<'py, PyAny>, Bound<'py, PyAny>)>()
                    .map_err(|_| type_error(path, &format!("a mapping ({name}) whose items() are pairs"), value))?;
                dict.set_item(key, item).map_err(|e| raised(path, e))?;
            }
            Ok(dict)
        }
        Err(_) => Err(type_error(path, &format!("a mapping ({name})"), value)),
    }
}

/// `path: must be <what>, not <type>`.
fn type_error(path: &str, what: &str, value: &Bound<'_, PyAny>) -> InputError {
    let type_name = value.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
    InputError::Type(format!("{path}: must be {what}, not {type_name}"))
}

/// Builds a `#[record(input)]` value from a call's keyword arguments, refusing unknown names.
pub fn from_kwargs<T: FromPyKwargs>(py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<T> {
    T::from_mapping(py, kwargs.map(|k| k.as_any()), "").map_err(input_error)
}

/// Builds two `#[record(input)]` values from one call's keyword arguments, each taking its
/// own names; a name neither takes is a `TypeError` naming `call`.
pub fn split_kwargs<A: FromPyKwargs, B: FromPyKwargs>(
    py: Python<'_>,
    call: &str,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<(A, B)> {
    let (first, second) = (PyDict::new(py), PyDict::new(py));
    if let Some(kwargs) = kwargs {
        for (key, value) in kwargs.iter() {
            // A name that is no valid text (a lone surrogate) is no field's either.
            let name = key.extract::<String>().unwrap_or_default();
            let target = if A::FIELDS.contains(&name.as_str()) {
                &first
            } else if B::FIELDS.contains(&name.as_str()) {
                &second
            } else {
                let shown = key.repr().map(|r| r.to_string()).unwrap_or_else(|_| "?".into());
                return Err(PyTypeError::new_err(format!(
                    "{call}: unexpected option {shown} ({call} takes {}, {})",
                    A::FIELDS.join(", "),
                    B::FIELDS.join(", ")
                )));
            };
            target.set_item(name, value)?;
        }
    }
    Ok((from_kwargs(py, Some(&first))?, from_kwargs(py, Some(&second))?))
}

/// The Python exception for a conversion error: `TypeError` for a wrong type or name, the
/// capturekit exception of the core error otherwise.
pub fn input_error(error: InputError) -> PyErr {
    match error {
        InputError::Type(message) => PyTypeError::new_err(message),
        InputError::Invalid(error) => to_py_err(error),
        InputError::Python(error) => error,
    }
}

/// The caller's own exception, raised while `path` was read: it propagates as it is, with a
/// note (Python 3.11+) naming what was being read.
fn raised(path: &str, error: PyErr) -> InputError {
    Python::attach(|py| {
        let note = format!("raised while capturekit read {}", if path.is_empty() { "the options" } else { path });
        if let Ok(add_note) = error.value(py).getattr("add_note") {
            let _ = add_note.call1((note,));
        }
    });
    InputError::Python(error)
}

static FROM_DETAILS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The capturekit_sdk exception (`capturekit_sdk._errors`) for a core error: the class of its kind,
/// its message the core's `Display`, every field of [`crate::ErrorDetails`] an attribute.
pub fn to_py_err(error: Error) -> PyErr {
    Python::attach(|py| {
        let build = || -> PyResult<Bound<'_, PyAny>> {
            let from_details = FROM_DETAILS.get_or_try_init(py, || {
                py.import("capturekit_sdk._errors")?.getattr("_from_details").map(Bound::unbind)
            })?;
            let details = error.details();
            let fields = PyDict::new(py);
            for (name, value) in details.py_items(py, false)? {
                fields.set_item(name, value)?;
            }
            from_details.bind(py).call1((details.to_string(), fields))
        };
        match build() {
            Ok(exception) => PyErr::from_value(exception),
            // Only reachable if the package's own Python files are broken.
            Err(broken) => {
                pyo3::exceptions::PyRuntimeError::new_err(format!("{error} (and capturekit_sdk._errors: {broken})"))
            }
        }
    })
}

/// A record as a `dict` of plain values.
pub fn to_dict<'py, T: PyRecord>(record: &T, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (name, value) in record.py_items(py, true)? {
        dict.set_item(name, value)?;
    }
    Ok(dict)
}

/// `Capture(capture_id='capture_…', status=<CaptureStatus.PENDING: 'pending'>, …)`.
pub fn repr<T: PyRecord>(record: &T, py: Python<'_>) -> PyResult<String> {
    let mut parts = Vec::new();
    for (name, value) in record.py_items(py, false)? {
        parts.push(format!("{name}={}", value.bind(py).repr()?));
    }
    Ok(format!("{}({})", T::NAME, parts.join(", ")))
}

/// Pickles a record as its class's `_from_json` and the core's JSON form of the value.
pub fn reduce<'py, T>(slf: &Bound<'py, T>) -> PyResult<(Bound<'py, PyAny>, (String,))>
where
    T: PyClass<Frozen = pyo3::pyclass::boolean_struct::True> + serde::Serialize + Sync,
{
    let json = serde_json::to_string(slf.get()).map_err(|e| PyValueError::new_err(format!("cannot pickle: {e}")))?;
    Ok((slf.as_any().get_type().getattr("_from_json")?, (json,)))
}

/// Unpickles what [`reduce`] wrote.
pub fn from_json<T: serde::de::DeserializeOwned>(json: &str) -> PyResult<T> {
    serde_json::from_str(json).map_err(|e| PyValueError::new_err(format!("cannot unpickle: {e}")))
}

/// The member of the open string enum `capturekit_sdk._enums.<name>` for `value` (a value this
/// version does not know becomes a pseudo-member, kept as sent).
pub fn enum_member(
    py: Python<'_>,
    class: &'static PyOnceLock<Py<PyType>>,
    name: &str,
    value: &str,
) -> PyResult<Py<PyAny>> {
    let class = class.import(py, "capturekit_sdk._enums", name)?;
    Ok(class.call1((value,))?.unbind())
}

fn owned<'py, T>(value: T, py: Python<'py>) -> PyResult<Py<PyAny>>
where
    T: IntoPyObject<'py>,
    PyErr: From<T::Error>,
{
    use pyo3::BoundObject;
    Ok(value.into_pyobject(py)?.into_any().unbind())
}

impl ToPy for String {
    fn to_py(&self, py: Python<'_>, _plain: bool) -> PyResult<Py<PyAny>> {
        Ok(PyString::new(py, self).into_any().unbind())
    }
}

impl ToPy for bool {
    fn to_py(&self, py: Python<'_>, _plain: bool) -> PyResult<Py<PyAny>> {
        Ok(PyBool::new(py, *self).to_owned().into_any().unbind())
    }
}

macro_rules! to_py_by_value {
    ($($ty:ty),*) => {$(
        impl ToPy for $ty {
            fn to_py(&self, py: Python<'_>, _plain: bool) -> PyResult<Py<PyAny>> {
                owned(*self, py)
            }
        }
    )*};
}

to_py_by_value!(u16, u32, u64, Decimal, DateTime<Utc>);

impl ToPy for Duration {
    fn to_py(&self, py: Python<'_>, _plain: bool) -> PyResult<Py<PyAny>> {
        Ok(PyFloat::new(py, self.as_secs_f64()).into_any().unbind())
    }
}

impl<T: ToPy> ToPy for Option<T> {
    fn to_py(&self, py: Python<'_>, plain: bool) -> PyResult<Py<PyAny>> {
        match self {
            Some(value) => value.to_py(py, plain),
            None => Ok(py.None()),
        }
    }
}

impl<T: ToPy> ToPy for Vec<T> {
    fn to_py(&self, py: Python<'_>, plain: bool) -> PyResult<Py<PyAny>> {
        let items = self.iter().map(|item| item.to_py(py, plain)).collect::<PyResult<Vec<_>>>()?;
        Ok(PyList::new(py, items)?.into_any().unbind())
    }
}

impl<T: ToPy> ToPy for BTreeMap<String, T> {
    fn to_py(&self, py: Python<'_>, plain: bool) -> PyResult<Py<PyAny>> {
        let dict = PyDict::new(py);
        for (key, value) in self {
            dict.set_item(key, value.to_py(py, plain)?)?;
        }
        Ok(dict.into_any().unbind())
    }
}

impl FromPy for String {
    fn from_py(value: &Bound<'_, PyAny>, path: &str) -> Result<Self, InputError> {
        match value.cast::<PyString>() {
            Ok(text) => text
                .extract::<String>()
                .map_err(|_| InputError::Invalid(Error::invalid(path, "must be valid text (no lone surrogates)"))),
            Err(_) => Err(type_error(path, "a str", value)),
        }
    }
}

impl FromPy for Zeroizing<String> {
    fn from_py(value: &Bound<'_, PyAny>, path: &str) -> Result<Self, InputError> {
        String::from_py(value, path).map(Zeroizing::new)
    }
}

impl FromPy for bool {
    fn from_py(value: &Bound<'_, PyAny>, path: &str) -> Result<Self, InputError> {
        match value.cast::<PyBool>() {
            Ok(flag) => Ok(flag.is_true()),
            Err(_) => Err(type_error(path, "a bool", value)),
        }
    }
}

macro_rules! from_py_whole_number {
    ($($ty:ty),*) => {$(
        impl FromPy for $ty {
            fn from_py(value: &Bound<'_, PyAny>, path: &str) -> Result<Self, InputError> {
                // bool is an int in Python; True is not a number of anything here.
                if value.is_instance_of::<PyBool>() || !value.is_instance_of::<PyInt>() {
                    return Err(type_error(path, "an int", value));
                }
                value.extract::<$ty>().map_err(|_| {
                    InputError::Invalid(Error::invalid(
                        path,
                        format!("must be a whole number from 0 to {}, got {}", <$ty>::MAX, value),
                    ))
                })
            }
        }
    )*};
}

from_py_whole_number!(u16, u32, u64);

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Refuses a `decimal.Decimal` that cannot be held exactly before it is written out in full:
/// `Decimal("1E+30000000")` would be 30 MB of text. NaN and infinities fail here too.
fn check_decimal_size(decimal: &Bound<'_, PyType>, value: &Bound<'_, PyAny>, path: &str) -> Result<(), InputError> {
    let adjusted = decimal.call_method1("adjusted", (value,)).and_then(|a| a.extract::<i64>());
    let exponent =
        decimal.call_method1("as_tuple", (value,)).and_then(|t| t.getattr("exponent")).and_then(|e| e.extract::<i64>());
    match (adjusted, exponent) {
        (Ok(adjusted), Ok(exponent)) if adjusted <= 28 && exponent >= -28 => Ok(()),
        _ => Err(InputError::Invalid(Error::invalid(
            path,
            format!(
                "cannot be held exactly (at most 28 digits after the point and 28 significant digits), got {}",
                value.repr().map(|r| r.to_string()).unwrap_or_default()
            ),
        ))),
    }
}

impl FromPy for Decimal {
    fn from_py(value: &Bound<'_, PyAny>, path: &str) -> Result<Self, InputError> {
        let what = "a decimal.Decimal, str or int";
        if value.is_instance_of::<PyFloat>() {
            return Err(InputError::Type(format!(
                "{path}: must be {what}, not float: money is never a float (write Decimal(\"10.50\") or \"10.50\")"
            )));
        }
        if value.is_instance_of::<PyBool>() {
            return Err(type_error(path, what, value));
        }
        let decimal = DECIMAL.import(value.py(), "decimal", "Decimal").map_err(|e| raised(path, e))?;
        // The base classes' own formatting, never a subclass's `__str__` (which may round for
        // display, or raise): `Decimal.__format__(v, "f")` is plain notation ("1E-7" is not).
        let text = if value.is_instance_of::<PyString>() {
            String::from_py(value, path)?
        } else if value.is_instance_of::<PyInt>() {
            value
                .py()
                .get_type::<PyInt>()
                .call_method1("__repr__", (value,))
                .and_then(|s| s.extract::<String>())
                .map_err(|e| raised(path, e))?
        } else if value.is_instance(decimal).unwrap_or(false) {
            check_decimal_size(decimal, value, path)?;
            decimal
                .call_method1("__format__", (value, "f"))
                .and_then(|s| s.extract::<String>())
                .map_err(|e| raised(path, e))?
        } else {
            return Err(type_error(path, what, value));
        };
        crate::validate::parse_amount(path, &text).map_err(InputError::Invalid)
    }
}

impl FromPy for Duration {
    fn from_py(value: &Bound<'_, PyAny>, path: &str) -> Result<Self, InputError> {
        if value.is_instance_of::<PyBool>() || !(value.is_instance_of::<PyInt>() || value.is_instance_of::<PyFloat>()) {
            return Err(type_error(path, "a number of seconds (int or float)", value));
        }
        let seconds: f64 = value.extract().map_err(|_| {
            InputError::Invalid(Error::invalid(path, format!("must be a number of seconds, got {value}")))
        })?;
        Duration::try_from_secs_f64(seconds).map_err(|_| {
            InputError::Invalid(Error::invalid(
                path,
                format!("must be a finite, non-negative number of seconds, got {seconds}"),
            ))
        })
    }
}

impl FromPy for PathBuf {
    fn from_py(value: &Bound<'_, PyAny>, path: &str) -> Result<Self, InputError> {
        // A path-like's own `__fspath__` may raise: that exception is the caller's.
        let is_path_like = value.is_instance_of::<PyString>() || value.hasattr("__fspath__").unwrap_or(false);
        value.extract::<PathBuf>().map_err(|e| {
            if is_path_like && !e.is_instance_of::<PyTypeError>(value.py()) {
                raised(path, e)
            } else {
                type_error(path, "a str or os.PathLike", value)
            }
        })
    }
}

impl<T: FromPy> FromPy for Option<T> {
    fn from_py(value: &Bound<'_, PyAny>, path: &str) -> Result<Self, InputError> {
        T::from_py(value, path).map(Some)
    }

    fn absent(_path: &str) -> Result<Self, InputError> {
        Ok(None)
    }
}

impl<T: FromPy> FromPy for Vec<T> {
    fn from_py(value: &Bound<'_, PyAny>, path: &str) -> Result<Self, InputError> {
        let items: Vec<Bound<'_, PyAny>> = if let Ok(list) = value.cast::<PyList>() {
            list.iter().collect()
        } else if let Ok(tuple) = value.cast::<PyTuple>() {
            tuple.iter().collect()
        } else {
            return Err(type_error(path, "a list", value));
        };
        items.iter().enumerate().map(|(i, item)| T::from_py(item, &format!("{path}[{i}]"))).collect()
    }
}

impl<T: FromPy> FromPy for BTreeMap<String, T> {
    fn from_py(value: &Bound<'_, PyAny>, path: &str) -> Result<Self, InputError> {
        let dict = as_dict(value, path, "str keys")?;
        let mut map = BTreeMap::new();
        for (key, item) in dict.iter() {
            let key = match key.cast::<PyString>() {
                Ok(text) => text
                    .extract::<String>()
                    .map_err(|_| InputError::Type(format!("{path}: keys must be valid text")))?,
                Err(_) => return Err(type_error(&format!("{path} key"), "a str", &key)),
            };
            let item = T::from_py(&item, &format!("{path}[{key:?}]"))?;
            map.insert(key, item);
        }
        Ok(map)
    }
}

/// A webhook body: `bytes` or `bytearray`, exactly as received. Text is refused: decoding
/// and encoding again may change the bytes that were signed.
impl FromPy for crate::webhooks::WebhookBody {
    fn from_py(value: &Bound<'_, PyAny>, path: &str) -> Result<Self, InputError> {
        if value.is_instance_of::<PyString>() {
            return Err(InputError::Type(format!(
                "{path}: must be the raw body as bytes (not str: decoding may have changed what was signed)"
            )));
        }
        // Only byte containers: a general sequence would be read item by item, from a length
        // it reports itself (a lying `__len__` would ask for any amount of memory).
        if let Ok(bytes) = value.cast::<pyo3::types::PyBytes>() {
            return Ok(crate::webhooks::WebhookBody(bytes.as_bytes().to_vec()));
        }
        if let Ok(bytes) = value.cast::<pyo3::types::PyByteArray>() {
            return Ok(crate::webhooks::WebhookBody(bytes.to_vec()));
        }
        if value.is_exact_instance_of::<pyo3::types::PyMemoryView>() {
            let bytes = value.call_method0("tobytes").map_err(|e| raised(path, e))?;
            if let Ok(bytes) = bytes.cast::<pyo3::types::PyBytes>() {
                return Ok(crate::webhooks::WebhookBody(bytes.as_bytes().to_vec()));
            }
        }
        Err(type_error(path, "bytes, bytearray or a memoryview of bytes", value))
    }
}

/// A request's headers: a mapping, or anything with `items()` (such as the `headers` of
/// `http.server`), or an iterable of (name, value) pairs.
impl FromPy for crate::webhooks::WebhookHeaders {
    fn from_py(value: &Bound<'_, PyAny>, path: &str) -> Result<Self, InputError> {
        let pairs = if value.hasattr("items").unwrap_or(false) {
            value.call_method0("items").map_err(|e| raised(path, e))?
        } else {
            value.clone()
        };
        let iterator = pairs.try_iter().map_err(|_| type_error(path, "a mapping of header names to values", value))?;
        let mut headers = Vec::new();
        for (index, pair) in iterator.enumerate() {
            let pair = pair.map_err(|e| raised(path, e))?;
            let item_path = format!("{path}[{index}]");
            let (name, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) =
                pair.extract().map_err(|_| type_error(&item_path, "a (name, value) pair", &pair))?;
            headers.push((String::from_py(&name, &item_path)?, String::from_py(&value, &item_path)?));
        }
        Ok(crate::webhooks::WebhookHeaders(headers))
    }
}
