"""Test your code against the capturekit emulator.

``start_emulator()`` starts a fresh ``capturekit-emulator`` process on a free loopback port
with a development key, hands back clients already pointed at it (CDP Payment Sessions,
Coinbase Payments and StateSet), drives it through its control API, and stops it::

    from capturekit_sdk.testing import start_emulator

    with start_emulator() as emulator:
        session_id = emulator.create_session(amount="25.00")
        capture = emulator.client().payment_sessions.capture(session_id, amount="10.00")

With pytest, the fixture ``capturekit_emulator`` does the same for each test (the plugin is
registered when capturekit-sdk is installed). The executable comes from the
``capturekit-emulator`` package (``pip install "capturekit-sdk[testing]"``); the
``CAPTUREKIT_EMULATOR_BIN`` environment variable or ``executable=`` names another one.

Control bodies are passed through as the control API's JSON (camelCase field names, as in
the README's "Control API" table); the emulator checks them and answers a refused one with
a 400 naming the field, raised here as ``EmulatorControlError``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sysconfig
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any, Dict, List, Optional, Type, Union

from ._native import AsyncClient, Client

__all__ = ["Emulator", "EmulatorControlError", "start_emulator", "find_emulator_executable"]

EXECUTABLE_NAME = "capturekit-emulator"
ENV_EXECUTABLE = "CAPTUREKIT_EMULATOR_BIN"
# How long the emulator may take to print the URL it listens on.
_START_TIMEOUT_S = 30.0
# How long one control call may take.
_CONTROL_TIMEOUT_S = 30.0
# How long the emulator may take to exit after SIGTERM, before it is killed.
_STOP_TIMEOUT_S = 5.0


class EmulatorControlError(RuntimeError):
    """A control call the emulator refused (``status`` and its ``errorMessage``)."""

    def __init__(self, method: str, path: str, status: int, body: Any) -> None:
        message = body.get("errorMessage", body) if isinstance(body, dict) else body
        super().__init__(f"{method} /_emulator/{path}: {status}: {message}")
        self.status = status
        self.body = body


def find_emulator_executable(executable: Union[str, "os.PathLike[str]", None] = None) -> str:
    """The emulator executable: ``executable``, else ``$CAPTUREKIT_EMULATOR_BIN``, else
    ``capturekit-emulator`` in this Python's scripts folder (where the capturekit-emulator
    wheel puts it, on PATH or not), else on ``PATH``."""
    # An empty variable counts as unset, as in the Kotlin and Swift fixtures.
    named = executable if executable is not None else (os.environ.get(ENV_EXECUTABLE) or None)
    if named is not None:
        path = Path(named)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise FileNotFoundError(f"capturekit emulator: {path} is not an executable file")
        return str(path)
    beside_python = shutil.which(EXECUTABLE_NAME, path=sysconfig.get_path("scripts"))
    found = beside_python or shutil.which(EXECUTABLE_NAME)
    if found is None:
        raise FileNotFoundError(
            "capturekit emulator: no capturekit-emulator executable found; install it with "
            '`pip install "capturekit-sdk[testing]"` (or capturekit-emulator), or set '
            f"{ENV_EXECUTABLE} to its path")
    return found


class Emulator:
    """A running emulator, its URLs and credentials, and its control API.

    Made by :func:`start_emulator`; stop it with :meth:`stop` or a ``with`` block."""

    url: str
    """The root URL: Coinbase Payments, StateSet and the control API (``/_emulator/``)."""
    base_url: str
    """The CDP base URL (``url + "/platform"``)."""
    key_file: str
    """A CDP key file (Ed25519) whose JWTs the emulator accepts."""
    stateset_api_key: str
    """A StateSet API key the emulator accepts."""

    def __init__(self, process: "subprocess.Popen[bytes]", url: str, workdir: "tempfile.TemporaryDirectory[str]",
                 key_file: str, stateset_api_key: str) -> None:
        self._process = process
        self._workdir = workdir
        self.url = url
        self.base_url = f"{url}/platform"
        self.key_file = key_file
        self.stateset_api_key = stateset_api_key

    # Clients pointed at the emulator.

    def client_options(self) -> Dict[str, Any]:
        """The options that point a client at this emulator, with its credentials."""
        return {"key_file": self.key_file, "base_url": self.base_url, "coinbase_payments_base_url": self.url,
                "stateset_base_url": self.url, "stateset_api_key": self.stateset_api_key}

    def client(self, **options: Any) -> Client:
        """A ``Client`` for all three providers at this emulator; ``options`` are added to
        (or replace) :meth:`client_options`, e.g. ``max_retries=0``."""
        return Client(**{**self.client_options(), **options})

    def async_client(self, **options: Any) -> AsyncClient:
        """An ``AsyncClient``, as :meth:`client`."""
        return AsyncClient(**{**self.client_options(), **options})

    # The control API (README: "Control API").

    def control(self, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Any:
        """Calls ``/_emulator/{path}`` with a JSON body and answers its JSON; a refusal
        raises :class:`EmulatorControlError`."""
        data = None if method == "GET" else json.dumps(body or {}).encode()
        request = urllib.request.Request(f"{self.url}/_emulator/{path}", data=data, method=method,
                                         headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=_CONTROL_TIMEOUT_S) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as refused:
            text = refused.read().decode(errors="replace")
            try:
                answer: Any = json.loads(text)
            except ValueError:
                answer = text
            raise EmulatorControlError(method, path, refused.code, answer) from None

    def create_session(self, amount: str = "100.00", **fields: Any) -> str:
        """A CDP payment session, authorized for ``amount`` (``"authorized": False`` makes a
        ``created`` one); answers its id."""
        session_id: str = self.control("POST", "payment-sessions", {"amount": amount, **fields})["paymentSessionId"]
        return session_id

    def authorize_session(self, session_id: str) -> Dict[str, Any]:
        """Authorizes a ``created`` session; answers the session."""
        return self.control("POST", f"payment-sessions/{urllib.parse.quote(session_id, safe='')}/authorize")  # type: ignore[no-any-return]

    def create_escrow_payment(self, amount: str = "100.00", **fields: Any) -> str:
        """A Coinbase Payments payment authorized into escrow; answers its id."""
        return self.control("POST", "escrow-payments", {"amount": amount, **fields})["id"]  # type: ignore[no-any-return]

    def create_stateset_payment(self, amount_cents: int = 10000, **fields: Any) -> str:
        """A StateSet payment of ``amount_cents`` authorized for later capture; answers its id."""
        return self.control("POST", "stateset-payments", {"amount": amount_cents, **fields})["id"]  # type: ignore[no-any-return]

    def next_outcome(self, outcome: str, **fields: Any) -> Dict[str, Any]:
        """How the next captures (or ``action="void"`` / ``"refund"``) settle: ``"succeeded"`` or
        ``"failed"`` (``errorCode``, ``errorMessage``, ``count``)."""
        return self.control("POST", "next-outcome", {"outcome": outcome, **fields})  # type: ignore[no-any-return]

    def settle(self, **fields: Any) -> int:
        """Settles pending captures, voids and refunds now (all, or ``paymentSessionId=…``,
        ``captureId=…``, …); answers how many."""
        return self.control("POST", "settle", fields)["settled"]  # type: ignore[no-any-return]

    def advance_clock(self, seconds: int) -> str:
        """Moves the emulator's clock forward; answers its new time (RFC 3339)."""
        return self.control("POST", "clock/advance", {"seconds": seconds})["now"]  # type: ignore[no-any-return]

    def configure(self, **fields: Any) -> Dict[str, Any]:
        """Changes ``settleDelayMs`` (``None``: only on :meth:`settle`) or ``rateLimits``;
        answers the whole configuration."""
        return self.control("PUT", "config", fields)  # type: ignore[no-any-return]

    def add_fault(self, type: str, **fields: Any) -> None:  # noqa: A002 (the control API's name)
        """Adds a fault rule: ``type`` ``"status"``, ``"delay"``, ``"malformed"`` or ``"drop"``
        (commit then drop), with ``count``, ``probability``, ``method``, ``path``, …"""
        self.control("POST", "faults", {"type": type, **fields})

    def clear_faults(self) -> None:
        """Removes every fault rule."""
        self.control("DELETE", "faults")

    def stats(self) -> Dict[str, Any]:
        """Request and object counts."""
        return self.control("GET", "stats")  # type: ignore[no-any-return]

    def requests(self) -> List[Dict[str, Any]]:
        """The request journal, oldest first: ``method``, ``path``, ``idempotencyKey``,
        ``status`` and ``fault`` of each API request."""
        return self.control("GET", "requests")["requests"]  # type: ignore[no-any-return]

    def webhook_deliveries(self, **query: str) -> List[Dict[str, Any]]:
        """The webhook deliveries made (``eventType=…``, ``subscriptionId=…`` filter them)."""
        suffix = f"?{urllib.parse.urlencode(query)}" if query else ""
        return self.control("GET", f"webhooks/deliveries{suffix}")["deliveries"]  # type: ignore[no-any-return]

    def add_webhook_fault(self, type: str, **fields: Any) -> None:  # noqa: A002
        """Adds a webhook delivery fault: ``"duplicate"``, ``"out_of_order"``, ``"delay"`` or
        ``"corrupt_signature"``."""
        self.control("POST", "webhooks/faults", {"type": type, **fields})

    def clear_webhook_faults(self) -> None:
        """Removes every webhook delivery fault."""
        self.control("DELETE", "webhooks/faults")

    def reset(self) -> None:
        """Empties every session, payment, key, fault, counter and the journal; keeps the
        configuration."""
        self.control("POST", "reset")

    # Lifetime.

    def stop(self) -> None:
        """Stops the emulator (SIGTERM, then SIGKILL after 5 s) and removes its key file."""
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        for pipe in (self._process.stdin, self._process.stdout):
            if pipe is not None:
                pipe.close()
        self._workdir.cleanup()

    def __enter__(self) -> "Emulator":
        return self

    def __exit__(self, kind: Optional[Type[BaseException]], value: Optional[BaseException],
                 traceback: Optional[TracebackType]) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<capturekit_sdk.testing.Emulator {self.url}>"


def start_emulator(*, executable: Union[str, "os.PathLike[str]", None] = None, settle_delay_ms: Optional[int] = None,
                   manual_settle: bool = False, rate_limits: bool = False, seed: Optional[int] = None) -> Emulator:
    """Starts a fresh emulator on a free loopback port, with a new development key and
    StateSet key. The options are the executable's (``--settle-delay-ms``, left to its
    default when ``None``; ``--manual-settle``; ``--rate-limits``; ``--seed``)."""
    program = find_emulator_executable(executable)
    workdir = tempfile.TemporaryDirectory(prefix="capturekit-emulator-")
    key_file = str(Path(workdir.name) / "dev-key.json")
    stateset_api_key = f"test-{secrets.token_hex(16)}"
    # Its stdin is a pipe from this process: should this process die before stopping it,
    # the pipe closes and the emulator stops too.
    args = [program, "--port", "0", "--host", "127.0.0.1", "--dev-key", key_file, "--stateset-api-key", stateset_api_key,
            "--stop-on-stdin-close"]
    args += ["--settle-delay-ms", str(settle_delay_ms)] if settle_delay_ms is not None else []
    args += ["--manual-settle"] if manual_settle else []
    args += ["--rate-limits"] if rate_limits else []
    args += ["--seed", str(seed)] if seed is not None else []
    log = Path(workdir.name) / "stderr.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr)
    try:
        url = _read_url(process, log)
    except BaseException:
        process.kill()
        process.wait()
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()
        workdir.cleanup()
        raise
    return Emulator(process, url, workdir, key_file, stateset_api_key)


def _read_url(process: "subprocess.Popen[bytes]", log: Path) -> str:
    """The URL from the emulator's first line, read within the start timeout."""
    assert process.stdout is not None
    lines: List[bytes] = []
    reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(_START_TIMEOUT_S)
    first = lines[0].decode(errors="replace").strip() if lines else ""
    prefix = "CAPTUREKIT_EMULATOR_URL="
    if not first.startswith(prefix):
        process.kill()
        process.wait()
        why = log.read_text(errors="replace").strip() or first or f"no URL within {_START_TIMEOUT_S:.0f} s"
        raise RuntimeError(f"capturekit emulator did not start (exit status {process.returncode}): {why}")
    return first[len(prefix):]
