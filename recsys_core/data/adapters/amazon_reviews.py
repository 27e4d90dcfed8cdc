"""Adapter: the public Amazon review format (one JSON object per line) -> the reviews table.

A line looks like ``{"reviewerID": "A2SUAM1J3GNN3B", "asin": "0000013714", "overall": 5.0,
"summary": "...", "reviewText": "...", "unixReviewTime": 1252800000, "reviewTime":
"09 13, 2009", "helpful": [2, 3]}`` (2014 dumps) or carries ``"vote": "2"`` and ``"verified":
true`` instead of ``helpful`` (2018 dumps). Fields map to the schema as:

* ``review_id`` = ``"{reviewerID}-{asin}-{unixReviewTime}"`` (stable across re-exports; a
  line without a reviewer gets ``"anon-"`` + a digest of the line);
* ``item_id`` = ``asin``, ``user_id`` = ``reviewerID``, ``rating`` = ``overall``,
  ``title`` = ``summary``, ``text`` = ``reviewText``;
* ``created_at`` = ``unixReviewTime`` (UTC), else ``reviewTime`` (``"MM DD, YYYY"``);
* ``verified`` = ``verified`` as 1/0; ``helpful_votes`` = ``helpful[0]``, else ``vote``.

``reviewerName`` and the other keys are not read (a name is personal data the shop does not
need). :func:`read_amazon_reviews` only reshapes: the values are checked by the same validation
as a ``reviews.csv`` (``shelfwise ingest`` reads ``reviews.jsonl`` through it), so a rating of 6
or an empty text gets the same error naming file, line and value. The 2014 files written as
Python literals (single quotes) are read too, with :func:`ast.literal_eval` (never ``eval``).
"""

from __future__ import annotations

import ast
import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd

from recsys_core.data.adapters.conventions import PRICE_KNOWN, UNKNOWN_PRICE, attributes_json
from recsys_core.data.adapters.result import AdapterResult
from recsys_core.data.adapters.source_files import MAX_ISSUES, require_file
from recsys_core.data.frames import conform
from recsys_core.data.schema import EVENTS, PRODUCTS, REVIEWS, USERS
from recsys_core.data.shop import ShopData
from recsys_core.data.validate import SOURCE_ROW, validate_table
from recsys_core.errors import DataIssue, DataValidationError

JSON_LINES_SUFFIXES = (".jsonl", ".json", ".jsonl.gz", ".json.gz")
UNCATEGORISED = "uncategorised"


def _open_text(path: Path) -> Any:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open("r", encoding="utf-8")


def _parse(line: str) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        return ast.literal_eval(line)  # 2014 dumps: Python literals; raises ValueError/SyntaxError


def _created_at(record: dict[str, Any]) -> object:
    stamp = record.get("unixReviewTime")
    if isinstance(stamp, (int, float)) and not isinstance(stamp, bool):
        try:
            return pd.Timestamp(int(stamp), unit="s", tz="UTC").isoformat()
        except (OverflowError, ValueError):
            return stamp  # validation reports it as unparseable
    if isinstance(stamp, str) and stamp.strip().isdigit():
        return pd.Timestamp(int(stamp.strip()), unit="s", tz="UTC").isoformat()
    written = record.get("reviewTime")
    if isinstance(written, str) and written.strip():
        parsed = pd.to_datetime(written.strip(), format="%m %d, %Y", errors="coerce", utc=True)
        return parsed.isoformat() if not pd.isna(parsed) else written
    return stamp


def _helpful(record: dict[str, Any]) -> object:
    helpful = record.get("helpful")
    if isinstance(helpful, (list, tuple)) and helpful:
        return helpful[0]
    vote = record.get("vote")
    return vote.replace(",", "") if isinstance(vote, str) else vote


def _verified(record: dict[str, Any]) -> object:
    value = record.get("verified")
    return int(value) if isinstance(value, bool) else value


def _row(record: dict[str, Any], line: str) -> dict[str, object]:
    reviewer, asin = record.get("reviewerID"), record.get("asin")
    stamp = record.get("unixReviewTime", record.get("reviewTime"))
    if reviewer in (None, ""):
        review_id = "anon-" + hashlib.sha1(line.encode("utf-8")).hexdigest()[:16]
    else:
        review_id = f"{reviewer}-{asin}-{stamp}"
    return {
        "review_id": review_id,
        "item_id": asin,
        "user_id": reviewer,
        "rating": record.get("overall"),
        "title": record.get("summary"),
        "text": record.get("reviewText"),
        "created_at": _created_at(record),
        "verified": _verified(record),
        "helpful_votes": _helpful(record),
    }


def read_amazon_reviews(path: str | Path) -> tuple[pd.DataFrame, list[DataIssue]]:
    """The reviews of one Amazon-format file as raw schema columns (not yet validated), with a
    ``SOURCE_ROW`` column holding each row's line number; and one issue per line that is not a
    JSON object (file, line and the start of the line; action "rejected" for the caller to set).

    Blank lines are skipped. Raises DataValidationError when the file cannot be read as UTF-8.
    """
    path = require_file(path, what="Amazon reviews")
    rows: list[dict[str, object]] = []
    issues: list[DataIssue] = []
    try:
        with _open_text(path) as handle:
            for lineno, line in enumerate(handle, start=1):
                text = line.strip()
                if not text:
                    continue
                try:
                    record = _parse(text)
                except (ValueError, SyntaxError, MemoryError, RecursionError) as exc:
                    if len(issues) < MAX_ISSUES:
                        problem = f"line {lineno}: not a JSON object ({exc.__class__.__name__})"
                        issues.append(DataIssue(path.name, lineno, None, text[:60], problem))
                    continue
                if not isinstance(record, dict):
                    if len(issues) < MAX_ISSUES:
                        problem = f"line {lineno}: not a JSON object"
                        issues.append(DataIssue(path.name, lineno, None, text[:60], problem))
                    continue
                rows.append({**_row(record, text), SOURCE_ROW: lineno})
    except (UnicodeDecodeError, OSError, EOFError) as exc:
        raise DataValidationError(
            [DataIssue(path.name, None, None, None, f"unreadable file: {exc.__class__.__name__}")]
        ) from exc
    columns = [*REVIEWS.column_names, SOURCE_ROW]
    frame = pd.DataFrame(rows, columns=columns).astype("object")
    return frame, issues


def amazon_reviews(path: str | Path) -> AdapterResult:
    """A shop built from one Amazon review file alone (e.g. ``reviews_Beauty_5.json``).

    reviews: every valid line; bad lines and invalid values are dropped and listed as issues.
    products: one per reviewed ``asin`` (title ``"Amazon item <asin>"``, no price: see
    ``conventions``). users: one per reviewer. events: one ``purchase`` per review by a known
    reviewer at the review time (a review stands for a purchase, as in ``amazon_beauty``).
    To load a shop's review export beside its own products and events, put it in the ingest
    folder as ``reviews.jsonl`` instead.
    """
    path = Path(path)
    raw, line_issues = read_amazon_reviews(path)
    result = validate_table(raw, REVIEWS, path.name, repair=True)
    issues = [
        DataIssue(i.file, i.row, i.column, i.value, i.problem, "dropped row") for i in line_issues
    ] + result.issues
    reviews = result.frame.drop(columns=[SOURCE_ROW])
    asins = sorted(reviews["item_id"].dropna().unique())
    products = pd.DataFrame(
        {
            "item_id": asins,
            "title": [f"Amazon item {a}" for a in asins],
            "category": UNCATEGORISED,
            "price": UNKNOWN_PRICE,
            "attributes": [attributes_json({"asin": a, PRICE_KNOWN: False}) for a in asins],
        }
    )
    by_user = reviews[reviews["user_id"].notna()]
    events = pd.DataFrame(
        {
            "event_id": "review-" + by_user["review_id"].astype(str),
            "user_id": by_user["user_id"],
            "item_id": by_user["item_id"],
            "type": "purchase",
            "timestamp": by_user["created_at"],
            "quantity": 1,
        }
    ).sort_values(["timestamp", "event_id"], kind="stable")
    shop = ShopData(
        products=conform(products, PRODUCTS),
        events=conform(events, EVENTS),
        users=conform(pd.DataFrame({"user_id": sorted(by_user["user_id"].unique())}), USERS),
        reviews=conform(reviews, REVIEWS),
    )
    info = {
        "source": str(path),
        "reviews": len(shop.reviews),
        "items": len(shop.products),
        "users": len(shop.users),
        "lines_dropped": len(line_issues),
        "rows_dropped": sum(1 for i in result.issues if i.action == "dropped row"),
        "events": "one purchase per review by a known reviewer, at the review time",
        "prices": "unknown (price 0.0, attributes.price_known false)",
    }
    return AdapterResult(shop=shop, issues=issues, info=info)


def remove_reviewer_lines(path: str | Path, user_id: str, *, dry_run: bool = False) -> int:
    """Drop the lines of ``user_id`` (``reviewerID``) from an Amazon-format file, rewriting it
    atomically; returns how many lines went (``dry_run``: would go). Other lines are kept
    byte for byte, unreadable ones included."""
    from recsys_core.workspace import atomic_path

    path = Path(path)
    kept: list[str] = []
    removed = 0
    with _open_text(path) as handle:
        for line in handle:
            try:
                record = _parse(line.strip()) if line.strip() else None
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                record = None
            if isinstance(record, dict) and str(record.get("reviewerID", "")).strip() == user_id:
                removed += 1
            else:
                kept.append(line)
    if removed and not dry_run:
        with atomic_path(path) as tmp:
            opener = gzip.open if path.name.lower().endswith(".gz") else open
            with opener(tmp, "wt", encoding="utf-8") as out:
                out.writelines(kept)
    return removed
