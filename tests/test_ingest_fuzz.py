"""Property-based checks on the loaders: any cell content gives a stored shop or a typed error."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recsys_core.data import DataValidationError, ingest
from recsys_core.data.ingest import clean_tables
from tests.conftest import tiny_tables, write_tables

cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "-1",
            "1e309",
            "NaN",
            "2026-13-45",
            "null",
            "{",
            '{"a": 1}',
            "0x10",
            "１２",
            "\u0000",
            "1,5",
            " 7 ",
        ]
    ),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    table=st.sampled_from(["products", "events", "users"]),
    row=st.integers(min_value=0, max_value=2),
    column_index=st.integers(min_value=0, max_value=10),
    value=cells,
    repair=st.booleans(),
)
def test_any_cell_gives_a_store_or_a_named_error(
    table: str, row: int, column_index: int, value: str, repair: bool
) -> None:
    tables = tiny_tables()
    frame = tables[table]
    column = frame.columns[column_index % len(frame.columns)]
    frame.loc[row, column] = value
    raw = {name: f.astype(str) for name, f in tables.items()}
    files = {name: f"{name}.csv" for name in raw}
    try:
        shop, issues = clean_tables(raw, files, repair=repair)
    except DataValidationError as exc:
        assert exc.issues and all(i.file in files.values() for i in exc.issues)
        assert not repair or any(i.action == "rejected" for i in exc.issues)
        return
    assert not any(i.action == "rejected" for i in issues)
    if table != "events":  # events may also lose rows to dropped products/users, all listed
        dropped = {i.row for i in issues if i.action == "dropped row" and i.file == f"{table}.csv"}
        assert len(shop.table(table)) + len(dropped) == len(tiny_tables()[table])
    dropped_events = {i.row for i in issues if i.action == "dropped row" and i.file == "events.csv"}
    assert len(shop.events) + len(dropped_events) == len(tiny_tables()["events"])
    for name, frame in shop.tables().items():
        assert "_source_row" not in frame.columns, name


@settings(max_examples=15, deadline=None)
@given(header=st.lists(st.text(min_size=1, max_size=10), min_size=1, max_size=5, unique=True))
def test_arbitrary_headers_never_crash(header: list[str]) -> None:
    tables = tiny_tables()
    tables["trends"] = pd.DataFrame([["x"] * len(header)], columns=header)
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_tables(Path(tmp) / "in", tables)
        try:
            ingest(folder, Path(tmp) / "ws")
        except DataValidationError as exc:
            assert "trends.csv" in str(exc)
