//! The Node files: `types.d.ts` (results, requests and enums), `errors.js` and `errors.d.ts`
//! (one exception class per core error kind, carrying every field of `ErrorDetails`).

use std::fmt::Write as _;

use capturekit::schema::{Field, RecordSchema, Registry, Shape};
use capturekit::ErrorKind;

use crate::{comment_lines, HEADER};

/// Every Node file, with its path from the repository root.
pub fn files(api: &Registry) -> Vec<(&'static str, String)> {
    vec![("node/types.d.ts", types(api)), ("node/errors.js", errors_js(api)), ("node/errors.d.ts", errors_dts(api))]
}

/// A JSDoc comment, indented.
fn jsdoc(doc: &str, indent: &str) -> String {
    let doc = doc.replace("*/", "*\\/");
    if doc.lines().count() <= 1 {
        format!("{indent}/** {doc} */\n")
    } else {
        format!("{indent}/**\n{}\n{indent} */\n", comment_lines(&doc, &format!("{indent} * ")))
    }
}

/// The TypeScript type of a result's field.
fn output_type(shape: &Shape) -> String {
    match shape {
        Shape::String | Shape::Secret | Shape::Path => "string".into(),
        Shape::Bool => "boolean".into(),
        Shape::U16 | Shape::U32 | Shape::U64 | Shape::Duration => "number".into(),
        Shape::Decimal => "DecimalString".into(),
        Shape::Timestamp => "Date".into(),
        Shape::Optional(inner) => format!("{} | null", output_type(inner)),
        Shape::List(inner) => format!("{}[]", wrapped(output_type(inner))),
        Shape::Map(inner) => format!("Record<string, {}>", output_type(inner)),
        Shape::Record(name) | Shape::Enum(name) => (*name).into(),
        Shape::Callback(_) => "TokenProvider".into(),
    }
}

/// The TypeScript type a request's field accepts.
fn input_type(shape: &Shape, api: &Registry) -> String {
    match shape {
        Shape::Decimal => "DecimalString | bigint".into(),
        Shape::U16 | Shape::U32 | Shape::U64 => "number | bigint".into(),
        Shape::Optional(inner) => format!("{} | null", input_type(inner, api)),
        Shape::List(inner) => format!("{}[]", wrapped(input_type(inner, api))),
        Shape::Map(inner) => format!("Record<string, {}>", input_type(inner, api)),
        Shape::Record(name) => match api.record(name) {
            Some(record) => input_name(record),
            None => (*name).into(),
        },
        other => output_type(other),
    }
}

fn wrapped(ty: String) -> String {
    if ty.contains(' ') {
        format!("({ty})")
    } else {
        ty
    }
}

/// The interface a request is given as: its own name, or `<Name>Init` when a result has it.
fn input_name(record: &RecordSchema) -> String {
    if record.output {
        format!("{}Init", record.name)
    } else {
        record.name.to_owned()
    }
}

fn types(api: &Registry) -> String {
    let mut out = format!(
        "// {HEADER}\n\n/** A decimal amount as a string, e.g. \"10.50\". Never a JavaScript number. */\nexport type DecimalString = string\n\n/** Asked for a bearer token before every attempt; returns it, directly or as a Promise. */\nexport type TokenProvider = (request: TokenRequest) => Promise<string> | string\n"
    );
    for schema in api.enums() {
        let values: Vec<String> = schema.values.iter().map(|v| format!("'{}'", v.wire)).collect();
        let _ = write!(
            out,
            "\n{}export type {} = {} | (string & {{}})\n",
            jsdoc(&format!("{}\nA value this version does not know arrives as it was sent.", schema.doc), ""),
            schema.name,
            values.join(" | ")
        );
    }
    for record in api.records().iter().filter(|r| r.output) {
        let _ = write!(out, "\n{}export interface {} {{\n", jsdoc(record.doc, ""), record.name);
        for field in &record.fields {
            let _ = writeln!(out, "{}  {}: {}", jsdoc(field.doc, "  "), field.js, output_type(&field.shape));
        }
        out.push_str("}\n");
    }
    for record in api.records().iter().filter(|r| r.input) {
        let _ = write!(out, "\n{}export interface {} {{\n", jsdoc(record.doc, ""), input_name(record));
        for field in &record.fields {
            out.push_str(&input_field(field, api));
        }
        out.push_str("}\n");
    }
    out
}

fn input_field(field: &Field, api: &Registry) -> String {
    let optional = if field.required { "" } else { "?" };
    let ty = match &field.shape {
        Shape::Optional(_) => input_type(&field.shape, api),
        other if field.required => input_type(other, api),
        other => format!("{} | null", input_type(other, api)),
    };
    format!("{}  {}{optional}: {ty}\n", jsdoc(field.doc, "  "), field.js)
}

fn error_fields(api: &Registry) -> Vec<&Field> {
    let details = api.record("ErrorDetails").expect("the core's ErrorDetails is in the API");
    // `message` is the JavaScript error's own: the core's description of the error.
    details.fields.iter().filter(|f| f.name != "message").collect()
}

fn errors_js(api: &Registry) -> String {
    let mut out = format!(
        "'use strict'\n// {HEADER}\n// One class per error kind of the core; each carries every field of the core's ErrorDetails.\n\n/** Base class of every capturekit error; `code` is the core's stable kind. */\nclass CaptureKitError extends Error {{\n  constructor(description, details = {{}}) {{\n    super(description)\n    this.name = new.target.name\n"
    );
    for field in error_fields(api) {
        let default = match field.shape {
            Shape::Bool => "false",
            _ if field.name == "code" => "new.target.code",
            _ => "null",
        };
        let _ = writeln!(out, "    this.{0} = details.{0} ?? {default}", field.js);
    }
    out.push_str("    /** Every field as the core reported it (its `message` without the details above). */\n    this.details = details\n  }\n}\nCaptureKitError.code = 'unknown'\n");
    let mut names = vec!["CaptureKitError".to_owned()];
    for kind in ErrorKind::ALL {
        let parent = kind.parent().map(|p| p.exception_name()).unwrap_or("CaptureKitError");
        let _ = write!(
            out,
            "\n{}class {} extends {parent} {{}}\n{}.code = '{}'\n",
            jsdoc(kind.doc(), ""),
            kind.exception_name(),
            kind.exception_name(),
            kind.code()
        );
        names.push(kind.exception_name().to_owned());
    }
    let _ = write!(
        out,
        "\nmodule.exports = {{\n{}\n}}\n",
        names.iter().map(|n| format!("  {n},")).collect::<Vec<_>>().join("\n")
    );
    out
}

/// The records and enums a shape names.
fn named_types(shape: &Shape, names: &mut Vec<&'static str>) {
    match shape {
        Shape::Optional(inner) | Shape::List(inner) | Shape::Map(inner) => named_types(inner, names),
        Shape::Record(name) | Shape::Enum(name) if !names.contains(name) => names.push(name),
        _ => {}
    }
}

fn errors_dts(api: &Registry) -> String {
    let mut imported = vec!["ErrorDetails"];
    for field in error_fields(api) {
        named_types(&field.shape, &mut imported);
    }
    let mut out = format!(
        "// {HEADER}\nimport type {{ {} }} from './types'\n\n/** Base class of every capturekit error; `code` is the core's stable kind. */\nexport declare class CaptureKitError extends Error {{\n  /** The code of the kind this class stands for. */\n  static readonly code: string\n",
        imported.join(", ")
    );
    for field in error_fields(api) {
        let _ = writeln!(out, "{}  readonly {}: {}", jsdoc(field.doc, "  "), field.js, output_type(&field.shape));
    }
    out.push_str("  /** Every field as the core reported it (its `message` without the details above). */\n  readonly details: ErrorDetails\n}\n");
    for kind in ErrorKind::ALL {
        let parent = kind.parent().map(|p| p.exception_name()).unwrap_or("CaptureKitError");
        let _ = writeln!(
            out,
            "{}export declare class {} extends {parent} {{}}",
            jsdoc(kind.doc(), ""),
            kind.exception_name()
        );
    }
    out
}
