//! `capturekit-emulator`: the emulator as a process, for demos and for tests in any language.

use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use capturekit::ApiKey;
use capturekit_emulator::{dev_key, Emulator, EmulatorConfig};
use clap::Parser;

/// A stateful local emulator of the CDP Payment Sessions capture API.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Port to listen on; 0 picks a free port (it is printed on the first line).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// A CDP key JSON file whose JWTs are accepted (repeatable).
    #[arg(long = "key-file")]
    key_files: Vec<PathBuf>,
    /// Use (or create, when missing) a development key JSON file at this path and accept it.
    #[arg(long = "dev-key")]
    dev_key: Option<PathBuf>,
    /// A static bearer token to accept as is (repeatable).
    #[arg(long = "bearer-token")]
    bearer_tokens: Vec<String>,
    /// A StateSet API key to accept on `/v1/payments/…` (repeatable).
    #[arg(long = "stateset-api-key")]
    stateset_api_keys: Vec<String>,
    /// Milliseconds a new capture, void or refund stays pending before it settles.
    #[arg(long, default_value_t = 1000)]
    settle_delay_ms: u64,
    /// Settle captures, voids and refunds only when told to (POST /_emulator/settle).
    #[arg(long)]
    manual_settle: bool,
    /// Milliseconds a client has to send a request's header, and again its body.
    #[arg(long, default_value_t = 30_000, value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    read_timeout_ms: u64,
    /// Enforce CDP's rate limits per API key (500 writes and 600 reads per rolling 10 s).
    #[arg(long)]
    rate_limits: bool,
    /// Seed the dice of fault rules with a probability below 1, so that they hit the same
    /// requests on every run.
    #[arg(long)]
    seed: Option<u64>,
    /// Stop when standard input closes: a test harness passes a pipe, so that the emulator
    /// ends with it even when the harness is killed before it can stop the emulator.
    #[arg(long)]
    stop_on_stdin_close: bool,
}

fn main() {
    accept_stop_signals();
    if let Err(message) = run(Args::parse()) {
        eprintln!("capturekit-emulator: {message}");
        std::process::exit(2);
    }
}

/// Makes SIGTERM and SIGINT stop the emulator whatever started it. A harness may start a
/// process with them blocked (Foundation's `Process` on Linux hands the child its thread's
/// signal mask, in which SIGTERM is blocked) or ignored, and a blocked mask and ignored signals
/// survive `exec`: such an emulator would never stop, and its harness would wait for ever.
#[cfg(unix)]
fn accept_stop_signals() {
    // SAFETY: runs first in `main`, before any other thread exists; it only empties this
    // thread's signal mask and puts two signals back to their default action.
    unsafe {
        let mut none: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut none);
        libc::pthread_sigmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
        libc::signal(libc::SIGTERM, libc::SIG_DFL);
        libc::signal(libc::SIGINT, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn accept_stop_signals() {}

fn run(args: Args) -> Result<(), String> {
    let mut keys = Vec::new();
    for path in &args.key_files {
        keys.push(ApiKey::from_json_file(path).map_err(|e| e.to_string())?);
    }
    if let Some(path) = &args.dev_key {
        keys.push(dev_key::load_or_create(path).map_err(|e| format!("dev key {}: {e}", path.display()))?);
    }
    if keys.is_empty() && args.bearer_tokens.is_empty() {
        return Err("give at least one --key-file, --dev-key or --bearer-token".into());
    }
    let config = EmulatorConfig {
        port: args.port,
        host: args.host,
        keys,
        bearer_tokens: args.bearer_tokens,
        stateset_api_keys: args.stateset_api_keys,
        settle_delay: (!args.manual_settle).then(|| Duration::from_millis(args.settle_delay_ms)),
        read_timeout: Duration::from_millis(args.read_timeout_ms),
        rate_limits: args.rate_limits,
        seed: args.seed,
    };
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let emulator = Emulator::start(config).await.map_err(|e| format!("cannot listen: {e}"))?;
        // The first line is for scripts: they read the URL from it. Whoever started us may
        // close the pipe after that line, so write errors are ignored, never fatal.
        let mut banner = format!("CAPTUREKIT_EMULATOR_URL={}\n", emulator.url());
        if let Some(path) = &args.dev_key {
            banner.push_str(&format!("dev key file: {}\n", path.display()));
        }
        banner.push_str(&format!(
            "API base URL: {}  (control API: {}/_emulator/)\n",
            emulator.base_url(),
            emulator.url()
        ));
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(banner.as_bytes()).and_then(|_| stdout.flush());
        drop(stdout);
        shutdown_signal(args.stop_on_stdin_close).await;
        emulator.stop().await;
        Ok(())
    })
}

/// Waits for SIGINT or SIGTERM, or (when asked) for standard input to close.
async fn shutdown_signal(stop_on_stdin_close: bool) {
    let ctrl_c = tokio::signal::ctrl_c();
    let stdin_closed = async {
        if stop_on_stdin_close {
            stdin_closed().await
        } else {
            std::future::pending().await
        }
    };
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("signal handler");
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {}, _ = stdin_closed => {} }
    }
    #[cfg(not(unix))]
    tokio::select! { _ = ctrl_c => {}, _ = stdin_closed => {} }
}

/// Resolves when standard input reaches its end (or fails). The read runs on a plain thread,
/// which never holds the process open once `main` returns.
async fn stdin_closed() {
    let (closed, when_closed) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let mut sink = [0u8; 4096];
        let mut stdin = std::io::stdin().lock();
        while matches!(std::io::Read::read(&mut stdin, &mut sink), Ok(n) if n > 0) {}
        let _ = closed.send(());
    });
    let _ = when_closed.await;
}
