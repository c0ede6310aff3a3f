"""``Client`` (blocking) and ``AsyncClient`` (asyncio): the same constructor and methods.

Both are thin: arguments go to the Rust core, results come back as typed objects, core
errors come back as capturekit exceptions. Every rule (validation, retries, idempotency,
signing) is the core's.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any, AsyncIterator, Awaitable, Callable, Iterator, List, Mapping, Optional, Tuple, Union

from . import _native
from ._models import Capture, CapturePage, PaymentSession
from ._provider_models import EscrowCapture, EscrowPaymentDetails, RewardInput, StateSetPayment

__all__ = [
    "Client", "AsyncClient", "PaymentSessions", "AsyncPaymentSessions", "CoinbasePayments", "AsyncCoinbasePayments",
    "StateSet", "AsyncStateSet", "Amount", "TokenProvider",
]

#: An amount: ``Decimal``, ``str`` (``"10.50"``) or ``int``. Never a ``float``.
Amount = Union[Decimal, str, int]
#: A callable given a ``TokenRequest`` that returns a bearer token, directly or awaitably.
TokenProvider = Callable[[_native.TokenRequest], Union[str, Awaitable[str]]]


def _run_awaitable(awaitable: Awaitable[str]) -> str:
    """Runs an async token provider's result for the blocking client (no loop runs there)."""
    # Imported here: asyncio is most of the package's import time, and blocking users
    # without an async token provider never need it.
    import asyncio

    async def wait() -> str:
        return await awaitable

    return asyncio.run(wait())


class _ClientBase:
    _native: _native.NativeClient

    def __init__(
        self,
        *,
        api_key_id: Optional[str] = None,
        api_key_secret: Optional[str] = None,
        key_file: Union[str, "os.PathLike[str]", None] = None,
        bearer_token: Optional[str] = None,
        token_provider: Optional[TokenProvider] = None,
        base_url: Optional[str] = None,
        timeout: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        user_agent: Optional[str] = None,
        stateset_api_key: Optional[str] = None,
        coinbase_payments_base_url: Optional[str] = None,
        stateset_base_url: Optional[str] = None,
    ) -> None:
        """Credentials: ``api_key_id`` and ``api_key_secret``, or ``key_file`` (the CDP key
        JSON file), or ``bearer_token``, or ``token_provider`` (a callable, sync or async,
        given a ``TokenRequest`` and returning a token); with none of them,
        ``CDP_API_KEY_ID`` / ``CDP_API_KEY_SECRET`` from the environment.

        ``base_url`` defaults to ``https://api.cdp.coinbase.com/platform`` (``http://`` only
        on loopback); ``timeout`` is per attempt in seconds (30), ``connect_timeout`` (10),
        ``max_retries`` (2); ``user_agent`` is added to the ``User-Agent`` header.

        StateSet takes its own key: ``stateset_api_key`` or ``STATESET_API_KEY`` (a client
        may have only that). ``coinbase_payments_base_url`` and ``stateset_base_url`` default
        to ``https://payments.coinbase.com`` and ``https://api.stateset.com``.
        """
        self._native = _native.NativeClient(
            api_key_id=api_key_id,
            api_key_secret=api_key_secret,
            key_file=os.fspath(key_file) if key_file is not None else None,
            bearer_token=bearer_token,
            token_provider=token_provider,
            base_url=base_url,
            timeout=timeout,
            connect_timeout=connect_timeout,
            max_retries=max_retries,
            user_agent=user_agent,
            stateset_api_key=stateset_api_key,
            coinbase_payments_base_url=coinbase_payments_base_url,
            stateset_base_url=stateset_base_url,
        )
        self._bind_calls()

    def _bind_calls(self) -> None:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        """The base URL requests go to."""
        return self._native.base_url

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"


class PaymentSessions:
    """CDP Payment Sessions calls, blocking. Get it as ``client.payment_sessions``."""

    def __init__(self, native: _native.NativeClient) -> None:
        self._native = native

    def capture(
        self,
        payment_session_id: str,
        amount: Optional[Amount] = None,
        *,
        final_capture: bool = False,
        metadata: Optional[Mapping[str, str]] = None,
        external_reference_id: Optional[str] = None,
        idempotency_key: Optional[str] = None,
    ) -> Capture:
        """Captures ``amount`` (all that is capturable when ``None``) of an authorized session.

        ``final_capture=True`` releases what is left once this capture settles. The capture
        comes back ``pending`` with the ``idempotency_key`` it was sent with; an
        ``OutcomeUnknownError`` means it may exist: call again with the same key.
        """
        native = self._native.capture(
            payment_session_id, amount, final_capture, _dict(metadata), external_reference_id, idempotency_key, False
        )
        return Capture._from_native(native)

    def get_capture(self, payment_session_id: str, capture_id: str) -> Capture:
        """Fetches one capture."""
        return Capture._from_native(self._native.get_capture(payment_session_id, capture_id, False))

    def list_captures(self, payment_session_id: str, *, page_size: Optional[int] = None) -> Iterator[Capture]:
        """Every capture of the session, oldest first, fetching pages as iteration reaches them."""
        for native in self._native.iter_captures(payment_session_id, page_size):
            yield Capture._from_native(native)

    def list_captures_page(
        self, payment_session_id: str, *, page_size: Optional[int] = None, page_token: Optional[str] = None
    ) -> CapturePage:
        """One page of captures; pass ``next_page_token`` back as ``page_token`` to go on."""
        return CapturePage._from_native(self._native.list_captures(payment_session_id, page_size, page_token, False))

    def get_session(self, payment_session_id: str) -> PaymentSession:
        """Fetches a session with its balances, expiries and captures."""
        return PaymentSession._from_native(self._native.get_session(payment_session_id, False))

    def wait_for_capture(
        self, payment_session_id: str, capture_id: str, *, timeout: float = 60.0, poll_interval: Optional[float] = None
    ) -> Capture:
        """Polls until the capture is ``succeeded`` or ``failed`` and returns it (a failed
        capture is a value with its ``error``). After ``timeout`` seconds raises
        ``capturekit.TimeoutError`` whose ``last_capture`` is the last state seen."""
        return Capture._from_native(
            self._native.wait_for_capture(payment_session_id, capture_id, timeout, poll_interval, False)
        )


class AsyncPaymentSessions:
    """CDP Payment Sessions calls for asyncio. Get it as ``async_client.payment_sessions``."""

    def __init__(self, native: _native.NativeClient) -> None:
        self._native = native

    async def capture(
        self,
        payment_session_id: str,
        amount: Optional[Amount] = None,
        *,
        final_capture: bool = False,
        metadata: Optional[Mapping[str, str]] = None,
        external_reference_id: Optional[str] = None,
        idempotency_key: Optional[str] = None,
    ) -> Capture:
        """See ``PaymentSessions.capture``."""
        native = await self._native.capture(
            payment_session_id, amount, final_capture, _dict(metadata), external_reference_id, idempotency_key, True
        )
        return Capture._from_native(native)

    async def get_capture(self, payment_session_id: str, capture_id: str) -> Capture:
        """Fetches one capture."""
        return Capture._from_native(await self._native.get_capture(payment_session_id, capture_id, True))

    async def list_captures(self, payment_session_id: str, *, page_size: Optional[int] = None) -> AsyncIterator[Capture]:
        """Every capture of the session, oldest first, fetching pages as iteration reaches them."""
        async for native in self._native.iter_captures(payment_session_id, page_size):
            yield Capture._from_native(native)

    async def list_captures_page(
        self, payment_session_id: str, *, page_size: Optional[int] = None, page_token: Optional[str] = None
    ) -> CapturePage:
        """One page of captures."""
        native = await self._native.list_captures(payment_session_id, page_size, page_token, True)
        return CapturePage._from_native(native)

    async def get_session(self, payment_session_id: str) -> PaymentSession:
        """Fetches a session with its balances, expiries and captures."""
        return PaymentSession._from_native(await self._native.get_session(payment_session_id, True))

    async def wait_for_capture(
        self, payment_session_id: str, capture_id: str, *, timeout: float = 60.0, poll_interval: Optional[float] = None
    ) -> Capture:
        """See ``PaymentSessions.wait_for_capture``."""
        native = await self._native.wait_for_capture(payment_session_id, capture_id, timeout, poll_interval, True)
        return Capture._from_native(native)


#: A reward to distribute: a ``RewardInput`` or a mapping with the same keys.
Reward = Union[RewardInput, Mapping[str, Any]]


def _rewards(rewards: Optional[List[Reward]]) -> List[Tuple[str, str, int]]:
    result = []
    for index, reward in enumerate(rewards or []):
        item = reward if isinstance(reward, RewardInput) else RewardInput(**reward)
        if isinstance(item.chain_id, bool) or not isinstance(item.chain_id, int):
            raise TypeError(f"distribute_rewards[{index}].chain_id must be an int, not {type(item.chain_id).__name__}")
        result.append((item.campaign_address, item.token_address, item.chain_id))
    return result


def _cents(amount: Optional[int]) -> Optional[int]:
    if amount is None:
        return None
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"amount must be an int number of cents, not {type(amount).__name__}")
    return amount


class CoinbasePayments:
    """Coinbase Payments (escrow) calls, blocking. Get it as ``client.coinbase_payments``."""

    def __init__(self, native: _native.NativeClient) -> None:
        self._native = native

    def capture(
        self,
        payment_id: str,
        amount: Amount,
        *,
        fee_bps: int = 0,
        fee_receiver: Optional[str] = None,
        distribute_rewards: Optional[List[Reward]] = None,
        metadata: Optional[Mapping[str, str]] = None,
        idempotency_key: Optional[str] = None,
    ) -> EscrowCapture:
        """Captures ``amount`` of an escrowed payment, ``fee_bps`` of it to ``fee_receiver``.

        The same ``idempotency_key`` (yours, or a random one) goes on every attempt and on the
        result; an ``OutcomeUnknownError`` means: call again with that key.
        """
        native = self._native.escrow_capture(
            payment_id, amount, fee_bps, fee_receiver, _rewards(distribute_rewards), _dict(metadata), idempotency_key,
            False,
        )
        return EscrowCapture._from_native(native)

    def get_payment(self, payment_id: str) -> EscrowPaymentDetails:
        """Fetches a payment and its operations."""
        return EscrowPaymentDetails._from_native(self._native.get_escrow_payment(payment_id, False))


class AsyncCoinbasePayments:
    """Coinbase Payments (escrow) calls, asyncio. Get it as ``client.coinbase_payments``."""

    def __init__(self, native: _native.NativeClient) -> None:
        self._native = native

    async def capture(
        self,
        payment_id: str,
        amount: Amount,
        *,
        fee_bps: int = 0,
        fee_receiver: Optional[str] = None,
        distribute_rewards: Optional[List[Reward]] = None,
        metadata: Optional[Mapping[str, str]] = None,
        idempotency_key: Optional[str] = None,
    ) -> EscrowCapture:
        """See ``CoinbasePayments.capture``."""
        native = await self._native.escrow_capture(
            payment_id, amount, fee_bps, fee_receiver, _rewards(distribute_rewards), _dict(metadata), idempotency_key,
            True,
        )
        return EscrowCapture._from_native(native)

    async def get_payment(self, payment_id: str) -> EscrowPaymentDetails:
        """Fetches a payment and its operations."""
        return EscrowPaymentDetails._from_native(await self._native.get_escrow_payment(payment_id, True))


class StateSet:
    """StateSet calls, blocking. Get it as ``client.stateset``. Amounts are ``int`` cents."""

    def __init__(self, native: _native.NativeClient) -> None:
        self._native = native

    def capture(
        self,
        payment_id: str,
        amount: Optional[int] = None,
        *,
        statement_descriptor: Optional[str] = None,
        metadata: Optional[Mapping[str, str]] = None,
    ) -> StateSetPayment:
        """Captures ``amount`` cents (the full authorization when ``None``) of a payment created
        with ``capture: false``. StateSet has no idempotency key: after an
        ``OutcomeUnknownError``, ``get_payment`` tells whether the capture happened."""
        native = self._native.stateset_capture(payment_id, _cents(amount), statement_descriptor, _dict(metadata), False)
        return StateSetPayment._from_native(native)

    def get_payment(self, payment_id: str) -> StateSetPayment:
        """Fetches a payment."""
        return StateSetPayment._from_native(self._native.get_stateset_payment(payment_id, False))


class AsyncStateSet:
    """StateSet calls, asyncio. Get it as ``client.stateset``. Amounts are ``int`` cents."""

    def __init__(self, native: _native.NativeClient) -> None:
        self._native = native

    async def capture(
        self,
        payment_id: str,
        amount: Optional[int] = None,
        *,
        statement_descriptor: Optional[str] = None,
        metadata: Optional[Mapping[str, str]] = None,
    ) -> StateSetPayment:
        """See ``StateSet.capture``."""
        native = await self._native.stateset_capture(
            payment_id, _cents(amount), statement_descriptor, _dict(metadata), True
        )
        return StateSetPayment._from_native(native)

    async def get_payment(self, payment_id: str) -> StateSetPayment:
        """Fetches a payment."""
        return StateSetPayment._from_native(await self._native.get_stateset_payment(payment_id, True))


def _dict(metadata: Optional[Mapping[str, str]]) -> Optional[Any]:
    # Any Mapping is accepted; anything else reaches the native layer, which says what it wants.
    return dict(metadata) if isinstance(metadata, Mapping) and not isinstance(metadata, dict) else metadata


class Client(_ClientBase):
    """The blocking client. Safe to share between threads: calls release the GIL while
    they wait on the network, so many threads make progress together."""

    payment_sessions: PaymentSessions
    coinbase_payments: CoinbasePayments
    stateset: StateSet

    def _bind_calls(self) -> None:
        self.payment_sessions = PaymentSessions(self._native)
        self.coinbase_payments = CoinbasePayments(self._native)
        self.stateset = StateSet(self._native)


class AsyncClient(_ClientBase):
    """The asyncio client: every call is a coroutine; many run at once on one event loop."""

    payment_sessions: AsyncPaymentSessions
    coinbase_payments: AsyncCoinbasePayments
    stateset: AsyncStateSet

    def _bind_calls(self) -> None:
        self.payment_sessions = AsyncPaymentSessions(self._native)
        self.coinbase_payments = AsyncCoinbasePayments(self._native)
        self.stateset = AsyncStateSet(self._native)
