"""Reader for item-text files: JSON Lines with ``item_id``, ``title``, ``brand``, ``categories``.

The format of Amazon Beauty's ``items.jsonl``. ``categories`` is one category path (a list of
names, top level first) or several paths (a list of such lists; the first is the item's
``category``). Other keys (``asin``, ``attribute_ids``...) are kept in an ``extra`` dict column.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from recsys_core.data.adapters.conventions import category_path, clean_text
from recsys_core.data.adapters.source_files import MAX_ISSUES, require_file
from recsys_core.errors import DataIssue, DataValidationError

REQUIRED_KEYS = ("item_id", "title")
KNOWN_KEYS = ("item_id", "title", "brand", "categories")
ITEM_TEXT_COLUMNS = ("item_id", "title", "brand", "category", "categories", "extra")


def _category_paths(value: Any) -> list[list[str]] | None:
    """Normalise ``categories`` to a list of paths, or None when it has the wrong shape."""
    if value is None:
        return []
    if not isinstance(value, list):
        return None
    if all(isinstance(v, str) for v in value):
        return [value] if value else []
    if all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in value):
        return [v for v in value if v]
    return None


def _parse_line(record: Any) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """(row, None, None) for a good record, else (None, offending value, problem)."""
    if not isinstance(record, dict):
        return None, type(record).__name__, "expected a JSON object"
    missing = [k for k in REQUIRED_KEYS if k not in record]
    if missing:
        return None, None, f"missing key(s) {', '.join(missing)}"
    item_id = record["item_id"]
    if (
        isinstance(item_id, bool)
        or not isinstance(item_id, (int, str))
        or str(item_id).strip() == ""
    ):
        return None, repr(item_id), "item_id must be a non-empty string or an integer"
    for key in ("title", "brand"):
        if record.get(key) is not None and not isinstance(record[key], str):
            return None, repr(record[key]), f"{key} must be a string or null"
    paths = _category_paths(record.get("categories"))
    if paths is None:
        shown = json.dumps(record.get("categories"))[:60]
        return None, shown, "categories must be a list of names or a list of such lists"
    row = {
        "item_id": str(item_id).strip(),
        "title": clean_text(record["title"]),
        "brand": clean_text(record.get("brand")),
        "category": category_path(paths[0]) if paths else None,
        "categories": paths[0] if paths else [],
        "extra": {k: v for k, v in record.items() if k not in KNOWN_KEYS},
    }
    return row, None, None


def load_item_text(items_jsonl: str | Path) -> pd.DataFrame:
    """One row per item: item_id, title, brand, category, categories, extra.

    ``category`` is the (first) path standardised (``"makeup > nails"``), ``categories`` the
    same path as written (``["Makeup", "Nails"]``), ``extra`` a dict of the other keys.

    Text is cleaned (HTML entities, unicode, whitespace); empty titles and brands are <NA>.
    Raises DataValidationError naming file, line and value for every malformed line: not JSON,
    not an object, a missing key, a wrong type, a repeated item_id; and for an empty file.
    """
    path = require_file(items_jsonl, what="item text")
    rows: list[dict[str, Any]] = []
    first_line: dict[str, int] = {}
    issues: list[DataIssue] = []

    def report(lineno: int, value: str | None, problem: str) -> None:
        issues.append(DataIssue(str(path), lineno, None, value, f"line {lineno}: {problem}"))

    with path.open("rb") as handle:
        for lineno, raw in enumerate(handle, start=1):
            if len(issues) >= MAX_ISSUES:
                break
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                report(lineno, raw.decode("utf-8", "replace").strip()[:60], f"not JSON ({exc})")
                continue
            row, value, problem = _parse_line(record)
            if row is None:
                report(lineno, value, problem or "malformed")
                continue
            if row["item_id"] in first_line:
                where = first_line[row["item_id"]]
                report(lineno, row["item_id"], f"item_id already listed on line {where}")
                continue
            first_line[row["item_id"]] = lineno
            rows.append(row)
    if issues:
        raise DataValidationError(issues)
    if not rows:
        raise DataValidationError([DataIssue(str(path), None, None, None, "no items in the file")])
    frame = pd.DataFrame(rows, columns=list(ITEM_TEXT_COLUMNS))
    for column in ("item_id", "title", "brand", "category"):
        frame[column] = frame[column].astype("string")
    return frame
