//! JWT signing cost per token, EdDSA and ES256 (goal: under 25 µs each).

use base64::Engine;
use capturekit::auth::sign_jwt;
use capturekit::ApiKey;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use p256::pkcs8::LineEnding;

const URI: &str = "POST api.cdp.coinbase.com/platform/v2/payment-sessions/paymentSession_82c879c1-84e1-44ed-a8c2-1ac239cf09ad/captures";

fn keys() -> [(&'static str, ApiKey); 2] {
    let ed = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let ed_secret = base64::engine::general_purpose::STANDARD.encode(ed.to_keypair_bytes());
    let ec_pem = p256::SecretKey::from_slice(&[9u8; 32]).unwrap().to_sec1_pem(LineEnding::LF).unwrap();
    [
        ("EdDSA", ApiKey::new("2c1e5cb1-e2a6-4b6a-9f0a-0d2b5c5e8f11", &ed_secret).unwrap()),
        ("ES256", ApiKey::new("organizations/org/apiKeys/2c1e5cb1-e2a6-4b6a-9f0a-0d2b5c5e8f11", &ec_pem).unwrap()),
    ]
}

fn signing(c: &mut Criterion) {
    let now = 1_763_700_000;
    for (name, key) in keys() {
        c.bench_function(&format!("sign_jwt/{name}"), |b| b.iter(|| sign_jwt(black_box(&key), black_box(URI), now)));
    }
}

criterion_group!(benches, signing);
criterion_main!(benches);
