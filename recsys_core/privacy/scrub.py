"""Removing one user's rows from the workspace files that hold personal data.

Each function rewrites one kind of file atomically (temp file + ``os.replace``) and returns how
many records it removed, so re-running it is a no-op. The shop store itself is rewritten by
:func:`recsys_core.privacy.forget.forget_user` through ``save_store``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

LIVE_EVENTS = Path("live") / "events.jsonl"
SESSIONS = Path("sessions")


def _mentions(text: object, raw_id: str) -> bool:
    return bool(re.search(rf"(?<![\w-]){re.escape(raw_id)}(?![\w-])", str(text)))


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def count_live_events(workspace: Path, raw_id: str) -> int:
    path = workspace / LIVE_EVENTS
    if not path.is_file():
        return 0
    return sum(
        1 for line in path.read_text(encoding="utf-8").splitlines() if _live_user(line) == raw_id
    )


def _live_user(line: str) -> str | None:
    try:
        row = json.loads(line)
    except ValueError:
        return None
    return str(row.get("user_id")) if isinstance(row, dict) else None


def scrub_live_events(workspace: Path, raw_id: str) -> int:
    """Drop the user's lines from ``W/live/events.jsonl`` (events appended through the API)."""
    path = workspace / LIVE_EVENTS
    if not path.is_file():
        return 0
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    keep = [ln for ln in lines if _live_user(ln) != raw_id]
    if len(keep) != len(lines):
        _write_atomic(path, "".join(keep))
    return len(lines) - len(keep)


def scrub_sessions(
    workspace: Path, raw_id: str, alias: str, *, dry_run: bool = False
) -> dict[str, int]:
    """Remove the user's turns from the assistant's session files (``W/sessions/*.json``,
    ``{"turns": [{"question", "answer", "intent", "users"?}], "route": {"slots": ...}}``) and
    forget a remembered route about them; a session left empty is deleted."""
    out = {"session_turns": 0, "session_routes": 0, "session_files": 0}
    folder = workspace / SESSIONS
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.json")):
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        turns = list(data.get("turns") or [])
        keep = [t for t in turns if not _turn_involves(t, raw_id, alias)]
        route = data.get("route") or {}
        route_hit = _mentions(json.dumps(route), raw_id)
        if len(keep) == len(turns) and not route_hit:
            continue
        out["session_turns"] += len(turns) - len(keep)
        out["session_routes"] += int(route_hit)
        if dry_run:
            continue
        data["turns"] = keep
        if route_hit:
            data["route"] = None
        if not keep and not data.get("route"):
            path.unlink()
            out["session_files"] += 1
        else:
            _write_atomic(path, json.dumps(data))
    return out


def _turn_involves(turn: Any, raw_id: str, alias: str) -> bool:
    if not isinstance(turn, dict):
        return False
    if alias in (turn.get("users") or []):
        return True
    return any(_mentions(turn.get(k, ""), raw_id) for k in ("question", "answer"))


def store_versions_holding(workspace: Path, raw_id: str, *, keep: str | None = None) -> list[Path]:
    """Stored shop versions other than ``keep`` whose users or events name the user."""
    versions = workspace / "store" / "versions"
    found = []
    for path in sorted(versions.iterdir()) if versions.is_dir() else []:
        if path.name == keep or not path.is_dir():
            continue
        for table in ("events", "users"):
            try:
                ids = pd.read_parquet(path / f"{table}.parquet", columns=["user_id"])["user_id"]
            except (OSError, ValueError, KeyError):
                continue
            if (ids.astype("string") == raw_id).any():
                found.append(path)
                break
    return found


def purge_store_versions(workspace: Path, raw_id: str, keep: str) -> int:
    """Delete the older shop versions that still hold the user's rows (kept for rollback)."""
    paths = store_versions_holding(workspace, raw_id, keep=keep)
    for path in paths:
        shutil.rmtree(path)
    return len(paths)


def scrub_source_folder(workspace: Path, source: str, raw_id: str) -> tuple[int, bool]:
    """Drop the user's rows from the ingest source's users/events files when that folder lies
    inside the workspace (the demo's ``W/demo-input``). Returns (rows removed, folder inside)."""
    from recsys_core.data.ingest import find_table_files, read_table_file

    if not source:
        return 0, False
    folder = Path(source)
    try:
        inside = folder.resolve().is_relative_to(workspace.resolve())
    except OSError:
        return 0, False
    if not inside or not folder.is_dir():
        return 0, inside
    found, _ = find_table_files(folder)
    removed = 0
    for table in ("users", "events"):
        path = found.get(table)
        if path is None:
            continue
        frame = read_table_file(path)
        if "user_id" not in frame.columns:
            continue
        hit = frame["user_id"].astype(str).str.strip() == raw_id
        if not hit.any():
            continue
        removed += int(hit.sum())
        _write_table(frame[~hit], path)
    return removed, True


def _write_table(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    name = path.name.lower()
    if name.endswith(".parquet"):
        frame.to_parquet(tmp, index=False)
    else:
        frame.to_csv(
            tmp,
            index=False,
            sep="\t" if name.endswith(".tsv") else ",",
            compression="gzip" if name.endswith(".gz") else None,
        )
    os.replace(tmp, path)


def scrub_quality_report(
    report: dict[str, Any], raw_id: str, counts: dict[str, int]
) -> dict[str, Any]:
    """The store's quality report without issues that quote the user's id, with new row counts."""
    out = dict(report)
    issues = [
        i for i in report.get("issues") or [] if not _mentions(json.dumps(i, default=str), raw_id)
    ]
    out["issues"] = issues
    out["counts"] = counts
    return out
