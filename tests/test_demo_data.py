"""The built-in demo shop: determinism, schema, injected structure and learnable signal."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import recsys_core.demo as demo
from recsys_core.data.frames import PANDAS_DTYPES
from recsys_core.data.schema import EVENT_TYPES, SURFACES, TABLES
from recsys_core.data.shop import ShopData
from recsys_core.demo import DemoConfigError, generate_demo_shop, write_demo_shop
from recsys_core.metrics import hit_rate_at_k, ndcg_at_k

SMALL = {"n_products": 300, "n_users": 200, "target_events": 20_000}
TINY = {"n_products": 150, "n_users": 60, "n_days": 30, "target_events": 4_000}
INTERACTIONS = ("click", "view", "add_to_cart", "purchase")


@pytest.fixture(scope="module")
def small() -> tuple[ShopData, dict]:
    return generate_demo_shop(0, **SMALL)


@pytest.fixture(scope="module")
def full() -> tuple[ShopData, dict]:
    """The default-size shop (seed 0), shared with the strategy tests: rates per category and
    week need its volume to stand clear of noise."""
    from tests.strategy_demo import demo_shop

    return demo_shop()


# -- item-kNN vs popularity (leave the last new item of each user out) ---------------------
def leave_last_out(events: pd.DataFrame, min_items: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per user, distinct interacted items in first-seen order; the last one is held out."""
    ev = events[events["type"].isin(INTERACTIONS) & events["user_id"].notna()]
    first = ev.sort_values("timestamp", kind="stable").drop_duplicates(["user_id", "item_id"])
    n_items = first.groupby("user_id")["item_id"].transform("size")
    first = first[n_items >= min_items]
    is_last = first.groupby("user_id").cumcount(ascending=False) == 0
    return first[~is_last], first[is_last]


def knn_vs_popularity(shop: ShopData, k: int = 10) -> dict[str, float]:
    """HR@k and NDCG@k of cosine item-kNN and of popularity, full ranking minus seen items."""
    train, test = leave_last_out(shop.events)
    items = shop.products["item_id"].astype(str).tolist()
    col = {item: j for j, item in enumerate(items)}
    users = sorted(set(train["user_id"].astype(str)))
    row = {user: j for j, user in enumerate(users)}
    x = sp.csr_matrix(
        (np.ones(len(train)), ([row[u] for u in train["user_id"]], [col[i] for i in train["item_id"]])),
        shape=(len(users), len(items)),
    )
    counts = np.asarray(x.sum(axis=0)).ravel()
    xn = x.multiply(1.0 / np.sqrt(np.maximum(counts, 1.0))).tocsr()
    sim = (xn.T @ xn).toarray()
    np.fill_diagonal(sim, 0.0)
    test_rows = np.array([row[u] for u in test["user_id"]])
    seen = x[test_rows].toarray() > 0
    knn = np.where(seen, -np.inf, x[test_rows] @ sim)
    pop = np.where(seen, -np.inf, counts[None, :])
    relevant = [{i} for i in test["item_id"].astype(str)]

    def top(scores: np.ndarray) -> list[list[str]]:
        return [[items[j] for j in np.argsort(-s, kind="stable")[:k]] for s in scores]

    rec_knn, rec_pop = top(knn), top(pop)
    return {
        "users": float(len(relevant)),
        "knn_hr": hit_rate_at_k(recommended=rec_knn, relevant=relevant, k=k),
        "pop_hr": hit_rate_at_k(recommended=rec_pop, relevant=relevant, k=k),
        "knn_ndcg": ndcg_at_k(recommended=rec_knn, relevant=relevant, k=k),
        "pop_ndcg": ndcg_at_k(recommended=rec_pop, relevant=relevant, k=k),
    }


def test_public_names_are_pinned() -> None:
    assert demo.__all__ == ["GROUND_TRUTH_FILE", "DemoConfigError", "generate_demo_shop", "write_demo_shop"]


# -- determinism -------------------------------------------------------------------------
def test_same_seed_writes_byte_identical_files(tmp_path: Path) -> None:
    first = write_demo_shop(tmp_path / "a", seed=3, **TINY)
    second = write_demo_shop(tmp_path / "b", seed=3, **TINY)
    assert first["files"] == second["files"]
    assert set(first["files"]) == {"products.csv", "users.csv", "events.parquet",
                                   "knowledge_base.csv", "trends.csv", "reviews.csv",
                                   "ground_truth.json"}
    for name in first["files"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_different_seed_gives_a_different_shop() -> None:
    a, truth_a = generate_demo_shop(3, **TINY)
    b, truth_b = generate_demo_shop(4, **TINY)
    assert not a.products["title"].equals(b.products["title"])
    assert not a.events["item_id"].equals(b.events["item_id"])
    assert truth_a["segments"][0]["user_ids"] != truth_b["segments"][0]["user_ids"]


def test_written_files_read_back_with_pandas(tmp_path: Path) -> None:
    summary = write_demo_shop(tmp_path, seed=0, **TINY)
    assert summary["products"] == TINY["n_products"] and summary["seed"] == 0
    products = pd.read_csv(tmp_path / "products.csv")
    events = pd.read_parquet(tmp_path / "events.parquet")
    kb = pd.read_csv(tmp_path / "knowledge_base.csv")
    trends = pd.read_csv(tmp_path / "trends.csv")
    assert list(products.columns) == TABLES["products"].column_names
    assert list(events.columns) == TABLES["events"].column_names
    assert list(kb.columns) == ["doc_id", "title", "body", "topic"]
    assert list(trends.columns) == ["note_id", "date", "title", "text", "category"]
    assert kb["body"].str.contains("\n## ").all()  # markdown survives the CSV round trip
    truth = json.loads((tmp_path / "ground_truth.json").read_text())
    assert truth["seed"] == 0 and truth["counts"]["events"] == len(events)


@pytest.mark.parametrize("bad", [{"n_products": 5}, {"n_users": 0}, {"n_days": 2}, {"target_events": -1},
                                 {"n_products": 300.5}])
def test_unusable_sizes_are_rejected_by_name(bad: dict) -> None:
    with pytest.raises(DemoConfigError, match=next(iter(bad))):
        generate_demo_shop(0, **{**TINY, **bad})


# -- schema ------------------------------------------------------------------------------
def test_frames_follow_the_schema(small: tuple[ShopData, dict]) -> None:
    shop, _ = small
    for name, frame in shop.tables().items():
        schema = TABLES[name]
        assert list(frame.columns) == schema.column_names, name
        for column in schema.columns:
            assert str(frame[column.name].dtype) == PANDAS_DTYPES[column.dtype], (name, column.name)
            if not column.nullable:
                assert frame[column.name].notna().all(), (name, column.name)
        assert frame[schema.key].is_unique, name


def test_sizes_and_references(small: tuple[ShopData, dict]) -> None:
    shop, truth = small
    assert len(shop.products) == SMALL["n_products"] and len(shop.users) == SMALL["n_users"]
    assert abs(len(shop.events) - SMALL["target_events"]) < 0.1 * SMALL["target_events"]
    assert shop.products["category"].nunique() == 12
    assert 35 <= len(shop.knowledge_base) <= 50 and 25 <= len(shop.trends) <= 40
    ev = shop.events
    assert set(ev["type"].unique()) == set(EVENT_TYPES)
    assert set(ev["surface"].dropna().unique()) == set(SURFACES)
    assert ev["user_id"].dropna().isin(shop.users["user_id"]).all()
    assert ev["item_id"].dropna().isin(shop.products["item_id"]).all()
    assert ev.loc[ev["item_id"].isna(), "type"].eq("search").all()
    assert ev.loc[ev["type"] == "search", "query"].notna().all()
    assert ev["timestamp"].is_monotonic_increasing
    assert ev["timestamp"].min() >= pd.Timestamp(truth["window"]["start"], tz="UTC")
    assert ev["timestamp"].max() < pd.Timestamp(truth["window"]["end"], tz="UTC") + pd.Timedelta(days=1)
    assert truth["counts"] == shop.counts()


def test_products_are_coherent(small: tuple[ShopData, dict]) -> None:
    p = small[0].products
    assert (p["price"] > 0).all()
    margin = p["cost"] / p["price"]
    assert margin.between(0.39, 0.81).all()
    assert all(title.startswith(brand) for title, brand in zip(p["title"], p["brand"], strict=True))
    attrs = [json.loads(a) for a in p["attributes"]]
    assert all(a["product_type"] in d for a, d in zip(attrs, p["description"], strict=True))
    # log-normal prices differ by category
    medians = p.groupby("category")["price"].median()
    assert medians.max() > 4 * medians.min()
    assert p.groupby("category")["brand"].nunique().min() >= 4


# -- behaviour ---------------------------------------------------------------------------
def test_funnel_steps_follow_each_other(small: tuple[ShopData, dict]) -> None:
    ev = small[0].events
    firsts = ev[ev["type"] != "search"].groupby(["session_id", "item_id", "type"])["timestamp"].min().unstack()
    steps = ["impression", "click", "view", "add_to_cart", "purchase"]
    for earlier, later in zip(steps, steps[1:], strict=False):
        has_later = firsts[later].notna()
        assert firsts.loc[has_later, earlier].notna().all(), f"{later} without {earlier}"
        assert (firsts.loc[has_later, earlier] <= firsts.loc[has_later, later]).all()
    rates = ev["type"].value_counts()
    assert rates["impression"] > rates["click"] > rates["add_to_cart"] > rates["purchase"] > rates["return"]
    assert ev.loc[ev["type"] == "purchase", ["quantity", "unit_price"]].notna().all().all()


def test_clicks_show_position_bias(full: tuple[ShopData, dict]) -> None:
    # category pages rank by popularity, not by the shopper's intent, so CTR by position
    # there measures the examination bias rather than relevance
    ev = full[0].events
    page = ev[ev["surface"] == "category_page"]
    key = ["session_id", "item_id", "position"]
    shown = page[page["type"] == "impression"][key]
    clicked = page[page["type"] == "click"][key].assign(clicked=1)
    shown = shown.merge(clicked, on=key, how="left").fillna({"clicked": 0})
    ctr = shown.groupby("position")["clicked"].mean()
    assert ctr[0] > 2 * ctr[5] and ctr[1] > ctr[7]
    # the same item gets clicked more when shown near the top
    shown["top"] = shown["position"] <= 1
    per_item = shown[(shown["position"] <= 1) | (shown["position"] >= 5)].groupby(["item_id", "top"])["clicked"]
    both = per_item.agg(["mean", "size"]).unstack().dropna()
    weight = np.minimum(both[("size", True)], both[("size", False)])
    top = (both[("mean", True)] * weight).sum() / weight.sum()
    bottom = (both[("mean", False)] * weight).sum() / weight.sum()
    assert len(both) >= 50 and top > 2 * bottom


def test_search_queries_match_what_is_clicked(small: tuple[ShopData, dict]) -> None:
    shop, _ = small
    ev = shop.events
    clicks = ev[(ev["type"] == "click") & (ev["surface"] == "search")]
    titles = shop.products.set_index("item_id")["title"].str.lower()
    noun_word = clicks["query"].str.replace(r" under \$\d+$", "", regex=True).str.split().str[-1]
    matches = [w in t for w, t in zip(noun_word, titles.loc[clicks["item_id"]], strict=True)]
    assert np.mean(matches) > 0.7
    assert ev["query"].str.contains(r"under \$\d+", regex=True).any()


def test_weekends_are_busier(full: tuple[ShopData, dict]) -> None:
    ev = full[0].events
    starts = ev.groupby("session_id")["timestamp"].min()
    per_day = starts.dt.floor("D").value_counts()
    weekend = per_day[per_day.index.dayofweek >= 5].mean()
    weekday = per_day[per_day.index.dayofweek < 5].mean()
    assert weekend > 1.15 * weekday


def test_injected_trends_show_in_views(full: tuple[ShopData, dict]) -> None:
    shop, truth = full
    ev = shop.events[shop.events["type"] == "view"]
    category = ev["item_id"].map(shop.products.set_index("item_id")["category"])
    day = (ev["timestamp"] - ev["timestamp"].min()).dt.days
    early, late = category[day < 40].value_counts(normalize=True), category[day >= 80].value_counts(normalize=True)
    ratio = (late / early).sort_values(ascending=False)
    up = {t["category"] for t in truth["trends"] if t["direction"] == "up"}
    down = {t["category"] for t in truth["trends"] if t["direction"] == "down"}
    assert len(up) >= 2 and len(down) >= 1
    assert set(ratio.index[: len(up)]) == up and (ratio[list(up)] > 1.3).all(), ratio
    assert set(ratio.index[-len(down):]) == down and (ratio[list(down)] < 1 / 1.3).all(), ratio


def test_promotion_discounts_and_lifts_its_category(full: tuple[ShopData, dict]) -> None:
    shop, truth = full
    promo = truth["promotion"]
    ev = shop.events[shop.events["type"] == "purchase"]
    price = ev["item_id"].map(shop.products.set_index("item_id")["price"])
    category = ev["item_id"].map(shop.products.set_index("item_id")["category"])
    date = ev["timestamp"].dt.strftime("%Y-%m-%d")
    inside = (date >= promo["start"]) & (date <= promo["end"])
    in_cat = category == promo["category"]
    discounted = (price * (1 - promo["discount"])).round(2)
    assert (inside & in_cat).sum() > 0
    assert np.allclose(ev.loc[inside & in_cat, "unit_price"], discounted[inside & in_cat])
    assert np.allclose(ev.loc[~(inside & in_cat), "unit_price"], price[~(inside & in_cat)])
    views = shop.events[shop.events["type"] == "view"]
    in_cat = views["item_id"].map(shop.products.set_index("item_id")["category"]) == promo["category"]
    date = views["timestamp"].dt.strftime("%Y-%m-%d")
    inside = (date >= promo["start"]) & (date <= promo["end"])
    days_inside = (pd.Timestamp(promo["end"]) - pd.Timestamp(promo["start"])).days + 1
    rate_inside = (inside & in_cat).sum() / days_inside
    rate_outside = (~inside & in_cat).sum() / (truth["window"]["days"] - days_inside)
    assert rate_inside > 1.5 * rate_outside


def test_stocked_out_items_are_not_sold_afterwards(small: tuple[ShopData, dict]) -> None:
    shop, truth = small
    assert truth["stockouts"]
    out = {s["item_id"]: pd.Timestamp(s["date"], tz="UTC") for s in truth["stockouts"]}
    ev = shop.events
    sold = ev[ev["type"].isin(["add_to_cart", "purchase"]) & ev["item_id"].isin(list(out))]
    assert (sold["timestamp"] < sold["item_id"].map(out)).all()
    stock = shop.products.set_index("item_id")["stock"]
    assert (stock.loc[list(out)] == 0).all() and (stock.drop(list(out)) > 0).all()
    viewed_after = ev[(ev["type"] == "view") & ev["item_id"].isin(list(out))]
    assert (viewed_after["timestamp"] >= viewed_after["item_id"].map(out)).any()  # still visible


def test_new_items_have_no_events_before_they_exist(small: tuple[ShopData, dict]) -> None:
    shop, truth = small
    created = shop.products.set_index("item_id")["created_at"]
    new = created[created >= pd.Timestamp(truth["window"]["start"], tz="UTC")]
    assert len(new) >= 5 and sorted(new.index) == [n["item_id"] for n in truth["new_items"]]
    ev = shop.events.dropna(subset=["item_id"])
    assert (ev["timestamp"] > ev["item_id"].map(created)).all()


def test_segments_drive_category_tastes(full: tuple[ShopData, dict]) -> None:
    shop, truth = full
    members = [u for s in truth["segments"] for u in s["user_ids"]]
    assert sorted(members) == sorted(shop.users["user_id"]) and len(truth["segments"]) == 6
    ev = shop.events[shop.events["type"] == "view"]
    category = ev["item_id"].map(shop.products.set_index("item_id")["category"])
    for segment in truth["segments"]:
        mine = category[ev["user_id"].isin(segment["user_ids"])]
        assert mine.value_counts().index[0] in segment["categories"], segment["name"]


def test_returning_shoppers_follow_the_category_journey(small: tuple[ShopData, dict]) -> None:
    # a later session in the same category tends to bring the next product types of the
    # journey (tent -> sleeping bag -> stove); chance would be about 2 in 8
    shop, truth = small
    order = truth["co_purchase"]["journey_order"]
    kind = shop.products.set_index("item_id")["attributes"].map(lambda a: json.loads(a)["product_type"])
    ev = shop.events[(shop.events["type"] == "view") & shop.events["user_id"].notna()]
    ev = ev.sort_values("timestamp", kind="stable").drop_duplicates(["user_id", "item_id"])
    ev = ev.assign(category=ev["item_id"].map(shop.products.set_index("item_id")["category"]),
                   kind=ev["item_id"].map(kind))
    follows, pairs = 0, 0
    for _, seq in ev.groupby(["user_id", "category"], sort=True):
        rows = list(zip(seq["session_id"], seq["kind"], seq["category"], strict=True))
        for (s1, k1, c), (s2, k2, _) in zip(rows, rows[1:], strict=False):
            if s1 != s2:
                nouns = order[c]
                i = nouns.index(k1)
                pairs += 1
                follows += k2 in (nouns[(i + 1) % len(nouns)], nouns[(i + 2) % len(nouns)])
    assert pairs >= 300
    assert follows / pairs > 0.4, follows / pairs


def test_ground_truth_is_json_and_complete(small: tuple[ShopData, dict]) -> None:
    truth = small[1]
    again = json.loads(json.dumps(truth))
    assert again == truth
    assert {t["direction"] for t in truth["trends"]} == {"up", "down"}
    assert {"category", "start", "end", "discount"} <= set(truth["promotion"])
    assert truth["requested"]["n_products"] == SMALL["n_products"]


# -- content -----------------------------------------------------------------------------
def test_knowledge_base_documents_are_structured_and_consistent(small: tuple[ShopData, dict]) -> None:
    shop, truth = small
    kb = shop.knowledge_base
    assert kb["body"].str.startswith("# ").all()
    assert (kb["body"].str.count(r"\n## ") >= 2).all()
    assert {"returns", "shipping", "warranty", "payment", "sizing", "privacy", "account",
            "promotions", "care"} <= set(kb["topic"])
    facts = truth["knowledge_base_facts"]
    text = "\n".join(kb["body"])
    assert f"free on orders over ${facts['free_shipping_threshold']}" in text.lower()
    windows = set(pd.Series(text).str.extractall(r"within (\d+) days of delivery")[0])
    assert windows <= {str(facts["return_window_days"]), str(facts["damage_report_days"])}
    sale = kb[kb["topic"] == "promotions"]["body"].str.cat()
    promo = truth["promotion"]
    assert promo["start"] in sale and promo["end"] in sale and promo["category"] in sale


def test_trend_notes_narrate_the_ground_truth(small: tuple[ShopData, dict]) -> None:
    shop, truth = small
    notes = shop.trends
    for trend in truth["trends"]:
        mine = notes[notes["category"] == trend["category"]]["text"].str.cat(sep=" ")
        assert ("growing" in mine) if trend["direction"] == "up" else ("declining" in mine), trend
    assert notes["text"].str.contains(truth["promotion"]["start"]).any()
    assert notes["date"].is_monotonic_increasing


# -- learnable signal --------------------------------------------------------------------
@pytest.mark.parametrize("size", ["small", "full"])
def test_item_knn_beats_popularity_by_a_wide_margin(size: str, request: pytest.FixtureRequest) -> None:
    shop, _ = request.getfixturevalue(size)
    scores = knn_vs_popularity(shop)
    assert scores["users"] >= 100
    assert scores["knn_hr"] >= 1.5 * scores["pop_hr"], scores
    assert scores["knn_ndcg"] >= 1.5 * scores["pop_ndcg"], scores


@pytest.mark.slow
def test_another_seed_at_full_size_is_fast_and_learnable() -> None:
    started = time.perf_counter()
    shop, truth = generate_demo_shop(1)
    elapsed = time.perf_counter() - started
    assert elapsed < 90, f"full demo shop took {elapsed:.0f}s"
    assert len(shop.products) == 3000 and len(shop.users) == 2000
    assert abs(len(shop.events) - 150_000) < 15_000
    scores = knn_vs_popularity(shop)
    assert scores["knn_hr"] >= 1.5 * scores["pop_hr"], scores
