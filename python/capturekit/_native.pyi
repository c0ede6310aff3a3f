# Stubs of the Rust extension module; checked against it by `python -m mypy.stubtest`.
from typing import Any, AsyncIterator, Dict, Iterator, List, Optional, Tuple

from typing_extensions import final

__all__ = ["CaptureIterator", "NativeClient", "TokenRequest", "__version__", "derive_idempotency_key", "generate_jwt", "new_idempotency_key"]
__version__: str

@final
class TokenRequest:
    """What the token provider is asked for: a token for this one request."""

    @property
    def method(self) -> str: ...
    @property
    def host_and_path(self) -> str: ...
    @property
    def uri(self) -> str: ...

@final
class CaptureIterator:
    def __iter__(self) -> Iterator[Dict[str, Any]]: ...
    def __next__(self) -> Dict[str, Any]: ...
    def __aiter__(self) -> AsyncIterator[Dict[str, Any]]: ...
    def __anext__(self) -> Any: ...

@final
class NativeClient:
    def __new__(
        cls,
        *,
        api_key_id: Optional[str] = None,
        api_key_secret: Optional[str] = None,
        key_file: Optional[str] = None,
        bearer_token: Optional[str] = None,
        token_provider: Optional[Any] = None,
        base_url: Optional[str] = None,
        timeout: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        user_agent: Optional[str] = None,
        stateset_api_key: Optional[str] = None,
        coinbase_payments_base_url: Optional[str] = None,
        stateset_base_url: Optional[str] = None,
    ) -> NativeClient: ...
    @property
    def base_url(self) -> str: ...
    def capture(
        self,
        payment_session_id: str,
        amount: Optional[Any],
        final_capture: bool,
        metadata: Optional[Any],
        external_reference_id: Optional[str],
        idempotency_key: Optional[str],
        is_async: bool,
    ) -> Any: ...
    def get_capture(self, payment_session_id: str, capture_id: str, is_async: bool) -> Any: ...
    def list_captures(
        self, payment_session_id: str, page_size: Optional[int], page_token: Optional[str], is_async: bool
    ) -> Any: ...
    def iter_captures(self, payment_session_id: str, page_size: Optional[int]) -> CaptureIterator: ...
    def get_session(self, payment_session_id: str, is_async: bool) -> Any: ...
    def escrow_capture(
        self,
        payment_id: str,
        amount: Optional[Any],
        fee_bps: int,
        fee_receiver: Optional[str],
        distribute_rewards: List[Tuple[str, str, int]],
        metadata: Optional[Any],
        idempotency_key: Optional[str],
        is_async: bool,
    ) -> Any: ...
    def get_escrow_payment(self, payment_id: str, is_async: bool) -> Any: ...
    def stateset_capture(
        self,
        payment_id: str,
        amount: Optional[int],
        statement_descriptor: Optional[str],
        metadata: Optional[Any],
        is_async: bool,
    ) -> Any: ...
    def get_stateset_payment(self, payment_id: str, is_async: bool) -> Any: ...
    def wait_for_capture(
        self, payment_session_id: str, capture_id: str, timeout: float, poll_interval: Optional[float], is_async: bool
    ) -> Any: ...

def derive_idempotency_key(parts: List[str]) -> str: ...
def new_idempotency_key() -> str: ...
def generate_jwt(
    *, api_key_id: str, api_key_secret: str, request_method: str, request_host: str, request_path: str
) -> str: ...
