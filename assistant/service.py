"""One service object over a workspace, shared by the REST API and the Gradio UI.

``ShelfwiseService`` loads the store, the trained recommender, the search index and the
assistant once (lazily, or all at start-up with ``load()``), keeps them in memory and hands the
same objects to every caller. Live events appended through :meth:`add_events` go straight into
the loaded recommender, so the next recommendation for that user reflects them without
retraining. Engines that are not built yet raise :class:`NotBuiltError` naming the command that
builds them; nothing is ever faked.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from recsys_core.errors import ShelfwiseError, UnknownIdError

LIVE_EVENTS = "live/events.jsonl"
log = logging.getLogger("shelfwise.service")


class NotBuiltError(ShelfwiseError):
    """An engine or artifact the request needs is not built in this workspace yet."""


@dataclass
class Component:
    """Load state of one engine, as ``/health`` reports it."""

    name: str
    state: str = "not loaded"  # "loaded", "not loaded", "not built", "error"
    detail: str = ""
    seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "detail": self.detail, "seconds": self.seconds}


class ShelfwiseService:
    """The workspace's store, models, indexes and assistant, loaded once and shared.

    ``llm`` is an ``SHELFWISE_LLM``-style spec (``"template"`` for no model, None for the
    environment's choice). All public methods are safe to call from several threads.
    """

    COMPONENTS = ("store", "recommender", "search", "assistant")

    def __init__(self, workspace: str | os.PathLike[str], *, llm: str | None = None):
        self.workspace = Path(workspace)
        self.llm_spec = llm
        self._lock = threading.RLock()
        self._write_lock = threading.Lock()
        self._objects: dict[str, Any] = {}
        self.components = {n: Component(n) for n in self.COMPONENTS}
        self.started_at = datetime.now(UTC).isoformat(timespec="seconds")
        self.live_events = 0
        self.llm_note = "template answers (no LLM)"

    # ---- loading -----------------------------------------------------------------------
    def _get(self, name: str, build: Callable[[], Any]) -> Any:
        """The named object, built once; failures are remembered for /health and re-raised."""
        if name in self._objects:
            return self._objects[name]
        with self._lock:
            if name in self._objects:
                return self._objects[name]
            comp = self.components[name]
            start = time.perf_counter()
            try:
                obj = build()
            except NotBuiltError as exc:
                comp.state, comp.detail = "not built", str(exc)
                raise
            except ShelfwiseError as exc:
                comp.state, comp.detail = "error", str(exc)
                raise
            comp.state, comp.seconds = "loaded", round(time.perf_counter() - start, 2)
            self._objects[name] = obj
            return obj

    def load(self, *, progress: bool = True) -> dict[str, Any]:
        """Load every component now (start-up), with a progress bar; returns ``health()``."""
        from tqdm.auto import tqdm

        steps: list[tuple[str, Callable[[], Any]]] = [
            ("store", lambda: self.shop),
            ("recommender", lambda: self.recommender),
            ("search", self._warm_search),
            ("assistant", self._warm_assistant),
        ]
        with tqdm(steps, desc="loading", unit="part", disable=not progress) as bar:
            for name, step in bar:
                bar.set_postfix_str(name)
                try:
                    step()
                except ShelfwiseError:
                    continue  # recorded in components; the rest still loads
        return self.health()

    def _warm_search(self) -> None:
        self.searcher.search("warm up", k=1)  # loads the query encoder now, not on the first user query

    def _warm_assistant(self) -> None:
        assistant = self.assistant
        self.services.knowledge_base  # noqa: B018 - embeds the knowledge base once, at start-up
        load = getattr(assistant.llm, "load", None)
        if callable(load):  # a local model's weights load now, not on the first question
            load()

    def reload(self) -> None:
        """Forget every loaded object (after re-ingest, retrain or re-index)."""
        with self._lock:
            self._objects.clear()
            self.components = {n: Component(n) for n in self.COMPONENTS}

    def health(self) -> dict[str, Any]:
        version = None
        if "store" in self._objects:
            from recsys_core.data.store import read_manifest

            try:
                version = read_manifest(self.workspace).get("version_id")
            except ShelfwiseError:
                version = None
        search = self._objects.get("services")
        return {
            "status": "ok" if self.components["store"].state == "loaded" else "degraded",
            "workspace": str(self.workspace),
            "store_version": version,
            "started_at": self.started_at,
            "search_mode": getattr(search, "search_mode", None) if "search" in self._objects else None,
            "live_events": self.live_events,
            "components": {n: c.to_dict() for n, c in self.components.items()},
        }

    # ---- shared objects ----------------------------------------------------------------
    @property
    def services(self) -> Any:
        """The assistant's lazy engine handles (one instance: the UI, API and chat share it)."""

        def build() -> Any:
            from assistant.agent.services import ShopServices

            return ShopServices(self.workspace, shop=self.shop)

        if "services" not in self._objects:
            with self._lock:
                if "services" not in self._objects:
                    self._objects["services"] = build()
        return self._objects["services"]

    @property
    def shop(self) -> Any:
        from recsys_core.data.store import load_store

        return self._get("store", lambda: load_store(self.workspace))

    @property
    def products(self) -> Any:
        return self.services.products

    @property
    def recommender(self) -> Any:
        """The trained hybrid recommender (``shelfwise train``), with live events replayed."""
        return self._get("recommender", self._load_recommender)

    def _load_recommender(self) -> Any:
        from recsys_core.errors import ArtifactError

        try:
            from recsys_core.models.hybrid_artifacts import load_hybrid
            from recsys_core.models.workflow import MODEL_DIR
        except ImportError as exc:
            raise NotBuiltError(
                "recommender not built yet: the recommendation engine is not in this build"
            ) from exc
        folder = self.workspace / "models" / MODEL_DIR
        if not folder.exists():
            raise NotBuiltError(
                f"recommender not built yet: run `shelfwise train --workspace {self.workspace}`"
            )
        try:
            model = load_hybrid(folder)
        except FileNotFoundError as exc:
            raise ArtifactError(
                f"recommender in {folder} is incomplete ({exc}); run `shelfwise train --workspace {self.workspace}`"
            ) from exc
        for row in self._read_live_events():
            try:
                model.add_events(row["user_id"], [row["item_id"]])
            except ShelfwiseError:
                continue  # an item removed by a later ingest: the event no longer applies
        self.live_events = len(self._read_live_events())
        self._share_with_assistant(model)
        return model

    def _share_with_assistant(self, model: Any) -> None:
        """Hand the same model to the assistant's tools, so chat sees live events too."""
        from assistant.agent.recommender import HybridAdapter

        self.services.__dict__["recommender"] = HybridAdapter(model)  # fills its cached_property

    @property
    def searcher(self) -> Any:
        """Hybrid search over the Chroma index, or lexical search when no index is built."""
        return self._get("search", lambda: self.services.searcher)

    @property
    def search_mode(self) -> str:
        self.searcher  # noqa: B018 - the mode is known once the searcher is loaded
        return str(self.services.search_mode)

    @property
    def assistant(self) -> Any:
        def build() -> Any:
            from assistant.agent.assistant import Assistant
            from assistant.agent.memory import SessionMemory

            try:
                self.recommender  # noqa: B018 - load it here first so the chat shares this model
            except ShelfwiseError:
                pass  # not trained: the assistant uses its labelled fallback
            llm = None
            if self.llm_spec != "template":
                from assistant.llm import LLMConfig, LLMUnavailableError, build_chat_model

                config = LLMConfig.parse(self.llm_spec) if self.llm_spec else LLMConfig.from_env()
                try:
                    llm = build_chat_model(config)
                    self.llm_note = f"LLM: {config.describe()}"
                except LLMUnavailableError as exc:  # answers stay exact: the template words the facts
                    self.llm_note = f"LLM unavailable, template answers ({exc})"
            from recsys_core.privacy import ChatLog

            return Assistant(self.services, llm, memory=SessionMemory(self.workspace / "sessions"),
                             chat_log=ChatLog(self.workspace))

        found = self._get("assistant", build)
        self.components["assistant"].detail = self.llm_note
        return found

    # ---- ranking -----------------------------------------------------------------------
    def check_item(self, item_id: str) -> None:
        if item_id not in self.products.index:
            raise UnknownIdError("item", item_id, "the product table")

    def live_rules(self) -> Any:
        """The saved rule set (``W/rules``), shared with the chat's tools (re-read when the file changes)."""
        return self.services.live_rules()

    def search(self, query: str, *, k: int = 10, filters: Any = None, explain: bool = False,
               user_id: str | None = None) -> list[Any]:
        """Hybrid search with the saved business rules applied after fusion (shown in the trace);
        with ``user_id``, personalised by the user's content profile from the recommender."""
        user_vector = self.recommender.profile_vector(user_id) if user_id else None
        hooks = self.services.search_rule_hooks()
        return list(
            self.searcher.search(query, k=k, filters=filters, explain=explain, rules=hooks, user_vector=user_vector)
        )

    def recommend(self, user_id: str, *, k: int = 10, filters: Mapping[str, Any] | None = None) -> list[Any]:
        """Recommendations with the saved rules applied after the hybrid score.

        A rule's score change is added as the ``rules`` component, so contributions still sum
        exactly to the score; pins move an item without changing its score.
        """
        from dataclasses import replace

        from assistant.agent.services import RULE_DEPTH

        rules = self.live_rules()
        flt = dict(filters or {}) or None
        if not rules.rules:
            return list(self.recommender.recommend(user_id, k=k, filters=flt))
        # evidence is gathered for the shown items only, not the whole re-ranked depth
        recs = list(self.recommender.recommend(user_id, k=max(k, RULE_DEPTH), filters=flt, evidence=False))
        ranking, rule_effects = self.services.rerank_recommendations([(r.item_id, r.score) for r in recs])
        by_id = {r.item_id: r for r in recs}
        out = []
        for position, (item, score) in enumerate(ranking[:k]):
            found = by_id.get(item)
            rec = (replace(found, evidence=self.recommender.evidence_for(user_id, item)) if found
                   else self.recommender.explain(user_id, item))
            contributions = dict(rec.contributions)
            contributions["rules"] = contributions.get("rules", 0.0) + (float(score) - rec.score)
            effects = rule_effects.get(item, [])
            evidence = {**rec.evidence, "rules": effects} if effects else rec.evidence
            out.append(replace(rec, rank=position + 1, score=float(score), contributions=contributions, evidence=evidence))
        return out

    def explain(self, user_id: str, item_id: str) -> Any:
        self.check_item(item_id)
        return self.recommender.explain(user_id, item_id)

    def explain_query(self, query: str, item_id: str, *, depth: int = 200) -> Any:
        """The item's hit with its stage trace for ``query`` (None: not in the top ``depth``)."""
        self.check_item(item_id)
        hits = self.searcher.search(query, k=depth, explain=True)
        return next((h for h in hits if h.item_id == item_id), None)

    def compare(self, query: str, a: str, b: str) -> Any:
        for item in (a, b):
            self.check_item(item)
        return self.searcher.compare(query, a, b)

    def compare_for_user(self, user_id: str, a: str, b: str) -> dict[str, Any]:
        """Per-component difference between two items for one user (which part decides)."""
        ra, rb = self.explain(user_id, a), self.explain(user_id, b)
        names = sorted(set(ra.contributions) | set(rb.contributions))
        diff = {n: ra.contributions.get(n, 0.0) - rb.contributions.get(n, 0.0) for n in names}
        decisive = max(diff, key=lambda n: abs(diff[n])) if diff else None
        return {"user_id": user_id, "a": ra.to_dict(), "b": rb.to_dict(), "a_above_b": ra.score > rb.score,
                "difference": diff, "decisive_component": decisive}

    # ---- assistant ---------------------------------------------------------------------
    def ask(self, question: str, *, user: str | None = None, session: str = "default") -> Any:
        return self.assistant.ask(question, user=user, session=session)

    def stream(self, question: str, *, user: str | None = None, session: str = "default") -> Iterator[str]:
        return self.assistant.stream(question, user=user, session=session)

    # ---- live events -------------------------------------------------------------------
    def _read_live_events(self) -> list[dict[str, Any]]:
        path = self.workspace / LIVE_EVENTS
        if not path.is_file():
            return []
        rows = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rows.append(json.loads(line))
            except ValueError:
                continue  # a line cut by a crash mid-write: the rest stays usable
        return rows

    def add_events(self, events: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Append live item events; the recommender counts them at the next call (no retraining).

        Every id is checked before anything is applied, so a rejected batch changes nothing.
        """
        model = self.recommender
        for ev in events:
            self.check_item(str(ev["item_id"]))
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        rows = [{"user_id": str(e["user_id"]), "item_id": str(e["item_id"]), "type": str(e["type"]),
                 "timestamp": str(e.get("timestamp") or stamp)} for e in events]
        with self._write_lock:
            path = self.workspace / LIVE_EVENTS
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as fh:
                fh.write("".join(json.dumps(r) + "\n" for r in rows))
                fh.flush()
                os.fsync(fh.fileno())
            users: dict[str, list[str]] = {}
            for r in rows:
                users.setdefault(r["user_id"], []).append(r["item_id"])
            for user, items in users.items():
                model.add_events(user, items)
            self.live_events += len(rows)
        if log.isEnabledFor(logging.INFO):  # user ids are logged by pseudonym only
            from recsys_core.privacy import Pseudonymizer

            alias = Pseudonymizer(self.workspace)
            log.info("%d live events accepted for %s", len(rows), ", ".join(alias(u) for u in sorted(users)))
        return {"accepted": len(rows), "users": sorted(users), "live_events": self.live_events}
