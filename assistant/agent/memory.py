"""Conversation memory per session, so "and for user 17?" continues the previous question.

Sessions live in memory and, when a folder is given (``W/sessions``), in one JSON file each, so
separate ``shelfwise ask --session S`` runs share them. Turn texts are PII-redacted before they
are kept; each turn lists the pseudonyms of the users involved, and :meth:`SessionMemory.erase_user`
removes a user's turns (``forget-user``).
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from assistant.agent.router import Route
from assistant.agent.slots import Slots
from recsys_core.privacy.pseudonym import mentions_id
from recsys_core.workspace import atomic_write_text

MAX_TURNS = 20
MAX_CACHED = 1000  # sessions held in memory; older ones are re-read from their file
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


class SessionMemory:
    """The last route and recent turns of each session; safe to share between threads."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder
        self._sessions: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.RLock()  # one turn at a time: two at once would race on the file

    def _path(self, session: str) -> Path | None:
        return None if self.folder is None else self.folder / f"{_SAFE.sub('_', session)}.json"

    def _get(self, session: str) -> dict[str, Any]:
        with self._lock:
            return self._cached(session)

    def _cached(self, session: str) -> dict[str, Any]:
        if session in self._sessions:
            self._sessions.move_to_end(session)
        else:
            path = self._path(session)
            data: dict[str, Any] = {"turns": [], "route": None}
            if path is not None and path.exists():
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                except ValueError:
                    pass  # a corrupt session file starts a fresh conversation
            self._sessions[session] = data
            while len(self._sessions) > MAX_CACHED:  # bounded: a long-running server sees many sessions
                self._sessions.popitem(last=False)
        return self._sessions[session]

    def last_route(self, session: str) -> Route | None:
        raw = self._get(session).get("route")
        if not raw:
            return None
        known = set(Slots.__dataclass_fields__)
        slots = Slots(**{k: v for k, v in raw["slots"].items() if k in known})
        return Route(intent=raw["intent"], slots=slots, followup=False, shown=list(raw.get("shown") or []),
                     listed=list(raw.get("listed") or []))

    def turns(self, session: str) -> list[dict[str, Any]]:
        return list(self._get(session)["turns"])

    def remember(self, session: str, question: str, answer: str, route: Route, users: Sequence[str] = ()) -> None:
        """Keep one turn; PII in the texts is redacted first, ``users`` (pseudonyms of the users
        involved) lets ``forget-user`` find the turn."""
        with self._lock:
            self._remember(session, question, answer, route, users)

    def _remember(self, session: str, question: str, answer: str, route: Route, users: Sequence[str]) -> None:
        from recsys_core.privacy.redact import redact

        data = self._cached(session)
        turn = {"question": redact(question), "answer": redact(answer), "intent": route.intent, "users": list(users)}
        data["turns"] = (data["turns"] + [turn])[-MAX_TURNS:]
        if route.intent not in ("chit_chat", "unknown", "clarify"):
            data["route"] = {"intent": route.intent, "slots": asdict(route.slots), "shown": list(route.shown),
                             "listed": list(route.listed)}
        path = self._path(session)
        if path is not None:
            atomic_write_text(path, json.dumps(data))

    # ---- erasure (forget-user) ---------------------------------------------------------
    def erase_user(self, raw_id: str, alias: str, *, dry_run: bool = False) -> dict[str, int]:
        """Remove every turn involving the user (listed by pseudonym ``alias``, or naming
        ``raw_id``) and a remembered route about them; a session left empty is deleted.
        Returns counts: ``session_turns``, ``session_routes``, ``session_files`` (deleted)."""
        counts = {"session_turns": 0, "session_routes": 0, "session_files": 0}
        with self._lock:
            if self.folder is None:
                for session, data in list(self._sessions.items()):
                    kept = _erase(data, raw_id, alias, counts)
                    if not dry_run and kept is not data:
                        if kept is None:
                            del self._sessions[session]
                        else:
                            self._sessions[session] = kept
                return counts
            for path in sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []:
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    # unreadable: it can't be edited, so it goes if it names the user at all
                    if mentions_id(path.read_bytes().decode("utf-8", "replace"), raw_id, alias):
                        counts["session_files"] += 1
                        if not dry_run:
                            path.unlink(missing_ok=True)
                    continue
                kept = _erase(data, raw_id, alias, counts)
                if dry_run or kept is data:
                    continue
                if kept is None:
                    path.unlink(missing_ok=True)
                else:
                    atomic_write_text(path, json.dumps(kept))
            if not dry_run:  # cached copies are re-read from their (cleaned) files when next used
                for session, data in list(self._sessions.items()):
                    if mentions_id(json.dumps(data), raw_id, alias):
                        del self._sessions[session]
        return counts

    def count_user(self, raw_id: str, alias: str) -> dict[str, int]:
        """What :meth:`erase_user` would remove (nothing changes)."""
        return self.erase_user(raw_id, alias, dry_run=True)


def _erase(data: Any, raw_id: str, alias: str, counts: dict[str, int]) -> dict[str, Any] | None:
    """``data`` itself when it holds nothing of the user, else a copy without their turns and
    route, or None when nothing is left (the session goes); ``counts`` adds what went."""
    if not isinstance(data, dict):
        return data
    turns = list(data.get("turns") or [])
    keep = [
        t for t in turns
        if not (isinstance(t, dict) and (alias in (t.get("users") or []) or mentions_id(json.dumps(t), raw_id, alias)))
    ]
    route_hit = bool(data.get("route")) and mentions_id(json.dumps(data["route"]), raw_id, alias)
    if len(keep) == len(turns) and not route_hit:
        return data
    counts["session_turns"] += len(turns) - len(keep)
    counts["session_routes"] += int(route_hit)
    kept = {**data, "turns": keep, "route": None if route_hit else data.get("route")}
    if not keep and not kept["route"]:
        counts["session_files"] += 1
        return None
    return kept
