"""Webhooks in Python: the shared vectors, and the Python idioms of verifying and signing."""

from __future__ import annotations

import json
import time
from typing import Any, Dict

import pytest

import capturekit_sdk
from conftest import REPO

VECTORS = json.loads((REPO / "tests" / "vectors" / "webhooks.json").read_text())["cases"]


@pytest.mark.parametrize("case", VECTORS, ids=[case["name"] for case in VECTORS])
def test_each_webhook_vector_verifies_as_expected(case: Dict[str, Any]) -> None:
    options: Dict[str, Any] = {"now": case["now"]}
    if "maxAgeSeconds" in case:
        options["max_age"] = case["maxAgeSeconds"]
    headers = [tuple(pair) for pair in case["headers"]]
    expect = case["expect"]
    if "error" in expect:
        with pytest.raises(capturekit_sdk.CaptureKitError) as caught:
            capturekit_sdk.verify_webhook(case["body"].encode(), headers, case["secret"], **options)
        assert caught.value.code == expect["error"], caught.value
        if expect["error"].startswith("webhook_"):
            assert isinstance(caught.value, capturekit_sdk.WebhookVerificationError)
        return
    event = capturekit_sdk.verify_webhook(case["body"].encode(), headers, case["secret"], **options)
    assert (event.event_id, event.event_type) == (expect["eventId"], expect["eventType"])
    if "captureSessionId" in expect:
        assert event.data.capture is not None
        assert event.data.capture.payment_session_id == expect["captureSessionId"]


def test_a_signed_test_payload_verifies_and_decodes_to_typed_values() -> None:
    body = json.dumps({"eventId": "e-1", "eventType": "acceptance.payment_session.capture_pending",
                       "data": {"paymentSession": {"paymentSessionId": "paymentSession_1", "status": "capture_pending"},
                                "capture": {"captureId": "capture_1", "status": "pending", "amount": "2.50"}}}).encode()
    signature = capturekit_sdk.sign_webhook(body, "secret-1")
    headers = {"Content-Type": "application/json", "X-Hook0-Signature": signature}
    event = capturekit_sdk.verify_webhook(body, headers, "secret-1")
    assert event.event_type == capturekit_sdk.WebhookEventType.CAPTURE_PENDING
    assert event.data.capture is not None and str(event.data.capture.amount) == "2.50"
    assert event.data.capture.payment_session_id == "paymentSession_1"
    # Signed with other headers at another time.
    signature = capturekit_sdk.sign_webhook(body, "secret-1", headers={"x-id": "1"}, timestamp=int(time.time()) - 600)
    with pytest.raises(capturekit_sdk.WebhookTooOldError):
        capturekit_sdk.verify_webhook(body, {"x-id": "1", "x-hook0-signature": signature}, "secret-1")
    assert capturekit_sdk.verify_webhook(body, {"x-id": "1", "x-hook0-signature": signature}, "secret-1", max_age=700)


def test_text_bodies_and_unknown_options_are_refused_naming_them() -> None:
    with pytest.raises(TypeError, match="body: must be the raw body as bytes"):
        capturekit_sdk.verify_webhook("{}", {}, "s")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="max_agee"):
        capturekit_sdk.verify_webhook(b"{}", {}, "s", max_agee=5)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="headers"):
        capturekit_sdk.verify_webhook(b"{}", 5, "s")  # type: ignore[arg-type]
    with pytest.raises(capturekit_sdk.InvalidRequestError, match="max_age"):
        capturekit_sdk.verify_webhook(b"{}", {}, "s", max_age=0)
    with pytest.raises(capturekit_sdk.WebhookMalformedError):
        capturekit_sdk.verify_webhook(bytearray(b"{}"), {}, "s")


# --- whatever arrives ---------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SIGNATURE_TEXT = st.one_of(
    st.text(max_size=60),
    st.from_regex(r"(t|h|v0|v1|x)=[ -~]{0,70}(,(t|h|v0|v1|x)=[ -~]{0,70}){0,3}", fullmatch=True),
)


@settings(max_examples=300, deadline=None, database=None)
@given(body=st.binary(max_size=300), signature=SIGNATURE_TEXT, content_type=st.text(max_size=20),
       extra=st.lists(st.tuples(st.text(max_size=10), st.text(max_size=10)), max_size=3))
def test_any_delivery_ends_in_an_event_or_a_verification_error(body: bytes, signature: str, content_type: str,
                                                                extra: list) -> None:
    """Guards against a crash, a hang or a stray exception on hostile deliveries: the outcome
    is an event, a `WebhookVerificationError`, a `DecodeError`, or (for text that is not
    well-formed, such as a lone surrogate) an `InvalidRequestError` naming the headers."""
    headers = [("content-type", content_type), ("x-hook0-signature", signature), *extra]
    try:
        capturekit_sdk.verify_webhook(body, headers, "secret", now=1767225600)
    except (capturekit_sdk.WebhookVerificationError, capturekit_sdk.DecodeError):
        pass
    except capturekit_sdk.InvalidRequestError as error:
        assert "headers" in str(error), error


@settings(max_examples=200, deadline=None, database=None)
@given(value=st.one_of(st.none(), st.integers(), st.floats(), st.binary(max_size=5), st.lists(st.integers(), max_size=3),
                       st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)))
def test_headers_of_the_wrong_shape_are_a_type_error_naming_them(value: Any) -> None:
    try:
        capturekit_sdk.verify_webhook(b"{}", value, "secret")
    except TypeError as error:
        assert "headers" in str(error), error
    except capturekit_sdk.WebhookMalformedError:
        pass  # an empty mapping or sequence: no signature header


class LyingLength:
    """A sequence that says it holds 2**62 items: read item by item, it would ask for 4 EiB."""

    def __len__(self) -> int:
        return 2**62

    def __getitem__(self, index: int) -> int:
        raise IndexError(index)


@pytest.mark.parametrize("body", [LyingLength(), [1, 2, 3], (1, 2), [True, False], "{}", 5, None],
                         ids=["lying-len", "list", "tuple", "bools", "str", "int", "None"])
def test_only_byte_containers_are_bodies(body: Any) -> None:
    """Guards against a body read item by item from a length it reports itself (a lying
    `__len__` aborted the interpreter asking for 4 EiB) or from ints that are not bytes."""
    with pytest.raises(TypeError, match="body"):
        capturekit_sdk.verify_webhook(body, {}, "secret")
    with pytest.raises(TypeError, match="body"):
        capturekit_sdk.sign_webhook(body, "secret")


def test_a_memoryview_of_bytes_is_a_body() -> None:
    body = b'{"eventId": "e", "eventType": "acceptance.payment_session.created", "data": {}}'
    signature = capturekit_sdk.sign_webhook(memoryview(body), "s")
    assert capturekit_sdk.verify_webhook(memoryview(body), {"content-type": "application/json",
                                                        "x-hook0-signature": signature}, "s").event_id == "e"
