"""A webhook receiver with the standard library's http.server: it verifies each delivery,
de-duplicates by event id (deliveries are retried), and marks an order paid when its capture
succeeds. Run it with CDP_WEBHOOK_SECRET set; `python/tests/test_webhook_receiver.py` runs it
against the emulator.
"""

import os
# README:begin
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import capturekit_sdk


class Orders:
    """Order states by payment session id, and the event ids already handled."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.status: dict[str, str] = {}
        self.seen: set[str] = set()

    def handle(self, event: capturekit_sdk.WebhookEvent) -> None:
        with self.lock:
            if event.event_id in self.seen:
                return  # a retried delivery: already handled
            self.seen.add(event.event_id)
            session = event.data.payment_session
            if session is None:
                return
            if event.event_type == capturekit_sdk.WebhookEventType.CAPTURE_SUCCEEDED:
                self.status[session.payment_session_id] = "paid"
            elif event.event_type == capturekit_sdk.WebhookEventType.CAPTURE_PENDING:
                # Deliveries may come out of order: never step back from "paid".
                self.status.setdefault(session.payment_session_id, "capturing")


MAX_BODY_BYTES = 1024 * 1024  # a CDP event is a few kilobytes


def make_handler(secret: str, orders: Orders) -> type[BaseHTTPRequestHandler]:
    class WebhookHandler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = self.headers.get("content-length", "")
            if not length.isdigit() or int(length) > MAX_BODY_BYTES:
                return self.answer(413)  # read nothing of a body of unknown or unreasonable size
            body = self.rfile.read(int(length))
            try:
                event = capturekit_sdk.verify_webhook(body, self.headers, secret)
            except capturekit_sdk.WebhookVerificationError:
                return self.answer(400)  # not from CDP (or too old): refuse it
            except capturekit_sdk.CaptureKitError:
                return self.answer(500)  # verified but not understood: CDP will retry it
            orders.handle(event)
            self.answer(200)

        def answer(self, status: int) -> None:
            self.send_response(status)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    return WebhookHandler
# README:end


if __name__ == "__main__":
    secret = os.environ["CDP_WEBHOOK_SECRET"]  # fails at start, not on the first delivery
    server = ThreadingHTTPServer(("127.0.0.1", 8080), make_handler(secret, Orders()))
    server.serve_forever()
