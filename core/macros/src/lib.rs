//! `#[record]`: the attribute that makes a core struct the one definition of its type in
//! every language.
//!
//! On a struct of the `capturekit` crate, `#[record(output)]` (a result) and/or
//! `#[record(input)]` (a request or options) generate:
//! - always, its schema (`crate::schema::Record`, `crate::schema::Describe`): field names,
//!   their names on the wire and in JavaScript, doc comments and shapes, from which the
//!   binding generator writes the Python stubs and the TypeScript declarations;
//! - with the `python` feature: for an output, a frozen Python class with a typed getter per
//!   field, `to_dict()`, `repr()` and pickling; for an input, the conversion from keyword
//!   arguments that refuses names it does not know;
//! - with the `node` feature: for an output, the conversion to a JavaScript object; for an
//!   input, the conversion from a JavaScript object that refuses keys it does not know.
//!
//! Field attributes: `#[record(default)]` (an input field that may be left out and then takes
//! its `Default`), `#[record(skip)]` (an input field the binding fills itself, such as a
//! token provider callback).

use proc_macro::TokenStream;
use proc_macro2::TokenStream as Tokens;
use quote::quote;
use syn::{parse_macro_input, Attribute, Data, DeriveInput, Expr, Fields, Ident, Lit, LitStr, Meta, Type};

/// See the crate documentation.
#[proc_macro_attribute]
pub fn record(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut input = parse_macro_input!(item as DeriveInput);
    let mut direction = Direction::default();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("input") {
            direction.input = true;
            Ok(())
        } else if meta.path.is_ident("output") {
            direction.output = true;
            Ok(())
        } else {
            Err(meta.error("expected `input` and/or `output`"))
        }
    });
    parse_macro_input!(args with parser);
    match expand(&mut input, direction) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

#[derive(Default, Clone, Copy)]
struct Direction {
    input: bool,
    output: bool,
}

struct FieldInfo {
    ident: Ident,
    ty: Type,
    doc: String,
    wire: Option<String>,
    js: String,
    default: bool,
    skip: bool,
    optional: bool,
}

fn expand(input: &mut DeriveInput, direction: Direction) -> syn::Result<Tokens> {
    if !direction.input && !direction.output {
        return Err(syn::Error::new_spanned(&input.ident, "#[record] needs `input` and/or `output`"));
    }
    let rename_all = serde_rename_all(&input.attrs)?;
    let doc = doc_text(&input.attrs);
    let Data::Struct(data) = &mut input.data else {
        return Err(syn::Error::new_spanned(&input.ident, "#[record] is for structs with named fields"));
    };
    let Fields::Named(named) = &mut data.fields else {
        return Err(syn::Error::new_spanned(&input.ident, "#[record] is for structs with named fields"));
    };
    let mut fields = Vec::new();
    for field in named.named.iter_mut() {
        let ident = field.ident.clone().expect("named field");
        let (default, skip) = take_record_field_attrs(&mut field.attrs)?;
        let serde = serde_field(&field.attrs)?;
        let name = ident.to_string();
        let wire = if serde.skip {
            None
        } else {
            Some(serde.rename.unwrap_or_else(|| if rename_all { camel_case(&name) } else { name.clone() }))
        };
        let ty = field.ty.clone();
        let js = js_name(&name, &ty);
        fields.push(FieldInfo {
            ident,
            optional: is_option(&ty),
            ty,
            doc: doc_text(&field.attrs),
            wire,
            js,
            default,
            skip,
        });
    }
    let name = &input.ident;
    let name_text = name.to_string();
    if direction.output {
        let pyclass: Attribute = syn::parse_quote! {
            #[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, module = "capturekit_sdk", name = #name_text))]
        };
        input.attrs.push(pyclass);
    }
    let schema = schema_impl(name, &doc, direction, &fields);
    let python_class = if direction.output {
        quote! { pyo3::types::PyModuleMethods::add_class::<Self>(module) }
    } else {
        quote! { { let _ = module; ::core::result::Result::Ok(()) } }
    };
    let python_register = quote! {
        #[cfg(feature = "python")]
        impl crate::python::PyRegister for #name {
            fn add_class(module: &pyo3::Bound<'_, pyo3::types::PyModule>) -> pyo3::PyResult<()> {
                #python_class
            }
        }
    };
    let python_output = if direction.output { python_output(name, &fields, direction.input) } else { Tokens::new() };
    let python_input = if direction.input { python_input(name, &fields, direction.output) } else { Tokens::new() };
    let node_output = if direction.output { node_output(name, &fields) } else { Tokens::new() };
    let node_input = if direction.input { node_input(name, &fields) } else { Tokens::new() };
    Ok(quote! {
        #input
        #schema
        #python_register
        #python_output
        #python_input
        #node_output
        #node_input
    })
}

fn schema_impl(name: &Ident, doc: &str, direction: Direction, fields: &[FieldInfo]) -> Tokens {
    let name_text = name.to_string();
    let (input, output) = (direction.input, direction.output);
    let entries = fields.iter().map(|f| {
        let field = f.ident.to_string();
        let ty = &f.ty;
        let doc = &f.doc;
        let js = &f.js;
        let wire = match &f.wire {
            Some(wire) => quote! { ::core::option::Option::Some(#wire) },
            None => quote! { ::core::option::Option::None },
        };
        let required = !f.optional && !f.default && !f.skip;
        let skip = f.skip;
        quote! {
            crate::schema::Field {
                name: #field,
                wire: #wire,
                js: #js,
                doc: #doc,
                shape: <#ty as crate::schema::Describe>::shape(),
                required: #required,
                binding_filled: #skip,
            }
        }
    });
    let types = fields.iter().map(|f| &f.ty);
    quote! {
        impl crate::schema::Record for #name {
            fn schema() -> crate::schema::RecordSchema {
                crate::schema::RecordSchema {
                    name: #name_text,
                    doc: #doc,
                    input: #input,
                    output: #output,
                    fields: ::std::vec![#(#entries),*],
                }
            }
        }

        impl crate::schema::Describe for #name {
            fn shape() -> crate::schema::Shape {
                crate::schema::Shape::Record(#name_text)
            }

            fn visit(registry: &mut crate::schema::Registry) {
                if registry.add_record::<Self>() {
                    #(<#types as crate::schema::Describe>::visit(registry);)*
                }
            }
        }
    }
}

fn python_output(name: &Ident, fields: &[FieldInfo], input: bool) -> Tokens {
    let name_text = name.to_string();
    // A result that callers also pass in (a reward input) can be built from Python.
    let constructor = input.then(|| {
        quote! {
            /// Builds it from keyword arguments, the names of its fields.
            #[new]
            #[pyo3(signature = (**fields))]
            fn __new__(
                py: pyo3::Python<'_>,
                fields: ::core::option::Option<&pyo3::Bound<'_, pyo3::types::PyDict>>,
            ) -> pyo3::PyResult<Self> {
                crate::python::from_kwargs(py, fields)
            }
        }
    });
    let items = fields.iter().map(|f| {
        let ident = &f.ident;
        let field = ident.to_string();
        quote! { (#field, crate::python::ToPy::to_py(&self.#ident, py, plain)?) }
    });
    let getters = fields.iter().map(|f| {
        let ident = &f.ident;
        let doc = &f.doc;
        quote! {
            #[getter]
            #[doc = #doc]
            fn #ident(&self, py: pyo3::Python<'_>) -> pyo3::PyResult<pyo3::Py<pyo3::PyAny>> {
                crate::python::ToPy::to_py(&self.#ident, py, false)
            }
        }
    });
    quote! {
        #[cfg(feature = "python")]
        impl crate::python::PyRecord for #name {
            const NAME: &'static str = #name_text;

            fn py_items(
                &self,
                py: pyo3::Python<'_>,
                plain: bool,
            ) -> pyo3::PyResult<::std::vec::Vec<(&'static str, pyo3::Py<pyo3::PyAny>)>> {
                ::core::result::Result::Ok(::std::vec![#(#items),*])
            }
        }

        #[cfg(feature = "python")]
        impl crate::python::ToPy for #name {
            fn to_py(&self, py: pyo3::Python<'_>, plain: bool) -> pyo3::PyResult<pyo3::Py<pyo3::PyAny>> {
                if plain {
                    ::core::result::Result::Ok(crate::python::to_dict(self, py)?.into_any().unbind())
                } else {
                    ::core::result::Result::Ok(pyo3::Py::new(py, ::core::clone::Clone::clone(self))?.into_any())
                }
            }
        }

        #[cfg(feature = "python")]
        #[pyo3::pymethods]
        impl #name {
            #constructor

            #(#getters)*

            /// A plain `dict` of the fields (nested results as dicts, enums as their string
            /// values; `Decimal` and `datetime` kept; free-form maps as they came).
            fn to_dict<'py>(&self, py: pyo3::Python<'py>) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::types::PyDict>> {
                crate::python::to_dict(self, py)
            }

            fn __repr__(&self, py: pyo3::Python<'_>) -> pyo3::PyResult<::std::string::String> {
                crate::python::repr(self, py)
            }

            fn __reduce__<'py>(
                slf: &pyo3::Bound<'py, Self>,
            ) -> pyo3::PyResult<(pyo3::Bound<'py, pyo3::PyAny>, (::std::string::String,))> {
                crate::python::reduce(slf)
            }

            /// Rebuilds a value pickled by `__reduce__` (the core's JSON form).
            #[classmethod]
            fn _from_json(_cls: &pyo3::Bound<'_, pyo3::types::PyType>, json: &str) -> pyo3::PyResult<Self> {
                crate::python::from_json(json)
            }
        }
    }
}

/// How an input field is read: left out (or `None` / `undefined`) means its `Default` for
/// `#[record(default)]` fields, `None` for options, and an error naming it otherwise.
fn absent_value(f: &FieldInfo, missing: Tokens) -> Tokens {
    if f.default {
        quote! { ::core::default::Default::default() }
    } else {
        missing
    }
}

fn python_input(name: &Ident, fields: &[FieldInfo], output: bool) -> Tokens {
    let name_text = name.to_string();
    let names = fields.iter().map(|f| f.ident.to_string());
    let inits = fields.iter().map(|f| {
        let ident = &f.ident;
        let field = ident.to_string();
        if f.skip {
            return quote! { #ident: ::core::default::Default::default() };
        }
        let absent = absent_value(f, quote! { crate::python::FromPy::absent(&path)? });
        quote! {
            #ident: {
                let path = kwargs.path(#field);
                match kwargs.value(#field)? {
                    ::core::option::Option::Some(value) => crate::python::FromPy::from_py(&value, &path)?,
                    ::core::option::Option::None => #absent,
                }
            }
        }
    });
    let carry_key = carries_key(fields).then(|| {
        quote! { .map_err(|error| error.with_idempotency_key(kwargs.text("idempotency_key").as_deref())) }
    });
    let instance = output.then(|| {
        quote! {
            if let ::core::result::Result::Ok(instance) = value.cast::<#name>() {
                return ::core::result::Result::Ok(instance.get().clone());
            }
        }
    });
    quote! {
        #[cfg(feature = "python")]
        impl crate::python::FromPyKwargs for #name {
            const NAME: &'static str = #name_text;
            const FIELDS: &'static [&'static str] = &[#(#names),*];

            fn from_kwargs(kwargs: &crate::python::Kwargs<'_, '_>) -> ::core::result::Result<Self, crate::InputError> {
                let build = || -> ::core::result::Result<Self, crate::InputError> {
                    ::core::result::Result::Ok(#name { #(#inits),* })
                };
                build() #carry_key
            }
        }

        #[cfg(feature = "python")]
        impl crate::python::FromPy for #name {
            fn from_py(value: &pyo3::Bound<'_, pyo3::PyAny>, path: &str) -> ::core::result::Result<Self, crate::InputError> {
                #instance
                <Self as crate::python::FromPyKwargs>::from_mapping(value.py(), ::core::option::Option::Some(value), path)
            }
        }
    }
}

/// Whether conversion errors of this input should carry the caller's idempotency key, as
/// every other error of the call does.
fn carries_key(fields: &[FieldInfo]) -> bool {
    fields.iter().any(|f| f.ident == "idempotency_key")
}

fn node_output(name: &Ident, fields: &[FieldInfo]) -> Tokens {
    let name_text = name.to_string();
    let sets = fields.iter().map(|f| {
        let ident = &f.ident;
        let js = &f.js;
        quote! { object.set(#js, crate::node::IntoJs::into_js(value.#ident))?; }
    });
    quote! {
        #[cfg(feature = "node")]
        impl napi::bindgen_prelude::TypeName for #name {
            fn type_name() -> &'static str {
                #name_text
            }

            fn value_type() -> napi::ValueType {
                napi::ValueType::Object
            }
        }

        #[cfg(feature = "node")]
        impl napi::bindgen_prelude::ToNapiValue for #name {
            unsafe fn to_napi_value(
                env: napi::sys::napi_env,
                value: Self,
            ) -> napi::Result<napi::sys::napi_value> {
                let js_env = napi::Env::from(env);
                let mut object = napi::bindgen_prelude::Object::new(&js_env)?;
                #(#sets)*
                unsafe { napi::bindgen_prelude::ToNapiValue::to_napi_value(env, object) }
            }
        }

        #[cfg(feature = "node")]
        impl crate::node::IntoJs for #name {
            type Js = Self;

            fn into_js(self) -> Self {
                self
            }
        }
    }
}

fn node_input(name: &Ident, fields: &[FieldInfo]) -> Tokens {
    let name_text = name.to_string();
    let keys = fields.iter().map(|f| f.js.clone());
    let inits = fields.iter().map(|f| {
        let ident = &f.ident;
        let js = &f.js;
        if f.skip {
            return quote! { #ident: ::core::default::Default::default() };
        }
        let absent = absent_value(f, quote! { crate::node::FromJs::absent(&path)? });
        quote! {
            #ident: {
                let path = object.path(#js);
                match object.value(#js)? {
                    ::core::option::Option::Some(value) => crate::node::FromJs::from_js(&value, &path)?,
                    ::core::option::Option::None => #absent,
                }
            }
        }
    });
    let carry_key = carries_key(fields).then(|| {
        quote! { .map_err(|error| error.with_idempotency_key(object.text("idempotencyKey").as_deref())) }
    });
    quote! {
        #[cfg(feature = "node")]
        impl crate::node::FromJsObject for #name {
            const NAME: &'static str = #name_text;
            const KEYS: &'static [&'static str] = &[#(#keys),*];

            fn from_object(object: &crate::node::JsFields<'_>) -> ::core::result::Result<Self, crate::InputError> {
                let build = || -> ::core::result::Result<Self, crate::InputError> {
                    ::core::result::Result::Ok(#name { #(#inits),* })
                };
                build() #carry_key
            }
        }

        #[cfg(feature = "node")]
        impl crate::node::FromJs for #name {
            fn from_js(value: &napi::Unknown<'_>, path: &str) -> ::core::result::Result<Self, crate::InputError> {
                <Self as crate::node::FromJsObject>::from_value(::core::option::Option::Some(value), path)
            }
        }
    }
}

/// Reads and removes this macro's own field attributes: `default` and `skip`.
fn take_record_field_attrs(attrs: &mut Vec<Attribute>) -> syn::Result<(bool, bool)> {
    let (mut default, mut skip) = (false, false);
    let mut kept = Vec::with_capacity(attrs.len());
    for attr in attrs.drain(..) {
        if !attr.path().is_ident("record") {
            kept.push(attr);
            continue;
        }
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("default") {
                default = true;
                Ok(())
            } else if meta.path.is_ident("skip") {
                skip = true;
                Ok(())
            } else {
                Err(meta.error("expected `default` or `skip`"))
            }
        })?;
    }
    *attrs = kept;
    Ok((default, skip))
}

/// Whether the struct's serde attributes rename its fields to camelCase.
fn serde_rename_all(attrs: &[Attribute]) -> syn::Result<bool> {
    let mut camel = false;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename_all") {
                let value: LitStr = meta.value()?.parse()?;
                match value.value().as_str() {
                    "camelCase" => camel = true,
                    "snake_case" => {}
                    other => return Err(meta.error(format!("#[record] does not know rename_all = {other:?}"))),
                }
            } else {
                skip_value(&meta)?;
            }
            Ok(())
        })?;
    }
    Ok(camel)
}

#[derive(Default)]
struct SerdeField {
    rename: Option<String>,
    skip: bool,
}

fn serde_field(attrs: &[Attribute]) -> syn::Result<SerdeField> {
    let mut found = SerdeField::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let value: LitStr = meta.value()?.parse()?;
                found.rename = Some(value.value());
            } else if meta.path.is_ident("skip") {
                found.skip = true;
            } else {
                skip_value(&meta)?;
            }
            Ok(())
        })?;
    }
    Ok(found)
}

/// Consumes `= value` of a serde attribute this macro does not read.
fn skip_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let _: Expr = meta.value()?.parse()?;
    }
    Ok(())
}

/// The doc comment: its lines, each without the one space after `///`.
fn doc_text(attrs: &[Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(lit) => match &lit.lit {
                    Lit::Str(text) => Some(text.value()),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        })
        .map(|line| line.strip_prefix(' ').unwrap_or(&line).to_owned())
        .collect();
    lines.join("\n").trim().to_owned()
}

fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
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

/// The JavaScript name: camelCase, and a duration (a number of milliseconds there) says so
/// with `Ms` (`timeout` → `timeoutMs`). Decided by the field's type, never by its name.
fn js_name(field: &str, ty: &Type) -> String {
    let camel = camel_case(field);
    if type_mentions(ty, "Duration") {
        format!("{camel}Ms")
    } else {
        camel
    }
}

fn is_option(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path.path.segments.last().is_some_and(|s| s.ident == "Option"),
        _ => false,
    }
}

fn type_mentions(ty: &Type, name: &str) -> bool {
    quote!(#ty).into_iter().any(|token| matches!(token, proc_macro2::TokenTree::Ident(ident) if ident == name))
}
