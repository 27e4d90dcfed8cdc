"""The reviews table: validation names file, row, column and value; ingest stores it atomically
with personal data redacted; forget-user removes a customer's reviews."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from recsys_core.data import DataValidationError, ingest, load_quality_report, load_store
from recsys_core.data.schema import TABLES, schema_markdown
from recsys_core.data.shop import ShopData
from recsys_core.data.store import erase_user, find_user, save_store
from recsys_core.data.summary import format_summary, shop_summary
from recsys_core.privacy import review_texts_for_index
from tests.conftest import tiny_tables, write_tables

COLUMNS = [
    "review_id", "item_id", "user_id", "rating", "title", "text", "created_at", "verified",
    "helpful_votes",
]


def reviews(*rows: tuple[object, ...]) -> pd.DataFrame:
    good = [
        ("R1", "P1", "U1", "5", "Great boots", "Warm and dry all winter.", "2026-02-01", "1", "3"),
        ("R2", "P2", "U2", "2", "", "The seams leaked in the first storm.", "2026-02-02T10:00:00+02:00",
         "false", ""),
        ("R3", "P3", "", "4", "Nice mug", "Keeps coffee hot.", "2026-02-03", "", "0"),
    ]
    return pd.DataFrame([*good, *rows], columns=COLUMNS).astype(str)


def shop_dir(tmp_path: Path, frame: pd.DataFrame, name: str = "reviews.csv") -> Path:
    folder = write_tables(tmp_path / "input", tiny_tables())
    frame.to_csv(folder / name, index=False)
    return folder


def issue_text(exc: pytest.ExceptionInfo[DataValidationError]) -> list[str]:
    return [i.describe() for i in exc.value.issues]


def test_schema_table_and_empty_default() -> None:
    assert TABLES["reviews"].column_names == COLUMNS
    assert TABLES["reviews"].key == "review_id"
    assert TABLES["reviews"].aliases == ("reviews", "product_reviews")
    shop = ShopData(products=pd.DataFrame(), events=pd.DataFrame())
    assert list(shop.reviews.columns) == COLUMNS and shop.reviews.empty
    assert "### reviews (optional; file stem `reviews`, `product_reviews`; key `review_id`)" in schema_markdown()


def test_readme_has_the_reviews_section() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert schema_markdown().strip() in readme


def test_valid_reviews_round_trip_through_ingest_and_store(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    result = ingest(shop_dir(tmp_path, reviews(), name="product_reviews.csv"), ws)
    stored = load_store(ws).reviews
    assert result.report["counts"]["reviews"] == 3
    assert list(stored.columns) == COLUMNS
    assert stored["review_id"].tolist() == ["R1", "R2", "R3"]
    r = stored.set_index("review_id")
    assert r.loc["R2", "created_at"] == pd.Timestamp("2026-02-02 08:00", tz="UTC")
    assert r.loc["R2", "verified"] == 0 and r.loc["R1", "verified"] == 1
    assert pd.isna(r.loc["R3", "user_id"]) and pd.isna(r.loc["R2", "title"])
    assert str(stored["rating"].dtype) == "Int64" and r.loc["R1", "helpful_votes"] == 3
    summary = shop_summary(ws)
    assert summary["counts"]["reviews"] == 3 and summary["average_rating"] == pytest.approx(11 / 3, abs=0.01)
    assert "reviews 3" in format_summary(summary)


@pytest.mark.parametrize(
    ("row", "column", "value", "problem"),
    [
        (("R4", "P9", "U1", "4", "", "Nice", "2026-02-04", "", ""), "item_id", "P9", "unknown item_id"),
        (("R4", "P1", "U9", "4", "", "Nice", "2026-02-04", "", ""), "user_id", "U9", "unknown user_id"),
        (("R4", "P1", "U1", "6", "", "Nice", "2026-02-04", "", ""), "rating", "6", "1 to 5"),
        (("R4", "P1", "U1", "0", "", "Nice", "2026-02-04", "", ""), "rating", "0", "1 to 5"),
        (("R4", "P1", "U1", "4.5", "", "Nice", "2026-02-04", "", ""), "rating", "4.5", "1 to 5"),
        (("R4", "P1", "U1", "four", "", "Nice", "2026-02-04", "", ""), "rating", "four", "1 to 5"),
        (("R4", "P1", "U1", "4", "", "   ", "2026-02-04", "", ""), "text", None, "empty value"),
        (("R1", "P1", "U1", "4", "", "Again", "2026-02-04", "", ""), "review_id", "R1", "duplicate id"),
        (("R4", "P1", "U1", "4", "", "Nice", "yesterday", "", ""), "created_at", "yesterday", "date"),
        (("R4", "P1", "U1", "4", "", "Nice", "2026-02-04", "maybe", ""), "verified", "maybe", "1 or 0"),
        (("R4", "P1", "U1", "4", "", "Nice", "2026-02-04", "", "-2"), "helpful_votes", "-2", "negative"),
    ],
)
def test_bad_rows_are_named_and_rejected_or_dropped(
    tmp_path: Path, row: tuple[object, ...], column: str, value: str | None, problem: str
) -> None:
    folder = shop_dir(tmp_path, reviews(row))
    ws = tmp_path / "ws"
    with pytest.raises(DataValidationError) as exc:
        ingest(folder, ws)
    [issue] = [i for i in exc.value.issues if i.file == "reviews.csv"]
    assert (issue.row, issue.column, issue.value) == (4, column, value)
    assert problem in issue.problem and issue.action == "rejected"
    assert not (ws / "store" / "CURRENT").exists()  # nothing stored on a rejected ingest

    result = ingest(folder, ws, repair=True)
    assert load_store(ws).reviews["review_id"].tolist() == ["R1", "R2", "R3"]
    dropped = [i for i in result.issues if i.file == "reviews.csv" and i.row == 4]
    assert [i.action for i in dropped] == ["dropped row"]


def test_reviewers_join_the_derived_users_without_a_users_table(tmp_path: Path) -> None:
    folder = shop_dir(tmp_path, reviews(("R4", "P1", "U7", "3", "", "Fine", "2026-02-04", "", "")))
    (folder / "users.csv").unlink()
    result = ingest(folder, tmp_path / "ws")
    assert "U7" in set(result.shop.users["user_id"])
    assert any("derived from events and reviews" in i.problem for i in result.issues)


def test_personal_data_is_redacted_at_ingest_and_reported_without_the_value(tmp_path: Path) -> None:
    row = ("R4", "P1", "U1", "1", "Mail jo@example.com", "Broke. Call me on 555-123-4567 or jo@example.com.",
           "2026-02-04", "1", "")
    result = ingest(shop_dir(tmp_path, reviews(row)), tmp_path / "ws")
    stored = load_store(tmp_path / "ws").reviews.set_index("review_id")
    assert stored.loc["R4", "text"] == "Broke. Call me on [PHONE] or [EMAIL]."
    assert stored.loc["R4", "title"] == "Mail [EMAIL]"
    assert stored.loc["R2", "text"] == "The seams leaked in the first storm."  # untouched
    redacted = [i for i in result.issues if i.action == "redacted"]
    assert {(i.row, i.column) for i in redacted} == {(4, "title"), (4, "text")}
    assert all(i.value is None for i in redacted)
    assert "555-123-4567" not in str(load_quality_report(tmp_path / "ws"))
    assert review_texts_for_index(stored.reset_index()) [3] == "Mail [EMAIL]. Broke. Call me on [PHONE] or [EMAIL]."


def test_review_texts_for_index_redacts_frames_that_skipped_ingest() -> None:
    frame = pd.DataFrame({"title": [None, "Wow!"], "text": ["Write to a@b.co", "Loud."]})
    assert review_texts_for_index(frame) == ["Write to [EMAIL]", "Wow! Loud."]


def test_store_without_a_reviews_file_reads_them_as_empty(tmp_path: Path) -> None:
    """A version written before the reviews table existed still loads."""
    ws = tmp_path / "ws"
    ingest(write_tables(tmp_path / "input", tiny_tables()), ws)
    version = next((ws / "store" / "versions").iterdir())
    import json

    manifest = json.loads((version / "manifest.json").read_text())
    manifest["checksums"].pop("reviews.parquet")
    (version / "manifest.json").write_text(json.dumps(manifest))
    (version / "reviews.parquet").unlink()
    assert load_store(ws).reviews.empty


def test_erase_user_removes_their_reviews_from_the_store(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ingest(shop_dir(tmp_path, reviews(("R4", "P3", "U1", "4", "", "Again", "2026-02-04", "", ""))), ws)
    assert find_user(ws, "U1").reviews == 2
    removed = erase_user(ws, "U1")
    assert removed.reviews == 2 and removed.events > 0
    left = load_store(ws).reviews
    assert left["review_id"].tolist() == ["R2", "R3"]
    assert find_user(ws, "U1").total == 0


def test_erase_user_with_only_reviews_still_writes_a_new_version(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shop = ingest(shop_dir(tmp_path, reviews()), ws).shop
    only = ShopData(products=shop.products, events=shop.events.iloc[0:0], users=shop.users.iloc[0:0],
                    reviews=shop.reviews)
    save_store(ws, only, {})
    assert erase_user(ws, "U2").reviews == 1
    assert "U2" not in set(load_store(ws).reviews["user_id"].dropna())
