"""Runs the shared scenarios (tests/scenarios/*.json) through the Python client.

The format is described in tests/scenarios/README.md; the Rust runner reads the same files.
"""

from __future__ import annotations

import asyncio
import enum
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, Optional

import pytest

import capturekit_sdk
from conftest import BEARER_TOKEN, ED25519_KEY, ES256_KEY, SCENARIOS, STATESET_API_KEY, UNKNOWN_KEY, Emulator

CONTROL = {
    "create_session": ("POST", "payment-sessions"),
    "next_outcome": ("POST", "captures/next-outcome"),
    "settle": ("POST", "settle"),
    "advance_clock": ("POST", "clock/advance"),
    "config": ("PUT", "config"),
    "fault": ("POST", "faults"),
    "clear_faults": ("DELETE", "faults"),
    "stats": ("GET", "stats"),
    "create_escrow_payment": ("POST", "escrow-payments"),
    "create_stateset_payment": ("POST", "stateset-payments"),
}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def neutral(value: Any) -> Any:
    """A result in the scenarios' shape: the core's field names in camelCase. A result's
    fields are its attributes (named by ``to_dict()``); a dict is a free-form map, whose keys
    are data and stay as they came."""
    if hasattr(value, "to_dict"):
        return {camel(name): neutral(getattr(value, name)) for name in value.to_dict()}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {key: neutral(item) for key, item in value.items()}
    if isinstance(value, list):
        return [neutral(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def error_to_wire(error: capturekit_sdk.CaptureKitError) -> Dict[str, Any]:
    """An error in the scenarios' shape: its code and every field it carries."""
    fields = {camel(name): neutral(value) for name, value in vars(error).items() if not name.startswith("_")}
    return {"code": error.code, **fields}


def make_client(emulator: Emulator, options: Dict[str, Any], use_async: bool) -> Any:
    auth = options.get("auth", "ed25519")
    credentials: Dict[str, Any] = {
        "ed25519": {"key_file": ED25519_KEY},
        "es256": {"key_file": ES256_KEY},
        "bearer": {"bearer_token": BEARER_TOKEN},
        "unknown_key": {"key_file": UNKNOWN_KEY},
    }[auth]
    cls = capturekit_sdk.AsyncClient if use_async else capturekit_sdk.Client
    return cls(base_url=emulator.base_url, max_retries=options.get("maxRetries", 2),
               stateset_api_key=options.get("statesetApiKey", STATESET_API_KEY),
               coinbase_payments_base_url=emulator.url, stateset_base_url=emulator.url,
               timeout=options["timeoutMs"] / 1000 if "timeoutMs" in options else None, **credentials)


def resolve(value: Any, saved: Dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("$$"):
        return value[1:]
    if isinstance(value, str) and value.startswith("$"):
        name, _, path = value[1:].partition(".")
        found = lookup(saved[name], path)
        assert found is not None, f"{value} is not set"
        return found
    if isinstance(value, list):
        return [resolve(v, saved) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, saved) for k, v in value.items()}
    return value


def lookup(root: Any, path: str) -> Any:
    node = root
    for part in path.split(".") if path else []:
        if isinstance(node, list):
            node = node[int(part)] if part.isdigit() and int(part) < len(node) else None
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


MATCHERS = {"present", "decimal", "len", "contains", "names", "notEqual"}


def check(actual: Any, expect: Dict[str, Any], saved: Dict[str, Any]) -> None:
    for path, matcher in expect.items():
        matcher = resolve(matcher, saved)
        found = lookup(actual, path)
        if isinstance(matcher, dict) and len(matcher) == 1 and set(matcher) <= MATCHERS:
            (name, arg), = matcher.items()
            ok = {
                "present": lambda: (found is not None) == arg,
                "decimal": lambda: isinstance(found, str) and Decimal(found) == Decimal(arg),
                "len": lambda: isinstance(found, (list, str)) and len(found) == arg,
                "contains": lambda: isinstance(found, str) and arg in found,
                "names": lambda: isinstance(found, str) and (arg in found or camel(arg) in found),
                "notEqual": lambda: found != arg,
            }[name]()
        else:
            ok = found is not None and found == matcher
        assert ok, f"{path}: expected {matcher!r}, got {found!r}"


def options(args: Dict[str, Any], *positional: str) -> Dict[str, Any]:
    """A call's keyword arguments: the scenario's arguments but the positional ones, in snake_case."""
    return {snake(name): value for name, value in args.items() if name not in positional}


async def call(client: Any, op: str, args: Dict[str, Any], use_async: bool) -> Any:
    sessions = client.payment_sessions

    async def run(result: Any) -> Any:
        return await result if use_async else result

    session = args.get("paymentSessionId", "")
    if op == "capture":
        return await run(sessions.capture(session, **options(args, "paymentSessionId")))
    if op == "get_capture":
        return await run(sessions.get_capture(session, args["captureId"]))
    if op == "list_captures":
        return await run(sessions.list_captures_page(session, **options(args, "paymentSessionId")))
    if op == "list_all_captures":
        pages = sessions.list_captures(session, **options(args, "paymentSessionId"))
        if use_async:
            return {"captures": [c async for c in pages]}
        return {"captures": list(pages)}
    if op == "get_session":
        return await run(sessions.get_session(session))
    if op == "wait_for_capture":
        return await run(sessions.wait_for_capture(session, args["captureId"], timeout=args["timeoutMs"] / 1000,
                                                   poll_interval=0.05))
    if op == "void":
        return await run(sessions.void(session, **options(args, "paymentSessionId")))
    if op == "refund":
        source = {snake(name): value for name, value in args.get("source", {}).items()}
        return await run(sessions.refund(session, source=source, **options(args, "paymentSessionId", "source")))
    if op == "cancel":
        return await run(sessions.cancel(session, **options(args, "paymentSessionId")))
    if op == "get_void":
        return await run(sessions.get_void(session, args["voidId"]))
    if op == "get_refund":
        return await run(sessions.get_refund(session, args["refundId"]))
    if op == "list_voids":
        return await run(sessions.list_voids_page(session, **options(args, "paymentSessionId")))
    if op == "list_refunds":
        return await run(sessions.list_refunds_page(session, **options(args, "paymentSessionId")))
    if op == "list_sessions":
        return await run(sessions.list_sessions_page(**options(args)))
    if op in ("list_all_voids", "list_all_refunds", "list_all_sessions"):
        key = {"list_all_voids": "voids", "list_all_refunds": "refunds", "list_all_sessions": "paymentSessions"}[op]
        if op == "list_all_sessions":
            items = sessions.list_sessions(**options(args))
        else:
            items = getattr(sessions, f"list_{key}")(session, **options(args, "paymentSessionId"))
        if use_async:
            return {key: [item async for item in items]}
        return {key: list(items)}
    if op in ("wait_for_void", "wait_for_refund"):
        action = op.removeprefix("wait_for_")
        wait = getattr(sessions, op)
        return await run(wait(session, args[f"{action}Id"], timeout=args["timeoutMs"] / 1000, poll_interval=0.05))
    if op == "derive_idempotency_key":
        return {"key": capturekit_sdk.derive_idempotency_key(*args["parts"])}
    if op == "escrow_capture":
        request = options(args, "paymentId", "distributeRewards")
        rewards = [{snake(name): value for name, value in reward.items()} for reward in args.get("distributeRewards", [])]
        return await run(client.coinbase_payments.capture(args["paymentId"], distribute_rewards=rewards, **request))
    if op == "get_escrow_payment":
        return await run(client.coinbase_payments.get_payment(args["paymentId"]))
    if op == "stateset_capture":
        return await run(client.stateset.capture(args["paymentId"], **options(args, "paymentId")))
    if op == "get_stateset_payment":
        return await run(client.stateset.get_payment(args["paymentId"]))
    raise AssertionError(f"unknown op {op}")


async def run_scenario(path: Path, tmp_path: Path, use_async: bool) -> None:
    scenario = json.loads(path.read_text())
    settle = scenario.get("emulator", {}).get("settleDelayMs")
    emulator = Emulator(settle_delay_ms=settle)
    try:
        client = make_client(emulator, scenario.get("client", {}), use_async)
        saved: Dict[str, Any] = {}
        for index, step in enumerate(scenario["steps"]):
            op = step["op"]
            args = resolve(step.get("with", {}), saved)
            try:
                if op.startswith("control."):
                    method, route = CONTROL[op.split(".", 1)[1]]
                    result, error = emulator.control(method, route, args), None
                else:
                    result, error = neutral(await call(client, op, args, use_async)), None
            except capturekit_sdk.CaptureKitError as raised:
                result, error = None, error_to_wire(raised)
            where = f"step {index} ({op})"
            if "expectError" in step:
                assert error is not None, f"{where}: expected an error, got {result}"
                check(error, step["expectError"], saved)
            else:
                assert error is None, f"{where}: unexpected error {error}"
                if "expect" in step:
                    check(result, step["expect"], saved)
            if "save" in step and result is not None:
                saved[step["save"]] = result
    finally:
        emulator.stop()


SCENARIO_FILES = sorted(SCENARIOS.glob("*.json"))


def test_the_shared_scenarios_are_found() -> None:
    assert len(SCENARIO_FILES) >= 10


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_scenario_with_the_blocking_client(path: Path, tmp_path: Path) -> None:
    asyncio.run(run_scenario(path, tmp_path, use_async=False))


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_scenario_with_the_async_client(path: Path, tmp_path: Path) -> None:
    asyncio.run(run_scenario(path, tmp_path, use_async=True))
