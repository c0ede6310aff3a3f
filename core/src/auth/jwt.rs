//! CDP JWTs: one fresh token per request attempt, bound to its method, host and path.

use std::path::PathBuf;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use capturekit_macros::record;
use serde::Serialize;
use zeroize::Zeroizing;

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

/// The API key a [`JwtSigner`] signs with: its id and secret, or the CDP key JSON file.
#[record(input)]
#[derive(Default)]
pub struct ApiKeyOptions {
    /// The API key's id; goes with `api_key_secret`.
    pub api_key_id: Option<String>,
    /// The API key's secret (Ed25519 base64 or EC PEM); goes with `api_key_id`.
    pub api_key_secret: Option<Zeroizing<String>>,
    /// The CDP key JSON file, instead of an id and a secret.
    pub key_file: Option<PathBuf>,
}

/// The one request a JWT is for.
#[record(input)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct JwtRequest {
    /// The HTTP method, in capitals (`GET`, `POST`, `PUT`, `PATCH`, `DELETE`).
    pub request_method: String,
    /// The API host, with `:port` when not the default, no scheme (`api.cdp.coinbase.com`).
    pub request_host: String,
    /// The path, from `/`, without a query (`/platform/v2/payment-sessions`).
    pub request_path: String,
}

/// Signs CDP JWTs with one API key, for a back end that mints tokens (e.g. for an app's
/// [`TokenProvider`](super::TokenProvider)) or calls a CDP endpoint this client does not wrap.
///
/// Build it once from a key and sign as often as needed: the key is parsed once (parsing a
/// P-256 PEM costs several signatures). Nothing is kept anywhere else, and the key material
/// is wiped from memory when the signer is dropped.
///
/// ```
/// # fn demo(secret: &str) -> capturekit::Result<()> {
/// let signer = capturekit::auth::JwtSigner::new("organizations/o/apiKeys/k", secret)?;
/// let token = signer.sign("POST", "api.cdp.coinbase.com", "/platform/v2/payment-sessions")?;
/// # Ok(()) }
/// ```
pub struct JwtSigner {
    key: ApiKey,
}

impl std::fmt::Debug for JwtSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtSigner").field("key", &self.key).finish()
    }
}

impl JwtSigner {
    /// A signer for the key `api_key_id` with `api_key_secret` (Ed25519 base64 or EC PEM).
    pub fn new(api_key_id: &str, api_key_secret: &str) -> Result<Self> {
        Ok(JwtSigner { key: ApiKey::new(api_key_id, api_key_secret)? })
    }

    /// A signer for the key `options` names (an id and a secret, or a key file).
    pub fn from_options(options: ApiKeyOptions) -> Result<Self> {
        match (options.api_key_id, options.api_key_secret, options.key_file) {
            (Some(id), Some(secret), None) => Self::new(&id, &secret),
            (None, None, Some(path)) => Self::from_key_file(path),
            _ => Err(Error::configuration("api key: give api_key_id and api_key_secret, or key_file")),
        }
    }

    /// A signer for the key in a CDP key JSON file.
    pub fn from_key_file(path: impl AsRef<std::path::Path>) -> Result<Self> {
        Ok(JwtSigner { key: ApiKey::from_json_file(path)? })
    }

    /// The key's id.
    pub fn key_id(&self) -> &str {
        self.key.id()
    }

    /// A JWT for `request` (see [`Self::sign`]).
    pub fn sign_request(&self, request: &JwtRequest) -> Result<String> {
        self.sign(&request.request_method, &request.request_host, &request.request_path)
    }

    /// A JWT (two minutes, fresh nonce) for one request: `method` is an HTTP method in
    /// capitals, `host` the API host (with `:port` when not the default, no scheme) and `path`
    /// starts with `/` and has no query.
    pub fn sign(&self, method: &str, host: &str, path: &str) -> Result<String> {
        const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
        if !METHODS.contains(&method) {
            return Err(Error::invalid("request_method", "must be one of GET, POST, PUT, PATCH, DELETE"));
        }
        if host.is_empty() || host.contains("://") || host.contains('/') || !host.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(Error::invalid(
                "request_host",
                "must be a host name, with :port when not the default, and no scheme or path",
            ));
        }
        if !path.starts_with('/') || path.contains('?') || !path.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::invalid("request_path", "must start with / and have no query or whitespace"));
        }
        Ok(sign_jwt_now(&self.key, &format!("{method} {host}{path}")))
    }
}

/// A CDP JWT for one request, signed with this API key: a one-shot [`JwtSigner`] that keeps
/// nothing once it returns. To sign many tokens with one key, keep a [`JwtSigner`].
pub fn generate_jwt(api_key_id: &str, api_key_secret: &str, method: &str, host: &str, path: &str) -> Result<String> {
    JwtSigner::new(api_key_id, api_key_secret)?.sign(method, host, path)
}

/// [`sign_jwt`] at the current time.
pub(crate) fn sign_jwt_now(key: &ApiKey, uri: &str) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    sign_jwt(key, uri, now)
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
        // One-shot tokens are signed by the secret given, whatever was signed before.
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
