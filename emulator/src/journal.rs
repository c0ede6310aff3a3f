//! The request journal: every API request the emulator answered (not the control API's), so
//! that a test can assert what its code sent, e.g. "it retried with the same idempotency key
//! after the answer was dropped". Read with `GET /_emulator/requests`; emptied by reset.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::gate::faults::FaultKind;
use crate::state::{lock, AppState};

/// How many requests the journal keeps: the newest ones.
pub const MAX_ENTRIES: usize = 10_000;

/// What the gate and the exchange tell the journal about a request, through its extensions:
/// the fault applied, and the status of an answer that a `drop` fault kept from the client
/// (the handler never returns then, so the middleware never sees a response).
#[derive(Debug, Clone, Default)]
pub(crate) struct Notes(Arc<Mutex<Noted>>);

#[derive(Debug, Default)]
struct Noted {
    fault: Option<FaultKind>,
    dropped_status: Option<u16>,
}

impl Notes {
    /// The gate applied `kind` to this request.
    pub(crate) fn fault(&self, kind: FaultKind) {
        lock(&self.0).fault = Some(kind);
    }

    /// The answer `status` was processed, then dropped.
    pub(crate) fn dropped(&self, status: u16) {
        lock(&self.0).dropped_status = Some(status);
    }
}

/// One request.
#[derive(Debug, Default)]
struct Entry {
    at: DateTime<Utc>,
    method: String,
    path: String,
    idempotency_key: Option<String>,
    /// The answer's status; `None` when none was made (the client left first).
    status: Option<u16>,
    fault: Option<FaultKind>,
}

/// The newest [`MAX_ENTRIES`] requests, oldest first.
#[derive(Debug, Default)]
pub struct Journal {
    entries: VecDeque<Entry>,
}

impl Journal {
    fn push(&mut self, entry: Entry) {
        if self.entries.len() == MAX_ENTRIES {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    /// Forgets every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// `{requests: [{at, method, path, idempotencyKey, status, fault}]}`, oldest first.
    pub fn json(&self) -> Value {
        let requests: Vec<Value> = self.entries.iter().map(Entry::json).collect();
        json!({ "requests": requests })
    }
}

impl Entry {
    fn json(&self) -> Value {
        json!({
            "at": self.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "method": self.method,
            "path": self.path,
            "idempotencyKey": self.idempotency_key,
            "status": self.status,
            "fault": self.fault,
        })
    }
}

/// A request on its way: recorded when dropped, whether it was answered (see
/// [`Pending::answered`]), its answer dropped by a fault, or abandoned by its client.
struct Pending {
    state: AppState,
    notes: Notes,
    entry: Entry,
}

impl Pending {
    fn answered(&mut self, status: u16) {
        self.entry.status = Some(status);
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        let mut entry = std::mem::take(&mut self.entry);
        let noted = lock(&self.notes.0);
        entry.status = entry.status.or(noted.dropped_status);
        entry.fault = noted.fault;
        lock(&self.state.0.journal).push(entry);
    }
}

/// Middleware around the API routes: records each request once it is answered, or once its
/// answer is dropped by a fault (with the status the client never saw), or once its client
/// leaves (with no status).
pub(crate) async fn record(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let notes = Notes::default();
    request.extensions_mut().insert(notes.clone());
    let entry = Entry {
        at: Utc::now(),
        method: request.method().as_str().to_owned(),
        path: request.uri().path().to_owned(),
        idempotency_key: request.headers().get("x-idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned),
        status: None,
        fault: None,
    };
    let mut pending = Pending { state, notes, entry };
    let response = next.run(request).await;
    pending.answered(response.status().as_u16());
    response
}
