//! Idempotent replay as the CDP API does it: the same key and request replay the identical
//! answer; the same key with another payload is a 422 `idempotency_error`; a key whose first
//! request is still being processed is a 409 `already_exists`. Keys live 24 hours.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Utc};

use crate::api_error::ApiError;

/// How long a key is remembered.
pub const KEY_LIFETIME: chrono::Duration = chrono::Duration::hours(24);

/// A stored answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// HTTP status.
    pub status: u16,
    /// The exact body bytes.
    pub body: Vec<u8>,
}

#[derive(Debug)]
enum State {
    InFlight,
    Done(StoredResponse),
}

#[derive(Debug)]
struct Record {
    fingerprint: String,
    created_at: DateTime<Utc>,
    state: State,
}

/// What to do with an incoming request that carries a key.
#[derive(Debug, PartialEq, Eq)]
pub enum Begin {
    /// First time: process it, then call [`IdempotencyStore::finish`].
    Process,
    /// Seen and answered: send this again.
    Replay(StoredResponse),
}

/// Keys per principal (API key id), so two merchants never collide.
#[derive(Debug, Default)]
pub struct IdempotencyStore {
    records: HashMap<(String, String), Record>,
    /// Keys in the order they were first seen, so expiry touches only the expired ones.
    by_age: VecDeque<(DateTime<Utc>, (String, String))>,
}

impl IdempotencyStore {
    /// Looks the key up and, when new, marks it in flight.
    pub fn begin(
        &mut self,
        principal: &str,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<Begin, ApiError> {
        let id = (principal.to_owned(), key.to_owned());
        if let Some(record) = self.records.get(&id) {
            if now - record.created_at <= KEY_LIFETIME {
                if record.fingerprint != fingerprint {
                    return Err(ApiError::new(
                        422,
                        "idempotency_error",
                        format!("Idempotency key '{key}' was already used with a different request payload. Please try again with a new idempotency key."),
                    ));
                }
                return match &record.state {
                    State::InFlight => Err(ApiError::new(
                        409,
                        "already_exists",
                        format!("A request with idempotency key '{key}' is still being processed."),
                    )),
                    State::Done(response) => Ok(Begin::Replay(response.clone())),
                };
            }
        }
        self.by_age.push_back((now, id.clone()));
        self.records
            .insert(id, Record { fingerprint: fingerprint.to_owned(), created_at: now, state: State::InFlight });
        Ok(Begin::Process)
    }

    /// Records the answer of a processed request.
    pub fn finish(&mut self, principal: &str, key: &str, response: StoredResponse) {
        if let Some(record) = self.records.get_mut(&(principal.to_owned(), key.to_owned())) {
            record.state = State::Done(response);
        }
    }

    /// Forgets a key whose request was never processed (so a retry may process it).
    pub fn abandon(&mut self, principal: &str, key: &str) {
        let id = (principal.to_owned(), key.to_owned());
        if matches!(self.records.get(&id), Some(Record { state: State::InFlight, .. })) {
            self.records.remove(&id);
        }
    }

    /// Drops keys older than their lifetime.
    pub fn expire(&mut self, now: DateTime<Utc>) {
        while let Some((created_at, id)) = self.by_age.front() {
            if now - *created_at <= KEY_LIFETIME {
                break;
            }
            // A key re-used after expiry has a newer record; only remove the one this entry made.
            if self.records.get(id).is_some_and(|r| r.created_at == *created_at) {
                self.records.remove(id);
            }
            self.by_age.pop_front();
        }
    }

    /// How many keys are remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.records.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_conflict_in_flight_and_expiry() {
        let mut store = IdempotencyStore::default();
        let t0 = Utc::now();
        assert_eq!(store.begin("k1", "a", "fp1", t0).unwrap(), Begin::Process);
        assert_eq!(store.begin("k1", "a", "fp1", t0).unwrap_err().status, 409);
        let answer = StoredResponse { status: 200, body: b"{}".to_vec() };
        store.finish("k1", "a", answer.clone());
        assert_eq!(store.begin("k1", "a", "fp1", t0).unwrap(), Begin::Replay(answer));
        assert_eq!(store.begin("k1", "a", "fp2", t0).unwrap_err().error_type, "idempotency_error");
        assert_eq!(store.begin("k2", "a", "fp2", t0).unwrap(), Begin::Process, "keys are per principal");
        let later = t0 + KEY_LIFETIME + chrono::Duration::seconds(1);
        assert_eq!(store.begin("k1", "a", "fp2", later).unwrap(), Begin::Process);
        // Expiry drops the old k2 key but keeps k1's renewed record.
        store.expire(later);
        assert_eq!(store.len(), 1);
        assert_eq!(store.begin("k1", "a", "fp2", later).unwrap_err().status, 409);
    }
}
