"""``shelfwise train``: fit the recommender on the workspace's shop store."""

from __future__ import annotations

import argparse


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
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from assistant.cli import add_workspace_argument

    p = subparsers.add_parser("train", help="train the recommender on the workspace's shop store")
    add_workspace_argument(p)
    p.add_argument("--max-minutes", type=float, default=None,
                   help="wall-clock budget of the sequence model (default: 15 min of 2-core CPU time)")
    p.set_defaults(func=cmd_train)
