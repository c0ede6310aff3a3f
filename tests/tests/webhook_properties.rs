//! Property tests of webhook verification (issue 18): whatever bytes and headers arrive, it
//! ends in an event or a verification or decode error, never a panic; a signed delivery
//! verifies, and any change to its body, its signed header or its secret is refused.

use capturekit::webhooks::{sign_webhook, WebhookVerifier};
use capturekit::ErrorKind;
use proptest::prelude::*;

const NOW: i64 = 1_767_225_600;

fn header_text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,40}",
        "(t|h|v0|v1|x)=[ -~]{0,70}(,(t|h|v0|v1|x)=[ -~]{0,70}){0,4}",
        Just(format!("t={NOW},h=content-type,v1={}", "ab".repeat(32))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_delivery_ends_in_an_event_or_an_error(
        body in proptest::collection::vec(any::<u8>(), 0..300),
        signature in header_text(),
        content_type in ".{0,20}",
        now in prop_oneof![Just(NOW), any::<i64>()],
    ) {
        let verifier = WebhookVerifier::new("secret").unwrap();
        let headers = [("content-type", content_type.as_str()), ("x-hook0-signature", signature.as_str())];
        if let Err(error) = verifier.verify_at(&body, headers, now) {
            let kind = error.kind();
            prop_assert!(
                kind == ErrorKind::Decode || kind.parent() == Some(ErrorKind::WebhookVerification),
                "{error}"
            );
        }
    }

    #[test]
    fn a_signed_delivery_verifies_and_any_change_is_refused(
        event_id in "[a-z0-9-]{1,36}",
        padding in "[ -~]{0,200}",
        flip in any::<prop::sample::Index>(),
        age in 0i64..=300,
    ) {
        let body = serde_json::json!({"eventId": event_id, "eventType": "acceptance.payment_session.created",
                                      "data": {}, "note": padding}).to_string().into_bytes();
        let signature = sign_webhook("secret", &body, &[("content-type", "application/json")], NOW).unwrap();
        let headers = [("Content-Type", "application/json"), ("X-Hook0-Signature", signature.as_str())];
        let verifier = WebhookVerifier::new("secret").unwrap();
        prop_assert_eq!(verifier.verify_at(&body, headers, NOW + age).unwrap().event_id, event_id);

        let mut changed = body.clone();
        let at = flip.index(changed.len());
        changed[at] ^= 0x01;
        let refused = verifier.verify_at(&changed, headers, NOW).unwrap_err();
        prop_assert_eq!(refused.kind(), ErrorKind::WebhookSignatureMismatch);
        let other_type = [("Content-Type", "application/jsoN"), ("X-Hook0-Signature", signature.as_str())];
        prop_assert_eq!(verifier.verify_at(&body, other_type, NOW).unwrap_err().kind(), ErrorKind::WebhookSignatureMismatch);
        let wrong_secret = WebhookVerifier::new("secreT").unwrap();
        prop_assert_eq!(wrong_secret.verify_at(&body, headers, NOW).unwrap_err().kind(), ErrorKind::WebhookSignatureMismatch);
    }

    #[test]
    fn a_signed_delivery_is_judged_by_its_age_at_any_clock(
        t in 0i64..=999_999_999_999_999_999,
        now in any::<i64>(),
        max_age in 1u64..=86_400,
    ) {
        // Guards against overflow in the age arithmetic: any timestamp a sender may write
        // and any clock end in accepted, too old or from the future, as their difference says.
        let body = br#"{"eventId":"e","eventType":"acceptance.payment_session.created","data":{}}"#;
        let signature = sign_webhook("secret", body, &[("content-type", "application/json")], t).unwrap();
        let headers = [("content-type", "application/json"), ("x-hook0-signature", signature.as_str())];
        let verifier = WebhookVerifier::new("secret").unwrap().max_age(std::time::Duration::from_secs(max_age)).unwrap();
        let age = i128::from(now) - i128::from(t);
        match verifier.verify_at(body, headers, now) {
            Ok(_) => prop_assert!(age <= i128::from(max_age) && age >= -30, "age {age}"),
            Err(error) if error.kind() == ErrorKind::WebhookTooOld => prop_assert!(age > i128::from(max_age)),
            Err(error) if error.kind() == ErrorKind::WebhookFromFuture => prop_assert!(age < -30),
            Err(error) => prop_assert!(false, "{error}"),
        }
    }
}
