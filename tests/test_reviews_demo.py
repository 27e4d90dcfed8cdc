"""The demo shop's reviews: they follow each item's planted problem, steer purchases (items whose
reviews are poor sell less), carry personal data that ingest redacts, and go with a forgotten
customer."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recsys_core.data import ingest, load_store
from recsys_core.data.frames import PANDAS_DTYPES
from recsys_core.data.schema import TABLES
from recsys_core.data.shop import ShopData
from recsys_core.demo import generate_demo_shop, write_demo_shop

TINY = {"n_products": 150, "n_users": 60, "n_days": 30, "target_events": 4_000}
SMALL = {"n_products": 600, "n_users": 200, "target_events": 20_000}
# complaint words per aspect, chosen by hand for this test (not the generator's templates)
COMPLAINT_WORDS = {
    "sizing": r"\b(?:small|smaller|tight|size up)\b",
    "durability": r"\b(?:broke|snapped|fell apart|stopped working|cracked|wore through)\b",
    "waterproofing": r"\b(?:leak\w*|soaked|seeped|wet|rain straight through)\b",
    "battery": r"\b(?:dies|died|drains|hold a charge|charging constantly)\b",
    "taste": r"\b(?:stale|bitter|rancid|bland|tastes old)\b",
    "comfort": r"\b(?:uncomfortable|sore|hurts|pinches|digs in)\b",
    "noise": r"\b(?:loud|noisy|rattl\w*|whine|buzz)\b",
    "smell": r"\b(?:smell|reeks|stinks|odour)\b",
}
FITS = {  # product types each aspect may be planted on (besides durability)
    "sizing": {"t-shirt", "jeans", "hoodie", "rain jacket", "sneakers", "chinos", "running shoes",
               "garden gloves", "belt"},
    "battery": {"wireless earbuds", "bluetooth speaker", "power bank", "smartwatch",
                "noise-cancelling headphones", "headlamp"},
    "taste": {"coffee beans", "green tea", "olive oil", "pasta", "granola", "dark chocolate", "honey",
              "mixed nuts", "dog food"},
}


@pytest.fixture(scope="module")
def small() -> tuple[ShopData, dict]:
    return generate_demo_shop(0, **SMALL)


def _cart_rates(shop: ShopData, items: set[str]) -> tuple[int, int, int, int]:
    """(carts, views) of ``items`` and of every other item, from the event log alone."""
    ev = shop.events
    views = ev[ev["type"] == "view"]["item_id"]
    carts = ev[ev["type"] == "add_to_cart"]["item_id"]
    mine_v, mine_c = int(views.isin(items).sum()), int(carts.isin(items).sum())
    return mine_c, mine_v, len(carts) - mine_c, len(views) - mine_v


def test_items_with_poor_reviews_are_carted_less_often() -> None:
    # pooled over three seeds: views of items with a planted problem (poorly reviewed) turn into
    # carts less often than views of the rest; a two-proportion z-test, one-sided
    totals = np.zeros(4)
    for seed in (0, 1, 2):
        shop, truth = generate_demo_shop(seed, **SMALL)
        totals += _cart_rates(shop, set(truth["reviews"]["item_problems"]))
    c1, v1, c0, v0 = totals
    p1, p0, pooled = c1 / v1, c0 / v0, (c1 + c0) / (v1 + v0)
    z = (p0 - p1) / np.sqrt(pooled * (1 - pooled) * (1 / v1 + 1 / v0))
    assert p1 < 0.85 * p0 and z > 3, (p1, p0, z)
    feedback = truth["reviews"]["purchase_feedback"]
    assert feedback["sensitivity"] > 0 and feedback["clip"][0] < 1 < feedback["clip"][1]


def test_the_cart_factor_follows_the_reviews_seen_before_the_visit() -> None:
    from recsys_core.demo.catalog import build_catalog
    from recsys_core.demo.generate import START
    from recsys_core.demo.population import build_population
    from recsys_core.demo.reviews import ReviewPlan

    rng = np.random.default_rng(0)
    catalog = build_catalog(rng, 200, 30, START)
    population = build_population(rng, 50, 30, START)
    plan = ReviewPlan(0, catalog, population, 30)
    stars = plan._stars
    fresh = next(i for i in range(len(catalog)) if all(d >= 0 for d, _ in stars[i]))
    assert plan.cart_factor(fresh, -1e9) == 1.0  # nothing written yet: no effect
    earlier = {i: np.mean([r for d, r in s if d < 0]) for i, s in enumerate(stars)
               if sum(d < 0 for d, _ in s) >= 3}
    low, high = min(earlier, key=earlier.__getitem__), max(earlier, key=earlier.__getitem__)
    assert plan.cart_factor(low, 0.0) < 1.0 < plan.cart_factor(high, 0.0)
    n, mean = plan.visible_rating(low, 0.0)
    assert n == sum(d < 0 for d, _ in stars[low]) and mean <= 3.0
    # a purchase review is written days later and only counts from then on
    before = len(plan.drafts)
    for user in range(50):
        plan.on_purchase(user, fresh, 5.0)
    late = plan.drafts[before:]
    assert late and all(d.item == fresh and d.day > 5.0 for d in late)
    assert plan.visible_rating(fresh, 5.0)[0] == sum(d < 5.0 for d, _ in stars[fresh])
    plan.on_purchase(0, fresh, 6.0)  # a second purchase of the same item draws no second review
    assert len(plan.drafts) == before + len(late)


def test_reviews_follow_the_schema_and_are_deterministic(small: tuple[ShopData, dict]) -> None:
    shop, _ = small
    reviews = shop.reviews
    assert list(reviews.columns) == TABLES["reviews"].column_names
    for col in TABLES["reviews"].columns:
        assert str(reviews[col.name].dtype) == PANDAS_DTYPES[col.dtype], col.name
    assert reviews["review_id"].is_unique and reviews["rating"].between(1, 5).all()
    assert reviews["text"].str.len().gt(10).all() and reviews["item_id"].isin(shop.products["item_id"]).all()
    assert reviews["user_id"].dropna().isin(shop.users["user_id"]).all()
    assert reviews["created_at"].is_monotonic_increasing
    assert reviews["created_at"].max() <= shop.events["timestamp"].max() + pd.Timedelta(days=1)
    again, _ = generate_demo_shop(0, **SMALL)
    pd.testing.assert_frame_equal(reviews, again.reviews)
    other, _ = generate_demo_shop(1, **SMALL)
    assert not other.reviews["text"].head(50).equals(reviews["text"].head(50))


def test_window_purchasers_review_after_buying(small: tuple[ShopData, dict]) -> None:
    shop, _ = small
    ev = shop.events
    bought = ev[ev["type"] == "purchase"].groupby(["user_id", "item_id"])["timestamp"].min()
    start = ev["timestamp"].min()
    recent = shop.reviews[(shop.reviews["created_at"] >= start) & shop.reviews["user_id"].notna()]
    pairs = recent.set_index(["user_id", "item_id"])["created_at"]
    matched = pairs[pairs.index.isin(bought.index)]
    assert len(matched) >= 20
    assert (matched.to_numpy() > bought.loc[matched.index].to_numpy()).mean() > 0.9


def test_ground_truth_problems_fit_the_items(small: tuple[ShopData, dict]) -> None:
    shop, truth = small
    section = truth["reviews"]
    assert section["aspects"] == ["sizing", "durability", "waterproofing", "battery", "taste",
                                  "comfort", "noise", "smell"]
    problems = section["item_problems"]
    assert 0.12 <= len(problems) / len(shop.products) <= 0.18
    kinds = shop.products.set_index("item_id")["attributes"].map(lambda a: json.loads(a)["product_type"])
    for item, aspects in problems.items():
        assert set(aspects) <= set(section["aspects"])
        for aspect in aspects:
            if aspect in FITS:
                assert kinds[item] in FITS[aspect], (item, aspect, kinds[item])
    assert len({a for v in problems.values() for a in v}) >= 6
    assert set(section["emerging_problems"]).isdisjoint(problems)


def test_problem_items_draw_complaints_about_their_aspect(small: tuple[ShopData, dict]) -> None:
    shop, truth = small
    reviews = shop.reviews
    problems = truth["reviews"]["item_problems"]
    emerging = set(truth["reviews"]["emerging_problems"])
    text = (reviews["title"].fillna("") + ". " + reviews["text"]).str.lower()
    is_problem = reviews["item_id"].isin(list(problems))
    healthy = ~is_problem & ~reviews["item_id"].isin(list(emerging))
    assert reviews.loc[is_problem, "rating"].mean() < reviews.loc[healthy, "rating"].mean() - 0.8
    compared = 0
    for aspect, pattern in COMPLAINT_WORDS.items():
        items = [i for i, a in problems.items() if aspect in a]
        if not items:
            continue
        mentions = text.str.contains(pattern, regex=True)
        planted = mentions[reviews["item_id"].isin(items)].mean()
        others = mentions[healthy].mean()
        assert planted > 0.4 and planted > 4 * others, (aspect, planted, others)
        compared += 1
    assert compared >= 6
    # item level: the planted aspect is the most complained-about one for most problem items
    per_item = reviews[is_problem].groupby("item_id")
    hits = 0
    for item, group in per_item:
        words = text.loc[group.index]
        share = {a: words.str.contains(p, regex=True).mean() for a, p in COMPLAINT_WORDS.items()}
        hits += max(share, key=share.__getitem__) in problems[item]
    assert hits / per_item.ngroups > 0.8


def test_emerging_problems_start_on_their_date(small: tuple[ShopData, dict]) -> None:
    shop, truth = small
    reviews = shop.reviews
    text = reviews["text"].str.lower()
    before = after = 0.0
    n = 0
    for item, spec in truth["reviews"]["emerging_problems"].items():
        mine = reviews["item_id"] == item
        since = pd.Timestamp(spec["since"], tz="UTC")
        said = text.str.contains(COMPLAINT_WORDS[spec["aspect"]], regex=True)
        late, early = mine & (reviews["created_at"] >= since), mine & (reviews["created_at"] < since)
        if late.sum() >= 2 and early.sum() >= 2:
            before += said[early].mean()
            after += said[late].mean()
            n += 1
    assert n >= 3 and after / n > 0.4 and after > 3 * before


def test_demo_files_carry_pii_that_ingest_redacts_and_forget_user_removes_reviews(tmp_path: Path) -> None:
    from assistant.privacy import forget_user

    ws = tmp_path / "ws"
    folder = ws / "demo-input"
    summary = write_demo_shop(folder, seed=0, **TINY)
    assert "reviews.csv" in summary["files"] and summary["reviews"] > 0
    truth = json.loads((folder / "ground_truth.json").read_text())
    with_pii = truth["reviews"]["with_personal_data"]
    raw = pd.read_csv(folder / "reviews.csv", dtype=str).set_index("review_id")
    assert len(with_pii) >= 3
    assert all(re.search(r"@example\.com|555-|\+44", raw.loc[r, "text"]) for r in with_pii)

    result = ingest(folder, ws)
    stored = load_store(ws).reviews.set_index("review_id")
    assert len(stored) == len(raw)
    assert not stored["text"].str.contains(r"@example\.com|555-\d{3}-\d{4}|\+44 7700", regex=True).any()
    assert all(re.search(r"\[(EMAIL|PHONE)\]", stored.loc[r, "text"]) for r in with_pii)
    assert sum(i.action == "redacted" for i in result.issues) == len(with_pii)

    counts = stored["user_id"].value_counts()
    user = str(counts.index[0])
    n_reviews = int(counts.iloc[0])
    assert n_reviews >= 2
    report = forget_user(ws, user, retrain=False)
    assert report.removed["reviews"] == n_reviews
    assert user not in set(load_store(ws).reviews["user_id"].dropna())
    source = pd.read_csv(folder / "reviews.csv", dtype=str)
    assert user not in set(source["user_id"].dropna()) and len(source) == len(raw) - n_reviews
    assert np.isclose(len(load_store(ws).reviews), len(raw) - n_reviews)


def test_forget_user_deletes_the_review_chunks_from_chroma(tmp_path: Path) -> None:
    from assistant.privacy import forget_user
    from retrieval.chroma_store import StoreConfig, get_collection, open_client
    from retrieval.indexing import build_index
    from tests.retrieval_fixtures import fake_embed

    ws = tmp_path / "ws"
    write_demo_shop(ws / "demo-input", seed=0, **TINY)
    ingest(ws / "demo-input", ws)
    build_index(ws, kinds=("reviews",), embedder=fake_embed, show_progress=False)
    stored = load_store(ws).reviews
    user = str(stored["user_id"].value_counts().index[0])
    theirs = set(stored.loc[stored["user_id"] == user, "review_id"])
    config = StoreConfig.for_workspace(ws)

    def indexed_reviews() -> set[str]:
        ids = get_collection(open_client(config), "reviews", config).get(include=[])["ids"]
        return {i.split("#")[0] for i in ids}

    assert theirs <= indexed_reviews()
    report = forget_user(ws, user, retrain=False)
    assert report.removed["reviews"] == len(theirs)
    left = indexed_reviews()
    assert left.isdisjoint(theirs) and len(left) == len(stored) - len(theirs)
    assert any("chunks of the user's reviews deleted" in n for n in report.notes)
