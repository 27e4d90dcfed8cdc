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
        except (ShelfwiseError, ImportError, FileNotFoundError):
            return HybridSearcher(mode="bm25").fit(self.shop.products, show_progress=False)

    @cached_property
    def knowledge_base(self) -> KnowledgeBase:
        kw: dict[str, Any] = {} if self.kb_min_similarity is None else {"min_similarity": self.kb_min_similarity}
        from assistant.llm.config import default_cache_dir

        cache = (self.workspace / "cache" / "embeddings" if (self.workspace / "store").exists()
                 else default_cache_dir().parent / "embeddings")
        return KnowledgeBase(cache_dir=cache, **kw).fit(self.shop.knowledge_base)

    @cached_property
    def trends(self) -> Any:
        from recsys_core.strategy import trend_report

        return trend_report(self.shop)

    @cached_property
    def recommender(self) -> Any:
        from assistant.agent.recommender import load_recommender

        return load_recommender(self.workspace, self.shop)

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
