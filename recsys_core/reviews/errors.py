"""Errors of the reviews package."""

from __future__ import annotations

from recsys_core.errors import ShelfwiseError


class ReviewsInputError(ShelfwiseError):
    """A reviews table or aspect question the reviews code cannot work with (the message says why)."""
