"""The official Python SDK (`cdp-sdk`) contender: `python cdp_sdk_py.py async <workload> <config>`.

Payment Sessions are reached through the SDK's generated OpenAPI client, as its own
documentation does for APIs without a high-level wrapper; every request is signed by the
SDK with a fresh JWT. The idempotency key is passed as capturekit sends one."""

import time

STARTED = time.perf_counter()  # workload 4 measures from here: import, then a client

import os  # noqa: E402
import sys  # noqa: E402

# The SDK reports usage and errors to Coinbase unless told not to; the bench talks only to
# the local emulator.
os.environ["DISABLE_CDP_USAGE_TRACKING"] = "true"
os.environ["DISABLE_CDP_ERROR_REPORTING"] = "true"


def key_of(cfg: dict) -> dict:
    import json

    with open(cfg["keyFile"], encoding="utf-8") as f:
        return json.load(f)  # type: ignore[no-any-return]


def main(workload: str) -> None:
    import asyncio
    import uuid

    from cdp import CdpClient
    from cdp.openapi_client.api.payment_sessions_api import PaymentSessionsApi
    from cdp.openapi_client.models.create_capture_request import CreateCaptureRequest

    import _loops

    cfg = _loops.config()
    key = key_of(cfg)

    async def build() -> tuple:
        cdp = CdpClient(api_key_id=key["id"], api_key_secret=key["privateKey"], base_path=cfg["baseUrl"])
        return cdp, PaymentSessionsApi(cdp.cdp_api_client)

    if workload == "cold":

        async def cold() -> None:
            cdp, _ = await build()
            elapsed = (time.perf_counter() - STARTED) * 1e3
            await cdp.close()
            _loops.emit({"importAndClientMs": elapsed, "peakRssMb": _loops.peak_rss_mb()})

        return asyncio.run(cold())
    if workload == "jwt":
        from cdp.auth.utils.jwt import JwtOptions, generate_jwt

        request = _loops.REQUEST

        def sign(k: dict) -> str:
            return generate_jwt(JwtOptions(api_key_id=k["id"], api_key_secret=k["secret"],
                                           request_method=request["method"], request_host=request["host"],
                                           request_path=request["path"], expires_in=120))

        return _loops.emit(_loops.jwt(sign, cfg))

    async def run() -> dict:
        cdp, api = await build()

        async def pair(session: str) -> None:
            capture = await api.capture_payment_session(
                session,
                create_capture_request=CreateCaptureRequest(amount="0.01", final_capture=False),
                x_idempotency_key=str(uuid.uuid4()),
            )
            await api.get_payment_session_capture(session, capture.capture_id)

        try:
            if workload == "sequential":
                return await _loops.sequential_async(pair, cfg)
            return await _loops.concurrent(pair, cfg)
        finally:
            await cdp.close()

    _loops.emit(asyncio.run(run()))


if __name__ == "__main__":
    main(sys.argv[2])
