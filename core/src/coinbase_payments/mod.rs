//! Coinbase Payments (the Commerce Payments Protocol's escrow), `https://payments.coinbase.com`:
//! capture escrowed funds and read a payment back.

mod escrow;
mod types;

pub use escrow::{CoinbasePayments, EscrowCaptureRequest, DEFAULT_PAYMENTS_BASE_URL, ZERO_ADDRESS};
pub use types::{
    EscrowCapture, EscrowPayment, EscrowPaymentDetails, InvalidRewardInput, OperationStep, OperationStepStatus,
    OperationStepType, OperationTransaction, OperationType, PaymentOperation, PaymentOperationStatus,
    PaymentOperationType, Reward, RewardInput, RewardOperation, RewardOperationAction, RewardOperationStatus,
};
