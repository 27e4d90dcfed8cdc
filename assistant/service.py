"""The composition root: one service object per workspace, shared by every surface.

``ShelfwiseService`` owns the store, the trained recommender, the searcher, the knowledge base,
the live business rules, the strategy engine and the assistant. Each is loaded once (lazily, or
all at start-up with :meth:`load`) and the CLI, the REST API, the Gradio UI and the assistant's
tools all call these same objects and methods, so they cannot disagree. Rankings go through
:mod:`assistant.ranking` with the live rules applied. Engines that are not built yet raise
:class:`NotBuiltError` naming the command that builds them; nothing is faked.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant import ranking
from assistant.ids import KnownIds, shown_id, unknown_item, unknown_user
from recsys_core.errors import ShelfwiseError, UnknownIdError

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
    """The workspace's store, models, indexes, rules, strategy engine and assistant, loaded once.

    ``llm`` is an ``SHELFWISE_LLM``-style spec (``"template"`` for no model, None for the
    environment's choice). ``shop`` serves that shop data instead of the workspace's store (the
    models, index, rules and logs still come from the workspace). Public methods are safe to
    call from several threads.
    """

    COMPONENTS = ("store", "recommender", "search", "assistant")

    def __init__(self, workspace: str | os.PathLike[str], *, llm: str | None = None, shop: Any = None):
        from recsys_core.workspace import Workspace

        self.workspace = Path(workspace)
        self.layout = Workspace(self.workspace)
        self.llm_spec = llm
        self.llm_note = "template answers (no LLM)"
        self.search_note = ""  # why search is lexical only, when the vector index could not be used
        self.search_mode = "bm25"
        self._lock = threading.RLock()
        self._write_lock = threading.Lock()
        self._objects: dict[str, Any] = {}
        self._given_shop = shop
        self._rules_cache: tuple[Any, Any] | None = None
        self.components = {n: Component(n) for n in self.COMPONENTS}
        self.started_at = datetime.now(UTC).isoformat(timespec="seconds")
        self.live_events = 0

    # ---- loading -----------------------------------------------------------------------------
    def _get(self, name: str, build: Callable[[], Any], component: str | None = None) -> Any:
        """The named object, built once; a failure is remembered on its component and re-raised."""
        if name in self._objects:
            return self._objects[name]
        with self._lock:
            if name in self._objects:
                return self._objects[name]
            comp = self.components.get(component or name)
            start = time.perf_counter()
            try:
                obj = build()
            except NotBuiltError as exc:
                if comp is not None:
                    comp.state, comp.detail = "not built", str(exc)
                raise
            except ShelfwiseError as exc:
                if comp is not None:
                    comp.state, comp.detail = "error", str(exc)
                raise
            if comp is not None and comp.state != "loaded":
                comp.state, comp.seconds = "loaded", round(time.perf_counter() - start, 2)
            self._objects[name] = obj
            return obj

    def load(self, *, progress: bool = True) -> dict[str, Any]:
        """Load every component now (start-up), with a progress bar; returns :meth:`health`."""
        from tqdm.auto import tqdm

        steps: list[tuple[str, Callable[[], Any]]] = [
            ("store", lambda: self.shop),
            ("recommender", lambda: self.recommender),
            ("search", lambda: self.searcher.search("warm up", k=1)),  # loads the query encoder now
            ("assistant", self._warm_assistant),
        ]
        with tqdm(steps, desc="loading", unit="part", disable=not progress) as bar:
            for name, step in bar:
                bar.set_postfix_str(name)
                try:
                    step()
                except ShelfwiseError:
                    continue  # recorded on its component; the rest still loads
        return self.health()

    def _warm_assistant(self) -> None:
        assistant = self.assistant
        self.knowledge_base  # noqa: B018 - indexed once, at start-up
        load = getattr(assistant.llm, "load", None)
        if callable(load):  # a local model's weights load now, not on the first question
            load()

    def reload(self) -> None:
        """Forget every loaded object (after re-ingest, retrain or re-index)."""
        with self._lock:
            self._objects.clear()
            self._rules_cache = None
            self.components = {n: Component(n) for n in self.COMPONENTS}

    def health(self) -> dict[str, Any]:
        version = None
        if "store" in self._objects:
            from recsys_core.data.store import read_manifest

            try:
                version = read_manifest(self.workspace).get("version_id")
            except ShelfwiseError:
                version = None
        kb = self._objects.get("knowledge_base")
        notes = {k: v for k, v in (("search", self.search_note), ("knowledge_base", getattr(kb, "note_", ""))) if v}
        return {
            "status": "ok" if self.components["store"].state == "loaded" else "degraded",
            "notes": notes,  # a part that works, but not the way it should (a damaged index, say)
            "workspace": str(self.workspace),
            "store_version": version,
            "started_at": self.started_at,
            "search_mode": self.search_mode if "search" in self._objects else None,
            "search_encoder": (getattr(self._objects["search"], "encoder", None) or "minilm")
            if "search" in self._objects and self.search_mode != "bm25" else None,
            "live_events": self.live_events,
            "components": {n: c.to_dict() for n, c in self.components.items()},
        }

    # ---- what the service owns ---------------------------------------------------------------
    @property
    def shop(self) -> Any:
        from recsys_core.data.store import load_store

        return self._get("store", lambda: self._given_shop if self._given_shop is not None else load_store(self.workspace))

    @property
    def products(self) -> Any:
        """The product table indexed by item id (live price and stock come from here)."""
        return self._get("products", lambda: self.shop.products.set_index(
            self.shop.products["item_id"].astype(str), drop=False), "store")

    @property
    def lexicon(self) -> Any:
        from assistant.agent.lexicon import Lexicon

        return self._get("lexicon", lambda: Lexicon.from_shop(self.shop), "store")

    @property
    def rule_lookup(self) -> Any:
        from recsys_core.strategy.rules import ProductLookup

        return self._get("rule_lookup", lambda: ProductLookup(self.shop.products, self.shop.reviews), "store")

    @property
    def recommender(self) -> Any:
        """The trained hybrid recommender (``shelfwise train``), with live events replayed."""
        return self._get("recommender", self._load_recommender)

    def _load_recommender(self) -> Any:
        from recsys_core.errors import ArtifactError
        from recsys_core.models.hybrid_artifacts import load_hybrid

        folder = self.layout.model_dir
        if not folder.exists():
            raise NotBuiltError(f"recommender not built yet: run `shelfwise train --workspace {self.workspace}`")
        try:
            model = load_hybrid(folder)
        except FileNotFoundError as exc:
            raise ArtifactError(
                f"recommender in {folder} is incomplete ({exc}); run `shelfwise train --workspace {self.workspace}`"
            ) from exc
        rows = self.event_log.read()
        for row in rows:
            if row.get("type") == "impression":  # shown, not chosen: not an interaction
                continue
            try:
                model.add_events(row["user_id"], [row["item_id"]])
            except ShelfwiseError:
                continue  # an item removed by a later ingest: the event no longer applies
        self.live_events = len(rows)
        return model

    @property
    def searcher(self) -> Any:
        """Hybrid search over the Chroma index, or lexical search (with a note) when none is usable."""
        return self._get("search", self._load_searcher)

    def _load_searcher(self) -> Any:
        from retrieval import HybridSearcher
        from retrieval.indexing import open_product_search

        try:
            found = open_product_search(self.workspace, products=self.shop.products)
            self.search_mode = "hybrid+ranker" if found.ranker is not None else "hybrid"
            return found
        except (ShelfwiseError, ImportError, FileNotFoundError) as exc:
            if self.layout.index_dir.exists():  # built but unusable (damaged, server down): say so
                self.search_note = f"lexical search only: the vector index could not be used ({exc})"
            self.search_mode = "bm25"
            return HybridSearcher(mode="bm25").fit(self.shop.products, show_progress=False)

    @property
    def knowledge_base(self) -> Any:
        """The knowledge base, searched like products (BM25 + dense) over the Chroma KB chunks."""
        from retrieval.knowledge import open_knowledge_base

        return self._get("knowledge_base", lambda: open_knowledge_base(
            self.workspace, self.shop.knowledge_base, catalog_titles=self.shop.products["title"].astype(str)),
                         "assistant")

    @property
    def strategy(self) -> Any:
        """The strategy engine (trends, segments, stock, exposure, what-if, proposals, insights)."""
        from recsys_core.strategy.engine import StrategyEngine

        saved = self.layout.strategy_reports_dir / "strategy.json"
        return self._get("strategy", lambda: StrategyEngine(self.shop, saved_report=saved), "store")

    @property
    def lab(self) -> Any:
        """The strategy lab (:class:`assistant.lab.Lab`): scenarios, plays, debriefs, progress."""
        from assistant.lab import Lab

        return self._get("lab", lambda: Lab(self))

    @property
    def experiments(self) -> Any:
        """Live experiments (:class:`assistant.experiments.Experiments`): start, serve, status, stop."""
        from assistant.experiments import Experiments

        return self._get("experiments", lambda: Experiments(self))

    @property
    def event_log(self) -> Any:
        from recsys_core.data.live_events import LiveEventLog

        return self._get("event_log", lambda: LiveEventLog(self.workspace), "store")

    @property
    def assistant(self) -> Any:
        return self._get("assistant", self._build_assistant)

    def _build_assistant(self) -> Any:
        from assistant.agent.assistant import Assistant
        from assistant.agent.memory import SessionMemory
        from recsys_core.privacy import ChatLog

        llm = None
        if self.llm_spec != "template":
            from assistant.llm import LLMConfig, LLMUnavailableError, build_chat_model

            config = LLMConfig.parse(self.llm_spec) if self.llm_spec else LLMConfig.from_env()
            try:
                llm = build_chat_model(config)
                self.llm_note = f"LLM: {config.describe()}"
            except LLMUnavailableError as exc:  # answers stay exact: the template words the facts
                self.llm_note = f"LLM unavailable, template answers ({exc})"
        self.components["assistant"].detail = self.llm_note
        return Assistant(self, llm, memory=SessionMemory(self.layout.sessions_dir), chat_log=ChatLog(self.workspace))

    # ---- live business rules -----------------------------------------------------------------
    def live_rules(self) -> Any:
        """The saved rule set (``W/rules``); re-read only when its file changes, so a save
        applies at the next call."""
        from recsys_core.strategy.rules_store import CURRENT, load_rules, rules_dir

        path = rules_dir(self.workspace) / CURRENT
        try:
            stat = path.stat()
            key: tuple[int, int, int] | None = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            key = None
        cached = self._rules_cache
        if cached is None or cached[0] != key:
            cached = self._rules_cache = (key, load_rules(self.workspace))
        return cached[1]

    def rule_context(self, surface: str, *, user_id: str | None = None, query: str | None = None,
                     rules: Any = None) -> Any:
        """Where a ranking is shown; the user's segment is looked up only when a rule needs it."""
        from recsys_core.strategy.rules import RuleContext

        rules = rules if rules is not None else self.live_rules()
        segment = None
        if user_id and any(r.scope.segments for r in rules.rules):
            segment = self.strategy.user_segments.get(user_id)
        return RuleContext(query=query, surface=surface, segment=segment)

    def search_hooks(self, rules: Any = None) -> list[Any] | None:
        """A rule set (default: the live one) as the searcher's rule hook (None: no rules)."""
        from recsys_core.strategy.rule_hooks import SearchRulesHook

        rules = rules if rules is not None else self.live_rules()
        return [SearchRulesHook(rules, self.rule_lookup, self.rule_context("search", rules=rules))] if rules.rules else None

    # ---- ids: the shop's customers and products ------------------------------------------------
    @property
    def customers(self) -> KnownIds:
        """The shop's customers: its users table, its events' users and the live events' users (the
        event log's, and those :meth:`add_events` adds while running), and how their ids are written."""
        def build() -> KnownIds:
            shop = self.shop
            events = shop.events["user_id"].dropna().astype(str)
            table = shop.users["user_id"].dropna().astype(str) if shop.users is not None and len(shop.users) else events
            live = {str(r["user_id"]) for r in self.event_log.read()
                    if r.get("user_id") is not None and r.get("type") != "impression"}
            return KnownIds.of(table, "U", 5, extra={*events.unique(), *live})

        return self._get("customers", build, "store")  # type: ignore[no-any-return]

    @property
    def catalogue_ids(self) -> KnownIds:
        """The product ids of the store, and how they are written."""
        return self._get("catalogue_ids", lambda: KnownIds.of(self.products.index.to_series(), "P", 5),  # type: ignore[no-any-return]
                         "store")

    def known_user(self, user_id: str) -> bool:
        """Whether ``user_id`` is a customer: in the store, in the live events, or known to the model."""
        uid = str(user_id)
        if uid in self.customers.ids:
            return True
        users = getattr(getattr(self._objects.get("recommender"), "data_", None), "users", None)
        return users is not None and uid in users

    def check_user(self, user_id: str) -> None:
        """Raise :class:`UnknownIdError` (with the closest known ids) unless ``user_id`` is a customer."""
        if not self.known_user(user_id):
            raise unknown_user(str(user_id), self.customers)

    def check_item(self, item_id: str) -> None:
        """Raise :class:`UnknownIdError` (with the closest known ids) unless ``item_id`` is a product."""
        if item_id not in self.products.index:
            raise unknown_item(str(item_id), self.catalogue_ids)

    def new_visitor_note(self, user_id: str) -> str | None:
        """What to tell a caller who asked for a new visitor's list: None for a customer."""
        if self.known_user(user_id):
            return None
        return f"{shown_id(str(user_id))} is not a customer yet: this is the new-visitor list (popular and trending items)"

    # ---- rankings, as the shopper sees them (assistant.ranking) --------------------------------
    def recommend(self, user_id: str, *, k: int = 10, filters: Mapping[str, Any] | None = None,
                  rules: Any = None, new_visitor: bool = False) -> list[ranking.Placement]:
        """The user's top ``k`` with the live rules (or ``rules``) applied; parts sum to each score.

        An id that is not a customer raises :class:`UnknownIdError`, unless ``new_visitor``: then
        it gets the model's list for users without history (:meth:`new_visitor_note` says so)."""
        self.recommender  # noqa: B018 - an unbuilt model is the first thing to report
        if not new_visitor:
            self.check_user(user_id)
        rules = rules if rules is not None else self.live_rules()
        return ranking.recommend(self.recommender, user_id, k, rules=rules, lookup=self.rule_lookup,
                                 context=self.rule_context("recommendations", user_id=user_id, rules=rules),
                                 filters=filters)

    def serve_recommend(self, user_id: str, *, k: int = 10, filters: Mapping[str, Any] | None = None,
                        new_visitor: bool = False) -> tuple[list[ranking.Placement], dict[str, Any] | None]:
        """What the shopper is shown: :meth:`recommend`, or a running experiment's list (the
        experiment's info second; None when the user is not enrolled). An unknown id is refused
        before anything is served or logged, unless ``new_visitor``."""
        self.recommender  # noqa: B018 - an unbuilt model is the first thing to report
        if not new_visitor:
            self.check_user(user_id)

        def run(rules: Any) -> list[ranking.Placement]:
            return self.recommend(user_id, k=k, filters=filters, rules=rules, new_visitor=True)

        return self.experiments.serve("recommendations", user_id, run, k=k)  # type: ignore[no-any-return]

    def serve_search(self, query: str, *, k: int = 10, filters: Any = None, explain: bool = False,
                     user_id: str | None = None) -> tuple[list[Any], dict[str, Any] | None]:
        """What the shopper is shown for ``query``: :meth:`search`, or a running experiment's list."""
        def run(rules: Any) -> list[Any]:
            return self.search(query, k=k, filters=filters, explain=explain, user_id=user_id, rules=rules)

        return self.experiments.serve("search", user_id, run, k=k, query=query)  # type: ignore[no-any-return]

    def explain(self, user_id: str, item_id: str) -> ranking.Placement:
        return self.explain_many(user_id, [item_id])[0]

    def explain_many(self, user_id: str, item_ids: list[str]) -> list[ranking.Placement]:
        """Several items explained on one ranking of the user's (as shown, live rules applied)."""
        self.recommender  # noqa: B018 - an unbuilt model is the first thing to report
        self.check_user(user_id)
        for item in item_ids:
            self.check_item(item)
        rules = self.live_rules()
        return ranking.explain(self.recommender, user_id, item_ids, rules=rules, lookup=self.rule_lookup,
                               context=self.rule_context("recommendations", user_id=user_id, rules=rules))

    def search(self, query: str, *, k: int = 10, filters: Any = None, explain: bool = False,
               user_id: str | None = None, rules: Any = None) -> list[Any]:
        """Hybrid search with the live rules (or ``rules``) applied after fusion; with ``user_id``,
        personalised by the user's content profile from the recommender."""
        user_vector = self.recommender.profile_vector(user_id) if user_id else None
        return list(self.searcher.search(query, k=k, filters=filters, explain=explain,
                                         rules=self.search_hooks(rules), user_vector=user_vector))

    def explain_query(self, query: str, item_id: str) -> ranking.Placement:
        """The item's place in the results for ``query`` (rank None: not in the top results)."""
        self.check_item(item_id)
        return ranking.placement_in(self.search(query, k=ranking.SEARCH_DEPTH, explain=True), item_id, query)

    def compare(self, a: str, b: str, *, user_id: str | None = None, query: str | None = None) -> dict[str, Any]:
        """Why ``a`` is above (or below) ``b`` for a user or a query, on the shown ranking."""
        for item in (a, b):
            self.check_item(item)
        if query is not None:
            hits = self.search(query, k=ranking.SEARCH_DEPTH, explain=True)
            return ranking.compare_hits(hits, a, b, query, self.searcher.personal_weight)
        if user_id is None:
            raise UnknownIdError("user", None, "the request (give a user id or a search query)")
        return ranking.compare(*self.explain_many(user_id, [a, b]), context={"user_id": user_id})

    # ---- the assistant -----------------------------------------------------------------------
    def ask(self, question: str, *, user: str | None = None, session: str = "default",
            intent: str | None = None) -> Any:
        """The assistant's answer; ``intent`` is a reading picked from a clarifying question's options."""
        return self.assistant.ask(question, user=user, session=session, intent=intent)

    def stream(self, question: str, *, user: str | None = None, session: str = "default") -> Iterator[str]:
        return self.assistant.stream(question, user=user, session=session)

    # ---- live events -------------------------------------------------------------------------
    def add_events(self, events: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Append live item events; the recommender counts them at the next call (no retraining).

        Every id is checked before anything is applied, so a rejected batch changes nothing."""
        model = self.recommender
        for ev in events:
            self.check_item(str(ev["item_id"]))
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
        rows: list[dict[str, Any]] = [{"user_id": str(e["user_id"]), "item_id": str(e["item_id"]), "type": str(e["type"]),
                 "timestamp": str(e.get("timestamp") or stamp), "impression_id": e.get("impression_id")}
                for e in events]
        users: dict[str, list[str]] = {}
        for r in rows:
            users.setdefault(r["user_id"], []).append(r["item_id"])
        with self._write_lock:
            self.event_log.append(rows)
            for user, items in users.items():
                model.add_events(user, items)
            self.customers.add(users)  # a new visitor with events is a customer from now on
            self.live_events += len(rows)
        if log.isEnabledFor(logging.INFO):  # user ids are logged by pseudonym only
            from recsys_core.privacy import Pseudonymizer

            alias = Pseudonymizer(self.workspace)
            log.info("%d live events accepted for %s", len(rows), ", ".join(alias(u) for u in sorted(users)))
        return {"accepted": len(rows), "users": sorted(users), "live_events": self.live_events}
