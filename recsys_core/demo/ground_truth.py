"""The demo shop's ``ground_truth.json`` after it was written: erasing one user from it.

The generator (:mod:`recsys_core.demo.generate`) lists each latent segment's members by user id;
``forget-user`` on a demo workspace removes the user from those lists through this function, so
the file's layout stays known to the demo package alone.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from recsys_core.demo.generate import GROUND_TRUTH_FILE
from recsys_core.workspace import atomic_write_text


def remove_user(folder: str | os.PathLike[str], user_id: str) -> int:
    """Drop ``user_id`` from the segment member lists of ``folder``'s ground truth (rewritten
    atomically); returns how many entries went (0 when there is no ground-truth file)."""
    path = Path(folder) / GROUND_TRUTH_FILE
    if not path.is_file():
        return 0
    truth = json.loads(path.read_text(encoding="utf-8"))
    removed = 0
    for segment in truth.get("segments") or []:
        members = segment.get("user_ids") or []
        kept = [u for u in members if str(u) != user_id]
        removed += len(members) - len(kept)
        segment["user_ids"] = kept
    if removed:
        atomic_write_text(path, json.dumps(truth, indent=2) + "\n")
    return removed
