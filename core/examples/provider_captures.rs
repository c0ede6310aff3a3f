//! The demo of the other two providers: one Coinbase Payments escrow capture (with a fee)
//! and one StateSet capture, against a running emulator.
//!
//! `CAPTUREKIT_EMULATOR_URL`, `CDP_KEY_FILE` and `STATESET_API_KEY` must be set; `make demo`
//! sets all three.

use capturekit::{Client, EscrowCaptureRequest, StateSetCaptureRequest};
use serde_json::{json, Value};

/// Calls the emulator's control API, which plays the payer.
async fn control(emulator: &str, route: &str, body: Value) -> Result<Value, Box<dyn std::error::Error>> {
    let url = format!("{emulator}/_emulator/{route}");
    Ok(reqwest::Client::new().post(url).json(&body).send().await?.error_for_status()?.json().await?)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = std::env::var("CAPTUREKIT_EMULATOR_URL").map_err(|_| "set CAPTUREKIT_EMULATOR_URL")?;
    let key_file = std::env::var("CDP_KEY_FILE").map_err(|_| "set CDP_KEY_FILE")?;
    // The StateSet key comes from STATESET_API_KEY; the CDP key signs Coinbase Payments calls.
    let client = Client::builder()
        .key_file(key_file)
        .base_url(format!("{emulator}/platform"))
        .coinbase_payments_base_url(&emulator)
        .stateset_base_url(&emulator)
        .build()?;

    let escrow = control(&emulator, "escrow-payments", json!({"amount": "40.00", "maxFeeBps": 300})).await?;
    let payment_id = escrow["id"].as_str().ok_or("no payment id")?;
    println!("[rust] escrow payment {payment_id}: 40.00 USDC authorized, fee at most 3%");
    let receiver = "0x1111111111111111111111111111111111111111";
    let capture = client
        .coinbase_payments()
        .capture(payment_id, EscrowCaptureRequest::default().fee(250, receiver).amount_text("30.00")?)
        .await?;
    let details = client.coinbase_payments().get_payment(payment_id).await?;
    let operation = details.payment_operations.iter().find(|op| op.id == capture.operation_id).ok_or("no operation")?;
    println!(
        "[rust] escrow capture {} ({}): 30.00 USDC, fee {} to {receiver}, tx {}; captured so far {}",
        capture.operation_id,
        operation.status,
        operation.fee_amount.unwrap_or_default(),
        operation.transaction_hash.as_deref().unwrap_or("-"),
        details.payment.captured_amount.unwrap_or_default()
    );

    let stateset = control(&emulator, "stateset-payments", json!({"amount": 15000, "currency": "usd"})).await?;
    let payment_id = stateset["id"].as_str().ok_or("no payment id")?;
    println!("[rust] StateSet payment {payment_id}: $150.00 authorized for later capture");
    let captured = client
        .stateset()
        .capture(payment_id, StateSetCaptureRequest::cents(12000).statement_descriptor("CAPTUREKIT DEMO"))
        .await?;
    println!(
        "[rust] StateSet capture: {} captured {} of {} cents (processor id {})",
        captured.status,
        captured.amount_captured,
        captured.amount,
        captured.capture_details.and_then(|d| d.processor_capture_id).unwrap_or_default()
    );
    Ok(())
}
