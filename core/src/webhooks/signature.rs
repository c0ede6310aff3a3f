//! The `X-Hook0-Signature` scheme of CDP webhooks: `t` (unix seconds), `h` (the signed
//! header names, space-separated), `v1` (hex HMAC-SHA256 of
//! `{t}.{h}.{those headers' values joined by "."}.{body}`) and, in older deliveries, `v0`
//! (of `{t}.{body}`), keyed with the subscription secret's bytes.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ring::hmac;
use subtle::ConstantTimeEq;

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

    /// Refuses deliveries signed longer ago than `max_age` (default 5 minutes): whole seconds
    /// (timestamps are), from 1 second to a day.
    pub fn max_age(mut self, max_age: Duration) -> Result<Self> {
        if max_age < Duration::from_secs(1) || max_age > Duration::from_secs(86_400) || max_age.subsec_nanos() != 0 {
            return Err(Error::invalid(
                "max_age",
                format!("must be whole seconds from 1 second to a day, got {max_age:?}"),
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
        let signature = Signature::parse(&signature_header(&headers)?)?;
        let (signed, candidates) = if signature.v1.is_empty() {
            (self.signed_v0(&signature, body), &signature.v0)
        } else {
            (self.signed_v1(&signature, &headers, body)?, &signature.v1)
        };
        // Any of the signatures sent may match (a sender rotating secrets signs with both);
        // each is compared in constant time.
        if !candidates.iter().any(|expected| bool::from(signed.as_ref().ct_eq(expected.as_slice()))) {
            return Err(Error::new(
                ErrorKind::WebhookSignatureMismatch,
                "the signature does not match this secret and body (wrong secret, or the body was changed, re-encoded or parsed before verifying)",
            ));
        }
        // In i128: neither a far-past `now` nor a far-future `t` can overflow.
        let age = i128::from(now) - i128::from(signature.t);
        if age > i128::from(self.max_age.as_secs()) {
            return Err(Error::new(
                ErrorKind::WebhookTooOld,
                format!("signed {age} s ago, more than the {} s allowed", self.max_age.as_secs()),
            ));
        }
        if -age > i128::from(MAX_FUTURE_SKEW.as_secs()) {
            return Err(Error::new(
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
    if timestamp < 0 {
        return Err(Error::invalid("timestamp", format!("must be unix seconds from 0, got {timestamp}")));
    }
    if headers.len() > MAX_SIGNED_HEADERS {
        return Err(Error::invalid("headers", format!("at most {MAX_SIGNED_HEADERS} headers can be signed")));
    }
    for (name, value) in headers {
        if !is_signable_name(name) || name.eq_ignore_ascii_case(SIGNATURE_HEADER) {
            return Err(Error::invalid(
                "headers",
                format!("{name:?} cannot be signed: a header name is letters, digits and !#$%&'*+-^_`|~ (no '.'), and not the signature header"),
            ));
        }
        if value.bytes().any(|b| b.is_ascii_control() && b != b'\t') || value.trim() != *value {
            return Err(Error::invalid(
                "headers",
                format!("the value of {name} must have no control characters and no spaces around it (HTTP would not keep them)"),
            ));
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
    /// The timestamp as sent (it is signed as sent).
    t_text: String,
    t: i64,
    h: Option<String>,
    v1: Vec<Vec<u8>>,
    v0: Vec<Vec<u8>>,
}

impl Signature {
    fn parse(header: &str) -> Result<Self> {
        let malformed = |why: String| Error::new(ErrorKind::WebhookMalformed, format!("{SIGNATURE_HEADER}: {why}"));
        if header.len() > MAX_SIGNATURE_HEADER_BYTES {
            return Err(malformed(format!("longer than {MAX_SIGNATURE_HEADER_BYTES} bytes")));
        }
        let (mut t, mut h, mut v1, mut v0) = (None, None, Vec::new(), Vec::new());
        for part in header.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            // Unknown parts are ignored, whatever their form.
            let Some((key, value)) = part.split_once('=') else { continue };
            let hex_digest = |value: &str| {
                hex::decode(value)
                    .ok()
                    .filter(|d| d.len() == 32)
                    .ok_or_else(|| malformed(format!("{key} must be 64 hex digits")))
            };
            // A second t or h (two signature headers merged into one, say) could pair one
            // header's signature with the other's timestamp: refused, never guessed.
            match key.trim() {
                "t" if t.is_some() => return Err(malformed("more than one t".into())),
                "h" if h.is_some() => return Err(malformed("more than one h".into())),
                "t" => t = Some(value.to_owned()),
                "h" => h = Some(value.to_owned()),
                "v1" => v1.push(hex_digest(value)?),
                "v0" => v0.push(hex_digest(value)?),
                _ => {}
            }
        }
        let t_text = t.ok_or_else(|| malformed("no t (timestamp)".into()))?;
        let t = Some(&t_text)
            .filter(|t| (1..=18).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| t.parse::<i64>().ok())
            .ok_or_else(|| malformed("t must be unix seconds: 1 to 18 digits".into()))?;
        if v1.is_empty() && v0.is_empty() {
            return Err(malformed("no v1 or v0 signature".into()));
        }
        if !v1.is_empty() && h.is_none() {
            return Err(malformed("v1 without h (the signed header names)".into()));
        }
        if let Some(names) = &h {
            let names: Vec<&str> = names.split(' ').filter(|n| !n.is_empty()).collect();
            if names.len() > MAX_SIGNED_HEADERS {
                return Err(malformed(format!("h names more than {MAX_SIGNED_HEADERS} headers")));
            }
            // A '.' in a name would let a changed h split the signed text elsewhere.
            if let Some(bad) = names.iter().find(|n| !is_signable_name(n)) {
                return Err(malformed(format!("h names {:?}, which is not a header name", preview(bad))));
            }
            let mut seen = std::collections::HashSet::new();
            if let Some(twice) = names.iter().find(|n| !seen.insert(n.to_ascii_lowercase())) {
                return Err(malformed(format!("h names {:?} twice", preview(twice))));
            }
        }
        Ok(Signature { t_text, t, h, v1, v0 })
    }
}

/// The most headers a signature may cover.
const MAX_SIGNED_HEADERS: usize = 32;

/// A header name that can be signed: an HTTP token without '.' (the separator of the signed
/// text).
fn is_signable_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-^_`|~".contains(&b))
}

/// The one signature header of a request. Two are refused: which of them to trust would be
/// a guess (and servers differ in which one they keep).
fn signature_header(headers: &[(&str, &str)]) -> Result<String> {
    let mut found = headers.iter().filter(|(name, _)| name.eq_ignore_ascii_case(SIGNATURE_HEADER));
    match (found.next(), found.next()) {
        (Some((_, value)), None) => Ok((*value).to_owned()),
        (None, _) => Err(Error::new(ErrorKind::WebhookMalformed, format!("no {SIGNATURE_HEADER} header"))),
        (Some(_), Some(_)) => {
            Err(Error::new(ErrorKind::WebhookMalformed, format!("more than one {SIGNATURE_HEADER} header")))
        }
    }
}

impl WebhookVerifier {
    /// The tag of `{t}.{body}` (a v0 signature).
    fn signed_v0(&self, signature: &Signature, body: &[u8]) -> hmac::Tag {
        let mut context = hmac::Context::with_key(&self.key);
        context.update(signature.t_text.as_bytes());
        context.update(b".");
        context.update(body);
        context.sign()
    }

    /// The tag of `{t}.{h}.{values joined by "."}.{body}` (a v1 signature), fed piece by
    /// piece: nothing of the request is copied. A named header missing from the request is
    /// an error naming it.
    fn signed_v1(&self, signature: &Signature, headers: &[(&str, &str)], body: &[u8]) -> Result<hmac::Tag> {
        let h = signature.h.as_deref().unwrap_or_default();
        let mut context = hmac::Context::with_key(&self.key);
        context.update(signature.t_text.as_bytes());
        context.update(b".");
        context.update(h.as_bytes());
        context.update(b".");
        for (index, name) in h.split(' ').filter(|n| !n.is_empty()).enumerate() {
            let mut values = headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| *v).peekable();
            if values.peek().is_none() {
                return Err(Error::new(
                    ErrorKind::WebhookHeaderMissing,
                    format!("the signature covers the header {:?}, which the request does not have", preview(name)),
                ));
            }
            if index > 0 {
                context.update(b".");
            }
            // A header sent more than once counts as its values joined by ", ", as HTTP
            // (RFC 9110) and Node's `req.headers` join them.
            for (position, value) in values.enumerate() {
                if position > 0 {
                    context.update(b", ");
                }
                context.update(value.as_bytes());
            }
        }
        context.update(b".");
        context.update(body);
        Ok(context.sign())
    }
}

fn preview(text: &str) -> String {
    text.chars().take(40).collect()
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

    #[test]
    fn ambiguous_or_doubled_signatures_are_refused_and_any_v1_may_match() {
        let verifier = WebhookVerifier::new(SECRET).unwrap();
        let good = sign_webhook(SECRET, BODY, &[("content-type", "application/json")], 1_000).unwrap();
        let bad = good.replace("v1=", "v1=00").chars().take(good.len()).collect::<String>();
        let two = [
            ("content-type", "application/json"),
            ("x-hook0-signature", good.as_str()),
            ("X-Hook0-Signature", bad.as_str()),
        ];
        assert_eq!(verifier.verify_at(BODY, two, 1_000).unwrap_err().kind(), ErrorKind::WebhookMalformed);
        let merged = format!("{good}, {bad}");
        assert_eq!(verifier.verify_at(BODY, headers(&merged), 1_000).unwrap_err().kind(), ErrorKind::WebhookMalformed);
        let v1 = good.split("v1=").nth(1).unwrap();
        let rotated = format!("t=1000,h=content-type,v1={},v1={v1}", "0".repeat(64));
        assert!(verifier.verify_at(BODY, headers(&rotated), 1_000).is_ok(), "a later v1 that matches counts");
        for bad_t in ["+1000", "01000x", "-5", "99999999999999999999"] {
            let header = good.replace("t=1000", &format!("t={bad_t}"));
            assert_eq!(
                verifier.verify_at(BODY, headers(&header), 1_000).unwrap_err().kind(),
                ErrorKind::WebhookMalformed
            );
        }
        let dotted = good.replace("h=content-type", "h=content-type x.y");
        assert_eq!(verifier.verify_at(BODY, headers(&dotted), 1_000).unwrap_err().kind(), ErrorKind::WebhookMalformed);
        let many = good.replace("h=content-type", &format!("h={}", vec!["a"; 33].join(" ")));
        assert_eq!(verifier.verify_at(BODY, headers(&many), 1_000).unwrap_err().kind(), ErrorKind::WebhookMalformed);
        // A signed header sent twice is judged on its values joined by ", ", as HTTP joins them.
        let joined = sign_webhook(SECRET, BODY, &[("x-a", "1, 2")], 1_000).unwrap();
        let sent = [("x-a", "1"), ("X-A", "2"), ("x-hook0-signature", joined.as_str())];
        assert!(verifier.verify_at(BODY, sent, 1_000).is_ok());
    }

    #[test]
    fn sign_webhook_refuses_what_could_never_verify() {
        for (name, value) in
            [("a.b", "1"), ("a,b", "1"), ("x-hook0-signature", "1"), ("", "1"), ("a", " 1"), ("a", "1\0")]
        {
            assert!(sign_webhook(SECRET, BODY, &[(name, value)], 1_000).is_err(), "{name:?}: {value:?}");
        }
        assert!(sign_webhook(SECRET, BODY, &[], -1).is_err());
    }

    #[test]
    fn a_maximum_age_is_whole_seconds_and_any_clock_is_judged_without_overflow() {
        let verifier = WebhookVerifier::new(SECRET).unwrap();
        for bad in
            [Duration::from_millis(1_999), Duration::from_millis(500), Duration::ZERO, Duration::from_secs(86_401)]
        {
            assert!(verifier.clone().max_age(bad).is_err(), "{bad:?}");
        }
        let verifier = verifier.max_age(Duration::from_secs(2)).unwrap();
        let signature = sign_webhook(SECRET, BODY, &[("content-type", "application/json")], 1_000).unwrap();
        assert!(verifier.verify_at(BODY, headers(&signature), 1_002).is_ok());
        assert_eq!(verifier.verify_at(BODY, headers(&signature), 1_003).unwrap_err().kind(), ErrorKind::WebhookTooOld);
        assert_eq!(
            verifier.verify_at(BODY, headers(&signature), i64::MIN).unwrap_err().kind(),
            ErrorKind::WebhookFromFuture
        );
        assert_eq!(
            verifier.verify_at(BODY, headers(&signature), i64::MAX).unwrap_err().kind(),
            ErrorKind::WebhookTooOld
        );
    }
}
