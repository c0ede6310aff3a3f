"""capturekit: capture authorized payment funds correctly, over one Rust core.

>>> import capturekit
>>> client = capturekit.Client(key_file="cdp_api_key.json")             # doctest: +SKIP
>>> capture = client.payment_sessions.capture(session_id, "10.00")       # doctest: +SKIP
"""

from typing import List

from . import _native
from ._client import (
    Amount,
    AsyncClient,
    AsyncCoinbasePayments,
    AsyncPaymentSessions,
    AsyncStateSet,
    Client,
    CoinbasePayments,
    PaymentSessions,
    StateSet,
    TokenProvider,
)
from ._errors import (
    APIError,
    AuthenticationError,
    CaptureExpiredError,
    CaptureKitError,
    ConfigurationError,
    DecodeError,
    IdempotencyError,
    InvalidRequestError,
    NetworkError,
    NoCapturableBalanceError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TimeoutError,
)
from ._models import (
    Capture,
    CapturePage,
    CaptureStatus,
    Network,
    OnchainTransaction,
    PaymentError,
    PaymentExpiries,
    PaymentSession,
    PaymentSessionBalances,
    PaymentSessionStatus,
)
from ._provider_models import (
    Card,
    CaptureDetails,
    EscrowCapture,
    EscrowPayment,
    EscrowPaymentDetails,
    InvalidRewardInput,
    OperationStep,
    OperationStepStatus,
    OperationTransaction,
    PaymentMethod,
    PaymentOperation,
    PaymentOperationStatus,
    PaymentOperationType,
    Reward,
    RewardInput,
    RewardOperation,
    RewardOperationStatus,
    StateSetPayment,
    StateSetPaymentStatus,
)

TokenRequest = _native.TokenRequest
__version__: str = _native.__version__


def derive_idempotency_key(*parts: str) -> str:
    """A UUID-v4-shaped idempotency key derived from your own identifiers, e.g.
    ``derive_idempotency_key("order-1234", "capture-1")``: the same parts give the same key
    in every run and every capturekit language, so a restarted process can retry safely."""
    return _native.derive_idempotency_key(list(parts))


def new_idempotency_key() -> str:
    """A fresh random UUID v4 idempotency key."""
    return _native.new_idempotency_key()


def generate_jwt(
    *, api_key_id: str, api_key_secret: str, request_method: str, request_host: str, request_path: str
) -> str:
    """A CDP JWT (two minutes, fresh nonce) for one request, e.g. for a back end that mints
    tokens for an app's ``token_provider``: ``generate_jwt(api_key_id=..., api_key_secret=...,
    request_method="POST", request_host="api.cdp.coinbase.com", request_path="/platform/v2/...")``.
    The client signs its own requests; this is for tokens you hand to someone else."""
    return _native.generate_jwt(
        api_key_id=api_key_id,
        api_key_secret=api_key_secret,
        request_method=request_method,
        request_host=request_host,
        request_path=request_path,
    )


__all__: List[str] = [
    "Amount", "AsyncClient", "AsyncPaymentSessions", "Client", "PaymentSessions", "TokenProvider", "TokenRequest",
    "CoinbasePayments", "AsyncCoinbasePayments", "StateSet", "AsyncStateSet",
    "EscrowCapture", "EscrowPayment", "EscrowPaymentDetails", "InvalidRewardInput", "OperationStep",
    "OperationStepStatus", "OperationTransaction", "PaymentOperation", "PaymentOperationStatus", "PaymentOperationType",
    "Reward", "RewardInput", "RewardOperation", "RewardOperationStatus",
    "Card", "CaptureDetails", "PaymentMethod", "StateSetPayment", "StateSetPaymentStatus",
    "derive_idempotency_key", "new_idempotency_key", "generate_jwt",
    "Capture", "CapturePage", "CaptureStatus", "Network", "OnchainTransaction", "PaymentError",
    "PaymentExpiries", "PaymentSession", "PaymentSessionBalances", "PaymentSessionStatus",
    "CaptureKitError", "InvalidRequestError", "AuthenticationError", "PermissionDeniedError", "NotFoundError",
    "IdempotencyError", "RateLimitError", "CaptureExpiredError", "NoCapturableBalanceError", "APIError",
    "ServerError", "OutcomeUnknownError", "NetworkError", "TimeoutError", "DecodeError", "ConfigurationError",
]
