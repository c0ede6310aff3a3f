//! The one error type apps see: a variant per core error kind, each with the core's
//! `ErrorDetails`. The variants are built from the core's list of kinds
//! (`capturekit::with_error_kinds!`), so a kind added to the core reaches Kotlin and Swift.

use capturekit::{Error, ErrorDetails, ErrorKind};

macro_rules! define_ffi_error {
    ($($kind:ident($code:literal, $exception:literal, $($parent:ident)? $(-)?) $doc:literal;)*) => {
        /// A capturekit error (`CaptureKitException` in Kotlin): one variant per stable kind.
        /// Its `toString()` (Kotlin) and `description` (Swift) are the core's description.
        #[derive(Debug, Clone, PartialEq, Eq, uniffi::Error)]
        #[uniffi::export(Display)]
        pub enum CaptureKitError {
            $(#[doc = $doc] $kind { details: ErrorDetails },)*
        }

        impl CaptureKitError {
            fn details_ref(&self) -> &ErrorDetails {
                match self {
                    $(CaptureKitError::$kind { details } => details,)*
                }
            }

            fn from_kind(kind: ErrorKind, details: ErrorDetails) -> Self {
                match kind {
                    $(ErrorKind::$kind => CaptureKitError::$kind { details },)*
                    // ErrorKind is non-exhaustive; a kind added later is still an API error.
                    _ => CaptureKitError::Api { details },
                }
            }
        }
    };
}

capturekit::with_error_kinds!(define_ffi_error);

#[uniffi::export]
impl CaptureKitError {
    /// The details, whatever the kind (`e.details()` in Kotlin and Swift).
    pub fn details(&self) -> ErrorDetails {
        self.details_ref().clone()
    }
}

impl std::fmt::Display for CaptureKitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self.details_ref(), f)
    }
}

impl std::error::Error for CaptureKitError {}

impl From<Error> for CaptureKitError {
    fn from(error: Error) -> Self {
        CaptureKitError::from_kind(error.kind(), error.details())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_maps_to_its_own_variant_with_its_code() {
        let mut variants = std::collections::HashSet::new();
        for kind in ErrorKind::ALL {
            let mapped = CaptureKitError::from(Error::new(*kind, "m"));
            assert_eq!(mapped.details().code, kind.code());
            assert!(variants.insert(std::mem::discriminant(&mapped)), "{kind:?} shares a variant");
        }
    }
}
