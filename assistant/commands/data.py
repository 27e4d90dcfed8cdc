"""Data subcommands: demo-data, ingest, info, demo."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.cli import add_workspace_argument


def cmd_demo_data(args: argparse.Namespace) -> int:
    from recsys_core.demo import write_demo_shop

    summary = write_demo_shop(Path(args.out), seed=args.seed, progress=True, **_sizes(args))
    print(
        f"demo shop (seed {args.seed}) written to {args.out}: "
        + ", ".join(f"{k} {v}" for k, v in summary.items() if isinstance(v, int))
    )
    return 0


def _sizes(args: argparse.Namespace) -> dict[str, int]:
    names = {
        "products": "n_products",
        "users": "n_users",
        "days": "n_days",
        "events": "target_events",
    }
    return {kw: getattr(args, arg) for arg, kw in names.items() if getattr(args, arg) is not None}


def _add_size_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--products", type=int, help="number of products (default 3000)")
    p.add_argument("--users", type=int, help="number of users (default 2000)")
    p.add_argument("--days", type=int, help="days of behaviour (default 120)")
    p.add_argument("--events", type=int, help="approximate number of events (default 150000)")


def cmd_ingest(args: argparse.Namespace) -> int:
    from recsys_core.data.ingest import ingest
    from recsys_core.data.quality import report_markdown

    result = ingest(args.dir, args.workspace, repair=args.repair, progress=True)
    if args.report:
        Path(args.report).write_text(report_markdown(result.report), encoding="utf-8")
    counts = ", ".join(f"{k} {v:,}" for k, v in result.shop.counts().items())
    print(f"stored {counts} in {result.store_path}")
    acted = [i for i in result.issues if i.action != "flagged"]
    flagged = [i for i in result.issues if i.action == "flagged"]
    for issue in acted[:20]:
        print(f"  {issue.action}: {issue.describe()}")
    if len(acted) > 20:
        print(
            f"  ... {len(acted) - 20} more, all listed in {result.store_path}/quality_report.json"
        )
    if flagged:
        print(f"  {len(flagged)} outlier(s) flagged (kept); see the quality report")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from recsys_core.data.summary import format_summary, shop_summary
    from recsys_core.workspace import effective_settings, format_settings, get_setting

    summary = shop_summary(args.workspace)
    chosen = {} if args.workspace == get_setting("workspace") else {"workspace": args.workspace}
    summary["settings"] = effective_settings(overrides=chosen)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(format_summary(summary))
        print(format_settings(summary["settings"]))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from assistant.demo import run_demo

    return run_demo(
        args.workspace, seed=args.seed, serve=not args.no_serve, sizes=_sizes(args), out=sys.stdout
    )


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "demo-data", help="generate the built-in demo shop as CSV/Parquet files"
    )
    p.add_argument("out", help="output folder")
    p.add_argument("--seed", type=int, default=0)
    _add_size_arguments(p)
    p.set_defaults(func=cmd_demo_data)

    p = subparsers.add_parser(
        "ingest", help="validate a folder of CSV/Parquet tables into the workspace store"
    )
    p.add_argument(
        "dir", help="folder with products, events[, users, knowledge_base, trends] files"
    )
    add_workspace_argument(p)
    p.add_argument(
        "--repair",
        action="store_true",
        help="drop or fix bad rows (each listed in the report) instead of failing",
    )
    p.add_argument("--report", help="also write the data-quality report as markdown to this file")
    p.set_defaults(func=cmd_ingest)

    p = subparsers.add_parser(
        "info",
        help="summary of the workspace's shop (counts, dates, categories, quality) and the "
        "effective settings",
    )
    add_workspace_argument(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_info)

    p = subparsers.add_parser(
        "demo",
        help="run the main job on the built-in demo shop (generate, ingest, train, index, serve)",
    )
    add_workspace_argument(p)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--no-serve", action="store_true", help="stop after building; do not launch the app"
    )
    _add_size_arguments(p)
    p.set_defaults(func=cmd_demo)
