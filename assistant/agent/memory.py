"""Conversation memory per session, so "and for user 17?" continues the previous question.

Sessions live in memory and, when a folder is given (``W/sessions``), in one JSON file each, so
separate ``shelfwise ask --session S`` runs share them.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from assistant.agent.intents import Route
from assistant.agent.slots import Slots

MAX_TURNS = 20
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


class SessionMemory:
    """The last route and recent turns of each session."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder
        self._sessions: dict[str, dict[str, Any]] = {}

    def _path(self, session: str) -> Path | None:
        return None if self.folder is None else self.folder / f"{_SAFE.sub('_', session)}.json"

    def _get(self, session: str) -> dict[str, Any]:
        if session not in self._sessions:
            path = self._path(session)
            data: dict[str, Any] = {"turns": [], "route": None}
            if path is not None and path.exists():
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                except ValueError:
                    pass  # a corrupt session file starts a fresh conversation
            self._sessions[session] = data
        return self._sessions[session]

    def last_route(self, session: str) -> Route | None:
        raw = self._get(session).get("route")
        if not raw:
            return None
        return Route(intent=raw["intent"], slots=Slots(**raw["slots"]), followup=False)

    def turns(self, session: str) -> list[dict[str, Any]]:
        return list(self._get(session)["turns"])

    def remember(self, session: str, question: str, answer: str, route: Route) -> None:
        data = self._get(session)
        data["turns"] = (data["turns"] + [{"question": question, "answer": answer, "intent": route.intent}])[-MAX_TURNS:]
        if route.intent not in ("chit_chat", "unknown"):
            data["route"] = {"intent": route.intent, "slots": asdict(route.slots)}
        path = self._path(session)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data), encoding="utf-8")
            tmp.replace(path)
