//! CDP API keys: parsing every secret format the official SDKs accept, once.

use std::fmt;
use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ed25519_dalek::pkcs8::DecodePrivateKey as _;
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_FIXED_SIGNING};
use zeroize::Zeroizing;

use super::wiped_box::WipedBox;
use crate::error::{Error, Result};

/// The formats a CDP API key secret may take, quoted in every key error.
pub(crate) const ACCEPTED_FORMATS: &str = "an Ed25519 key as standard base64 of 64 bytes \
(32-byte seed then 32-byte public key), or an EC P-256 key in PEM \
(\"-----BEGIN EC PRIVATE KEY-----\" SEC1 or \"-----BEGIN PRIVATE KEY-----\" PKCS#8; literal \\n line breaks are accepted)";

/// A parsed signing key, ready to sign without parsing again.
///
/// Ed25519 signs with ed25519-dalek, whose precomputed base-point tables made a signature
/// about a fifth cheaper than ring's here (bench/analysis.md); its key wipes itself when
/// dropped. ES256 signs with ring, whose key pairs do not zeroize themselves, so each lives
/// in a [`WipedBox`] that wipes it when freed.
pub(crate) enum SigningKey {
    /// `alg: EdDSA`.
    Ed25519(Box<ed25519_dalek::SigningKey>),
    /// `alg: ES256`.
    Es256(WipedBox<EcdsaKeyPair>, SystemRandom),
}

impl SigningKey {
    /// The JWT `alg` header for this key.
    pub(crate) fn algorithm(&self) -> &'static str {
        match self {
            SigningKey::Ed25519(_) => "EdDSA",
            SigningKey::Es256(..) => "ES256",
        }
    }

    /// Signs `message`: 64 bytes for both algorithms (ES256 as fixed-size r || s).
    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self {
            SigningKey::Ed25519(key) => ed25519_dalek::Signer::sign(key.as_ref(), message).to_bytes().to_vec(),
            // ring fails only when the system RNG does, which leaves no way to sign at all.
            SigningKey::Es256(pair, rng) => {
                pair.sign(rng, message).expect("system random source works").as_ref().to_vec()
            }
        }
    }

    fn ed25519(seed: &[u8], public: &[u8]) -> Result<Self> {
        let seed: &[u8; 32] = seed.try_into().map_err(|_| bad_key("an Ed25519 seed is 32 bytes"))?;
        let key = Box::new(ed25519_dalek::SigningKey::from_bytes(seed));
        if key.verifying_key().as_bytes()[..] != *public {
            return Err(bad_key("the public half of the Ed25519 key does not match its seed"));
        }
        Ok(SigningKey::Ed25519(key))
    }

    fn es256(secret: &p256::SecretKey) -> Result<Self> {
        let scalar = Zeroizing::new(secret.to_bytes());
        let public = secret.public_key().to_encoded_point(false);
        let rng = SystemRandom::new();
        let pair = EcdsaKeyPair::from_private_key_and_public_key(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            &scalar[..],
            public.as_bytes(),
            &rng,
        )
        .map_err(|_| bad_key("the EC key is not a valid P-256 key"))?;
        Ok(SigningKey::Es256(WipedBox::new(pair), rng))
    }
}

/// A CDP API key: its id (the JWT `kid` and `sub`) and its parsed secret.
///
/// `Debug` shows the id and algorithm only; the secret is never printed.
pub struct ApiKey {
    pub(crate) id: String,
    pub(crate) key: SigningKey,
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKey")
            .field("id", &self.id)
            .field("algorithm", &self.key.algorithm())
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl ApiKey {
    /// Parses a key id and secret. The secret is either an Ed25519 key (base64 of 64 bytes)
    /// or an EC P-256 PEM (SEC1 or PKCS#8, literal `\n` accepted).
    ///
    /// A malformed secret gives a `configuration` error that lists the accepted formats and
    /// never echoes the secret.
    pub fn new(id: &str, secret: &str) -> Result<Self> {
        let id = id.trim();
        if id.is_empty() {
            return Err(Error::configuration("api key id: must not be empty"));
        }
        if !id.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::configuration(
                "api key id: must be visible ASCII (a UUID or organizations/{org}/apiKeys/{id})",
            ));
        }
        let key = parse_secret(secret)?;
        Ok(ApiKey { id: id.to_owned(), key })
    }

    /// Reads the key JSON file the CDP portal hands out: `{"id"|"name": ..., "privateKey": ...}`.
    pub fn from_json_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = read_key_file(path)
            .map_err(|e| Error::configuration(format!("key file {}: cannot be read: {e}", path.display())))?;
        Self::from_json(&text)
            .map_err(|e| Error::configuration(format!("key file {}: {}", path.display(), e.message())))
    }

    /// Parses the text of a CDP key JSON file (see [`ApiKey::from_json_file`]).
    pub fn from_json(text: &str) -> Result<Self> {
        #[derive(serde::Deserialize)]
        struct KeyFile {
            id: Option<String>,
            name: Option<String>,
            #[serde(rename = "privateKey")]
            private_key: Option<Zeroizing<String>>,
        }
        // serde_json's error may quote the input, so it is not passed on.
        let file: KeyFile = serde_json::from_str(text).map_err(|_| {
            Error::configuration("not a JSON object with \"id\" (or \"name\") and \"privateKey\" strings")
        })?;
        let id = file.id.or(file.name).ok_or_else(|| Error::configuration("missing \"id\" (or \"name\")"))?;
        let secret = file.private_key.ok_or_else(|| Error::configuration("missing \"privateKey\""))?;
        Self::new(&id, &secret)
    }

    /// The key id, as sent in the JWT `kid` header and `sub` claim.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The JWT algorithm this key signs with: `"EdDSA"` or `"ES256"`.
    pub fn algorithm(&self) -> &'static str {
        self.key.algorithm()
    }

    /// The public half of the key, to verify its tokens (the emulator does).
    pub fn public_key(&self) -> PublicKey {
        match &self.key {
            SigningKey::Ed25519(key) => PublicKey::Ed25519 { x: key.verifying_key().to_bytes() },
            SigningKey::Es256(pair, _) => {
                // ring gives the uncompressed point: 0x04, then x and y of 32 bytes each.
                let point = pair.public_key().as_ref();
                let mut x = [0u8; 32];
                let mut y = [0u8; 32];
                x.copy_from_slice(&point[1..33]);
                y.copy_from_slice(&point[33..65]);
                PublicKey::P256 { x, y }
            }
        }
    }
}

/// The public half of an [`ApiKey`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// An Ed25519 public key (`alg: EdDSA`).
    Ed25519 {
        /// The 32-byte public key.
        x: [u8; 32],
    },
    /// A P-256 public key (`alg: ES256`).
    P256 {
        /// The affine x coordinate, big-endian.
        x: [u8; 32],
        /// The affine y coordinate, big-endian.
        y: [u8; 32],
    },
}

fn parse_secret(secret: &str) -> Result<SigningKey> {
    let secret = secret.trim();
    if secret.contains("-----BEGIN") {
        parse_ec_pem(secret)
    } else {
        parse_ed25519_base64(secret)
    }
}

fn bad_key(what: &str) -> Error {
    Error::configuration(format!("api key secret: {what}; expected {ACCEPTED_FORMATS}"))
}

fn parse_ed25519_base64(secret: &str) -> Result<SigningKey> {
    let bytes = Zeroizing::new(STANDARD.decode(secret).map_err(|_| bad_key("not a PEM block and not valid base64"))?);
    if bytes.len() != 64 {
        return Err(bad_key(&format!("base64 decodes to {} bytes, not 64", bytes.len())));
    }
    SigningKey::ed25519(&bytes[..32], &bytes[32..])
}

fn parse_ec_pem(secret: &str) -> Result<SigningKey> {
    // Env files often hold the PEM on one line with literal "\n".
    let pem = Zeroizing::new(secret.replace("\\n", "\n"));
    if pem.contains("BEGIN EC PRIVATE KEY") {
        let key = p256::SecretKey::from_sec1_pem(&pem)
            .map_err(|_| bad_key("the EC PRIVATE KEY PEM is not a valid P-256 key"))?;
        return SigningKey::es256(&key);
    }
    if pem.contains("BEGIN PRIVATE KEY") {
        if let Ok(key) = p256::SecretKey::from_pkcs8_pem(&pem) {
            return SigningKey::es256(&key);
        }
        // CDP's own keys are P-256 in PEM; an Ed25519 PKCS#8 PEM is accepted too.
        if let Ok(key) = ed25519_dalek::SigningKey::from_pkcs8_pem(&pem) {
            return SigningKey::ed25519(key.as_bytes(), key.verifying_key().as_bytes());
        }
        return Err(bad_key("the PRIVATE KEY PEM is neither a P-256 nor an Ed25519 PKCS#8 key"));
    }
    Err(bad_key("unsupported PEM block"))
}

/// The largest key file read: a CDP key file is a few hundred bytes, so anything larger is
/// not one (and `/dev/urandom` or a log file given by mistake is never read without end).
pub const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;

/// Reads at most [`MAX_KEY_FILE_BYTES`] of UTF-8 text from `path`, into memory wiped on drop.
fn read_key_file(path: &Path) -> std::io::Result<Zeroizing<String>> {
    use std::io::Read;
    let mut bytes = Zeroizing::new(Vec::new());
    std::fs::File::open(path)?.take(MAX_KEY_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_KEY_FILE_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {MAX_KEY_FILE_BYTES} bytes, so not a CDP key file"),
        ));
    }
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))?;
    Ok(Zeroizing::new(text.to_owned()))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use p256::pkcs8::{EncodePrivateKey, LineEnding};

    /// A fixed Ed25519 test key as the CDP portal would print it (base64 of seed + public).
    pub(crate) fn ed25519_secret() -> String {
        let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        STANDARD.encode(key.to_keypair_bytes())
    }

    /// A fixed P-256 test key in SEC1 PEM.
    pub(crate) fn ec_sec1_pem() -> String {
        let key = p256::SecretKey::from_slice(&[9u8; 32]).unwrap();
        key.to_sec1_pem(LineEnding::LF).unwrap().to_string()
    }

    #[test]
    fn accepts_every_format() {
        let ed = ApiKey::new("key-1", &ed25519_secret()).unwrap();
        assert_eq!(ed.algorithm(), "EdDSA");

        let sec1 = ApiKey::new("key-2", &ec_sec1_pem()).unwrap();
        assert_eq!(sec1.algorithm(), "ES256");

        let one_line = ec_sec1_pem().replace('\n', "\\n");
        assert!(!one_line.contains('\n'));
        assert_eq!(ApiKey::new("key-3", &one_line).unwrap().algorithm(), "ES256");

        let secret = p256::SecretKey::from_slice(&[9u8; 32]).unwrap();
        let pkcs8 = secret.to_pkcs8_pem(LineEnding::LF).unwrap();
        assert!(pkcs8.contains("BEGIN PRIVATE KEY"));
        assert_eq!(ApiKey::new("key-4", &pkcs8).unwrap().algorithm(), "ES256");

        let ed_pkcs8 = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]).to_pkcs8_pem(LineEnding::LF).unwrap();
        assert_eq!(ApiKey::new("key-5", &ed_pkcs8).unwrap().algorithm(), "EdDSA");
    }

    #[test]
    fn key_json_file_with_id_or_name() {
        let by_name = serde_json::json!({"name": "organizations/o/apiKeys/k", "privateKey": ec_sec1_pem()});
        let key = ApiKey::from_json(&by_name.to_string()).unwrap();
        assert_eq!(key.id(), "organizations/o/apiKeys/k");
        let by_id = serde_json::json!({"id": "k-uuid", "privateKey": ed25519_secret()});
        assert_eq!(ApiKey::from_json(&by_id.to_string()).unwrap().id(), "k-uuid");

        let dir = std::env::temp_dir().join(format!("ck-key-{}", std::process::id()));
        std::fs::write(&dir, by_id.to_string()).unwrap();
        assert_eq!(ApiKey::from_json_file(&dir).unwrap().algorithm(), "EdDSA");
        std::fs::remove_file(&dir).unwrap();

        let missing = ApiKey::from_json(r#"{"id": "x"}"#).unwrap_err();
        assert!(missing.message().contains("privateKey"), "{}", missing.message());
    }

    #[test]
    fn a_key_file_is_read_up_to_a_bound() {
        // An endless file given by mistake (issue 14: once read 1.3 GB in 5 s).
        let endless = ApiKey::from_json_file("/dev/zero").unwrap_err();
        assert!(endless.message().contains("larger than 65536 bytes"), "{}", endless.message());
        let path = std::env::temp_dir().join(format!("ck-big-key-{}", std::process::id()));
        std::fs::write(&path, vec![b' '; MAX_KEY_FILE_BYTES as usize + 1]).unwrap();
        let big = ApiKey::from_json_file(&path).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert!(big.message().contains("larger than"), "{}", big.message());
    }

    #[test]
    fn malformed_secrets_name_the_formats_and_never_echo_the_secret() {
        let secret_like = "c2VjcmV0LXNlY3JldC1zZWNyZXQ="; // base64, wrong length
        for bad in [
            secret_like.to_string(),
            "not base64 at all!!".to_string(),
            "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----".to_string(),
            "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----".to_string(),
            STANDARD.encode([1u8; 64]), // public half does not match the seed
        ] {
            let err = ApiKey::new("key", &bad).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Configuration);
            assert!(err.message().contains("Ed25519"), "{}", err.message());
            assert!(err.message().contains("EC PRIVATE KEY"), "{}", err.message());
            assert!(!err.message().contains(&bad), "secret echoed: {}", err.message());
            assert!(!err.message().contains("AAAA"));
        }
        let json_err = ApiKey::from_json(r#"{"id": "k", "privateKey": 12345678}"#).unwrap_err();
        assert!(!json_err.message().contains("12345678"), "{}", json_err.message());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let key = ApiKey::new("key-1", &ed25519_secret()).unwrap();
        let shown = format!("{key:?}");
        assert!(shown.contains("key-1") && shown.contains("<redacted>"));
        assert!(!shown.contains(&ed25519_secret()[..20]));
    }
}
