//! CDP JWTs: one fresh token per request attempt, bound to its method, host and path.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;

use super::key::ApiKey;

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
}
