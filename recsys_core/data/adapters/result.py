"""``AdapterResult``: what every real-data adapter returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from recsys_core.data.shop import ShopData
from recsys_core.errors import DataIssue


@dataclass(frozen=True)
class AdapterResult:
    """A shop in the schema, plus what the adapter did to get there.

    ``issues`` lists every group of source rows the adapter excluded or fixed (action
    "dropped rows", "fixed", "flagged"), in the form the ingest data-quality report takes.
    ``info`` holds plain counts and notes (JSON-serialisable) for summaries and tests.
    """

    shop: ShopData
    issues: list[DataIssue] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
