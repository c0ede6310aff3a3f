//! How the core's types cross into JavaScript (the `node` feature, used by the
//! `capturekit-node` addon). Records and enums get their conversions from `#[record]` and
//! `open_enum!`; this module holds the conversions of the values inside them:
//!
//! | shape | JavaScript out | JavaScript in |
//! |---|---|---|
//! | text | string | string |
//! | decimal | decimal string (`"10.50"`) | decimal string, or bigint (never a number) |
//! | timestamp | `Date` | - |
//! | duration | number of milliseconds (field named `…Ms`) | whole number of milliseconds |
//! | whole number | number | safe integer number, or bigint |
//! | map | object, keys and values as they came | object of strings |
//! | record | object with camelCase keys | object; a key it does not know is refused |
//! | enum | string | string |

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::ptr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use napi::bindgen_prelude::{BigInt, FromNapiValue, Object, ToNapiValue};
use napi::{sys, JsValue, Unknown, ValueType};
use rust_decimal::Decimal;
use zeroize::Zeroizing;

use crate::error::{Error, InputError};

/// A value the core hands to JavaScript, as the napi value that carries it.
pub trait IntoJs {
    /// The napi-convertible form.
    type Js: ToNapiValue;
    /// Converts.
    fn into_js(self) -> Self::Js;
}

/// A value JavaScript hands to the core, checked on the way in.
pub trait FromJs: Sized {
    /// Converts `value` (never `null` or `undefined`: that is [`Self::absent`]); `path`
    /// names it in errors.
    fn from_js(value: &Unknown<'_>, path: &str) -> Result<Self, InputError>;

    /// The value of a key that was left out, `undefined` or `null`.
    fn absent(path: &str) -> Result<Self, InputError> {
        Err(InputError::Type(format!("{path}: required")))
    }
}

/// A `#[record(input)]` type, built from a JavaScript object.
pub trait FromJsObject: Sized {
    /// The type's name, for errors.
    const NAME: &'static str;
    /// The keys it accepts; any other is refused.
    const KEYS: &'static [&'static str];
    /// Builds it from `object`, whose keys were checked.
    fn from_object(object: &JsFields<'_>) -> Result<Self, InputError>;

    /// Builds it from an object (`None`, `null` or `undefined`: nothing given), refusing keys
    /// it does not know.
    fn from_value(value: Option<&Unknown<'_>>, path: &str) -> Result<Self, InputError> {
        let at = if path.is_empty() { Self::NAME } else { path };
        let object = match value.filter(|v| !is_nullish(v)) {
            None => None,
            Some(value) => Some(as_object(value, at, "object of options")?),
        };
        let fields = JsFields { object, prefix: path };
        fields.refuse_unknown(Self::NAME, Self::KEYS)?;
        Self::from_object(&fields)
    }
}

/// The keys of one record's object, with the path that names them in errors.
pub struct JsFields<'a> {
    object: Option<Object<'a>>,
    prefix: &'a str,
}

impl<'a> JsFields<'a> {
    /// How `key` is named in errors (`distributeRewards[0].chainId`).
    // Borrowed at the top level (the common case): a call allocates no path it does not report.
    pub fn path<'k>(&self, key: &'k str) -> std::borrow::Cow<'k, str> {
        if self.prefix.is_empty() {
            std::borrow::Cow::Borrowed(key)
        } else {
            std::borrow::Cow::Owned(format!("{}.{key}", self.prefix))
        }
    }

    /// The value of `key`, an own property only (never one inherited from a prototype);
    /// `None` when it is missing, `undefined` or `null`.
    pub fn value(&self, key: &str) -> Result<Option<Unknown<'a>>, InputError> {
        let Some(object) = &self.object else { return Ok(None) };
        if !has_own(object, key)? {
            return Ok(None);
        }
        let value: Option<Unknown<'a>> = object.get(key).map_err(|e| InputError::Type(e.reason.clone()))?;
        Ok(value.filter(|v| !is_nullish(v)))
    }

    /// The text of `key`, if it is a string (to carry a caller's key on conversion errors).
    pub fn text(&self, key: &str) -> Option<String> {
        self.value(key).ok().flatten().and_then(|v| String::from_js(&v, key).ok())
    }

    fn refuse_unknown(&self, name: &str, keys: &[&str]) -> Result<(), InputError> {
        let Some(object) = &self.object else { return Ok(()) };
        for key in own_keys(object)? {
            if !key.is_one_of(keys) {
                let at = if self.prefix.is_empty() { name } else { self.prefix };
                return Err(InputError::Type(format!(
                    "{at}: unexpected option {key} ({name} takes {})",
                    keys.join(", ")
                )));
            }
        }
        Ok(())
    }
}

/// Builds a `#[record(input)]` value from a call's options object, refusing unknown keys.
pub fn from_options<T: FromJsObject>(value: Option<&Unknown<'_>>) -> Result<T, InputError> {
    T::from_value(value, "")
}

/// Builds two `#[record(input)]` values from one options object, each taking its own keys; a
/// key neither takes is refused, naming `call`.
pub fn split_options<A: FromJsObject, B: FromJsObject>(
    value: Option<&Unknown<'_>>,
    call: &str,
) -> Result<(A, B), InputError> {
    let object = match value.filter(|v| !is_nullish(v)) {
        None => None,
        Some(value) => Some(as_object(value, call, "object of options")?),
    };
    if let Some(object) = &object {
        for key in own_keys(object)? {
            if !key.is_one_of(A::KEYS) && !key.is_one_of(B::KEYS) {
                return Err(InputError::Type(format!(
                    "{call}: unexpected option {key} ({call} takes {}, {})",
                    A::KEYS.join(", "),
                    B::KEYS.join(", ")
                )));
            }
        }
    }
    let fields = JsFields { object, prefix: "" };
    Ok((A::from_object(&fields)?, B::from_object(&fields)?))
}

fn is_nullish(value: &Unknown<'_>) -> bool {
    matches!(value.get_type(), Ok(ValueType::Null | ValueType::Undefined))
}

fn type_name(value: &Unknown<'_>) -> &'static str {
    match value.get_type() {
        Ok(ValueType::Undefined) => "undefined",
        Ok(ValueType::Null) => "null",
        Ok(ValueType::Boolean) => "a boolean",
        Ok(ValueType::Number) => "a number",
        Ok(ValueType::String) => "a string",
        Ok(ValueType::Symbol) => "a symbol",
        Ok(ValueType::Object) if is_array(value) => "an array",
        Ok(ValueType::Object) if !is_plain(value) => "an object of a class (such as a Map or a Date)",
        Ok(ValueType::Object) => "an object",
        Ok(ValueType::Function) => "a function",
        Ok(ValueType::BigInt) => "a bigint",
        _ => "an unknown value",
    }
}

/// `path: must be <what>, not <type>`.
fn type_error(path: &str, what: &str, value: &Unknown<'_>) -> InputError {
    InputError::Type(format!("{path}: must be {what}, not {}", type_name(value)))
}

fn is_array(value: &Unknown<'_>) -> bool {
    let raw = value.value();
    let mut result = false;
    // SAFETY: env and value come from a live `Unknown`.
    let status = unsafe { sys::napi_is_array(raw.env, raw.value, &mut result) };
    status == sys::Status::napi_ok && result
}

/// A plain object (`{…}`, or one made with `Object.create(null)`): a `Map`, an array, a class
/// instance or a function is refused, so that nothing is read from what it does not hold.
fn as_object<'a>(value: &Unknown<'a>, path: &str, what: &str) -> Result<Object<'a>, InputError> {
    if value.get_type().ok() != Some(ValueType::Object) || is_array(value) || !is_plain(value) {
        return Err(type_error(path, &format!("a plain {what}"), value));
    }
    // SAFETY: checked to be an object just above.
    unsafe { value.cast::<Object<'a>>() }.map_err(|e| InputError::Type(e.reason.clone()))
}

/// Whether an object is plain: its prototype is `null`, or an `Object.prototype` (whose own
/// prototype is `null`). The test holds for an object of any realm: a test runner such as
/// Jest runs a test file in its own `vm` context, whose `{…}` have that context's
/// `Object.prototype`, not this one's. A class instance, a `Map` or a `Date` has a prototype
/// whose prototype is `Object.prototype`, and is refused.
fn is_plain(value: &Unknown<'_>) -> bool {
    let raw = value.value();
    let env = raw.env;
    let ok = |status| status == sys::Status::napi_ok;
    let (mut prototype, mut grandparent) = (ptr::null_mut(), ptr::null_mut());
    let (mut prototype_type, mut grandparent_type) = (0, 0);
    // SAFETY: env and value come from a live `Unknown`; every out-pointer is a local.
    unsafe {
        if !ok(sys::napi_get_prototype(env, raw.value, &mut prototype))
            || !ok(sys::napi_typeof(env, prototype, &mut prototype_type))
        {
            return false;
        }
        if prototype_type == sys::ValueType::napi_null {
            return true;
        }
        ok(sys::napi_get_prototype(env, prototype, &mut grandparent))
            && ok(sys::napi_typeof(env, grandparent, &mut grandparent_type))
            && grandparent_type == sys::ValueType::napi_null
    }
}

/// Whether `object` has `key` as an own property.
fn has_own(object: &Object<'_>, key: &str) -> Result<bool, InputError> {
    let raw = object.value();
    let mut name = ptr::null_mut();
    let mut found = false;
    // SAFETY: env and object come from a live `Object`; the key is a Rust &str of known length.
    let status = unsafe {
        let created = sys::napi_create_string_utf8(raw.env, key.as_ptr().cast(), key.len() as isize, &mut name);
        if created != sys::Status::napi_ok {
            created
        } else {
            sys::napi_has_own_property(raw.env, raw.value, name, &mut found)
        }
    };
    if status != sys::Status::napi_ok {
        return Err(InputError::Type(format!("could not read the key {key:?}")));
    }
    Ok(found)
}

/// A JavaScript string (the caller checked the type) read as UTF-16 and decoded strictly:
/// its text, or (`Err`) the text with U+FFFD for each lone surrogate, for messages only.
fn strict_text(value: &Unknown<'_>) -> Result<Result<String, String>, InputError> {
    // SAFETY: the callers checked it to be a string.
    let text = unsafe { value.cast::<napi::JsString>() }
        .and_then(|s| s.into_utf16())
        .map_err(|e| InputError::Type(e.reason.clone()))?;
    let units = text.as_slice();
    let units = units.strip_suffix(&[0]).unwrap_or(units);
    Ok(String::from_utf16(units).map_err(|_| String::from_utf16_lossy(units)))
}

/// An own key of an object: valid text, or a key no option or map entry can have.
enum OwnKey {
    Text(String),
    Symbol,
    /// A string with a lone surrogate, shown with U+FFFD in its place.
    Broken(String),
}

impl OwnKey {
    fn is_one_of(&self, names: &[&str]) -> bool {
        matches!(self, OwnKey::Text(key) if names.contains(&key.as_str()))
    }

    /// The key of a map entry, or why it cannot be one.
    fn into_map_key(self, path: &str) -> Result<String, InputError> {
        match self {
            OwnKey::Text(key) => Ok(key),
            OwnKey::Symbol => Err(InputError::Type(format!("{path}: keys must be strings, not symbols"))),
            OwnKey::Broken(shown) => Err(InputError::Invalid(Error::invalid(
                path,
                format!("keys must be valid text (no lone surrogates), got {shown:?}"),
            ))),
        }
    }
}

impl std::fmt::Display for OwnKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OwnKey::Text(key) | OwnKey::Broken(key) => write!(f, "{key:?}"),
            OwnKey::Symbol => f.write_str("(a symbol key)"),
        }
    }
}

/// The object's own keys, enumerable or not, symbols too (not inherited ones): a key that is
/// hidden or a symbol is refused like any unknown one, never silently ignored.
fn own_keys(object: &Object<'_>) -> Result<Vec<OwnKey>, InputError> {
    let raw = object.value();
    let mut names = ptr::null_mut();
    // SAFETY: env and value come from a live object.
    let status = unsafe {
        sys::napi_get_all_property_names(
            raw.env,
            raw.value,
            sys::KeyCollectionMode::own_only,
            sys::KeyFilter::all_properties,
            sys::KeyConversion::numbers_to_strings,
            &mut names,
        )
    };
    if status != sys::Status::napi_ok {
        return Err(InputError::Type("could not read the object's keys".into()));
    }
    // SAFETY: napi_get_all_property_names returns an array of strings.
    let names = unsafe { napi::bindgen_prelude::Array::from_napi_value(raw.env, names) }
        .map_err(|e| InputError::Type(e.reason.clone()))?;
    (0..names.len())
        .map(|i| {
            let key = names
                .get::<Unknown<'_>>(i)
                .map_err(|e| InputError::Type(e.reason.clone()))?
                .ok_or_else(|| InputError::Type("a key vanished while reading".into()))?;
            if key.get_type().ok() != Some(ValueType::String) {
                return Ok(OwnKey::Symbol);
            }
            Ok(strict_text(&key)?.map_or_else(OwnKey::Broken, OwnKey::Text))
        })
        .collect()
}

macro_rules! into_js_as_is {
    ($($ty:ty),*) => {$(
        impl IntoJs for $ty {
            type Js = $ty;
            fn into_js(self) -> $ty {
                self
            }
        }
    )*};
}

into_js_as_is!((), String, bool, u32, DateTime<Utc>);

impl IntoJs for u16 {
    type Js = u32;
    fn into_js(self) -> u32 {
        self.into()
    }
}

impl IntoJs for u64 {
    // A JavaScript number: cents and chain ids are far below 2^53.
    type Js = f64;
    fn into_js(self) -> f64 {
        self as f64
    }
}

impl IntoJs for Decimal {
    type Js = String;
    fn into_js(self) -> String {
        self.to_string()
    }
}

impl IntoJs for Duration {
    type Js = f64;
    fn into_js(self) -> f64 {
        self.as_secs_f64() * 1000.0
    }
}

impl<T: IntoJs> IntoJs for Option<T> {
    type Js = Option<T::Js>;
    fn into_js(self) -> Option<T::Js> {
        self.map(IntoJs::into_js)
    }
}

impl<T: IntoJs> IntoJs for Vec<T> {
    type Js = Vec<T::Js>;
    fn into_js(self) -> Vec<T::Js> {
        self.into_iter().map(IntoJs::into_js).collect()
    }
}

impl<T: IntoJs> IntoJs for BTreeMap<String, T> {
    type Js = JsMap<T::Js>;
    fn into_js(self) -> JsMap<T::Js> {
        JsMap(self.into_iter().map(|(key, value)| (key, value.into_js())).collect())
    }
}

/// A free-form map as a JavaScript object whose keys are exactly the map's: each is defined
/// as an own data property, so that even a key such as `__proto__` (which an assignment would
/// take as the prototype) is kept as data.
pub struct JsMap<T>(Vec<(String, T)>);

impl<T: ToNapiValue> ToNapiValue for JsMap<T> {
    unsafe fn to_napi_value(env: sys::napi_env, map: Self) -> napi::Result<sys::napi_value> {
        let check = |status, what: &str| {
            if status == sys::Status::napi_ok {
                Ok(())
            } else {
                Err(napi::Error::new(napi::Status::GenericFailure, format!("could not {what}")))
            }
        };
        let mut object = ptr::null_mut();
        // SAFETY: `env` is the live env this conversion was called with; every value defined
        // comes from it.
        unsafe {
            check(sys::napi_create_object(env, &mut object), "create an object")?;
            for (key, value) in map.0 {
                let mut name = ptr::null_mut();
                check(
                    sys::napi_create_string_utf8(env, key.as_ptr().cast(), key.len() as isize, &mut name),
                    "create a key",
                )?;
                let descriptor = sys::napi_property_descriptor {
                    utf8name: ptr::null(),
                    name,
                    method: None,
                    getter: None,
                    setter: None,
                    value: T::to_napi_value(env, value)?,
                    attributes: sys::PropertyAttributes::writable
                        | sys::PropertyAttributes::enumerable
                        | sys::PropertyAttributes::configurable,
                    data: ptr::null_mut(),
                };
                check(sys::napi_define_properties(env, object, 1, &descriptor), "define a key")?;
            }
        }
        Ok(object)
    }
}

impl FromJs for String {
    fn from_js(value: &Unknown<'_>, path: &str) -> Result<Self, InputError> {
        if value.get_type().ok() != Some(ValueType::String) {
            return Err(type_error(path, "a string", value));
        }
        // A lone surrogate is refused, never replaced by U+FFFD (two different strings must
        // never become the same text).
        strict_text(value)?
            .map_err(|_| InputError::Invalid(Error::invalid(path, "must be valid text (no lone surrogates)")))
    }
}

impl FromJs for Zeroizing<String> {
    fn from_js(value: &Unknown<'_>, path: &str) -> Result<Self, InputError> {
        String::from_js(value, path).map(Zeroizing::new)
    }
}

impl FromJs for PathBuf {
    fn from_js(value: &Unknown<'_>, path: &str) -> Result<Self, InputError> {
        String::from_js(value, path).map(PathBuf::from)
    }
}

impl FromJs for bool {
    fn from_js(value: &Unknown<'_>, path: &str) -> Result<Self, InputError> {
        if value.get_type().ok() != Some(ValueType::Boolean) {
            return Err(type_error(path, "a boolean", value));
        }
        // SAFETY: checked to be a boolean just above.
        unsafe { value.cast::<bool>() }.map_err(|e| InputError::Type(e.reason.clone()))
    }
}

/// A whole number from 0 to `max`: a safe integer number, or a bigint.
fn whole_number(value: &Unknown<'_>, path: &str, max: u64) -> Result<u64, InputError> {
    let out_of_range = |shown: String| {
        InputError::Invalid(Error::invalid(path, format!("must be a whole number from 0 to {max}, got {shown}")))
    };
    match value.get_type().ok() {
        Some(ValueType::Number) => {
            // SAFETY: checked to be a number just above.
            let number = unsafe { value.cast::<f64>() }.map_err(|e| InputError::Type(e.reason.clone()))?;
            let whole = number.is_finite() && number.fract() == 0.0 && number >= 0.0;
            if !whole || number > max as f64 || number > 9_007_199_254_740_991.0 {
                return Err(out_of_range(number.to_string()));
            }
            Ok(number as u64)
        }
        Some(ValueType::BigInt) => {
            // SAFETY: checked to be a bigint just above.
            let big = unsafe { value.cast::<BigInt>() }.map_err(|e| InputError::Type(e.reason.clone()))?;
            let (negative, number, lossless) = big.get_u64();
            if negative || !lossless || number > max {
                let (shown, _) = big.get_i128();
                return Err(out_of_range(format!("{shown}n")));
            }
            Ok(number)
        }
        _ => Err(type_error(path, "a whole number", value)),
    }
}

macro_rules! from_js_whole_number {
    ($($ty:ty),*) => {$(
        impl FromJs for $ty {
            fn from_js(value: &Unknown<'_>, path: &str) -> Result<Self, InputError> {
                whole_number(value, path, <$ty>::MAX as u64).map(|n| n as $ty)
            }
        }
    )*};
}

from_js_whole_number!(u16, u32, u64);

impl FromJs for Decimal {
    fn from_js(value: &Unknown<'_>, path: &str) -> Result<Self, InputError> {
        let text = match value.get_type().ok() {
            Some(ValueType::String) => String::from_js(value, path)?,
            Some(ValueType::BigInt) => {
                // SAFETY: checked to be a bigint just above.
                let big = unsafe { value.cast::<BigInt>() }.map_err(|e| InputError::Type(e.reason.clone()))?;
                let (number, lossless) = big.get_i128();
                if !lossless {
                    return Err(InputError::Invalid(Error::invalid(path, "is too large")));
                }
                number.to_string()
            }
            Some(ValueType::Number) => {
                return Err(InputError::Type(format!(
                    "{path}: must be a decimal string such as \"10.50\", not a number: money is never a float"
                )))
            }
            _ => return Err(type_error(path, "a decimal string such as \"10.50\"", value)),
        };
        crate::validate::parse_amount(path, &text).map_err(InputError::Invalid)
    }
}

impl FromJs for Duration {
    fn from_js(value: &Unknown<'_>, path: &str) -> Result<Self, InputError> {
        if value.get_type().ok() != Some(ValueType::Number) {
            return Err(type_error(path, "a number of milliseconds", value));
        }
        whole_number(value, path, 9_007_199_254_740_991).map(Duration::from_millis)
    }
}

impl<T: FromJs> FromJs for Option<T> {
    fn from_js(value: &Unknown<'_>, path: &str) -> Result<Self, InputError> {
        T::from_js(value, path).map(Some)
    }

    fn absent(_path: &str) -> Result<Self, InputError> {
        Ok(None)
    }
}

impl<T: FromJs> FromJs for Vec<T> {
    fn from_js(value: &Unknown<'_>, path: &str) -> Result<Self, InputError> {
        if !is_array(value) {
            return Err(type_error(path, "an array", value));
        }
        // SAFETY: checked to be an array just above.
        let array =
            unsafe { value.cast::<napi::bindgen_prelude::Array>() }.map_err(|e| InputError::Type(e.reason.clone()))?;
        (0..array.len())
            .map(|i| {
                let item_path = format!("{path}[{i}]");
                let item: Option<Unknown<'_>> = array.get(i).map_err(|e| InputError::Type(e.reason.clone()))?;
                match item.filter(|v| !is_nullish(v)) {
                    Some(item) => T::from_js(&item, &item_path),
                    None => T::absent(&item_path),
                }
            })
            .collect()
    }
}

impl<T: FromJs> FromJs for BTreeMap<String, T> {
    fn from_js(value: &Unknown<'_>, path: &str) -> Result<Self, InputError> {
        let object = as_object(value, path, "object of string keys")?;
        let mut map = BTreeMap::new();
        for key in own_keys(&object)? {
            let key = key.into_map_key(path)?;
            let item_path = format!("{path}[{key:?}]");
            let item: Option<Unknown<'_>> = object.get(&key).map_err(|e| InputError::Type(e.reason.clone()))?;
            let item = match item {
                Some(item) if !is_nullish(&item) => T::from_js(&item, &item_path)?,
                _ => T::absent(&item_path)?,
            };
            map.insert(key, item);
        }
        Ok(map)
    }
}

/// What a call hands JavaScript: its value, or the core error it failed with (as
/// `{ error: ErrorDetails, description }`, which the package's `index.js` raises as the
/// error class of its kind). A call never rejects for a core error, so that the error's
/// fields keep their JavaScript types (dates, nested results) on the way.
pub enum Outcome<T> {
    /// The call's value.
    Value(T),
    /// The core error it failed with.
    Failure(Error),
}

impl<T> Outcome<T> {
    /// Goes on with `next` when this is a value; a failure stays as it is.
    pub fn and_then<U>(self, next: impl FnOnce(T) -> Outcome<U>) -> Outcome<U> {
        match self {
            Outcome::Value(value) => next(value),
            Outcome::Failure(error) => Outcome::Failure(error),
        }
    }
}

impl<T> From<crate::Result<T>> for Outcome<T> {
    fn from(result: crate::Result<T>) -> Self {
        match result {
            Ok(value) => Outcome::Value(value),
            Err(error) => Outcome::Failure(error),
        }
    }
}

impl<T: IntoJs> ToNapiValue for Outcome<T> {
    unsafe fn to_napi_value(env: sys::napi_env, outcome: Self) -> napi::Result<sys::napi_value> {
        let js_env = napi::Env::from(env);
        let mut object = Object::new(&js_env)?;
        match outcome {
            Outcome::Value(value) => object.set("value", value.into_js())?,
            Outcome::Failure(error) => {
                let mut details = error.details();
                if details.code == crate::ErrorKind::InvalidRequest.code() && details.http_status.is_none() {
                    details.message = js_field_names(&details.message);
                }
                object.set("description", details.to_string())?;
                object.set("error", details)?;
            }
        }
        // SAFETY: `env` is the live env this conversion was called with.
        unsafe { ToNapiValue::to_napi_value(env, object) }
    }
}

/// A JavaScript `TypeError` with `message`, to throw from a native function.
pub fn throw_type_error(env: &napi::Env, message: String) -> napi::Error {
    // A conversion that failed because the caller's own object threw (a getter, a Proxy
    // trap): that exception stays pending and propagates unchanged.
    let mut pending = false;
    // SAFETY: `env` is the live env of the native call; `pending` is a local.
    let status = unsafe { sys::napi_is_exception_pending(env.raw(), &mut pending) };
    if status == sys::Status::napi_ok && pending {
        return napi::Error::new(napi::Status::PendingException, message);
    }
    // SAFETY: `env` is the live env of the native call that throws it.
    let value = unsafe { napi::JsTypeError::from(napi::Error::from_reason(message)).into_value(env.raw()) };
    // SAFETY: `into_value` returned a live value of this env.
    napi::Error::from(unsafe { Unknown::from_raw_unchecked(env.raw(), value) })
}

/// A webhook body: a `Buffer` or `Uint8Array`, exactly as received. A string is refused:
/// decoding and encoding again may change the bytes that were signed.
impl FromJs for crate::webhooks::WebhookBody {
    fn from_js(value: &Unknown<'_>, path: &str) -> Result<Self, InputError> {
        let raw = value.value();
        let mut is_typed = false;
        // SAFETY: env and value come from a live value.
        let status = unsafe { sys::napi_is_typedarray(raw.env, raw.value, &mut is_typed) };
        if status != sys::Status::napi_ok || !is_typed {
            let what = if value.get_type().ok() == Some(ValueType::String) {
                "the raw body as a Buffer (not a string: decoding may have changed what was signed)"
            } else {
                "a Buffer or Uint8Array"
            };
            return Err(type_error(path, what, value));
        }
        // SAFETY: checked to be a typed array just above; a non-byte array fails the cast.
        let bytes = unsafe { napi::bindgen_prelude::Uint8Array::from_napi_value(raw.env, raw.value) }
            .map_err(|_| type_error(path, "a Buffer or Uint8Array", value))?;
        Ok(crate::webhooks::WebhookBody(bytes.to_vec()))
    }
}

/// A request's headers: an object of names to a string (or an array of strings, joined by
/// ", "), as `IncomingMessage.headers` is; `undefined` values are skipped.
impl FromJs for crate::webhooks::WebhookHeaders {
    fn from_js(value: &Unknown<'_>, path: &str) -> Result<Self, InputError> {
        let object = as_object(value, path, "object of header names to values")?;
        let mut headers = Vec::new();
        for key in own_keys(&object)? {
            let name = key.into_map_key(path)?;
            let item_path = format!("{path}[{name:?}]");
            let item: Option<Unknown<'_>> = object.get(&name).map_err(|e| InputError::Type(e.reason.clone()))?;
            let Some(item) = item.filter(|v| !is_nullish(v)) else { continue };
            let text = if is_array(&item) {
                Vec::<String>::from_js(&item, &item_path)?.join(", ")
            } else {
                String::from_js(&item, &item_path)?
            };
            headers.push((name, text));
        }
        Ok(crate::webhooks::WebhookHeaders(headers))
    }
}

/// A rule's message with the fields it names spelled as JavaScript spells them: the core
/// names them as Rust does (`page_size: must be 1 to 100`, `source.account_id`), a Node
/// caller wrote `pageSize` and `source.accountId` (and `timeoutMs` for a duration). Only
/// names with an underscore or a leading field path change; other words stay as they are.
pub fn js_field_names(message: &str) -> String {
    let (prefix, rest) = match message.split_once(": ") {
        Some((path, rest)) if is_field_path(path) => (Some(path), rest),
        _ => (None, message),
    };
    let mut out = String::with_capacity(message.len() + 8);
    if let Some(path) = prefix {
        out.push_str(&js_path(path, true));
        out.push_str(": ");
    }
    let mut token = String::new();
    for c in rest.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.' {
            token.push(c);
            continue;
        }
        if token.contains('_') && is_field_path(token.trim_end_matches('.')) {
            let trimmed = token.trim_end_matches('.');
            out.push_str(&js_path(trimmed, false));
            out.push_str(&token[trimmed.len()..]);
        } else {
            out.push_str(&token);
        }
        token.clear();
        out.push(c);
    }
    out.pop();
    out
}

fn is_field_path(text: &str) -> bool {
    !text.is_empty()
        && text.split('.').all(|part| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
}

/// `source.account_id` → `source.accountId`. A name some record declares takes its
/// JavaScript name (`timeout` → `timeoutMs`); in the middle of a sentence only names with an
/// underscore that a record declares change (`no_capturable_balance` is not a field).
fn js_path(path: &str, leading: bool) -> String {
    path.split('.')
        .map(|part| match js_names().get(part) {
            Some(js) => (*js).to_owned(),
            None if leading => camel_case(part),
            None => part.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn js_names() -> &'static std::collections::HashMap<&'static str, &'static str> {
    static NAMES: std::sync::OnceLock<std::collections::HashMap<&'static str, &'static str>> =
        std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names = std::collections::HashMap::new();
        for record in crate::schema::api().records() {
            for field in &record.fields {
                names.entry(field.name).or_insert(field.js);
            }
        }
        names
    })
}

/// A Rust name as JavaScript spells it (`payment_session_id` → `paymentSessionId`).
pub fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}
