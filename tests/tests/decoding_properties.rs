//! Property tests of what comes from outside (issue 14 §6): whatever JSON a server answers,
//! decoding it ends in a value or a decode error, never a panic; whatever text a key file
//! holds, reading it ends in a key or a configuration error naming no secret.

use capturekit::cdp::{Capture, CapturePage, PaymentSession};
use capturekit::coinbase_payments::{EscrowCapture, EscrowPaymentDetails};
use capturekit::stateset::StateSetPayment;
use capturekit::{ApiKey, ErrorKind};
use proptest::prelude::*;
use serde_json::Value;

/// Arbitrary JSON with the field names and texts the API types read.
fn api_json() -> impl Strategy<Value = Value> {
    capturekit_tests::arbitrary::json_value(
        vec![
            "captureId",
            "paymentSessionId",
            "status",
            "amount",
            "finalCapture",
            "metadata",
            "error",
            "createdAt",
            "updatedAt",
            "captures",
            "nextPageToken",
            "balances",
            "capturable",
            "expiries",
            "asset",
            "operationId",
            "rewardOperations",
            "invalidRewardInputs",
            "payment",
            "paymentOperations",
            "id",
            "amount_captured",
            "networkId",
            "authorizationExpiry",
            "onchainTransactions",
            "code",
            "message",
            "x",
        ],
        vec!["pending", "succeeded", "failed", "2024-01-19T16:00:00Z", "1700000000", ""],
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_answer_decodes_or_is_refused_without_a_panic(json in api_json()) {
        let text = json.to_string();
        let _ = serde_json::from_str::<Capture>(&text);
        let _ = serde_json::from_str::<CapturePage>(&text);
        let _ = serde_json::from_str::<PaymentSession>(&text);
        let _ = serde_json::from_str::<EscrowCapture>(&text);
        let _ = serde_json::from_str::<EscrowPaymentDetails>(&text);
        let _ = serde_json::from_str::<StateSetPayment>(&text);
    }

    #[test]
    fn any_key_file_text_is_a_key_or_a_configuration_error(text in "\\PC{0,200}", secret in "[A-Za-z0-9+/=\\n-]{0,120}") {
        for candidate in [text.clone(), format!(r#"{{"id": "k", "privateKey": {}}}"#, Value::from(secret.clone()))] {
            if let Err(error) = ApiKey::from_json(&candidate) {
                prop_assert_eq!(error.kind(), ErrorKind::Configuration);
                if secret.len() > 8 {
                    prop_assert!(!error.message().contains(&secret), "the secret was echoed: {}", error.message());
                }
            }
        }
    }
}
