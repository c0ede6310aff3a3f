//! Credentials from the environment, and secrets that never reach logs or errors.
//! (One test per process touches the environment, so this file holds a single test.)

use std::io::Write;
use std::sync::{Arc, Mutex};

use capturekit::{CaptureRequest, Client, Decimal};
use capturekit_tests::{fixture_key_path, TestEmulator, TEST_BEARER_TOKEN};
use serde_json::{json, Value};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn env_credentials_work_and_no_secret_is_ever_logged_or_shown() {
    let logs = Captured::default();
    let writer = logs.clone();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(move || writer.clone()).finish(),
    )
    .unwrap();

    let emulator = TestEmulator::start(None).await;
    let session = emulator.authorized_session("10").await;
    let key_file: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture_key_path("ed25519-key.json")).unwrap()).unwrap();
    let secret = key_file["privateKey"].as_str().unwrap().to_owned();

    std::env::set_var("CDP_API_KEY_ID", key_file["id"].as_str().unwrap());
    std::env::set_var("CDP_API_KEY_SECRET", &secret);
    let from_env = Client::builder().base_url(emulator.emulator.base_url()).build().unwrap();
    std::env::remove_var("CDP_API_KEY_SECRET");
    let missing = Client::builder().build().unwrap_err();
    assert!(missing.message().contains("CDP_API_KEY_SECRET"), "{}", missing.message());

    // Successful calls, a retried fault and a failing call, with every credential kind.
    emulator.control("POST", "faults", json!({"type": "status", "status": 503, "count": 1})).await;
    from_env.payment_sessions().capture(&session, CaptureRequest::amount(Decimal::ONE)).await.unwrap();
    let bearer =
        Client::builder().base_url(emulator.emulator.base_url()).bearer_token(TEST_BEARER_TOKEN).build().unwrap();
    bearer.payment_sessions().get_session(&session).await.unwrap();
    let wrong =
        Client::builder().base_url(emulator.emulator.base_url()).bearer_token("wrong-secret-token").build().unwrap();
    let error = wrong.payment_sessions().get_session(&session).await.unwrap_err();

    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logged.contains("/platform/v2/payment-sessions"), "requests are logged: {logged}");
    assert!(logged.contains("503"), "statuses are logged");
    let shown = [
        logged,
        format!("{from_env:?}"),
        format!("{bearer:?}"),
        format!("{wrong:?}"),
        format!("{error:?}"),
        error.to_string(),
    ]
    .join("\n");
    for secret_text in [&secret[..24], TEST_BEARER_TOKEN, "wrong-secret-token", "Bearer ", "eyJ"] {
        assert!(!shown.contains(secret_text), "{secret_text:?} leaked:\n{shown}");
    }
    std::io::stderr().flush().unwrap();
}
