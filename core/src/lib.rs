//! # capturekit
//!
//! Capture authorized payment funds, correctly: one Rust core that validates every input
//! before any I/O, signs a fresh CDP JWT per attempt, retries only what is safe to retry,
//! sends the same idempotency key on every attempt of a capture, and says `outcome_unknown`
//! (never "failed") when a capture ended without a definite answer.
//!
//! ```no_run
//! # async fn demo() -> capturekit::Result<()> {
//! use std::time::Duration;
//! use capturekit::{CaptureRequest, Client, WaitOptions};
//! use rust_decimal::Decimal;
//!
//! let client = Client::builder().key_file("cdp_api_key.json").build()?;
//! let sessions = client.payment_sessions();
//! let session = "paymentSession_82c879c1-84e1-44ed-a8c2-1ac239cf09ad";
//! let capture = sessions.capture(session, CaptureRequest::amount(Decimal::new(1000, 2))).await?;
//! let settled = sessions
//!     .wait_for_capture(session, &capture.capture_id, WaitOptions::timeout(Duration::from_secs(60)))
//!     .await?;
//! println!("{}: {}", settled.capture_id, settled.status);
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod auth;
mod backoff;
pub mod cdp;
mod client;
pub mod coinbase_payments;
mod error;
mod idempotency;
#[cfg(feature = "node")]
pub mod node;
mod open_enum;
pub mod panics;
#[cfg(feature = "python")]
pub mod python;
pub mod schema;
pub mod stateset;
mod transport;
#[cfg(feature = "uniffi")]
mod uniffi_types;

// The namespace of the core's records and enums in the generated Kotlin and Swift.
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("capturekit");
pub mod validate;
pub mod webhooks;
mod wire;

pub use auth::{ApiKey, CredentialOptions, Credentials, PublicKey, TokenProvider, TokenRequest};
pub use backoff::{RetryPolicy, RETRY_AFTER_LIMIT};
pub use cdp::{
    CancelRequest, Capture, CapturePage, CaptureRequest, CaptureStatus, Network, OnchainTransaction, PageOptions,
    PaymentActionStatus, PaymentError, PaymentExpiries, PaymentSession, PaymentSessionBalances, PaymentSessionPage,
    PaymentSessionStatus, PaymentSessionTarget, PaymentSessions, Refund, RefundPage, RefundRequest, RefundSource, Void,
    VoidPage, VoidRequest, WaitOptions,
};
pub use client::{Client, ClientBuilder, ClientOptions, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
pub use coinbase_payments::{CoinbasePayments, EscrowCaptureRequest};
pub use error::{Error, ErrorDetails, ErrorKind, InputError, Result};
pub use idempotency::{derive_idempotency_key, new_idempotency_key};
pub use stateset::{StateSet, StateSetCaptureRequest};
pub use transport::IDEMPOTENCY_HEADER;
pub use webhooks::{sign_webhook, verify_webhook, WebhookEvent, WebhookEventType, WebhookVerifier};

/// Decimal amounts, re-exported so callers need not depend on `rust_decimal` themselves.
pub use rust_decimal::Decimal;

// The README's Rust examples are compiled (and, unless marked no_run, run) as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
