"""capturekit_sdk.testing and the pytest fixture ``capturekit_emulator``, as a user's test suite uses them."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import stat
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import List, Optional

import pytest

import capturekit_sdk
from capturekit_sdk.testing import Emulator, EmulatorControlError, find_emulator_executable, start_emulator


def test_the_fixture_is_registered_by_the_installed_plugin(pytestconfig: pytest.Config) -> None:
    plugin = pytestconfig.pluginmanager.get_plugin("capturekit")
    assert plugin is not None and plugin.__name__ == "capturekit_sdk.pytest_plugin"


def test_the_fixture_hands_back_clients_for_all_three_providers(capturekit_emulator: Emulator) -> None:
    emulator = capturekit_emulator
    assert emulator.url.startswith("http://127.0.0.1:") and emulator.base_url == f"{emulator.url}/platform"
    client = emulator.client()
    session_id = emulator.create_session(amount="25.00")
    capture = client.payment_sessions.capture(session_id, amount="10.00", metadata={"order": "1"})
    assert emulator.settle(captureId=capture.capture_id) == 1
    assert client.payment_sessions.get_capture(session_id, capture.capture_id).status == capturekit_sdk.CaptureStatus.SUCCEEDED

    escrow_id = emulator.create_escrow_payment(amount="40.00")
    escrow = client.coinbase_payments.capture(escrow_id, amount="15.00")
    assert client.coinbase_payments.get_payment(escrow_id).payment.captured_amount == Decimal("15")
    assert escrow.operation_id

    stateset_id = emulator.create_stateset_payment(amount_cents=15000)
    assert client.stateset.capture(stateset_id, amount_cents=12000).amount_captured == 12000


def test_the_async_client_is_pointed_at_the_emulator_too(capturekit_emulator: Emulator) -> None:
    session_id = capturekit_emulator.create_session(amount="5")

    async def balance() -> Decimal:
        async with capturekit_emulator.async_client() as client:
            return (await client.payment_sessions.get_session(session_id)).balances.capturable

    assert asyncio.run(balance()) == 5


def test_a_dropped_answer_retried_with_the_same_key_captures_once(capturekit_emulator: Emulator) -> None:
    emulator = capturekit_emulator
    session_id = emulator.create_session(amount="25.00")
    client = emulator.client(max_retries=0)
    emulator.add_fault("drop", method="POST", path="/captures")
    with pytest.raises(capturekit_sdk.OutcomeUnknownError) as unknown:
        client.payment_sessions.capture(session_id, amount="10.00", idempotency_key="order-7-capture")
    again = client.payment_sessions.capture(session_id, amount="10.00", idempotency_key=unknown.value.idempotency_key)
    posts = [(r["idempotencyKey"], r["status"], r["fault"]) for r in emulator.requests() if r["method"] == "POST"]
    assert posts == [("order-7-capture", 200, "drop"), ("order-7-capture", 200, None)]
    emulator.settle()
    balances = client.payment_sessions.get_session(session_id).balances
    assert (balances.captured, balances.capturable) == (10, 15)
    assert [c.capture_id for c in client.payment_sessions.list_captures(session_id)] == [again.capture_id]


def test_the_control_helpers_drive_the_emulator(capturekit_emulator: Emulator) -> None:
    emulator = capturekit_emulator
    client = emulator.client()
    assert emulator.configure(settleDelayMs=None) == {"settleDelayMs": None, "rateLimits": False}
    unpaid = emulator.create_session(amount="3", authorized=False)
    assert emulator.authorize_session(unpaid)["status"] == "authorization_succeeded"
    assert emulator.next_outcome("failed", errorCode="insufficient_funds") == {"queued": 1}
    capture = client.payment_sessions.capture(unpaid, amount="1")
    assert emulator.settle(paymentSessionId=unpaid) == 1
    assert client.payment_sessions.get_capture(unpaid, capture.capture_id).status == capturekit_sdk.CaptureStatus.FAILED
    assert emulator.advance_clock(60).endswith("Z")
    emulator.add_fault("status", status=503, count=0)
    emulator.clear_faults()
    emulator.add_webhook_fault("duplicate")
    emulator.clear_webhook_faults()
    assert emulator.webhook_deliveries(eventType="payment_session.captured") == []
    stats = emulator.stats()
    assert (stats["sessions"], stats["captures"]) == (1, 1)
    emulator.reset()
    assert (emulator.stats()["sessions"], emulator.requests()) == (0, [])


def test_a_refused_control_call_names_the_field(capturekit_emulator: Emulator) -> None:
    with pytest.raises(EmulatorControlError, match="count") as refused:
        capturekit_emulator.next_outcome("failed", count=0)
    assert refused.value.status == 400
    with pytest.raises(EmulatorControlError, match="seconds"):
        capturekit_emulator.advance_clock(-1)


@pytest.mark.capturekit_emulator(manual_settle=True)
def test_the_marker_passes_options_to_the_emulator(capturekit_emulator: Emulator) -> None:
    client = capturekit_emulator.client()
    session_id = capturekit_emulator.create_session(amount="2")
    capture = client.payment_sessions.capture(session_id, amount="1")
    with pytest.raises(capturekit_sdk.TimeoutError):
        client.payment_sessions.wait_for_capture(session_id, capture.capture_id, timeout=0.3)
    assert capturekit_emulator.settle() == 1


def test_a_seed_makes_probabilistic_faults_fall_the_same_way() -> None:
    def statuses(seed: int) -> List[Optional[int]]:
        with start_emulator(seed=seed) as emulator:
            emulator.add_fault("status", status=503, probability=0.5, count=0)
            client = emulator.client(max_retries=0)
            session_id = emulator.create_session(amount="1")
            for _ in range(16):
                try:
                    client.payment_sessions.get_session(session_id)
                except capturekit_sdk.ServerError:
                    pass
            return [r["status"] for r in emulator.requests()]

    first = statuses(7)
    assert first == statuses(7)
    assert 503 in first and 200 in first


def test_stop_ends_the_process_and_removes_its_key(tmp_path: Path) -> None:
    emulator = start_emulator()
    key_file = Path(emulator.key_file)
    assert key_file.is_file()
    emulator.stop()
    assert not key_file.exists()
    with pytest.raises(OSError):
        emulator.stats()


def test_a_missing_executable_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(FileNotFoundError, match="not an executable file"):
        start_emulator(executable=tmp_path / "nowhere")
    monkeypatch.setenv("CAPTUREKIT_EMULATOR_BIN", "")  # empty counts as unset
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("sysconfig.get_path", lambda name: str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r'pip install "capturekit-sdk\[testing\]"'):
        find_emulator_executable()


def test_an_emulator_that_cannot_start_says_why(tmp_path: Path) -> None:
    script = tmp_path / "broken-emulator"
    script.write_text("#!/bin/sh\necho 'capturekit-emulator: cannot listen: address in use' >&2\nexit 2\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    with pytest.raises(RuntimeError, match="exit status 2.*address in use"):
        start_emulator(executable=script)
    assert os.environ.get("CAPTUREKIT_EMULATOR_BIN") != str(script)


def test_an_emulator_outlives_no_killed_test_run() -> None:
    # A test process killed (SIGKILL) before it could stop its emulator: the emulator's stdin
    # pipe closes with it, and the emulator stops on its own.
    script = ("import os, signal\nfrom capturekit_sdk.testing import start_emulator\n"
              "emulator = start_emulator()\nprint(emulator._process.pid, flush=True)\n"
              "os.kill(os.getpid(), signal.SIGKILL)\n")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == -signal.SIGKILL, run.stderr
    emulator_pid = int(run.stdout.strip())
    deadline = time.monotonic() + 10
    while _is_running(emulator_pid):
        assert time.monotonic() < deadline, "the emulator outlived its killed test run"
        time.sleep(0.02)


def _is_running(pid: int) -> bool:
    # The orphaned emulator is reaped by init; until then (or if it is a zombie) /proc says so.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_the_helpers_are_the_shared_control_calls() -> None:
    # tests/vectors/emulator_fixture.json lists the control calls every language's fixture wraps.
    vector = json.loads((Path(__file__).resolve().parents[2] / "tests" / "vectors" / "emulator_fixture.json").read_text())
    infrastructure = {"client", "async_client", "client_options", "control", "stop"}
    helpers = {name for name, value in vars(Emulator).items() if callable(value) and not name.startswith("_")}
    assert helpers - infrastructure == {helper["name"] for helper in vector["helpers"]}
