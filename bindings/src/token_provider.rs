//! The token provider an app implements in Kotlin or Swift: it asks the app's own back end
//! for a short-lived token, so no API key secret ever ships inside an app.

use std::sync::Arc;

use capturekit::auth::{TokenFuture, TokenProvider as CoreTokenProvider};
use capturekit::TokenRequest;

/// Why a token provider could not supply a token (`TokenProviderException` in Kotlin).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Error)]
pub enum TokenProviderError {
    /// The provider failed; `reason` becomes the message of the call's `Authentication` error.
    Failed { reason: String },
}

impl std::fmt::Display for TokenProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenProviderError::Failed { reason } => f.write_str(reason),
        }
    }
}

impl std::error::Error for TokenProviderError {}

/// Any other exception thrown by the app's provider fails the call the same way.
impl From<uniffi::UnexpectedUniFFICallbackError> for TokenProviderError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        TokenProviderError::Failed { reason: error.reason }
    }
}

/// Supplies a bearer token for each request attempt. Implement it in the app; the client
/// calls it before every attempt, retries included.
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait TokenProvider: Send + Sync {
    /// A token for this one request (CDP tokens are bound to its method, host and path).
    async fn token(&self, request: TokenRequest) -> Result<String, TokenProviderError>;
}

/// Lets the core call the app's provider.
pub(crate) struct ForeignTokenProvider(pub(crate) Arc<dyn TokenProvider>);

impl CoreTokenProvider for ForeignTokenProvider {
    fn token(&self, request: TokenRequest) -> TokenFuture<'_> {
        Box::pin(async move { self.0.token(request).await.map_err(|error| error.to_string()) })
    }
}
