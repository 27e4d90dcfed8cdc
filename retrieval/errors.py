"""Typed errors raised by the retrieval package; the CLI, UI and API turn them into messages."""

from __future__ import annotations

from recsys_core.errors import ShelfwiseError


class RetrievalError(ShelfwiseError):
    """Base class of retrieval errors."""


class IndexNotBuiltError(RetrievalError):
    """A search or store was used before its index was built."""


class StoreConnectionError(RetrievalError):
    """The Chroma store (embedded folder or server URL) could not be opened."""


class SearchInputError(RetrievalError):
    """A search input (query, filter, mode, evaluation file) is invalid."""


class IndexCorruptError(IndexNotBuiltError):
    """The search index on disk is damaged; the message names it and how to rebuild it."""
