//! Test support: an emulator with the fixture keys, a client pointed at it, and the runner of
//! the shared scenarios under `tests/scenarios/`.

pub mod arbitrary;
pub mod scenario;

use std::path::PathBuf;
use std::time::Duration;

use capturekit::{ApiKey, Client, ClientBuilder, RetryPolicy};
use capturekit_emulator::{Emulator, EmulatorConfig};
use serde_json::Value;

/// The StateSet API key every test emulator accepts.
pub const TEST_STATESET_API_KEY: &str = "test-stateset-key";

/// The static bearer token every test emulator accepts.
pub const TEST_BEARER_TOKEN: &str = "test-bearer-token";

/// The folder of this crate (`tests/`).
pub fn tests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Path of a fixture key file: `ed25519-key.json` or `es256-key.json`.
pub fn fixture_key_path(name: &str) -> PathBuf {
    tests_dir().join("fixtures").join(name)
}

/// A fixture key.
pub fn fixture_key(name: &str) -> ApiKey {
    ApiKey::from_json_file(fixture_key_path(name)).expect("fixture key parses")
}

/// An emulator on a free loopback port that accepts both fixture keys and the test token,
/// plus an HTTP client for its control API. It stops when dropped.
pub struct TestEmulator {
    /// The running emulator.
    pub emulator: Emulator,
    control: reqwest::Client,
}

impl TestEmulator {
    /// Starts one; `settle_delay` `None` means captures settle only on command.
    pub async fn start(settle_delay: Option<Duration>) -> TestEmulator {
        Self::start_with(EmulatorConfig { settle_delay, ..Default::default() }).await
    }

    /// Starts one with `config`, plus the fixture keys, test token and StateSet key.
    pub async fn start_with(mut config: EmulatorConfig) -> TestEmulator {
        config.keys.extend([fixture_key("ed25519-key.json"), fixture_key("es256-key.json")]);
        config.bearer_tokens.push(TEST_BEARER_TOKEN.to_owned());
        config.stateset_api_keys.push(TEST_STATESET_API_KEY.to_owned());
        let emulator = Emulator::start(config).await.expect("emulator starts");
        TestEmulator { emulator, control: reqwest::Client::new() }
    }

    /// Calls the control API: `POST`/`PUT`/`DELETE`/`GET /_emulator/{path}`; fails the test
    /// unless it succeeds.
    pub async fn control(&self, method: &str, path: &str, body: Value) -> Value {
        let (status, value) = self.control_answer(method, path, body).await;
        assert!((200..300).contains(&status), "control {path} failed: {value}");
        value
    }

    /// Calls the control API and returns its status and JSON answer, whatever they are.
    pub async fn control_answer(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        let url = format!("{}/_emulator/{path}", self.emulator.url());
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let response = self.control.request(method, url).json(&body).send().await.expect("control call");
        let status = response.status().as_u16();
        let value: Value = response.json().await.expect("control answer is JSON");
        (status, value)
    }

    /// Creates an authorized session and returns its id.
    pub async fn authorized_session(&self, amount: &str) -> String {
        let session = self.control("POST", "payment-sessions", serde_json::json!({"amount": amount})).await;
        session["paymentSessionId"].as_str().expect("session id").to_owned()
    }

    /// A client builder pointed at this emulator (all three APIs), signing with the Ed25519
    /// fixture key and holding the test StateSet key, with fast retries.
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder()
            .base_url(self.emulator.base_url())
            .coinbase_payments_base_url(self.emulator.url())
            .stateset_base_url(self.emulator.url())
            .stateset_api_key(TEST_STATESET_API_KEY)
            .key_file(fixture_key_path("ed25519-key.json"))
            .retry_policy(RetryPolicy {
                max_retries: 2,
                base_delay: Duration::from_millis(5),
                max_delay: Duration::from_millis(50),
            })
    }

    /// A ready client (see [`Self::client_builder`]).
    pub fn client(&self) -> Client {
        self.client_builder().build().expect("client builds")
    }
}
