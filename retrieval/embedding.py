"""Sentence embeddings for search and indexing: the project's one embedding cache lives in
:mod:`recsys_core.models.embeddings` (imports flow retrieval → recsys_core); this module names
what retrieval uses from it."""

from __future__ import annotations

from recsys_core.models.embeddings import (
    DIMENSION,
    MODEL_ID,
    EmbeddingCache,
    cache_for,
    cache_root,
    content_digest,
    default_cache_dir,
    embed_queries,
    embed_query,
    embed_texts,
    load_model,
)
from recsys_core.models.embeddings import bundled_model_path as model_path

__all__ = [
    "DIMENSION",
    "MODEL_ID",
    "EmbeddingCache",
    "cache_for",
    "cache_root",
    "content_digest",
    "default_cache_dir",
    "embed_queries",
    "embed_query",
    "embed_texts",
    "load_model",
    "model_path",
]
