//! CDP webhooks: verify the `X-Hook0-Signature` of a delivery, decode its payment-session
//! event, and sign payloads the way CDP does (for tests of a webhook handler, and for the
//! emulator's deliveries).

mod events;
mod inputs;
mod signature;

pub use events::{PaymentAuthorization, WebhookEvent, WebhookEventData, WebhookEventType};
pub use inputs::{WebhookBody, WebhookHeaders, WebhookOptions, WebhookSignOptions};
pub use signature::{
    sign_webhook, verify_webhook, WebhookVerifier, DEFAULT_MAX_AGE, MAX_FUTURE_SKEW, SIGNATURE_HEADER,
};
