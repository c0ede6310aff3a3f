//! CDP JWTs: one fresh token per request attempt, bound to its method, host and path.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;

use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use super::key::ApiKey;
use crate::error::{Error, Result};

/// How long a CDP JWT lives, in seconds.
pub const JWT_LIFETIME_SECS: u64 = 120;

#[derive(Serialize)]
struct Header<'a> {
    alg: &'a str,
    kid: &'a str,
    typ: &'a str,
    nonce: &'a str,
}

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    iss: &'a str,
    nbf: u64,
    iat: u64,
    exp: u64,
    uris: [&'a str; 1],
}

/// Signs a CDP JWT for one request: `uri` is `"<METHOD> <host><path>"`, e.g.
/// `"POST api.cdp.coinbase.com/platform/v2/payment-sessions/…/captures"`.
///
/// `now` is seconds since the Unix epoch (the caller passes the clock so tests are exact).
pub fn sign_jwt(key: &ApiKey, uri: &str, now: u64) -> String {
    let nonce = hex::encode(rand::random::<[u8; 16]>());
    let header = Header { alg: key.key.algorithm(), kid: &key.id, typ: "JWT", nonce: &nonce };
    let claims = Claims { sub: &key.id, iss: "cdp", nbf: now, iat: now, exp: now + JWT_LIFETIME_SECS, uris: [uri] };
    let mut token = String::with_capacity(512);
    // Serializing these plain structs of strings and integers cannot fail.
    URL_SAFE_NO_PAD.encode_string(serde_json::to_vec(&header).expect("header serializes"), &mut token);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(serde_json::to_vec(&claims).expect("claims serialize"), &mut token);
    let signature = key.key.sign(token.as_bytes());
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(signature, &mut token);
    token
}

/// The `uris` entry for a request: method, then host and path without scheme or query.
/// A non-default port is kept, as in `host:port`.
pub fn request_uri(method: &str, url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{method} {host}:{port}{}", url.path()),
        None => format!("{method} {host}{}", url.path()),
    }
}

/// A CDP JWT for one request, for a back end that mints tokens (e.g. for an app's
/// [`TokenProvider`](super::TokenProvider)) or calls a CDP endpoint this client does not wrap.
///
/// `method` is an HTTP method in capitals, `host` is the API host (with `:port` when not
/// the default, no scheme) and `path` starts with `/` and has no query. Parsed keys are kept
/// (see [`parsed_key`]), so a back end that signs with one key over and over pays for the
/// parse once.
pub fn generate_jwt(api_key_id: &str, api_key_secret: &str, method: &str, host: &str, path: &str) -> Result<String> {
    const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
    if !METHODS.contains(&method) {
        return Err(Error::invalid("request_method", "must be one of GET, POST, PUT, PATCH, DELETE"));
    }
    if host.is_empty() || host.contains("://") || host.contains('/') || !host.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid(
            "request_host",
            "must be a host name, with :port when not the default, and no scheme or path",
        ));
    }
    if !path.starts_with('/') || path.contains('?') || !path.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid("request_path", "must start with / and have no query or whitespace"));
    }
    let key = parsed_key(api_key_id, api_key_secret)?;
    Ok(sign_jwt_now(&key, &format!("{method} {host}{path}")))
}

/// [`sign_jwt`] at the current time.
pub(crate) fn sign_jwt_now(key: &ApiKey, uri: &str) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    sign_jwt(key, uri, now)
}

/// How many parsed keys [`generate_jwt`] keeps.
const PARSED_KEYS_KEPT: usize = 8;

/// Parsed keys, newest last, by id and SHA-256 of the secret (the secret itself is not kept
/// beyond the parsed key, which wipes itself when dropped).
static PARSED_KEYS: Mutex<Vec<KeptKey>> = Mutex::new(Vec::new());

/// A key id, the SHA-256 of its secret, and the parsed key.
type KeptKey = (String, [u8; 32], Arc<ApiKey>);

/// The parsed key for this id and secret: parsing a P-256 PEM costs several times a
/// signature, and the official SDKs pay it on every token.
fn parsed_key(id: &str, secret: &str) -> Result<Arc<ApiKey>> {
    let digest: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
    let lock = || PARSED_KEYS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, _, key)) = lock().iter().find(|(kept_id, kept, _)| kept_id == id && *kept == digest) {
        return Ok(key.clone());
    }
    let key = Arc::new(ApiKey::new(id, secret)?);
    let mut kept = lock();
    if kept.len() == PARSED_KEYS_KEPT {
        kept.remove(0);
    }
    kept.push((id.to_owned(), digest, key.clone()));
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::key::tests::{ec_sec1_pem, ed25519_secret};
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};

    const URI: &str = "POST api.cdp.coinbase.com/platform/v2/payment-sessions/paymentSession_82c879c1-84e1-44ed-a8c2-1ac239cf09ad/captures";

    fn now() -> u64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
    }

    fn decoding_key(key: &ApiKey) -> (DecodingKey, Algorithm) {
        match key.public_key() {
            crate::auth::PublicKey::Ed25519 { x } => {
                (DecodingKey::from_ed_components(&URL_SAFE_NO_PAD.encode(x)).unwrap(), Algorithm::EdDSA)
            }
            crate::auth::PublicKey::P256 { x, y } => (
                DecodingKey::from_ec_components(&URL_SAFE_NO_PAD.encode(x), &URL_SAFE_NO_PAD.encode(y)).unwrap(),
                Algorithm::ES256,
            ),
        }
    }

    fn verify_exact(key: &ApiKey) {
        let now = now();
        let token = sign_jwt(key, URI, now);
        let (decoding, alg) = decoding_key(key);
        let mut validation = Validation::new(alg);
        validation.set_issuer(&["cdp"]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "sub"]);
        validation.validate_nbf = true;
        let data = jsonwebtoken::decode::<serde_json::Value>(&token, &decoding, &validation)
            .expect("token verifies with the public key");

        let header_json: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap()).unwrap();
        let nonce = header_json["nonce"].as_str().unwrap();
        assert_eq!(nonce.len(), 32);
        assert!(nonce.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(
            header_json.as_object().unwrap().keys().cloned().collect::<Vec<_>>(),
            ["alg", "kid", "nonce", "typ"]
        );
        assert_eq!(header_json["alg"], key.algorithm());
        assert_eq!(header_json["kid"], key.id());
        assert_eq!(header_json["typ"], "JWT");

        let claims = data.claims;
        assert_eq!(
            claims,
            serde_json::json!({
                "sub": key.id(), "iss": "cdp", "nbf": now, "iat": now, "exp": now + 120, "uris": [URI]
            })
        );
    }

    #[test]
    fn ed25519_tokens_verify_with_exact_header_and_claims() {
        verify_exact(&ApiKey::new("2c1e5cb1-e2a6-4b6a-9f0a-0d2b5c5e8f11", &ed25519_secret()).unwrap());
    }

    #[test]
    fn es256_tokens_verify_with_exact_header_and_claims() {
        verify_exact(&ApiKey::new("organizations/org-1/apiKeys/key-1", &ec_sec1_pem()).unwrap());
    }

    #[test]
    fn every_token_has_a_fresh_nonce() {
        let key = ApiKey::new("k", &ed25519_secret()).unwrap();
        let a = sign_jwt(&key, URI, 1_700_000_000);
        let b = sign_jwt(&key, URI, 1_700_000_000);
        assert_ne!(a.split('.').next(), b.split('.').next());
    }

    #[test]
    fn a_token_signed_by_another_key_fails_verification() {
        let signer = ApiKey::new("k", &ed25519_secret()).unwrap();
        let other = ApiKey::new(
            "k",
            &base64::engine::general_purpose::STANDARD
                .encode(ed25519_dalek::SigningKey::from_bytes(&[8u8; 32]).to_keypair_bytes()),
        )
        .unwrap();
        let token = sign_jwt(&signer, URI, now());
        let (decoding, alg) = decoding_key(&other);
        let mut validation = Validation::new(alg);
        validation.set_required_spec_claims(&["exp"]);
        assert!(jsonwebtoken::decode::<serde_json::Value>(&token, &decoding, &validation).is_err());
    }

    #[test]
    fn request_uri_is_method_host_and_path() {
        let url = url::Url::parse("https://api.cdp.coinbase.com/platform/v2/x?pageSize=2").unwrap();
        assert_eq!(request_uri("GET", &url), "GET api.cdp.coinbase.com/platform/v2/x");
        let local = url::Url::parse("http://127.0.0.1:8123/platform/v2/x").unwrap();
        assert_eq!(request_uri("POST", &local), "POST 127.0.0.1:8123/platform/v2/x");
    }

    #[test]
    fn generate_jwt_binds_the_request_and_names_bad_fields() {
        let token = generate_jwt("k", &ec_sec1_pem(), "POST", "127.0.0.1:8123", "/platform/v2/x").unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap();
        assert_eq!(claims["uris"], serde_json::json!(["POST 127.0.0.1:8123/platform/v2/x"]));
        let (decoding, alg) = decoding_key(&ApiKey::new("k", &ec_sec1_pem()).unwrap());
        let mut validation = Validation::new(alg);
        validation.set_required_spec_claims(&["exp"]);
        jsonwebtoken::decode::<serde_json::Value>(&token, &decoding, &validation).expect("verifies");

        let secret = ed25519_secret();
        for (method, host, path, field) in [
            ("post", "h", "/p", "request_method"),
            ("POST", "https://h", "/p", "request_host"),
            ("POST", "h/p", "/p", "request_host"),
            ("POST", "", "/p", "request_host"),
            ("POST", "h", "p", "request_path"),
            ("POST", "h", "/p?x=1", "request_path"),
            ("POST", "h", "/p q", "request_path"),
        ] {
            let error = generate_jwt("k", &secret, method, host, path).unwrap_err();
            assert_eq!(error.kind(), crate::ErrorKind::InvalidRequest, "{method} {host} {path}");
            assert!(error.message().contains(field), "{}", error.message());
        }
        // Kept keys are told apart by their secret, not only by their id.
        let other = base64::engine::general_purpose::STANDARD
            .encode(ed25519_dalek::SigningKey::from_bytes(&[8u8; 32]).to_keypair_bytes());
        for secret in [ed25519_secret(), other.clone(), ed25519_secret(), other] {
            let token = generate_jwt("same-id", &secret, "GET", "h", "/p").unwrap();
            let (decoding, alg) = decoding_key(&ApiKey::new("same-id", &secret).unwrap());
            let mut validation = Validation::new(alg);
            validation.set_required_spec_claims(&["exp"]);
            jsonwebtoken::decode::<serde_json::Value>(&token, &decoding, &validation).expect("signed by this secret");
        }
        let error = generate_jwt("k", "not a key", "GET", "h", "/p").unwrap_err();
        assert_eq!(error.kind(), crate::ErrorKind::Configuration);
    }
}
