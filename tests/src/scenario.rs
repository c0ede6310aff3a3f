//! The Rust runner of the shared scenarios (`tests/scenarios/*.json`, format in its README).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use capturekit::coinbase_payments::{EscrowCapture, EscrowPaymentDetails, RewardInput};
use capturekit::schema::{Describe, Registry, Shape};
use capturekit::stateset::StateSetPayment;
use capturekit::{
    CancelRequest, CaptureRequest, Client, Decimal, Error, ErrorDetails, EscrowCaptureRequest, PaymentSession,
    PaymentSessionPage, Refund, RefundPage, RefundRequest, RefundSource, RetryPolicy, StateSetCaptureRequest, Void,
    VoidPage, VoidRequest, WaitOptions,
};
use serde::Serialize;
use serde_json::{json, Value};

use crate::{fixture_key_path, TestEmulator, TEST_BEARER_TOKEN, TEST_STATESET_API_KEY};

/// Runs one scenario file against a fresh emulator; `Err` describes the first failed step.
pub async fn run_file(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("read {}: {e}", path.display()))?;
    let scenario: Value = serde_json::from_str(&text).map_err(|e| format!("parse {}: {e}", path.display()))?;
    let settle_delay = match scenario["emulator"].get("settleDelayMs") {
        Some(Value::Number(ms)) => Some(Duration::from_millis(ms.as_u64().unwrap_or(0))),
        _ => None,
    };
    let emulator = TestEmulator::start(settle_delay).await;
    let client = build_client(&emulator, &scenario["client"])?;
    let mut saved: HashMap<String, Value> = HashMap::new();
    let steps = scenario["steps"].as_array().ok_or("scenario has no steps")?;
    for (index, step) in steps.iter().enumerate() {
        run_step(&emulator, &client, step, &mut saved)
            .await
            .map_err(|e| format!("step {index} ({}): {e}", step["op"]))?;
    }
    Ok(())
}

fn build_client(emulator: &TestEmulator, options: &Value) -> Result<Client, String> {
    let mut builder = Client::builder()
        .base_url(emulator.emulator.base_url())
        .coinbase_payments_base_url(emulator.emulator.url())
        .stateset_base_url(emulator.emulator.url())
        .stateset_api_key(options["statesetApiKey"].as_str().unwrap_or(TEST_STATESET_API_KEY));
    builder = match options["auth"].as_str().unwrap_or("ed25519") {
        "ed25519" => builder.key_file(fixture_key_path("ed25519-key.json")),
        "es256" => builder.key_file(fixture_key_path("es256-key.json")),
        "bearer" => builder.bearer_token(TEST_BEARER_TOKEN),
        // A valid key that no test emulator is given.
        "unknown_key" => builder.key_file(fixture_key_path("unknown-key.json")),
        other => return Err(format!("unknown auth {other}")),
    };
    let retry_base = Duration::from_millis(options["retryBaseDelayMs"].as_u64().unwrap_or(5));
    builder = builder.retry_policy(RetryPolicy {
        max_retries: options["maxRetries"].as_u64().unwrap_or(2) as u32,
        base_delay: retry_base,
        max_delay: retry_base * 10,
    });
    if let Some(ms) = options["timeoutMs"].as_u64() {
        builder = builder.timeout(Duration::from_millis(ms));
    }
    builder.build().map_err(|e| e.to_string())
}

async fn run_step(
    emulator: &TestEmulator,
    client: &Client,
    step: &Value,
    saved: &mut HashMap<String, Value>,
) -> Result<(), String> {
    let op = step["op"].as_str().ok_or("op missing")?;
    let args = resolve(step.get("with").cloned().unwrap_or(json!({})), saved)?;
    let outcome: Result<Value, Value> = if let Some(name) = op.strip_prefix("control.") {
        Ok(control(emulator, name, args).await)
    } else {
        call(client, op, &args).await.map_err(|e| error_json(&e))
    };
    match (&outcome, step.get("expect"), step.get("expectError")) {
        (Ok(value), Some(expect), _) => check(value, expect, saved)?,
        (Ok(value), None, Some(_)) => return Err(format!("expected an error, got {value}")),
        (Err(error), None, Some(expect)) => check(error, expect, saved)?,
        (Err(error), _, None) => return Err(format!("unexpected error {error}")),
        (Ok(_), None, None) => {}
        (Err(error), Some(_), _) => return Err(format!("expected success, got error {error}")),
    }
    if let (Some(name), Ok(value)) = (step["save"].as_str(), &outcome) {
        saved.insert(name.to_owned(), value.clone());
    }
    Ok(())
}

async fn control(emulator: &TestEmulator, name: &str, args: Value) -> Value {
    match name {
        "create_session" => emulator.control("POST", "payment-sessions", args).await,
        "next_outcome" => emulator.control("POST", "captures/next-outcome", args).await,
        "settle" => emulator.control("POST", "settle", args).await,
        "advance_clock" => emulator.control("POST", "clock/advance", args).await,
        "config" => emulator.control("PUT", "config", args).await,
        "fault" => emulator.control("POST", "faults", args).await,
        "clear_faults" => emulator.control("DELETE", "faults", json!({})).await,
        "stats" => emulator.control("GET", "stats", json!({})).await,
        "create_escrow_payment" => emulator.control("POST", "escrow-payments", args).await,
        "create_stateset_payment" => emulator.control("POST", "stateset-payments", args).await,
        other => panic!("unknown control op {other}"),
    }
}

fn text<'a>(args: &'a Value, name: &str) -> &'a str {
    args[name].as_str().unwrap_or_default()
}

async fn call(client: &Client, op: &str, args: &Value) -> Result<Value, Error> {
    let sessions = client.payment_sessions();
    let session = text(args, "paymentSessionId");
    let value = match op {
        "capture" => {
            let mut request =
                CaptureRequest::remaining().final_capture(args["finalCapture"].as_bool().unwrap_or(false));
            request.idempotency_key = args["idempotencyKey"].as_str().map(str::to_owned);
            if let Some(amount) = args["amount"].as_str() {
                // Text amounts go through the same parser the bindings use.
                request = request.amount_text(amount)?;
            }
            if let Some(metadata) = args["metadata"].as_object() {
                request.metadata = metadata
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect::<BTreeMap<_, _>>();
            }
            request.external_reference_id = args["externalReferenceId"].as_str().map(str::to_owned);
            neutral(&sessions.capture(session, request).await?)
        }
        "get_capture" => neutral(&sessions.get_capture(session, text(args, "captureId")).await?),
        "list_captures" => {
            let size = args["pageSize"].as_u64().map(|n| n as u32);
            neutral(&sessions.list_captures(session, size, args["pageToken"].as_str()).await?)
        }
        "list_all_captures" => {
            let size = args["pageSize"].as_u64().map(|n| n as u32);
            json!({ "captures": neutral(&sessions.list_all_captures(session, size).await?) })
        }
        "get_session" => neutral(&sessions.get_session(session).await?),
        "wait_for_capture" => {
            let timeout = Duration::from_millis(args["timeoutMs"].as_u64().unwrap_or(5000));
            let options = WaitOptions::timeout(timeout).poll_interval(Duration::from_millis(50));
            neutral(&sessions.wait_for_capture(session, text(args, "captureId"), options).await?)
        }
        "void" => {
            let request = VoidRequest {
                metadata: string_map(&args["metadata"]),
                idempotency_key: optional(args, "idempotencyKey"),
            };
            neutral::<Void>(&sessions.void(session, request).await?)
        }
        "refund" => {
            let source = &args["source"];
            let mut request = RefundRequest {
                source: RefundSource {
                    account_id: optional(source, "accountId"),
                    asset: optional(source, "asset"),
                    address: optional(source, "address"),
                },
                reason: optional(args, "reason"),
                metadata: string_map(&args["metadata"]),
                idempotency_key: optional(args, "idempotencyKey"),
                ..Default::default()
            };
            if let Some(amount) = args["amount"].as_str() {
                request = request.amount_text(amount)?;
            }
            neutral::<Refund>(&sessions.refund(session, request).await?)
        }
        "cancel" => {
            let request = CancelRequest {
                cancellation_reason: optional(args, "cancellationReason"),
                idempotency_key: optional(args, "idempotencyKey"),
            };
            neutral::<PaymentSession>(&sessions.cancel(session, request).await?)
        }
        "get_void" => neutral::<Void>(&sessions.get_void(session, text(args, "voidId")).await?),
        "get_refund" => neutral::<Refund>(&sessions.get_refund(session, text(args, "refundId")).await?),
        "list_voids" => {
            neutral::<VoidPage>(&sessions.list_voids(session, page_size(args), args["pageToken"].as_str()).await?)
        }
        "list_refunds" => {
            neutral::<RefundPage>(&sessions.list_refunds(session, page_size(args), args["pageToken"].as_str()).await?)
        }
        "list_sessions" => {
            neutral::<PaymentSessionPage>(&sessions.list_sessions(page_size(args), args["pageToken"].as_str()).await?)
        }
        "list_all_voids" => json!({ "voids": neutral(&sessions.list_all_voids(session, page_size(args)).await?) }),
        "list_all_refunds" => {
            json!({ "refunds": neutral(&sessions.list_all_refunds(session, page_size(args)).await?) })
        }
        "list_all_sessions" => {
            json!({ "paymentSessions": neutral(&sessions.list_all_sessions(page_size(args)).await?) })
        }
        "wait_for_void" => {
            let options = wait_options(args);
            neutral::<Void>(&sessions.wait_for_void(session, text(args, "voidId"), options).await?)
        }
        "wait_for_refund" => {
            let options = wait_options(args);
            neutral::<Refund>(&sessions.wait_for_refund(session, text(args, "refundId"), options).await?)
        }
        "derive_idempotency_key" => {
            let parts: Vec<&str> = args["parts"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            json!({ "key": capturekit::derive_idempotency_key(&parts)? })
        }
        "escrow_capture" => {
            let mut request = EscrowCaptureRequest {
                idempotency_key: args["idempotencyKey"].as_str().map(str::to_owned),
                ..Default::default()
            }
            .amount_text(text(args, "amount"))?;
            request.fee_bps = args["feeBps"].as_u64().unwrap_or(0) as u32;
            request.fee_receiver = args["feeReceiver"].as_str().map(str::to_owned);
            request.distribute_rewards =
                serde_json::from_value::<Vec<RewardInput>>(args["distributeRewards"].clone()).unwrap_or_default();
            request.metadata = string_map(&args["metadata"]);
            neutral::<EscrowCapture>(&client.coinbase_payments().capture(text(args, "paymentId"), request).await?)
        }
        "get_escrow_payment" => {
            neutral::<EscrowPaymentDetails>(&client.coinbase_payments().get_payment(text(args, "paymentId")).await?)
        }
        "stateset_capture" => {
            let request = StateSetCaptureRequest {
                amount_cents: args["amountCents"].as_u64(),
                statement_descriptor: args["statementDescriptor"].as_str().map(str::to_owned),
                metadata: string_map(&args["metadata"]),
            };
            neutral::<StateSetPayment>(&client.stateset().capture(text(args, "paymentId"), request).await?)
        }
        "get_stateset_payment" => {
            neutral::<StateSetPayment>(&client.stateset().get_payment(text(args, "paymentId")).await?)
        }
        other => panic!("unknown op {other}"),
    };
    Ok(value)
}

fn optional(args: &Value, name: &str) -> Option<String> {
    args[name].as_str().map(str::to_owned)
}

fn page_size(args: &Value) -> Option<u32> {
    args["pageSize"].as_u64().map(|n| n as u32)
}

fn wait_options(args: &Value) -> WaitOptions {
    let timeout = Duration::from_millis(args["timeoutMs"].as_u64().unwrap_or(5000));
    WaitOptions::timeout(timeout).poll_interval(Duration::from_millis(50))
}

fn string_map(value: &Value) -> BTreeMap<String, String> {
    value
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect()
}

/// A result in the scenarios' shape: the core's field names in camelCase, as JavaScript,
/// Kotlin and Swift name them (read from the schema, never guessed from the JSON).
fn neutral<T: Serialize + Describe>(value: &T) -> Value {
    let wire = serde_json::to_value(value).expect("results serialize");
    let mut api = Registry::default();
    api.add::<T>();
    to_neutral(wire, &T::shape(), &api)
}

fn to_neutral(value: Value, shape: &Shape, api: &Registry) -> Value {
    match (shape, value) {
        (_, Value::Null) => Value::Null,
        (Shape::Optional(inner), value) => to_neutral(value, inner, api),
        (Shape::List(inner), Value::Array(items)) => {
            Value::Array(items.into_iter().map(|item| to_neutral(item, inner, api)).collect())
        }
        // A map's keys are data: kept as they came.
        (Shape::Map(inner), Value::Object(map)) => {
            Value::Object(map.into_iter().map(|(key, item)| (key, to_neutral(item, inner, api))).collect())
        }
        (Shape::Record(name), Value::Object(mut map)) => {
            let record = api.record(name).expect("every record reached is registered");
            let fields = record.fields.iter().filter_map(|field| {
                let item = map.remove(field.wire?).unwrap_or(Value::Null);
                Some((field.js.to_owned(), to_neutral(item, &field.shape, api)))
            });
            Value::Object(fields.collect())
        }
        (Shape::Duration, Value::Object(parts)) => {
            let millis = parts["secs"].as_u64().unwrap_or(0) * 1000 + parts["nanos"].as_u64().unwrap_or(0) / 1_000_000;
            json!(millis)
        }
        (_, value) => value,
    }
}

/// An error in the scenarios' shape: every field of its details.
pub fn error_json(error: &Error) -> Value {
    neutral::<ErrorDetails>(&error.details())
}

/// Replaces `"$name.path"` strings with saved values.
fn resolve(value: Value, saved: &HashMap<String, Value>) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) if s.starts_with("$$") => Value::String(s[1..].to_owned()),
        Value::String(s) if s.starts_with('$') => {
            let (name, path) = s[1..].split_once('.').unwrap_or((&s[1..], ""));
            let root = saved.get(name).ok_or_else(|| format!("nothing saved as {name}"))?;
            lookup(root, path).cloned().ok_or_else(|| format!("{s} is not set"))?
        }
        Value::Array(items) => Value::Array(items.into_iter().map(|v| resolve(v, saved)).collect::<Result<_, _>>()?),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| Ok((k, resolve(v, saved)?))).collect::<Result<_, String>>()?)
        }
        other => other,
    })
}

fn lookup<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return Some(root);
    }
    path.split('.').try_fold(root, |node, part| match node {
        Value::Array(items) => part.parse::<usize>().ok().and_then(|i| items.get(i)),
        Value::Object(map) => map.get(part),
        _ => None,
    })
}

fn check(actual: &Value, expect: &Value, saved: &HashMap<String, Value>) -> Result<(), String> {
    let expect = expect.as_object().ok_or("expect must be an object")?;
    for (path, matcher) in expect {
        let matcher = resolve(matcher.clone(), saved)?;
        let found = lookup(actual, path).filter(|v| !v.is_null());
        let ok = match (&matcher, found) {
            (Value::Object(m), found) if m.len() == 1 && is_matcher(m) => {
                let (name, arg) = m.iter().next().expect("one entry");
                match (name.as_str(), found) {
                    ("present", found) => arg.as_bool() == Some(found.is_some()),
                    ("decimal", Some(Value::String(s))) => {
                        decimal(s).is_some() && decimal(s) == arg.as_str().and_then(decimal)
                    }
                    ("len", Some(Value::Array(items))) => Some(items.len() as u64) == arg.as_u64(),
                    ("len", Some(Value::String(s))) => Some(s.chars().count() as u64) == arg.as_u64(),
                    ("contains", Some(Value::String(s))) => arg.as_str().is_some_and(|t| s.contains(t)),
                    ("names", Some(Value::String(s))) => {
                        arg.as_str().is_some_and(|t| s.contains(t) || s.contains(&camel(t)))
                    }
                    ("notEqual", found) => found != Some(arg),
                    _ => false,
                }
            }
            (expected, Some(found)) => expected == found,
            (_, None) => false,
        };
        if !ok {
            return Err(format!("{path}: expected {matcher}, got {}", found.cloned().unwrap_or(Value::Null)));
        }
    }
    Ok(())
}

fn is_matcher(m: &serde_json::Map<String, Value>) -> bool {
    m.keys().all(|k| matches!(k.as_str(), "present" | "decimal" | "len" | "contains" | "names" | "notEqual"))
}

fn decimal(text: &str) -> Option<Decimal> {
    Decimal::from_str(text).ok().map(|d| d.normalize())
}

/// `page_size` as JavaScript, Kotlin and Swift spell it: `pageSize`.
fn camel(name: &str) -> String {
    let mut parts = name.split('_');
    let mut out = parts.next().unwrap_or_default().to_owned();
    for part in parts {
        let mut chars = part.chars();
        out.extend(chars.next().map(|c| c.to_ascii_uppercase()));
        out.push_str(chars.as_str());
    }
    out
}
