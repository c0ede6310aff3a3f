//! Webhook subscriptions (`/v2/data/webhooks/subscriptions`): their rules, their JSON
//! (`WebhookSubscriptionResponse`) and which of them an event goes to.
//!
//! The emulator delivers only to loopback: a target URL must be `http` or `https` to
//! `localhost`, `127.0.0.0/8` or `::1`, or the subscription is refused.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::Arc;

use axum::http::{HeaderName, HeaderValue};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::Routed;
use crate::api_error::ApiError;
use crate::sessions::SessionEvent;
use crate::values::{check_metadata, timestamp};

/// The longest target URL (as the spec's `Url`).
const MAX_URL_LENGTH: usize = 2048;
/// The longest description (as the spec's `WebhookDescription`).
const MAX_DESCRIPTION_CHARS: usize = 100;
/// The most custom headers, labels and event types one subscription may have.
const MAX_ENTRIES: usize = 50;

/// A parsed create (or update) body: everything a subscription is configured with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewSubscription {
    /// The event types it receives (exact names, or a prefix ending in `.*`).
    pub event_types: Vec<String>,
    /// Whether events are delivered to it.
    pub is_enabled: bool,
    /// `target.url`, as given.
    pub url: String,
    /// `target.headers`: sent with every delivery.
    pub headers: BTreeMap<String, String>,
    /// A description, at most 100 characters.
    pub description: Option<String>,
    /// Metadata (the secret is added when shown).
    pub metadata: BTreeMap<String, String>,
    /// Label filters, kept and shown (they filter only onchain events, which the emulator
    /// never sends).
    pub labels: Option<BTreeMap<String, String>>,
}

/// Where and how a subscription's deliveries go: a snapshot, so a delivery in progress is
/// not changed by an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The subscription's id.
    pub subscription_id: String,
    /// The loopback URL.
    pub url: String,
    /// The custom headers, in name order.
    pub headers: Vec<(String, String)>,
    /// The signing secret.
    pub secret: String,
}

#[derive(Debug, Clone)]
struct Subscription {
    config: NewSubscription,
    target: Arc<Target>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Subscription {
    fn json(&self) -> Value {
        let mut metadata = serde_json::Map::new();
        for (key, value) in &self.config.metadata {
            metadata.insert(key.clone(), json!(value));
        }
        metadata.insert("secret".into(), json!(self.target.secret));
        let mut target = json!({"url": self.config.url});
        if !self.config.headers.is_empty() {
            target["headers"] = json!(self.config.headers);
        }
        let mut body = json!({
            "subscriptionId": self.target.subscription_id,
            "eventTypes": self.config.event_types,
            "isEnabled": self.config.is_enabled,
            "target": target,
            "metadata": metadata,
            "secret": self.target.secret,
            "createdAt": timestamp(self.created_at),
            "updatedAt": timestamp(self.updated_at),
        });
        if let Some(description) = &self.config.description {
            body["description"] = json!(description);
        }
        if let Some(labels) = &self.config.labels {
            body["labels"] = json!(labels);
        }
        body
    }

    /// Whether an event of this type goes to this subscription.
    fn wants(&self, event_type: &str) -> bool {
        self.config.is_enabled
            && self.config.event_types.iter().any(|wanted| match wanted.strip_suffix('*') {
                Some(prefix) if prefix.ends_with('.') => event_type.starts_with(prefix),
                _ => wanted == event_type,
            })
    }
}

/// The webhook subscriptions, in creation order.
#[derive(Debug, Default)]
pub struct Subscriptions {
    by_id: HashMap<String, Subscription>,
    order: Vec<String>,
}

impl Subscriptions {
    /// Creates a subscription with a fresh secret (a UUID v4).
    pub fn create(&mut self, new: NewSubscription, now: DateTime<Utc>) -> Result<Value, ApiError> {
        check(&new)?;
        let id = uuid::Uuid::new_v4().to_string();
        let secret = uuid::Uuid::new_v4().to_string();
        let subscription =
            Subscription { target: target(&id, &new, secret), config: new, created_at: now, updated_at: now };
        let body = subscription.json();
        self.by_id.insert(id.clone(), subscription);
        self.order.push(id);
        Ok(body)
    }

    /// One subscription.
    pub fn get(&self, id: &str) -> Result<Value, ApiError> {
        self.by_id.get(id).map(Subscription::json).ok_or_else(not_found)
    }

    /// A page of the subscriptions, newest first (as the spec says); the page token is an
    /// opaque offset.
    pub fn list(&self, page_size: usize, offset: usize) -> Value {
        let newest_first: Vec<&String> = self.order.iter().rev().collect();
        let (page, next) = crate::paging::page(&newest_first, offset, page_size);
        let mut body = json!({"subscriptions": page.iter().map(|id| self.by_id[*id].json()).collect::<Vec<_>>()});
        if let Some(token) = next {
            body["nextPageToken"] = json!(token);
        }
        body
    }

    /// Replaces a subscription's configuration; its id, secret and creation time stay.
    pub fn update(&mut self, id: &str, new: NewSubscription, now: DateTime<Utc>) -> Result<Value, ApiError> {
        let subscription = self.by_id.get_mut(id).ok_or_else(not_found)?;
        check(&new)?;
        subscription.target = target(id, &new, subscription.target.secret.clone());
        subscription.config = new;
        subscription.updated_at = now;
        Ok(subscription.json())
    }

    /// Deletes a subscription: nothing more is delivered to it (deliveries under way finish).
    pub fn delete(&mut self, id: &str) -> Result<(), ApiError> {
        self.by_id.remove(id).ok_or_else(not_found)?;
        self.order.retain(|other| other != id);
        Ok(())
    }

    /// How many subscriptions exist.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether any subscription is enabled (else no event needs recording).
    pub fn any_enabled(&self) -> bool {
        self.by_id.values().any(|s| s.config.is_enabled)
    }

    /// Each event with the subscriptions it goes to; events nobody wants are dropped.
    pub fn route(&self, events: Vec<SessionEvent>) -> Vec<Routed> {
        events
            .into_iter()
            .filter_map(|event| {
                let targets: Vec<Arc<Target>> = self
                    .order
                    .iter()
                    .map(|id| &self.by_id[id])
                    .filter(|s| s.wants(&event.event_type))
                    .map(|s| s.target.clone())
                    .collect();
                (!targets.is_empty()).then_some(Routed { event, targets })
            })
            .collect()
    }
}

fn target(id: &str, new: &NewSubscription, secret: String) -> Arc<Target> {
    Arc::new(Target {
        subscription_id: id.to_owned(),
        url: new.url.clone(),
        headers: new.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        secret,
    })
}

fn not_found() -> ApiError {
    ApiError::new(404, "not_found", "Webhook subscription not found.")
}

/// The rules of a subscription's configuration; a 400 `invalid_request` naming what is wrong.
fn check(new: &NewSubscription) -> Result<(), ApiError> {
    if new.event_types.is_empty() || new.event_types.iter().any(|t| t.trim().is_empty()) {
        return Err(ApiError::invalid_request("eventTypes must be non-empty and contain valid event type names."));
    }
    if new.event_types.len() > MAX_ENTRIES || new.headers.len() > MAX_ENTRIES {
        return Err(ApiError::invalid_request(format!(
            "eventTypes and target.headers may have at most {MAX_ENTRIES} entries."
        )));
    }
    if new.labels.as_ref().is_some_and(|labels| labels.len() > MAX_ENTRIES) {
        return Err(ApiError::invalid_request(format!("labels may have at most {MAX_ENTRIES} entries.")));
    }
    if new.description.as_ref().is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS) {
        return Err(ApiError::invalid_request(format!(
            "description must be at most {MAX_DESCRIPTION_CHARS} characters."
        )));
    }
    check_metadata(&new.metadata)?;
    check_loopback_url(&new.url)?;
    for (name, value) in &new.headers {
        if HeaderName::from_bytes(name.as_bytes()).is_err() || HeaderValue::from_str(value).is_err() {
            return Err(ApiError::invalid_request(format!(
                "target.headers: {name:?} is not a valid header name and value."
            )));
        }
    }
    Ok(())
}

/// An absolute `http(s)` URL to a loopback host (`localhost`, `127.0.0.0/8`, `::1`).
pub(super) fn check_loopback_url(text: &str) -> Result<reqwest::Url, ApiError> {
    if text.len() > MAX_URL_LENGTH {
        return Err(ApiError::invalid_request(format!("target.url must be at most {MAX_URL_LENGTH} characters.")));
    }
    let url = reqwest::Url::parse(text)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .ok_or_else(|| ApiError::invalid_request("target.url must be an absolute http or https URL."))?;
    let host = url.host_str().unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost") || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        return Err(ApiError::invalid_request(format!(
            "target.url must be on localhost, 127.0.0.0/8 or [::1], not {host:?}: the emulator delivers only to loopback."
        )));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(url: &str, event_types: &[&str]) -> NewSubscription {
        NewSubscription {
            event_types: event_types.iter().map(|t| t.to_string()).collect(),
            is_enabled: true,
            url: url.into(),
            ..Default::default()
        }
    }

    fn event(event_type: &str) -> SessionEvent {
        SessionEvent { event_id: "e".into(), event_type: event_type.into(), body: json!({}) }
    }

    #[test]
    fn only_loopback_urls_are_accepted() {
        for url in [
            "http://127.0.0.1:8080/hook",
            "https://localhost/x",
            "http://[::1]:9/",
            "http://127.8.9.10/",
            "HTTP://LOCALHOST:1",
        ] {
            assert!(check_loopback_url(url).is_ok(), "{url}");
        }
        for url in [
            "http://example.com/",
            "http://10.0.0.1/",
            "http://localhost.example.com/",
            "http://127.0.0.1.nip.io/",
            "ftp://127.0.0.1/",
            "http://[::ffff:127.0.0.1]/",
            "http://0.0.0.0/",
            "/relative",
            "",
        ] {
            let refused = check_loopback_url(url).unwrap_err();
            assert_eq!((refused.status, refused.error_type.as_str()), (400, "invalid_request"), "{url}");
        }
        assert!(check_loopback_url("http://192.168.1.1/").unwrap_err().message.contains("only to loopback"));
    }

    #[test]
    fn create_update_delete_and_the_secret() {
        let mut subs = Subscriptions::default();
        let now = Utc::now();
        let mut config = new("http://127.0.0.1:1/", &["acceptance.payment_session.capture_succeeded"]);
        config.metadata.insert("team".into(), "payments".into());
        config.description = Some("captures".into());
        let created = subs.create(config.clone(), now).unwrap();
        let id = created["subscriptionId"].as_str().unwrap().to_owned();
        let secret = created["secret"].as_str().unwrap().to_owned();
        assert!(uuid::Uuid::parse_str(&secret).is_ok());
        assert_eq!(created["metadata"], json!({"team": "payments", "secret": secret}));
        assert_eq!(created["target"], json!({"url": "http://127.0.0.1:1/"}));
        assert_eq!(created["description"], "captures");
        assert_eq!(subs.get(&id).unwrap(), created);

        config.is_enabled = false;
        config.description = None;
        config.headers.insert("Authorization".into(), "Bearer t".into());
        let later = now + chrono::Duration::seconds(5);
        let updated = subs.update(&id, config, later).unwrap();
        assert_eq!(updated["secret"], secret.as_str(), "the secret stays");
        assert_eq!(updated["isEnabled"], false);
        assert!(updated.get("description").is_none());
        assert_eq!(updated["target"]["headers"]["Authorization"], "Bearer t");
        assert_eq!(updated["createdAt"], created["createdAt"]);
        assert_ne!(updated["updatedAt"], created["updatedAt"]);
        assert!(!subs.any_enabled());

        assert_eq!(subs.update("nope", new("http://localhost/", &["x"]), now).unwrap_err().status, 404);
        assert_eq!(subs.update(&id, new("http://example.com/", &["x"]), now).unwrap_err().status, 400);
        assert_eq!(subs.create(new("http://localhost/", &[]), now).unwrap_err().status, 400);
        assert_eq!(subs.create(new("http://localhost/", &[" "]), now).unwrap_err().status, 400);
        subs.delete(&id).unwrap();
        assert_eq!(subs.delete(&id).unwrap_err().status, 404);
        assert_eq!(subs.get(&id).unwrap_err().error_type, "not_found");
        assert_eq!(subs.len(), 0);
    }

    #[test]
    fn lists_newest_first_by_pages() {
        let mut subs = Subscriptions::default();
        let now = Utc::now();
        let ids: Vec<String> = (0..3)
            .map(|_| {
                subs.create(new("http://localhost/", &["a"]), now).unwrap()["subscriptionId"].as_str().unwrap().into()
            })
            .collect();
        let first = subs.list(2, 0);
        assert_eq!(first["subscriptions"][0]["subscriptionId"], ids[2].as_str());
        assert_eq!(first["subscriptions"][1]["subscriptionId"], ids[1].as_str());
        let offset = crate::paging::decode_token(first["nextPageToken"].as_str().unwrap()).unwrap();
        let rest = subs.list(2, offset);
        assert_eq!(rest["subscriptions"][0]["subscriptionId"], ids[0].as_str());
        assert!(rest.get("nextPageToken").is_none());
    }

    #[test]
    fn events_go_to_enabled_subscriptions_that_want_them() {
        let mut subs = Subscriptions::default();
        let now = Utc::now();
        let exact = subs.create(new("http://localhost/a", &["acceptance.payment_session.created"]), now).unwrap();
        let all = subs.create(new("http://localhost/b", &["acceptance.payment_session.*"]), now).unwrap();
        let mut off = new("http://localhost/c", &["acceptance.payment_session.created"]);
        off.is_enabled = false;
        subs.create(off, now).unwrap();
        let routed = subs.route(vec![
            event("acceptance.payment_session.created"),
            event("acceptance.payment_session.canceled"),
            event("wallet.activity.detected"),
        ]);
        assert_eq!(routed.len(), 2);
        let ids = |r: &Routed| r.targets.iter().map(|t| t.subscription_id.clone()).collect::<Vec<_>>();
        assert_eq!(
            ids(&routed[0]),
            [exact["subscriptionId"].as_str().unwrap(), all["subscriptionId"].as_str().unwrap()]
        );
        assert_eq!(ids(&routed[1]), [all["subscriptionId"].as_str().unwrap()]);
        assert_eq!(routed[0].targets[0].secret, exact["secret"].as_str().unwrap());
    }
}
