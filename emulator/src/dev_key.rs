//! `--dev-key`: a key pair generated for local use, written as the CDP key JSON file so
//! clients can load it like a real one.

use std::io;
use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use capturekit::ApiKey;

/// Loads the key file at `path`, or creates it with a new Ed25519 key when it does not exist.
pub fn load_or_create(path: &Path) -> io::Result<ApiKey> {
    if !path.exists() {
        let seed: [u8; 32] = rand::random();
        let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
        let file = serde_json::json!({
            "id": uuid::Uuid::new_v4().to_string(),
            "privateKey": STANDARD.encode(signing.to_keypair_bytes()),
        });
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        write_private(path, &serde_json::to_vec_pretty(&file)?)?;
    }
    ApiKey::from_json_file(path).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?.write_all(bytes)
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    std::fs::write(path, bytes)
}
