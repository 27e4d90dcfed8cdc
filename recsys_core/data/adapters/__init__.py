"""Adapters that load the real public data sets (../shared/data) into the shop schema.

``load_adapter("online_retail", path).shop`` is a ShopData; ``.issues`` lists what was excluded
or fixed (DataIssue, ready for the quality report) and ``.info`` the counts. The readers
``load_sequences``, ``load_item_text`` and ``load_search_set`` serve the benchmarks and the
evaluation commands on any file in the same formats; ``read_amazon_reviews`` reads the
Amazon review format, which ``shelfwise ingest`` accepts as ``reviews.jsonl``.
"""

from recsys_core.data.adapters.amazon_beauty import amazon_beauty
from recsys_core.data.adapters.amazon_reviews import amazon_reviews, read_amazon_reviews
from recsys_core.data.adapters.conventions import PRICE_KNOWN, UNKNOWN_PRICE
from recsys_core.data.adapters.homedepot import homedepot
from recsys_core.data.adapters.item_text import load_item_text
from recsys_core.data.adapters.online_retail import NON_PRODUCT_CODES, online_retail
from recsys_core.data.adapters.registry import ADAPTERS, Adapter, load_adapter
from recsys_core.data.adapters.result import AdapterResult
from recsys_core.data.adapters.search_set import load_search_set
from recsys_core.data.adapters.sequences import load_sequences

__all__ = [
    "ADAPTERS",
    "NON_PRODUCT_CODES",
    "PRICE_KNOWN",
    "UNKNOWN_PRICE",
    "Adapter",
    "AdapterResult",
    "amazon_beauty",
    "amazon_reviews",
    "homedepot",
    "load_adapter",
    "load_item_text",
    "load_search_set",
    "load_sequences",
    "online_retail",
    "read_amazon_reviews",
]
