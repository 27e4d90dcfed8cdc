"""The workspace's chat log, ``W/logs/chat.jsonl``: one redacted, pseudonymised line per turn.

Each line holds the time, the pseudonyms of the users involved (who asked, and who the
question was about), the session, the intent and the question and answer with PII redacted
and raw user ids replaced by their pseudonyms. ``forget-user`` removes a user's lines.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from recsys_core.privacy.pseudonym import Pseudonymizer, id_pattern, mentions_id
from recsys_core.privacy.redact import redact
from recsys_core.workspace import Workspace, append_durably, atomic_write_text
from recsys_core.workspace.files import read_jsonl

log = logging.getLogger("shelfwise.chat")


def replace_ids(text: str, ids: dict[str, str]) -> str:
    """``text`` with each raw id (a whole word) replaced by its pseudonym."""
    for raw, alias in ids.items():
        text = id_pattern(raw).sub(alias, text)
    return text


class ChatLog:
    """Appends and removes chat-log lines of one workspace (safe across processes)."""

    def __init__(self, workspace: str | os.PathLike[str]) -> None:
        self.workspace = Path(workspace)
        self.path = Workspace(workspace).chat_log_path
        self.pseudonymize = Pseudonymizer(self.workspace)

    def _lock(self) -> Any:
        return Workspace(self.workspace).lock("chat-log")

    def pseudonyms(self, user_ids: Iterable[object]) -> dict[str, str]:
        """Raw id -> pseudonym for the distinct non-empty ids given."""
        return {
            str(u): self.pseudonymize(u) for u in dict.fromkeys(user_ids) if u not in (None, "")
        }

    def append(
        self,
        *,
        question: str,
        answer: str,
        intent: str,
        session: str,
        user_ids: Iterable[object] = (),
    ) -> dict[str, Any]:
        """Write one turn (redacted, ids pseudonymised); returns the line as written."""
        ids = self.pseudonyms(user_ids)
        row = {
            "ts": datetime.now(UTC).isoformat(timespec="seconds"),
            "users": sorted(set(ids.values())),
            "session": replace_ids(redact(session), ids),
            "intent": intent,
            "question": replace_ids(redact(question), ids),
            "answer": replace_ids(redact(answer), ids),
        }
        line = json.dumps(row, ensure_ascii=False) + "\n"
        with self._lock():
            append_durably(self.path, line)
        log.info("chat turn: users=%s intent=%s", ",".join(row["users"]) or "anonymous", intent)
        return row

    def read(self) -> list[dict[str, Any]]:
        """Every logged turn, oldest first (a line cut by a crash mid-write is skipped)."""
        return read_jsonl(self.path)

    def remove_user(self, alias: str, raw_id: str | None = None) -> int:
        """Drop every line involving pseudonym ``alias`` (or, in old lines, naming ``raw_id``);
        returns how many lines were removed. The file is replaced atomically."""
        if not self.path.is_file():
            return 0
        with self._lock():
            lines = self.path.read_text(encoding="utf-8").splitlines(keepends=True)
            keep = [ln for ln in lines if not _involves(ln, alias, raw_id)]
            removed = len(lines) - len(keep)
            if removed:
                atomic_write_text(self.path, "".join(keep))
        return removed

    def count_user(self, alias: str, raw_id: str | None = None) -> int:
        """How many lines :meth:`remove_user` would remove (nothing changes)."""
        if not self.path.is_file():
            return 0
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return sum(1 for ln in lines if _involves(ln, alias, raw_id))


def _involves(line: str, alias: str, raw_id: str | None) -> bool:
    try:
        row = json.loads(line)
    except ValueError:
        row = None
    if isinstance(row, dict) and alias in (row.get("users") or []):
        return True
    if mentions_id(line, raw_id):
        return True
    return alias in line
