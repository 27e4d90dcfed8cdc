"""``shelfwise train``: fit the recommender on the workspace's shop store."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def cmd_train(args: argparse.Namespace) -> int:
    from recsys_core.models.hybrid import HybridConfig
    from recsys_core.models.workflow import train_workspace

    config = None
    if args.max_minutes is not None:
        seconds = args.max_minutes * 60.0
        config = HybridConfig(params={"sequence": {"max_train_seconds": seconds, "max_train_cpu_seconds": 2 * seconds}})
    summary = train_workspace(args.workspace, config=config)
    report = summary["report"]
    print(
        f"recommender trained in {report['train_seconds']:.0f}s: test HR@10 {report['hr_at_10']:.4f}, "
        f"NDCG@10 {report['ndcg_at_10']:.4f}, MRR {report['mrr']:.4f} ({report['users']} users)"
    )
    print(f"model: {summary['model']}")
    print(f"TensorBoard logs: {summary['tensorboard']}")
    if not args.no_search_encoder:
        _adapt_search_encoder(args.workspace)
    if not args.no_search_ranker:
        _train_search_ranker(args.workspace)
    return 0


def _from_search_log(label: str, doing: str, fit: Callable[[str], dict[str, Any]], workspace: str,
                     fallback: str) -> dict[str, Any] | None:
    """One of train's search-log steps: announce it, run it, and say what search uses when the log
    cannot train it (None then)."""
    from retrieval.errors import SearchInputError

    print(f"{label}: {doing} ...", flush=True)
    try:
        return fit(workspace)
    except SearchInputError as exc:
        print(f"{label}: {fallback.format(exc=exc)}")
        return None


def _adapt_search_encoder(workspace: str) -> None:
    """MiniLM fine-tuned on the search log's clicks; when kept, the product index is re-embedded with it."""
    from retrieval.encoder_tuning import train_workspace_encoder
    from retrieval.indexing import build_index, index_dir

    found = _from_search_log("search encoder", "adapting MiniLM to the shop's searches (clicked query-title pairs)",
                             train_workspace_encoder, workspace, "not adapted ({exc}); search uses the generic model")
    if found is None:
        return
    g, a = found["held"]["generic"], found["held"]["adapted"]
    print(f"search encoder: {found['pairs']:,} pairs, {found['steps']} steps in {found['seconds']:.0f} s; on the "
          f"{found['held_lists']:,} held-out lists of the last 14 days, MRR@10 of clicked results "
          f"{g['mrr@10']:.3f} (generic) vs {a['mrr@10']:.3f} (adapted): "
          + ("kept" if found["kept"] else f"not kept (in use: {found['in_use']})"))
    if found["kept"] and (index_dir(workspace) / "manifest.json").is_file():
        print("search encoder: re-embedding the product index with it ...", flush=True)
        build_index(workspace, kinds=("products",))


def _train_search_ranker(workspace: str) -> None:
    """The learned search ranker from the search log; a shop without one keeps the plain hybrid."""
    from retrieval.ranker_logs import train_workspace_ranker

    found = _from_search_log("search ranker", "fitting on the search log (impressions and clicks, position-bias weighted)",
                             train_workspace_ranker, workspace, "not trained ({exc}); search uses the plain hybrid ranking")
    if found is None:
        return
    held = found["held"]
    line = f"search ranker: {found['train_lists']:,} logged search lists"
    if held:
        h, r = held["hybrid"], held["hybrid+ranker"]
        line += (f"; on the {h['lists']:,} lists of the last 14 days (held out), NDCG@10 of what shoppers clicked "
                 f"{h['ndcg@10']:.3f} -> {r['ndcg@10']:.3f}, MRR@10 {h['mrr@10']:.3f} -> {r['mrr@10']:.3f}")
    print(line)
    print(f"search ranker: {found['ranker']}")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from assistant.cli import add_workspace_argument

    p = subparsers.add_parser("train", help="train the recommender on the workspace's shop store")
    add_workspace_argument(p)
    p.add_argument("--max-minutes", type=float, default=None,
                   help="wall-clock budget of the sequence model (default: 15 min of 2-core CPU time)")
    p.add_argument("--no-search-encoder", action="store_true",
                   help="skip adapting the search encoder to the search log")
    p.add_argument("--no-search-ranker", action="store_true",
                   help="skip fitting the learned search ranker on the search log")
    p.set_defaults(func=cmd_train)
