//! The schema of the core's types: every result, request and error field with its name in
//! Rust (and Python), on the wire and in JavaScript, its doc comment and its shape.
//!
//! It is written by `#[record]` and `open_enum!` from the type definitions themselves, so it
//! cannot disagree with them. The binding generator (`bindings/codegen`) turns it into the
//! Python stubs and the TypeScript declarations; the scenario runner uses it to name fields.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use zeroize::Zeroizing;

/// The shape of a field's value, as every language needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// Text.
    String,
    /// Text that is a secret (never shown back).
    Secret,
    /// `true` or `false`.
    Bool,
    /// A whole number that fits 32 bits (unsigned).
    U32,
    /// A whole number that fits 16 bits (unsigned).
    U16,
    /// A whole number that fits 64 bits (unsigned).
    U64,
    /// An exact decimal amount: `Decimal` in Python, a decimal string in JavaScript.
    Decimal,
    /// An instant in UTC: an aware `datetime` in Python, a `Date` in JavaScript.
    Timestamp,
    /// A length of time: seconds in Python, milliseconds in JavaScript.
    Duration,
    /// A file system path.
    Path,
    /// A value that may be absent.
    Optional(Box<Shape>),
    /// A list.
    List(Box<Shape>),
    /// A free-form map of text keys to values, passed through untouched.
    Map(Box<Shape>),
    /// A record, by name (see [`Registry::records`]).
    Record(&'static str),
    /// An open string enum, by name (see [`Registry::enums`]).
    Enum(&'static str),
    /// A callback the caller supplies, by name (e.g. `"TokenProvider"`).
    Callback(&'static str),
}

/// One field of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The Rust name, which is also the Python name (`capture_id`).
    pub name: &'static str,
    /// The name in the provider's JSON, if the field is on the wire (`captureId`).
    pub wire: Option<&'static str>,
    /// The JavaScript name (`captureId`; a duration gets `Ms`: `timeoutMs`).
    pub js: &'static str,
    /// The doc comment.
    pub doc: &'static str,
    /// The value's shape.
    pub shape: Shape,
    /// An input field that must be given (neither optional nor defaulted).
    pub required: bool,
    /// An input field each binding fills itself (a callback), not converted generically.
    pub binding_filled: bool,
}

/// A record: a result (output), a request or options (input), or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSchema {
    /// The type's name, the same in every language (`Capture`).
    pub name: &'static str,
    /// The doc comment.
    pub doc: &'static str,
    /// Whether callers pass it in (a request, options).
    pub input: bool,
    /// Whether calls return it (a result).
    pub output: bool,
    /// Its fields, in declaration order.
    pub fields: Vec<Field>,
}

/// One value of an open enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumValue {
    /// The Rust variant (`AuthorizationPending`).
    pub variant: &'static str,
    /// The wire value (`authorization_pending`).
    pub wire: &'static str,
    /// The doc comment.
    pub doc: String,
}

/// An open string enum: unknown values are kept as text in every language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumSchema {
    /// The type's name (`CaptureStatus`).
    pub name: &'static str,
    /// The doc comment.
    pub doc: String,
    /// The values this version knows.
    pub values: Vec<EnumValue>,
}

/// A type written with `#[record]`.
pub trait Record {
    /// Its schema.
    fn schema() -> RecordSchema;
}

/// Anything a record field can hold: its shape, and the records and enums it reaches.
pub trait Describe {
    /// The field's shape.
    fn shape() -> Shape;
    /// Adds the records and enums this type reaches to `registry`.
    fn visit(_registry: &mut Registry) {}
}

/// Every record and enum reachable from a set of roots, each once, in the order first met.
#[derive(Debug, Default, Clone)]
pub struct Registry {
    records: Vec<RecordSchema>,
    enums: Vec<EnumSchema>,
    /// How each result class is added to the Python module.
    #[cfg(feature = "python")]
    python_classes: Vec<crate::python::AddClass>,
}

impl Registry {
    /// Adds `T` and what it reaches.
    pub fn add<T: Describe>(&mut self) -> &mut Self {
        T::visit(self);
        self
    }

    /// Adds a record's schema; `false` if it was already there (so visiting stops).
    #[cfg(not(feature = "python"))]
    pub fn add_record<T: Record>(&mut self) -> bool {
        self.push_record(T::schema())
    }

    /// Adds a record's schema and its Python class; `false` if it was already there.
    #[cfg(feature = "python")]
    pub fn add_record<T: Record + crate::python::PyRegister>(&mut self) -> bool {
        let added = self.push_record(T::schema());
        if added {
            self.python_classes.push(T::add_class);
        }
        added
    }

    /// Every result's Python class adder, for the native module's initialisation.
    #[cfg(feature = "python")]
    pub fn python_classes(&self) -> &[crate::python::AddClass] {
        &self.python_classes
    }

    fn push_record(&mut self, schema: RecordSchema) -> bool {
        if self.records.iter().any(|r| r.name == schema.name) {
            return false;
        }
        self.records.push(schema);
        true
    }

    /// Adds an enum's schema once.
    pub fn add_enum(&mut self, schema: EnumSchema) {
        if !self.enums.iter().any(|e| e.name == schema.name) {
            self.enums.push(schema);
        }
    }

    /// The records, in the order first met.
    pub fn records(&self) -> &[RecordSchema] {
        &self.records
    }

    /// The enums, in the order first met.
    pub fn enums(&self) -> &[EnumSchema] {
        &self.enums
    }

    /// The record named `name`.
    pub fn record(&self, name: &str) -> Option<&RecordSchema> {
        self.records.iter().find(|r| r.name == name)
    }
}

/// Every type the client's calls take or return, with all they reach: what the bindings
/// expose. A new call's request and result types are added here.
pub fn api() -> Registry {
    use crate::cdp::{
        CancelRequest, Capture, CapturePage, CaptureRequest, PageOptions, PaymentSession, PaymentSessionPage, Refund,
        RefundPage, RefundRequest, Void, VoidPage, VoidRequest, WaitOptions,
    };
    use crate::coinbase_payments::{EscrowCapture, EscrowCaptureRequest, EscrowPaymentDetails};
    use crate::stateset::{StateSetCaptureRequest, StateSetPayment};
    let mut registry = Registry::default();
    registry
        .add::<Capture>()
        .add::<CapturePage>()
        .add::<PaymentSession>()
        .add::<PaymentSessionPage>()
        .add::<Void>()
        .add::<VoidPage>()
        .add::<Refund>()
        .add::<RefundPage>()
        .add::<EscrowCapture>()
        .add::<EscrowPaymentDetails>()
        .add::<StateSetPayment>()
        .add::<crate::WebhookEvent>()
        .add::<crate::ErrorDetails>()
        .add::<crate::auth::TokenRequest>()
        .add::<CaptureRequest>()
        .add::<VoidRequest>()
        .add::<RefundRequest>()
        .add::<CancelRequest>()
        .add::<EscrowCaptureRequest>()
        .add::<StateSetCaptureRequest>()
        .add::<WaitOptions>()
        .add::<crate::webhooks::WebhookOptions>()
        .add::<crate::webhooks::WebhookSignOptions>()
        .add::<PageOptions>()
        .add::<crate::ClientOptions>()
        .add::<crate::CredentialOptions>()
        .add::<crate::auth::ApiKeyOptions>()
        .add::<crate::auth::JwtRequest>();
    registry
}

/// A doc comment from its `#[doc]` lines, each without the space after `///`.
pub fn doc_text(lines: &[&str]) -> String {
    lines.iter().map(|line| line.strip_prefix(' ').unwrap_or(line)).collect::<Vec<_>>().join("\n").trim().to_owned()
}

macro_rules! leaf {
    ($($ty:ty => $shape:ident),* $(,)?) => {
        $(impl Describe for $ty {
            fn shape() -> Shape {
                Shape::$shape
            }
        })*
    };
}

leaf! {
    String => String,
    Zeroizing<String> => Secret,
    bool => Bool,
    u16 => U16,
    u32 => U32,
    u64 => U64,
    Decimal => Decimal,
    DateTime<Utc> => Timestamp,
    Duration => Duration,
    PathBuf => Path,
}

impl<T: Describe> Describe for Option<T> {
    fn shape() -> Shape {
        Shape::Optional(Box::new(T::shape()))
    }
    fn visit(registry: &mut Registry) {
        T::visit(registry)
    }
}

impl<T: Describe> Describe for Vec<T> {
    fn shape() -> Shape {
        Shape::List(Box::new(T::shape()))
    }
    fn visit(registry: &mut Registry) {
        T::visit(registry)
    }
}

impl<T: Describe> Describe for BTreeMap<String, T> {
    fn shape() -> Shape {
        Shape::Map(Box::new(T::shape()))
    }
    fn visit(registry: &mut Registry) {
        T::visit(registry)
    }
}

impl Describe for Arc<dyn crate::auth::TokenProvider> {
    fn shape() -> Shape {
        Shape::Callback("TokenProvider")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_reaches_every_result_with_its_fields_in_order() {
        let api = api();
        let capture = api.record("Capture").expect("Capture is reachable");
        assert!(capture.output && !capture.input);
        let names: Vec<_> = capture.fields.iter().map(|f| f.name).collect();
        assert_eq!(names[..3], ["capture_id", "payment_session_id", "status"]);
        let amount = capture.fields.iter().find(|f| f.name == "amount").unwrap();
        assert_eq!(amount.shape, Shape::Optional(Box::new(Shape::Decimal)));
        assert_eq!((amount.wire, amount.js), (Some("amount"), "amount"));
        let metadata = capture.fields.iter().find(|f| f.name == "metadata").unwrap();
        assert_eq!(metadata.shape, Shape::Map(Box::new(Shape::String)));
        assert!(api.record("OnchainTransaction").is_some(), "nested records are reached");
        assert!(api.enums().iter().any(|e| e.name == "Network"), "enums are reached");
    }

    #[test]
    fn names_follow_the_type_not_the_field_name() {
        let api = api();
        let wait = api.record("WaitOptions").unwrap();
        let timeout = wait.fields.iter().find(|f| f.name == "timeout").unwrap();
        assert_eq!(timeout.js, "timeoutMs", "a duration is milliseconds in JavaScript");
        let step = api.record("OperationStep").unwrap();
        let step_type = step.fields.iter().find(|f| f.name == "step_type").unwrap();
        assert_eq!((step_type.wire, step_type.js), (Some("type"), "stepType"));
        let stateset = api.record("StateSetPayment").unwrap();
        let capturable = stateset.fields.iter().find(|f| f.name == "amount_capturable").unwrap();
        assert_eq!((capturable.wire, capturable.js), (Some("amount_capturable"), "amountCapturable"));
    }

    #[test]
    fn every_field_has_a_doc_comment() {
        let api = api();
        for record in api.records() {
            assert!(!record.doc.is_empty(), "{} has no doc comment", record.name);
            for field in &record.fields {
                assert!(!field.doc.is_empty(), "{}.{} has no doc comment", record.name, field.name);
            }
        }
        for schema in api.enums() {
            for value in &schema.values {
                assert!(!value.doc.is_empty(), "{}.{} has no doc comment", schema.name, value.variant);
            }
        }
    }
}
