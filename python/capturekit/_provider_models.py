"""The results of the Coinbase Payments (escrow) and StateSet calls: typed, immutable, with
``to_dict()``. Amounts are ``Decimal`` (StateSet's are ``int`` cents), timestamps are
timezone-aware ``datetime``, and enums keep values this version does not know.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional, Type, TypeVar

from ._models import _Model, _OpenEnum

__all__ = [
    "RewardInput", "InvalidRewardInput", "Reward", "OperationTransaction", "OperationStep", "RewardOperation",
    "EscrowCapture", "EscrowPayment", "PaymentOperation", "EscrowPaymentDetails", "RewardOperationStatus",
    "OperationStepStatus", "PaymentOperationType", "PaymentOperationStatus", "StateSetPaymentStatus", "Card",
    "PaymentMethod", "CaptureDetails", "StateSetPayment",
]

_T = TypeVar("_T")
_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$")


def _time(text: str) -> datetime:
    # fromisoformat before 3.11 takes neither "Z" nor 9 fractional digits.
    match = _TIME.match(text)
    if not match:
        raise ValueError(f"not an RFC 3339 timestamp: {text!r}")
    whole, fraction, zone = match.groups()
    micro = (fraction or "").ljust(6, "0")[:6]
    parsed = datetime.fromisoformat(f"{whole}.{micro}{'+00:00' if zone == 'Z' else zone}")
    return parsed.astimezone(timezone.utc)


def _convert(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is typing.Union:
        return _convert(next(a for a in args if a is not type(None)), value)
    if origin in (list, List):
        return [_convert(args[0], item) for item in value]
    if origin in (dict, Dict):
        return dict(value)
    if kind is Decimal:
        return Decimal(value)
    if kind is datetime:
        return _time(value)
    if isinstance(kind, type) and issubclass(kind, _OpenEnum):
        return kind(value)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return _build(kind, value)
    return value


def _build(cls: Type[_T], data: Mapping[str, Any]) -> _T:
    """``cls`` from the native layer's dict, each field converted by its annotated type."""
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    return cls(**{f.name: _convert(hints[f.name], data[f.name]) for f in fields if f.name in data})


_M = TypeVar("_M", bound="_Result")


class _Result(_Model):
    """A result built from the native layer's dict by its annotated field types."""

    @classmethod
    def _from_native(cls: Type[_M], d: Mapping[str, Any]) -> _M:
        return _build(cls, d)


class RewardOperationStatus(_OpenEnum):
    """Where a reward operation stands."""

    PENDING = "REWARD_OPERATION_STATUS_PENDING"
    SUCCEEDED = "REWARD_OPERATION_STATUS_SUCCEEDED"
    FAILED = "REWARD_OPERATION_STATUS_FAILED"


class OperationStepStatus(_OpenEnum):
    """Where an on-chain step stands."""

    PENDING = "OPERATION_STEP_STATUS_PENDING"
    SUCCEEDED = "OPERATION_STEP_STATUS_SUCCEEDED"
    FAILED = "OPERATION_STEP_STATUS_FAILED"


class PaymentOperationType(_OpenEnum):
    """What a payment operation did."""

    AUTHORIZE = "PAYMENT_OPERATION_TYPE_AUTHORIZE"
    CAPTURE = "PAYMENT_OPERATION_TYPE_CAPTURE"
    VOID = "PAYMENT_OPERATION_TYPE_VOID"
    REFUND = "PAYMENT_OPERATION_TYPE_REFUND"
    CHARGE = "PAYMENT_OPERATION_TYPE_CHARGE"


class PaymentOperationStatus(_OpenEnum):
    """Where a payment operation stands."""

    PENDING = "PAYMENT_OPERATION_STATUS_PENDING"
    SUCCEEDED = "PAYMENT_OPERATION_STATUS_SUCCEEDED"
    FAILED = "PAYMENT_OPERATION_STATUS_FAILED"


class StateSetPaymentStatus(_OpenEnum):
    """The status of a StateSet payment."""

    PENDING = "pending"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclasses.dataclass(frozen=True)
class RewardInput(_Model):
    """A reward to distribute with a capture (addresses are ``0x`` + 40 hex digits)."""

    campaign_address: str
    token_address: str
    chain_id: int


@dataclasses.dataclass(frozen=True)
class InvalidRewardInput(_Model):
    """A reward input the API refused, and why (the capture still happened)."""

    reward_input: RewardInput
    invalid_reason: str = ""


@dataclasses.dataclass(frozen=True)
class Reward(_Model):
    """A reward as recorded by the API."""

    id: str = ""
    campaign_address: str = ""
    payment_info_hash: str = ""
    recipient_address: str = ""
    token_address: str = ""
    chain_id: int = 0
    created_at: Optional[datetime] = None
    updated_at: Optional[datetime] = None


@dataclasses.dataclass(frozen=True)
class OperationTransaction(_Model):
    """An on-chain transaction of an operation step."""

    entity: Optional[str] = None
    transaction_hash: Optional[str] = None
    block_number: Optional[str] = None
    created_at: Optional[datetime] = None
    updated_at: Optional[datetime] = None
    revert_reason: Optional[str] = None
    operation_step_id: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class OperationStep(_Model):
    """One on-chain step of an operation (``type`` e.g. ``OPERATION_STEP_TYPE_CAPTURE_ESCROW``)."""

    id: str
    type: str
    status: OperationStepStatus
    entity: Optional[str] = None
    operation_id: Optional[str] = None
    operation_type: Optional[str] = None
    created_at: Optional[datetime] = None
    updated_at: Optional[datetime] = None
    params: Dict[str, str] = dataclasses.field(default_factory=dict)
    error: Optional[str] = None
    error_code: Optional[str] = None
    transactions: List[OperationTransaction] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class RewardOperation(_Model):
    """A reward operation started by a capture (``action`` e.g. ``REWARD_OPERATION_ACTION_ALLOCATE``)."""

    id: str
    action: str
    status: RewardOperationStatus
    created_at: Optional[datetime] = None
    updated_at: Optional[datetime] = None
    reward: Optional[Reward] = None
    amount: Optional[Decimal] = None
    transaction_hash: Optional[str] = None
    error: Optional[str] = None
    error_code: Optional[str] = None
    revert_reason: Optional[str] = None
    block_number: Optional[str] = None
    metadata: Dict[str, str] = dataclasses.field(default_factory=dict)
    operation_steps: List[OperationStep] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class EscrowCapture(_Result):
    """What an escrow capture returns: the payment operation carrying it, and reward outcomes."""

    operation_id: str
    reward_operations: List[RewardOperation] = dataclasses.field(default_factory=list)
    invalid_reward_inputs: List[InvalidRewardInput] = dataclasses.field(default_factory=list)
    #: The idempotency key the capture was sent with.
    idempotency_key: Optional[str] = None



@dataclasses.dataclass(frozen=True)
class EscrowPayment(_Model):
    """An escrow payment: limits, fee bounds, deadlines and running amounts."""

    id: str
    max_amount: Optional[Decimal] = None
    token: Optional[str] = None
    network_id: Optional[int] = None
    payer: Optional[str] = None
    receiver: Optional[str] = None
    operator: Optional[str] = None
    min_fee_bps: Optional[int] = None
    max_fee_bps: Optional[int] = None
    fee_receiver: Optional[str] = None
    authorization_expiry: Optional[datetime] = None
    pre_approval_expiry: Optional[datetime] = None
    refund_expiry: Optional[datetime] = None
    authorized_amount: Optional[Decimal] = None
    captured_amount: Optional[Decimal] = None
    voided_amount: Optional[Decimal] = None
    refunded_amount: Optional[Decimal] = None
    charged_amount: Optional[Decimal] = None
    created_at: Optional[datetime] = None
    updated_at: Optional[datetime] = None


@dataclasses.dataclass(frozen=True)
class PaymentOperation(_Model):
    """One operation on an escrow payment (authorize, capture, void, refund)."""

    id: str
    type: PaymentOperationType
    status: PaymentOperationStatus
    amount: Optional[Decimal] = None
    fee_bps: Optional[int] = None
    fee_receiver: Optional[str] = None
    fee_amount: Optional[Decimal] = None
    transaction_hash: Optional[str] = None
    metadata: Dict[str, str] = dataclasses.field(default_factory=dict)
    operation_steps: List[OperationStep] = dataclasses.field(default_factory=list)
    created_at: Optional[datetime] = None
    updated_at: Optional[datetime] = None


@dataclasses.dataclass(frozen=True)
class EscrowPaymentDetails(_Result):
    """A payment and its operations, as ``get_payment`` returns them."""

    payment: EscrowPayment
    payment_operations: List[PaymentOperation] = dataclasses.field(default_factory=list)



@dataclasses.dataclass(frozen=True)
class Card(_Model):
    """A card's displayable details."""

    last4: Optional[str] = None
    brand: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class PaymentMethod(_Model):
    """How a StateSet payment was made (``type`` e.g. ``"card"``)."""

    type: Optional[str] = None
    card: Optional[Card] = None


@dataclasses.dataclass(frozen=True)
class CaptureDetails(_Model):
    """What the processor reported for a StateSet capture (amounts in cents)."""

    captured_amount: Optional[int] = None
    capture_time: Optional[datetime] = None
    processor_capture_id: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class StateSetPayment(_Result):
    """A StateSet payment; amounts are ``int`` cents."""

    id: str
    status: StateSetPaymentStatus
    object: Optional[str] = None
    amount: int = 0
    amount_capturable: int = 0
    amount_captured: int = 0
    currency: Optional[str] = None
    captured: bool = False
    captured_at: Optional[datetime] = None
    created_at: Optional[datetime] = None
    payment_method: Optional[PaymentMethod] = None
    capture_details: Optional[CaptureDetails] = None
    metadata: Dict[str, str] = dataclasses.field(default_factory=dict)

