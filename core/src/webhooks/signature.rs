//! The `X-Hook0-Signature` scheme of CDP webhooks: `t` (unix seconds), `h` (the signed
//! header names, space-separated), `v1` (hex HMAC-SHA256 of
//! `{t}.{h}.{those headers' values joined by "."}.{body}`) and, in older deliveries, `v0`
//! (of `{t}.{body}`), keyed with the subscription secret's bytes.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ring::hmac;

use super::events::WebhookEvent;
use crate::error::{Error, ErrorKind, Result};

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "X-Hook0-Signature";
/// How old a delivery may be by default: five minutes, as CDP's documentation says.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(300);
/// How far in the future a delivery's timestamp may be (clocks differ a little).
pub const MAX_FUTURE_SKEW: Duration = Duration::from_secs(30);
/// The longest signature header read; a longer one is refused unread.
const MAX_SIGNATURE_HEADER_BYTES: usize = 8 * 1024;

/// Verifies webhook deliveries for one subscription secret. Cheap to keep and share.
#[derive(Clone)]
pub struct WebhookVerifier {
    key: hmac::Key,
    max_age: Duration,
}

impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookVerifier").field("max_age", &self.max_age).finish_non_exhaustive()
    }
}

impl WebhookVerifier {
    /// A verifier for a subscription's signing `secret` (as the subscription call returned it).
    pub fn new(secret: &str) -> Result<Self> {
        if secret.is_empty() {
            return Err(Error::invalid("secret", "must not be empty"));
        }
        Ok(WebhookVerifier { key: hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes()), max_age: DEFAULT_MAX_AGE })
    }

    /// Refuses deliveries signed longer ago than `max_age` (default 5 minutes; at most a day).
    pub fn max_age(mut self, max_age: Duration) -> Result<Self> {
        if max_age.is_zero() || max_age > Duration::from_secs(86_400) {
            return Err(Error::invalid(
                "max_age",
                format!("must be greater than zero and at most a day, got {max_age:?}"),
            ));
        }
        self.max_age = max_age;
        Ok(self)
    }

    /// Checks a delivery's signature and age against the clock, then decodes its event.
    /// `headers` are the request's headers (names in any case); `body` is the raw body, as
    /// received, before any parsing.
    pub fn verify<'a>(
        &self,
        body: &[u8],
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<WebhookEvent> {
        self.verify_at(body, headers, unix_now())
    }

    /// [`Self::verify`] at `now` (unix seconds).
    pub fn verify_at<'a>(
        &self,
        body: &[u8],
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
        now: i64,
    ) -> Result<WebhookEvent> {
        let headers: Vec<(&str, &str)> = headers.into_iter().collect();
        let header = lookup(&headers, SIGNATURE_HEADER)
            .ok_or_else(|| webhook_error(ErrorKind::WebhookMalformed, format!("no {SIGNATURE_HEADER} header")))?;
        let signature = Signature::parse(header)?;
        let signed = match &signature.v1 {
            Some(_) => v1_payload(&signature, &headers, body)?,
            None => [format!("{}.", signature.t).as_bytes(), body].concat(),
        };
        let expected = signature.v1.as_ref().or(signature.v0.as_ref()).expect("parse requires v1 or v0");
        if hmac::verify(&self.key, &signed, expected).is_err() {
            return Err(webhook_error(
                ErrorKind::WebhookSignatureMismatch,
                "the signature does not match this secret and body (wrong secret, or the body was changed, re-encoded or parsed before verifying)",
            ));
        }
        let age = now.saturating_sub(signature.t);
        if age > self.max_age.as_secs() as i64 {
            return Err(webhook_error(
                ErrorKind::WebhookTooOld,
                format!("signed {age} s ago, more than the {} s allowed", self.max_age.as_secs()),
            ));
        }
        if -age > MAX_FUTURE_SKEW.as_secs() as i64 {
            return Err(webhook_error(
                ErrorKind::WebhookFromFuture,
                format!(
                    "signed {} s in the future, more than the {} s of clock skew allowed",
                    -age,
                    MAX_FUTURE_SKEW.as_secs()
                ),
            ));
        }
        WebhookEvent::decode(body)
    }
}

/// Verifies one delivery with `secret` (see [`WebhookVerifier`]).
pub fn verify_webhook<'a>(
    body: &[u8],
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    secret: &str,
    options: super::WebhookOptions,
) -> Result<WebhookEvent> {
    let mut verifier = WebhookVerifier::new(secret)?;
    if let Some(max_age) = options.max_age {
        verifier = verifier.max_age(max_age)?;
    }
    let now = options.now.map_or_else(unix_now, |now| i64::try_from(now).unwrap_or(i64::MAX));
    verifier.verify_at(body, headers, now)
}

/// The time now in unix seconds.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// The `X-Hook0-Signature` value CDP would send for `body` with `headers` (name, value;
/// each signed, in this order) at `timestamp` (unix seconds): for tests of a webhook handler.
pub fn sign_webhook(secret: &str, body: &[u8], headers: &[(&str, &str)], timestamp: i64) -> Result<String> {
    if secret.is_empty() {
        return Err(Error::invalid("secret", "must not be empty"));
    }
    for (name, value) in headers {
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
            return Err(Error::invalid("headers", format!("a header name must be a token, got {name:?}")));
        }
        if value.contains(['\r', '\n']) {
            return Err(Error::invalid("headers", format!("the value of {name} must not contain line breaks")));
        }
    }
    let names: Vec<String> = headers.iter().map(|(name, _)| name.to_ascii_lowercase()).collect();
    let names = names.join(" ");
    let values: Vec<&str> = headers.iter().map(|(_, value)| *value).collect();
    let signed = [format!("{timestamp}.{names}.{}.", values.join(".")).as_bytes(), body].concat();
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let v1 = hex::encode(hmac::sign(&key, &signed));
    Ok(format!("t={timestamp},h={names},v1={v1}"))
}

/// The parts of a signature header that matter; unknown parts are ignored.
struct Signature {
    t: i64,
    h: Option<String>,
    v1: Option<Vec<u8>>,
    v0: Option<Vec<u8>>,
}

impl Signature {
    fn parse(header: &str) -> Result<Self> {
        let malformed = |why: String| webhook_error(ErrorKind::WebhookMalformed, format!("{SIGNATURE_HEADER}: {why}"));
        if header.len() > MAX_SIGNATURE_HEADER_BYTES {
            return Err(malformed(format!("longer than {MAX_SIGNATURE_HEADER_BYTES} bytes")));
        }
        let (mut t, mut h, mut v1, mut v0) = (None, None, None, None);
        for part in header.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((key, value)) = part.split_once('=') else {
                return Err(malformed(format!("{:?} is not key=value", preview(part))));
            };
            let hex_digest = |value: &str| {
                hex::decode(value)
                    .ok()
                    .filter(|d| d.len() == 32)
                    .ok_or_else(|| malformed(format!("{key} must be 64 hex digits")))
            };
            match key.trim() {
                "t" => t = Some(value.parse::<i64>().map_err(|_| malformed("t must be unix seconds".into()))?),
                "h" => h = Some(value.to_owned()),
                "v1" => v1 = Some(hex_digest(value)?),
                "v0" => v0 = Some(hex_digest(value)?),
                _ => {}
            }
        }
        let t = t.ok_or_else(|| malformed("no t (timestamp)".into()))?;
        if v1.is_none() && v0.is_none() {
            return Err(malformed("no v1 or v0 signature".into()));
        }
        if v1.is_some() && h.is_none() {
            return Err(malformed("v1 without h (the signed header names)".into()));
        }
        Ok(Signature { t, h, v1, v0 })
    }
}

/// `{t}.{h}.{values}.{body}` for a v1 signature; a named header missing from the request
/// is an error naming it.
fn v1_payload(signature: &Signature, headers: &[(&str, &str)], body: &[u8]) -> Result<Vec<u8>> {
    let h = signature.h.as_deref().unwrap_or_default();
    let mut values = Vec::new();
    for name in h.split(' ').filter(|n| !n.is_empty()) {
        let value = lookup(headers, name).ok_or_else(|| {
            webhook_error(
                ErrorKind::WebhookHeaderMissing,
                format!("the signature covers the header {:?}, which the request does not have", preview(name)),
            )
        })?;
        values.push(value);
    }
    let prefix = format!("{}.{h}.{}.", signature.t, values.join("."));
    Ok([prefix.as_bytes(), body].concat())
}

/// The value of the first header called `name` (in any case).
fn lookup<'a>(headers: &[(&'a str, &'a str)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
}

fn preview(text: &str) -> String {
    text.chars().take(40).collect()
}

fn webhook_error(kind: ErrorKind, message: impl Into<String>) -> Error {
    Error::new(kind, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test";
    const BODY: &[u8] = br#"{"eventId":"e1","eventType":"acceptance.payment_session.created","data":{}}"#;

    fn headers(signature: &str) -> Vec<(&str, &str)> {
        vec![("Content-Type", "application/json"), ("X-Hook0-Signature", signature)]
    }

    #[test]
    fn a_signed_body_verifies_and_every_change_is_caught() {
        let signature = sign_webhook(SECRET, BODY, &[("content-type", "application/json")], 1_000).unwrap();
        let verifier = WebhookVerifier::new(SECRET).unwrap();
        let event = verifier.verify_at(BODY, headers(&signature), 1_010).unwrap();
        assert_eq!(event.event_id, "e1");
        let kind = |body: &[u8], signature: &str, now: i64| {
            verifier.verify_at(body, headers(signature), now).unwrap_err().kind()
        };
        assert_eq!(kind(&BODY[1..], &signature, 1_010), ErrorKind::WebhookSignatureMismatch);
        assert_eq!(kind(BODY, &signature, 1_301), ErrorKind::WebhookTooOld);
        assert_eq!(kind(BODY, &signature, 969), ErrorKind::WebhookFromFuture);
        assert_eq!(kind(BODY, "t=1000", 1_000), ErrorKind::WebhookMalformed);
        let other = WebhookVerifier::new("another").unwrap();
        assert_eq!(
            other.verify_at(BODY, headers(&signature), 1_000).unwrap_err().kind(),
            ErrorKind::WebhookSignatureMismatch
        );
        let missing = verifier.verify_at(BODY, [("X-Hook0-Signature", signature.as_str())], 1_000).unwrap_err();
        assert_eq!(missing.kind(), ErrorKind::WebhookHeaderMissing);
        assert!(missing.message().contains("content-type"), "{missing}");
    }

    #[test]
    fn a_v0_signature_covers_the_timestamp_and_body() {
        let key = hmac::Key::new(hmac::HMAC_SHA256, SECRET.as_bytes());
        let v0 = hex::encode(hmac::sign(&key, &[b"1000.".as_slice(), BODY].concat()));
        let verifier = WebhookVerifier::new(SECRET).unwrap();
        assert!(verifier.verify_at(BODY, headers(&format!("t=1000,v0={v0},x=y")), 1_000).is_ok());
        assert!(verifier.verify_at(BODY, headers(&format!("t=1001,v0={v0}")), 1_001).is_err());
    }
}
