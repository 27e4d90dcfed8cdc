"""recsys_core: shop data, recommendation models, metrics and strategy (no heavy imports here)."""

from recsys_core.errors import (
    ArtifactError,
    DataIssue,
    DataValidationError,
    NotFittedError,
    ShelfwiseError,
    StoreError,
    UnknownIdError,
)

__all__ = [
    "ArtifactError",
    "DataIssue",
    "DataValidationError",
    "NotFittedError",
    "ShelfwiseError",
    "StoreError",
    "UnknownIdError",
]
