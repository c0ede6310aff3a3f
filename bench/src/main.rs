//! `capturekit-bench <contender> <workload> <config.json>`: one contender of the side-by-side
//! benchmark, driven by `bench/run.py`, which prints one JSON object on stdout.
//!
//! Contenders: `core` (the capturekit client) and `floor` (a bare reqwest loop that sends
//! the same requests: a fresh JWT and idempotency key per request, the JSON answer decoded
//! and nothing else). The workloads and their output are described in `bench/README.md`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use capturekit::auth::{request_uri, sign_jwt, JwtSigner};
use capturekit::{ApiKey, CaptureRequest, Client, Decimal};
use serde_json::{json, Value};

/// What `bench/run.py` passes to every contender (see `bench/README.md`).
struct Config {
    base_url: String,
    key_file: String,
    sessions: Vec<String>,
    pairs: usize,
    warmup: usize,
    concurrency: usize,
    seconds: f64,
    warmup_seconds: f64,
    jwt_keys: Vec<(String, String, String)>,
    jwt_tokens: usize,
}

impl Config {
    fn read(path: &str) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        let v: Value = serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
        let text_of = |field: &str| v[field].as_str().map(str::to_owned).ok_or(format!("config: {field} missing"));
        let number = |field: &str| v[field].as_u64().map(|n| n as usize).ok_or(format!("config: {field} missing"));
        let jwt_keys = v["jwtKeys"]
            .as_array()
            .ok_or("config: jwtKeys missing")?
            .iter()
            .map(|k| {
                let field = |name: &str| k[name].as_str().unwrap_or_default().to_owned();
                (field("alg"), field("id"), field("secret"))
            })
            .collect();
        let sessions = v["sessions"].as_array().ok_or("config: sessions missing")?;
        Ok(Config {
            base_url: text_of("baseUrl")?,
            key_file: text_of("keyFile")?,
            sessions: sessions.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect(),
            pairs: number("pairs")?,
            warmup: number("warmup")?,
            concurrency: number("concurrency")?,
            seconds: v["seconds"].as_f64().ok_or("config: seconds missing")?,
            warmup_seconds: v["warmupSeconds"].as_f64().ok_or("config: warmupSeconds missing")?,
            jwt_keys,
            jwt_tokens: number("jwtTokens")?,
        })
    }
}

/// One create-capture-then-get-capture pair, as each contender does it.
trait Pair: Send + Sync + 'static {
    fn pair(&self, session: &str) -> impl std::future::Future<Output = Result<(), String>> + Send;
}

/// The capturekit client.
struct Core(Client);

impl Pair for Core {
    #[allow(clippy::manual_async_fn)]
    fn pair(&self, session: &str) -> impl std::future::Future<Output = Result<(), String>> + Send {
        async move {
            let sessions = self.0.payment_sessions();
            let request = CaptureRequest::amount(Decimal::new(1, 2)).final_capture(false);
            let capture = sessions.capture(session, request).await.map_err(|e| e.to_string())?;
            sessions.get_capture(session, &capture.capture_id).await.map_err(|e| e.to_string())?;
            Ok(())
        }
    }
}

/// The floor: reqwest, a fresh JWT and idempotency key per request, the JSON decoded.
struct Floor {
    http: reqwest::Client,
    key: ApiKey,
    base_url: String,
}

impl Floor {
    async fn send(&self, method: reqwest::Method, url: String, body: Option<&'static str>) -> Result<Value, String> {
        let parsed = url::Url::parse(&url).map_err(|e| e.to_string())?;
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs();
        let token = sign_jwt(&self.key, &request_uri(method.as_str(), &parsed), now);
        let mut request = self
            .http
            .request(method, parsed)
            .header("authorization", format!("Bearer {token}"))
            .header("accept", "application/json");
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .header("x-idempotency-key", capturekit::new_idempotency_key())
                .body(body);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("HTTP {}", response.status()));
        }
        response.json().await.map_err(|e| e.to_string())
    }
}

impl Pair for Floor {
    #[allow(clippy::manual_async_fn)]
    fn pair(&self, session: &str) -> impl std::future::Future<Output = Result<(), String>> + Send {
        async move {
            let captures = format!("{}/v2/payment-sessions/{session}/captures", self.base_url);
            let body = r#"{"amount":"0.01","finalCapture":false}"#;
            let capture = self.send(reqwest::Method::POST, captures.clone(), Some(body)).await?;
            let id = capture["captureId"].as_str().ok_or("no captureId in the answer")?;
            self.send(reqwest::Method::GET, format!("{captures}/{id}"), None).await?;
            Ok(())
        }
    }
}

/// CPU time (user and system) this process has used so far, in microseconds.
fn cpu_us() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let us = |t: libc::timeval| t.tv_sec as f64 * 1e6 + t.tv_usec as f64;
    us(usage.ru_utime) + us(usage.ru_stime)
}

/// Workload 1: pairs one after another; every pair's latency in microseconds.
async fn sequential(contender: &impl Pair, config: &Config) -> Result<Value, String> {
    let session = &config.sessions[0];
    for _ in 0..config.warmup {
        contender.pair(session).await?;
    }
    let mut latencies = Vec::with_capacity(config.pairs);
    let cpu = cpu_us();
    for _ in 0..config.pairs {
        let start = Instant::now();
        contender.pair(session).await?;
        latencies.push(start.elapsed().as_secs_f64() * 1e6);
    }
    Ok(json!({ "latenciesUs": latencies, "cpuUs": cpu_us() - cpu }))
}

/// Workload 2: `concurrency` workers make pairs until `seconds` have passed (a pair under
/// way then is finished and counted); the pairs made and the wall time they took.
async fn concurrent<P: Pair>(contender: Arc<P>, config: &Config) -> Result<Value, String> {
    let session = Arc::new(config.sessions[0].clone());
    let run = |seconds: f64| {
        let deadline = Instant::now() + std::time::Duration::from_secs_f64(seconds);
        let made = Arc::new(AtomicUsize::new(0));
        let workers: Vec<_> = (0..config.concurrency)
            .map(|_| {
                let (contender, session, made) = (contender.clone(), session.clone(), made.clone());
                tokio::spawn(async move {
                    while Instant::now() < deadline {
                        contender.pair(&session).await?;
                        made.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok::<(), String>(())
                })
            })
            .collect();
        async move {
            for worker in workers {
                worker.await.map_err(|e| e.to_string())??;
            }
            Ok::<usize, String>(made.load(Ordering::Relaxed))
        }
    };
    run(config.warmup_seconds).await?;
    let (start, cpu) = (Instant::now(), cpu_us());
    let pairs = run(config.seconds).await?;
    Ok(json!({ "pairs": pairs, "seconds": start.elapsed().as_secs_f64(), "cpuUs": cpu_us() - cpu }))
}

/// Workload 3: microseconds per token through a kept `JwtSigner` (the key parsed once), per
/// algorithm:
/// the fastest of five batches, which is the cost with the least interference from others
/// on a shared machine (every contender is measured the same way).
fn jwt(config: &Config) -> Result<Value, String> {
    let mut result = serde_json::Map::new();
    for (alg, id, secret) in &config.jwt_keys {
        let signer = JwtSigner::new(id, secret).map_err(|e| e.to_string())?;
        let sign = || signer.sign("POST", "api.cdp.coinbase.com", "/platform/v2/payment-sessions/x/captures");
        for _ in 0..config.jwt_tokens / 10 + 1 {
            sign().map_err(|e| e.to_string())?;
        }
        let batch = (config.jwt_tokens / JWT_BATCHES).max(1);
        let mut fastest = f64::INFINITY;
        for _ in 0..JWT_BATCHES {
            let start = Instant::now();
            for _ in 0..batch {
                std::hint::black_box(sign().map_err(|e| e.to_string())?);
            }
            fastest = fastest.min(start.elapsed().as_secs_f64() * 1e6 / batch as f64);
        }
        result.insert(alg.clone(), json!(fastest));
    }
    Ok(Value::Object(result))
}

/// How many batches workload 3 splits its tokens into.
const JWT_BATCHES: usize = 5;

fn core_client(config: &Config) -> Result<Client, String> {
    Client::builder().base_url(&config.base_url).key_file(&config.key_file).build().map_err(|e| e.to_string())
}

fn floor(config: &Config) -> Result<Floor, String> {
    Ok(Floor {
        http: reqwest::Client::new(),
        key: ApiKey::from_json_file(&config.key_file).map_err(|e| e.to_string())?,
        base_url: config.base_url.clone(),
    })
}

async fn run(contender: &str, workload: &str, config: &Config) -> Result<Value, String> {
    match (contender, workload) {
        ("core", "sequential") => sequential(&Core(core_client(config)?), config).await,
        ("floor", "sequential") => sequential(&floor(config)?, config).await,
        ("core", "concurrent") => concurrent(Arc::new(Core(core_client(config)?)), config).await,
        ("floor", "concurrent") => concurrent(Arc::new(floor(config)?), config).await,
        ("core", "jwt") => jwt(config),
        _ => Err(format!("no workload {workload} for contender {contender}")),
    }
}

/// Workload 4 for Rust: the process starts, builds a client and exits; the in-process part
/// is the client build (there is no import).
fn cold(config_path: &str) -> Result<Value, String> {
    let start = Instant::now();
    let config = Config::read(config_path)?;
    std::hint::black_box(core_client(&config)?);
    let elapsed_ms = start.elapsed().as_secs_f64() * 1e3;
    Ok(json!({ "importAndClientMs": elapsed_ms, "peakRssMb": peak_rss_mb()? }))
}

/// This process's peak resident memory (VmHWM). Not `ru_maxrss`: Linux carries that over
/// from the parent across exec, so it never reads lower than the parent's.
fn peak_rss_mb() -> Result<f64, String> {
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| e.to_string())?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).ok_or("no VmHWM in /proc/self/status")?;
    let kb: f64 = line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).ok_or("unreadable VmHWM")?;
    Ok(kb / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, contender, workload, config_path] = args.as_slice() else {
        eprintln!("usage: capturekit-bench <core|floor> <sequential|concurrent|jwt|cold> <config.json>");
        std::process::exit(2);
    };
    let result = if workload == "cold" {
        cold(config_path)
    } else {
        Config::read(config_path).and_then(|config| {
            let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
            runtime.block_on(run(contender, workload, &config))
        })
    };
    match result {
        Ok(value) => println!("{value}"),
        Err(message) => {
            eprintln!("capturekit-bench {contender} {workload}: {message}");
            std::process::exit(1);
        }
    }
}
