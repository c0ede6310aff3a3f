"""The results capturekit returns: typed, immutable, comparable, with ``to_dict()``.

Amounts are ``decimal.Decimal``; timestamps are timezone-aware ``datetime`` (UTC); statuses
and networks are string enums that keep values this version does not know.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime
from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional, Type, TypeVar

__all__ = [
    "CaptureStatus",
    "PaymentSessionStatus",
    "Network",
    "PaymentError",
    "OnchainTransaction",
    "Capture",
    "CapturePage",
    "PaymentSessionBalances",
    "PaymentExpiries",
    "PaymentSession",
]

_E = TypeVar("_E", bound="_OpenEnum")


class _OpenEnum(str, enum.Enum):
    """A string enum that keeps unknown values (as pseudo-members) instead of failing."""

    @classmethod
    def _missing_(cls: Type[_E], value: object) -> Optional[_E]:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value.upper().replace("-", "_")
        member._value_ = value
        return member

    def __str__(self) -> str:
        return str(self.value)

    @property
    def is_known(self) -> bool:
        """Whether this value is one this version of capturekit knows."""
        return self._name_ in type(self).__members__


class CaptureStatus(_OpenEnum):
    """Where a capture stands: ``pending``, then ``succeeded`` or ``failed``."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def is_settled(self) -> bool:
        """``succeeded`` or ``failed``."""
        return self in (CaptureStatus.SUCCEEDED, CaptureStatus.FAILED)


class PaymentSessionStatus(_OpenEnum):
    """The most recent meaningful event on a payment session."""

    CREATED = "created"
    CANCELED = "canceled"
    AUTHORIZATION_PENDING = "authorization_pending"
    AUTHORIZATION_SUCCEEDED = "authorization_succeeded"
    AUTHORIZATION_FAILED = "authorization_failed"
    CAPTURE_PENDING = "capture_pending"
    CAPTURE_SUCCEEDED = "capture_succeeded"
    CAPTURE_FAILED = "capture_failed"
    VOID_PENDING = "void_pending"
    VOID_SUCCEEDED = "void_succeeded"
    VOID_FAILED = "void_failed"
    REFUND_PENDING = "refund_pending"
    REFUND_SUCCEEDED = "refund_succeeded"
    REFUND_FAILED = "refund_failed"


class Network(_OpenEnum):
    """A blockchain network."""

    ARBITRUM = "arbitrum"
    ARBITRUM_SEPOLIA = "arbitrum-sepolia"
    BASE = "base"
    BASE_SEPOLIA = "base-sepolia"
    ETHEREUM = "ethereum"
    ETHEREUM_SEPOLIA = "ethereum-sepolia"
    OPTIMISM = "optimism"
    OPTIMISM_SEPOLIA = "optimism-sepolia"
    POLYGON = "polygon"
    POLYGON_AMOY = "polygon-amoy"


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class _Model:
    def to_dict(self) -> Dict[str, Any]:
        """A plain ``dict`` (enums as their string values; Decimal and datetime kept)."""
        result: Dict[str, Any] = _plain(self)
        return result


@dataclasses.dataclass(frozen=True)
class PaymentError(_Model):
    """Why a capture failed."""

    code: str
    message: str
    occurred_at: Optional[datetime] = None


@dataclasses.dataclass(frozen=True)
class OnchainTransaction(_Model):
    """An onchain transaction that carried a capture."""

    transaction_hash: str
    network: Network


@dataclasses.dataclass(frozen=True)
class Capture(_Model):
    """A capture of authorized funds."""

    capture_id: str
    payment_session_id: str
    status: CaptureStatus
    amount: Optional[Decimal]
    final_capture: bool
    error: Optional[PaymentError] = None
    metadata: Dict[str, str] = dataclasses.field(default_factory=dict)
    external_reference_id: Optional[str] = None
    onchain_transactions: List[OnchainTransaction] = dataclasses.field(default_factory=list)
    created_at: Optional[datetime] = None
    updated_at: Optional[datetime] = None
    #: The idempotency key the capture was created with (on what ``capture()`` returns).
    idempotency_key: Optional[str] = None

    @classmethod
    def _from_native(cls, d: Mapping[str, Any]) -> "Capture":
        error = d.get("error")
        return cls(
            capture_id=d["capture_id"],
            payment_session_id=d["payment_session_id"],
            status=CaptureStatus(d["status"]),
            amount=d.get("amount"),
            final_capture=d.get("final_capture", False),
            error=PaymentError(**error) if error else None,
            metadata=dict(d.get("metadata") or {}),
            external_reference_id=d.get("external_reference_id"),
            onchain_transactions=[
                OnchainTransaction(t["transaction_hash"], Network(t["network"])) for t in d.get("onchain_transactions") or []
            ],
            created_at=d.get("created_at"),
            updated_at=d.get("updated_at"),
            idempotency_key=d.get("idempotency_key"),
        )


@dataclasses.dataclass(frozen=True)
class CapturePage(_Model):
    """One page of captures; ``next_page_token`` is ``None`` on the last page."""

    captures: List[Capture]
    next_page_token: Optional[str] = None

    @classmethod
    def _from_native(cls, d: Mapping[str, Any]) -> "CapturePage":
        return cls([Capture._from_native(c) for c in d["captures"]], d.get("next_page_token"))


@dataclasses.dataclass(frozen=True)
class PaymentSessionBalances(_Model):
    """Running totals of a session's funds, in its asset."""

    capturable: Decimal
    captured: Decimal
    refundable: Decimal
    refunded: Decimal


@dataclasses.dataclass(frozen=True)
class PaymentExpiries(_Model):
    """A session's deadlines; once one passes, that action is refused."""

    authorization_expires_at: Optional[datetime] = None
    capture_expires_at: Optional[datetime] = None
    refund_expires_at: Optional[datetime] = None


@dataclasses.dataclass(frozen=True)
class PaymentSession(_Model):
    """A payment session with its balances, deadlines and captures."""

    payment_session_id: str
    status: PaymentSessionStatus
    amount: Optional[Decimal]
    asset: Optional[str]
    balances: PaymentSessionBalances
    expiries: PaymentExpiries
    captures: List[Capture] = dataclasses.field(default_factory=list)
    metadata: Dict[str, str] = dataclasses.field(default_factory=dict)
    external_reference_id: Optional[str] = None
    auto_capture: bool = False
    entity_id: Optional[str] = None
    cancellation_reason: Optional[str] = None
    created_at: Optional[datetime] = None
    updated_at: Optional[datetime] = None

    @classmethod
    def _from_native(cls, d: Mapping[str, Any]) -> "PaymentSession":
        return cls(
            payment_session_id=d["payment_session_id"],
            status=PaymentSessionStatus(d["status"]),
            amount=d.get("amount"),
            asset=d.get("asset"),
            balances=PaymentSessionBalances(**d["balances"]),
            expiries=PaymentExpiries(**d["expiries"]),
            captures=[Capture._from_native(c) for c in d.get("captures") or []],
            metadata=dict(d.get("metadata") or {}),
            external_reference_id=d.get("external_reference_id"),
            auto_capture=d.get("auto_capture", False),
            entity_id=d.get("entity_id"),
            cancellation_reason=d.get("cancellation_reason"),
            created_at=d.get("created_at"),
            updated_at=d.get("updated_at"),
        )
