"""Typed errors of the strategy engine (trends, segments, rules, what-if)."""

from __future__ import annotations

from recsys_core.errors import ShelfwiseError


class StrategyError(ShelfwiseError):
    """A strategy analysis cannot run on the given data or settings."""


class InsufficientDataError(StrategyError):
    """Too little data for the requested figure (names what is missing and how much is needed)."""


class RuleError(StrategyError):
    """A business rule (or a rules file) is invalid; the message names the rule and the field."""


class RulesStoreError(StrategyError):
    """The workspace's rules store is unreadable, locked or lacks the requested version."""
