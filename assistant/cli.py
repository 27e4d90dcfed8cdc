"""The ``shelfwise`` command line: parses arguments and calls library functions.

Subcommands live in ``assistant/commands/*.py``; each module exposes
``register(subparsers) -> None`` and sets ``func`` on its parser. Library errors
(``ShelfwiseError``) become one clear line on stderr and exit code 2; ``--debug`` shows
the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from recsys_core.workspace import get_setting, setting

# order = order in --help
COMMAND_MODULES: tuple[str, ...] = (
    "assistant.commands.data",
    "assistant.commands.train",
    "assistant.commands.index",
    "assistant.commands.evaluate",
    "assistant.commands.strategy",
    "assistant.commands.lab",
    "assistant.commands.experiment",
    "assistant.commands.ask",
    "assistant.commands.serve",
    "assistant.commands.privacy",
)

DEFAULT_WORKSPACE = str(setting("workspace").default)


def _offline_environment() -> None:
    # No hub downloads and no telemetry, ever (DEVELOPERS.md: no network at run time).
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def add_workspace_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workspace",
        "-w",
        default=get_setting("workspace"),
        help="workspace folder holding the shop store, models, indexes and rules "
        "(default: $SHELFWISE_WORKSPACE or ./shelfwise-workspace)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shelfwise",
        description="Shelfwise: search and recommendation strategy assistant for an online shop.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # command group not built yet
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    _offline_environment()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    from recsys_core.errors import ShelfwiseError

    try:
        result = args.func(args)
    except ShelfwiseError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not bad input: still one line unless --debug
        if args.debug:
            raise
        print(
            f"internal error: {exc.__class__.__name__}: {exc} (rerun with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
