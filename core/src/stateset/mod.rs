//! StateSet payments, `https://api.stateset.com`: capture an authorized payment and read it
//! back. Authenticated with a static API key (`STATESET_API_KEY`).

mod payments;
mod types;

pub use payments::{StateSet, StateSetCaptureRequest, DEFAULT_STATESET_BASE_URL, ENV_STATESET_API_KEY};
pub use types::{CaptureDetails, Card, PaymentMethod, StateSetPayment, StateSetPaymentStatus};
