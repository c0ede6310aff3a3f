//! Delivering events: for each (event, subscription) a task POSTs the event's JSON to the
//! subscription's URL, signed with its secret (`X-Hook0-Signature`, at the real time of each
//! attempt), and retries a non-2xx answer, a connection error or a timeout with exponential
//! backoff. Every delivery and attempt is recorded for `GET /_emulator/webhooks/deliveries`,
//! and the faults of [`super::faults`] are applied here.

use std::collections::{HashMap, VecDeque};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use tokio::sync::watch;

use super::faults::{WebhookFaultSpec, WebhookFaults};
use super::subscriptions::check_loopback_url;
use super::{Routed, Target};
use crate::values::timestamp;

/// How many attempts a delivery gets in all.
pub const MAX_ATTEMPTS: u32 = 8;
/// The wait before the first retry; it doubles after each.
pub const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// The longest wait between attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// How long one attempt may take, answer included.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long an `out_of_order` event waits for a follower before it is sent anyway.
const HOLD_AT_MOST: Duration = Duration::from_secs(1);
/// How many deliveries the log keeps (the oldest are forgotten first).
const MAX_RECORDS: usize = 10_000;
/// Headers the emulator sets itself: a subscription's `target.headers` cannot replace them.
const RESERVED_HEADERS: [&str; 6] =
    ["content-type", "x-hook0-signature", "content-length", "host", "transfer-encoding", "connection"];

/// The webhook deliveries of one emulator: the HTTP client, the delivery log, the faults
/// and the events held back. Cheap to share; every delivery task runs until it is done or
/// the emulator stops.
pub struct Webhooks {
    inner: Arc<Inner>,
}

struct Inner {
    /// Built on first use, then reused.
    client: OnceLock<Result<reqwest::Client, String>>,
    book: Mutex<Book>,
    shutdown: watch::Receiver<bool>,
}

#[derive(Default)]
struct Book {
    log: DeliveryLog,
    faults: WebhookFaults,
    /// Per subscription: the `out_of_order` delivery waiting for the next one.
    held: HashMap<String, Held>,
    next_token: u64,
}

struct Held {
    token: u64,
    job: Job,
}

/// One event's body, shared by its deliveries.
struct Payload {
    event_id: String,
    event_type: String,
    body: Bytes,
}

/// One delivery to run.
struct Job {
    /// Its place in the log.
    seq: u64,
    payload: Arc<Payload>,
    target: Arc<Target>,
    delay: Option<Duration>,
    corrupt_signature: bool,
    /// Deliveries to start once this one's first attempt is answered (or failed).
    then: Vec<Job>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Pending,
    Delivered,
    Failed,
}

impl Outcome {
    fn name(self) -> &'static str {
        match self {
            Outcome::Pending => "pending",
            Outcome::Delivered => "delivered",
            Outcome::Failed => "failed",
        }
    }
}

struct Attempt {
    at: DateTime<Utc>,
    /// The answer's status, or why there was none.
    result: Result<u16, String>,
}

struct Record {
    delivery_id: String,
    event_id: String,
    event_type: String,
    subscription_id: String,
    url: String,
    attempts: Vec<Attempt>,
    outcome: Outcome,
}

impl Record {
    fn json(&self) -> Value {
        let attempts: Vec<Value> = self
            .attempts
            .iter()
            .map(|a| match &a.result {
                Ok(status) => json!({"at": timestamp(a.at), "status": status}),
                Err(error) => json!({"at": timestamp(a.at), "error": error}),
            })
            .collect();
        json!({
            "deliveryId": self.delivery_id,
            "eventId": self.event_id,
            "eventType": self.event_type,
            "subscriptionId": self.subscription_id,
            "url": self.url,
            "attempts": attempts,
            "outcome": self.outcome.name(),
        })
    }
}

/// The deliveries in creation order, the newest [`MAX_RECORDS`] of them.
#[derive(Default)]
struct DeliveryLog {
    records: VecDeque<Record>,
    /// The sequence number of `records[0]`.
    first_seq: u64,
    /// How many deliveries were ever made.
    total: u64,
}

impl DeliveryLog {
    fn open(&mut self, payload: &Payload, target: &Target) -> u64 {
        let seq = self.first_seq + self.records.len() as u64;
        self.records.push_back(Record {
            delivery_id: uuid::Uuid::new_v4().to_string(),
            event_id: payload.event_id.clone(),
            event_type: payload.event_type.clone(),
            subscription_id: target.subscription_id.clone(),
            url: target.url.clone(),
            attempts: Vec::new(),
            outcome: Outcome::Pending,
        });
        if self.records.len() > MAX_RECORDS {
            self.records.pop_front();
            self.first_seq += 1;
        }
        self.total += 1;
        seq
    }

    /// Forgets every record; deliveries under way find theirs gone and record nothing.
    fn forget(&mut self) {
        self.first_seq += self.records.len() as u64;
        self.records.clear();
        self.total = 0;
    }

    fn get_mut(&mut self, seq: u64) -> Option<&mut Record> {
        let index = seq.checked_sub(self.first_seq)?;
        self.records.get_mut(usize::try_from(index).ok()?)
    }
}

impl Book {
    fn job(&mut self, payload: &Arc<Payload>, target: &Arc<Target>) -> Job {
        Job {
            seq: self.log.open(payload, target),
            payload: payload.clone(),
            target: target.clone(),
            delay: None,
            corrupt_signature: false,
            then: Vec::new(),
        }
    }
}

/// Locks a mutex, recovering from poisoning (as `crate::state::lock`, which this module
/// does not import).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Webhooks {
    /// No deliveries yet; every delivery task stops when `shutdown` turns true (or its
    /// sender is dropped).
    pub fn new(shutdown: watch::Receiver<bool>) -> Self {
        Webhooks { inner: Arc::new(Inner { client: OnceLock::new(), book: Mutex::default(), shutdown }) }
    }

    /// Starts delivering these events, in order, applying the faults. Call it from within
    /// the tokio runtime; calls must not overlap if their order matters (the pump
    /// serialises them).
    pub fn dispatch(&self, routed: Vec<Routed>) {
        if routed.is_empty() {
            return;
        }
        let payloads: Vec<(Arc<Payload>, Vec<Arc<Target>>)> = routed
            .into_iter()
            .map(|Routed { event, targets }| {
                let body = Bytes::from(serde_json::to_vec(&event.body).expect("JSON serializes"));
                (Arc::new(Payload { event_id: event.event_id, event_type: event.event_type, body }), targets)
            })
            .collect();
        let mut start = Vec::new();
        let mut holds = Vec::new();
        {
            let mut book = lock(&self.inner.book);
            for (payload, targets) in payloads {
                let effects = book.faults.take(&payload.event_type);
                for target in targets {
                    let mut job = book.job(&payload, &target);
                    job.delay = effects.delay;
                    job.corrupt_signature = effects.corrupt_signature;
                    if effects.duplicate {
                        let copy = book.job(&payload, &target);
                        job.then.push(copy);
                    }
                    let held = book.held.remove(&target.subscription_id).map(|h| h.job);
                    if effects.out_of_order {
                        book.next_token += 1;
                        let token = book.next_token;
                        book.held.insert(target.subscription_id.clone(), Held { token, job });
                        holds.push((target.subscription_id.clone(), token));
                        // An event held before stays in order behind nothing: it goes now.
                        start.extend(held);
                    } else {
                        // An event held back goes once this one's first attempt is answered.
                        job.then.extend(held);
                        start.push(job);
                    }
                }
            }
        }
        for job in start {
            spawn(&self.inner, job);
        }
        for (subscription_id, token) in holds {
            release_later(&self.inner, subscription_id, token);
        }
    }

    /// Adds a fault rule (validated).
    pub fn add_fault(&self, spec: WebhookFaultSpec) {
        lock(&self.inner.book).faults.add(spec);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        lock(&self.inner.book).faults.clear();
    }

    /// Forgets the delivery log, the fault rules and the held-back deliveries (those under
    /// way still finish, unrecorded).
    pub fn reset(&self) {
        let mut book = lock(&self.inner.book);
        book.log.forget();
        book.faults.clear();
        book.held.clear();
    }

    /// `{deliveries: [...]}` in creation order, only those of `event_type` and
    /// `subscription_id` when given.
    pub fn deliveries_json(&self, event_type: Option<&str>, subscription_id: Option<&str>) -> Value {
        let book = lock(&self.inner.book);
        let deliveries: Vec<Value> = book
            .log
            .records
            .iter()
            .filter(|r| event_type.map_or(true, |t| r.event_type == t))
            .filter(|r| subscription_id.map_or(true, |s| r.subscription_id == s))
            .map(Record::json)
            .collect();
        json!({"deliveries": deliveries})
    }

    /// How many deliveries were ever made (a duplicate counts as one more).
    pub fn delivery_count(&self) -> u64 {
        lock(&self.inner.book).log.total
    }
}

impl Inner {
    fn client(&self) -> Result<&reqwest::Client, String> {
        self.client.get_or_init(build_client).as_ref().map_err(Clone::clone)
    }

    /// Records an attempt, and the outcome once there is one.
    fn record(&self, seq: u64, attempt: Attempt, outcome: Outcome) {
        let mut book = lock(&self.book);
        if let Some(record) = book.log.get_mut(seq) {
            record.attempts.push(attempt);
            record.outcome = outcome;
        }
    }
}

/// The client: no proxy, no redirects (a loopback receiver must not send a delivery
/// elsewhere), `localhost` resolved to loopback only, and bounded times.
fn build_client() -> Result<reqwest::Client, String> {
    let loopback = [SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), SocketAddr::from((Ipv6Addr::LOCALHOST, 0))];
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .resolve_to_addrs("localhost", &loopback)
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(ATTEMPT_TIMEOUT)
        .user_agent(concat!("capturekit-emulator/", env!("CARGO_PKG_VERSION"), " (webhooks)"))
        .build()
        .map_err(|e| format!("the HTTP client could not be built: {e}"))
}

/// Runs a delivery in its own task, until it ends or the emulator stops.
fn spawn(inner: &Arc<Inner>, job: Job) {
    let inner = inner.clone();
    let mut shutdown = inner.shutdown.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = deliver(&inner, job) => {}
            _ = stopped(&mut shutdown) => {}
        }
    });
}

/// Sends a held-back delivery after [`HOLD_AT_MOST`] if no later event released it first.
fn release_later(inner: &Arc<Inner>, subscription_id: String, token: u64) {
    let inner = inner.clone();
    let mut shutdown = inner.shutdown.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = tokio::time::sleep(HOLD_AT_MOST) => {
                let job = {
                    let mut book = lock(&inner.book);
                    match book.held.get(&subscription_id) {
                        Some(held) if held.token == token => book.held.remove(&subscription_id).map(|h| h.job),
                        _ => None,
                    }
                };
                if let Some(job) = job {
                    spawn(&inner, job);
                }
            }
            _ = stopped(&mut shutdown) => {}
        }
    });
}

/// Resolves once the emulator stops.
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    while !*shutdown.borrow_and_update() {
        if shutdown.changed().await.is_err() {
            return;
        }
    }
}

async fn deliver(inner: &Arc<Inner>, mut job: Job) {
    if let Some(delay) = job.delay {
        tokio::time::sleep(delay).await;
    }
    let mut then = std::mem::take(&mut job.then);
    for attempt in 1..=MAX_ATTEMPTS {
        let result = send(inner, &job, attempt == 1 && job.corrupt_signature).await;
        let delivered = matches!(result, Ok(status) if (200..300).contains(&status));
        let outcome = match (delivered, attempt == MAX_ATTEMPTS) {
            (true, _) => Outcome::Delivered,
            (false, true) => Outcome::Failed,
            (false, false) => Outcome::Pending,
        };
        inner.record(job.seq, Attempt { at: Utc::now(), result }, outcome);
        for next in then.drain(..) {
            spawn(inner, next);
        }
        if outcome != Outcome::Pending {
            return;
        }
        tokio::time::sleep(backoff(attempt)).await;
    }
}

/// The wait after failed attempt number `attempt` (from 1): [`FIRST_BACKOFF`], doubling,
/// at most [`MAX_BACKOFF`].
fn backoff(attempt: u32) -> Duration {
    FIRST_BACKOFF.saturating_mul(1 << attempt.saturating_sub(1).min(16)).min(MAX_BACKOFF)
}

/// One attempt: the answer's status, or why there was none.
async fn send(inner: &Inner, job: &Job, corrupt_signature: bool) -> Result<u16, String> {
    let client = inner.client()?;
    // Checked again here: nothing but loopback is ever connected to.
    let url = check_loopback_url(&job.target.url).map_err(|e| e.message)?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let body = &job.payload.body;
    let mut signature =
        capturekit::webhooks::sign_webhook(&job.target.secret, body, &[("content-type", "application/json")], now)
            .map_err(|e| format!("signing failed: {e}"))?;
    if corrupt_signature {
        signature = corrupt(&signature);
    }
    let mut request = client.post(url);
    for (name, value) in &job.target.headers {
        if !RESERVED_HEADERS.iter().any(|reserved| name.eq_ignore_ascii_case(reserved)) {
            request = request.header(name.as_str(), value.as_str());
        }
    }
    let response = request
        .header("content-type", "application/json")
        .header(capturekit::webhooks::SIGNATURE_HEADER, signature)
        .body(body.clone())
        .send()
        .await
        .map_err(describe)?;
    Ok(response.status().as_u16())
}

/// The signature with the first hex digit of its `v1` changed.
fn corrupt(signature: &str) -> String {
    let Some(at) = signature.find("v1=").map(|i| i + 3) else { return signature.to_owned() };
    let mut text = signature.to_owned();
    let flipped = if text[at..].starts_with('0') { "1" } else { "0" };
    text.replace_range(at..at + 1, flipped);
    text
}

/// Why an attempt got no answer: `timeout`, `connect` or `request`, with reqwest's reason.
fn describe(error: reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connect"
    } else {
        "request"
    };
    let mut text = format!("{kind}: {error}");
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_corrupted_signature_differs_in_one_v1_digit() {
        let good = capturekit::webhooks::sign_webhook("s", b"{}", &[("content-type", "application/json")], 1).unwrap();
        let bad = corrupt(&good);
        assert_eq!(good.len(), bad.len());
        assert_eq!(good.chars().zip(bad.chars()).filter(|(a, b)| a != b).count(), 1);
        assert!(bad.starts_with("t=1,h=content-type,v1="));
        assert_eq!(corrupt("t=1"), "t=1");
    }

    #[test]
    fn backoff_doubles_from_100_ms_to_at_most_2_s() {
        let waits: Vec<u128> = (1..MAX_ATTEMPTS).map(|a| backoff(a).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1600, 2000, 2000]);
        assert_eq!(backoff(u32::MAX), MAX_BACKOFF);
    }

    #[test]
    fn the_log_keeps_the_newest_records() {
        let mut log = DeliveryLog::default();
        let payload = Payload { event_id: "e".into(), event_type: "t".into(), body: Bytes::new() };
        let target = Target { subscription_id: "s".into(), url: "u".into(), headers: Vec::new(), secret: "x".into() };
        let first = log.open(&payload, &target);
        for _ in 0..MAX_RECORDS {
            log.open(&payload, &target);
        }
        assert!(log.get_mut(first).is_none());
        assert!(log.get_mut(first + 1).is_some());
        assert_eq!(log.total, MAX_RECORDS as u64 + 1);
        assert_eq!(log.records.len(), MAX_RECORDS);
    }
}
