"""Real-data adapters: the shared data sets in the schema, and the readers' errors on bad files."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import pytest

import recsys_core.data.adapters as adapters
from recsys_core.data.adapters import (
    ADAPTERS,
    NON_PRODUCT_CODES,
    AdapterResult,
    amazon_beauty,
    load_adapter,
    load_item_text,
    load_search_set,
    load_sequences,
    online_retail,
)
from recsys_core.data.adapters.retail_categories import retail_category
from recsys_core.data.frames import PANDAS_DTYPES
from recsys_core.data.quality import build_report
from recsys_core.data.schema import EVENT_TYPES, TABLES
from recsys_core.data.shop import ShopData
from recsys_core.data.store import load_store, save_store
from recsys_core.errors import DataValidationError, UnknownIdError

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BEAUTY = SHARED / "recsys" / "amazon_beauty"
RETAIL = SHARED / "recsys" / "online_retail"
HOMEDEPOT = SHARED / "search" / "homedepot"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data is absent")


def assert_conforms(shop: ShopData) -> None:
    """Columns and dtypes exactly as the schema; keys unique; required cells filled; links hold."""
    for name, frame in shop.tables().items():
        schema = TABLES[name]
        assert list(frame.columns) == schema.column_names, name
        for column in schema.columns:
            assert str(frame[column.name].dtype) == PANDAS_DTYPES[column.dtype], (name, column.name)
            if not column.nullable:
                assert frame[column.name].notna().all(), (name, column.name)
        if schema.key and len(frame):
            assert frame[schema.key].is_unique, name
    events, products = shop.events, shop.products
    assert set(events["type"].unique()) <= set(EVENT_TYPES)
    assert events["item_id"].isin(products["item_id"]).all()
    assert events["user_id"].dropna().isin(shop.users["user_id"]).all()
    assert (products["price"] >= 0).all()
    assert (events["quantity"].dropna() >= 0).all() and (events["unit_price"].dropna() >= 0).all()
    assert (
        products["attributes"].map(lambda a: isinstance(json.loads(a)["price_known"], bool)).all()
    )


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- public surface -----------------------------------------------------------------------------


def test_public_names_and_registry() -> None:
    assert sorted(adapters.__all__) == sorted(
        [
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
    )
    assert sorted(ADAPTERS) == ["amazon_beauty", "amazon_reviews", "homedepot", "online_retail"]


def test_unknown_adapter_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(UnknownIdError, match="'amazon'.*amazon_beauty, amazon_reviews, homedepot, online_retail"):
        load_adapter("amazon", tmp_path)


# --- Amazon Beauty ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def beauty() -> AdapterResult:
    if not SHARED.is_dir():
        pytest.skip("../shared/data is absent")
    return load_adapter("amazon_beauty", BEAUTY)


@needs_shared
@pytest.mark.shared
def test_beauty_counts_match_readme(beauty: AdapterResult) -> None:
    shop = beauty.shop
    assert (len(shop.users), len(shop.products), len(shop.events)) == (22_363, 12_101, 198_502)
    assert set(shop.events["type"]) == {"purchase"}
    assert_conforms(shop)


@needs_shared
@pytest.mark.shared
def test_beauty_keeps_each_users_order(beauty: AdapterResult) -> None:
    events = beauty.shop.events
    assert events["timestamp"].is_monotonic_increasing  # file order, one second apart
    by_user = events.sort_values("timestamp").groupby("user_id", sort=False)["item_id"].agg(list)
    assert by_user.to_dict() == load_sequences(BEAUTY / "Beauty.txt")
    assert by_user["2"] == ["6", "7", "8", "9", "10", "4", "11"]  # line 2 of Beauty.txt


@needs_shared
@pytest.mark.shared
def test_beauty_products_text_and_price_convention(beauty: AdapterResult) -> None:
    products = beauty.shop.products.set_index("item_id")
    first = products.loc["1"]
    assert first["category"] == "makeup > nails > nail polish"
    assert first["brand"] == "OPI" and first["price"] == 0.0
    attributes = json.loads(first["attributes"])
    assert attributes["price_known"] is False and attributes["asin"] == "B004756YJA"
    assert not products["brand"].str.contains("&#39;", regex=False).any()
    assert products["brand"].str.contains("L'Oreal Paris", regex=False).any()
    assert products["category"].str.fullmatch(r"[^A-Z]+").all()  # standardised lower case
    assert beauty.info["empty_titles_fixed"] == 7  # README: 7 titles are empty
    assert products.loc["495", "title"] == "Amazon item B001DJ2USM"


@needs_shared
@pytest.mark.shared
def test_beauty_readers_on_real_files() -> None:
    sequences = load_sequences(BEAUTY / "Beauty.txt")
    assert len(sequences) == 22_363 and sum(map(len, sequences.values())) == 198_502
    items = load_item_text(BEAUTY / "items.jsonl")
    assert len(items) == 12_101 and items["item_id"].is_unique
    assert items["title"].isna().sum() == 7 and items["brand"].notna().sum() == 7_474
    tops = items["category"].str.split(" > ").str[0].value_counts()
    assert tops["skin care"] == 3_813 and tops["fragrance"] == 492  # README coverage line


def test_beauty_adapter_on_tiny_folder(tmp_path: Path) -> None:
    write(tmp_path / "Beauty.txt", "u1 b a\nu2 a\n")
    write(
        tmp_path / "items.jsonl",
        '{"item_id": "a", "title": "Rose &amp; Oud", "brand": null, "categories": [["Fragrance", "Women\'s"]]}\n'
        '{"item_id": "b", "title": "", "brand": "X", "categories": []}\n',
    )
    result = amazon_beauty(tmp_path)
    assert_conforms(result.shop)
    events = result.shop.events
    assert events["item_id"].tolist() == ["b", "a", "a"] and events["user_id"].tolist() == [
        "u1",
        "u1",
        "u2",
    ]
    products = result.shop.products.set_index("item_id")
    assert products.loc["a", "title"] == "Rose & Oud"
    assert products.loc["a", "category"] == "fragrance > women's"
    assert (
        products.loc["b", "category"] == "uncategorised"
        and products.loc["b", "title"] == "Amazon item b"
    )


def test_beauty_adapter_rejects_items_missing_from_the_item_file(tmp_path: Path) -> None:
    write(tmp_path / "Beauty.txt", "u1 a zz\n")
    write(tmp_path / "items.jsonl", '{"item_id": "a", "title": "A"}\n')
    with pytest.raises(DataValidationError, match="Beauty.txt.*'zz'"):
        amazon_beauty(tmp_path)


# --- sequences / item text readers: malformed input ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "value"),
    [
        ("1 2 3\n2,5,6\n", 2, "2,5,6"),  # CSV, not space-separated
        ("1 2 3\n\n7\n", 3, "7"),  # a user with no items
        ("1 2 3\n4 5\n1 9\n", 3, "1"),  # the same user twice
        ('1 2 3\n4 "5"\n', 2, '"5"'),
    ],
)
def test_sequences_bad_line_names_file_line_and_value(
    tmp_path: Path, text: str, line: int, value: str
) -> None:
    path = write(tmp_path / "seq.txt", text)
    with pytest.raises(DataValidationError) as caught:
        load_sequences(path)
    message = str(caught.value)
    assert str(path) in message and f"line {line}" in message and repr(value) in message
    assert caught.value.issues[0].row == line


def test_sequences_reads_ids_as_strings_and_skips_blank_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "seq.txt", "u1 B00X 7 B00X\n\n  u2\t9 8  \n")
    assert load_sequences(path) == {"u1": ["B00X", "7", "B00X"], "u2": ["9", "8"]}


def test_sequences_non_utf8_empty_and_missing_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"1 2\n3 \xff\n")
    with pytest.raises(DataValidationError, match=r"bad.txt, row 2.*line 2: not UTF-8"):
        load_sequences(bad)
    with pytest.raises(DataValidationError, match="no sequences"):
        load_sequences(write(tmp_path / "empty.txt", "\n\n"))
    with pytest.raises(DataValidationError, match="nope.txt: sequences file not found"):
        load_sequences(tmp_path / "nope.txt")


@pytest.mark.parametrize(
    ("second_line", "value", "problem"),
    [
        ("{not json", "{not json", "not JSON"),
        ('["a", "b"]', "list", "expected a JSON object"),
        ('{"title": "x"}', None, "missing key(s) item_id"),
        ('{"item_id": 2, "title": 3}', "3", "title must be a string"),
        ('{"item_id": 2, "title": "t", "categories": "Makeup"}', '"Makeup"', "categories must be"),
        ('{"item_id": 1, "title": "again"}', "1", "item_id already listed on line 1"),
    ],
)
def test_item_text_bad_line_names_file_line_and_value(
    tmp_path: Path, second_line: str, value: str | None, problem: str
) -> None:
    path = write(tmp_path / "items.jsonl", '{"item_id": 1, "title": "ok"}\n' + second_line + "\n")
    with pytest.raises(DataValidationError) as caught:
        load_item_text(path)
    message = str(caught.value)
    assert str(path) in message and "line 2" in message and problem in message
    if value is not None:
        assert repr(value) in message


def test_item_text_frame(tmp_path: Path) -> None:
    path = write(
        tmp_path / "items.jsonl",
        '{"item_id": 5, "title": " Lip  Gloss ", "brand": "L&#39;Oreal", "categories": ["Makeup", "Lips"], "asin": "B1"}\n',
    )
    frame = load_item_text(path)
    row = frame.iloc[0]
    assert (row["item_id"], row["title"], row["brand"], row["category"]) == (
        "5",
        "Lip Gloss",
        "L'Oreal",
        "makeup > lips",
    )
    assert row["categories"] == ["Makeup", "Lips"] and row["extra"] == {"asin": "B1"}
    assert str(frame["item_id"].dtype) == "string"


# --- Online Retail ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def retail() -> tuple[AdapterResult, float]:
    if not SHARED.is_dir():
        pytest.skip("../shared/data is absent")
    start = time.perf_counter()
    result = online_retail(RETAIL)
    return result, time.perf_counter() - start


@needs_shared
@pytest.mark.shared
def test_retail_counts_schema_and_speed(retail: tuple[AdapterResult, float]) -> None:
    result, seconds = retail
    shop, info = result.shop, result.info
    assert seconds < 30, f"online_retail took {seconds:.1f}s"
    assert info["rows"] == 541_909 and len(shop.users) == 4_372  # README
    assert info["source_codes"] == 4_070  # README: products (StockCode)
    accounted = info["products"] + info["codes_without_sales"] + info["codes_merged_by_case"]
    assert accounted + len(info["excluded_non_product_codes"]) == 4_070
    kept = info["purchases"] + info["returns"]
    assert len(shop.events) == kept
    assert kept + info["excluded_non_product_rows"] + info["excluded_other_rows"] == 541_909
    assert not shop.users["user_id"].str.endswith(".0").any()
    assert 130_000 < info["anonymous_events"] <= 135_080  # README: lines without CustomerID
    assert shop.events["user_id"].isna().sum() == info["anonymous_events"]
    assert_conforms(shop)


@needs_shared
@pytest.mark.shared
def test_retail_cancellations_become_returns(retail: tuple[AdapterResult, float]) -> None:
    result, _ = retail
    events = result.shop.events.set_index("event_id")
    returns = events[events["type"] == "return"]
    assert len(returns) == result.info["returns"] > 8_000
    assert returns["session_id"].str.startswith("C").all() and (returns["quantity"] > 0).all()
    # source row 155: C536383,35004C,SET OF 3 COLOURED  FLYING DUCKS,-1,2010-12-01 09:49:00,4.65,15311.0
    duck = events.loc["or-155"]
    assert (duck["type"], duck["item_id"], duck["quantity"], duck["user_id"]) == (
        "return",
        "35004C",
        1,
        "15311",
    )
    assert duck["unit_price"] == 4.65 and duck["session_id"] == "C536383"
    purchases = events[events["type"] == "purchase"]
    assert (
        not purchases["session_id"].str.startswith("C").any()
        and (purchases["unit_price"] > 0).all()
    )


@needs_shared
@pytest.mark.shared
def test_retail_excludes_non_product_codes(retail: tuple[AdapterResult, float]) -> None:
    result, _ = retail
    shop, info = result.shop, result.info
    assert not shop.events["item_id"].isin(NON_PRODUCT_CODES).any()
    assert not shop.products["item_id"].isin(NON_PRODUCT_CODES).any()
    assert not shop.products["item_id"].str.startswith("GIFT_").any()
    codes = info["excluded_non_product_codes"]
    assert (
        codes["POST"] == 1_256 and codes["BANK CHARGES"] == 37 and codes["M"] == 572
    )  # 571 "M" + 1 "m"
    assert sum(codes.values()) == info["excluded_non_product_rows"]
    reported = {i.value for i in result.issues if i.column == "StockCode"}
    assert reported == set(codes) and all(i.action == "dropped rows" for i in result.issues)


@needs_shared
@pytest.mark.shared
def test_retail_products_users_and_times(retail: tuple[AdapterResult, float]) -> None:
    result, _ = retail
    shop = result.shop
    products = shop.products.set_index("item_id")
    heart = products.loc["85123A"]  # also written "85123a" in the source
    assert heart["title"] == "WHITE HANGING HEART T-LIGHT HOLDER"
    assert heart["category"] == "gift-ware > candles & lighting"
    assert 2.0 < heart["price"] < 4.0 and pd.isna(heart["cost"]) and pd.isna(heart["stock"])
    assert "85123a" not in products.index
    assert products["category"].str.startswith("gift-ware").all()
    assert products["category"].nunique() > 8
    users = shop.users.set_index("user_id")
    assert (
        users.loc["17850", "region"] == "United Kingdom"
        and users.loc["12583", "region"] == "France"
    )
    events = shop.events.set_index("event_id")
    # winter: UK time is UTC; summer: British Summer Time is UTC+1
    assert events.loc["or-1", "timestamp"] == pd.Timestamp("2010-12-01 08:26", tz="UTC")
    assert shop.events["timestamp"].max() == pd.Timestamp("2011-12-09 12:50", tz="UTC")
    # source row 245904: 558638,84836,ZINC METAL HEART DECORATION,12,2011-07-01 08:16:00,...
    assert events.loc["or-245904", "timestamp"] == pd.Timestamp("2011-07-01 07:16", tz="UTC")


RETAIL_CSV = """InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom
536366,85123a,WHITE HANGING HEART T-LIGHT HOLDER,2,2011-07-01 10:00:00,2.95,,United Kingdom
536367,POST,POSTAGE,1,2010-12-01 09:00:00,18.0,12583.0,France
C536368,85123A,WHITE HANGING HEART T-LIGHT HOLDER,-3,2010-12-02 10:00:00,2.55,17850.0,United Kingdom
536369,22139,damaged,-10,2010-12-02 11:00:00,0.0,,United Kingdom
536370,gift_0001_20,Dotcomgiftshop Gift Voucher £20.00,1,2010-12-02 12:00:00,17.02,,United Kingdom
"""


def test_retail_adapter_on_tiny_file(tmp_path: Path) -> None:
    result = online_retail(write(tmp_path / "online_retail.csv", RETAIL_CSV))
    shop, info = result.shop, result.info
    assert_conforms(shop)
    events = shop.events.set_index("event_id")
    assert list(events.index) == ["or-1", "or-2", "or-4"]
    assert events["type"].tolist() == ["purchase", "purchase", "return"]
    assert (
        events["quantity"].tolist() == [6, 2, 3] and events.loc["or-4", "session_id"] == "C536368"
    )
    assert pd.isna(events.loc["or-2", "user_id"])
    assert events.loc["or-2", "timestamp"] == pd.Timestamp("2011-07-01 09:00", tz="UTC")
    assert shop.products["item_id"].tolist() == ["85123A"]
    assert sorted(shop.users["user_id"]) == ["12583", "17850"]
    assert info["excluded_non_product_codes"] == {"GIFT_0001_20": 1, "POST": 1}
    assert info["excluded_other_rows"] == 1 and info["codes_without_sales"] == 1  # 22139


def test_adapter_shop_round_trips_through_the_store(tmp_path: Path) -> None:
    result = online_retail(write(tmp_path / "online_retail.csv", RETAIL_CSV))
    report = build_report(
        result.shop, result.issues, source="online_retail", repair=False, max_issues=100
    )
    assert report["issue_counts"] == {"dropped rows": 3}  # POST, GIFT_0001_20, the "damaged" line
    save_store(tmp_path / "ws", result.shop, report, source="online_retail")
    loaded = load_store(tmp_path / "ws")
    for name, frame in result.shop.tables().items():
        pd.testing.assert_frame_equal(loaded.table(name), frame)


def test_retail_missing_column_and_bad_cells(tmp_path: Path) -> None:
    no_price = write(tmp_path / "a.csv", RETAIL_CSV.replace(",UnitPrice", ",Price"))
    with pytest.raises(DataValidationError, match=r"a.csv, column 'UnitPrice'.*missing"):
        online_retail(no_price)
    bad = write(
        tmp_path / "b.csv",
        RETAIL_CSV.replace("2010-12-02 11:00:00", "yesterday").replace(",2,2011", ",2.5,2011"),
    )
    with pytest.raises(DataValidationError) as caught:
        online_retail(bad)
    described = [i.describe() for i in caught.value.issues]
    assert any("b.csv, row 2, column 'Quantity', value '2.5'" in d for d in described)
    assert any("b.csv, row 5, column 'InvoiceDate', value 'yesterday'" in d for d in described)
    with pytest.raises(DataValidationError, match="no Online Retail CSV file here"):
        online_retail(tmp_path / "..")


# --- Home Depot ---------------------------------------------------------------------------------


@needs_shared
@pytest.mark.shared
def test_homedepot_catalogue_and_search_set() -> None:
    result = load_adapter("homedepot", HOMEDEPOT)
    assert len(result.shop.products) == 54_667 and len(result.shop.events) == 0
    assert_conforms(result.shop)
    assert set(result.shop.products["category"]) == {"home improvement"}
    products, queries, labels = load_search_set(
        HOMEDEPOT / "products.csv", HOMEDEPOT / "dev_queries.csv", HOMEDEPOT / "dev_labels.csv"
    )
    assert (len(products), len(queries), len(labels)) == (54_667, 8_256, 51_904)
    assert ((labels["gain"] - (labels["relevance"] - 1)).abs() < 1e-9).all()
    assert (labels.groupby("query_id").size() >= 1).all() and labels["query_id"].nunique() == 8_256
    assert products["product_title"].tolist() == result.shop.products["title"].tolist()


@pytest.fixture()
def search_files(tmp_path: Path) -> dict[str, Path]:
    return {
        "products": write(
            tmp_path / "products.csv", "product_uid,product_title\n1,Drill &amp; bits\n2,Hammer\n"
        ),
        "queries": write(tmp_path / "queries.csv", "query_id,query\nq1,drill\nq2,hamer\n"),
        "labels": write(
            tmp_path / "labels.csv",
            "query_id,product_uid,gain,relevance\nq1,1,2.0,3.0\nq2,2,1.0,2.0\n",
        ),
    }


def test_search_set_reads_valid_files(search_files: dict[str, Path]) -> None:
    products, queries, labels = load_search_set(
        search_files["products"], search_files["queries"], search_files["labels"]
    )
    assert products["product_title"].tolist() == ["Drill & bits", "Hammer"]
    assert queries["query"].tolist() == ["drill", "hamer"]  # typos kept
    assert labels["product_uid"].tolist() == ["1", "2"] and labels["gain"].dtype == "float64"


@pytest.mark.parametrize(
    ("which", "text", "column"),
    [
        ("products", "product_uid,title\n1,Drill\n", "product_title"),
        ("queries", "query_id,search_term\nq1,drill\n", "query"),
        ("labels", "query_id,product_uid,relevance\nq1,1,3.0\n", "gain"),
    ],
)
def test_search_set_missing_column_names_file_and_column(
    search_files: dict[str, Path], which: str, text: str, column: str
) -> None:
    write(search_files[which], text)
    with pytest.raises(DataValidationError) as caught:
        load_search_set(search_files["products"], search_files["queries"], search_files["labels"])
    message = str(caught.value)
    assert (
        str(search_files[which]) in message
        and f"column '{column}'" in message
        and "missing" in message
    )


@pytest.mark.parametrize(
    ("labels", "needle"),
    [
        (
            "query_id,product_uid,gain\nq1,1,2\nq1,9,1\n",
            "labels.csv, row 2, column 'product_uid', value '9': product not in products.csv",
        ),
        ("query_id,product_uid,gain\nq1,1,-1\n", "labels.csv, row 1, column 'gain', value '-1'"),
        (
            "query_id,product_uid,gain\nq1,1,high\n",
            "labels.csv, row 1, column 'gain', value 'high'",
        ),
        (
            "query_id,product_uid,gain\nq3,1,1\n",
            "labels.csv, row 1, column 'query_id', value 'q3': query not in queries.csv",
        ),
        (
            "query_id,product_uid,gain\nq1,1,1\nq1,1,2\n",
            "row 2, column 'product_uid', value '1': this (query_id, product_uid) pair is graded twice",
        ),
    ],
)
def test_search_set_bad_label_rows(search_files: dict[str, Path], labels: str, needle: str) -> None:
    write(search_files["labels"], labels)
    with pytest.raises(DataValidationError) as caught:
        load_search_set(search_files["products"], search_files["queries"], search_files["labels"])
    assert any(needle in i.describe() for i in caught.value.issues), [
        i.describe() for i in caught.value.issues
    ]


def test_search_set_duplicate_and_empty_ids(search_files: dict[str, Path]) -> None:
    write(search_files["products"], "product_uid,product_title\n1,Drill\n1,Drill again\n2,\n")
    with pytest.raises(DataValidationError) as caught:
        load_search_set(search_files["products"], search_files["queries"], search_files["labels"])
    described = [i.describe() for i in caught.value.issues]
    assert any("row 2, column 'product_uid', value '1': duplicate id" in d for d in described)
    assert any("row 3, column 'product_title': empty text" in d for d in described)


def test_retail_categories_first_whole_word_rule_wins() -> None:
    titles = pd.Series(
        ["CHRISTMAS CANDLE", "LUNCH BAG RED", "PAINTED STRING ART", "OVEN GLOVE", None]
    )
    assert retail_category(titles).tolist() == [
        "gift-ware > christmas",
        "gift-ware > bags & storage",
        "gift-ware > home decor",  # "RING" inside "STRING" is not a word
        "gift-ware",
        "gift-ware",
    ]
