"""End to end: the README's Python receiver (python/examples/webhook_receiver.py) subscribes to
the emulator, a capture settles, and each delivery is verified and handled once, under
duplicate and out-of-order delivery faults; the README shows the receiver word for word."""

from __future__ import annotations

import importlib.util
import json
import threading
import time
import urllib.request
from http.server import ThreadingHTTPServer
from typing import Any, Iterator, List

import pytest

import capturekit_sdk
from conftest import BEARER_TOKEN, REPO, Emulator

EXAMPLE = REPO / "python" / "examples" / "webhook_receiver.py"
spec = importlib.util.spec_from_file_location("webhook_receiver", EXAMPLE)
assert spec is not None and spec.loader is not None
receiver = importlib.util.module_from_spec(spec)
spec.loader.exec_module(receiver)

PENDING = "acceptance.payment_session.capture_pending"
SUCCEEDED = "acceptance.payment_session.capture_succeeded"


@pytest.fixture
def settling_emulator() -> Iterator[Emulator]:
    running = Emulator(settle_delay_ms=50)
    yield running
    running.stop()


def subscribe(emulator: Emulator, url: str) -> str:
    body = json.dumps({"eventTypes": [PENDING, SUCCEEDED], "isEnabled": True, "target": {"url": url}}).encode()
    request = urllib.request.Request(f"{emulator.base_url}/v2/data/webhooks/subscriptions", data=body, method="POST",
                                     headers={"content-type": "application/json",
                                              "authorization": f"Bearer {BEARER_TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        secret: str = json.loads(response.read())["secret"]
        return secret


def test_the_receiver_handles_each_event_once_and_marks_the_order_paid(settling_emulator: Emulator) -> None:
    emulator = settling_emulator
    orders = receiver.Orders()
    handled: List[Any] = []
    original = orders.handle

    def recording(event: capturekit_sdk.WebhookEvent) -> None:
        handled.append(event)
        original(event)

    orders.handle = recording  # type: ignore[method-assign]
    server = ThreadingHTTPServer(("127.0.0.1", 0), receiver.make_handler("placeholder", orders))
    url = f"http://127.0.0.1:{server.server_address[1]}/webhooks/cdp"
    secret = subscribe(emulator, url)
    server.RequestHandlerClass = receiver.make_handler(secret, orders)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        emulator.control("POST", "webhooks/faults", {"type": "duplicate", "count": 0})
        emulator.control("POST", "webhooks/faults", {"type": "out_of_order"})
        session = emulator.authorized_session("12")
        client = capturekit_sdk.Client(base_url=emulator.base_url, bearer_token=BEARER_TOKEN)
        client.payment_sessions.capture(session, amount="12")
        deadline = time.monotonic() + 10
        while True:
            deliveries = emulator.control("GET", "webhooks/deliveries")["deliveries"]
            delivered = [d for d in deliveries if d["outcome"] == "delivered"]
            if len(delivered) >= 4 and orders.status.get(session) == "paid":
                break
            assert time.monotonic() < deadline, deliveries
            time.sleep(0.02)
        assert orders.status[session] == "paid"
        assert len(orders.seen) == 2, "each of the two events handled once, though each came twice"
        assert len(handled) == 4
        arrived = [event.event_type.value for event in handled]
        assert arrived[0] == SUCCEEDED, f"out of order: {arrived}"
        assert {event.data.capture.payment_session_id for event in handled if event.data.capture} == {session}
        succeeded = next(event for event in handled if event.event_type == capturekit_sdk.WebhookEventType.CAPTURE_SUCCEEDED)
        assert succeeded.data.capture is not None and succeeded.data.capture.status == capturekit_sdk.CaptureStatus.SUCCEEDED
        assert succeeded.data.payment_session is not None and succeeded.data.payment_session.balances.captured == 12
    finally:
        server.shutdown()
        server.server_close()


def test_a_delivery_that_does_not_verify_is_refused(settling_emulator: Emulator) -> None:
    orders = receiver.Orders()
    server = ThreadingHTTPServer(("127.0.0.1", 0), receiver.make_handler("the-secret", orders))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        body = b'{"eventId": "e", "eventType": "acceptance.payment_session.created", "data": {}}'
        for signature, expected in [(capturekit_sdk.sign_webhook(body, "another-secret"), 400),
                                    (capturekit_sdk.sign_webhook(body, "the-secret"), 200)]:
            request = urllib.request.Request(f"http://127.0.0.1:{server.server_address[1]}/", data=body, method="POST",
                                             headers={"content-type": "application/json",
                                                      "x-hook0-signature": signature})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            assert status == expected
        assert orders.seen == {"e"}
    finally:
        server.shutdown()
        server.server_close()


def test_the_readme_shows_the_receiver() -> None:
    source = EXAMPLE.read_text()
    region = source.split("# README:begin\n")[1].split("# README:end")[0]
    assert f"```python\n{region}```" in (REPO / "README.md").read_text()
