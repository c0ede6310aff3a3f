//! The StateSet calls: capture a payment, get a payment.

use std::collections::BTreeMap;

use capturekit_macros::record;
use reqwest::Method;
use serde::Serialize;

use super::types::StateSetPayment;
use crate::client::Client;
use crate::error::Result;
use crate::transport::ApiRequest;
use crate::validate;

/// The production base URL of StateSet.
pub const DEFAULT_STATESET_BASE_URL: &str = "https://api.stateset.com";
/// Environment variable holding the StateSet API key.
pub const ENV_STATESET_API_KEY: &str = "STATESET_API_KEY";

/// What to capture from a StateSet payment (created with `capture: false`).
#[record(input)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StateSetCaptureRequest {
    /// How much to capture, in cents; `None` captures the full authorized amount.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub amount_cents: Option<u64>,
    /// Text for the customer's statement, at most 22 characters.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub statement_descriptor: Option<String>,
    /// Metadata attached to the capture; the same limits as CDP metadata.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[record(default)]
    pub metadata: BTreeMap<String, String>,
}

impl StateSetCaptureRequest {
    /// Capture `cents`.
    pub fn cents(cents: u64) -> Self {
        StateSetCaptureRequest { amount_cents: Some(cents), ..Default::default() }
    }

    /// Capture the full authorized amount.
    pub fn full() -> Self {
        StateSetCaptureRequest::default()
    }

    /// Sets the statement descriptor.
    pub fn statement_descriptor(mut self, text: impl Into<String>) -> Self {
        self.statement_descriptor = Some(text.into());
        self
    }

    /// Adds one metadata pair.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    fn validate(&self) -> Result<()> {
        if let Some(cents) = self.amount_cents {
            validate::cents("amount_cents", cents)?;
        }
        if let Some(text) = &self.statement_descriptor {
            validate::statement_descriptor(text)?;
        }
        validate::metadata(&self.metadata)
    }
}

/// The wire body of a capture.
#[derive(Serialize)]
struct CaptureBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    statement_descriptor: Option<&'a str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    metadata: &'a BTreeMap<String, String>,
}

/// The StateSet calls of a [`Client`]; get it with [`Client::stateset`].
#[derive(Debug, Clone)]
pub struct StateSet {
    pub(crate) client: Client,
}

impl StateSet {
    /// Captures an authorized payment and returns it as it now stands.
    ///
    /// StateSet documents no idempotency key for captures, so a capture whose answer was lost
    /// is never repeated automatically: the error is `outcome_unknown`, and
    /// [`Self::get_payment`] (its `amount_captured`) tells whether it happened.
    pub async fn capture(&self, payment_id: &str, request: StateSetCaptureRequest) -> Result<StateSetPayment> {
        validate::path_id("payment_id", payment_id)?;
        request.validate()?;
        let body = CaptureBody {
            amount: request.amount_cents,
            statement_descriptor: request.statement_descriptor.as_deref(),
            metadata: &request.metadata,
        };
        let body = serde_json::to_vec(&body).expect("capture body serializes");
        self.client
            .stateset_transport
            .send(ApiRequest::create(Method::POST, &["v1", "payments", payment_id, "capture"], body, None))
            .await
    }

    /// Fetches a payment.
    pub async fn get_payment(&self, payment_id: &str) -> Result<StateSetPayment> {
        validate::path_id("payment_id", payment_id)?;
        self.client.stateset_transport.send(ApiRequest::get(&["v1", "payments", payment_id])).await
    }
}
