"""Adapter: Home Depot search relevance (``products.csv``) -> the shop schema.

Only the catalogue maps onto a shop: item_id = ``product_uid``, title = ``product_title``,
category ``"home improvement"`` (the source has none finer), no brand or description. No
prices: ``price = 0.0`` with ``attributes.price_known = false`` (see ``conventions``). There are
no users or behaviour events; the graded queries are an evaluation set, read with
``load_search_set``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from recsys_core.data.adapters.conventions import (
    PRICE_KNOWN,
    UNKNOWN_PRICE,
    attributes_json,
    clean_column,
)
from recsys_core.data.adapters.result import AdapterResult
from recsys_core.data.adapters.search_set import PRODUCT_COLUMNS
from recsys_core.data.adapters.source_files import (
    key_issues,
    read_csv_checked,
    resolve_file,
    strip_ids,
)
from recsys_core.data.frames import conform
from recsys_core.data.schema import EVENTS, PRODUCTS
from recsys_core.data.shop import ShopData, empty_frame
from recsys_core.errors import DataValidationError

PRODUCTS_FILE = "products.csv"
QUERIES_FILE = "dev_queries.csv"
LABELS_FILE = "dev_labels.csv"
CATEGORY = "home improvement"


def homedepot(folder: str | Path) -> AdapterResult:
    """Load the product catalogue of ``folder`` (or of the ``products.csv`` given) into a ShopData."""
    path = resolve_file(folder, (PRODUCTS_FILE,), what="products")
    raw = read_csv_checked(
        path, required=PRODUCT_COLUMNS, dtype={"product_uid": "string", "product_title": "string"}
    )
    strip_ids(raw, ("product_uid",))
    raw["product_title"] = clean_column(raw["product_title"])
    issues = key_issues(path, raw, "product_uid", "product_title")
    if issues:
        raise DataValidationError(issues)
    products = pd.DataFrame(
        {
            "item_id": raw["product_uid"],
            "title": raw["product_title"],
            "category": CATEGORY,
            "price": UNKNOWN_PRICE,
            "attributes": attributes_json({PRICE_KNOWN: False}),
        }
    )
    shop = ShopData(products=conform(products, PRODUCTS), events=empty_frame(EVENTS))
    info = {
        "source": str(path),
        "products": len(shop.products),
        "prices": "unknown (price 0.0, attributes.price_known false)",
        "evaluation_set": f"load_search_set({PRODUCTS_FILE}, {QUERIES_FILE}, {LABELS_FILE})",
    }
    return AdapterResult(shop=shop, issues=[], info=info)
