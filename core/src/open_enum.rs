//! String enums that keep values they do not know, so an API that adds a status or a
//! network never breaks decoding.

/// Declares a string enum with an `Unknown(String)` variant, `as_str`, `Display`, `From<&str>`
/// and serde (as its wire string).
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
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
    };
}

pub(crate) use open_enum;
