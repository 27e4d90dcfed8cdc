"""Where a benchmark's JSON goes: the checkout's results folder and, if asked, the workspace.

``write_result(name, data)`` writes ``benchmarks/results/NAME.json`` (kept in git: the figures
the README quotes). Given ``workspace=W`` (a script's ``--workspace W``) it also writes
``W/reports/benchmarks/NAME.json``, the folder the app's Data & models tab lists
(``Workspace.benchmark_reports_dir``): the app shows figures that were stored with the
shop, and never reads a results folder relative to its working directory. Writes are atomic,
so the tab never reads half a file.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from recsys_core.workspace import Workspace, atomic_write_text

RESULTS_DIR = Path(__file__).resolve().parent / "results"
WORKSPACE_HELP = "also write the result JSON to W/reports/benchmarks/ (shown in the app's Data & models tab)"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")

PathLike = str | os.PathLike[str]


def add_workspace_option(parser: argparse.ArgumentParser) -> None:
    """``--workspace W`` for a script whose result belongs to no particular workspace."""
    parser.add_argument("--workspace", metavar="W", help=WORKSPACE_HELP)


def write_result(
    name: str,
    data: Any,
    *,
    workspace: PathLike | None = None,
    out: PathLike | None = None,
    default: Callable[[Any], Any] | None = None,
) -> list[Path]:
    """Write ``data`` as indented JSON to ``out`` (default ``benchmarks/results/NAME.json``) and,
    given ``workspace``, to ``W/reports/benchmarks/NAME.json``; ``default`` goes to
    ``json.dumps`` for values it cannot encode. Returns the paths written."""
    if not _NAME.fullmatch(name) or name.endswith(".json"):
        raise ValueError(f"bad result name {name!r}: use letters, digits, '_', '-', '.', without .json")
    text = json.dumps(data, indent=2, default=default) + "\n"
    targets = [Path(out) if out is not None else RESULTS_DIR / f"{name}.json"]
    if workspace is not None:
        targets.append(Workspace(workspace).benchmark_reports_dir / f"{name}.json")
    for target in targets:
        atomic_write_text(target, text)
    return targets
