"""Writes tests/vectors/webhooks.json with signatures computed by Python's own hmac, not by
capturekit, so the vectors check the core against an independent implementation."""
import hashlib, hmac, json

SECRET = "3f9b1c2e-7a64-4d0e-9c1b-5e8f2a7d6c41"
T = 1767225600  # 2026-01-01T00:00:00Z
SESSION = "paymentSession_82c879c1-84e1-44ed-a8c2-1ac239cf09ad"
def event(event_type="acceptance.payment_session.capture_succeeded", event_id="8f7c2b1e-0d3a-4e6f-9a8b-1c2d3e4f5a6b"):
    body = {"eventId": event_id, "eventType": event_type, "timestamp": "2026-01-01T00:00:00Z",
            "data": {"paymentSession": {"paymentSessionId": SESSION, "status": "capture_succeeded", "amount": "10.00",
                                        "asset": "usdc", "balances": {"capturable": "0", "captured": "10.00",
                                                                       "refundable": "10.00", "refunded": "0"}},
                     "capture": {"captureId": "capture_93d980d2-95f2-55fe-b9d3-2bd340cf10be", "status": "succeeded",
                                 "amount": "10.00", "finalCapture": True}}}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)

def v1(secret, t, names, values, body):
    signed = f"{t}.{names}.{'.'.join(values)}.".encode() + body.encode()
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()

def v0(secret, t, body):
    return hmac.new(secret.encode(), f"{t}.".encode() + body.encode(), hashlib.sha256).hexdigest()

body = event()
ok = {"eventId": "8f7c2b1e-0d3a-4e6f-9a8b-1c2d3e4f5a6b", "eventType": "acceptance.payment_session.capture_succeeded",
      "captureSessionId": SESSION}
sig = f"t={T},h=content-type,v1={v1(SECRET, T, 'content-type', ['application/json'], body)}"
CT = ["Content-Type", "application/json"]
cases = [
    dict(name="a v1 signature over the content type verifies", headers=[CT, ["X-Hook0-Signature", sig]], body=body, now=T + 10, expect=ok),
    dict(name="two signed headers, names in any case, values in the order of h",
         headers=[["x-hook0-id", "evt-1"], CT, ["x-hook0-signature", f"t={T},h=x-hook0-id content-type,v1={v1(SECRET, T, 'x-hook0-id content-type', ['evt-1', 'application/json'], body)}"]],
         body=body, now=T, expect=ok),
    dict(name="a v0 signature (older deliveries) covers the timestamp and body",
         headers=[["X-Hook0-Signature", f"t={T},v0={v0(SECRET, T, body)}"]], body=body, now=T, expect=ok),
    dict(name="unknown parts and spaces are ignored",
         headers=[CT, ["X-Hook0-Signature", f" t={T} , h=content-type, v9=zz ,v1={v1(SECRET, T, 'content-type', ['application/json'], body)}"]],
         body=body, now=T, expect=ok),
    dict(name="one changed byte of the body is a mismatch", headers=[CT, ["X-Hook0-Signature", sig]],
         body=body.replace("10.00", "11.00", 1), now=T, expect={"error": "webhook_signature_mismatch"}),
    dict(name="another secret is a mismatch", secret="not-the-secret", headers=[CT, ["X-Hook0-Signature", sig]],
         body=body, now=T, expect={"error": "webhook_signature_mismatch"}),
    dict(name="a changed signed header value is a mismatch", headers=[["Content-Type", "text/plain"], ["X-Hook0-Signature", sig]],
         body=body, now=T, expect={"error": "webhook_signature_mismatch"}),
    dict(name="exactly five minutes old is still accepted", headers=[CT, ["X-Hook0-Signature", sig]], body=body, now=T + 300, expect=ok),
    dict(name="older than five minutes is refused", headers=[CT, ["X-Hook0-Signature", sig]], body=body, now=T + 301,
         expect={"error": "webhook_too_old"}),
    dict(name="a shorter maximum age is honoured", headers=[CT, ["X-Hook0-Signature", sig]], body=body, now=T + 61,
         maxAgeSeconds=60, expect={"error": "webhook_too_old"}),
    dict(name="30 seconds in the future is clock skew", headers=[CT, ["X-Hook0-Signature", sig]], body=body, now=T - 30, expect=ok),
    dict(name="further in the future is refused", headers=[CT, ["X-Hook0-Signature", sig]], body=body, now=T - 31,
         expect={"error": "webhook_from_future"}),
    dict(name="no signature header", headers=[CT], body=body, now=T, expect={"error": "webhook_malformed"}),
    dict(name="no timestamp", headers=[CT, ["X-Hook0-Signature", sig.split(",", 1)[1]]], body=body, now=T,
         expect={"error": "webhook_malformed"}),
    dict(name="a timestamp that is not a number", headers=[CT, ["X-Hook0-Signature", sig.replace(f"t={T}", "t=soon")]], body=body, now=T,
         expect={"error": "webhook_malformed"}),
    dict(name="a v1 that is not hex", headers=[CT, ["X-Hook0-Signature", f"t={T},h=content-type,v1=zz{'0' * 62}"]], body=body, now=T,
         expect={"error": "webhook_malformed"}),
    dict(name="a v1 without h", headers=[CT, ["X-Hook0-Signature", f"t={T},v1={v1(SECRET, T, '', [], body)}"]], body=body, now=T,
         expect={"error": "webhook_malformed"}),
    dict(name="a part without = is ignored, as unknown parts are", headers=[CT, ["X-Hook0-Signature", sig + ",garbage"]],
         body=body, now=T, expect=ok),
    dict(name="two signature headers are refused, whichever is valid",
         headers=[CT, ["X-Hook0-Signature", sig], ["x-hook0-signature", sig.replace("v1=", "v1=0")[:len(sig)]]], body=body, now=T,
         expect={"error": "webhook_malformed"}),
    dict(name="two signatures merged into one header value are refused",
         headers=[CT, ["X-Hook0-Signature", sig + ", " + sig]], body=body, now=T, expect={"error": "webhook_malformed"}),
    dict(name="any of several v1 signatures may match (secret rotation)",
         headers=[CT, ["X-Hook0-Signature", f"t={T},h=content-type,v1={'0' * 64},v1={v1(SECRET, T, 'content-type', ['application/json'], body)}"]],
         body=body, now=T, expect=ok),
    dict(name="a t with a sign is refused", headers=[CT, ["X-Hook0-Signature", sig.replace(f"t={T}", f"t=+{T}")]], body=body,
         now=T, expect={"error": "webhook_malformed"}),
    dict(name="an h naming something that is not a header name is refused",
         headers=[CT, ["x.y", "1"], ["X-Hook0-Signature", f"t={T},h=content-type x.y,v1={v1(SECRET, T, 'content-type x.y', ['application/json', '1'], body)}"]],
         body=body, now=T, expect={"error": "webhook_malformed"}),
    dict(name="a signed header sent twice counts as its values joined by a comma and a space",
         headers=[["x-a", "1"], ["X-A", "2"], ["X-Hook0-Signature", f"t={T},h=x-a,v1={v1(SECRET, T, 'x-a', ['1, 2'], body)}"]],
         body=body, now=T, expect=ok),
    dict(name="a signed header missing from the request", headers=[["X-Hook0-Signature", sig]], body=body, now=T,
         expect={"error": "webhook_header_missing"}),
    dict(name="a well-signed body that is not an event is a decode error",
         headers=[CT, ["X-Hook0-Signature", f"t={T},h=content-type,v1={v1(SECRET, T, 'content-type', ['application/json'], '[1,2]')}"]],
         body="[1,2]", now=T, expect={"error": "decode"}),
]
unknown = event(event_type="acceptance.payment_session.disputed", event_id="0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d")
cases.append(dict(name="an unknown event type is kept as data",
                  headers=[CT, ["X-Hook0-Signature", f"t={T},h=content-type,v1={v1(SECRET, T, 'content-type', ['application/json'], unknown)}"]],
                  body=unknown, now=T, expect={"eventId": "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d", "eventType": "acceptance.payment_session.disputed"}))
for case in cases:
    case.setdefault("secret", SECRET)
doc = {"about": "CDP webhook deliveries (X-Hook0-Signature) and what verifying each must give. Signatures were computed "
                "with Python's hmac module (tests/vectors/webhooks_generate.py), independently of capturekit. `now` is the "
                "verification time in unix seconds; `maxAgeSeconds` the maximum age when not the default 300; `expect` is "
                "either the event's `eventId` and `eventType` (and `captureSessionId`: the session id the capture detail "
                "must carry) or the `error` code.",
       "cases": cases}
print(json.dumps(doc, indent=1, ensure_ascii=False))
