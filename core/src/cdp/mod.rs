//! Coinbase Developer Platform (CDP) Payment Sessions, API v2: captures and sessions.

mod payment_sessions;
mod types;

pub use payment_sessions::{
    CaptureRequest, PageOptions, PaymentSessions, WaitOptions, DEFAULT_MAX_POLL_INTERVAL, DEFAULT_POLL_INTERVAL,
    DEFAULT_WAIT_TIMEOUT,
};
pub use types::{
    Capture, CapturePage, CaptureStatus, Network, OnchainTransaction, PaymentError, PaymentExpiries, PaymentSession,
    PaymentSessionBalances, PaymentSessionStatus, PaymentSessionTarget,
};
