"""Adapter: UCI Online Retail (``online_retail.csv.gz``) -> the shop schema.

Rows are classified, in this order, and every excluded group is reported in ``issues``/``info``:

* non-product codes (``NON_PRODUCT_CODES``: postage, fees, manual entries, discounts, samples,
  bad debt, gift vouchers ``gift_0001_*``) -> excluded;
* cancellation lines (``InvoiceNo`` starting with "C", negative quantity) -> ``return`` events
  with a positive ``quantity``;
* sale lines (quantity > 0, price > 0) -> ``purchase`` events;
* anything else (zero price or a non-positive quantity outside a cancellation: stock
  adjustments, write-offs "damaged"/"check", free samples) -> excluded.

Events: ``event_id`` = ``"or-<row>"`` (1-based data row of the source file), ``session_id`` =
InvoiceNo, ``user_id`` = CustomerID without the ``.0`` (None when the line has none: kept as
anonymous), ``unit_price`` = UnitPrice (GBP). ``InvoiceDate`` is UK wall-clock time (the shop is
in the UK); it is localised to ``Europe/London`` and converted to UTC, so summer-time lines
move one hour earlier.

Products: one per StockCode with at least one purchase or return. Codes are upper-cased (the
source writes some variants in lower case, e.g. ``85123a`` for ``85123A``, same product).
title = the code's most frequent description on those lines; price = median positive
UnitPrice of its purchases (of its returns when never bought); category from title keywords
(``retail_categories``); ``created_at`` = first line seen; cost and stock unknown (None).
Users: every CustomerID (4,372), region = most frequent Country ("Unspecified" -> None).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from recsys_core.data.adapters.conventions import (
    PRICE_KNOWN,
    UNKNOWN_PRICE,
    attributes_json,
    clean_text,
)
from recsys_core.data.adapters.result import AdapterResult
from recsys_core.data.adapters.retail_categories import retail_category
from recsys_core.data.adapters.source_files import read_csv_checked, resolve_file, row_issues
from recsys_core.data.frames import conform
from recsys_core.data.schema import EVENTS, PRODUCTS, USERS
from recsys_core.data.shop import ShopData
from recsys_core.errors import DataIssue, DataValidationError

FILE_NAMES = ("online_retail.csv.gz", "online_retail.csv")
COLUMNS = (
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
)
TEXT_DTYPES = {
    c: "string"
    for c in ("InvoiceNo", "StockCode", "Description", "InvoiceDate", "CustomerID", "Country")
}
NON_PRODUCT_CODES = frozenset(
    {"POST", "DOT", "M", "C2", "D", "S", "B", "BANK CHARGES", "AMAZONFEE", "CRUK", "PADS"}
)
NON_PRODUCT_PREFIXES = ("GIFT_0001_",)  # gift vouchers, e.g. gift_0001_20
SOURCE_TIMEZONE = "Europe/London"
UNKNOWN_REGIONS = frozenset({"Unspecified"})


def _parse(raw: pd.DataFrame, path: Path) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(quantity, unit price, UTC timestamp); every unreadable cell raises, with its row."""
    quantity = pd.to_numeric(raw["Quantity"], errors="coerce")
    price = pd.to_numeric(raw["UnitPrice"], errors="coerce")
    stamp = pd.to_datetime(raw["InvoiceDate"], format="%Y-%m-%d %H:%M:%S", errors="coerce")
    if stamp.isna().any():  # other spellings (e.g. the UCI "12/1/2010 8:26") cell by cell
        retry = stamp.isna() & raw["InvoiceDate"].notna()
        stamp[retry] = pd.to_datetime(
            raw.loc[retry, "InvoiceDate"], format="mixed", errors="coerce"
        )
    checks = (
        ("InvoiceNo", raw["InvoiceNo"].isna(), "empty invoice number"),
        ("StockCode", raw["StockCode"].isna(), "empty stock code"),
        ("Quantity", quantity.isna() | (quantity % 1 != 0), "not a whole number"),
        ("UnitPrice", price.isna() | ~np.isfinite(price), "not a number"),
        ("InvoiceDate", stamp.isna(), "unparseable date/time (expected YYYY-MM-DD HH:MM:SS)"),
    )
    issues = [
        issue
        for column, mask, problem in checks
        for issue in row_issues(path, mask, column=column, values=raw[column], problem=problem)
    ]
    if issues:
        raise DataValidationError(issues)
    local = stamp.dt.tz_localize(
        SOURCE_TIMEZONE, ambiguous=np.zeros(len(stamp), dtype=bool), nonexistent="shift_forward"
    )
    return quantity.astype("int64"), price.astype("float64"), local.dt.tz_convert("UTC")


def _first_by_count(frame: pd.DataFrame, key: str, value: str) -> pd.Series:
    """Per ``key``, the most frequent ``value`` (ties: the one seen first)."""
    sub = frame[[key, value]].dropna()
    sub = sub.assign(_order=np.arange(len(sub)))
    stats = (
        sub.groupby([key, value], sort=False, observed=True)["_order"]
        .agg(["size", "min"])
        .reset_index()
    )
    stats = stats.sort_values([key, "size", "min"], ascending=[True, False, True], kind="stable")
    return stats.drop_duplicates(key).set_index(key)[value]


def _products(lines: pd.DataFrame) -> pd.DataFrame:
    titles = _first_by_count(lines, "code", "title")
    bought = lines[lines["type"] == "purchase"].groupby("code")["unit_price"].median()
    returned = lines[lines["type"] == "return"].groupby("code")["unit_price"].median()
    first_seen = lines.groupby("code")["timestamp"].min()
    codes = first_seen.index
    price = bought.reindex(codes).fillna(returned.reindex(codes))
    title = titles.reindex(codes)
    title = title.where(title.notna(), pd.Series(codes, index=codes))
    known = price.notna()
    return pd.DataFrame(
        {
            "item_id": codes,
            "title": title.to_numpy(),
            "category": retail_category(title).to_numpy(),
            "price": price.fillna(UNKNOWN_PRICE).to_numpy(),
            "attributes": [attributes_json({PRICE_KNOWN: bool(k)}) for k in known],
            "created_at": first_seen.to_numpy(),
        }
    )


def _users(raw: pd.DataFrame, customer: pd.Series) -> pd.DataFrame:
    country = raw["Country"].where(~raw["Country"].isin(UNKNOWN_REGIONS))
    frame = pd.DataFrame({"user_id": customer, "region": country})
    region = _first_by_count(frame, "user_id", "region")
    ids = pd.Series(customer.dropna().unique())
    return pd.DataFrame({"user_id": ids, "region": region.reindex(ids).to_numpy()})


def _exclusion_issues(
    path: Path, raw: pd.DataFrame, code: pd.Series, non_product: pd.Series, other: pd.Series
) -> list[DataIssue]:
    issues: list[DataIssue] = []
    rows = pd.Series(np.arange(1, len(raw) + 1), index=raw.index)
    for value, group in rows[non_product].groupby(code[non_product], sort=True):
        label = raw["Description"][group.index].dropna()
        what = f" ({label.iloc[0]})" if len(label) else ""
        issues.append(
            DataIssue(
                str(path),
                int(group.iloc[0]),
                "StockCode",
                str(value),
                f"non-product code{what}: {len(group)} line(s) excluded, first at this row",
                action="dropped rows",
            )
        )
    if other.any():
        first = int(rows[other].iloc[0])
        issues.append(
            DataIssue(
                str(path),
                first,
                "Quantity",
                None,
                f"{int(other.sum())} line(s) neither a sale nor a cancellation (zero price or quantity <= 0: stock adjustments, write-offs, free samples) excluded, first at this row",
                action="dropped rows",
            )
        )
    return issues


def online_retail(path: str | Path) -> AdapterResult:
    """Load the Online Retail CSV (the file, or a folder holding ``online_retail.csv.gz``)."""
    file = resolve_file(path, FILE_NAMES, what="Online Retail CSV")
    raw = read_csv_checked(file, required=COLUMNS, dtype=TEXT_DTYPES)
    quantity, price, stamp = _parse(raw, file)
    code = raw["StockCode"].str.strip().str.upper()
    invoice = raw["InvoiceNo"].str.strip()
    cancelled = invoice.str.upper().str.startswith("C")
    non_product = code.isin(NON_PRODUCT_CODES) | code.str.startswith(NON_PRODUCT_PREFIXES)
    purchase = ~non_product & ~cancelled & (quantity > 0) & (price > 0)
    returned = ~non_product & cancelled & (quantity < 0) & (price >= 0)
    other = ~non_product & ~purchase & ~returned
    customer = raw["CustomerID"].str.strip().str.replace(r"\.0$", "", regex=True).replace("", pd.NA)

    kept = purchase | returned
    lines = pd.DataFrame(
        {
            "event_id": "or-" + pd.Series(np.arange(1, len(raw) + 1), index=raw.index).astype(str),
            "session_id": invoice,
            "user_id": customer,
            "item_id": code,
            "code": code,
            "type": np.where(purchase, "purchase", "return"),
            "timestamp": stamp,
            "quantity": quantity.abs(),
            "unit_price": price,
        }
    )[kept].reset_index(drop=True)
    descriptions = raw["Description"][kept].reset_index(drop=True)
    unique = descriptions.dropna().unique()
    lines["title"] = descriptions.map(dict(zip(unique, map(clean_text, unique), strict=True)))

    shop = ShopData(
        products=conform(_products(lines), PRODUCTS),
        events=conform(lines.drop(columns=["code", "title"]), EVENTS),
        users=conform(_users(raw, customer), USERS),
    )
    excluded_codes = code[non_product].value_counts().sort_index()
    info = {
        "source": str(file),
        "rows": len(raw),
        "purchases": int(purchase.sum()),
        "returns": int(returned.sum()),
        "anonymous_events": int(lines["user_id"].isna().sum()),
        "excluded_non_product_rows": int(non_product.sum()),
        "excluded_non_product_codes": {str(k): int(v) for k, v in excluded_codes.items()},
        "excluded_other_rows": int(other.sum()),
        "source_codes": int(raw["StockCode"].str.strip().nunique()),
        "codes_merged_by_case": int(raw["StockCode"].str.strip().nunique() - code.nunique()),
        "codes_without_sales": int(
            code.nunique() - code[non_product].nunique() - len(shop.products)
        ),
        "products": len(shop.products),
        "products_price_unknown": int(
            (~shop.products["attributes"].str.contains('"price_known": true')).sum()
        ),
        "users": len(shop.users),
        "source_timezone": SOURCE_TIMEZONE,
    }
    return AdapterResult(
        shop=shop, issues=_exclusion_issues(file, raw, code, non_product, other), info=info
    )
