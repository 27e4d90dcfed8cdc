"""The workspace's engines as the assistant sees them, each loaded lazily on first use.

Search uses the workspace's Chroma index when ``shelfwise index`` has built it, and falls back
to lexical search over the store otherwise (said in the facts). Prices and stock always come
from the store's product table.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from assistant.agent.kb import KnowledgeBase
from assistant.agent.lexicon import Lexicon
from recsys_core.data.shop import ShopData
from recsys_core.errors import ShelfwiseError

RULE_DEPTH = 200  # recommendation candidates re-ranked by the saved business rules


class ShopServices:
    """Lazy handles on one workspace's store, lexicon, search, knowledge base and analytics."""

    def __init__(self, workspace: str | os.PathLike[str], *, shop: ShopData | None = None,
                 kb_min_similarity: float | None = None, strategy_engine: bool = True):
        self.workspace = Path(workspace)
        self._shop = shop
        self.kb_min_similarity = kb_min_similarity
        self.strategy_engine = strategy_engine  # False: the simpler built-in analytics (fast, for tests)
        self.proposals_source = ""
        self.search_mode = "bm25"
        self.search_note = ""  # why search is lexical only, when the Chroma index could not be used
        self.kb_note = ""

    @property
    def shop(self) -> ShopData:
        if self._shop is None:
            from recsys_core.data.store import load_store

            self._shop = load_store(self.workspace)
        return self._shop

    @cached_property
    def lexicon(self) -> Lexicon:
        return Lexicon.from_shop(self.shop)

    @cached_property
    def products(self) -> pd.DataFrame:
        return self.shop.products.set_index(self.shop.products["item_id"].astype(str), drop=False)

    @cached_property
    def searcher(self) -> Any:
        """The hybrid searcher over the workspace index, or BM25 over the store when no index exists."""
        from retrieval import HybridSearcher

        try:
            from retrieval.indexing import open_product_search

            found = open_product_search(self.workspace)
            self.search_mode = "hybrid"
            return found
        except (ShelfwiseError, ImportError, FileNotFoundError) as exc:
            if (self.workspace / "index").exists():  # built but unusable (damaged, server down): say so
                self.search_note = f"lexical search only: the vector index could not be used ({exc})"
            return HybridSearcher(mode="bm25").fit(self.shop.products, show_progress=False)

    @cached_property
    def knowledge_base(self) -> KnowledgeBase:
        kw: dict[str, Any] = {} if self.kb_min_similarity is None else {"min_similarity": self.kb_min_similarity}
        from assistant.llm.config import default_cache_dir

        cache = (self.workspace / "cache" / "embeddings" if (self.workspace / "store").exists()
                 else default_cache_dir().parent / "embeddings")
        return KnowledgeBase(cache_dir=cache, **kw).fit(self.shop.knowledge_base, collection=self._kb_collection())

    def _kb_collection(self) -> Any:
        """The Chroma KB collection ``shelfwise index`` built (None: not built or unusable; the
        knowledge base then embeds its chunks itself, with the same model and text)."""
        if not (self.workspace / "index").exists():
            return None
        try:
            from retrieval.chroma_store import StoreConfig, get_collection, open_client
            from retrieval.indexing import read_manifest

            read_manifest(self.workspace)
            config = StoreConfig.for_workspace(self.workspace)
            return get_collection(open_client(config), "kb", config)
        except (ShelfwiseError, ImportError, FileNotFoundError) as exc:
            self.kb_note = f"knowledge base embedded in process: the index could not be used ({exc})"
            return None

    @cached_property
    def trends(self) -> Any:
        from recsys_core.strategy import trend_report

        return trend_report(self.shop)

    @cached_property
    def recommender(self) -> Any:
        from assistant.agent.recommender import load_recommender

        return load_recommender(self.workspace, self.shop)

    # ---- saved business rules (W/rules): the chat, the API and the UI rank with the same ones ----
    def live_rules(self) -> Any:
        """The saved rule set; re-read only when its file changes, so a save applies at the next call."""
        from recsys_core.strategy.rules_store import CURRENT, load_rules, rules_dir

        path = rules_dir(self.workspace) / CURRENT
        try:
            stat = path.stat()
            key: tuple[int, int, int] | None = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            key = None
        cached = self.__dict__.get("_rules_cache")
        if cached is None or cached[0] != key:
            cached = self.__dict__["_rules_cache"] = (key, load_rules(self.workspace))
        return cached[1]

    @cached_property
    def rule_lookup(self) -> Any:
        from recsys_core.strategy.rules import ProductLookup

        return ProductLookup(self.shop.products)

    def search_rule_hooks(self) -> list[Any] | None:
        """The saved rules as a search hook (None when there are none)."""
        rules = self.live_rules()
        if not rules.rules:
            return None
        from recsys_core.strategy.rule_hooks import SearchRulesHook
        from recsys_core.strategy.rules import RuleContext

        return [SearchRulesHook(rules, self.rule_lookup, RuleContext(surface="search"))]

    def rerank_recommendations(self, ranked: list[tuple[str, float]]) -> tuple[list[tuple[str, float]], dict[str, list[str]]]:
        """``(item, score)`` pairs re-ranked by the saved rules, and each moved item's rule effects."""
        from recsys_core.strategy.rule_hooks import recommendation_rule_scores
        from recsys_core.strategy.rules import RuleContext

        outcome, _ = recommendation_rule_scores(ranked, self.live_rules(), RuleContext(surface="recommendations"),
                                                self.rule_lookup)
        effects = {item: [e.describe() for e in found] for item, found in outcome.effects.items() if found}
        return [(str(i), float(s)) for i, s in outcome.ranking], effects

    @cached_property
    def segments(self) -> Any:
        from recsys_core.strategy.segments import SegmentModel

        return SegmentModel(n_init=2).fit(self.shop)

    @cached_property
    def replay_setup(self) -> Any:
        from recsys_core.strategy.whatif import prepare_replay

        return prepare_replay(self.shop, days=30)

    @cached_property
    def proposals(self) -> list[dict[str, Any]]:
        """Proposals from ``W/reports/strategy/strategy.json`` (``shelfwise analyze``) or computed now."""
        import json

        saved = self.workspace / "reports" / "strategy" / "strategy.json"
        if saved.exists():
            found = json.loads(saved.read_text(encoding="utf-8")).get("proposals")
            if isinstance(found, list):
                self.proposals_source = str(saved)
                return found
        from recsys_core.strategy.proposals import propose

        self.proposals_source = "computed now (run `shelfwise analyze` to precompute)"
        return [p.to_dict() for p in propose(self.shop, n_boot=200, segments=self.segments)]
