"""A user's first capture with the installed wheel, against the emulator that
scripts/with-emulator.sh started (CAPTUREKIT_EMULATOR_URL, CDP_KEY_FILE)."""

import json
import os
import shutil
import urllib.request
from decimal import Decimal

import capturekit_sdk

assert shutil.which("cargo") is None and shutil.which("rustc") is None, "Rust is on PATH"
assert "site-packages" in capturekit_sdk.__file__, capturekit_sdk.__file__

emulator = os.environ["CAPTUREKIT_EMULATOR_URL"]
authorize = urllib.request.Request(
    f"{emulator}/_emulator/payment-sessions",
    data=json.dumps({"amount": "25.00"}).encode(),
    headers={"content-type": "application/json"},
)
session_id = json.load(urllib.request.urlopen(authorize))["paymentSessionId"]

client = capturekit_sdk.Client(base_url=f"{emulator}/platform", key_file=os.environ["CDP_KEY_FILE"])
capture = client.payment_sessions.capture(session_id, amount="10.00", metadata={"order_id": "1001"})
settled = client.payment_sessions.wait_for_capture(session_id, capture.capture_id)
balances = client.payment_sessions.get_session(session_id).balances
assert settled.status == capturekit_sdk.CaptureStatus.SUCCEEDED, settled.status
assert settled.metadata == {"order_id": "1001"}, settled.metadata
assert (Decimal(balances.captured), Decimal(balances.capturable)) == (10, 15), balances
print(f"[install: python] {capturekit_sdk.__file__}: capture {settled.capture_id} {settled.status.value}")
