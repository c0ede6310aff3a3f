"""Property-based tests of the Python binding's conversions (issue 14, section 6).

Any value of any type, in any argument of any call, ends in one of two ways:

- accepted: the call returns, or gets past every check and fails at the network. Every client
  here points at a closed loopback port (127.0.0.1:9) with no retries, so nothing is ever
  sent; most refusals come before any I/O at all.
- refused with a ``TypeError`` or ``ValueError`` (``InvalidRequestError`` is one; a client's or
  a signer's configuration may also be refused with ``ConfigurationError``) whose message
  names the argument.

Never another exception class, a panic, a crash or a hang. And never a misread: where the rule
for a value is known (a range, a pattern, an amount's digits) the value is accepted exactly
when it keeps the rule, so a value read as another one (wrapped, rounded, truncated, a bool
taken for a number) shows up as a value accepted or refused against its rule.

Hypothesis runs EXAMPLES cases per property, so that ``make test`` stays bounded, and keeps no
example database: a failure is reported with its shrunk counterexample and reproduced from it.
"""

from __future__ import annotations

import asyncio
import collections
import collections.abc
import datetime
import enum
import functools
import json
import math
import os
import re
import threading
import types
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Type

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

import capturekit_sdk
from conftest import ED25519_KEY, ES256_KEY, REPO

#: Cases per property: the file runs in about 10 s when every property holds (longer while
#: some fail, as Hypothesis shrinks each counterexample).
EXAMPLES = 80
#: A call still running after this long has hung.
HANG_SECONDS = 10.0

bounded = settings(max_examples=EXAMPLES, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

CLOSED = "http://127.0.0.1:9"
SESSION = "paymentSession_00000000-0000-4000-8000-000000000000"
CAPTURE = "capture_00000000-0000-4000-8000-000000000000"
VOID = "void_00000000-0000-4000-8000-000000000000"
REFUND = "refund_00000000-0000-4000-8000-000000000000"
ACCOUNT = "account_af2937b0-9846-4fe7-bfe9-ccc22d935114"
PAYMENT = "pay_1"
ADDRESS = "0x" + "1" * 40
IDEMPOTENCY_KEY = "8e03978e-40d5-43e8-bc93-6894a57f9324"
KEY = json.loads(ED25519_KEY.read_text())
A_YEAR = 366 * 24 * 3600.0


def make_client(**options: Any) -> capturekit_sdk.Client:
    """A client whose every base URL is a closed loopback port, with no retries: a call that
    gets past every check fails at once with a network error, and nothing is sent."""
    given_options: Dict[str, Any] = dict(
        bearer_token="t", stateset_api_key="s", base_url=f"{CLOSED}/platform", coinbase_payments_base_url=CLOSED,
        stateset_base_url=CLOSED, max_retries=0, timeout=2.0, connect_timeout=1.0)
    given_options.update(options)
    return capturekit_sdk.Client(**given_options)


CLIENT = make_client()
SIGNER = capturekit_sdk.JwtSigner(api_key_id=KEY["id"], api_key_secret=KEY["privateKey"])


# --- running a call and judging its outcome ---------------------------------------------------

#: The codes of the errors of a call that passed every check and reached the closed port.
REACHED_THE_NETWORK = {"network", "outcome_unknown", "timeout"}
REFUSALS: Tuple[Type[BaseException], ...] = (TypeError, ValueError)
CONFIGURATION_REFUSALS = REFUSALS + (capturekit_sdk.ConfigurationError,)


def run(call: Callable[[], Any]) -> Optional[BaseException]:
    """What `call()` raised (None if it returned). It runs on a daemon thread, so that a hang
    fails the property instead of stopping the run."""
    raised: List[Optional[BaseException]] = []

    def target() -> None:
        try:
            call()
        except BaseException as error:  # a panic is a BaseException: it must be seen
            raised.append(error)
        else:
            raised.append(None)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(HANG_SECONDS)
    assert not thread.is_alive(), f"the call was still running after {HANG_SECONDS} s"
    return raised[0]


def names(error: BaseException, argument: str) -> bool:
    """Whether the error's message names `argument` (`payment_session_id`, or in words, as the
    configuration errors say it: `key file`). `a|b`: either name will do."""
    text = str(error)
    return any(name in text or name.replace("_", " ") in text for name in argument.split("|"))


def outcome(call: Callable[[], Any], argument: str, refusals: Tuple[Type[BaseException], ...] = REFUSALS,
            named: bool = True) -> Optional[BaseException]:
    """Runs `call`: None when it accepted its input, else the refusal, after checking that it is
    one of `refusals` (an `Exception`, never a panic) and (unless `named` is false) that it
    names `argument`."""
    error = run(call)
    if error is None:
        return None
    if isinstance(error, capturekit_sdk.CaptureKitError) and error.code in REACHED_THE_NETWORK:
        return None
    kind = f"{type(error).__module__}.{type(error).__qualname__}"
    assert isinstance(error, Exception) and isinstance(error, refusals), f"{argument}: refused with {kind}: {error!r}"
    if named:
        assert names(error, argument), f"{argument}: the error does not name the argument: {kind}: {error!r}"
    return error


def accepted(call: Callable[[], Any], argument: str,
             refusals: Tuple[Type[BaseException], ...] = REFUSALS) -> bool:
    """Whether `call` accepted its input. Only the refusal's class is checked here: the
    properties that use it look for misreads, and the naming of each argument has its own."""
    return outcome(call, argument, refusals, named=False) is None


# --- values of every type ---------------------------------------------------------------------

class Boom(Exception):
    """The caller's own error, raised by the hostile objects below."""


class Opaque:
    """An instance of a class the library cannot know."""

    def __repr__(self) -> str:
        return "Opaque()"


class Hostile:
    """An object whose every conversion hook raises."""

    def _boom(self, *args: Any) -> Any:
        raise Boom("hostile object")

    __str__ = __index__ = __int__ = __float__ = __iter__ = __len__ = __fspath__ = __bool__ = __getitem__ = _boom

    def __repr__(self) -> str:
        return "Hostile()"


class Color(enum.Enum):
    RED = "red"


class Code(str, enum.Enum):
    OK = "ok"


class Size(enum.IntEnum):
    FIVE = 5


def _generator() -> Iterator[int]:
    yield 1


#: Values no strategy below makes: classes, functions, modules, views, enums, iterators.
ODD_VALUES: List[Any] = [
    object(), Opaque(), Hostile(), object, int, str, len, print, lambda: None, math, Ellipsis, NotImplemented,
    Path("no-such-file"), Path(ED25519_KEY), memoryview(b"x"), range(3), iter([1]), _generator(),
    types.SimpleNamespace(amount="1"), collections.OrderedDict(amount="1"), collections.UserDict(k="v"),
    types.MappingProxyType({"k": "v"}), collections.Counter("ab"), collections.defaultdict(str, k="v"),
    Color.RED, Code.OK, Size.FIVE, Decimal("sNaN"), Decimal("-0"), Decimal("1E+2"), Decimal("1E-30"),
    datetime.date(2024, 1, 1), datetime.timezone.utc,
]

#: Integers at the edges of the types numbers are held in (u16, u32, u64, 2**53, 2**96).
EDGE_INTEGERS = [0, 1, -1, 2**16, 2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**32 + 5, 2**32 + 100, 2**53, 2**53 + 1,
                 2**63 - 1, 2**63, 2**64 - 1, 2**64, 2**64 + 5, 2**96, 10**30, -(2**63), -(2**64)]


def integers() -> SearchStrategy[int]:
    """Small, huge, negative and edge integers."""
    return st.one_of(st.integers(), st.sampled_from(EDGE_INTEGERS), st.integers(-2**70, 2**70))


@functools.lru_cache(maxsize=None)
def texts() -> SearchStrategy[str]:
    """Any text: printable, control characters, lone surrogates, spaces, private use, very long."""
    unusual = st.characters(categories=["Cc", "Cs", "Cf", "Co", "Zs", "Zl", "Zp"])
    long_text = st.builds(lambda piece, count: piece * count,
                          st.sampled_from(["x", "é", "\x00", "9", "\n", "\ud800", "😀", "a b"]),
                          st.integers(100, 70_000))
    return st.one_of(st.text(max_size=20), st.text(st.one_of(st.characters(), unusual), max_size=20), long_text)


def scalars() -> SearchStrategy[Any]:
    return st.one_of(
        st.none(), st.booleans(), integers(), st.floats(), st.decimals(), texts(), st.binary(max_size=20),
        st.builds(bytearray, st.binary(max_size=5)), st.fractions(), st.complex_numbers(), st.datetimes(),
        st.timedeltas(), st.sampled_from(ODD_VALUES),
    )


@functools.lru_cache(maxsize=None)
def anything() -> SearchStrategy[Any]:
    """A value of any type, containers of them included."""
    keys = st.one_of(st.text(max_size=8), st.integers(), st.none(), st.booleans(), st.binary(max_size=4))
    return st.recursive(
        scalars(),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.tuples(inner, inner), st.dictionaries(keys, inner, max_size=4),
            st.frozensets(st.one_of(st.integers(), st.text(max_size=4)), max_size=3),
        ),
        max_leaves=6,
    )


def near(valid: str) -> SearchStrategy[str]:
    """`valid` and texts one edit away from it: the values most easily misread."""
    position = st.integers(0, len(valid))
    char = st.one_of(st.characters(), st.sampled_from("\x00\n\r\t /?#%&-_.:\\\"'éA"))
    return st.one_of(
        st.just(valid), st.just(valid.upper()), st.just(f" {valid}"), st.just(valid + "\x00"),
        st.builds(lambda i, c: valid[:i] + c + valid[i:], position, char),
        st.builds(lambda i: valid[:i] + valid[i + 1:], position),
        st.builds(lambda i, c: valid[:i] + c + valid[i + 1:], position, char),
        st.builds(lambda tail: valid + tail, st.text(max_size=8)),
    )


def whole_numbers(low: int, high: int) -> SearchStrategy[Any]:
    """Integers around a range, the range's edges, and the same as bool, float and str."""
    around = st.one_of(st.integers(low - 2, low + 2), st.integers(high - 2, high + 2), st.integers(low, high))
    return st.one_of(around, integers(), around.map(float), around.map(str), st.booleans())


def digits(max_size: int = 32) -> SearchStrategy[str]:
    return st.text("0123456789", min_size=1, max_size=max_size)


def decimal_texts() -> SearchStrategy[str]:
    """Plain decimal texts of up to 32 + 32 digits (`"0"`, `"007.50"`, `"0." + "9" * 30`)."""
    return st.builds(lambda whole, fraction: whole if fraction is None else f"{whole}.{fraction}",
                     digits(), st.none() | digits())


def seconds() -> SearchStrategy[Any]:
    """Durations in seconds: zero, tiny, a year, beyond what an `Instant` can add, and not numbers."""
    edges = st.sampled_from([0, 0.0, -0.0, 5e-324, 1e-9, 0.01, A_YEAR, A_YEAR + 1, 1e19, 1.8e19, 2**64, math.inf,
                             -math.inf, math.nan, -1, "1", datetime.timedelta(seconds=1)])
    return st.one_of(edges, st.floats(), st.integers(-10, 10**20))


def metadata_maps() -> SearchStrategy[Any]:
    """Maps near the metadata limits (10 pairs, keys 1 to 40 characters, values up to 500)."""
    key = st.one_of(st.text(min_size=0, max_size=42), st.sampled_from(["k" * 40, "k" * 41, "é" * 40, "\ud800"]))
    value = st.one_of(st.text(max_size=10), st.sampled_from(["v" * 500, "v" * 501, "\ud800"]), anything())
    return st.one_of(st.dictionaries(key, value, max_size=12), st.dictionaries(st.text(max_size=3), st.text(max_size=3),
                                                                               min_size=9, max_size=11))


def rewards() -> SearchStrategy[Any]:
    reward = st.fixed_dictionaries(
        {"campaign_address": st.one_of(st.just(ADDRESS), near(ADDRESS), anything()),
         "token_address": st.one_of(st.just(ADDRESS), anything()),
         "chain_id": st.one_of(st.just(8453), whole_numbers(1, 2**64 - 1), anything())})
    return st.lists(st.one_of(reward, anything()), max_size=3)


def key_files() -> SearchStrategy[Any]:
    files = [ED25519_KEY, ES256_KEY, str(ED25519_KEY), REPO / "Makefile", REPO, "/dev/null", "", ".",
             REPO / "tests" / "fixtures" / "no-such-key.json"]
    return st.one_of(st.sampled_from(files), st.sampled_from(files).map(lambda p: os.fsencode(str(p))))


#: Values aimed at each argument, added to `anything()`: valid ones, and those near the rules.
TARGETED: Dict[str, SearchStrategy[Any]] = {
    "payment_session_id": near(SESSION),
    "capture_id": near(CAPTURE),
    "payment_id": near(PAYMENT),
    "amount": st.one_of(decimal_texts(), near("10.50"), decimal_texts().map(Decimal), st.decimals(), integers()),
    "amount_cents": whole_numbers(1, 2**64 - 1),
    "fee_bps": whole_numbers(0, 10_000),
    "page_size": whole_numbers(1, 100),
    "max_retries": whole_numbers(0, 10),
    "final_capture": st.one_of(st.booleans(), st.sampled_from([0, 1, "true", "false"])),
    "metadata": metadata_maps(),
    "external_reference_id": st.one_of(near("x" * 256), st.just("x" * 257)),
    "idempotency_key": st.one_of(near(IDEMPOTENCY_KEY), st.just("k" * 128), st.just("k" * 129)),
    "page_token": near("eyJsYXN0X2lkIjogImFiYzEyMyJ9"),
    "fee_receiver": near(ADDRESS),
    "distribute_rewards": rewards(),
    "statement_descriptor": st.one_of(near("SHOP"), st.just("x" * 22), st.just("x" * 23)),
    "timeout": seconds(),
    "connect_timeout": seconds(),
    "poll_interval": seconds(),
    "max_poll_interval": seconds(),
    "base_url": st.one_of(near(f"{CLOSED}/platform"), st.sampled_from(
        ["https://api.cdp.coinbase.com/platform", "ftp://x", "http://example.com", "https://", "http://[::1]:9",
         "https://user:pass@example.com", "https://example.com/a?b#c", "file:///etc/passwd"])),
    "user_agent": near("my-shop/1.2"),
    "bearer_token": near("token"),
    "stateset_api_key": near("sk_test"),
    "api_key_id": near(KEY["id"]),
    "api_key_secret": st.one_of(near(KEY["privateKey"]), st.just(json.loads(ES256_KEY.read_text())["privateKey"])),
    "key_file": key_files(),
    "request_method": st.one_of(st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "get", "TRACE"]),
                                near("GET")),
    "request_host": near("api.cdp.coinbase.com"),
    "request_path": near("/platform/v2/payment-sessions"),
    "parts": near("order-1234"),
    "source": st.one_of(
        st.builds(lambda a, b: {"account_id": a, "asset": b}, near(ACCOUNT), near("usdc")),
        st.builds(lambda a: {"address": a}, near(ADDRESS)),
        st.dictionaries(st.sampled_from(["account_id", "asset", "address", "acount_id", "network"]), near("usdc"))),
    "void_id": near(VOID),
    "refund_id": near(REFUND),
    "reason": near("item returned"),
    "cancellation_reason": near("customer asked"),
}


@functools.lru_cache(maxsize=None)
def values_for(argument: str) -> SearchStrategy[Any]:
    """Any value, and the values aimed at `argument` (built once: a strategy is costly to make)."""
    return st.one_of(anything(), TARGETED.get(argument, st.nothing()))


# --- every argument of every call -------------------------------------------------------------

ps = CLIENT.payment_sessions


def new_client(**options: Any) -> Callable[[], Any]:
    """A call that builds a client with these options (credentials: only those given)."""
    return lambda: make_client(**{"bearer_token": None, "stateset_api_key": None, **options})


def build_and_call(**options: Any) -> None:
    """Builds a client with these options, then makes one call with it (to the closed port)."""
    make_client(**options).payment_sessions.get_session(SESSION)


def first_capture(**page: Any) -> Any:
    return next(iter(ps.list_captures(SESSION, **page)))


def refund(**request: Any) -> Any:
    return ps.refund(SESSION, **{"source": {"address": ADDRESS}, **request})


def escrow_capture(**request: Any) -> Any:
    return CLIENT.coinbase_payments.capture(PAYMENT, **{"amount": "1", **request})


JWT_REQUEST = dict(request_method="GET", request_host="api.cdp.coinbase.com", request_path="/platform/v2/x")
JWT_KEY = dict(api_key_id=KEY["id"], api_key_secret=KEY["privateKey"])

#: (call and argument, the argument's name, a call of the value, the refusals allowed).
SLOTS: List[Tuple[str, str, Callable[[Any], Any], Tuple[Type[BaseException], ...]]] = [
    ("capture.payment_session_id", "payment_session_id", lambda v: ps.capture(v, amount="1"), REFUSALS),
    *[(f"capture.{name}", name, (lambda name: lambda v: ps.capture(SESSION, **{name: v}))(name), REFUSALS)
      for name in ["amount", "final_capture", "metadata", "external_reference_id", "idempotency_key"]],
    ("get_capture.payment_session_id", "payment_session_id", lambda v: ps.get_capture(v, CAPTURE), REFUSALS),
    ("get_capture.capture_id", "capture_id", lambda v: ps.get_capture(SESSION, v), REFUSALS),
    ("get_session.payment_session_id", "payment_session_id", lambda v: ps.get_session(v), REFUSALS),
    ("list_captures_page.payment_session_id", "payment_session_id", lambda v: ps.list_captures_page(v), REFUSALS),
    ("list_captures_page.page_size", "page_size", lambda v: ps.list_captures_page(SESSION, page_size=v), REFUSALS),
    ("list_captures_page.page_token", "page_token", lambda v: ps.list_captures_page(SESSION, page_token=v), REFUSALS),
    ("list_captures.payment_session_id", "payment_session_id", lambda v: next(iter(ps.list_captures(v))), REFUSALS),
    ("list_captures.page_size", "page_size", lambda v: first_capture(page_size=v), REFUSALS),
    ("list_captures.page_token", "page_token", lambda v: first_capture(page_token=v), REFUSALS),
    # A wait ends fast whatever the value: polls fail at once, and the other option is set so
    # that the next poll would be past the deadline.
    ("wait_for_capture.payment_session_id", "payment_session_id",
     lambda v: ps.wait_for_capture(v, CAPTURE, timeout=0.05), REFUSALS),
    ("wait_for_capture.capture_id", "capture_id", lambda v: ps.wait_for_capture(SESSION, v, timeout=0.05), REFUSALS),
    ("wait_for_capture.timeout", "timeout",
     lambda v: ps.wait_for_capture(SESSION, CAPTURE, timeout=v, poll_interval=A_YEAR), REFUSALS),
    ("wait_for_capture.poll_interval", "poll_interval",
     lambda v: ps.wait_for_capture(SESSION, CAPTURE, timeout=0.05, poll_interval=v), REFUSALS),
    ("wait_for_capture.max_poll_interval", "max_poll_interval",
     lambda v: ps.wait_for_capture(SESSION, CAPTURE, timeout=0.05, max_poll_interval=v), REFUSALS),
    ("void.payment_session_id", "payment_session_id", lambda v: ps.void(v), REFUSALS),
    *[(f"void.{name}", name, (lambda name: lambda v: ps.void(SESSION, **{name: v}))(name), REFUSALS)
      for name in ["metadata", "idempotency_key"]],
    ("refund.payment_session_id", "payment_session_id", lambda v: ps.refund(v, source={"address": ADDRESS}), REFUSALS),
    *[(f"refund.{name}", name, (lambda name: lambda v: refund(**{name: v}))(name), REFUSALS)
      for name in ["source", "amount", "reason", "metadata", "idempotency_key"]],
    ("cancel.payment_session_id", "payment_session_id", lambda v: ps.cancel(v), REFUSALS),
    *[(f"cancel.{name}", name, (lambda name: lambda v: ps.cancel(SESSION, **{name: v}))(name), REFUSALS)
      for name in ["cancellation_reason", "idempotency_key"]],
    ("get_void.void_id", "void_id", lambda v: ps.get_void(SESSION, v), REFUSALS),
    ("get_refund.refund_id", "refund_id", lambda v: ps.get_refund(SESSION, v), REFUSALS),
    ("list_sessions_page.page_size", "page_size", lambda v: ps.list_sessions_page(page_size=v), REFUSALS),
    ("list_voids_page.page_token", "page_token", lambda v: ps.list_voids_page(SESSION, page_token=v), REFUSALS),
    ("list_refunds.page_size", "page_size", lambda v: next(iter(ps.list_refunds(SESSION, page_size=v))), REFUSALS),
    ("wait_for_void.void_id", "void_id", lambda v: ps.wait_for_void(SESSION, v, timeout=0.05), REFUSALS),
    ("wait_for_refund.timeout", "timeout",
     lambda v: ps.wait_for_refund(SESSION, REFUND, timeout=v, poll_interval=A_YEAR), REFUSALS),
    ("coinbase_payments.capture.payment_id", "payment_id",
     lambda v: CLIENT.coinbase_payments.capture(v, amount="1"), REFUSALS),
    *[(f"coinbase_payments.capture.{name}", name, (lambda name: lambda v: escrow_capture(**{name: v}))(name), REFUSALS)
      for name in ["amount", "fee_bps", "fee_receiver", "distribute_rewards", "metadata", "idempotency_key"]],
    ("coinbase_payments.get_payment.payment_id", "payment_id", lambda v: CLIENT.coinbase_payments.get_payment(v),
     REFUSALS),
    ("stateset.capture.payment_id", "payment_id", lambda v: CLIENT.stateset.capture(v), REFUSALS),
    *[(f"stateset.capture.{name}", name, (lambda name: lambda v: CLIENT.stateset.capture(PAYMENT, **{name: v}))(name),
       REFUSALS) for name in ["amount_cents", "statement_descriptor", "metadata"]],
    ("stateset.get_payment.payment_id", "payment_id", lambda v: CLIENT.stateset.get_payment(v), REFUSALS),
    # The client: options whose value is used on a call are also tried on one.
    *[(f"Client.{name}", name, (lambda name: lambda v: build_and_call(**{name: v}))(name), CONFIGURATION_REFUSALS)
      for name in ["timeout", "connect_timeout", "user_agent"]],
    *[(f"Client.{name}", name, (lambda name: lambda v: make_client(**{name: v}))(name), CONFIGURATION_REFUSALS)
      for name in ["base_url", "max_retries", "coinbase_payments_base_url", "stateset_base_url", "stateset_api_key"]],
    ("Client.bearer_token", "bearer_token", lambda v: new_client(bearer_token=v)(), CONFIGURATION_REFUSALS),
    # Leaving out one half of an API key (None) is refused naming the pair.
    ("Client.api_key_id", "api_key_id|API key",
     lambda v: new_client(api_key_id=v, api_key_secret=KEY["privateKey"])(), CONFIGURATION_REFUSALS),
    ("Client.api_key_secret", "api_key_secret|API key",
     lambda v: new_client(api_key_id=KEY["id"], api_key_secret=v)(), CONFIGURATION_REFUSALS),
    ("Client.key_file", "key_file", lambda v: new_client(key_file=v)(), CONFIGURATION_REFUSALS),
    ("Client.token_provider", "token_provider", lambda v: new_client(token_provider=v)(), CONFIGURATION_REFUSALS),
    ("AsyncClient.timeout", "timeout",
     lambda v: capturekit_sdk.AsyncClient(bearer_token="t", base_url=CLOSED, timeout=v), CONFIGURATION_REFUSALS),
    # Signing JWTs.
    ("JwtSigner.api_key_id", "api_key_id",
     lambda v: capturekit_sdk.JwtSigner(api_key_id=v, api_key_secret=KEY["privateKey"]), CONFIGURATION_REFUSALS),
    ("JwtSigner.api_key_secret", "api_key_secret",
     lambda v: capturekit_sdk.JwtSigner(api_key_id=KEY["id"], api_key_secret=v), CONFIGURATION_REFUSALS),
    ("JwtSigner.key_file", "key_file", lambda v: capturekit_sdk.JwtSigner(key_file=v), CONFIGURATION_REFUSALS),
    *[(f"JwtSigner.sign.{name}", name, (lambda name: lambda v: SIGNER.sign(**{**JWT_REQUEST, name: v}))(name),
       REFUSALS) for name in JWT_REQUEST],
    *[(f"generate_jwt.{name}", name,
       (lambda name: lambda v: capturekit_sdk.generate_jwt(**{**JWT_KEY, **JWT_REQUEST, name: v}))(name),
       CONFIGURATION_REFUSALS) for name in [*JWT_KEY, *JWT_REQUEST]],
    ("derive_idempotency_key.parts", "parts", lambda v: capturekit_sdk.derive_idempotency_key("order-1234", v), REFUSALS),
]


@pytest.mark.parametrize("argument,call,refusals", [slot[1:] for slot in SLOTS], ids=[slot[0] for slot in SLOTS])
@bounded
@given(data=st.data())
def test_any_value_in_any_argument_is_accepted_or_refused_naming_the_argument(
        argument: str, call: Callable[[Any], Any], refusals: Tuple[Type[BaseException], ...], data: st.DataObject) -> None:
    """Guards against: crashes, panics and hangs in a conversion; errors of another class (a
    `RuntimeError`, an `OverflowError`, a `UnicodeEncodeError` out of the extension); and
    errors that do not say which argument was wrong."""
    value = data.draw(values_for(argument), label=argument)
    outcome(lambda: call(value), argument, refusals)


# --- no misread -------------------------------------------------------------------------------

WHOLE_NUMBERS = [
    ("page_size", 1, 100, lambda v: ps.list_captures_page(SESSION, page_size=v)),
    ("fee_bps", 0, 10_000, lambda v: escrow_capture(fee_bps=v)),
    ("amount_cents", 1, 2**64 - 1, lambda v: CLIENT.stateset.capture(PAYMENT, amount_cents=v)),
    ("max_retries", 0, 10, lambda v: make_client(max_retries=v)),
    ("chain_id", 1, 2**64 - 1, lambda v: escrow_capture(
        distribute_rewards=[{"campaign_address": ADDRESS, "token_address": ADDRESS, "chain_id": v}])),
]


@pytest.mark.parametrize("argument,low,high,call", WHOLE_NUMBERS, ids=[w[0] for w in WHOLE_NUMBERS])
@bounded
@given(number=st.one_of(integers(), st.integers(-3, 103), st.integers(9_990, 10_010)))
def test_a_whole_number_is_accepted_exactly_in_its_range(argument: str, low: int, high: int,
                                                         call: Callable[[Any], Any], number: int) -> None:
    """Guards against numbers that wrap (2**32 + 100 read as 100), saturate or are truncated:
    each would be accepted outside its range, or refused inside it."""
    refusals = CONFIGURATION_REFUSALS if argument == "max_retries" else REFUSALS
    assert accepted(lambda: call(number), argument, refusals) == (low <= number <= high), number


NUMBER_ARGUMENTS = [
    *[(argument, call) for argument, _, _, call in WHOLE_NUMBERS],
    ("amount", lambda v: ps.capture(SESSION, amount=v)),
    ("amount", lambda v: escrow_capture(amount=v)),
    ("timeout", lambda v: ps.wait_for_capture(SESSION, CAPTURE, timeout=v, poll_interval=A_YEAR)),
    ("poll_interval", lambda v: ps.wait_for_capture(SESSION, CAPTURE, timeout=0.05, poll_interval=v)),
    ("max_poll_interval", lambda v: ps.wait_for_capture(SESSION, CAPTURE, timeout=0.05, max_poll_interval=v)),
    ("timeout", lambda v: make_client(timeout=v)),
    ("connect_timeout", lambda v: make_client(connect_timeout=v)),
]


@pytest.mark.parametrize("argument,call", NUMBER_ARGUMENTS, ids=[f"{a}-{i}" for i, (a, _) in enumerate(NUMBER_ARGUMENTS)])
@settings(bounded, max_examples=4)
@given(flag=st.booleans())
def test_a_bool_is_never_a_number(argument: str, call: Callable[[Any], Any], flag: bool) -> None:
    """Guards against `True` read as 1 (a 1 bps fee, one cent, a 1 s timeout): `bool` is an
    `int` in Python, so a conversion that takes any int takes it."""
    error = outcome(lambda: call(flag), argument, CONFIGURATION_REFUSALS)
    assert isinstance(error, TypeError), f"{argument}={flag!r} was not refused as a bool: {error!r}"


def held_exactly(whole: str, fraction: Optional[str]) -> bool:
    """Whether a decimal written with these digits can be held without rounding: at most 28
    digits after the point, and its digits (a 96-bit integer) below 2**96."""
    return len(fraction or "") <= 28 and int(whole + (fraction or "")) < 2**96


AMOUNT_ARGUMENTS = [
    ("payment_sessions", lambda v: ps.capture(SESSION, amount=v)),
    ("payment_sessions.refund", lambda v: refund(amount=v)),
    ("coinbase_payments", lambda v: escrow_capture(amount=v)),
]


@pytest.mark.parametrize("call", [call for _, call in AMOUNT_ARGUMENTS], ids=[name for name, _ in AMOUNT_ARGUMENTS])
@bounded
@given(whole=digits(), fraction=st.none() | digits())
def test_an_amount_is_accepted_exactly_when_it_is_held_exactly(call: Callable[[Any], Any], whole: str,
                                                              fraction: Optional[str]) -> None:
    """Guards against amounts that are rounded on the way in (`"0." + "9" * 30` captured as 1):
    an amount is accepted only if it is the exact number written, and a positive amount that
    can be held exactly is never refused. A zero is refused, and the refusal quotes the number
    as it was read: the text itself, scale included (only leading zeros of the whole part go)."""
    text = whole if fraction is None else f"{whole}.{fraction}"
    positive = int(whole + (fraction or "")) > 0
    exact = held_exactly(whole, fraction)
    error = outcome(lambda: call(text), "amount")
    assert (error is None) == (positive and exact), f"{text!r}: {error!r}"
    if exact and not positive:
        as_read = (whole.lstrip("0") or "0") + ("" if fraction is None else f".{fraction}")
        assert str(error).endswith(f"must be greater than zero, got {as_read}"), f"{text!r}: {error!r}"
    if fraction is None:
        # The same number as an int.
        assert accepted(lambda: call(int(whole)), "amount") == (positive and exact), whole


def plain_amounts() -> SearchStrategy[str]:
    """Positive amounts that can be held exactly, written plainly: a number of units of
    10**-scale (`"0.0000001"`, `"12.50"`, `"3"`)."""
    return st.builds(lambda units, scale: f"{Decimal(units).scaleb(-scale):f}",
                     st.integers(1, 10**15), st.integers(0, 20))


@pytest.mark.parametrize("call", [call for _, call in AMOUNT_ARGUMENTS], ids=[name for name, _ in AMOUNT_ARGUMENTS])
@bounded
@given(text=plain_amounts())
def test_a_decimal_amount_is_read_by_its_value(call: Callable[[Any], Any], text: str) -> None:
    """Guards against a `Decimal` read through its `str()`, which Python writes in exponent
    form for small numbers (`Decimal("0.0000001")` is `"1E-7"`): a `Decimal` of a plain amount
    is accepted exactly as the text is."""
    assert accepted(lambda: call(text), "amount"), text
    assert accepted(lambda: call(Decimal(text)), "amount"), f"Decimal({text!r}) = {str(Decimal(text))!r}"


class DisplayMoney(Decimal):
    """A `Decimal` subclass as an app might write one: it prints itself to the cent."""

    def __str__(self) -> str:
        return f"{self:.2f}"


@bounded
@given(text=plain_amounts())
def test_an_amount_is_read_by_its_value_not_by_how_its_class_prints_it(text: str) -> None:
    """Guards against an amount read from `str()`, which a `Decimal` subclass may override (to
    print cents): `DisplayMoney("1.005")` must be captured as 1.005, not as "1.00" or "1.01".
    Seen from here as a positive amount refused for printing as zero."""
    assert accepted(lambda: ps.capture(SESSION, amount=DisplayMoney(text)), "amount"), \
        f"DisplayMoney({text!r}) (prints {str(DisplayMoney(text))!r}) was refused"


def no_surrogates(text: str) -> bool:
    return not any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def visible_ascii(low: int, high: int) -> Callable[[str], bool]:
    return lambda text: low <= len(text) <= high and all("!" <= c <= "~" for c in text)


def matches(pattern: str) -> Callable[[str], bool]:
    return lambda text: re.fullmatch(pattern, text) is not None


#: (argument, its rule, a call of it, texts aimed at the rule).
TEXT_RULES: List[Tuple[str, Callable[[str], bool], Callable[[Any], Any], SearchStrategy[str]]] = [
    ("payment_session_id", matches(r"paymentSession_[a-f0-9\-]{36}"), lambda v: ps.get_session(v), near(SESSION)),
    ("capture_id", matches(r"capture_[a-f0-9\-]{36}"), lambda v: ps.get_capture(SESSION, v), near(CAPTURE)),
    ("payment_id", matches(r"[A-Za-z0-9_\-]{1,128}"), lambda v: CLIENT.stateset.get_payment(v), near(PAYMENT)),
    ("idempotency_key", visible_ascii(1, 128), lambda v: ps.capture(SESSION, idempotency_key=v),
     near(IDEMPOTENCY_KEY)),
    ("page_token", visible_ascii(1, 4096), lambda v: ps.list_captures_page(SESSION, page_token=v), near("eyJsYXN0")),
    ("fee_receiver", matches(r"0x[0-9a-fA-F]{40}"), lambda v: escrow_capture(fee_receiver=v), near(ADDRESS)),
    ("external_reference_id", lambda t: len(t) <= 256 and no_surrogates(t),
     lambda v: ps.capture(SESSION, external_reference_id=v), near("x" * 256)),
    ("statement_descriptor",
     lambda t: 1 <= len(t) <= 22 and no_surrogates(t) and not any(unicodedata.category(c) == "Cc" for c in t),
     lambda v: CLIENT.stateset.capture(PAYMENT, statement_descriptor=v), near("x" * 22)),
]


@pytest.mark.parametrize("argument,rule,call,aimed", [(a, r, c, st.one_of(texts(), aimed)) for a, r, c, aimed in TEXT_RULES],
                         ids=[rule[0] for rule in TEXT_RULES])
@bounded
@given(data=st.data())
def test_a_text_is_accepted_exactly_when_it_keeps_its_rule(argument: str, rule: Callable[[str], bool],
                                                          call: Callable[[Any], Any], aimed: SearchStrategy[str],
                                                          data: st.DataObject) -> None:
    """Guards against text that is changed on the way in (cut at a NUL, a surrogate replaced,
    case folded, trimmed): a changed text would be judged, and sent, as another one."""
    text = data.draw(aimed, label=argument)
    assert accepted(lambda: call(text), argument) == rule(text), repr(text)


@bounded
@given(metadata=st.dictionaries(st.text(max_size=42), st.text(max_size=12), max_size=12))
def test_metadata_is_accepted_exactly_within_its_limits(metadata: Dict[str, str]) -> None:
    """Guards against metadata read partly (pairs dropped, keys or values cut): at most 10
    pairs, keys 1 to 40 characters, values at most 500, all valid text."""
    within = len(metadata) <= 10 and all(1 <= len(k) <= 40 and len(v) <= 500 for k, v in metadata.items())
    within = within and all(no_surrogates(k) and no_surrogates(v) for k, v in metadata.items())
    assert accepted(lambda: ps.capture(SESSION, metadata=metadata), "metadata") == within, metadata


# --- option names -----------------------------------------------------------------------------

KWARG_CALLS: List[Tuple[str, List[str], Callable[..., Any]]] = [
    ("PaymentSessions.capture", ["amount", "final_capture", "metadata", "external_reference_id", "idempotency_key"],
     lambda **kw: ps.capture(SESSION, **kw)),
    ("PaymentSessions.list_captures_page", ["page_size", "page_token"], lambda **kw: ps.list_captures_page(SESSION, **kw)),
    ("PaymentSessions.void", ["metadata", "idempotency_key"], lambda **kw: ps.void(SESSION, **kw)),
    ("PaymentSessions.refund", ["source", "amount", "reason", "metadata", "idempotency_key"],
     lambda **kw: ps.refund(SESSION, **kw)),
    ("PaymentSessions.refund.source", ["account_id", "asset", "address"], lambda **kw: ps.refund(SESSION, source=kw)),
    ("PaymentSessions.cancel", ["cancellation_reason", "idempotency_key"], lambda **kw: ps.cancel(SESSION, **kw)),
    ("PaymentSessions.list_sessions_page", ["page_size", "page_token"], lambda **kw: ps.list_sessions_page(**kw)),
    ("PaymentSessions.list_voids", ["page_size", "page_token"], lambda **kw: next(iter(ps.list_voids(SESSION, **kw)))),
    ("PaymentSessions.wait_for_refund", ["timeout", "poll_interval", "max_poll_interval"],
     lambda **kw: ps.wait_for_refund(SESSION, REFUND, **kw)),
    ("PaymentSessions.wait_for_capture", ["timeout", "poll_interval", "max_poll_interval"],
     lambda **kw: ps.wait_for_capture(SESSION, CAPTURE, **kw)),
    ("CoinbasePayments.capture", ["amount", "fee_bps", "fee_receiver", "distribute_rewards", "metadata",
                                  "idempotency_key"], lambda **kw: CLIENT.coinbase_payments.capture(PAYMENT, **kw)),
    ("StateSet.capture", ["amount_cents", "statement_descriptor", "metadata"],
     lambda **kw: CLIENT.stateset.capture(PAYMENT, **kw)),
    ("Client", ["api_key_id", "api_key_secret", "key_file", "bearer_token", "token_provider", "stateset_api_key",
                "base_url", "timeout", "connect_timeout", "max_retries", "user_agent", "coinbase_payments_base_url",
                "stateset_base_url"], lambda **kw: capturekit_sdk.Client(**kw)),
    ("JwtSigner", ["api_key_id", "api_key_secret", "key_file"], lambda **kw: capturekit_sdk.JwtSigner(**kw)),
    ("JwtSigner.sign", ["request_method", "request_host", "request_path"], lambda **kw: SIGNER.sign(**kw)),
    ("generate_jwt", ["api_key_id", "api_key_secret", "key_file", "request_method", "request_host", "request_path"],
     lambda **kw: capturekit_sdk.generate_jwt(**kw)),
]


#: Names a careless or hostile caller may write; each is also tried on every call below.
TRICKY_NAMES = ["amout", "baseUrl", "feeBps", "Amount", "amount ", "_amount", "\ud800", "timeout\x00", "'", "a\nb"]
OPTION_NAMES = st.one_of(st.text(min_size=1, max_size=12), near("amount"), st.sampled_from(TRICKY_NAMES))
OPTION_VALUES = st.one_of(st.just("1"), anything())


def assert_refused_as_unknown(call: Callable[..., Any], name: str, value: Any) -> None:
    error = run(lambda: call(**{name: value}))
    assert isinstance(error, TypeError), f"{name!r}: {error!r}"
    assert "unexpected option" in str(error) and (repr(name) in str(error) or f"'{name}'" in str(error)), repr(error)


@pytest.mark.parametrize("known,call", [c[1:] for c in KWARG_CALLS], ids=[c[0] for c in KWARG_CALLS])
@bounded
@given(data=st.data())
def test_an_unknown_option_name_is_a_type_error_naming_it(known: List[str], call: Callable[..., Any],
                                                          data: st.DataObject) -> None:
    """Guards against an option dropped unread (`amout="1.00"` capturing everything): any name
    the call does not take is a `TypeError` that quotes it."""
    name = data.draw(OPTION_NAMES, label="name")
    assume(name not in known)
    assert_refused_as_unknown(call, name, data.draw(OPTION_VALUES, label="value"))


@pytest.mark.parametrize("name", TRICKY_NAMES, ids=[repr(name) for name in TRICKY_NAMES])
@pytest.mark.parametrize("call", [c[2] for c in KWARG_CALLS], ids=[c[0] for c in KWARG_CALLS])
def test_a_tricky_unknown_option_name_is_a_type_error_naming_it(call: Callable[..., Any], name: str) -> None:
    """The same, for each of the names above on every call (a random draw may miss one)."""
    assert_refused_as_unknown(call, name, "1")


# --- the caller's own objects -----------------------------------------------------------------

def fire(error: BaseException) -> BaseException:
    """`error`, marked as raised (a hook the library never calls raises nothing)."""
    error.fired = True  # type: ignore[attr-defined]
    return error


class HostileMapping(collections.abc.Mapping):  # type: ignore[type-arg]
    """A mapping one of whose methods raises `error`."""

    def __init__(self, error: BaseException, where: str) -> None:
        self.error, self.where = error, where

    def _check(self, name: str) -> None:
        if self.where == name:
            raise fire(self.error)

    def __getitem__(self, key: Any) -> Any:
        self._check("__getitem__")
        return "v"

    def __iter__(self) -> Iterator[Any]:
        self._check("__iter__")
        return iter(["k"])

    def __len__(self) -> int:
        self._check("__len__")
        return 1

    def __repr__(self) -> str:
        return f"HostileMapping({self.error!r}, {self.where!r})"


def hostile_int(error: BaseException) -> int:
    class HostileInt(int):
        def __str__(self) -> str:
            raise fire(error)

        def __repr__(self) -> str:
            return f"HostileInt({error!r})"

    return HostileInt(7)


def hostile_decimal(error: BaseException) -> Decimal:
    class HostileDecimal(Decimal):
        def __str__(self) -> str:
            raise fire(error)

        def __repr__(self) -> str:
            return f"HostileDecimal({error!r})"

    return HostileDecimal("1.5")


def hostile_path(error: BaseException) -> Any:
    class HostilePath:
        def __fspath__(self) -> str:
            raise fire(error)

        def __repr__(self) -> str:
            return f"HostilePath({error!r})"

    return HostilePath()


#: (argument, a call of the value, how to make a hostile value of it).
HOSTILE_SLOTS: List[Tuple[str, Callable[[Any], Any], Callable[[BaseException, str], Any]]] = [
    ("metadata", lambda v: ps.capture(SESSION, metadata=v), HostileMapping),
    ("distribute_rewards", lambda v: escrow_capture(distribute_rewards=[v]), HostileMapping),
    ("amount", lambda v: ps.capture(SESSION, amount=v), lambda error, _: hostile_int(error)),
    ("amount", lambda v: escrow_capture(amount=v), lambda error, _: hostile_decimal(error)),
    ("key_file", lambda v: capturekit_sdk.JwtSigner(key_file=v), lambda error, _: hostile_path(error)),
]


@pytest.mark.parametrize("argument,call,make", HOSTILE_SLOTS, ids=[f"{s[0]}-{i}" for i, s in enumerate(HOSTILE_SLOTS)])
@settings(bounded, max_examples=12)
@given(error=st.sampled_from([Boom, KeyboardInterrupt, SystemExit]).map(lambda cls: cls("the caller's")),
       where=st.sampled_from(["__getitem__", "__iter__", "__len__"]))
def test_an_error_raised_by_the_callers_object_is_never_turned_into_another(
        argument: str, call: Callable[[Any], Any], make: Callable[[BaseException, str], Any],
        error: BaseException, where: str) -> None:
    """Guards against the caller's own exception swallowed into another one: it propagates as
    it is (a `KeyboardInterrupt` above all), or, for an `Exception`, becomes a `TypeError`
    that names the argument."""
    value = make(error, where)
    raised = run(lambda: call(value))
    if raised is error or not getattr(error, "fired", False):  # it propagated, or was never raised
        return
    assert isinstance(error, Exception), f"{error!r} raised by the caller's {argument} became {raised!r}"
    assert isinstance(raised, TypeError) and names(raised, argument), f"{argument}: {error!r} became {raised!r}"


# --- token providers ------------------------------------------------------------------------

@bounded
@given(token=st.one_of(anything(), near("token")))
def test_whatever_a_token_provider_returns_is_a_token_or_an_error_naming_the_provider(token: Any) -> None:
    """Guards against a provider's answer misread or crashing the call: a valid token is used
    (the call reaches the closed port); anything else is an `AuthenticationError` that names
    the token provider, with nothing sent."""
    client = make_client(bearer_token=None, token_provider=lambda request: token)
    error = run(lambda: client.payment_sessions.get_session(SESSION))
    if isinstance(error, capturekit_sdk.CaptureKitError) and error.code in REACHED_THE_NETWORK:
        return
    assert isinstance(error, capturekit_sdk.AuthenticationError), f"{token!r}: {error!r}"
    assert names(error, "token_provider"), f"{token!r}: the error does not name the token provider: {error!r}"


# --- asyncio ------------------------------------------------------------------------------------

ASYNC_CLIENT = capturekit_sdk.AsyncClient(bearer_token="t", base_url=f"{CLOSED}/platform", max_retries=0, timeout=2.0)


def error_kind(error: Optional[BaseException]) -> Tuple[str, str]:
    """How two outcomes are compared: the class, and the message of a refusal (an error that
    reached the network carries a fresh idempotency key)."""
    if error is None:
        return ("accepted", "")
    if isinstance(error, capturekit_sdk.CaptureKitError) and error.code in REACHED_THE_NETWORK:
        return ("accepted", "")
    return (type(error).__name__, str(error))


@pytest.mark.parametrize("argument", ["amount", "metadata", "idempotency_key", "final_capture"])
@settings(bounded, max_examples=EXAMPLES // 2)
@given(data=st.data())
def test_the_asyncio_client_converts_every_value_as_the_blocking_one_does(argument: str,
                                                                          data: st.DataObject) -> None:
    """Guards against the two clients' conversions drifting apart: the same value is accepted
    or refused, with the same error, by both."""
    value = data.draw(values_for(argument), label=argument)
    blocking = run(lambda: ps.capture(SESSION, **{argument: value}))
    awaited = run(lambda: asyncio.run(ASYNC_CLIENT.payment_sessions.capture(SESSION, **{argument: value})))
    assert error_kind(awaited) == error_kind(blocking), value
