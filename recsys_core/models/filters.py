"""Recommendation filters on item metadata (category, brand, allowed/excluded ids)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from recsys_core.models.errors import ModelConfigError
from recsys_core.models.interactions import Interactions

ID_FILTERS = ("item_ids", "exclude_item_ids")


def allowed_items(data: Interactions, filters: Mapping[str, Any]) -> np.ndarray:
    """Boolean mask over items passing every filter.

    ``{"category": "Makeup"}`` or a list of values matches ``data.item_meta[column]``;
    ``item_ids`` keeps only the listed ids, ``exclude_item_ids`` drops them.
    """
    mask = np.ones(data.n_items, dtype=bool)
    for key, value in filters.items():
        if key == "item_ids":
            keep = np.zeros(data.n_items, dtype=bool)
            keep[data.items.indexes(value, skip_unknown=True)] = True
            mask &= keep
        elif key == "exclude_item_ids":
            mask[data.items.indexes(value, skip_unknown=True)] = False
        elif key in data.item_meta:
            wanted = {str(v).lower() for v in (value if isinstance(value, (list, tuple, set)) else [value])}
            column = data.item_meta[key]
            mask &= np.array([str(v).lower() in wanted for v in column[: data.n_items]]
                             + [False] * max(0, data.n_items - len(column)))
        else:
            known = ", ".join(sorted([*ID_FILTERS, *data.item_meta]))
            raise ModelConfigError(f"unknown recommendation filter {key!r}; use one of: {known}")
    return mask
