"""capturekit's exceptions: one class per error kind of the Rust core.

Every exception carries ``code`` (the stable snake_case kind), ``http_status``,
``error_type`` (the API's ``errorType``), ``message``, ``correlation_id``, ``error_link``
and ``idempotency_key``. They pickle and unpickle with all of them.
"""

from __future__ import annotations

import builtins
from typing import Any, Dict, Optional, Type

__all__ = [
    "CaptureKitError",
    "InvalidRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "IdempotencyError",
    "RateLimitError",
    "CaptureExpiredError",
    "NoCapturableBalanceError",
    "APIError",
    "ServerError",
    "OutcomeUnknownError",
    "NetworkError",
    "TimeoutError",
    "DecodeError",
    "ConfigurationError",
]


class CaptureKitError(Exception):
    """Base class of every capturekit error."""

    code: str = "unknown"

    def __init__(
        self,
        message: str,
        *,
        http_status: Optional[int] = None,
        error_type: Optional[str] = None,
        correlation_id: Optional[str] = None,
        error_link: Optional[str] = None,
        idempotency_key: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.error_type = error_type
        self.correlation_id = correlation_id
        self.error_link = error_link
        self.idempotency_key = idempotency_key

    def _fields(self) -> Dict[str, Any]:
        return {
            "http_status": self.http_status,
            "error_type": self.error_type,
            "correlation_id": self.correlation_id,
            "error_link": self.error_link,
            "idempotency_key": self.idempotency_key,
        }

    def __reduce__(self) -> Any:
        # Keyword-only fields do not survive the default Exception pickling.
        return (_rebuild, (type(self), self.message, self._fields(), self.__dict__.copy()))

    def __str__(self) -> str:
        text = f"{self.code}: {self.message}"
        if self.http_status is not None:
            details = [f"HTTP {self.http_status}"]
            if self.error_type:
                details.append(self.error_type)
            if self.correlation_id:
                details.append(f"correlation id {self.correlation_id}")
            text += f" ({', '.join(details)})"
        if self.idempotency_key:
            text += f" [idempotency key {self.idempotency_key}]"
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code!r}, http_status={self.http_status!r})"


def _rebuild(cls: Type[CaptureKitError], message: str, fields: Dict[str, Any], state: Dict[str, Any]) -> CaptureKitError:
    error = cls(message, **fields)
    error.__dict__.update(state)
    return error


class InvalidRequestError(CaptureKitError, ValueError):
    """Bad input, refused before any request, or a 400 from the API. Also a ``ValueError``."""

    code = "invalid_request"


class AuthenticationError(CaptureKitError):
    """The credentials were refused (401), or the token provider failed."""

    code = "authentication"


class PermissionDeniedError(CaptureKitError):
    """The credentials may not do this (403)."""

    code = "permission_denied"


class NotFoundError(CaptureKitError):
    """The payment session or capture does not exist (404)."""

    code = "not_found"


class IdempotencyError(CaptureKitError):
    """The idempotency key was used with another request (422), or is still in flight (409)."""

    code = "idempotency_conflict"


class RateLimitError(CaptureKitError):
    """Too many requests (429). ``retry_after`` is the wait the API asked for, in seconds."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: Optional[float] = None, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.retry_after = retry_after


class CaptureExpiredError(CaptureKitError):
    """The session's ``captureExpiresAt`` has passed."""

    code = "capture_expired"


class NoCapturableBalanceError(CaptureKitError):
    """The session has nothing left to capture."""

    code = "no_capturable_balance"


class APIError(CaptureKitError):
    """Any other error answered by the API; see ``error_type``."""

    code = "api"


class ServerError(APIError):
    """The API failed on its side (5xx) on a read."""

    code = "server"


class OutcomeUnknownError(CaptureKitError):
    """A capture ended without a definite answer: it may or may not exist.

    Call again with the same ``idempotency_key`` to find out; never with a new key.
    """

    code = "outcome_unknown"


class NetworkError(CaptureKitError):
    """The request could not be sent, or its answer not received."""

    code = "network"


class TimeoutError(CaptureKitError, builtins.TimeoutError):  # noqa: A001 - the name is the point
    """An attempt, or ``wait_for_capture``, ran out of time. Also the builtin ``TimeoutError``.

    From ``wait_for_capture``, ``last_capture`` holds the last state of the capture seen.
    """

    code = "timeout"

    def __init__(self, message: str, *, last_capture: Any = None, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.last_capture = last_capture


class DecodeError(CaptureKitError):
    """The API answered something that could not be decoded."""

    code = "decode"


class ConfigurationError(CaptureKitError):
    """The client was configured wrongly (credentials, key format, base URL, options)."""

    code = "configuration"


_BY_CODE: Dict[str, Type[CaptureKitError]] = {
    cls.code: cls
    for cls in (
        InvalidRequestError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        IdempotencyError,
        RateLimitError,
        CaptureExpiredError,
        NoCapturableBalanceError,
        APIError,
        ServerError,
        OutcomeUnknownError,
        NetworkError,
        TimeoutError,
        DecodeError,
        ConfigurationError,
    )
}


def _from_native(
    code: str,
    message: str,
    http_status: Optional[int],
    error_type: Optional[str],
    correlation_id: Optional[str],
    error_link: Optional[str],
    idempotency_key: Optional[str],
    retry_after: Optional[float],
    last_capture: Optional[Dict[str, Any]],
) -> CaptureKitError:
    """Called by the native module to build the exception for a core error."""
    cls = _BY_CODE.get(code, CaptureKitError)
    fields: Dict[str, Any] = {
        "http_status": http_status,
        "error_type": error_type,
        "correlation_id": correlation_id,
        "error_link": error_link,
        "idempotency_key": idempotency_key,
    }
    if cls is RateLimitError:
        fields["retry_after"] = retry_after
    if cls is TimeoutError:
        from ._models import Capture

        fields["last_capture"] = Capture._from_native(last_capture) if last_capture else None
    return cls(message, **fields)
