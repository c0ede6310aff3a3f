//! The `capturekit-emulator` binary: `--port 0` prints its URL, `--dev-key` writes a key file
//! that a capturekit client can sign with, and the public session API works end to end.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use capturekit::{auth::sign_jwt, CaptureRequest, Client, Decimal};
use serde_json::{json, Value};

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(dev_key: &std::path::Path) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_capturekit-emulator"))
        .args(["--port", "0", "--settle-delay-ms", "50", "--dev-key"])
        .arg(dev_key)
        .stdout(Stdio::piped())
        .spawn()
        .expect("emulator starts");
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first_line).unwrap();
    let url = first_line.trim().strip_prefix("CAPTUREKIT_EMULATOR_URL=").expect("first line names the URL").to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    (Running(child), url)
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

#[tokio::test]
async fn the_binary_serves_the_api_with_a_dev_key() {
    let dir = std::env::temp_dir().join(format!("capturekit-emulator-test-{}", uuid::Uuid::new_v4()));
    let key_path = dir.join("dev-key.json");
    let (_emulator, url) = start(&key_path);
    let key_file: Value = serde_json::from_str(&std::fs::read_to_string(&key_path).unwrap()).unwrap();
    assert!(key_file["id"].is_string() && key_file["privateKey"].is_string());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key_path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    // The public create-session call, signed by hand, with an idempotency key.
    let key = capturekit::ApiKey::from_json_file(&key_path).unwrap();
    let http = reqwest::Client::new();
    let create = |body: Value, idempotency_key: &'static str| {
        let host = url.trim_start_matches("http://").to_owned();
        let token = sign_jwt(&key, &format!("POST {host}/platform/v2/payment-sessions"), now());
        http.post(format!("{url}/platform/v2/payment-sessions"))
            .bearer_auth(token)
            .header("x-idempotency-key", idempotency_key)
            .json(&body)
            .send()
    };
    let body = json!({"amount": "12.00", "asset": "usdc", "target": {"address": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", "network": "base"}});
    let first = create(body.clone(), "create-1").await.unwrap();
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["status"], "created");
    assert_eq!(first["balances"]["capturable"], "0");
    let replay: Value = create(body.clone(), "create-1").await.unwrap().json().await.unwrap();
    assert_eq!(replay, first, "identical replay");
    let descending = json!({"amount": "1", "asset": "usdc", "expiries": {
        "authorizationExpiresAt": "2030-01-02T00:00:00.000Z", "captureExpiresAt": "2030-01-01T00:00:00.000Z"}});
    let refused = create(descending, "create-2").await.unwrap();
    assert_eq!(refused.status(), 400);
    let unsigned = http.post(format!("{url}/platform/v2/payment-sessions")).json(&body).send().await.unwrap();
    assert_eq!(unsigned.status(), 401);
    let error: Value = unsigned.json().await.unwrap();
    assert_eq!(error["errorType"], "unauthorized");
    assert!(error["correlationId"].is_string() && error["errorLink"].is_string());

    // Nothing is capturable until the session is authorized.
    let session_id = first["paymentSessionId"].as_str().unwrap().to_owned();
    let client = Client::builder().base_url(format!("{url}/platform")).key_file(&key_path).build().unwrap();
    let err = client.payment_sessions().capture(&session_id, CaptureRequest::remaining()).await.unwrap_err();
    assert_eq!(err.kind(), capturekit::ErrorKind::NoCapturableBalance);
    let authorized: Value = http
        .post(format!("{url}/_emulator/payment-sessions/{session_id}/authorize"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(authorized["status"], "authorization_succeeded");
    let capture =
        client.payment_sessions().capture(&session_id, CaptureRequest::amount(Decimal::new(7, 0))).await.unwrap();
    let settled = client
        .payment_sessions()
        .wait_for_capture(&session_id, &capture.capture_id, capturekit::WaitOptions::timeout(Duration::from_secs(10)))
        .await
        .unwrap();
    assert_eq!(settled.status, capturekit::CaptureStatus::Succeeded);
    let session = client.payment_sessions().get_session(&session_id).await.unwrap();
    assert_eq!(session.balances.capturable, Decimal::new(5, 0));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A harness may start the emulator with SIGTERM blocked (Foundation's `Process` on Linux
/// does): it must stop on SIGTERM all the same, instead of making its harness wait for ever.
#[cfg(unix)]
#[test]
fn sigterm_stops_it_even_when_started_with_sigterm_blocked() {
    use std::os::unix::process::CommandExt;
    let dir = std::env::temp_dir().join(format!("capturekit-emulator-test-{}", uuid::Uuid::new_v4()));
    let mut command = Command::new(env!("CARGO_BIN_EXE_capturekit-emulator"));
    command.args(["--port", "0", "--dev-key"]).arg(dir.join("dev-key.json")).stdout(Stdio::piped());
    // SAFETY: between fork and exec, only async-signal-safe calls (sigemptyset, sigaddset,
    // sigprocmask) that change this child's own mask.
    unsafe {
        command.pre_exec(|| {
            let mut blocked: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut blocked);
            libc::sigaddset(&mut blocked, libc::SIGTERM);
            libc::sigprocmask(libc::SIG_BLOCK, &blocked, std::ptr::null_mut());
            Ok(())
        });
    }
    let mut child = command.spawn().expect("emulator starts");
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first_line).unwrap();
    assert!(first_line.starts_with("CAPTUREKIT_EMULATOR_URL="), "{first_line}");
    let mut running = Running(child);
    // SAFETY: sends a signal to our own child, whose pid is live until it is waited for.
    unsafe { libc::kill(running.0.id() as libc::pid_t, libc::SIGTERM) };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while running.0.try_wait().unwrap().is_none() {
        assert!(std::time::Instant::now() < deadline, "the emulator ignored SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// With `--stop-on-stdin-close`, the emulator ends when its harness's pipe closes, so that a
/// test run killed before it could stop the emulator leaves no process behind.
#[test]
fn it_stops_when_stdin_closes_if_asked() {
    let dir = std::env::temp_dir().join(format!("capturekit-emulator-test-{}", uuid::Uuid::new_v4()));
    let mut command = Command::new(env!("CARGO_BIN_EXE_capturekit-emulator"));
    command.args(["--port", "0", "--stop-on-stdin-close", "--dev-key"]).arg(dir.join("dev-key.json"));
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("emulator starts");
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first_line).unwrap();
    assert!(first_line.starts_with("CAPTUREKIT_EMULATOR_URL="), "{first_line}");
    let stdin = child.stdin.take().unwrap();
    let mut running = Running(child);
    std::thread::sleep(Duration::from_millis(200));
    assert!(running.0.try_wait().unwrap().is_none(), "the emulator stopped while its stdin was open");
    drop(stdin);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while running.0.try_wait().unwrap().is_none() {
        assert!(std::time::Instant::now() < deadline, "the emulator outlived its stdin");
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = std::fs::remove_dir_all(dir);
}
