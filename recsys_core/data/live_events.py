"""Live events: item events appended through the API after training (``W/live/events.jsonl``).

One JSON object a line (``user_id``, ``item_id``, ``type``, ``timestamp``; served experiment
lists add ``impression`` rows with their surface, position, impression id and side), appended under the
workspace's ``live-events`` lock and fsynced, so concurrent writers never interleave and a
crash costs at most the line being written (readers skip a cut line). The loaded recommender
replays them at start-up; ``forget-user`` removes a user's lines through :meth:`remove_user`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

from recsys_core.privacy.pseudonym import mentions_id
from recsys_core.workspace import Workspace, append_durably, atomic_write_text
from recsys_core.workspace.files import read_jsonl

FIELDS = ("user_id", "item_id", "type", "timestamp")
# kept when given: where an item was shown and, for a live experiment, which list and side
OPTIONAL = ("surface", "position", "query", "impression_id", "experiment", "side")


class LiveEventLog:
    """The live events of one workspace; safe across threads and processes."""

    def __init__(self, workspace: str | os.PathLike[str]) -> None:
        self.workspace = Workspace(workspace)
        self.path = self.workspace.live_events_path

    def _lock(self) -> Any:
        return self.workspace.lock("live-events")

    def append(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Append ``rows`` (each with ``user_id``, ``item_id``, ``type``, ``timestamp``, and any of
        :data:`OPTIONAL`), all at once."""
        lines = []
        for i, row in enumerate(rows):
            missing = [f for f in FIELDS if row.get(f) in (None, "")]
            if missing:
                raise ValueError(f"live event {i} lacks {', '.join(missing)}: {dict(row)!r}")
            extra = {f: row[f] for f in OPTIONAL if row.get(f) not in (None, "")}
            lines.append(json.dumps({**{f: str(row[f]) for f in FIELDS}, **extra}, ensure_ascii=False) + "\n")
        if not lines:
            return
        with self._lock():
            append_durably(self.path, "".join(lines))

    def read(self) -> list[dict[str, Any]]:
        """Every event, oldest first (a line cut by a crash mid-write is skipped)."""
        return read_jsonl(self.path)

    def __len__(self) -> int:
        return len(self.read())

    def count_user(self, user_id: str) -> int:
        """How many of the events are ``user_id``'s."""
        return sum(1 for row in self.read() if str(row.get("user_id")) == str(user_id))

    def remove_user(self, user_id: str) -> int:
        """Drop ``user_id``'s events (the file is rewritten atomically); returns how many went."""
        if not self.path.is_file():
            return 0
        with self._lock():
            lines = self.path.read_text(encoding="utf-8").splitlines(keepends=True)
            keep = [ln for ln in lines if not _involves(ln, str(user_id))]
            if len(keep) != len(lines):
                atomic_write_text(self.path, "".join(keep))
        return len(lines) - len(keep)


def _involves(line: str, user_id: str) -> bool:
    try:
        row = json.loads(line)
    except ValueError:  # a line cut by a crash: drop it too if it still shows the id
        return mentions_id(line, user_id)
    return isinstance(row, dict) and str(row.get("user_id")) == user_id
