"""How strongly to shrink a co-purchase estimate: does a pair's P(B | A) hold for other customers?

    .venv/bin/python benchmarks/bundle_prior.py [--data ../shared/data/recsys/online_retail] [--report-test]

Baskets are customers' purchases (``basket="user"``, as the proposals use). Customers are split
in two by a hash of their id: the first half gives each pair's support and the shrunk P(B | A)
(:func:`recsys_core.strategy.bundles.frequently_bought_together` at each prior strength); in
the other half, among customers who bought A (at least 5), the share who also bought B is the
truth. The score is the squared error weighted by those customers, over pairs.

Pairs are split in two halves by a hash of the pair: the strength is chosen on the DEV half only;
``--report-test`` scores the chosen strength (and raw, unshrunk estimates) on the TEST half once,
with the share of the other customers' counts inside the 95 % posterior-predictive interval. Writes
``benchmarks/results/bundle_prior.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.results import write_result  # noqa: E402

GRID = (0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0)


def half(a: str, b: str) -> str:
    key = "\x1f".join(sorted((a, b))).encode()
    return "dev" if hashlib.sha256(key).digest()[0] % 2 == 0 else "test"


def future_rates(events: pd.DataFrame) -> tuple[dict[str, set[str]], int]:
    from recsys_core.strategy.bundles import MAX_BASKET

    buys = events[events["type"].isin(["purchase", "add_to_cart"]) & events["item_id"].notna() & events["user_id"].notna()]
    size = buys.groupby(buys["user_id"].astype(str))["item_id"].nunique()
    buys = buys[buys["user_id"].astype(str).map(size).to_numpy() <= MAX_BASKET]  # the estimator's population
    buyers: dict[str, set[str]] = defaultdict(set)
    for user, item in zip(buys["user_id"].astype(str), buys["item_id"].astype(str), strict=True):
        buyers[item].add(user)
    return buyers, buys["user_id"].nunique()


def score(pairs: pd.DataFrame, buyers: dict[str, set[str]], which: str, strength: float) -> dict[str, Any]:
    """Weighted squared error of the shrunk P(B | A) against the other customers' rate, and the
    share of their counts inside the 95 % posterior-predictive (beta-binomial) interval."""
    from scipy import stats

    err = n = inside = pairs_used = 0.0
    for row in pairs.itertuples():
        if half(row.item_a, row.item_b) != which:
            continue
        ua = buyers.get(row.item_a, set())
        if len(ua) < 5:
            continue
        k = len(ua & buyers.get(row.item_b, set()))
        err += (row.shrunk_confidence - k / len(ua)) ** 2 * len(ua)
        n += len(ua)
        a = max(row.together + strength * row.base_rate_b, 1e-9)
        b = max(row.baskets_a - row.together + strength * (1 - row.base_rate_b), 1e-9)
        lo, hi = stats.betabinom.ppf([0.025, 0.975], len(ua), a, b)
        inside += float(lo <= k <= hi)
        pairs_used += 1
    return {"pairs": int(pairs_used), "weighted_mse": err / n if n else None,
            "inside_95_predictive": inside / pairs_used if pairs_used else None}


def main(argv: list[str] | None = None) -> int:
    from recsys_core.data.adapters.online_retail import online_retail
    from recsys_core.data.shop import ShopData
    from recsys_core.strategy.bundles import (
        PRIOR_STRENGTH,
        frequently_bought_together,
        with_shrinkage,
    )

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "data" / "recsys" / "online_retail"))
    parser.add_argument("--report-test", action="store_true")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    shop = online_retail(args.data).shop
    ev = shop.events
    side = ev["user_id"].astype("string").fillna("").map(lambda u: hashlib.sha256(u.encode()).digest()[1] % 2)
    past = ShopData(products=shop.products, events=ev[side.to_numpy() == 0])
    buyers, _ = future_rates(ev[side.to_numpy() == 1])
    raw = frequently_bought_together(past, basket="user", top=10**9)
    rows = []
    for strength in GRID:
        pairs = with_shrinkage(raw, strength)
        rows.append({"prior_strength": strength, **score(pairs, buyers, "dev", strength)})
        print(f"strength {strength:>6g}: dev pairs {rows[-1]['pairs']}, weighted MSE {rows[-1]['weighted_mse']:.6f}, "
              f"inside 95% {rows[-1]['inside_95_predictive']:.3f}", flush=True)
    best = min(rows, key=lambda r: r["weighted_mse"] if r["weighted_mse"] is not None else np.inf)
    out: dict[str, Any] = {"data": args.data, "split": "customers by hash; pairs by hash (dev/test)", "dev": rows,
                           "chosen_on_dev": best["prior_strength"], "in_use": PRIOR_STRENGTH}
    print(f"chosen on dev: {best['prior_strength']:g} (in use: {PRIOR_STRENGTH:g})")
    if args.report_test:
        test = {}
        for strength in (0.0, PRIOR_STRENGTH):
            pairs = with_shrinkage(raw, strength)
            test[f"{strength:g}"] = score(pairs, buyers, "test", strength)
            print(f"TEST strength {strength:g}: {test[f'{strength:g}']}")
        out["test"] = test
    out["seconds"] = round(time.perf_counter() - t0, 1)
    write_result("bundle_prior", out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
