"""Errors of the demo-shop generator."""

from __future__ import annotations

from recsys_core.errors import ShelfwiseError


class DemoConfigError(ShelfwiseError, ValueError):
    """A demo-shop size or output path is unusable; the message names the value and the fix."""
