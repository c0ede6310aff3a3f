//! String enums that keep values they do not know, so an API that adds a status or a
//! network never breaks decoding.

/// Declares a string enum with an `Unknown(String)` variant, `as_str`, `Display`, `From<&str>`,
/// serde (as its wire string), its schema, and its conversions for the language bindings
/// (a string enum class in Python, a string in JavaScript; unknown values kept as text).
macro_rules! open_enum {
    (
        $(#[doc = $doc:literal])*
        pub enum $name:ident {
            $( $(#[doc = $vdoc:literal])* $variant:ident => $wire:literal, )+
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
        // Kotlin's `toString()` and Swift's `description` are the wire value.
        #[cfg_attr(feature = "uniffi", uniffi::export(Display))]
        pub enum $name {
            $( $(#[doc = $vdoc])* $variant, )+
            /// A value this version of capturekit does not know, kept as sent.
            Unknown(String),
        }

        impl $name {
            /// The wire value, e.g. `"pending"`.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown(value) => value,
                }
            }
        }

        #[cfg_attr(feature = "uniffi", uniffi::export)]
        impl $name {
            /// The wire value as an owned string (for the language bindings).
            pub fn wire_value(&self) -> String {
                self.as_str().to_owned()
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $wire => $name::$variant, )+
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok($name::from(value.as_ref()))
            }
        }

        impl crate::schema::Describe for $name {
            fn shape() -> crate::schema::Shape {
                crate::schema::Shape::Enum(stringify!($name))
            }

            fn visit(registry: &mut crate::schema::Registry) {
                registry.add_enum(crate::schema::EnumSchema {
                    name: stringify!($name),
                    doc: crate::schema::doc_text(&[$($doc),*]),
                    values: vec![$(crate::schema::EnumValue {
                        variant: stringify!($variant),
                        wire: $wire,
                        doc: crate::schema::doc_text(&[$($vdoc),*]),
                    }),+],
                });
            }
        }

        #[cfg(feature = "python")]
        impl crate::python::ToPy for $name {
            fn to_py(&self, py: pyo3::Python<'_>, plain: bool) -> pyo3::PyResult<pyo3::Py<pyo3::PyAny>> {
                static CLASS: pyo3::sync::PyOnceLock<pyo3::Py<pyo3::types::PyType>> = pyo3::sync::PyOnceLock::new();
                if plain {
                    return crate::python::ToPy::to_py(&self.as_str().to_owned(), py, plain);
                }
                crate::python::enum_member(py, &CLASS, stringify!($name), self.as_str())
            }
        }

        #[cfg(feature = "python")]
        impl crate::python::FromPy for $name {
            fn from_py(value: &pyo3::Bound<'_, pyo3::PyAny>, path: &str) -> Result<Self, crate::InputError> {
                <String as crate::python::FromPy>::from_py(value, path).map(|text| $name::from(text.as_str()))
            }
        }

        #[cfg(feature = "node")]
        impl crate::node::IntoJs for $name {
            type Js = String;

            fn into_js(self) -> String {
                self.as_str().to_owned()
            }
        }

        #[cfg(feature = "node")]
        impl crate::node::FromJs for $name {
            fn from_js(value: &napi::Unknown<'_>, path: &str) -> Result<Self, crate::InputError> {
                <String as crate::node::FromJs>::from_js(value, path).map(|text| $name::from(text.as_str()))
            }
        }
    };
}

pub(crate) use open_enum;
