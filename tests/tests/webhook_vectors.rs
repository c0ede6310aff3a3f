//! The shared webhook vectors (`tests/vectors/webhooks.json`): each delivery verifies to its
//! event or fails with its error code, exactly as every other language's runner expects.

use std::time::Duration;

use capturekit::webhooks::{verify_webhook, WebhookOptions};
use capturekit_tests::tests_dir;
use serde_json::Value;

#[test]
fn every_webhook_vector_verifies_as_expected() {
    let text = std::fs::read_to_string(tests_dir().join("vectors/webhooks.json")).expect("vectors");
    let vectors: Value = serde_json::from_str(&text).expect("vectors parse");
    let cases = vectors["cases"].as_array().expect("cases");
    assert!(cases.len() >= 20, "found {} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let headers: Vec<(&str, &str)> = case["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| (pair[0].as_str().unwrap(), pair[1].as_str().unwrap()))
            .collect();
        let options = WebhookOptions {
            max_age: case["maxAgeSeconds"].as_u64().map(Duration::from_secs),
            now: case["now"].as_u64(),
        };
        let outcome = verify_webhook(
            case["body"].as_str().unwrap().as_bytes(),
            headers,
            case["secret"].as_str().unwrap(),
            options,
        );
        let expect = &case["expect"];
        let got = match &outcome {
            Ok(event) => {
                let session = event.data.capture.as_ref().map(|c| c.payment_session_id.as_str());
                let ok = expect["eventId"] == event.event_id.as_str()
                    && expect["eventType"] == event.event_type.as_str()
                    && expect.get("captureSessionId").is_none_or(|id| Some(id.as_str().unwrap()) == session);
                (ok, format!("event {} {}", event.event_id, event.event_type))
            }
            Err(error) => (expect["error"] == error.code(), format!("error {error}")),
        };
        if !got.0 {
            failures.push(format!("{}: expected {expect}, got {}", case["name"], got.1));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
