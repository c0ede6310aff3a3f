//! The Python files: `_enums.py` (the string enums), `_records.py` and `_records.pyi` (the
//! result classes' stubs and the request `TypedDict`s), `_errors.py` (the exceptions).

use std::fmt::Write as _;

use capturekit::schema::{EnumSchema, Field, RecordSchema, Registry, Shape};
use capturekit::ErrorKind;

use crate::{comment_lines, member_name, HEADER};

/// Python bases an exception class adds to `CaptureKitError`, by error code: the builtin
/// exception a Python programmer would catch for that kind.
const BUILTIN_BASES: &[(&str, &str)] = &[("invalid_request", "ValueError"), ("timeout", "builtins.TimeoutError")];

/// Every Python file, with its path from the repository root.
pub fn files(api: &Registry) -> Vec<(&'static str, String)> {
    vec![
        ("python/capturekit_sdk/_enums.py", enums(api)),
        ("python/capturekit_sdk/_records.py", records_runtime(api)),
        ("python/capturekit_sdk/_records.pyi", records_stub(api)),
        ("python/capturekit_sdk/_requests.py", requests(api)),
        ("python/capturekit_sdk/_errors.py", errors(api)),
    ]
}

/// A Python docstring body, indented.
fn docstring(doc: &str, indent: &str) -> String {
    let doc = doc.replace('\\', "\\\\").replace("\"\"\"", "\\\"\\\"\\\"");
    let mut lines = doc.lines();
    let first = lines.next().unwrap_or_default();
    let rest: Vec<String> =
        lines.map(|line| if line.is_empty() { String::new() } else { format!("{indent}{line}") }).collect();
    if rest.is_empty() {
        format!("{indent}\"\"\"{first}\"\"\"\n")
    } else {
        format!("{indent}\"\"\"{first}\n{}\n{indent}\"\"\"\n", rest.join("\n"))
    }
}

fn quoted_list(names: &[String]) -> String {
    let mut out = String::from("[\n");
    for name in names {
        let _ = writeln!(out, "    \"{name}\",");
    }
    out.push(']');
    out
}

/// The Python type of a result's field.
fn output_type(shape: &Shape) -> String {
    match shape {
        Shape::String | Shape::Secret | Shape::Path => "str".into(),
        Shape::Bool => "bool".into(),
        Shape::U16 | Shape::U32 | Shape::U64 => "int".into(),
        Shape::Decimal => "Decimal".into(),
        Shape::Timestamp => "datetime".into(),
        Shape::Duration => "float".into(),
        Shape::Optional(inner) => format!("Optional[{}]", output_type(inner)),
        Shape::List(inner) => format!("List[{}]", output_type(inner)),
        Shape::Map(inner) => format!("Dict[str, {}]", output_type(inner)),
        Shape::Record(name) | Shape::Enum(name) => (*name).into(),
        Shape::Callback(_) => "TokenProvider".into(),
    }
}

/// The Python type a request's field accepts.
fn input_type(shape: &Shape, api: &Registry) -> String {
    match shape {
        Shape::Decimal => "Union[Decimal, str, int]".into(),
        Shape::Duration => "float".into(),
        Shape::Path => "Union[str, \"os.PathLike[str]\"]".into(),
        Shape::Optional(inner) => format!("Optional[{}]", input_type(inner, api)),
        Shape::List(inner) => format!("Sequence[{}]", input_type(inner, api)),
        Shape::Map(inner) => format!("Mapping[str, {}]", input_type(inner, api)),
        Shape::Enum(name) => format!("Union[{name}, str]"),
        Shape::Record(name) => match api.record(name) {
            Some(record) if record.output => format!("Union[{name}, {}]", typed_dict_name(record)),
            _ => (*name).into(),
        },
        other => output_type(other),
    }
}

/// The `TypedDict` of a request: its own name, or `<Name>Dict` when a result class has it.
fn typed_dict_name(record: &RecordSchema) -> String {
    if record.output {
        format!("{}Dict", record.name)
    } else {
        record.name.to_owned()
    }
}

fn enums(api: &Registry) -> String {
    let names: Vec<String> = api.enums().iter().map(|e| e.name.to_owned()).collect();
    let mut out = format!(
        r#""""The string enums of capturekit's results: each keeps a value this version does not
know as a pseudo-member (``is_known`` is false), so an API that adds a status never breaks
a call. {HEADER}
"""

from __future__ import annotations

import enum
from typing import Optional, Type, TypeVar

__all__ = {}

_E = TypeVar("_E", bound="_OpenEnum")


class _OpenEnum(str, enum.Enum):
    """A string enum that keeps unknown values (as pseudo-members) instead of failing."""

    @classmethod
    def _missing_(cls: Type[_E], value: object) -> Optional[_E]:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value.upper().replace("-", "_")
        member._value_ = value
        return member

    def __str__(self) -> str:
        return str(self.value)

    @property
    def is_known(self) -> bool:
        """Whether this value is one this version of capturekit knows."""
        return self._name_ in type(self).__members__
"#,
        quoted_list(&names)
    );
    for schema in api.enums() {
        out.push_str(&enum_class(schema));
    }
    out
}

fn enum_class(schema: &EnumSchema) -> String {
    let mut out = format!("\n\nclass {}(_OpenEnum):\n{}\n", schema.name, docstring(&schema.doc, "    "));
    for value in &schema.values {
        let _ = writeln!(out, "{}", comment_lines(&value.doc, "    #: "));
        let _ = writeln!(out, "    {} = \"{}\"", member_name(value.variant), value.wire);
    }
    out
}

fn records_runtime(api: &Registry) -> String {
    let outputs: Vec<String> = api.records().iter().filter(|r| r.output).map(|r| r.name.to_owned()).collect();
    format!(
        r#""""capturekit's result classes, defined by the native module (their stubs are in
`_records.pyi`). {HEADER}
"""

from ._native import (
{}
)

__all__ = {}
"#,
        outputs.iter().map(|n| format!("    {n} as {n},")).collect::<Vec<_>>().join("\n"),
        quoted_list(&outputs)
    )
}

fn requests(api: &Registry) -> String {
    let inputs: Vec<&RecordSchema> = api.records().iter().filter(|r| r.input).collect();
    let mut names = vec!["TokenProvider".to_owned()];
    names.extend(inputs.iter().map(|r| typed_dict_name(r)));
    let enum_names: Vec<&str> = api.enums().iter().map(|e| e.name).collect();
    let results: Vec<&str> = api.records().iter().filter(|r| r.output).map(|r| r.name).collect();
    let mut out = format!(
        r#""""The `TypedDict`s of capturekit's requests: the keyword arguments each call takes, with
their types. {HEADER}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Awaitable, Callable, TypedDict, Union

from ._native import TokenRequest

if TYPE_CHECKING:
    import os
    from decimal import Decimal
    from typing import Mapping, Optional, Sequence

    from ._enums import {}
    from ._records import {}

__all__ = {}

#: A callable given a ``TokenRequest`` that returns a bearer token, directly or awaitably.
TokenProvider = Callable[[TokenRequest], Union[str, Awaitable[str]]]
"#,
        enum_names.join(", "),
        results.join(", "),
        quoted_list(&names)
    );
    for record in inputs {
        out.push_str(&typed_dict(record, api));
    }
    out
}

fn typed_dict(record: &RecordSchema, api: &Registry) -> String {
    let name = typed_dict_name(record);
    let required: Vec<&Field> = record.fields.iter().filter(|f| f.required).collect();
    let optional: Vec<&Field> = record.fields.iter().filter(|f| !f.required).collect();
    let mut out = String::new();
    let base = if required.is_empty() {
        "TypedDict".to_owned()
    } else {
        let base = format!("_{name}Required");
        let _ = write!(out, "\n\nclass {base}(TypedDict):\n");
        for field in &required {
            out.push_str(&typed_dict_field(field, api));
        }
        base
    };
    let _ = write!(out, "\n\nclass {name}({base}, total=False):\n{}", docstring(record.doc, "    "));
    for field in &optional {
        out.push_str(&typed_dict_field(field, api));
    }
    out
}

fn typed_dict_field(field: &Field, api: &Registry) -> String {
    let shape = match &field.shape {
        // Left out and None mean the same: the default.
        Shape::Optional(_) => field.shape.clone(),
        other if field.required => other.clone(),
        other => Shape::Optional(Box::new(other.clone())),
    };
    let ty = if field.binding_filled { "TokenProvider".to_owned() } else { input_type(&shape, api) };
    let ty = if field.binding_filled { format!("Optional[{ty}]") } else { ty };
    format!("{}\n    {}: {}\n", comment_lines(field.doc, "    #: "), field.name, ty)
}

fn records_stub(api: &Registry) -> String {
    let names: Vec<String> = api.records().iter().filter(|r| r.output).map(|r| r.name.to_owned()).collect();
    let enum_names: Vec<&str> = api.enums().iter().map(|e| e.name).collect();
    let mut out = format!(
        r#"# {HEADER}
import builtins
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Dict, List, Optional, Tuple

from typing_extensions import Unpack, final

from ._enums import {}
from ._requests import {}

__all__ = {}
"#,
        enum_names.join(", "),
        api.records().iter().filter(|r| r.input && r.output).map(typed_dict_name).collect::<Vec<_>>().join(", "),
        quoted_list(&names)
    );
    for record in api.records().iter().filter(|r| r.output) {
        out.push_str(&result_class_stub(record));
    }
    out
}

fn result_class_stub(record: &RecordSchema) -> String {
    let mut out = format!("\n\n@final\nclass {}:\n{}", record.name, docstring(record.doc, "    "));
    if record.input {
        let _ = writeln!(
            out,
            "    def __new__(cls, **fields: Unpack[{}]) -> {}:\n        \"\"\"Builds it from keyword arguments, the names of its fields.\"\"\"\n        ...",
            typed_dict_name(record),
            record.name
        );
    }
    for field in &record.fields {
        let _ = write!(
            out,
            "    @property\n    def {}(self) -> {}:\n{}        ...\n",
            field.name,
            output_type(&field.shape),
            docstring(field.doc, "        ")
        );
    }
    out.push_str(
        "    def to_dict(self) -> Dict[str, Any]:\n        \"\"\"A plain ``dict`` of the fields (nested results as dicts, enums as their string\n        values; ``Decimal`` and ``datetime`` kept; free-form maps as they came).\"\"\"\n        ...\n",
    );
    // `builtins.object`: a field may be named `object` (StateSet's is).
    out.push_str("    def __eq__(self, other: builtins.object) -> bool: ...\n");
    out.push_str("    __hash__: ClassVar[None]  # type: ignore[assignment]\n");
    out.push_str("    def __reduce__(self) -> Tuple[Any, Tuple[str]]: ...\n");
    out
}

/// The default of an exception attribute when a caller builds the exception without it.
fn default_value(field: &Field) -> &'static str {
    match field.shape {
        Shape::Bool => "False",
        Shape::Optional(_) => "None",
        _ => "\"\"",
    }
}

/// The record a field holds, directly or as an optional value.
fn record_in(shape: &Shape) -> Option<&'static str> {
    match shape {
        Shape::Record(name) => Some(name),
        Shape::Optional(inner) => record_in(inner),
        _ => None,
    }
}

fn errors(api: &Registry) -> String {
    let details = api.record("ErrorDetails").expect("the core's ErrorDetails is in the API");
    for (code, _) in BUILTIN_BASES {
        assert!(ErrorKind::ALL.iter().any(|k| k.code() == *code), "no error kind has the code {code}");
    }
    let mut names = vec!["CaptureKitError".to_owned()];
    names.extend(ErrorKind::ALL.iter().map(|k| k.exception_name().to_owned()));
    let fields: Vec<&Field> = details.fields.iter().filter(|f| f.name != "code").collect();
    let records_named: Vec<&str> = fields.iter().filter_map(|f| record_in(&f.shape)).collect();
    let mut out = format!(
        r#""""capturekit's exceptions: one class per error kind of the core, each carrying every field
of the core's ``ErrorDetails``; ``str(error)`` is the core's description of the error.
{HEADER}
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Type

if TYPE_CHECKING:
    from ._records import {}

__all__ = {}


class CaptureKitError(Exception):
    """Base class of every capturekit error. ``code`` is the core's stable kind."""

    #: The stable snake_case code of the kind, e.g. ``"outcome_unknown"``.
    code: str = "unknown"
"#,
        records_named.join(", "),
        quoted_list(&names)
    );
    for field in &fields {
        let _ =
            write!(out, "{}\n    {}: {}\n", comment_lines(field.doc, "    #: "), field.name, output_type(&field.shape));
    }
    out.push_str(
        r#"
    def __init__(self, description: str, details: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__(description)
        fields: Dict[str, Any] = dict(details or {})
        self._details = fields
"#,
    );
    for field in &fields {
        let default = if field.name == "message" { "description" } else { default_value(field) };
        let _ = writeln!(out, "        self.{0} = fields.get(\"{0}\", {default})", field.name);
    }
    out.push_str(
        r#"
    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), str(self), self._details))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


def _rebuild(cls: Type[CaptureKitError], description: str, details: Dict[str, Any]) -> CaptureKitError:
    return cls(description, details)
"#,
    );
    for kind in ErrorKind::ALL {
        let parent = kind.parent().map(|p| p.exception_name()).unwrap_or("CaptureKitError");
        let builtin = BUILTIN_BASES.iter().find(|(code, _)| *code == kind.code()).map(|(_, base)| format!(", {base}"));
        let _ = write!(
            out,
            "\n\nclass {}({parent}{}):\n{}\n    code = \"{}\"\n",
            kind.exception_name(),
            builtin.unwrap_or_default(),
            docstring(kind.doc(), "    "),
            kind.code()
        );
    }
    let _ = write!(
        out,
        r#"

_BY_CODE: Dict[str, Type[CaptureKitError]] = {{
{}
}}


def _from_details(description: str, details: Mapping[str, Any]) -> CaptureKitError:
    """The exception for a core error (called by the native module)."""
    return _BY_CODE.get(details.get("code", ""), CaptureKitError)(description, details)
"#,
        ErrorKind::ALL
            .iter()
            .map(|k| format!("    \"{}\": {},", k.code(), k.exception_name()))
            .collect::<Vec<_>>()
            .join("\n")
    );
    out
}
