//! The demo: against a running emulator, authorize a session, make two partial captures,
//! wait for them to settle, void the rest, refund part of a capture, and print each step and
//! the session's balances.
//!
//! `CAPTUREKIT_EMULATOR_URL` (the emulator's root URL) and `CDP_KEY_FILE` (a key JSON file
//! the emulator accepts) must be set; `make demo` does both.

use std::time::Duration;

use capturekit::{CaptureRequest, Client, Decimal, RefundRequest, RefundSource, VoidRequest, WaitOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = std::env::var("CAPTUREKIT_EMULATOR_URL").map_err(|_| "set CAPTUREKIT_EMULATOR_URL")?;
    let key_file = std::env::var("CDP_KEY_FILE").map_err(|_| "set CDP_KEY_FILE")?;

    // The emulator's control API plays the payer: it authorizes 25.00 USDC.
    let session: serde_json::Value = reqwest::Client::new()
        .post(format!("{emulator}/_emulator/payment-sessions"))
        .json(&serde_json::json!({"amount": "25.00", "asset": "usdc"}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let session_id = session["paymentSessionId"].as_str().ok_or("no session id")?;
    println!("[rust] authorized {session_id} for 25.00 USDC");

    let client = Client::builder().base_url(format!("{emulator}/platform")).key_file(key_file).build()?;
    let sessions = client.payment_sessions();
    let first = sessions
        .capture(session_id, CaptureRequest::amount(Decimal::new(1000, 2)).metadata("order_id", "order-1001"))
        .await?;
    let second =
        sessions.capture(session_id, CaptureRequest::amount(Decimal::new(550, 2)).final_capture(false)).await?;
    for capture in [&first, &second] {
        println!(
            "[rust] capture {} of {} is {} (idempotency key {})",
            capture.capture_id,
            capture.amount.unwrap_or_default(),
            capture.status,
            capture.idempotency_key.as_deref().unwrap_or("-")
        );
    }
    for capture in [first, second] {
        let settled = sessions
            .wait_for_capture(session_id, &capture.capture_id, WaitOptions::timeout(Duration::from_secs(30)))
            .await?;
        let tx = settled.onchain_transactions.first().map(|t| t.transaction_hash.as_str()).unwrap_or("-");
        println!("[rust] capture {} settled: {} (tx {tx})", settled.capture_id, settled.status);
    }
    let wait = WaitOptions::timeout(Duration::from_secs(30));
    let void = sessions.void(session_id, VoidRequest::default()).await?;
    let void = sessions.wait_for_void(session_id, &void.void_id, wait).await?;
    println!("[rust] void {} released the other {}: {}", void.void_id, void.amount.unwrap_or_default(), void.status);
    let source = RefundSource::from_account("account_af2937b0-9846-4fe7-bfe9-ccc22d935114", "usdc");
    let refund = RefundRequest::amount(source, Decimal::new(250, 2)).reason("one item returned");
    let refund = sessions.refund(session_id, refund).await?;
    let refund = sessions.wait_for_refund(session_id, &refund.refund_id, wait).await?;
    println!("[rust] refund {} of {}: {}", refund.refund_id, refund.amount.unwrap_or_default(), refund.status);
    let session = sessions.get_session(session_id).await?;
    let b = &session.balances;
    println!(
        "[rust] session {}: capturable {} captured {} refundable {} refunded {}",
        session.status, b.capturable, b.captured, b.refundable, b.refunded
    );
    Ok(())
}
