"""The workspace module: layout, named locks, and the one atomic-write helper everybody uses."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest
from filelock import Timeout

import recsys_core.workspace as workspace_pkg
from recsys_core.workspace import (
    Workspace,
    atomic_path,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_text,
)

ROOT = Path(__file__).resolve().parents[1]


def test_public_names_are_pinned() -> None:
    assert sorted(workspace_pkg.__all__) == sorted([
        "LOCK_FILES", "MODEL_DIR", "SETTINGS", "Setting", "Workspace", "append_durably",
        "atomic_path", "atomic_write_bytes", "atomic_write_json", "atomic_write_text",
        "cache_root", "effective_settings", "format_settings", "fsync_dir", "get_setting",
        "setting", "settings_markdown",
    ])
    for name in workspace_pkg.__all__:
        assert hasattr(workspace_pkg, name)


def test_layout(tmp_path: Path) -> None:
    from recsys_core.models.workflow import MODEL_DIR

    ws = Workspace(tmp_path)
    assert ws.root == tmp_path
    assert ws.model_dir == tmp_path / "models" / MODEL_DIR
    assert ws.live_events_path == tmp_path / "live" / "events.jsonl"
    assert ws.chat_log_path == tmp_path / "logs" / "chat.jsonl"
    assert ws.strategy_reports_dir == tmp_path / "reports" / "strategy"
    assert ws.cache_dir == tmp_path / "cache" and ws.demo_input_dir == tmp_path / "demo-input"
    for name in ("store_dir", "models_dir", "index_dir", "rules_dir", "sessions_dir", "audit_dir",
                 "reports_dir", "secrets_dir", "runs_dir"):
        assert getattr(ws, name).parent == tmp_path
    assert not any(tmp_path.iterdir())  # asking for paths creates nothing


def test_named_locks_exclude_each_other(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    assert ws.lock_path("workspace") == tmp_path / ".shelfwise.lock"
    assert ws.lock_path("rules") == tmp_path / "rules" / ".lock"
    assert ws.lock_path("index") == tmp_path / "index" / ".build.lock"
    with ws.lock("rules"):
        with pytest.raises(Timeout):
            with Workspace(tmp_path).lock("rules", timeout=0.1):
                pass
        with Workspace(tmp_path).lock("chat-log", timeout=0.1):  # another lock is free
            pass
    with pytest.raises(ValueError, match="bad lock name"):
        ws.lock("../escape")


def test_atomic_write_replaces_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "f.json"
    atomic_write_json(path, {"a": 1})
    atomic_write_json(path, {"a": 2}, sort_keys=True)
    assert json.loads(path.read_text()) == {"a": 2}
    atomic_write_bytes(tmp_path / "b.bin", b"\x00\x01")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["b.bin", "f.json", "sub"]


def test_atomic_write_mode_is_exact(tmp_path: Path) -> None:
    private = atomic_write_text(tmp_path / "secret.json", "{}", mode=0o600)
    shared = atomic_write_text(tmp_path / "rules.yaml", "x", mode=0o644)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644


def test_a_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "f.txt"
    atomic_write_text(path, "old")

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(path, "new")
    monkeypatch.undo()
    with pytest.raises(RuntimeError):
        with atomic_path(path) as tmp:
            tmp.write_text("half")
            raise RuntimeError("writer died")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


# Hand-written atomic writes (a temp file + os.replace) outside the helper. Allowed: the helper
# itself, a store version folder renamed into place, and the model bundle's symlink swap.
ALLOWED = {
    "recsys_core/workspace/files.py": 1,
    "recsys_core/data/store.py": 1,
    "recsys_core/models/artifacts.py": 2,
}
RENAME = re.compile(r"\bos\.(replace|rename)\(|\btmp\.replace\(|\.rename\(tmp")


def _renames(paths: list[Path], root: Path = ROOT) -> dict[str, int]:
    found: dict[str, int] = {}
    for path in paths:
        n = len(RENAME.findall(path.read_text(encoding="utf-8")))
        if n:
            found[path.relative_to(root).as_posix()] = n
    return found


def test_every_atomic_write_uses_the_helper() -> None:
    files = [p for pkg in ("recsys_core", "retrieval") for p in (ROOT / pkg).rglob("*.py")]
    extra = {k: v for k, v in _renames(files).items() if v > ALLOWED.get(k, 0)}
    assert extra == {}, f"write through recsys_core.workspace.atomic_write_*: {extra}"


def test_the_rename_scan_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "x.py"
    bad.write_text("import os\nos.replace(tmp, path)\ntmp.replace(path)\n")
    assert _renames([bad], tmp_path) == {"x.py": 2}
