"""Adapter: Amazon Beauty 5-core (``Beauty.txt`` + ``items.jsonl``) -> the shop schema.

* products: one per item; ``item_id`` as written ("1"...), title, brand (``"Unknown"`` is a real
  Amazon brand value and is kept), category = the category path standardised
  (``"makeup > nails > nail polish"``). No prices in the source: ``price = 0.0`` and
  ``attributes.price_known = false`` (see ``conventions``); ``attributes`` also keeps ``asin``
  and ``attribute_ids``. The 7 empty titles become ``"Amazon item <ASIN>"`` (issue "fixed").
* users: one per line of ``Beauty.txt``; no region or signup date.
* events: one ``purchase`` per (user, item) in sequence order (they are reviews of bought
  items), quantity 1, no price. The source has no times, so timestamps are **synthetic**:
  ``SYNTHETIC_START`` + n seconds, n = the interaction's index in file order. Only the order
  within a user means anything; do not read calendar patterns from them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from recsys_core.data.adapters.conventions import PRICE_KNOWN, UNKNOWN_PRICE, attributes_json
from recsys_core.data.adapters.item_text import load_item_text
from recsys_core.data.adapters.result import AdapterResult
from recsys_core.data.adapters.sequences import load_sequences
from recsys_core.data.adapters.source_files import MAX_ISSUES, resolve_file
from recsys_core.data.frames import conform
from recsys_core.data.schema import EVENTS, PRODUCTS, USERS
from recsys_core.data.shop import ShopData
from recsys_core.errors import DataIssue, DataValidationError

SEQUENCES_FILE = "Beauty.txt"
ITEMS_FILE = "items.jsonl"
SYNTHETIC_START = pd.Timestamp("2014-01-01", tz="UTC")
UNCATEGORISED = "uncategorised"


def _products(items: pd.DataFrame, items_path: Path) -> tuple[pd.DataFrame, list[DataIssue]]:
    issues: list[DataIssue] = []
    titles: list[str] = []
    attributes: list[str] = []
    for item_id, title, extra in zip(items["item_id"], items["title"], items["extra"], strict=True):
        label = extra.get("asin") or item_id
        if pd.isna(title):
            title = f"Amazon item {label}"
            issues.append(
                DataIssue(
                    str(items_path),
                    None,
                    "title",
                    str(item_id),
                    f"empty title; set to {title!r}",
                    action="fixed",
                )
            )
        titles.append(title)
        attributes.append(attributes_json({**extra, PRICE_KNOWN: False}))
    frame = pd.DataFrame(
        {
            "item_id": items["item_id"],
            "title": titles,
            "description": None,
            "category": items["category"].fillna(UNCATEGORISED),
            "brand": items["brand"],
            "price": UNKNOWN_PRICE,
            "attributes": attributes,
        }
    )
    return frame, issues


def _events(sequences: dict[str, list[str]]) -> pd.DataFrame:
    lengths = np.fromiter((len(items) for items in sequences.values()), dtype=np.int64)
    users = np.repeat(np.array(list(sequences), dtype=object), lengths)
    items = [item for seq in sequences.values() for item in seq]
    positions = np.concatenate([np.arange(n) for n in lengths])
    n = int(lengths.sum())
    return pd.DataFrame(
        {
            "event_id": [f"{u}-{p}" for u, p in zip(users, positions, strict=True)],
            "user_id": users,
            "item_id": items,
            "type": "purchase",
            "timestamp": SYNTHETIC_START + pd.to_timedelta(np.arange(n), unit="s"),
            "quantity": 1,
        }
    )


def amazon_beauty(folder: str | Path) -> AdapterResult:
    """Load ``folder`` (holding ``Beauty.txt`` and ``items.jsonl``; or either file in it)."""
    folder = Path(folder)
    folder = folder.parent if folder.is_file() else folder
    seq_path = resolve_file(folder, (SEQUENCES_FILE,), what="sequences")
    items_path = resolve_file(folder, (ITEMS_FILE,), what="item text")
    sequences = load_sequences(seq_path)
    items = load_item_text(items_path)

    known = set(items["item_id"])
    unknown: list[DataIssue] = []
    for user, seq in sequences.items():
        for item in seq:
            if item not in known and len(unknown) < MAX_ISSUES:
                unknown.append(
                    DataIssue(
                        str(seq_path),
                        None,
                        None,
                        item,
                        f"user {user}'s item is not in {items_path}",
                    )
                )
    if unknown:
        raise DataValidationError(unknown)

    products, issues = _products(items, items_path)
    events = _events(sequences)
    issues.append(
        DataIssue(
            str(seq_path),
            None,
            "timestamp",
            None,
            "no timestamps in the source; synthetic ones keep each user's order",
            action="flagged",
        )
    )
    shop = ShopData(
        products=conform(products, PRODUCTS),
        events=conform(events, EVENTS),
        users=conform(pd.DataFrame({"user_id": list(sequences)}), USERS),
    )
    info = {
        "source": str(folder),
        "users": len(shop.users),
        "items": len(shop.products),
        "interactions": len(shop.events),
        "items_without_interactions": len(known - set(events["item_id"])),
        "empty_titles_fixed": sum(1 for i in issues if i.column == "title"),
        "timestamps": f"synthetic: {SYNTHETIC_START.isoformat()} + n seconds in file order",
        "prices": "unknown (price 0.0, attributes.price_known false)",
    }
    return AdapterResult(shop=shop, issues=issues, info=info)
