"""Typed errors of the recommendation models."""

from __future__ import annotations

from recsys_core.errors import ShelfwiseError


class ModelConfigError(ShelfwiseError):
    """A model or training setting is out of range (names the setting and the allowed values)."""


class EmptyDataError(ShelfwiseError):
    """Fitting data holds no usable interactions."""
