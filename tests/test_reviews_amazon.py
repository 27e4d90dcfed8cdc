"""Amazon review format (one JSON object per line): loads unchanged through ingest as
``reviews.jsonl`` and as a shop of its own through the ``amazon_reviews`` adapter."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from recsys_core.data import DataValidationError, ingest, load_store
from recsys_core.data.adapters import load_adapter, read_amazon_reviews
from recsys_core.data.ingest import remove_user_rows
from tests.conftest import tiny_tables, write_tables

GOOD = [
    {"reviewerID": "U1", "asin": "P1", "reviewerName": "Jo Bloggs", "helpful": [2, 3],
     "reviewText": "Warm and dry all winter.", "overall": 5.0, "summary": "Great boots",
     "unixReviewTime": 1769904000, "reviewTime": "02 1, 2026"},
    {"reviewerID": "U2", "asin": "P2", "overall": 2.0, "summary": "Leaks",
     "reviewText": "The seams leaked in the first storm.", "unixReviewTime": 1769990400,
     "verified": False, "vote": "1,204"},
]
BAD = [
    '{"reviewerID": "U1", "asin": "P3", "overall": 4.0, "reviewText": "cut off',  # line 3: not JSON
    {"reviewerID": "U3", "asin": "P3", "overall": 6.0, "summary": "!", "reviewText": "Hot coffee.",
     "unixReviewTime": 1770076800},  # line 4: rating 6
    {"reviewerID": "U3", "asin": "P4", "overall": 4.0, "summary": "Lamp", "reviewText": "",
     "unixReviewTime": 1770076800},  # line 5: empty text
    {"reviewerID": "U2", "asin": "B000UNKNOWN", "overall": 3.0, "reviewText": "Fine.",
     "unixReviewTime": 1770076800},  # line 6: asin not in products
]
LITERAL = "{'reviewerID': 'U3', 'asin': 'P4', 'overall': 4.0, 'reviewText': 'Bright.', 'reviewTime': '02 05, 2026'}"


def write_lines(path: Path, records: list[object]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    return path


def test_reader_reshapes_each_line(tmp_path: Path) -> None:
    frame, issues = read_amazon_reviews(write_lines(tmp_path / "r.jsonl", [*GOOD, "", LITERAL]))
    assert issues == []
    assert frame["review_id"].tolist() == ["U1-P1-1769904000", "U2-P2-1769990400", "U3-P4-02 05, 2026"]
    first = frame.iloc[0]
    assert (first["item_id"], first["user_id"], first["rating"], first["title"]) == ("P1", "U1", 5.0, "Great boots")
    assert first["created_at"] == "2026-02-01T00:00:00+00:00" and first["helpful_votes"] == 2
    assert frame.iloc[1]["verified"] == 0 and frame.iloc[1]["helpful_votes"] == "1204"
    assert frame.iloc[2]["created_at"].startswith("2026-02-05")
    assert frame["_source_row"].tolist() == [1, 2, 4]  # the blank line 3 is skipped
    assert "reviewerName" not in frame.columns and "Jo Bloggs" not in frame.to_string()


def test_clean_export_loads_unchanged_through_ingest(tmp_path: Path) -> None:
    folder = write_tables(tmp_path / "input", tiny_tables())
    write_lines(folder / "reviews.jsonl.gz", [*GOOD, LITERAL])
    ingest(folder, tmp_path / "ws")
    stored = load_store(tmp_path / "ws").reviews.set_index("review_id")
    assert len(stored) == 3
    assert stored.loc["U1-P1-1769904000", "created_at"] == pd.Timestamp("2026-02-01", tz="UTC")
    assert stored.loc["U2-P2-1769990400", "helpful_votes"] == 1204
    assert stored.loc["U2-P2-1769990400", "rating"] == 2


def test_bad_lines_are_named_by_file_line_and_value(tmp_path: Path) -> None:
    folder = write_tables(tmp_path / "input", tiny_tables())
    write_lines(folder / "reviews.jsonl", [*GOOD, *BAD])
    with pytest.raises(DataValidationError) as exc:
        ingest(folder, tmp_path / "ws")
    found = {(i.row, i.column, i.value): i.problem for i in exc.value.issues}
    # as for events, references to other tables are checked once the rows themselves are valid
    assert set(found) == {(3, None, BAD[0][:60]), (4, "rating", "6"), (5, "text", None)}
    assert "not a JSON object" in found[(3, None, BAD[0][:60])]
    assert "1 to 5" in found[(4, "rating", "6")]
    assert all(i.file == "reviews.jsonl" for i in exc.value.issues)

    result = ingest(folder, tmp_path / "ws", repair=True)
    assert sorted(load_store(tmp_path / "ws").reviews["review_id"]) == ["U1-P1-1769904000", "U2-P2-1769990400"]
    dropped = {i.row: i for i in result.issues if i.action == "dropped row"}
    assert sorted(dropped) == [3, 4, 5, 6]
    assert (dropped[6].column, dropped[6].value) == ("item_id", "B000UNKNOWN")
    assert "unknown item_id" in dropped[6].problem

    write_lines(folder / "reviews.jsonl", [*GOOD, BAD[3]])
    with pytest.raises(DataValidationError, match=r"row 3, column 'item_id', value 'B000UNKNOWN'"):
        ingest(folder, tmp_path / "ws")


def test_json_lines_are_for_reviews_only_and_other_json_is_ignored(tmp_path: Path) -> None:
    folder = write_tables(tmp_path / "input", tiny_tables())
    (folder / "ground_truth.json").write_text("{}")
    ingest(folder, tmp_path / "ws")  # the demo's truth file is not a table
    write_lines(folder / "trends.jsonl", [{"a": 1}])
    with pytest.raises(DataValidationError, match="reviews table only"):
        ingest(folder, tmp_path / "ws2")


def test_adapter_builds_a_shop_from_the_file_alone(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "reviews_Beauty_5.json", [*GOOD, *BAD, LITERAL])
    result = load_adapter("amazon_reviews", path)
    shop = result.shop
    assert sorted(shop.reviews["review_id"]) == [
        "U1-P1-1769904000", "U2-B000UNKNOWN-1770076800", "U2-P2-1769990400", "U3-P4-02 05, 2026",
    ]
    assert sorted(shop.products["item_id"]) == ["B000UNKNOWN", "P1", "P2", "P4"]
    assert shop.products["attributes"].str.contains('"price_known": false').all()
    assert sorted(shop.users["user_id"]) == ["U1", "U2", "U3"]
    assert len(shop.events) == 4 and set(shop.events["type"]) == {"purchase"}
    assert sorted(i.row for i in result.issues) == [3, 4, 5]
    assert result.info["lines_dropped"] == 1 and result.info["rows_dropped"] == 2


def test_forgetting_a_reviewer_rewrites_the_source_lines(tmp_path: Path) -> None:
    folder = write_tables(tmp_path / "input", tiny_tables())
    path = write_lines(folder / "reviews.jsonl", [*GOOD, LITERAL])
    before = path.read_text()
    assert remove_user_rows(folder, "U2", dry_run=True) == 1 + 3  # a review + events/user rows
    assert path.read_text() == before
    removed = remove_user_rows(folder, "U2")
    assert removed == 4
    lines = path.read_text().splitlines()
    assert len(lines) == 2 and all('"U2"' not in line for line in lines)
    assert lines[1] == LITERAL  # the other lines are kept as written
