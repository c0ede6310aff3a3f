//! Checks the `Authorization` of each API request the way CDP does: an ES256 or EdDSA JWT
//! signed by a known API key, issued by `cdp`, current, and bound to this request's method,
//! host and path. Static bearer tokens may also be allowed (for tests of that mode).

use std::collections::{HashMap, HashSet};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use capturekit::{ApiKey, PublicKey};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::api_error::ApiError;

/// Clock skew allowed on `nbf` and `exp`, in seconds.
pub const LEEWAY_SECS: u64 = 30;
/// The longest lifetime (`exp - nbf`) accepted, in seconds.
pub const MAX_LIFETIME_SECS: u64 = 300;

#[derive(Deserialize)]
struct Claims {
    sub: String,
    nbf: u64,
    exp: u64,
    #[serde(default)]
    uris: Option<Vec<String>>,
    #[serde(default)]
    uri: Option<String>,
}

/// The keys and tokens the emulator accepts.
#[derive(Clone, Default)]
pub struct Verifier {
    keys: HashMap<String, (DecodingKey, Algorithm)>,
    bearer_tokens: HashSet<String>,
}

impl Verifier {
    /// Accepts JWTs signed by `key`.
    pub fn add_key(&mut self, key: &ApiKey) {
        let entry = match key.public_key() {
            PublicKey::Ed25519 { x } => (
                DecodingKey::from_ed_components(&URL_SAFE_NO_PAD.encode(x)).expect("32-byte key encodes"),
                Algorithm::EdDSA,
            ),
            PublicKey::P256 { x, y } => (
                DecodingKey::from_ec_components(&URL_SAFE_NO_PAD.encode(x), &URL_SAFE_NO_PAD.encode(y))
                    .expect("coordinates encode"),
                Algorithm::ES256,
            ),
        };
        self.keys.insert(key.id().to_owned(), entry);
    }

    /// Accepts this static bearer token as is.
    pub fn add_bearer_token(&mut self, token: &str) {
        self.bearer_tokens.insert(token.to_owned());
    }

    /// The principal (API key id, or `bearer`) of an authorized request; 401 otherwise.
    pub fn verify(
        &self,
        authorization: Option<&str>,
        method: &str,
        host: &str,
        path: &str,
    ) -> Result<String, ApiError> {
        let token = authorization
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| ApiError::unauthorized("Missing bearer token in the Authorization header."))?;
        if self.bearer_tokens.contains(token) {
            return Ok("bearer".to_owned());
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| ApiError::unauthorized("Malformed JWT."))?;
        let kid = header.kid.ok_or_else(|| ApiError::unauthorized("JWT header has no kid."))?;
        let (key, alg) = self.keys.get(&kid).ok_or_else(|| ApiError::unauthorized("Unknown API key."))?;
        if header.alg != *alg {
            return Err(ApiError::unauthorized("JWT alg does not match the API key."));
        }
        let mut validation = Validation::new(*alg);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.validate_aud = false;
        validation.set_issuer(&["cdp"]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "sub"]);
        let claims = jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map_err(|e| ApiError::unauthorized(format!("Invalid JWT: {e}.")))?
            .claims;
        if claims.sub != kid {
            return Err(ApiError::unauthorized("JWT sub does not match kid."));
        }
        if claims.exp.saturating_sub(claims.nbf) > MAX_LIFETIME_SECS {
            return Err(ApiError::unauthorized("JWT lives too long."));
        }
        let expected = format!("{method} {host}{path}");
        let bound = match (&claims.uris, &claims.uri) {
            (Some(uris), _) => uris.contains(&expected),
            (None, Some(uri)) => *uri == expected,
            (None, None) => false,
        };
        if !bound {
            return Err(ApiError::unauthorized(format!("JWT uris do not name this request ({expected}).")));
        }
        Ok(kid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use capturekit::auth::sign_jwt;

    fn key() -> ApiKey {
        let signing = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
        ApiKey::new("kid-1", &base64::engine::general_purpose::STANDARD.encode(signing.to_keypair_bytes())).unwrap()
    }

    fn now() -> u64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
    }

    const PATH: &str = "/platform/v2/payment-sessions/x";

    #[test]
    fn accepts_a_bound_token_and_refuses_the_rest() {
        let key = key();
        let mut v = Verifier::default();
        v.add_key(&key);
        let ok = format!("Bearer {}", sign_jwt(&key, &format!("GET 127.0.0.1:1{PATH}"), now()));
        assert_eq!(v.verify(Some(&ok), "GET", "127.0.0.1:1", PATH).unwrap(), "kid-1");
        for (method, host, path) in
            [("POST", "127.0.0.1:1", PATH), ("GET", "127.0.0.1:2", PATH), ("GET", "127.0.0.1:1", "/platform/v2/other")]
        {
            assert_eq!(v.verify(Some(&ok), method, host, path).unwrap_err().status, 401);
        }
        let expired = format!("Bearer {}", sign_jwt(&key, &format!("GET 127.0.0.1:1{PATH}"), now() - 1000));
        assert!(v.verify(Some(&expired), "GET", "127.0.0.1:1", PATH).unwrap_err().message.contains("Invalid JWT"));
        let future = format!("Bearer {}", sign_jwt(&key, &format!("GET 127.0.0.1:1{PATH}"), now() + 600));
        assert_eq!(v.verify(Some(&future), "GET", "127.0.0.1:1", PATH).unwrap_err().status, 401);
        assert_eq!(v.verify(None, "GET", "127.0.0.1:1", PATH).unwrap_err().status, 401);
        assert_eq!(v.verify(Some("Bearer abc"), "GET", "127.0.0.1:1", PATH).unwrap_err().status, 401);

        let stranger = ApiKey::new(
            "kid-1",
            &base64::engine::general_purpose::STANDARD
                .encode(ed25519_dalek::SigningKey::from_bytes(&[4u8; 32]).to_keypair_bytes()),
        )
        .unwrap();
        let forged = format!("Bearer {}", sign_jwt(&stranger, &format!("GET 127.0.0.1:1{PATH}"), now()));
        assert_eq!(v.verify(Some(&forged), "GET", "127.0.0.1:1", PATH).unwrap_err().status, 401);

        v.add_bearer_token("static-token");
        assert_eq!(v.verify(Some("Bearer static-token"), "GET", "h", PATH).unwrap(), "bearer");
    }
}
