"""Turns the contenders' raw results into statistics, `benchmarks.md` and `benchmarks.png`.

Every figure is a median over rounds (over runs, for cold start), shown with its min–max.
Ratios (with the official SDK in the same language, and with the floor) are medians of
per-round ratios, so that both sides of each ratio were measured moments apart."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

FLOOR = "floor: bare reqwest"
ANALYSIS = Path(__file__).resolve().parent / "analysis.md"
"""Hand-written notes (where the time goes), appended to the generated report."""


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))
    return ordered[int(rank) - 1]


def stats(values: List[float]) -> Dict[str, Any]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "values": values}


def metrics(workload: str, result: Dict[str, Any]) -> Dict[str, float]:
    """The figures one run of a workload yields."""
    if workload == "sequential":
        latencies = result["latenciesUs"]
        return {"p50": percentile(latencies, 0.50), "p99": percentile(latencies, 0.99),
                "cpuPerPair": result["cpuUs"] / len(latencies)}
    if workload == "concurrent":
        return {"throughput": result["pairs"] / result["seconds"], "cpuPerPair": result["cpuUs"] / result["pairs"]}
    if workload == "jwt":
        return {alg: result[alg] for alg in ("EdDSA", "ES256")}
    return {"importAndClientMs": result["importAndClientMs"], "wallMs": result["wallMs"],
            "peakRssMb": result["peakRssMb"]}


def one_line(workload: str, result: Dict[str, Any]) -> str:
    """A progress line for one run."""
    figures = metrics(workload, result)
    return "  ".join(f"{name}={value:,.1f}" for name, value in figures.items())


def summarize(contenders: List[Any]) -> Dict[str, Any]:
    summary: Dict[str, Any] = {"peers": {}, "languages": {}, "workloads": {}}
    for contender in contenders:
        summary["peers"][contender.name] = contender.peer
        summary["languages"][contender.name] = contender.language
        for workload, results in contender.results.items():
            per_run = [metrics(workload, result) for result in results]
            summary["workloads"].setdefault(workload, {})[contender.name] = {
                name: stats([figures[name] for figures in per_run]) for name in per_run[0]
            }
    return summary


def ratio(summary: Dict[str, Any], workload: str, metric: str, numerator: Optional[str],
          denominator: Optional[str]) -> Optional[float]:
    """The median of per-run ratios, run i of one contender over run i of the other: both ran
    in the same round, moments apart, so the machine's drift between rounds cancels out."""
    entries = summary["workloads"].get(workload, {})
    a = entries.get(numerator or "", {}).get(metric)
    b = entries.get(denominator or "", {}).get(metric)
    if a is None or b is None:
        return None
    pairs = [x / y for x, y in zip(a["values"], b["values"]) if y]
    return statistics.median(pairs) if pairs else None


def times(value: Optional[float]) -> str:
    return "–" if value is None else f"{value:.2f}×"


def cell(entry: Dict[str, Any], digits: int = 0) -> str:
    return f"{entry['median']:,.{digits}f} ({entry['min']:,.{digits}f}–{entry['max']:,.{digits}f})"


def goals(summary: Dict[str, Any]) -> List[List[Any]]:
    """[goal, measured ratio, target]: every ratio is 'ours is this many times better'."""
    r = lambda *key: ratio(summary, *key)  # noqa: E731
    py, py_async, py_peer = "capturekit Python", "capturekit Python asyncio", "cdp-sdk Python"
    node, node_peer, core = "capturekit Node", "@coinbase/cdp-sdk Node", "capturekit Rust core"
    rows = [
        ["Python, 64 in flight: throughput ≥ 3× cdp-sdk", r("concurrent", "throughput", py_async, py_peer), 3.0],
        ["Node, 64 in flight: throughput ≥ 2× @coinbase/cdp-sdk", r("concurrent", "throughput", node, node_peer), 2.0],
        # Within 1.1× of the floor: the floor's figure over ours must stay above 1/1.1.
        ["Rust core, sequential p50 within 1.1× of the floor", r("sequential", "p50", FLOOR, core), 1 / 1.1],
        ["Rust core, 64-in-flight throughput within 1.1× of the floor",
         r("concurrent", "throughput", core, FLOOR), 1 / 1.1],
        ["Rust core, 64 in flight: client CPU per pair within 1.1× of the floor",
         r("concurrent", "cpuPerPair", FLOOR, core), 1 / 1.1],
    ]
    for language, ours, peer in (("Python", py, py_peer), ("Node", node, node_peer)):
        for alg in ("EdDSA", "ES256"):
            rows.append([f"{language} JWT {alg}: ≥ 4× faster than {peer}", r("jwt", alg, peer, ours), 4.0])
    for language, ours, peer in (("Python", py, py_peer), ("Node", node, node_peer)):
        rows.append([f"{language} cold start (import + client): ≥ 20× faster than {peer}",
                     r("cold", "importAndClientMs", peer, ours), 20.0])
    return rows


def write_markdown(path: Path, summary: Dict[str, Any], machine: Dict[str, str], sizes: Dict[str, int],
                   elapsed_s: float, smoke: bool) -> None:
    peers, w = summary["peers"], summary["workloads"]
    lines = [
        "# Benchmarks: capturekit side by side with the official SDKs",
        "",
        "Generated by `make bench` (`bench/run.py`); do not edit by hand. One emulator process "
        "(release build, `--manual-settle`) served every contender in turn on this machine, "
        f"{sizes['rounds']} round(s), in {elapsed_s:.0f} s. Figures are medians with min–max over "
        "rounds (over runs for cold start); ratios are medians of per-round ratios. Every client signs a fresh JWT per request and sends an "
        "idempotency key with each capture. How each contender is driven: `bench/README.md`.",
        "",
    ]
    if smoke:
        lines += ["**Smoke run** (one short round, debug builds): these figures check that the bench "
                  "runs; they measure nothing.", ""]
    lines += ["![benchmarks](benchmarks.png)", "", "## Machine and versions", "", "| | |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in machine.items()]
    lines += ["", f"Sizes per round: {sizes['pairs']} sequential pairs (after {sizes['warmup']} warm-up), "
              f"{sizes['concurrency']} in flight for {sizes['concurrent_seconds']} s (after a quarter of that to warm up), "
              f"{sizes['jwt_tokens']} tokens per algorithm, {sizes['cold_runs']} cold starts.", ""]

    lines += ["## Goals", "", "| Goal | Measured | Target | Met |", "|---|---|---|---|"]
    for goal, measured, target in goals(summary):
        shown = "–" if measured is None else f"{measured:.2f}×"
        met = "–" if measured is None or smoke else ("yes" if measured >= target else "**no**")
        lines.append(f"| {goal} | {shown} | ≥ {target:.2f}× | {met} |")
    lines += ["", "Every ratio reads \"ours is this many times better\" (for the floor goals, 0.91× is "
              "exactly 1.1× the floor's cost)." + (" Smoke runs are not judged." if smoke else ""), ""]

    lines += ["\"Client CPU\" is the user and system CPU time of the contender's process during the timed "
              "part, divided by the pairs it made: what the SDK itself costs, steadier than wall time on a "
              "shared machine (the emulator's CPU is not in it).", ""]
    lines += ["## 1. Create capture, then get capture, one after another", "",
              "| Contender | p50 µs | p99 µs | client CPU µs / pair | p50: peer ÷ this | p50: this ÷ floor |",
              "|---|---|---|---|---|---|"]
    for name, entry in w.get("sequential", {}).items():
        lines.append(f"| {name} | {cell(entry['p50'])} | {cell(entry['p99'])} | {cell(entry['cpuPerPair'])} | "
                     f"{times(ratio(summary, 'sequential', 'p50', peers[name], name))} | "
                     f"{times(ratio(summary, 'sequential', 'p50', name, FLOOR))} |")

    lines += ["", "## 2. The same pairs, 64 in flight (asyncio, Promises, tokio)", "",
              "| Contender | pairs/s | client CPU µs / pair | this ÷ peer | floor ÷ this |", "|---|---|---|---|---|"]
    for name, entry in w.get("concurrent", {}).items():
        lines.append(f"| {name} | {cell(entry['throughput'])} | {cell(entry['cpuPerPair'])} | "
                     f"{times(ratio(summary, 'concurrent', 'throughput', name, peers[name]))} | "
                     f"{times(ratio(summary, 'concurrent', 'throughput', FLOOR, name))} |")

    lines += ["", "## 3. JWT signing, per token, through each SDK's public signer", "",
              "| Contender | EdDSA µs | ES256 µs | EdDSA: peer ÷ this | ES256: peer ÷ this |", "|---|---|---|---|---|"]
    for name, entry in w.get("jwt", {}).items():
        ratios = [times(ratio(summary, "jwt", alg, peers[name], name)) for alg in ("EdDSA", "ES256")]
        lines.append(f"| {name} | {cell(entry['EdDSA'], 1)} | {cell(entry['ES256'], 1)} | {ratios[0]} | {ratios[1]} |")

    lines += ["", "## 4. Cold start: import or require, then build a client", "",
              "The first column is measured inside the process, from its first line to a built "
              "client; the others are the whole process (interpreter start, exit) and its peak RSS.", "",
              "| Contender | import + client ms | process wall ms | peak RSS MB | import + client: peer ÷ this |",
              "|---|---|---|---|---|"]
    for name, entry in w.get("cold", {}).items():
        vs_peer = times(ratio(summary, "cold", "importAndClientMs", peers[name], name))
        lines.append(f"| {name} | {cell(entry['importAndClientMs'], 1)} | {cell(entry['wallMs'])} | "
                     f"{cell(entry['peakRssMb'], 1)} | {vs_peer} |")
    lines.append("")
    if ANALYSIS.exists():
        lines += [ANALYSIS.read_text().rstrip(), ""]
    path.write_text("\n".join(lines))


def write_chart(path: Path, summary: Dict[str, Any]) -> None:
    """Four panels, one per workload, each bar a median with its min–max."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        ("sequential", "p50", "1. create + get, sequential: p50 µs (lower is better)"),
        ("concurrent", "throughput", "2. 64 in flight: pairs/s (higher is better)"),
        ("jwt", "ES256", "3. JWT ES256: µs per token (lower is better)"),
        ("cold", "importAndClientMs", "4. cold start: import + client ms (lower is better)"),
    ]
    figure, axes = plt.subplots(2, 2, figsize=(13, 8))
    for axis, (workload, metric, title) in zip(axes.flat, panels):
        entries = [(name, entry[metric]) for name, entry in summary["workloads"].get(workload, {}).items()
                   if metric in entry and entry[metric]["median"] > 0]
        names = [name for name, _ in entries]
        medians = [entry["median"] for _, entry in entries]
        low = [entry["median"] - entry["min"] for _, entry in entries]
        high = [entry["max"] - entry["median"] for _, entry in entries]
        colors = ["#1f6feb" if name.startswith("capturekit") else "#8b949e" if name.startswith("floor")
                  else "#d1242f" for name in names]
        axis.barh(names, medians, xerr=[low, high], color=colors, capsize=3)
        axis.invert_yaxis()
        axis.set_title(title, fontsize=10)
        axis.tick_params(labelsize=8)
        if workload in ("cold", "jwt"):
            axis.set_xscale("log")
        # The label goes past the error bar's end, not over it.
        for y, (value, (_, entry)) in enumerate(zip(medians, entries)):
            axis.annotate(f"{value:,.0f}" if value >= 10 else f"{value:.1f}", (entry["max"], y), xytext=(4, 0),
                          textcoords="offset points", va="center", fontsize=7)
        axis.margins(x=0.12)
    figure.suptitle("capturekit (blue) vs the official CDP SDKs (red) and a bare HTTP floor (grey), same emulator")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
