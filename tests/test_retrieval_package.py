"""The retrieval package's public names and its light import."""

from __future__ import annotations

import subprocess
import sys

import retrieval

EXPECTED_ALL = [
    "COLLECTIONS", "IndexReport", "SearchReport", "SearchSet", "StoreConfig", "build_index",
    "load_search_set", "open_product_search", "run_search_eval",
    "Candidate", "Chunk", "Comparison", "Hit", "HitTrace", "HybridSearcher",
    "IndexNotBuiltError", "ParsedQuery", "RetrievalError", "SearchFilters",
    "SearchInputError", "SearchRule", "StoreConnectionError", "apply_rules", "chunk_markdown",
    "parse_query", "rrf", "weighted",
]


def test_public_names_are_pinned() -> None:
    assert sorted(retrieval.__all__) == sorted(EXPECTED_ALL)
    for name in EXPECTED_ALL:
        assert hasattr(retrieval, name), name


def test_import_loads_no_heavy_dependency() -> None:
    code = (
        "import sys, retrieval, retrieval.search, retrieval.indexing, retrieval.evaluation;"
        "heavy = [m for m in ('torch', 'chromadb', 'sentence_transformers', 'langchain_chroma', 'gradio')"
        " if m in sys.modules]; print(heavy); sys.exit(1 if heavy else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
