"""Loopback load test of the real server: N concurrent clients on search, recommend, explain, ask.

    .venv/bin/python benchmarks/load.py                          # demo shop, 20 clients, 60 s, two runs
    .venv/bin/python benchmarks/load.py --workspace W --llm template --clients 5 --seconds 8

Starts ``shelfwise serve --no-ui`` on 127.0.0.1 (a free port) over ``--workspace`` (default:
builds or reuses the demo shop in runs/bench-load, as ``shelfwise demo --no-serve`` does), waits
for /health, then runs a warm-up and two identical runs (same clients, seconds, request bound and
seed). The server's per-client rate limit is lifted for the test with ``SHELFWISE_RATE_LIMIT``
(every client is 127.0.0.1, so the default 120/min would answer 429). Any non-2xx answer (429
too) or exception is an error. Memory: resident set of the server process and its children
before and after run 2 (run 1 fills the caches). Exits 1 on any error or when run 2 grows the
server's memory by more than ``--max-growth``. Writes benchmarks/results/load.json (or
``--out``) and, when ``--workspace W`` is given, W/reports/benchmarks/load.json too, where the
app's Data & models tab shows it (``benchmarks.results.write_result``).
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import io  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.loadtest import (  # noqa: E402
    OPEN_RATE,
    ServerProcess,
    Workload,
    format_table,
    run_load,
    summarise,
)
from benchmarks.results import RESULTS_DIR, write_result  # noqa: E402

DEFAULT_WORKSPACE = REPO / "runs" / "bench-load"


def demo_workspace(root: Path) -> Path:
    """The demo shop built (or reused) in ``root``, as ``shelfwise demo --no-serve`` leaves it."""
    from assistant.demo import run_demo

    log = io.StringIO()
    start = time.perf_counter()
    run_demo(root, serve=False, out=log)
    print(f"demo workspace {root} ready in {time.perf_counter() - start:.0f} s")
    return root


def _mb(n: int) -> float:
    return round(n / 2**20, 1)


def load_test(
    workspace: Path,
    *,
    clients: int,
    seconds: float,
    warmup: float,
    max_requests: int,
    llm: str | None,
    seed: int,
    timeout: float,
    max_growth: float,
) -> dict[str, Any]:
    """Warm-up, run 1, run 2 against a fresh server; the figures and the pass/fail checks."""
    workload = Workload.from_workspace(workspace, seed=seed)
    runs: dict[str, Any] = {}
    memory: dict[str, float] = {}
    with ServerProcess(workspace, llm=llm) as server:
        health = server.health()
        print(
            f"server up on {server.url} in {server.startup_seconds:.0f} s "
            f"(search {health.get('search_mode')}, assistant: {health['components']['assistant']['detail']})"
        )
        memory["after_start_mb"] = _mb(server.rss_bytes())
        for name, duration in (("warmup", warmup), ("run1", seconds), ("run2", seconds)):
            if name == "run2":
                memory["before_run2_mb"] = _mb(server.rss_bytes())
            load_before = os.getloadavg()
            summary = summarise(
                run_load(
                    server.url,
                    workload,
                    clients=clients,
                    duration=duration,
                    max_requests=max_requests,
                    seed=seed,
                    timeout=timeout,
                )
            )
            summary["loadavg_before"] = [round(x, 2) for x in load_before]
            summary["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
            runs[name] = summary
            memory[f"after_{name}_mb"] = _mb(server.rss_bytes())
            print()
            print(format_table(name, summary))
            if "answered_by" in summary["endpoints"]["ask"]:
                print(f"/ask answers worded by: {summary['endpoints']['ask']['answered_by']}")
            print(
                f"load average (1/5/15 min) before {summary['loadavg_before']}, after {summary['loadavg_after']}; "
                f"server RSS {memory[f'after_{name}_mb']} MB"
            )
        alive = server.proc is not None and server.proc.poll() is None
        final_health = server.health()["status"] if alive else "down"
        log_tail = server.log_tail(3000)
    growth = memory["after_run2_mb"] / memory["before_run2_mb"]
    errors = sum(runs[n]["overall"]["errors"] for n in ("warmup", "run1", "run2"))
    checks = {
        "zero_errors": errors == 0,
        "memory_growth_ok": growth <= max_growth,
        "server_healthy_after": final_health == "ok",
    }
    return {
        "workspace": str(workspace),
        "llm": health["components"]["assistant"]["detail"],
        "search_mode": health.get("search_mode"),
        "rate_limit": f"SHELFWISE_RATE_LIMIT={OPEN_RATE}",
        "clients": clients,
        "seconds": seconds,
        "warmup_s": warmup,
        "max_requests": max_requests,
        "seed": seed,
        "request_timeout_s": timeout,
        "mix": workload.mix,
        "cpu_count": os.cpu_count(),
        "startup_s": round(server.startup_seconds, 1),
        "runs": runs,
        "memory": {**memory, "run2_growth": round(growth, 4), "max_growth": max_growth},
        "errors": errors,
        "checks": checks,
        "passed": all(checks.values()),
        **({} if all(checks.values()) else {"server_log_tail": log_tail}),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--workspace",
        metavar="W",
        help=f"a built workspace to serve; the result JSON is also written to W/reports/benchmarks/ "
        f"(default: the demo shop in {DEFAULT_WORKSPACE}, result in {RESULTS_DIR} only)",
    )
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60.0, help="length of run 1 and of run 2")
    ap.add_argument(
        "--warmup", type=float, default=10.0, help="seconds of warm-up load before run 1"
    )
    ap.add_argument("--max-requests", type=int, default=50_000, help="request bound per run")
    ap.add_argument(
        "--llm", help="the server's LLM (default: $SHELFWISE_LLM or smollm; 'template' for none)"
    )
    ap.add_argument("--timeout", type=float, default=120.0, help="per-request client timeout (s)")
    ap.add_argument("--max-growth", type=float, default=1.10, help="allowed RSS after/before run 2")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", help=f"the result JSON (default: {RESULTS_DIR / 'load.json'})")
    args = ap.parse_args(argv)

    workspace = Path(args.workspace) if args.workspace else demo_workspace(DEFAULT_WORKSPACE)
    if not (workspace / "store").exists():
        ap.error(
            f"{workspace} holds no store; build it with `shelfwise demo --no-serve --workspace {workspace}`"
        )
    report = load_test(
        workspace,
        clients=args.clients,
        seconds=args.seconds,
        warmup=args.warmup,
        max_requests=args.max_requests,
        llm=args.llm,
        seed=args.seed,
        timeout=args.timeout,
        max_growth=args.max_growth,
    )
    written = write_result("load", report, workspace=args.workspace, out=args.out)
    mem = report["memory"]
    print(
        f"\nserver RSS: start {mem['after_start_mb']} MB, before run 2 {mem['before_run2_mb']} MB, "
        f"after run 2 {mem['after_run2_mb']} MB (x{mem['run2_growth']:.3f}, limit x{args.max_growth})"
    )
    print(f"errors {report['errors']}; checks {report['checks']}; wrote {', '.join(map(str, written))}")
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
