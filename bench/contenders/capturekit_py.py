"""The capturekit Python contender: `python capturekit_py.py <sync|async> <workload> <config>`."""

import time

STARTED = time.perf_counter()  # workload 4 measures from here: import, then a client

import sys  # noqa: E402


def cold() -> None:
    import capturekit_sdk

    from _loops import config, emit, peak_rss_mb

    cfg = config()
    capturekit_sdk.Client(key_file=cfg["keyFile"], base_url=cfg["baseUrl"])
    emit({"importAndClientMs": (time.perf_counter() - STARTED) * 1e3, "peakRssMb": peak_rss_mb()})


def main(variant: str, workload: str) -> None:
    if workload == "cold":
        return cold()
    import asyncio

    import capturekit_sdk

    import _loops

    cfg = _loops.config()
    if workload == "jwt":
        request = _loops.REQUEST
        signers = {}

        def sign(key: dict) -> str:
            # A back end keeps one signer per key (the key parsed once), as the README shows.
            signer = signers.get(key["id"]) or signers.setdefault(
                key["id"], capturekit_sdk.JwtSigner(api_key_id=key["id"], api_key_secret=key["secret"]))
            return signer.sign(request_method=request["method"], request_host=request["host"],
                               request_path=request["path"])

        return _loops.emit(_loops.jwt(sign, cfg))
    if variant == "sync":
        sessions = capturekit_sdk.Client(key_file=cfg["keyFile"], base_url=cfg["baseUrl"]).payment_sessions

        def pair(session: str) -> None:
            capture = sessions.capture(session, amount="0.01", final_capture=False)
            sessions.get_capture(session, capture.capture_id)

        assert workload == "sequential", workload
        return _loops.emit(_loops.sequential_sync(pair, cfg))

    async def run() -> dict:
        async_sessions = capturekit_sdk.AsyncClient(key_file=cfg["keyFile"], base_url=cfg["baseUrl"]).payment_sessions

        async def async_pair(session: str) -> None:
            capture = await async_sessions.capture(session, amount="0.01", final_capture=False)
            await async_sessions.get_capture(session, capture.capture_id)

        if workload == "sequential":
            return await _loops.sequential_async(async_pair, cfg)
        return await _loops.concurrent(async_pair, cfg)

    _loops.emit(asyncio.run(run()))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
