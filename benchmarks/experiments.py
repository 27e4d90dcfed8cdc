"""How much traffic each way of testing a ranking change needs, and whether each test keeps its
false-positive rate.

    .venv/bin/python benchmarks/experiments.py [--demo-seed 0] [--large-seed 1] [--large-users 6000] [--sims 500]

Two generated shops: the default demo shop (3,000 products, 2,000 users, ~150k events) and a
larger one (``--large-users`` users, 4,000 products, three times the events). For each, the
proposals (``shelfwise propose``) are simulated on the last 30 days and planned
(:func:`recsys_core.strategy.experiments.plan_experiment`): sessions for 80% power at alpha
0.05 with

- A/B on revenue per user (the proposal's business goal), CUPED A/B on the same metric,
- A/B on clicks per user (the same signal interleaving reads: the like-for-like comparison),
- team-draft interleaving (click preference, simulated on the replayed lists with the fitted
  position-bias click model).

The ratios A/B / interleaving are reported per proposal (goal: >= 10x fewer sessions with
interleaving). Then, under no true effect, ``--sims`` simulated experiments per method check
the false-positive rate stays at alpha (inside the 99% binomial band):

- A/B and CUPED A/B: A/A tests on the real per-user revenue of the replayed window, users split
  by a salted hash with a fresh salt per experiment (covariates: the 90 days before);
- interleaving: the live ranking interleaved with itself, sessions drawn from the simulation.

And the planned interleaving size is checked by simulation: at the planned sessions of the
proposal that needs the fewest, the share of simulated experiments that detect it (target 80%).
Writes ``benchmarks/results/experiments.json``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.results import write_result  # noqa: E402

ALPHA = 0.05
GOAL_RATIO = 10.0
POWER_CHECK_CAP = 400_000  # sessions per simulated experiment in the power check


def _band(sims: int, alpha: float) -> list[float]:
    lo, hi = stats.binom.ppf([0.005, 0.995], sims, alpha)
    return [float(lo / sims), float(hi / sims)]


def _ratio(a: int | None, b: int | None) -> float | None:
    return None if not a or not b else round(a / b, 2)


def false_positive_rates(shop: Any, setup: Any, sims: int, seed: int) -> dict[str, Any]:
    import pandas as pd

    from recsys_core.strategy.experiments import ab_test, analyse, assign, simulate_interleaving
    from recsys_core.strategy.experiments.planning import (
        PRE_DAYS,
        pre_covariates,
        unit_of,
        user_metric,
    )
    from recsys_core.strategy.whatif import Change

    ev = shop.events
    held = ev[(ev["timestamp"] > setup.cut) & (ev["timestamp"] <= setup.end)]
    pre = ev[(ev["timestamp"] > setup.cut - pd.Timedelta(days=PRE_DAYS)) & (ev["timestamp"] <= setup.cut)]
    units = pd.Index(sorted(set(unit_of(held))))
    y = user_metric(held, "revenue").reindex(units).fillna(0.0).to_numpy()
    x = pre_covariates(pre, units, "revenue")
    rejected = {"ab": 0, "cuped": 0, "interleaving": 0}
    for _ in range(sims):
        salt = uuid.uuid4().hex
        treated = np.array([assign(salt, u) == "B" for u in units])
        rejected["ab"] += ab_test("revenue", y, treated, alpha=ALPHA).significant
        rejected["cuped"] += ab_test("revenue", y, treated, x, alpha=ALPHA).significant
    same = simulate_interleaving(setup, Change("the live ranking itself"), max_sessions=2000, draws=16, seed=seed)
    rng = np.random.default_rng(seed)
    n_sessions = 2000
    for _ in range(sims):
        rejected["interleaving"] += analyse(same.sample(n_sessions, rng), alpha=ALPHA).significant
    band = _band(sims, ALPHA)
    return {"sims": sims, "alpha": ALPHA, "band_99": band, "users": len(units), "interleaving_sessions": n_sessions,
            "rates": {m: round(n / sims, 4) for m, n in rejected.items()},
            "inside_band": {m: band[0] <= n / sims <= band[1] for m, n in rejected.items()}}


def power_check(shop: Any, setup: Any, proposals: list[Any], sims: int, seed: int) -> dict[str, Any] | None:
    from recsys_core.strategy.experiments import analyse, simulate_interleaving

    planned = [p for p in proposals if p.test_plan and p.test_plan.interleaving_sessions
               and p.test_plan.interleaving_sessions <= POWER_CHECK_CAP]
    if not planned:
        return None
    best = min(planned, key=lambda p: p.test_plan.interleaving_sessions)
    n = best.test_plan.interleaving_sessions
    sim = simulate_interleaving(setup, best.change, max_sessions=2000, draws=16, seed=seed)
    rng = np.random.default_rng(seed + 1)
    hits = 0
    for _ in range(sims):
        r = analyse(sim.sample(n, rng), alpha=ALPHA)
        hits += r.significant and np.sign(r.preference) == np.sign(sim.preference)
    return {"proposal": best.title, "planned_sessions": n, "sims": sims, "detected_share": round(hits / sims, 4),
            "target": 0.8}


def run_shop(label: str, shop: Any, sims: int, seed: int) -> dict[str, Any]:
    from recsys_core.strategy import propose
    from recsys_core.strategy.whatif import prepare_replay

    t0 = time.perf_counter()
    proposals = propose(shop, n_boot=200, seed=seed, plan=True, progress=True)
    seconds = time.perf_counter() - t0
    rows = []
    for p in proposals:
        t = p.test_plan
        rows.append({"kind": p.kind, "title": p.title, "status": p.status,
                     "predicted_revenue_change": t.predicted_change, "ab_sessions": t.ab_sessions,
                     "cuped_sessions": t.cuped_sessions, "ab_sessions_clicks": t.ab_sessions_clicks,
                     "cuped_sessions_clicks": t.cuped_sessions_clicks,
                     "cuped_variance_reduction_clicks": t.cuped_variance_reduction_clicks,
                     "interleaving_sessions": t.interleaving_sessions,
                     "cuped_variance_reduction": t.cuped_variance_reduction,
                     "interleaving_preference": t.interleaving_preference, "days": t.days,
                     "ratio_ab_clicks_to_interleaving": _ratio(t.ab_sessions_clicks, t.interleaving_sessions),
                     "ratio_ab_revenue_to_interleaving": _ratio(t.ab_sessions, t.interleaving_sessions)})
    setup = prepare_replay(shop, days=30)
    fpr = false_positive_rates(shop, setup, sims, seed)
    power = power_check(shop, setup, proposals, sims, seed)
    clicks = [r["ratio_ab_clicks_to_interleaving"] for r in rows if r["ratio_ab_clicks_to_interleaving"]]
    revenue = [r["ratio_ab_revenue_to_interleaving"] for r in rows if r["ratio_ab_revenue_to_interleaving"]]
    summary = {"proposals": len(rows), "median_ratio_clicks": float(np.median(clicks)) if clicks else None,
               "share_ratio_clicks_ge_10": round(float(np.mean([r >= GOAL_RATIO for r in clicks])), 3) if clicks else None,
               "median_ratio_revenue": float(np.median(revenue)) if revenue else None,
               "share_ratio_revenue_ge_10": round(float(np.mean([r >= GOAL_RATIO for r in revenue])), 3) if revenue else None,
               "median_cuped_variance_reduction": float(np.median([r["cuped_variance_reduction"] for r in rows])),
               "median_cuped_variance_reduction_clicks": float(np.median([r["cuped_variance_reduction_clicks"]
                                                                          for r in rows]))}
    return {"shop": label, "events": len(shop.events), "users": int(shop.events["user_id"].nunique()),
            "sessions_per_day": proposals[0].test_plan.sessions_per_day if proposals else None,
            "propose_seconds": round(seconds, 1), "proposals": rows, "summary": summary,
            "false_positives": fpr, "interleaving_power": power}


def _ratio_text(r: float | None) -> str:
    return "-" if r is None else (f"{r:,.0f}x" if r >= 100 else f"{r:.1f}x")


def _fmt(n: int | None) -> str:
    return "-" if n is None else f"{n:,}"


def print_table(result: dict[str, Any]) -> None:
    print(f"\n{result['shop']}: {result['events']:,} events, {result['users']:,} users, "
          f"{result['sessions_per_day']} sessions/day; proposals planned in {result['propose_seconds']} s")
    print(f"{'kind':<14}{'status':<16}{'A/B revenue':>19}{'CUPED revenue':>19}{'A/B clicks':>17}{'CUPED clicks':>17}"
          f"{'interleaving':>14}{'ratio clicks':>14}{'ratio revenue':>15}")
    for r in result["proposals"]:
        print(f"{r['kind']:<14}{r['status']:<16}{_fmt(r['ab_sessions']):>19}{_fmt(r['cuped_sessions']):>19}"
              f"{_fmt(r['ab_sessions_clicks']):>17}{_fmt(r['cuped_sessions_clicks']):>17}"
              f"{_fmt(r['interleaving_sessions']):>14}"
              f"{_ratio_text(r['ratio_ab_clicks_to_interleaving']):>14}{_ratio_text(r['ratio_ab_revenue_to_interleaving']):>15}")
    s = result["summary"]
    print(f"median ratio A/B / interleaving: clicks {s['median_ratio_clicks']}, revenue {s['median_ratio_revenue']}; "
          f"share >= {GOAL_RATIO:g}x: clicks {s['share_ratio_clicks_ge_10']}, revenue {s['share_ratio_revenue_ge_10']}; "
          f"median CUPED variance reduction: revenue {s['median_cuped_variance_reduction']:.2%}, "
          f"clicks {s['median_cuped_variance_reduction_clicks']:.2%}")
    f = result["false_positives"]
    print(f"false positive rate over {f['sims']} A/A experiments at alpha {f['alpha']} (99% band "
          f"{f['band_99'][0]:.3f}-{f['band_99'][1]:.3f}): " + ", ".join(
              f"{m} {rate:.3f}{'' if f['inside_band'][m] else ' OUTSIDE'}" for m, rate in f["rates"].items()))
    p = result["interleaving_power"]
    if p:
        print(f"interleaving at its planned {p['planned_sessions']:,} sessions ({p['proposal'][:50]}): detected in "
              f"{p['detected_share']:.1%} of {p['sims']} simulated experiments (target 80%)")


def main(argv: list[str] | None = None) -> int:
    from recsys_core.demo import generate_demo_shop

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--demo-seed", type=int, default=0)
    parser.add_argument("--large-seed", type=int, default=1)
    parser.add_argument("--large-users", type=int, default=6000)
    parser.add_argument("--sims", type=int, default=500)
    args = parser.parse_args(argv)
    results = []
    shops = [(f"demo shop (seed {args.demo_seed})", {"seed": args.demo_seed}),
             (f"larger shop (seed {args.large_seed}, {args.large_users:,} users)",
              {"seed": args.large_seed, "n_users": args.large_users, "n_products": 4000, "target_events": 450_000})]
    for label, sizes in shops:
        print(f"generating {label} ...", flush=True)
        shop, _ = generate_demo_shop(**sizes)
        results.append(run_shop(label, shop, args.sims, seed=0))
        print_table(results[-1])
    write_result("experiments", {"shops": results, "goal_ratio": GOAL_RATIO, "alpha": ALPHA,
                                 "machine": {"cpus": os.cpu_count(), "python": platform.python_version()}})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
