"""capturekit_sdk: capture authorized payment funds correctly, over one Rust core.

>>> import capturekit_sdk
>>> client = capturekit_sdk.Client(key_file="cdp_api_key.json")                      # doctest: +SKIP
>>> capture = client.payment_sessions.capture(session_id, amount="10.00")        # doctest: +SKIP

Results are immutable classes with typed attributes (``Decimal`` amounts, aware ``datetime``
timestamps, string enums that keep unknown values), ``to_dict()``, equality and pickling.
Requests are keyword arguments; an unknown name is a ``TypeError``. Every error is a
``CaptureKitError`` subclass carrying every field the core reports.
"""

from typing import List

from . import _enums, _errors, _native, _records, _requests
from ._enums import *  # noqa: F403
from ._errors import *  # noqa: F403
from ._native import (
    AsyncClient,
    AsyncCoinbasePayments,
    AsyncPaymentSessions,
    AsyncStateSet,
    CaptureIterator,
    Client,
    CoinbasePayments,
    JwtSigner,
    PaymentSessionIterator,
    PaymentSessions,
    RefundIterator,
    StateSet,
    VoidIterator,
    derive_idempotency_key,
    generate_jwt,
    new_idempotency_key,
    sign_webhook,
    verify_webhook,
)
from ._records import *  # noqa: F403
from ._requests import *  # noqa: F403

__version__: str = _native.__version__

__all__: List[str] = [
    "Client", "AsyncClient", "PaymentSessions", "AsyncPaymentSessions", "CoinbasePayments", "AsyncCoinbasePayments",
    "StateSet", "AsyncStateSet", "CaptureIterator", "VoidIterator", "RefundIterator", "PaymentSessionIterator",
    "JwtSigner",
    "derive_idempotency_key", "new_idempotency_key", "generate_jwt", "verify_webhook", "sign_webhook",
]
__all__ += _enums.__all__
__all__ += _errors.__all__
__all__ += _records.__all__
__all__ += _requests.__all__
