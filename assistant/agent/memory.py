"""Conversation memory per session, so "and for user 17?" continues the previous question.

Sessions live in memory and, when a folder is given (``W/sessions``), in one JSON file each, so
separate ``shelfwise ask --session S`` runs share them. Turn texts are PII-redacted before they
are kept; each turn lists the pseudonyms of the users involved (for ``forget-user``).
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from assistant.agent.intents import Route
from assistant.agent.slots import Slots

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
        return Route(intent=raw["intent"], slots=Slots(**raw["slots"]), followup=False)

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
        if route.intent not in ("chit_chat", "unknown"):
            data["route"] = {"intent": route.intent, "slots": asdict(route.slots)}
        path = self._path(session)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
            tmp.write_text(json.dumps(data), encoding="utf-8")
            tmp.replace(path)
