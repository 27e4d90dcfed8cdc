"""Recommender benchmark on Amazon Beauty (leave-one-out, full ranking) and the demo shop.

Rows, one run: popularity, implicit ALS, item-kNN, the Shelfwise hybrid, and the hybrid
without each component (weights re-learned on validation without it). Writes
benchmarks/results/recsys.json and prints a table.

    .venv/bin/python benchmarks/recsys.py [--data ../shared/data] [--skip-demo]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from benchmarks.results import add_workspace_option, write_result  # noqa: E402
from recsys_core.models import HybridConfig, create_scorer, leave_one_out  # noqa: E402
from recsys_core.models.protocol import (  # noqa: E402
    RecsReport,
    multi_report,
    test_report,
    weighted_score_fns,
)
from recsys_core.models.splits import Split  # noqa: E402
from recsys_core.models.workflow import (  # noqa: E402
    fit_model,
    sequences_to_interactions,
    time_single_user,
)
from recsys_core.workspace import cache_root  # noqa: E402

CACHE = cache_root() / "item-embeddings"


def baseline(name: str, scorer_name: str, split: Split, **params: object) -> RecsReport:
    start = time.perf_counter()
    scorer = create_scorer(scorer_name, **params).fit(split.train)
    seconds = time.perf_counter() - start
    return test_report(name, scorer.score, split, train_seconds=seconds)


def ours_and_ablations(split: Split, config: HybridConfig, log_dir: str) -> list[RecsReport]:
    """The hybrid, and the hybrid without each component (weights re-learned on validation
    without it), scored in one pass over the test users."""
    model, seconds = fit_model(split, config=config, log_dir=log_dir)
    full = dict(model.weights_)
    weight_sets = {"shelfwise hybrid": full}
    val_ndcg = {"shelfwise hybrid": model.validation_ndcg_}
    for name in list(model.components_):
        label = f"  - without {name}"
        weight_sets[label] = model.fit_weights(split.validation.as_pair(), exclude=[name])
        val_ndcg[label] = model.validation_ndcg_
    model.weights_ = full
    fns = weighted_score_fns(model.component_scores, weight_sets)
    extra = {n: {"weights": w} for n, w in weight_sets.items()}
    seq = model.components_.get("sequence")
    if seq is not None and seq.training_history_:
        hist = seq.training_history_
        extra["shelfwise hybrid"].update(sequence_epochs=len(hist), sequence_wall_seconds=hist[-1]["seconds"],
                                         sequence_cpu_seconds=hist[-1]["cpu_seconds"], sequence_history=hist)
    rows = multi_report(fns, split, train_seconds={"shelfwise hybrid": seconds}, extra=extra)
    for r in rows:
        r.validation_ndcg_at_10 = val_ndcg[r.model]
    time_single_user(model, split.test, rows[0])
    return rows


def run_dataset(label: str, data, config: HybridConfig, log_dir: str) -> list[RecsReport]:
    split = leave_one_out(data)
    print(f"[{label}] {data.n_users} users, {data.n_items} items, {data.n_events()} events", flush=True)
    rows = [
        baseline("popularity", "popularity", split),
        baseline("implicit ALS", "cf", split),
        baseline("item-kNN", "item_knn", split),
    ]
    for r in rows:
        print(f"[{label}] {r.model}: NDCG@10 {r.ndcg_at_10:.4f} HR@10 {r.hr_at_10:.4f}", flush=True)
    ours = ours_and_ablations(split, config, log_dir)
    print(f"[{label}] ours: NDCG@10 {ours[0].ndcg_at_10:.4f} HR@10 {ours[0].hr_at_10:.4f}", flush=True)
    rows.extend(ours)
    for r in rows:
        r.extra["dataset"] = label
    return rows


def demo_interactions():
    from recsys_core.demo import generate_demo_shop
    from recsys_core.models.splits import from_events
    from recsys_core.models.workflow import embed_items

    shop, _ = generate_demo_shop(0)
    text = embed_items(shop.products.to_dict("records"), CACHE)
    return from_events(shop.events, shop.products, item_text=text)


def print_table(rows: list[RecsReport]) -> None:
    head = (f"{'dataset':<8} {'model':<26} {'NDCG@10':>8} {'HR@10':>7} {'MRR':>7} {'cov@10':>7} "
            f"{'nov@10':>7} {'train s':>8} {'rec p50':>8} {'expl p50':>8}")
    print(head)
    print("-" * len(head))
    for r in rows:
        rec = f"{r.recommend_p50_ms:.1f}ms" if r.recommend_p50_ms is not None else "-"
        exp = f"{r.explain_p50_ms:.1f}ms" if r.explain_p50_ms is not None else "-"
        print(f"{r.extra['dataset']:<8} {r.model:<26} {r.ndcg_at_10:>8.4f} {r.hr_at_10:>7.4f} {r.mrr:>7.4f} "
              f"{r.coverage_at_10:>7.4f} {r.novelty_at_10:>7.2f} {r.train_seconds:>8.0f} {rec:>8} {exp:>8}")


def kept_rows(out: Path, skipped: set[str]) -> list[dict]:
    """The rows of datasets skipped this run, from the previous result file (so a partial rerun
    does not erase them); each keeps the figures it was measured with."""
    if not skipped or not out.exists():
        return []
    old = json.loads(out.read_text())
    return [r for r in old.get("rows", []) if r.get("extra", {}).get("dataset") in skipped]


def write_results(out: Path, rows: list[RecsReport], started: float, workspace: str | None = None,
                  kept: list[dict] | None = None) -> None:
    kept = kept or []
    payload = {
        "protocol": "leave-one-out (last = test, second-last = validation), full ranking over all items "
                    "excluding the user's history; every choice on validation",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "load_average_at_end": os.getloadavg()},
        "wall_seconds": time.time() - started,
        "kept_from_previous_run": sorted({r["extra"]["dataset"] for r in kept}),
        "rows": [*kept, *(r.to_dict() for r in rows)],
    }
    write_result("recsys", payload, workspace=workspace, out=out,
                 default=lambda o: o.tolist() if isinstance(o, np.ndarray) else float(o))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument("--skip-beauty", action="store_true")
    parser.add_argument("--sequence-wall-seconds", type=float, default=3600.0,
                        help="wall-clock cap of the sequence model (the CPU budget is 1800 s)")
    parser.add_argument("--demo-sequence-wall-seconds", type=float, default=900.0)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "recsys.json"))
    add_workspace_option(parser)
    args = parser.parse_args(argv)
    seq = {"max_train_seconds": args.sequence_wall_seconds}
    rows: list[RecsReport] = []
    started = time.time()
    out = Path(args.out)
    kept = kept_rows(out, {name for name, skip in (("beauty", args.skip_beauty), ("demo", args.skip_demo))
                           if skip})
    if kept:
        print(f"keeping the {len(kept)} rows of {sorted({r['extra']['dataset'] for r in kept})} "
              f"from {out} (not rerun)")
    if not args.skip_beauty:
        folder = Path(args.data) / "recsys" / "amazon_beauty"
        data = sequences_to_interactions(folder / "Beauty.txt", str(folder / "items.jsonl"), str(CACHE))
        rows += run_dataset("beauty", data, HybridConfig(params={"sequence": seq}), "runs/bench-beauty")
        write_results(out, rows, started, args.workspace, kept)  # kept even if a later dataset fails
        print_table(rows)
    if not args.skip_demo:
        demo_seq = {"max_train_seconds": args.demo_sequence_wall_seconds}
        try:
            rows += run_dataset("demo", demo_interactions(), HybridConfig(params={"sequence": demo_seq}),
                                "runs/bench-demo")
        except Exception as exc:  # report it beside the Beauty rows instead of losing them
            print(f"[demo] failed: {exc!r}", flush=True)
    print_table(rows)
    write_results(out, rows, started, args.workspace, kept)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
