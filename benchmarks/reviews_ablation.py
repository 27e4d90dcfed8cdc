"""Review text in the item representation: the recommender on the demo shop with and without it.

Same shop, same leave-one-out split, same seed and settings; the only difference is the item
text embedded for the content scorer and the sequence model's initialisation: title, brand,
category, description, and (with reviews) the item's most helpful review sentences. Reviews a
user wrote about their own validation or test item are left out of the text (they would leak the
answer). Writes benchmarks/results/reviews_ablation.json and prints a table.

    .venv/bin/python benchmarks/reviews_ablation.py [--sequence-seconds 90] [--sentences 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from benchmarks.results import add_workspace_option, write_result  # noqa: E402
from recsys_core.models import HybridConfig, leave_one_out  # noqa: E402
from recsys_core.models.protocol import multi_report  # noqa: E402
from recsys_core.models.review_text import item_records  # noqa: E402
from recsys_core.models.splits import Split, from_events  # noqa: E402
from recsys_core.models.workflow import embed_items, fit_model  # noqa: E402
from recsys_core.workspace import cache_root  # noqa: E402

CACHE = cache_root() / "item-embeddings"
ROWS = ("hybrid", "content", "sequence")


def held_out_pairs(split: Split) -> set[tuple[str, str]]:
    """(user id, item id) of every validation and test target."""
    data = split.train
    pairs = set()
    for held in (split.validation, split.test):
        users = data.users.ids(np.asarray(held.users).tolist())
        items = data.items.ids(np.asarray(held.targets).tolist())
        pairs.update(zip(map(str, users), map(str, items), strict=True))
    return pairs


def run_variant(label: str, shop: Any, text: np.ndarray, config: HybridConfig) -> tuple[list[dict[str, Any]], Split]:
    data = from_events(shop.events, shop.products, item_text=text)
    split = leave_one_out(data)
    model, seconds = fit_model(split, config=config)
    fns = {"hybrid": model.score, **{n: model.components_[n].score for n in ROWS[1:] if n in model.components_}}
    reports = multi_report(fns, split, train_seconds={n: seconds for n in fns}, progress=False)
    rows = [{"variant": label, "model": r.model, "ndcg_at_10": r.ndcg_at_10, "recall_at_10": r.hr_at_10,
             "mrr": r.mrr, "train_seconds": round(seconds, 1)} for r in reports]
    rows[0]["weights"] = {k: round(float(v), 4) for k, v in model.weights_.items()}
    rows[0]["validation_ndcg_at_10"] = model.validation_ndcg_
    return rows, split


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0, help="demo shop and training seed")
    parser.add_argument("--sentences", type=int, default=3, help="review sentences per item (the option)")
    parser.add_argument("--sequence-seconds", type=float, default=90.0, help="sequence model wall-clock cap")
    parser.add_argument("--sequence-epochs", type=int, default=None,
                        help="train the sequence model for exactly this many epochs (no early stop on time), so "
                             "both variants are matched however loaded the machine is")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "reviews_ablation.json"))
    add_workspace_option(parser)
    args = parser.parse_args(argv)
    started = time.time()

    from recsys_core.demo import generate_demo_shop

    shop, _ = generate_demo_shop(args.seed)
    seq = {"max_train_seconds": args.sequence_seconds, "max_train_cpu_seconds": 2 * args.sequence_seconds,
           "val_users": 1000, "seed": args.seed}
    if args.sequence_epochs:  # matched runs: a fixed number of epochs, the time caps out of the way
        seq.update(max_epochs=args.sequence_epochs, max_train_seconds=1e9, max_train_cpu_seconds=1e9)
    plain_text = embed_items(item_records(shop.products), CACHE)
    rows, split = run_variant("without reviews", shop, plain_text,
                              HybridConfig(params={"sequence": seq}, weight_users=1000, seed=args.seed))
    leaks = held_out_pairs(split)
    reviews = shop.reviews
    own = np.array([(str(u), str(i)) in leaks for u, i in zip(reviews["user_id"], reviews["item_id"], strict=True)])
    rich_text = embed_items(item_records(shop.products, reviews[~own], sentences=args.sentences), CACHE)
    with_rows, split2 = run_variant("with reviews", shop, rich_text,
                                    HybridConfig(params={"sequence": seq}, weight_users=1000, seed=args.seed,
                                                 review_sentences=args.sentences))
    assert np.array_equal(split.test.targets, split2.test.targets), "the two variants must share the split"
    rows += with_rows

    print(f"{'variant':<16} {'model':<9} {'NDCG@10':>8} {'Recall@10':>10} {'MRR':>7}")
    for r in rows:
        print(f"{r['variant']:<16} {r['model']:<9} {r['ndcg_at_10']:>8.4f} {r['recall_at_10']:>10.4f} {r['mrr']:>7.4f}")
    payload = {
        "protocol": f"demo shop (seed {args.seed}, default size), leave-one-out (last = test, second-last = "
                    "validation), full ranking; both variants share split, seed and settings",
        "representation": {"without reviews": "title. brand. category. description",
                           "with reviews": f"... + 'Reviews: ' and the {args.sentences} most helpful first "
                                           "sentences of the item's reviews, PII redacted"},
        "leakage_control": f"{int(own.sum())} reviews by a user of their own validation/test item left out",
        "items_with_review_text": int(reviews.loc[~own, "item_id"].nunique()),
        "items": len(shop.products), "reviews": len(reviews), "sequence_settings": seq,
        "caveat": ("one seed; both variants train the sequence model for the same epochs (early stopping on "
                   "validation aside)" if args.sequence_epochs else
                   "one seed; the sequence model stops at a wall-clock cap, so on a loaded machine the two "
                   "variants may train for different numbers of epochs (see train_seconds)"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "wall_seconds": round(time.time() - started, 1),
        "rows": rows,
    }
    write_result("reviews_ablation", payload, workspace=args.workspace, out=args.out, default=float)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
