"""The side-by-side benchmark: one emulator process, every contender run against it in turn,
several rounds, then `benchmarks.md` and `benchmarks.png` written from the medians.

    python bench/run.py --out docs            # what `make bench` runs (release builds)
    python bench/run.py --smoke --out DIR     # one short round: what `make test` runs

Every contender is a separate process that prints one JSON line (see bench/README.md);
this script owns the emulator, the workload sizes, the statistics and the report."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import report

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
FIXTURES = REPO / "tests" / "fixtures"
CONTENDERS = BENCH / "contenders"
WORKLOADS = ("sequential", "concurrent", "jwt", "cold")


@dataclass(frozen=True)
class Sizes:
    """How much each workload does per round."""

    rounds: int
    pairs: int
    warmup: int
    concurrent_seconds: float
    concurrency: int
    jwt_tokens: int
    cold_runs: int


FULL = Sizes(rounds=5, pairs=1000, warmup=100, concurrent_seconds=4, concurrency=64, jwt_tokens=2000, cold_runs=3)
SMOKE = Sizes(rounds=1, pairs=10, warmup=2, concurrent_seconds=0.3, concurrency=64, jwt_tokens=20, cold_runs=1)


@dataclass
class Contender:
    """One client under test: the command that runs it and the workloads it takes part in."""

    name: str
    language: str
    command: List[str]
    workloads: List[str]
    peer: Optional[str] = None
    """The official SDK it is compared with, in the same language."""
    results: Dict[str, List[Dict[str, Any]]] = field(default_factory=dict)


def contenders(args: argparse.Namespace) -> List[Contender]:
    rust = [str(args.rust_bench)]
    ours_py, peer_py = [str(args.capturekit_python)], [str(args.peer_python)]
    node = [args.node]
    return [
        Contender("capturekit Rust core", "Rust", rust + ["core"], list(WORKLOADS)),
        Contender("floor: bare reqwest", "Rust", rust + ["floor"], ["sequential", "concurrent"]),
        Contender("capturekit Python", "Python", ours_py + [str(CONTENDERS / "capturekit_py.py"), "sync"],
                  ["sequential", "jwt", "cold"], peer="cdp-sdk Python"),
        Contender("capturekit Python asyncio", "Python", ours_py + [str(CONTENDERS / "capturekit_py.py"), "async"],
                  ["sequential", "concurrent"], peer="cdp-sdk Python"),
        Contender("cdp-sdk Python", "Python", peer_py + [str(CONTENDERS / "cdp_sdk_py.py"), "async"],
                  list(WORKLOADS)),
        Contender("python, nothing imported", "Python", [str(args.capturekit_python),
                  str(CONTENDERS / "bare_interpreter.py")], ["cold"]),
        Contender("capturekit Node", "Node", node + [str(CONTENDERS / "capturekit_node.js"), "node"], list(WORKLOADS),
                  peer="@coinbase/cdp-sdk Node"),
        Contender("@coinbase/cdp-sdk Node", "Node", node + [str(CONTENDERS / "cdp_sdk_node.js"), "node"],
                  list(WORKLOADS)),
        Contender("node, nothing required", "Node", node + [str(CONTENDERS / "bare_interpreter.js")], ["cold"]),
    ]


class Emulator:
    """The one emulator process every contender talks to, on a free loopback port."""

    def __init__(self, binary: Path) -> None:
        args = [str(binary), "--host", "127.0.0.1", "--port", "0", "--manual-settle",
                "--key-file", str(FIXTURES / "ed25519-key.json"), "--key-file", str(FIXTURES / "es256-key.json")]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line.startswith("CAPTUREKIT_EMULATOR_URL="):
            self.stop()
            raise SystemExit(f"bench: the emulator did not start ({line!r})")
        # 127.0.0.1, not localhost: cdp-sdk signs `uris` from a parse that needs an IP host.
        self.url = line.split("=", 1)[1].replace("localhost", "127.0.0.1")
        self.base_url = f"{self.url}/platform"

    def new_session(self) -> str:
        """A session authorized for far more than any workload captures (0.01 a pair)."""
        request = urllib.request.Request(f"{self.url}/_emulator/payment-sessions", method="POST",
                                         data=json.dumps({"amount": "100000000"}).encode(),
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return str(json.loads(response.read())["paymentSessionId"])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def jwt_keys() -> List[Dict[str, str]]:
    keys = []
    for alg, file in (("EdDSA", "ed25519-key.json"), ("ES256", "es256-pkcs8-key.json")):
        data = json.loads((FIXTURES / file).read_text())
        keys.append({"alg": alg, "id": data.get("id") or data["name"], "secret": data["privateKey"]})
    return keys


def run_once(contender: Contender, workload: str, config: Dict[str, Any], timeout_s: float) -> Dict[str, Any]:
    """Runs the contender's process once; its JSON line, plus its wall time and peak RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        config_path = Path(tmp) / "config.json"
        config_path.write_text(json.dumps(config))
        stderr_path = Path(tmp) / "stderr"
        with open(stderr_path, "w") as stderr:
            start = time.perf_counter()
            process = subprocess.Popen(contender.command + [workload, str(config_path)], stdout=subprocess.PIPE,
                                       stderr=stderr, cwd=CONTENDERS)
            killer = threading.Timer(timeout_s, process.kill)
            killer.start()
            assert process.stdout is not None
            output = process.stdout.read()
            # wait4, not wait: ru_maxrss comes with the exit status, the fallback below.
            _, status, usage = os.wait4(process.pid, 0)
            wall_ms = (time.perf_counter() - start) * 1e3
            killer.cancel()
            process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise SystemExit(f"bench: {contender.name} {workload} exited {process.returncode}:\n"
                             f"{stderr_path.read_text()[-3000:]}")
    lines = output.decode().strip().splitlines()
    result: Dict[str, Any] = json.loads(lines[-1]) if lines else {}
    if not result:
        raise SystemExit(f"bench: {contender.name} {workload} printed no result")
    result["wallMs"] = wall_ms
    # Contenders report their own VmHWM; ru_maxrss (kilobytes on Linux) is only a fallback,
    # since it carries this process's peak over across exec.
    result.setdefault("peakRssMb", usage.ru_maxrss / 1024)
    return result


def config_for(workload: str, sizes: Sizes, emulator: Emulator) -> Dict[str, Any]:
    return {
        "baseUrl": emulator.base_url,
        "keyFile": str(FIXTURES / "ed25519-key.json"),
        "sessions": [emulator.new_session()] if workload in ("sequential", "concurrent") else [],
        "pairs": sizes.pairs,
        "warmup": sizes.warmup,
        "concurrency": sizes.concurrency,
        "seconds": sizes.concurrent_seconds,
        "warmupSeconds": sizes.concurrent_seconds / 4,
        "jwtKeys": jwt_keys(),
        "jwtTokens": sizes.jwt_tokens,
    }


def run_all(all_contenders: List[Contender], sizes: Sizes, emulator: Emulator, timeout_s: float) -> None:
    for round_number in range(sizes.rounds):
        # Each round starts with a different contender, so no one always runs first.
        shift = round_number % len(all_contenders)
        order = all_contenders[shift:] + all_contenders[:shift]
        for workload in WORKLOADS:
            for contender in order:
                if workload not in contender.workloads:
                    continue
                for _ in range(sizes.cold_runs if workload == "cold" else 1):
                    result = run_once(contender, workload, config_for(workload, sizes, emulator), timeout_s)
                    contender.results.setdefault(workload, []).append(result)
                    print(f"round {round_number + 1}/{sizes.rounds} {workload:<10} {contender.name:<28} "
                          f"{report.one_line(workload, result)}", flush=True)


def command_output(command: List[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=30).stdout.strip()
    except OSError:
        return "?"


def machine(args: argparse.Namespace) -> Dict[str, str]:
    cpu = "?"
    if Path("/proc/cpuinfo").exists():
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "?")
    memory = "?"
    if Path("/proc/meminfo").exists():
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    peer_node = BENCH / "peers" / "node" / "node_modules" / "@coinbase" / "cdp-sdk" / "package.json"
    peer_py = next((line.split("==")[1] for line in (BENCH / "peers" / "python" / "requirements.txt")
                    .read_text().splitlines() if line.startswith("cdp-sdk==")), "?")
    version = next(line.split('"')[1] for line in (REPO / "Cargo.toml").read_text().splitlines()
                   if line.startswith("version"))
    return {
        "CPU": f"{cpu}, {os.cpu_count()} logical cores",
        "Memory": memory,
        "OS": f"{platform.system()} {platform.release()}",
        "capturekit": f"{version} ({args.profile} build)",
        "cdp-sdk (PyPI)": peer_py,
        "@coinbase/cdp-sdk (npm)": json.loads(peer_node.read_text())["version"] if peer_node.exists() else "?",
        "Rust": command_output(["rustc", "--version"]),
        "Python": command_output([str(args.capturekit_python), "--version"]),
        "Node": command_output([args.node, "--version"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="one short round; goals are shown, not judged")
    parser.add_argument("--out", type=Path, required=True, help="folder for benchmarks.md, .png and .json")
    parser.add_argument("--emulator", type=Path, required=True)
    parser.add_argument("--rust-bench", type=Path, required=True)
    parser.add_argument("--capturekit-python", type=Path, required=True, help="a Python with capturekit installed")
    parser.add_argument("--peer-python", type=Path, required=True, help="a Python with cdp-sdk installed")
    parser.add_argument("--node", default="node")
    parser.add_argument("--profile", default="release", help="the build profile, as shown in the report")
    parser.add_argument("--rounds", type=int, help="override the number of rounds")
    args = parser.parse_args()
    # Contenders run in bench/contenders; absolute() (not resolve()) keeps a venv's python.
    for name in ("out", "emulator", "rust_bench", "capturekit_python", "peer_python"):
        setattr(args, name, getattr(args, name).absolute())

    sizes = SMOKE if args.smoke else FULL
    if args.rounds:
        sizes = Sizes(**{**sizes.__dict__, "rounds": args.rounds})
    all_contenders = contenders(args)
    emulator = Emulator(args.emulator)
    try:
        started = time.time()
        run_all(all_contenders, sizes, emulator, timeout_s=120 if args.smoke else 900)
        elapsed = time.time() - started
    finally:
        emulator.stop()
    args.out.mkdir(parents=True, exist_ok=True)
    summary = report.summarize(all_contenders)
    (args.out / "benchmarks.json").write_text(json.dumps(summary, indent=1))
    report.write_markdown(args.out / "benchmarks.md", summary, machine(args), sizes.__dict__, elapsed, args.smoke)
    report.write_chart(args.out / "benchmarks.png", summary)
    print(f"bench: wrote {args.out / 'benchmarks.md'} and {args.out / 'benchmarks.png'} in {elapsed:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
