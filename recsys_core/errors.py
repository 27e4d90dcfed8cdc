"""Typed errors raised by recsys_core; the CLI, UI and API turn them into messages."""

from __future__ import annotations

from dataclasses import dataclass


class ShelfwiseError(Exception):
    """Base class of every error Shelfwise raises on purpose (bad input, missing artifact...)."""


@dataclass(frozen=True)
class DataIssue:
    """One problem found in one cell, row or file of the input."""

    file: str
    row: int | None  # 1-based data row (header excluded); None for file-level issues
    column: str | None
    value: str | None
    problem: str
    action: str = "rejected"  # what --repair did: "dropped row", "fixed", "flagged", ...

    def describe(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        if self.value is not None:
            shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
            where += f", value {shown!r}"
        return f"{where}: {self.problem}"

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "problem": self.problem,
            "action": self.action,
        }


class DataValidationError(ShelfwiseError):
    """Input data failed validation; ``issues`` lists every problem found (not only the first)."""

    def __init__(self, issues: list[DataIssue]):
        self.issues = list(issues)
        first = self.issues[0].describe() if self.issues else "invalid data"
        repairable = any(i.row is not None for i in self.issues)
        hint = "; use --repair to drop/fix bad rows" if repairable else ""
        more = (
            f" (and {len(self.issues) - 1} more problem(s){hint})"
            if len(self.issues) > 1
            else (f" ({hint[2:]})" if hint else "")
        )
        super().__init__(first + more)


class StoreError(ShelfwiseError):
    """The workspace's shop store is missing, locked or unreadable."""


class NotFittedError(ShelfwiseError):
    """A model was used before ``fit``."""

    def __init__(self, obj: object):
        super().__init__(
            f"This {type(obj).__name__} instance is not fitted yet; call 'fit' before using it."
        )


class UnknownIdError(ShelfwiseError, KeyError):
    """An external id (user, item...) is not in the mapping that was asked."""

    def __init__(self, kind: str, value: object, mapping: str = "", *, closest: tuple[str, ...] = (),
                 message: str | None = None):
        self.kind = kind
        self.value = value
        self.closest = tuple(closest)  # the nearest known ids, for "did you mean"
        where = f" in {mapping}" if mapping else ""
        super().__init__(message or f"unknown {kind} id {value!r}{where}")

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class ArtifactError(ShelfwiseError):
    """A saved model/index artifact is missing, corrupt or from an incompatible version."""
