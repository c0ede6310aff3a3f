//! `JwtSigner`: the core's signer as a JavaScript object a back end builds once and signs with.

use capturekit::auth::{ApiKeyOptions, JwtRequest};
use capturekit::node::{from_options, Outcome};
use napi::{Env, Unknown};
use napi_derive::napi;

use crate::at_once;

/// Signs CDP JWTs with one API key; the key is parsed once and wiped from memory when the
/// signer is collected. Nothing is kept anywhere else.
#[napi]
pub struct JwtSigner {
    signer: capturekit::auth::JwtSigner,
}

impl capturekit::node::IntoJs for JwtSigner {
    type Js = JwtSigner;
    fn into_js(self) -> JwtSigner {
        self
    }
}

#[napi]
impl JwtSigner {
    /// A signer for `key` (the core's `ApiKeyOptions`: `{ apiKeyId, apiKeySecret }` or
    /// `{ keyFile }`).
    #[napi(ts_return_type = "{ value?: JwtSigner, error?: unknown, description?: string }")]
    pub fn create(env: &Env, key: Option<Unknown<'_>>) -> napi::Result<Outcome<JwtSigner>> {
        Ok(at_once(env, from_options::<ApiKeyOptions>(key.as_ref()))?.and_then(|key| {
            Outcome::from(capturekit::auth::JwtSigner::from_options(key).map(|signer| JwtSigner { signer }))
        }))
    }

    /// A JWT (two minutes, fresh nonce) for one request (the core's `JwtRequest`).
    #[napi(ts_return_type = "{ value?: string, error?: unknown, description?: string }")]
    pub fn sign(&self, env: &Env, request: Option<Unknown<'_>>) -> napi::Result<Outcome<String>> {
        Ok(at_once(env, from_options::<JwtRequest>(request.as_ref()))?
            .and_then(|request| Outcome::from(self.signer.sign_request(&request))))
    }

    /// The key's id.
    #[napi(getter)]
    pub fn key_id(&self) -> String {
        self.signer.key_id().to_owned()
    }
}
