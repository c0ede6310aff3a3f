"""The README's Python examples run, in order, against the emulator."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

import capturekit_sdk
from conftest import ED25519_KEY, REPO, STATESET_API_KEY, Emulator


def python_blocks() -> List[str]:
    """The README's ```python blocks, in order."""
    return re.findall(r"```python\n(.*?)```", (REPO / "README.md").read_text(), flags=re.S)


def test_the_readme_pytest_example_passes_with_the_installed_plugin(tmp_path: Path) -> None:
    # A test file a user writes (its first line names it) runs under pytest as the user runs it:
    # in its own folder, with the fixture from the installed plugin and no conftest.
    [example] = [block for block in python_blocks() if block.startswith("# test_")]
    name = example.splitlines()[0].removeprefix("# ")
    (tmp_path / name).write_text(example)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", name], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout, run.stdout


def test_the_readme_python_examples_run(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = [block for block in python_blocks() if not block.startswith("# test_")]
    assert len(blocks) >= 3
    # The examples name a key file in the working directory and the production host; here
    # the key is the test key and every client is pointed at the emulator.
    shutil.copy(ED25519_KEY, tmp_path / "cdp_api_key.json")
    monkeypatch.chdir(tmp_path)
    original = capturekit_sdk.Client

    def to_emulator(**options: Any) -> capturekit_sdk.Client:
        options.setdefault("base_url", emulator.base_url)
        options.setdefault("coinbase_payments_base_url", emulator.url)
        options.setdefault("stateset_base_url", emulator.url)
        return original(**options)

    monkeypatch.setattr(capturekit_sdk, "Client", to_emulator)
    emulator.control("PUT", "config", {"settleDelayMs": 50})
    monkeypatch.setenv("STATESET_API_KEY", STATESET_API_KEY)
    namespace: Dict[str, Any] = {
        "session_id": emulator.authorized_session("100"),
        "escrow_payment_id": emulator.control("POST", "escrow-payments", {"amount": "50"})["id"],
        "stateset_payment_id": emulator.control("POST", "stateset-payments", {"amount": 15000})["id"],
        "shipped_session_id": emulator.authorized_session("30"),
        "unpaid_session_id": emulator.control("POST", "payment-sessions", {"amount": "8", "authorized": False})[
            "paymentSessionId"],
    }
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    captures = list(namespace["client"].payment_sessions.list_captures(namespace["session_id"]))
    assert [c.amount for c in captures] == [10, 1, 2]
    assert namespace["details"].payment.captured_amount == 25
    assert namespace["payment"].amount_captured == 12000
    shipped = namespace["client"].payment_sessions.get_session(namespace["shipped_session_id"]).balances
    assert (shipped.capturable, shipped.captured, shipped.refundable, shipped.refunded) == (0, 20, 15, 5)
    assert namespace["canceled"].status == capturekit_sdk.PaymentSessionStatus.CANCELED
    assert namespace["void"].amount == 10 and namespace["refund"].amount == 5
