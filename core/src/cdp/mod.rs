//! Coinbase Developer Platform (CDP) Payment Sessions, API v2: captures and sessions.

mod payment_sessions;
mod types;

pub use payment_sessions::{CaptureRequest, PaymentSessions, WaitOptions};
pub use types::{
    Capture, CapturePage, CaptureStatus, Network, OnchainTransaction, PaymentError, PaymentExpiries, PaymentSession,
    PaymentSessionBalances, PaymentSessionStatus, PaymentSessionTarget,
};
