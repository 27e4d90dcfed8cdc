"""``shelfwise forget-user ID``: remove a user's data and model influence, with an audit record."""

from __future__ import annotations

import argparse


def cmd_forget_user(args: argparse.Namespace) -> int:
    from assistant.privacy import forget_user

    report = forget_user(args.workspace, args.user_id, retrain=not args.no_retrain)
    removed = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in report.removed.items() if v)
    state = "already forgotten, " if report.already_forgotten else ""
    print(
        f"user {report.user}: {state}"
        + (f"removed {removed}" if removed else "nothing left to remove")
    )
    if report.store_version_before != report.store_version_after:
        print(f"store version {report.store_version_before} -> {report.store_version_after}")
    if report.retrain_seconds is not None:
        print(
            f"recommender retrained without the user in {report.retrain_seconds:.0f}s "
            f"(model {report.model_before} -> {report.model_after})"
        )
    for note in report.notes:
        print(f"note: {note}")
    print(f"audit record: {report.audit_path}")
    print("restart a running `shelfwise serve` so it reloads the store and model")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from assistant.cli import add_workspace_argument

    p = subparsers.add_parser(
        "forget-user",
        help="remove a user's events, profile, chat logs and model influence (writes an audit record)",
    )
    p.add_argument("user_id", metavar="ID", help="the user's id as in the shop data, e.g. U00017")
    add_workspace_argument(p)
    p.add_argument(
        "--no-retrain",
        action="store_true",
        help="skip retraining the recommender (it keeps the user's influence until `shelfwise train`)",
    )
    p.set_defaults(func=cmd_forget_user)
