"""Conventions shared by the real-data adapters: unknown prices, text and category clean-up.

Unknown prices. The schema requires a non-null ``price``; Amazon Beauty and Home Depot carry
none. Those products get ``price = 0.0`` *and* ``attributes["price_known"] = false``; every
adapter sets ``price_known`` on every product, so price-aware code filters on it instead of
reading 0.0 as "free".
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from typing import Any

import pandas as pd

from recsys_core.data.frames import normalise_text
from recsys_core.data.validate import standardise_category

UNKNOWN_PRICE = 0.0
PRICE_KNOWN = "price_known"


def clean_text(value: Any) -> str | None:
    """HTML entities decoded (``L&#39;Oreal`` -> ``L'Oreal``), NFKC, single spaces; '' -> None."""
    if not isinstance(value, str):
        return None
    text = normalise_text(html.unescape(value))
    return text or None


def clean_column(column: pd.Series) -> pd.Series:
    """``clean_text`` over a text column (missing stays missing), as pandas "string"."""
    return column.map(clean_text, na_action="ignore").astype("string")


def category_path(levels: Iterable[str]) -> str:
    """``["Makeup", "Nails"]`` -> ``"makeup > nails"``, the same form ``shelfwise ingest`` writes."""
    cleaned = [clean_text(level) for level in levels]
    return standardise_category(" > ".join(c for c in cleaned if c))


def attributes_json(attributes: dict[str, Any]) -> str:
    """The ``attributes`` cell: a JSON object with sorted keys, as ``conform`` writes it."""
    return json.dumps(attributes, sort_keys=True, ensure_ascii=False)
