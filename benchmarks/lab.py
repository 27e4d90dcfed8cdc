"""Does the strategy lab tell good judgement from bad? Three scripted learners play a whole library.

    .venv/bin/python benchmarks/lab.py [--demo-seeds 0,1,2] [--shop W ...] [--library-seed 0] [--workspace W]

For each shop (the demo shop for each of ``--demo-seeds``, generated and not timed; and the
store of each ``--shop`` workspace) the scenario library is generated (timed: the target is at
least 24 scenarios in under 2 minutes on 2 cores), then three scripted learners play every
scenario and the lab scores them with its own scoring (``score_play`` / ``summarise``):

- ``no-change``: takes the first action listed (the order is shuffled per scenario) and predicts
  0 % in [-0.5 %, +0.5 %];
- ``random``: a random action, a prediction uniform in [-3 %, +3 %] and a random interval around it
  (the library played 200 times; its scores are the means, with the 95th percentile of lab score);
- ``evidence``: follows the brief with one fixed rule, written before any key was looked at: each
  action's targets are worth ``target_value[goal] / baseline_value[goal] - 1`` more (position-
  corrected, the 28 days before the decision) than the lists they would be shown in; times the
  action's direction (+1 promote, -1 demote, 0 nothing). It picks the highest, predicts
  ``clip(score, -1, 1)`` %, in an interval of +-1.5 %.

The lab discriminates when it ranks evidence above random and above no-change. Writes
``benchmarks/results/lab.json``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.results import add_workspace_option, write_result  # noqa: E402
from recsys_core.strategy.lab import Library, Scenario, generate_library  # noqa: E402
from recsys_core.strategy.lab.play import Prediction, score_play  # noqa: E402
from recsys_core.strategy.lab.progress import summarise  # noqa: E402

TARGET_SECONDS = 120.0
TARGET_SCENARIOS = 24
Learner = Callable[[Scenario, np.random.Generator], Prediction]


def no_change(s: Scenario, rng: np.random.Generator) -> Prediction:
    return Prediction(s.actions[0].id, 0.0, -0.5, 0.5)


def random_learner(s: Scenario, rng: np.random.Generator) -> Prediction:
    action = s.actions[int(rng.integers(len(s.actions)))]
    guess = float(rng.uniform(-3, 3))
    half = float(rng.uniform(0.2, 3))
    return Prediction(action.id, guess, guess - half, guess + half)


def evidence_score(s: Scenario, action_id: str) -> float:
    a = s.action(action_id)
    if a.direction == 0 or not a.baseline_value.get(s.goal):
        return 0.0
    return float(a.direction * (a.target_value.get(s.goal, 0.0) / a.baseline_value[s.goal] - 1.0))


def evidence(s: Scenario, rng: np.random.Generator) -> Prediction:
    best = max(s.actions, key=lambda a: evidence_score(s, a.id))
    guess = float(np.clip(evidence_score(s, best.id), -1.0, 1.0))
    return Prediction(best.id, guess, guess - 1.5, guess + 1.5)


LEARNERS: dict[str, Learner] = {"no-change": no_change, "random": random_learner, "evidence": evidence}
SCORES = ("choice_accuracy", "direction_accuracy", "in_interval", "mean_width_pct", "brier", "lab_score")


RANDOM_RUNS = 200  # the random learner plays the library this many times; its scores are the means


def play_all(lib: Library, seed: int) -> dict[str, dict[str, Any]]:
    out = {}
    for name, learner in LEARNERS.items():
        runs = RANDOM_RUNS if learner is random_learner else 1
        summaries = []
        for run in range(runs):
            rng = np.random.default_rng([seed, run])
            summaries.append(summarise(name, [score_play(s, learner(s, rng), learner=name) for s in lib.scenarios]))
        out[name] = {k: round(float(np.mean([x[k] for x in summaries])), 4) for k in SCORES}
        out[name]["by_kind"] = {k: round(float(np.mean([x["by_kind"][k]["choice_accuracy"] for x in summaries])), 4)
                                for k in summaries[0]["by_kind"]}
        if runs > 1:
            out[name]["lab_score_p95"] = round(float(np.quantile([x["lab_score"] for x in summaries], 0.95)), 4)
            out[name]["choice_accuracy_p95"] = round(float(np.quantile([x["choice_accuracy"] for x in summaries], 0.95)), 4)
    return out


def load_shops(args: argparse.Namespace) -> list[tuple[str, Any]]:
    shops: list[tuple[str, Any]] = []
    for seed in [int(x) for x in args.demo_seeds.split(",") if x.strip()]:
        from recsys_core.demo import generate_demo_shop

        t = time.perf_counter()
        shop, _ = generate_demo_shop(seed)
        print(f"demo shop seed {seed}: {len(shop.events):,} events (generated in {time.perf_counter() - t:.0f} s, not timed)")
        shops.append((f"demo seed {seed}", shop))
    for folder in args.shop or []:
        from recsys_core.data.store import load_store

        shops.append((f"store {folder}", load_store(folder)))
    return shops


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo-seeds", default="0,1,2", help="demo shops to generate, comma-separated seeds ('' for none)")
    parser.add_argument("--shop", action="append", metavar="W", help="also a workspace's stored shop (repeatable)")
    parser.add_argument("--library-seed", type=int, default=0)
    add_workspace_option(parser)
    args = parser.parse_args()
    results = []
    ok = True
    for label, shop in load_shops(args):
        t = time.perf_counter()
        lib = generate_library(shop, seed=args.library_seed, progress=True)
        seconds = time.perf_counter() - t
        scores = play_all(lib, args.library_seed)
        fast = seconds <= TARGET_SECONDS and len(lib.scenarios) >= TARGET_SCENARIOS
        ranks = (scores["evidence"]["lab_score"] > scores["random"]["lab_score"]
                 and scores["evidence"]["lab_score"] > scores["no-change"]["lab_score"])
        ok = ok and fast and ranks
        print(f"\n{label}: {len(lib.scenarios)} scenarios in {seconds:.1f} s "
              f"(target >= {TARGET_SCENARIOS} in <= {TARGET_SECONDS:.0f} s: {'met' if fast else 'NOT met'})")
        print("  kinds: " + ", ".join(f"{k} {n}" for k, n in lib.counts().items()))
        print(f"  {'learner':<11}" + "".join(f"{k:>20}" for k in SCORES))
        for name, s in scores.items():
            print(f"  {name:<11}" + "".join(f"{s[k]:>20.3f}" for k in SCORES))
        r = scores["random"]
        print(f"  random over {RANDOM_RUNS} runs: 95th percentile lab score {r['lab_score_p95']:.3f}, "
              f"choice accuracy {r['choice_accuracy_p95']:.3f}")
        margins = {other: round(scores["evidence"]["lab_score"] - scores[other]["lab_score"], 3) for other in ("random", "no-change")}
        print(f"  lab score margins of evidence over: random {margins['random']:+.3f}, no-change {margins['no-change']:+.3f} "
              f"({'evidence ranked first' if ranks else 'NOT discriminating'})")
        results.append({"shop": label, "events": len(shop.events), "scenarios": len(lib.scenarios), "counts": lib.counts(),
                        "generation_seconds": round(seconds, 2), "notes": lib.notes, "learners": scores,
                        "margins": margins, "evidence_ranked_first": ranks})
    written = write_result("lab", {
        "benchmark": "lab", "library_seed": args.library_seed, "target_seconds": TARGET_SECONDS,
        "target_scenarios": TARGET_SCENARIOS, "cpu_count": os.cpu_count(), "machine": platform.platform(),
        "scores": "lab_score = mean of (choice right + direction right + outcome inside the interval) / 3 per play; "
                  "brier: lower is better", "results": results,
    }, workspace=args.workspace, default=float)
    print(f"wrote {', '.join(str(p) for p in written)}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
