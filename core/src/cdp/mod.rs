//! Coinbase Developer Platform (CDP) Payment Sessions, API v2: sessions and what follows
//! their authorization (captures, voids, refunds, cancel).

mod payment_sessions;
mod polling;
mod requests;
mod types;

pub use payment_sessions::PaymentSessions;
pub use requests::{
    CancelRequest, CaptureRequest, PageOptions, RefundRequest, VoidRequest, WaitOptions, DEFAULT_MAX_POLL_INTERVAL,
    DEFAULT_POLL_INTERVAL, DEFAULT_WAIT_TIMEOUT,
};
pub use types::{
    Capture, CapturePage, CaptureStatus, Network, OnchainTransaction, PaymentActionStatus, PaymentError,
    PaymentExpiries, PaymentSession, PaymentSessionBalances, PaymentSessionPage, PaymentSessionStatus,
    PaymentSessionTarget, Refund, RefundPage, RefundSource, Void, VoidPage,
};
