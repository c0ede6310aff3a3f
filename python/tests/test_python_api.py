"""What is Python's own: exception classes, Decimal and datetime, float refusal, enums,
models, threads, asyncio, fork, pickling, token providers, argument types and the stubs."""

from __future__ import annotations

import asyncio
import builtins
import json
import os
import pickle
import subprocess
import sys
import threading
import time
from datetime import timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, List

import pytest

import capturekit_sdk
from capturekit_sdk import CaptureStatus
from conftest import BEARER_TOKEN, ED25519_KEY, ES256_KEY, STATESET_API_KEY, UNKNOWN_KEY, Emulator

UNUSED_SESSION = "paymentSession_00000000-0000-4000-8000-000000000000"


def client(emulator: Emulator, **options: Any) -> capturekit_sdk.Client:
    options.setdefault("key_file", ED25519_KEY)
    return capturekit_sdk.Client(base_url=emulator.base_url, **options)


# --- exceptions ---------------------------------------------------------------------------

ALL_ERRORS = [
    (capturekit_sdk.InvalidRequestError, "invalid_request"),
    (capturekit_sdk.AuthenticationError, "authentication"),
    (capturekit_sdk.PermissionDeniedError, "permission_denied"),
    (capturekit_sdk.NotFoundError, "not_found"),
    (capturekit_sdk.IdempotencyError, "idempotency_conflict"),
    (capturekit_sdk.RateLimitError, "rate_limited"),
    (capturekit_sdk.CaptureExpiredError, "capture_expired"),
    (capturekit_sdk.NoCapturableBalanceError, "no_capturable_balance"),
    (capturekit_sdk.APIError, "api"),
    (capturekit_sdk.ServerError, "server"),
    (capturekit_sdk.OutcomeUnknownError, "outcome_unknown"),
    (capturekit_sdk.NetworkError, "network"),
    (capturekit_sdk.TimeoutError, "timeout"),
    (capturekit_sdk.DecodeError, "decode"),
    (capturekit_sdk.ConfigurationError, "configuration"),
    (capturekit_sdk.InternalError, "internal"),
]


@pytest.mark.parametrize("cls,code", ALL_ERRORS, ids=[c for _, c in ALL_ERRORS])
def test_every_exception_class_has_its_code_fields_and_pickles(cls: type, code: str) -> None:
    error = cls("described", {"message": "boom", "http_status": 503, "error_type": "service_unavailable",
                              "correlation_id": "c-1", "error_link": "https://docs.example/e", "idempotency_key": "k-1",
                              "retryable": True})
    assert isinstance(error, capturekit_sdk.CaptureKitError)
    assert error.code == code
    assert (error.message, error.http_status, error.error_type) == ("boom", 503, "service_unavailable")
    assert (error.correlation_id, error.error_link, error.idempotency_key) == ("c-1", "https://docs.example/e", "k-1")
    assert error.retryable is True and error.retry_after is None and error.last_capture is None
    assert str(error) == "described"
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls and str(copy) == "described"
    assert (copy.message, copy.http_status, copy.correlation_id, copy.idempotency_key) == ("boom", 503, "c-1", "k-1")


def test_exceptions_are_also_the_right_builtins() -> None:
    assert issubclass(capturekit_sdk.InvalidRequestError, ValueError)
    assert issubclass(capturekit_sdk.TimeoutError, builtins.TimeoutError)
    assert issubclass(capturekit_sdk.ServerError, capturekit_sdk.APIError)
    limited = pickle.loads(pickle.dumps(capturekit_sdk.RateLimitError("slow", {"retry_after": 2.5})))
    assert limited.retry_after == 2.5 and limited.message == "slow"


def test_each_error_kind_arrives_as_its_class(emulator: Emulator, tmp_path: Path) -> None:
    session = emulator.authorized_session("1")
    ck = client(emulator, max_retries=0)
    ps = ck.payment_sessions

    def raises(cls: type, call: Any, **fault: Any) -> Any:
        if fault:
            emulator.control("POST", "faults", fault)
        with pytest.raises(cls) as caught:
            call()
        emulator.control("DELETE", "faults")
        return caught.value

    raises(capturekit_sdk.NotFoundError, lambda: ps.get_session(UNUSED_SESSION))
    raises(capturekit_sdk.InvalidRequestError, lambda: ps.capture(session, amount="5"))
    raises(capturekit_sdk.PermissionDeniedError, lambda: ps.get_session(session), type="status", status=403)
    raises(capturekit_sdk.IdempotencyError, lambda: ps.get_session(session), type="status", status=422,
           errorType="idempotency_error")
    raises(capturekit_sdk.APIError, lambda: ps.get_session(session), type="status", status=409,
           errorType="payment_session_already_authorized")
    limited = raises(capturekit_sdk.RateLimitError, lambda: ps.get_session(session), type="status", status=429, retryAfter=7)
    assert limited.retry_after == 7.0
    server = raises(capturekit_sdk.ServerError, lambda: ps.get_session(session), type="status", status=502)
    assert server.error_type == "bad_gateway" and server.correlation_id
    unknown = raises(capturekit_sdk.OutcomeUnknownError, lambda: ps.capture(session, amount="1", idempotency_key="py-unknown"),
                     type="status", status=500)
    assert unknown.idempotency_key == "py-unknown"
    raises(capturekit_sdk.DecodeError, lambda: ps.get_session(session), type="malformed")
    slow = client(emulator, max_retries=0, timeout=0.2)
    raises(builtins.TimeoutError, lambda: slow.payment_sessions.get_session(session), type="delay", delayMs=1500)
    raises(capturekit_sdk.AuthenticationError, lambda: client(emulator, key_file=UNKNOWN_KEY).payment_sessions.get_session(session))
    ps.capture(session, final_capture=True)
    raises(capturekit_sdk.NoCapturableBalanceError, lambda: ps.capture(session, amount="1"))
    late = emulator.authorized_session("1")
    emulator.control("POST", "clock/advance", {"seconds": 8 * 86400})
    raises(capturekit_sdk.CaptureExpiredError, lambda: ps.capture(late, amount="1"))

    closed = Emulator()
    closed.stop()
    offline = capturekit_sdk.Client(base_url=closed.base_url, key_file=ED25519_KEY, max_retries=0)
    raises(capturekit_sdk.NetworkError, lambda: offline.payment_sessions.get_session(session))
    bad_key = tmp_path / "bad.json"
    bad_key.write_text('{"id": "k", "privateKey": "not-a-key"}')
    error = raises(capturekit_sdk.ConfigurationError, lambda: capturekit_sdk.Client(key_file=bad_key))
    assert "not-a-key" not in str(error)


# --- money and time -----------------------------------------------------------------------

def test_amounts_round_trip_as_decimal_and_times_as_aware_datetimes(emulator: Emulator) -> None:
    session = emulator.authorized_session("10")
    ps = client(emulator).payment_sessions
    for given, expected in [(Decimal("2.50"), Decimal("2.50")), ("1.25", Decimal("1.25")), (3, Decimal("3"))]:
        capture = ps.capture(session, amount=given)
        assert isinstance(capture.amount, Decimal) and capture.amount == expected
        assert capture.created_at is not None and capture.created_at.tzinfo is not None
        assert capture.created_at.utcoffset() == timezone.utc.utcoffset(None)
    balances = ps.get_session(session).balances
    assert balances.capturable == Decimal("3.25") and isinstance(balances.capturable, Decimal)
    assert sum(c.amount or 0 for c in ps.list_captures(session)) == Decimal("6.75")


def test_a_decimal_subclass_is_a_decimal_and_a_lookalike_is_not(emulator: Emulator) -> None:
    class Money(Decimal):
        pass

    class NotDecimal:
        def __str__(self) -> str:
            return "1"

    NotDecimal.__name__ = "Decimal"
    session = emulator.authorized_session("10")
    ps = client(emulator).payment_sessions
    assert ps.capture(session, amount=Money("1.50")).amount == Decimal("1.50")
    with pytest.raises(TypeError, match="not Decimal"):
        ps.capture(session, amount=NotDecimal())  # type: ignore[typeddict-item]


@pytest.mark.parametrize("bad", [1.5, 0.1 + 0.2, float("nan")])
def test_a_float_amount_is_a_type_error_that_says_why(bad: float) -> None:
    ck = capturekit_sdk.Client(bearer_token="t", base_url="http://127.0.0.1:9/platform")
    with pytest.raises(TypeError, match="money is never a float"):
        ck.payment_sessions.capture(UNUSED_SESSION, amount=bad)


@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("-1"), Decimal("1E-29"), Decimal("1E+30000000"),
                                 Decimal("1E+999999999999999999"), "1e3", "0", " 1"])
def test_malformed_amounts_are_invalid_requests(bad: Any) -> None:
    ck = capturekit_sdk.Client(bearer_token="t", base_url="http://127.0.0.1:9/platform")
    with pytest.raises(capturekit_sdk.InvalidRequestError, match="^invalid_request: amount"):
        ck.payment_sessions.capture(UNUSED_SESSION, amount=bad)


@pytest.mark.parametrize("call", [
    lambda ps: ps.capture(12345, amount="1"),
    lambda ps: ps.capture(UNUSED_SESSION, amount=True),
    lambda ps: ps.capture(UNUSED_SESSION, amount=["1"]),
    lambda ps: ps.capture(UNUSED_SESSION, amount="1", metadata={"k": 1}),
    lambda ps: ps.capture(UNUSED_SESSION, amount="1", metadata=["k"]),
    lambda ps: ps.capture(UNUSED_SESSION, amount="1", final_capture="yes"),
    lambda ps: ps.capture(UNUSED_SESSION, amount="1", idempotency_key=7),
    lambda ps: ps.get_capture(None, None),
    lambda ps: ps.list_captures_page(UNUSED_SESSION, page_size=-1),
    lambda ps: ps.wait_for_capture(UNUSED_SESSION, "capture_x", timeout="soon"),
])
def test_arguments_of_the_wrong_type_raise_never_crash(call: Any) -> None:
    ck = capturekit_sdk.Client(bearer_token="t", base_url="http://127.0.0.1:9/platform")
    with pytest.raises((TypeError, OverflowError, capturekit_sdk.InvalidRequestError)):
        call(ck.payment_sessions)


def test_wait_timeout_carries_the_last_capture(emulator: Emulator) -> None:
    session = emulator.authorized_session("1")
    ps = client(emulator).payment_sessions
    capture = ps.capture(session)
    with pytest.raises(capturekit_sdk.TimeoutError) as caught:
        ps.wait_for_capture(session, capture.capture_id, timeout=0.3, poll_interval=0.05)
    last = caught.value.last_capture
    assert last is not None and last.capture_id == capture.capture_id and last.idempotency_key is None
    assert last.status is CaptureStatus.PENDING and last.amount == capture.amount


# --- models -------------------------------------------------------------------------------

def test_status_enums_keep_unknown_values() -> None:
    assert CaptureStatus("pending") is CaptureStatus.PENDING and CaptureStatus.PENDING == "pending"
    reversed_ = CaptureStatus("reversed")
    assert reversed_ == "reversed" and reversed_.value == "reversed" and not reversed_.is_known
    assert CaptureStatus.SUCCEEDED.is_known and str(reversed_) == "reversed"
    assert capturekit_sdk.Network("solana").value == "solana"


def test_models_have_repr_equality_and_to_dict(emulator: Emulator) -> None:
    session = emulator.authorized_session("5")
    ps = client(emulator).payment_sessions
    capture = ps.capture(session, amount="2", metadata={"order_id": "o-1"}, idempotency_key="model-key")
    assert repr(capture).startswith("Capture(capture_id='capture_")
    fetched = ps.get_capture(session, capture.capture_id)
    assert fetched == ps.get_capture(session, capture.capture_id)
    assert fetched != capture  # the fetched one has no idempotency key
    as_dict = capture.to_dict()
    assert as_dict["status"] == "pending" and type(as_dict["status"]) is str
    assert as_dict["amount"] == Decimal("2") and as_dict["metadata"] == {"order_id": "o-1"}
    assert as_dict["idempotency_key"] == "model-key"
    with pytest.raises(AttributeError):
        capture.amount = Decimal("3")  # type: ignore[misc]
    session_dict = ps.get_session(session).to_dict()
    assert session_dict["balances"]["capturable"] == Decimal("3")


# --- concurrency --------------------------------------------------------------------------

def wait_for_requests(emulator: Emulator, count: int, deadline: float = 10.0) -> int:
    end = time.monotonic() + deadline
    seen = 0
    while time.monotonic() < end:
        seen = emulator.control("GET", "stats")["requests"]
        if seen >= count:
            break
        time.sleep(0.02)
    return int(seen)


def test_threads_share_one_client_and_wait_together(emulator: Emulator) -> None:
    session = emulator.authorized_session("10")
    ck = client(emulator)
    # Every request is held 1.5 s: if calls ran one at a time (GIL held), at most one would
    # have reached the emulator when we look.
    emulator.control("POST", "faults", {"type": "delay", "delayMs": 1500, "count": 8})
    results: List[Any] = []
    threads = [threading.Thread(target=lambda: results.append(ck.payment_sessions.get_session(session))) for _ in range(8)]
    for thread in threads:
        thread.start()
    assert wait_for_requests(emulator, 8) == 8
    for thread in threads:
        thread.join()
    assert len(results) == 8


def test_the_gil_is_released_while_a_call_waits(emulator: Emulator) -> None:
    session = emulator.authorized_session("10")
    ck = client(emulator)
    emulator.control("POST", "faults", {"type": "delay", "delayMs": 500, "count": 1})
    ticks = 0
    stop = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1

    counter = threading.Thread(target=count)
    counter.start()
    ck.payment_sessions.get_session(session)
    before_stop = ticks
    stop.set()
    counter.join()
    assert before_stop > 10_000, f"the counting thread barely ran ({before_stop}): the GIL was held"


def test_asyncio_gather_runs_captures_concurrently(emulator: Emulator) -> None:
    session = emulator.authorized_session("100")

    async def main() -> List[capturekit_sdk.Capture]:
        ck = capturekit_sdk.AsyncClient(base_url=emulator.base_url, key_file=ED25519_KEY)
        emulator.control("POST", "faults", {"type": "delay", "delayMs": 1500, "count": 10, "method": "POST"})
        calls = asyncio.gather(*(ck.payment_sessions.capture(session, amount="1") for _ in range(10)))
        seen = await asyncio.get_running_loop().run_in_executor(None, wait_for_requests, emulator, 10)
        assert seen == 10, "all ten captures were in flight at once"
        return list(await calls)

    captures = asyncio.run(main())
    assert len({c.capture_id for c in captures}) == 10


def test_async_iteration_over_every_page(emulator: Emulator) -> None:
    session = emulator.authorized_session("10")
    ps = client(emulator).payment_sessions
    made = [ps.capture(session, amount="1").capture_id for _ in range(5)]

    async def main() -> List[str]:
        ck = capturekit_sdk.AsyncClient(base_url=emulator.base_url, key_file=ED25519_KEY)
        return [c.capture_id async for c in ck.payment_sessions.list_captures(session, page_size=2)]

    assert asyncio.run(main()) == made
    assert [c.capture_id for c in ps.list_captures(session, page_size=2)] == made


EXIT_RIGHT_AFTER_AWAITS = """
import asyncio, sys
import capturekit_sdk

async def main():
    ps = capturekit_sdk.AsyncClient(bearer_token=sys.argv[2], base_url=sys.argv[1]).payment_sessions
    await asyncio.gather(*(ps.get_session(sys.argv[3]) for _ in range(64)))

asyncio.run(main())
"""


def test_the_interpreter_exits_cleanly_right_after_many_awaited_calls(emulator: Emulator) -> None:
    # A result handed to asyncio runs Python on a tokio thread; the interpreter must not
    # finalize under it (that aborted the process about one exit in ten).
    session = emulator.authorized_session("10")
    for _ in range(12):
        done = subprocess.run([sys.executable, "-c", EXIT_RIGHT_AFTER_AWAITS, emulator.base_url, BEARER_TOKEN, session],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_a_forked_child_can_still_make_calls(emulator: Emulator) -> None:
    session = emulator.authorized_session("10")
    ck = client(emulator)
    ck.payment_sessions.get_session(session)  # the parent's runtime and pool exist now
    pid = os.fork()
    if pid == 0:
        try:
            ok = ck.payment_sessions.get_session(session).payment_session_id == session
            ok = ok and ck.payment_sessions.capture(session, amount="1").status is CaptureStatus.PENDING
            os._exit(0 if ok else 1)
        except BaseException:
            os._exit(2)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            break
        time.sleep(0.05)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the forked child hung")
    after = ck.payment_sessions.get_session(session)
    assert len(after.captures) == 1, "the child's capture was made"
    assert after.balances.capturable == Decimal("9")


# --- credentials --------------------------------------------------------------------------

def test_token_providers_sync_and_async_for_both_clients(emulator: Emulator) -> None:
    session = emulator.authorized_session("10")
    asked: List[capturekit_sdk.TokenRequest] = []

    def sync_provider(request: capturekit_sdk.TokenRequest) -> str:
        asked.append(request)
        return BEARER_TOKEN

    async def async_provider(request: capturekit_sdk.TokenRequest) -> str:
        await asyncio.sleep(0)
        asked.append(request)
        return BEARER_TOKEN

    emulator.control("POST", "faults", {"type": "status", "status": 503, "count": 1})
    ck = capturekit_sdk.Client(base_url=emulator.base_url, token_provider=sync_provider)
    ck.payment_sessions.capture(session, amount="1")
    assert len(asked) == 2, "one token per attempt"
    assert asked[0].method == "POST" and asked[0].uri == f"POST {asked[0].host_and_path}"
    assert asked[0].host_and_path.endswith(f"/platform/v2/payment-sessions/{session}/captures")
    capturekit_sdk.Client(base_url=emulator.base_url, token_provider=async_provider).payment_sessions.get_session(session)

    async def main() -> None:
        for provider in (sync_provider, async_provider):
            ck = capturekit_sdk.AsyncClient(base_url=emulator.base_url, token_provider=provider)
            await ck.payment_sessions.get_session(session)

    asyncio.run(main())
    assert len(asked) == 5


def test_generate_jwt_mints_tokens_the_api_accepts(emulator: Emulator) -> None:
    session = emulator.authorized_session("10")
    key = json.loads(ES256_KEY.read_text())

    def back_end(request: capturekit_sdk.TokenRequest) -> str:
        host, _, path = request.host_and_path.partition("/")
        return capturekit_sdk.generate_jwt(api_key_id=key["name"], api_key_secret=key["privateKey"],
                                       request_method=request.method, request_host=host, request_path="/" + path)

    client = capturekit_sdk.Client(base_url=emulator.base_url, token_provider=back_end)
    assert client.payment_sessions.capture(session, amount="1").amount == Decimal("1")
    with pytest.raises(capturekit_sdk.InvalidRequestError, match="request_path"):
        capturekit_sdk.generate_jwt(api_key_id=key["name"], api_key_secret=key["privateKey"], request_method="GET",
                                request_host="api.cdp.coinbase.com", request_path="no-slash")
    with pytest.raises(capturekit_sdk.ConfigurationError, match="key"):
        capturekit_sdk.generate_jwt(api_key_id="k", api_key_secret="not a key", request_method="GET",
                                request_host="api.cdp.coinbase.com", request_path="/platform")


def test_a_failing_token_provider_is_an_authentication_error(emulator: Emulator) -> None:
    session = emulator.authorized_session("10")

    def broken(request: capturekit_sdk.TokenRequest) -> str:
        raise RuntimeError("the back end is down")

    with pytest.raises(capturekit_sdk.AuthenticationError, match="RuntimeError: the back end is down"):
        capturekit_sdk.Client(base_url=emulator.base_url, token_provider=broken).payment_sessions.get_session(session)
    with pytest.raises(capturekit_sdk.AuthenticationError, match="must return a str"):
        capturekit_sdk.Client(base_url=emulator.base_url, token_provider=lambda r: 42).payment_sessions.get_session(session)
    assert emulator.control("GET", "stats")["requests"] == 0, "nothing was sent without a token"


def test_credentials_from_the_environment(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:

    key = json.loads(ED25519_KEY.read_text())
    monkeypatch.setenv("CDP_API_KEY_ID", key["id"])
    monkeypatch.setenv("CDP_API_KEY_SECRET", key["privateKey"])
    session = emulator.authorized_session("1")
    assert capturekit_sdk.Client(base_url=emulator.base_url).payment_sessions.get_session(session).amount == Decimal("1")
    monkeypatch.delenv("CDP_API_KEY_SECRET")
    with pytest.raises(capturekit_sdk.ConfigurationError, match="CDP_API_KEY_SECRET"):
        capturekit_sdk.Client(base_url=emulator.base_url)
    with pytest.raises(capturekit_sdk.ConfigurationError, match="only one of"):
        capturekit_sdk.Client(bearer_token="a", key_file=ED25519_KEY)


def test_repr_never_shows_a_secret() -> None:
    ck = capturekit_sdk.Client(bearer_token="super-secret-token", base_url="http://127.0.0.1:9/platform")
    assert "super-secret-token" not in repr(ck) and "super-secret-token" not in repr(ck.payment_sessions)


def test_the_stubs_match_the_native_module() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy.stubtest", "capturekit_sdk._native"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_package_type_checks() -> None:
    package = Path(capturekit_sdk.__file__).parent
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", str(package)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# --- Coinbase Payments and StateSet ---------------------------------------------------------

def test_provider_results_are_typed_and_bad_types_are_refused(emulator: Emulator) -> None:
    escrow_id = emulator.control("POST", "escrow-payments", {"amount": "10"})["id"]
    stateset_id = emulator.control("POST", "stateset-payments", {"amount": 5000})["id"]
    ck = capturekit_sdk.Client(base_url=emulator.base_url, key_file=ED25519_KEY, stateset_api_key=STATESET_API_KEY,
                           coinbase_payments_base_url=emulator.url, stateset_base_url=emulator.url)
    receiver = "0x1111111111111111111111111111111111111111"
    with pytest.raises(TypeError, match="float"):
        ck.coinbase_payments.capture(escrow_id, amount=1.5)  # type: ignore[typeddict-item]
    with pytest.raises(TypeError, match="amount_cents"):
        ck.stateset.capture(stateset_id, amount_cents=12.5)  # type: ignore[typeddict-item]
    reward = {"campaignAddress": receiver, "tokenAddress": receiver, "chainId": 8453}
    with pytest.raises(TypeError, match="campaignAddress"):
        ck.coinbase_payments.capture(escrow_id, amount="1", distribute_rewards=[reward])  # type: ignore[list-item]
    capture = ck.coinbase_payments.capture(
        escrow_id, amount=Decimal("2.50"), fee_bps=100, fee_receiver=receiver,
        distribute_rewards=[{"campaign_address": receiver, "token_address": receiver, "chain_id": 8453}])
    assert isinstance(capture, capturekit_sdk.EscrowCapture) and len(capture.idempotency_key or "") == 36
    assert capture.reward_operations[0].status is capturekit_sdk.RewardOperationStatus.PENDING
    details = ck.coinbase_payments.get_payment(escrow_id)
    assert details.payment.captured_amount == Decimal("2.5") and isinstance(details.payment.captured_amount, Decimal)
    assert details.payment.authorization_expiry is not None and details.payment.authorization_expiry.tzinfo is not None
    operation = details.payment_operations[-1]
    assert operation.operation_type is capturekit_sdk.PaymentOperationType.CAPTURE
    assert operation.fee_amount == Decimal("0.025")
    assert operation.to_dict()["operation_type"] == "PAYMENT_OPERATION_TYPE_CAPTURE"
    paid = ck.stateset.capture(stateset_id, statement_descriptor="PY TEST")
    assert paid.status is capturekit_sdk.StateSetPaymentStatus.SUCCEEDED and paid.amount_captured == 5000
    assert paid.captured_at is not None and paid.captured_at.tzinfo is not None
    with pytest.raises(capturekit_sdk.NoCapturableBalanceError) as again:
        ck.stateset.capture(stateset_id)
    assert again.value.error_type == "already_captured"


def test_a_stateset_only_client_needs_no_cdp_key(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CDP_API_KEY_ID", raising=False)
    monkeypatch.delenv("CDP_API_KEY_SECRET", raising=False)
    monkeypatch.setenv("STATESET_API_KEY", STATESET_API_KEY)
    stateset_id = emulator.control("POST", "stateset-payments", {"amount": 100})["id"]
    ck = capturekit_sdk.Client(stateset_base_url=emulator.url)
    assert ck.stateset.get_payment(stateset_id).amount_capturable == 100
    with pytest.raises(capturekit_sdk.ConfigurationError, match="CDP_API_KEY_ID"):
        ck.coinbase_payments.get_payment("p1")


# --- one definition: names, fields and errors come from the core ------------------------------

@pytest.mark.parametrize("call", [
    lambda: capturekit_sdk.Client(bearer_token="t", baseurl="http://127.0.0.1:9/platform"),
    lambda: capturekit_sdk.Client(bearer_token="t").payment_sessions.capture(UNUSED_SESSION, amout="1.00"),
    lambda: capturekit_sdk.Client(bearer_token="t").payment_sessions.wait_for_capture(UNUSED_SESSION, "capture_x",
                                                                                  timout=1),
    lambda: capturekit_sdk.Client(bearer_token="t").coinbase_payments.capture("p", amount="1", fee=1),
    lambda: capturekit_sdk.Client(bearer_token="t").stateset.capture("pay_1", amount=100),
    lambda: capturekit_sdk.JwtSigner(api_key="k"),
    lambda: capturekit_sdk.generate_jwt(api_key_id="k", api_key_secret="s", method="GET"),
])
def test_an_unknown_option_name_is_a_type_error_naming_it(call: Any) -> None:
    with pytest.raises(TypeError, match="unexpected option"):
        call()


def test_every_error_carries_every_field_of_the_core(emulator: Emulator) -> None:
    session = emulator.authorized_session("1")
    ps = client(emulator, max_retries=0).payment_sessions
    fields = set(capturekit_sdk.ErrorDetails.__dict__) & {
        name for name, value in vars(capturekit_sdk.ErrorDetails).items() if type(value).__name__ == "getset_descriptor"}
    assert {"code", "message", "http_status", "retry_after", "last_capture", "retryable"} <= fields
    emulator.control("POST", "faults", {"type": "status", "status": 429, "retryAfter": 3})
    with pytest.raises(capturekit_sdk.RateLimitError) as caught:
        ps.capture(session, amount="1", idempotency_key="every-field")
    error = caught.value
    assert fields - {"code"} <= set(vars(error)), "every field of the core's ErrorDetails is an attribute"
    assert (error.code, error.http_status, error.retry_after, error.retryable) == ("rate_limited", 429, 3.0, True)
    assert error.idempotency_key == "every-field" and error.correlation_id
    assert str(error).startswith("rate_limited: ") and f"correlation id {error.correlation_id}" in str(error)
    assert str(error).endswith("[idempotency key every-field]")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is capturekit_sdk.RateLimitError and str(again) == str(error) and again.retry_after == 3.0


def test_results_pickle_compare_and_are_immutable(emulator: Emulator) -> None:
    session = emulator.authorized_session("5")
    ps = client(emulator).payment_sessions
    capture = ps.capture(session, amount="1.50", metadata={"orderId": "A-1"}, idempotency_key="pickle-key")
    for value in (capture, ps.get_session(session), ps.list_captures_page(session)):
        copy = pickle.loads(pickle.dumps(value))
        assert copy == value and type(copy) is type(value) and copy is not value
    assert pickle.loads(pickle.dumps(capture)).idempotency_key == "pickle-key"
    with pytest.raises(TypeError):
        hash(capture)
    with pytest.raises(AttributeError):
        capture.metadata = {}  # type: ignore[misc]


def test_free_form_maps_keep_their_keys_and_values(emulator: Emulator) -> None:
    metadata = {"orderId": "A-1", "Shipped At": "tomorrow", "shippedAt": "2024-01-19T16:00:00Z", "AMOUNT": "10.50",
                "count": "42", "created_at": "not a date"}
    session = emulator.authorized_session("5")

    async def asynchronously() -> capturekit_sdk.Capture:
        ck = capturekit_sdk.AsyncClient(base_url=emulator.base_url, key_file=ED25519_KEY)
        return await ck.payment_sessions.capture(session, amount="1", metadata=metadata)

    ps = client(emulator).payment_sessions
    for capture in (ps.capture(session, amount="1", metadata=metadata), asyncio.run(asynchronously())):
        assert capture.metadata == metadata and all(type(v) is str for v in capture.metadata.values())
        assert capture.to_dict()["metadata"] == metadata
        assert ps.get_capture(session, capture.capture_id).metadata == metadata


def test_a_kept_signer_mints_tokens_the_api_accepts_and_shows_no_secret(emulator: Emulator) -> None:
    session = emulator.authorized_session("10")
    key = json.loads(ES256_KEY.read_text())
    signer = capturekit_sdk.JwtSigner(api_key_id=key["name"], api_key_secret=key["privateKey"])
    from_file = capturekit_sdk.JwtSigner(key_file=ES256_KEY)
    assert signer.key_id == from_file.key_id == key["name"]
    assert key["privateKey"] not in repr(signer)

    def back_end(request: capturekit_sdk.TokenRequest) -> str:
        host, _, path = request.host_and_path.partition("/")
        return signer.sign(request_method=request.method, request_host=host, request_path="/" + path)

    ck = capturekit_sdk.Client(base_url=emulator.base_url, token_provider=back_end)
    assert ck.payment_sessions.capture(session, amount="1").amount == Decimal("1")
    with pytest.raises(capturekit_sdk.InvalidRequestError, match="request_method"):
        signer.sign(request_method="get", request_host="h", request_path="/p")
    with pytest.raises(capturekit_sdk.ConfigurationError):
        capturekit_sdk.JwtSigner(api_key_id="k")


def test_an_asyncio_call_is_a_coroutine_that_starts_when_awaited(emulator: Emulator) -> None:
    session = emulator.authorized_session("10")

    async def main() -> List[capturekit_sdk.Capture]:
        ck = capturekit_sdk.AsyncClient(base_url=emulator.base_url, key_file=ED25519_KEY)
        never = ck.payment_sessions.capture(session, amount="1")
        assert asyncio.iscoroutine(never)
        never.close()  # dropped unawaited: nothing is sent
        await asyncio.sleep(0.2)
        assert emulator.control("GET", "stats")["requests"] == 0
        tasks = [asyncio.create_task(ck.payment_sessions.capture(session, amount="1")) for _ in range(3)]
        return list(await asyncio.gather(*tasks))

    captures = asyncio.run(main())
    assert len({c.capture_id for c in captures}) == 3
    assert emulator.control("GET", "stats")["requests"] == 3


def test_a_reward_input_is_built_from_keyword_arguments(emulator: Emulator) -> None:
    receiver = "0x1111111111111111111111111111111111111111"
    reward = capturekit_sdk.RewardInput(campaign_address=receiver, token_address=receiver, chain_id=8453)
    assert (reward.campaign_address, reward.chain_id) == (receiver, 8453)
    with pytest.raises(TypeError, match="chain_id"):
        capturekit_sdk.RewardInput(campaign_address=receiver, token_address=receiver)
    escrow_id = emulator.control("POST", "escrow-payments", {"amount": "10"})["id"]
    ck = capturekit_sdk.Client(base_url=emulator.base_url, key_file=ED25519_KEY, coinbase_payments_base_url=emulator.url)
    capture = ck.coinbase_payments.capture(escrow_id, amount="1", fee_bps=100, fee_receiver=receiver,
                                           distribute_rewards=[reward])
    assert capture.reward_operations[0].reward is not None


# --- issue 14: every call ends, no panic or swallowed Ctrl-C reaches the user ------------


def test_a_panic_inside_the_core_is_an_internal_error_and_the_interpreter_lives_on() -> None:
    from capturekit_sdk import _native

    with pytest.raises(capturekit_sdk.InternalError, match="a panic forced by a test"):
        _native._panic_for_tests()

    async def main() -> None:
        with pytest.raises(capturekit_sdk.InternalError, match="a panic forced by a test"):
            await _native._panic_for_tests_async()

    asyncio.run(main())
    assert capturekit_sdk.derive_idempotency_key("a") == capturekit_sdk.derive_idempotency_key("a")


def test_close_lets_the_provider_go_and_refuses_later_calls_before_io(emulator: Emulator) -> None:
    import gc
    import weakref

    session = emulator.authorized_session("5")

    class Provider:
        def __call__(self, request: Any) -> str:
            return BEARER_TOKEN

    provider = Provider()
    alive = weakref.ref(provider)
    with capturekit_sdk.Client(base_url=emulator.base_url, token_provider=provider) as ck:
        sessions = ck.payment_sessions
        sessions.get_session(session)
    del provider
    gc.collect()
    assert alive() is None, "the closed client still holds its token provider"
    before = emulator.control("GET", "stats")["requests"]
    with pytest.raises(capturekit_sdk.ConfigurationError, match="closed"):
        sessions.capture(session, amount="1")
    assert emulator.control("GET", "stats")["requests"] == before
    ck.close()

    async def main() -> None:
        async with capturekit_sdk.AsyncClient(base_url=emulator.base_url, bearer_token=BEARER_TOKEN) as ack:
            await ack.payment_sessions.get_session(session)
        with pytest.raises(capturekit_sdk.ConfigurationError):
            await ack.payment_sessions.get_session(session)

    asyncio.run(main())


def test_a_token_provider_that_never_answers_is_bounded_by_the_timeout(emulator: Emulator) -> None:
    session = emulator.authorized_session("5")

    def slow(request: Any) -> str:
        time.sleep(1.5)
        return BEARER_TOKEN

    async def never(request: Any) -> str:
        await asyncio.Event().wait()
        return BEARER_TOKEN

    started = time.monotonic()
    for provider in (slow, never):
        blocking = capturekit_sdk.Client(base_url=emulator.base_url, token_provider=provider, timeout=0.2, max_retries=0)
        with pytest.raises(capturekit_sdk.TimeoutError, match="token provider"):
            blocking.payment_sessions.capture(session, amount="1")

    async def main() -> None:
        ack = capturekit_sdk.AsyncClient(base_url=emulator.base_url, token_provider=never, timeout=0.2, max_retries=0)
        with pytest.raises(capturekit_sdk.TimeoutError, match="token provider"):
            await ack.payment_sessions.capture(session, amount="1")

    asyncio.run(main())
    assert time.monotonic() - started < 5
    assert emulator.control("GET", "stats")["captures"] == 0


def test_a_token_provider_may_call_capturekit_itself(emulator: Emulator) -> None:
    session = emulator.authorized_session("5")
    inner = client(emulator)

    def provider(request: Any) -> str:
        # Re-entrant: once "Cannot start a runtime from within a runtime" (a PanicException).
        inner.payment_sessions.get_session(session)
        return BEARER_TOKEN

    outer = capturekit_sdk.Client(base_url=emulator.base_url, token_provider=provider)
    assert outer.payment_sessions.get_session(session).payment_session_id == session


CTRL_C_SCRIPT = r"""
import os, signal, sys, threading, time
import capturekit_sdk
base_url, session, mode = sys.argv[1], sys.argv[2], sys.argv[3]
def provider(request):
    if mode == "provider":
        raise KeyboardInterrupt
    return "test-bearer-token"
ck = capturekit_sdk.Client(base_url=base_url, token_provider=provider, timeout=30, max_retries=0)
if mode == "held":
    threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
started = time.monotonic()
try:
    ck.payment_sessions.get_session(session)
    print("returned")
except KeyboardInterrupt:
    print("interrupted after %.1f s" % (time.monotonic() - started))
except Exception as error:
    print("swallowed as " + type(error).__name__)
"""


@pytest.mark.parametrize("mode", ["held", "provider"])
def test_ctrl_c_interrupts_a_blocking_call_at_once(emulator: Emulator, mode: str) -> None:
    session = emulator.authorized_session("5")
    # The emulator holds the answer for 8 s; Ctrl-C half a second in must end the call then.
    emulator.control("POST", "faults", {"type": "delay", "delayMs": 8000, "count": 1, "method": "GET"})
    out = subprocess.run([sys.executable, "-c", CTRL_C_SCRIPT, emulator.base_url, session, mode],
                         capture_output=True, text=True, timeout=60)
    assert out.stdout.startswith("interrupted after"), out.stdout + out.stderr
    assert float(out.stdout.split()[2]) < 3, out.stdout
