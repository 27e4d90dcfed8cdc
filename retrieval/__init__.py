"""Retrieval: Chroma stores, indexing, hybrid product search (BM25 + dense + fusion + rules).

Importing this package loads neither chromadb nor torch; they load inside the functions that
use them.
"""

from retrieval.chroma_store import COLLECTIONS, StoreConfig
from retrieval.chunking import Chunk, chunk_markdown
from retrieval.errors import (
    IndexNotBuiltError,
    RetrievalError,
    SearchInputError,
    StoreConnectionError,
)
from retrieval.evaluation import SearchReport, SearchSet, load_search_set, run_search_eval
from retrieval.filters import SearchFilters
from retrieval.fusion import rrf, weighted
from retrieval.indexing import IndexReport, build_index, open_product_search
from retrieval.query_parser import ParsedQuery, parse_query
from retrieval.rules import Candidate, SearchRule, apply_rules
from retrieval.search import HybridSearcher
from retrieval.trace import Comparison, Hit, HitTrace

__all__ = [
    "COLLECTIONS",
    "Candidate",
    "Chunk",
    "Comparison",
    "Hit",
    "HitTrace",
    "HybridSearcher",
    "IndexNotBuiltError",
    "IndexReport",
    "ParsedQuery",
    "RetrievalError",
    "SearchFilters",
    "SearchInputError",
    "SearchReport",
    "SearchRule",
    "SearchSet",
    "StoreConfig",
    "StoreConnectionError",
    "apply_rules",
    "build_index",
    "chunk_markdown",
    "load_search_set",
    "open_product_search",
    "parse_query",
    "rrf",
    "run_search_eval",
    "weighted",
]
