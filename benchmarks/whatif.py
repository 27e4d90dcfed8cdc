"""What-if replay benchmark: 30 days of demo-shop events replayed before/after proposed changes.

    .venv/bin/python benchmarks/whatif.py [--seed 0] [--days 30] [--boot 1000]

Generates the default demo shop (3,000 products, 2,000 users, ~150k events over 120 days; not
timed), then replays the last ``--days`` days of logged lists through the logged-order +
popularity ranker for each change below, with the position-based click model fitted on the
days before and ``--boot`` bootstrap resamples of sessions. The target is <= 20 s per what-if
on 2 cores. Writes ``benchmarks/results/whatif.json``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.results import add_workspace_option, write_result  # noqa: E402
from recsys_core.demo import generate_demo_shop  # noqa: E402
from recsys_core.strategy import Change, RerankWeights, parse_rules, replay  # noqa: E402

TARGET_SECONDS = 20.0


def changes(truth: dict) -> list[Change]:
    rising = next(t["category"] for t in truth["trends"] if t["direction"] == "up")
    falling = next(t["category"] for t in truth["trends"] if t["direction"] == "down")
    rules = parse_rules({"rules": [
        {"id": "boost-rising", "action": "boost", "multiplier": 1.5, "target": {"categories": [rising]}},
        {"id": "bury-falling", "action": "bury", "multiplier": 0.7, "target": {"categories": [falling]}},
    ]})
    return [
        Change(f"boost {rising} x1.5, bury {falling} x0.7", rules=rules),
        Change("re-rank: relevance + 0.5 margin + 0.2 diversity",
               rerank=RerankWeights(relevance=1.0, margin=0.5, diversity=0.2)),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--boot", type=int, default=1000)
    add_workspace_option(parser)
    args = parser.parse_args()
    t = time.perf_counter()
    shop, truth = generate_demo_shop(args.seed)
    gen_s = time.perf_counter() - t
    print(f"demo shop (seed {args.seed}): {len(shop.events):,} events, generated in {gen_s:.1f} s (not timed below)")
    results = []
    for change in changes(truth):
        t = time.perf_counter()
        report = replay(shop, change, days=args.days, n_boot=args.boot, seed=args.seed)
        seconds = time.perf_counter() - t
        print()
        print(report.table())
        print(f"wall time {seconds:.2f} s (target <= {TARGET_SECONDS:.0f} s)")
        results.append({**report.to_dict(), "wall_seconds": round(seconds, 3)})
    print()
    print(f"{'change':<52}{'lists':>7}{'sessions':>10}{'seconds':>9}  within target")
    for r in results:
        print(f"{r['change']:<52}{r['lists']:>7,}{r['sessions']:>10,}{r['wall_seconds']:>9.2f}  "
              f"{'yes' if r['wall_seconds'] <= TARGET_SECONDS else 'NO'}")
    written = write_result("whatif", {
        "benchmark": "whatif", "seed": args.seed, "days": args.days, "bootstrap": args.boot,
        "events": len(shop.events), "target_seconds": TARGET_SECONDS, "cpu_count": os.cpu_count(),
        "machine": platform.platform(), "results": results,
    }, workspace=args.workspace, default=float)
    print(f"wrote {', '.join(str(p) for p in written)}")
    return 0 if all(r["wall_seconds"] <= TARGET_SECONDS for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
