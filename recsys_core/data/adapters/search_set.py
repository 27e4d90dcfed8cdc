"""Reader for product-search evaluation sets: products, queries and graded relevance labels.

The format of ``search/homedepot`` (and any set written the same way):

* products CSV: ``product_uid``, ``product_title`` (+ any other text columns, kept);
* queries CSV: ``query_id``, ``query`` (+ extra columns, kept);
* labels CSV: ``query_id``, ``product_uid``, ``gain`` (>= 0, linear in DCG) [+ ``relevance``].

Ids are read as strings. Titles and queries are cleaned like the adapters' text (HTML entities,
unicode, whitespace); typos are kept.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from recsys_core.data.adapters.conventions import clean_column
from recsys_core.data.adapters.source_files import (
    key_issues,
    read_csv_checked,
    require_file,
    row_issues,
    strip_ids,
)
from recsys_core.errors import DataValidationError

PRODUCT_COLUMNS = ("product_uid", "product_title")
QUERY_COLUMNS = ("query_id", "query")
LABEL_COLUMNS = ("query_id", "product_uid", "gain")


def load_search_set(
    products_csv: str | Path, queries_csv: str | Path, labels_csv: str | Path
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(products, queries, labels)`` frames, validated together.

    Raises DataValidationError naming file, row, column and value for: a missing file or
    column, an empty or duplicate id, empty text, a gain that is not a number >= 0, a label
    for an unknown query or product, a (query, product) pair graded twice.
    """
    paths = [
        require_file(p, what=what)
        for p, what in (
            (products_csv, "products"),
            (queries_csv, "queries"),
            (labels_csv, "labels"),
        )
    ]
    products_path, queries_path, labels_path = paths
    products = read_csv_checked(
        products_path,
        required=PRODUCT_COLUMNS,
        dtype={"product_uid": "string", "product_title": "string"},
    )
    queries = read_csv_checked(
        queries_path, required=QUERY_COLUMNS, dtype={"query_id": "string", "query": "string"}
    )
    labels = read_csv_checked(
        labels_path, required=LABEL_COLUMNS, dtype={"query_id": "string", "product_uid": "string"}
    )

    strip_ids(products, ("product_uid",))
    strip_ids(queries, ("query_id",))
    strip_ids(labels, ("query_id", "product_uid"))
    products["product_title"] = clean_column(products["product_title"])
    queries["query"] = clean_column(queries["query"])
    raw_gain = labels["gain"]
    gain = pd.to_numeric(raw_gain, errors="coerce").astype("float64")

    issues = key_issues(products_path, products, "product_uid", "product_title")
    issues += key_issues(queries_path, queries, "query_id", "query")
    issues += row_issues(
        labels_path,
        gain.isna() | ~np.isfinite(gain) | (gain < 0),
        column="gain",
        values=raw_gain,
        problem="gain must be a number >= 0",
    )
    issues += row_issues(
        labels_path,
        ~labels["query_id"].isin(queries["query_id"].dropna()),
        column="query_id",
        values=labels["query_id"],
        problem=f"query not in {queries_path.name}",
    )
    issues += row_issues(
        labels_path,
        ~labels["product_uid"].isin(products["product_uid"].dropna()),
        column="product_uid",
        values=labels["product_uid"],
        problem=f"product not in {products_path.name}",
    )
    pair = labels.duplicated(["query_id", "product_uid"])
    issues += row_issues(
        labels_path,
        pair,
        column="product_uid",
        values=labels["product_uid"],
        problem="this (query_id, product_uid) pair is graded twice",
    )
    if "relevance" in labels:
        relevance = pd.to_numeric(labels["relevance"], errors="coerce")
        issues += row_issues(
            labels_path,
            relevance.isna(),
            column="relevance",
            values=labels["relevance"],
            problem="relevance must be a number",
        )
        labels["relevance"] = relevance.astype("float64")
    if issues:
        raise DataValidationError(issues)
    labels["gain"] = gain
    return products, queries, labels
