"""The demo in Python: against a running emulator, authorize a session, make two partial
captures, wait for them to settle, void the rest, refund part of a capture, and print each
step and the session's balances.

CAPTUREKIT_EMULATOR_URL and CDP_KEY_FILE must be set; `make demo` does both.
"""

import json
import os
import urllib.request
from decimal import Decimal

import capturekit_sdk

emulator = os.environ["CAPTUREKIT_EMULATOR_URL"]

# The emulator's control API plays the payer: it authorizes 25.00 USDC.
request = urllib.request.Request(
    f"{emulator}/_emulator/payment-sessions",
    data=json.dumps({"amount": "25.00", "asset": "usdc"}).encode(),
    headers={"content-type": "application/json"},
)
session_id = json.load(urllib.request.urlopen(request))["paymentSessionId"]
print(f"[python] authorized {session_id} for 25.00 USDC")

client = capturekit_sdk.Client(base_url=f"{emulator}/platform", key_file=os.environ["CDP_KEY_FILE"])
sessions = client.payment_sessions
first = sessions.capture(session_id, amount=Decimal("10.00"), metadata={"order_id": "order-1001"})
second = sessions.capture(session_id, amount="5.50", final_capture=False)
for capture in (first, second):
    print(f"[python] capture {capture.capture_id} of {capture.amount} is {capture.status} "
          f"(idempotency key {capture.idempotency_key})")
for capture in (first, second):
    settled = sessions.wait_for_capture(session_id, capture.capture_id, timeout=30)
    tx = settled.onchain_transactions[0].transaction_hash if settled.onchain_transactions else "-"
    print(f"[python] capture {settled.capture_id} settled: {settled.status} (tx {tx})")
void = sessions.wait_for_void(session_id, sessions.void(session_id).void_id, timeout=30)
print(f"[python] void {void.void_id} released the other {void.amount}: {void.status}")
refund = sessions.refund(session_id, amount="2.50", reason="one item returned",
                         source={"account_id": "account_af2937b0-9846-4fe7-bfe9-ccc22d935114", "asset": "usdc"})
refund = sessions.wait_for_refund(session_id, refund.refund_id, timeout=30)
print(f"[python] refund {refund.refund_id} of {refund.amount}: {refund.status}")
b = sessions.get_session(session_id).balances
print(f"[python] capturable {b.capturable} captured {b.captured} refundable {b.refundable} refunded {b.refunded}")
