"""Ingest: a valid shop is stored and standardised; every kind of bad input is named and rejected."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from recsys_core.data import DataValidationError, ingest, load_quality_report, load_store
from recsys_core.data.store import current_version
from tests.conftest import tiny_tables, write_tables


def test_valid_shop_is_stored_and_standardised(tiny_shop_dir: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    result = ingest(tiny_shop_dir, ws)
    shop = load_store(ws)
    assert shop.counts() == {
        "products": 4,
        "users": 3,
        "events": 8,
        "knowledge_base": 1,
        "trends": 1,
        "reviews": 0,
    }
    assert list(shop.products["category"]) == [
        "outdoor > footwear",
        "outdoor > clothing",
        "outdoor > kitchen",
        "outdoor > lighting",
    ]
    assert shop.products.set_index("item_id").loc["P1", "title"] == "Trail Boot"
    assert shop.products.set_index("item_id").loc["P4", "title"] == "Head Lamp"  # NBSP normalised
    assert str(shop.events["timestamp"].dtype) == "datetime64[ns, UTC]"
    ev = shop.events.set_index("event_id")
    assert ev.loc["E6", "timestamp"] == pd.Timestamp(
        "2026-02-03 10:00:00", tz="UTC"
    )  # +02:00 -> UTC
    assert ev.loc["E6", "surface"] == "category_page"
    assert pd.isna(ev.loc["E1", "item_id"])
    assert result.report["counts"]["events"] == 8
    assert shop.trends["note_id"].tolist() == ["note-00001"]


@pytest.mark.parametrize(
    ("table", "mutate", "expected"),
    [
        (
            "products",
            lambda f: f.drop(columns=["price"]),
            ["products.csv", "price", "required column is missing"],
        ),
        (
            "products",
            lambda f: f.rename(columns={"price": "prcie"}),
            ["products.csv", "prcie", "did you mean 'price'"],
        ),
        (
            "products",
            lambda f: f.assign(price=["120", "abc", "1", "2"]),
            ["products.csv", "row 2", "price", "'abc'", "cannot read as float"],
        ),
        (
            "products",
            lambda f: f.assign(item_id=["P1", "P2", "P2", "P4"]),
            ["products.csv", "row 3", "item_id", "'P2'", "duplicate id (first seen at row 2)"],
        ),
        (
            "products",
            lambda f: f.assign(price=["120", "-5", "1", "2"]),
            ["products.csv", "row 2", "price", "negative value"],
        ),
        (
            "events",
            lambda f: f.assign(quantity=["", "", "-1", "", "2", "", "1", "3"]),
            ["events.csv", "row 3", "quantity", "negative value"],
        ),
        (
            "events",
            lambda f: f.assign(timestamp=["yesterday-ish"] + list(f["timestamp"][1:])),
            ["events.csv", "row 1", "timestamp", "'yesterday-ish'", "unparseable date/time"],
        ),
        (
            "events",
            lambda f: f.assign(item_id=["", "P1", "P9", "P2", "P2", "P3", "P4", "P3"]),
            ["events.csv", "row 3", "item_id", "'P9'", "unknown item_id"],
        ),
        (
            "events",
            lambda f: f.assign(user_id=["U1", "U1", "U1", "U2", "U7", "U3", "U3", "U1"]),
            ["events.csv", "row 5", "user_id", "'U7'", "unknown user_id"],
        ),
        (
            "events",
            lambda f: f.assign(
                type=[
                    "search",
                    "impression",
                    "purchased!",
                    "click",
                    "purchase",
                    "view",
                    "purchase",
                    "purchase",
                ]
            ),
            ["events.csv", "row 3", "type", "unknown event type"],
        ),
        (
            "events",
            lambda f: f.assign(position=["", "zero", "", "1", "", "", "", ""]),
            ["events.csv", "row 2", "position", "cannot read as int"],
        ),
        (
            "products",
            lambda f: f.assign(title=["A", "", "C", "D"]),
            ["products.csv", "row 2", "title", "empty value in a required column"],
        ),
    ],
)
def test_bad_input_names_file_row_column_value(
    tmp_path: Path, table: str, mutate, expected: list[str]
) -> None:
    tables = tiny_tables()
    tables[table] = mutate(tables[table])
    folder = write_tables(tmp_path / "bad", tables)
    with pytest.raises(DataValidationError) as info:
        ingest(folder, tmp_path / "ws")
    message = str(info.value)
    for part in expected:
        assert part in message, (part, message)
    assert not (tmp_path / "ws" / "store" / "CURRENT").exists()


def test_malformed_csv_names_the_line(tmp_path: Path) -> None:
    folder = write_tables(tmp_path / "bad", tiny_tables())
    text = (folder / "products.csv").read_text().splitlines()
    text[2] = text[2] + ',"surplus",field'
    (folder / "products.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(DataValidationError, match=r"products.csv, row 2: malformed CSV"):
        ingest(folder, tmp_path / "ws")


def test_unreadable_parquet_and_unknown_file(tmp_path: Path) -> None:
    folder = write_tables(tmp_path / "bad", tiny_tables())
    (folder / "products.csv").unlink()
    (folder / "products.parquet").write_bytes(b"PAR1 not really parquet")
    with pytest.raises(DataValidationError, match="products.parquet: unreadable file"):
        ingest(folder, tmp_path / "ws")
    (folder / "products.parquet").unlink()
    write_tables(folder, {"prodcts": tiny_tables()["products"]})
    with pytest.raises(DataValidationError, match="did you mean 'products'"):
        ingest(folder, tmp_path / "ws")


def test_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    folder = write_tables(tmp_path / "in", tiny_tables())
    outside = write_tables(tmp_path / "elsewhere", {"trends": tiny_tables()["trends"]})
    (folder / "trends.csv").unlink()
    (folder / "trends.csv").symlink_to(outside / "trends.csv")
    with pytest.raises(DataValidationError, match="symlink points outside the input folder"):
        ingest(folder, tmp_path / "ws")


def test_rejected_ingest_keeps_the_previous_store(tiny_shop_dir: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ingest(tiny_shop_dir, ws)
    before = current_version(ws)
    tables = tiny_tables()
    tables["products"] = tables["products"].assign(price=["1", "-1", "1", "1"])
    bad = write_tables(tmp_path / "bad", tables)
    with pytest.raises(DataValidationError):
        ingest(bad, ws)
    assert current_version(ws) == before
    assert load_store(ws).counts()["products"] == 4
    assert not list((ws / "store").glob(".tmp-*"))


def test_repair_drops_and_lists_every_bad_row(tmp_path: Path) -> None:
    tables = tiny_tables()
    tables["products"] = (
        tables["products"]
        .assign(price=["120", "-5", "abc", "30"])
        .rename(columns={"brand": "brnad"})
    )
    tables["events"] = tables["events"].assign(
        timestamp=["never"] + list(tables["events"]["timestamp"][1:]),
        user_id=["U1", "U1", "U1", "U2", "U2", "U3", "U3", "U9"],
    )
    folder = write_tables(tmp_path / "bad", tables)
    result = ingest(folder, tmp_path / "ws", repair=True)
    shop = load_store(tmp_path / "ws")
    assert shop.products["item_id"].tolist() == ["P1", "P4"]
    assert shop.products["brand"].tolist() == ["Peak", "Glow"]  # misspelt column renamed
    dropped = [(i.file, i.row, i.column) for i in result.issues if i.action == "dropped row"]
    # product rows 2 and 3; event row 1 (timestamp), events on P2/P3 (rows 4,5,6,8 -> unknown item), row 8 user U9
    assert ("products.csv", 2, "price") in dropped and ("products.csv", 3, "price") in dropped
    assert ("events.csv", 1, "timestamp") in dropped
    assert {r for f, r, c in dropped if f == "events.csv" and c == "item_id"} == {4, 5, 6, 8}
    kept_events = set(shop.events["event_id"])
    assert kept_events == {"E2", "E3", "E7"}
    dropped_event_rows = {r for f, r, _ in dropped if f == "events.csv"}
    assert len(kept_events) + len(dropped_event_rows) == 8  # nothing silently dropped
    report = load_quality_report(tmp_path / "ws")
    assert report["mode"] == "repair"
    assert any(i["action"] == "renamed to 'brand'" for i in report["issues"])


def test_extra_product_columns_are_kept_in_attributes(tmp_path: Path) -> None:
    tables = tiny_tables()
    tables["products"]["season"] = ["winter", "", "all", "all"]
    ingest(write_tables(tmp_path / "in", tables), tmp_path / "ws")
    attrs = load_store(tmp_path / "ws").products.set_index("item_id")["attributes"]
    assert attrs["P1"] == '{"colour": "brown", "season": "winter"}'
    assert pd.isna(attrs["P2"])


def test_price_outliers_are_flagged_not_dropped(tmp_path: Path) -> None:
    tables = tiny_tables()
    n = 30
    tables["products"] = pd.DataFrame(
        {
            "item_id": [f"P{i}" for i in range(1, n + 1)],
            "title": [f"Item {i}" for i in range(n)],
            "category": ["outdoor"] * n,
            "price": [str(10 + (i % 7)) for i in range(n - 1)] + ["99999"],
        }
    )
    result = ingest(write_tables(tmp_path / "in", tables), tmp_path / "ws")
    flagged = [i for i in result.issues if i.action == "flagged"]
    assert [(i.row, i.column) for i in flagged] == [(n, "price")]
    assert len(load_store(tmp_path / "ws").products) == n


def test_parquet_input_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "pq"
    folder.mkdir()
    for name, frame in tiny_tables().items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    ingest(folder, tmp_path / "ws")
    assert load_store(tmp_path / "ws").counts()["events"] == 8


def test_typed_parquet_with_nulls_round_trips(tmp_path: Path, tiny_shop_dir: Path) -> None:
    """A stored shop (typed columns, NaT, all-null surface) re-ingests unchanged."""
    ingest(tiny_shop_dir, tmp_path / "ws1")
    shop = load_store(tmp_path / "ws1")
    folder = tmp_path / "typed"
    folder.mkdir()
    shop.events = shop.events.assign(surface=pd.Series([None] * len(shop.events), dtype="string"))
    shop.products.loc[0, "created_at"] = pd.NaT
    for name, frame in shop.tables().items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    ingest(folder, tmp_path / "ws2")
    again = load_store(tmp_path / "ws2")
    pd.testing.assert_frame_equal(again.products, shop.products)
    pd.testing.assert_frame_equal(again.events, shop.events)
