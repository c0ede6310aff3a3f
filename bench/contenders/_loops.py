"""The timing loops every Python contender shares, so that each contender file holds only
what is its own: how it builds a client and how it makes one create-then-get pair.

Imported only after a contender's cold-start clock has started, and kept to the standard
library so that it costs every contender the same."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any, Awaitable, Callable, Dict, List


def config() -> Dict[str, Any]:
    """The config file bench/run.py wrote (its path is the last argument)."""
    with open(sys.argv[-1], encoding="utf-8") as f:
        return json.load(f)  # type: ignore[no-any-return]


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM). Not ru_maxrss: Linux carries that over
    from the parent across exec, so it never reads lower than the parent's."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def emit(result: Dict[str, Any]) -> None:
    """The one line bench/run.py reads."""
    print(json.dumps(result), flush=True)


def sequential_sync(pair: Callable[[str], None], cfg: Dict[str, Any]) -> Dict[str, Any]:
    """Workload 1, blocking: every pair's latency in microseconds."""
    session = cfg["sessions"][0]
    for _ in range(cfg["warmup"]):
        pair(session)
    latencies: List[float] = []
    cpu = time.process_time()
    for _ in range(cfg["pairs"]):
        start = time.perf_counter()
        pair(session)
        latencies.append((time.perf_counter() - start) * 1e6)
    return {"latenciesUs": latencies, "cpuUs": (time.process_time() - cpu) * 1e6}


async def sequential_async(pair: Callable[[str], Awaitable[None]], cfg: Dict[str, Any]) -> Dict[str, Any]:
    """Workload 1 on asyncio: each pair awaited before the next."""
    session = cfg["sessions"][0]
    for _ in range(cfg["warmup"]):
        await pair(session)
    latencies: List[float] = []
    cpu = time.process_time()
    for _ in range(cfg["pairs"]):
        start = time.perf_counter()
        await pair(session)
        latencies.append((time.perf_counter() - start) * 1e6)
    return {"latenciesUs": latencies, "cpuUs": (time.process_time() - cpu) * 1e6}


async def concurrent(pair: Callable[[str], Awaitable[None]], cfg: Dict[str, Any]) -> Dict[str, Any]:
    """Workload 2: `concurrency` tasks make pairs until `seconds` have passed (a pair under
    way then is finished and counted); the pairs made and the wall time they took."""
    session = cfg["sessions"][0]

    async def run(seconds: float) -> int:
        deadline = time.perf_counter() + seconds
        made = 0

        async def worker() -> None:
            nonlocal made
            while time.perf_counter() < deadline:
                await pair(session)
                made += 1

        await asyncio.gather(*(worker() for _ in range(cfg["concurrency"])))
        return made

    await run(cfg["warmupSeconds"])
    start, cpu = time.perf_counter(), time.process_time()
    pairs = await run(cfg["seconds"])
    return {"pairs": pairs, "seconds": time.perf_counter() - start, "cpuUs": (time.process_time() - cpu) * 1e6}


def jwt(sign: Callable[[Dict[str, str]], str], cfg: Dict[str, Any]) -> Dict[str, Any]:
    """Workload 3: microseconds per token through the SDK's public signer, per algorithm: the
    fastest of five batches (the least disturbed by others on a shared machine)."""
    result: Dict[str, float] = {}
    batch = max(1, cfg["jwtTokens"] // 5)
    for key in cfg["jwtKeys"]:
        for _ in range(cfg["jwtTokens"] // 10 + 1):
            sign(key)
        fastest = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(batch):
                sign(key)
            fastest = min(fastest, (time.perf_counter() - start) * 1e6 / batch)
        result[key["alg"]] = fastest
    return result


REQUEST = {"method": "POST", "host": "api.cdp.coinbase.com", "path": "/platform/v2/payment-sessions/x/captures"}
"""The request every JWT in workload 3 is bound to."""
