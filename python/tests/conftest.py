"""Fixtures: an emulator process on a free loopback port, started and stopped by the tests."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
SCENARIOS = REPO / "tests" / "scenarios"
ED25519_KEY = FIXTURES / "ed25519-key.json"
ES256_KEY = FIXTURES / "es256-key.json"
# A valid key that no test emulator is given.
UNKNOWN_KEY = FIXTURES / "unknown-key.json"
BEARER_TOKEN = "test-bearer-token"
STATESET_API_KEY = "test-stateset-key"
EMULATOR_BIN = Path(os.environ.get("CAPTUREKIT_EMULATOR_BIN", REPO / "target" / "debug" / "capturekit-emulator"))


class Emulator:
    """A running `capturekit-emulator` that accepts both fixture keys and the test token."""

    def __init__(self, settle_delay_ms: Optional[int] = None) -> None:
        args = [str(EMULATOR_BIN), "--port", "0", "--key-file", str(ED25519_KEY), "--key-file", str(ES256_KEY),
                "--bearer-token", BEARER_TOKEN, "--stateset-api-key", STATESET_API_KEY]
        args += ["--settle-delay-ms", str(settle_delay_ms)] if settle_delay_ms is not None else ["--manual-settle"]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.process.stdout is not None
        first_line = self.process.stdout.readline().strip()
        assert first_line.startswith("CAPTUREKIT_EMULATOR_URL="), first_line
        self.url = first_line.split("=", 1)[1]
        self.base_url = f"{self.url}/platform"

    def control(self, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Any:
        data = json.dumps(body or {}).encode()
        request = urllib.request.Request(f"{self.url}/_emulator/{path}", data=data if method != "GET" else None,
                                         method=method, headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def authorized_session(self, amount: str = "10") -> str:
        session_id: str = self.control("POST", "payment-sessions", {"amount": amount})["paymentSessionId"]
        return session_id

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    running = Emulator()
    yield running
    running.stop()
