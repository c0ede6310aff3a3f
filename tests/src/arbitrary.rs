//! Arbitrary JSON for the property tests: the shapes a hostile server or a careless caller
//! may send, biased towards the field names and texts the code under test reads.

use proptest::prelude::*;
use serde_json::Value;

/// Any JSON leaf: null, booleans, extreme integers, finite floats, number-like text, one of
/// `texts`, or random text.
fn leaf(texts: Vec<&'static str>) -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        "[-+0-9.eE]{0,34}".prop_map(Value::from),
        prop::sample::select(texts).prop_map(Value::from),
        "\\PC{0,16}".prop_map(Value::from),
    ]
}

/// Any JSON value up to three levels deep, whose objects have keys drawn from `fields`.
pub fn json_value(fields: Vec<&'static str>, texts: Vec<&'static str>) -> impl Strategy<Value = Value> {
    leaf(texts).prop_recursive(3, 48, 6, move |inner| {
        prop_oneof![prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from), object_of(fields.clone(), inner),]
    })
}

/// A JSON object with keys drawn from `fields` and any JSON values.
pub fn json_object(fields: Vec<&'static str>, texts: Vec<&'static str>) -> impl Strategy<Value = Value> {
    object_of(fields.clone(), json_value(fields, texts))
}

fn object_of(fields: Vec<&'static str>, values: impl Strategy<Value = Value>) -> impl Strategy<Value = Value> {
    prop::collection::btree_map(prop::sample::select(fields), values, 0..8)
        .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
}
