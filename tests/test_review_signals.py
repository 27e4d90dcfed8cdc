"""Review signals for merchandisers: rating trends, rising complaints, their insight cards, and
the recent-rating rule target in apply_rules, search, the linter and the what-if replay."""

from __future__ import annotations

from dataclasses import replace as dc_replace
from datetime import date
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from recsys_core.strategy import (
    Change,
    ProductLookup,
    RuleContext,
    SearchRulesHook,
    apply_rules,
    lint_rules,
    parse_rules,
    prepare_replay,
    replay,
)
from recsys_core.strategy.insights import insight_cards
from recsys_core.strategy.review_signals import complaint_trend, rating_trend, review_cards
from recsys_core.strategy.rules import Target
from recsys_core.strategy.whatif import replayed_orders

NOW = pd.Timestamp("2026-03-01T12:00:00Z")
DAY = date(2026, 3, 1)


def _reviews(spec: list[tuple[str, int, int, int]]) -> pd.DataFrame:
    """(item, rating, days ago, how many) -> a reviews table in the agreed schema."""
    rows = []
    for item, rating, ago, n in spec:
        for j in range(n):
            rows.append({"review_id": f"R{len(rows):04d}", "item_id": item, "user_id": None, "rating": rating,
                         "title": None, "text": f"review {j} of {item}",
                         "created_at": NOW - pd.Timedelta(days=ago, hours=j), "verified": 1, "helpful_votes": 0})
    return pd.DataFrame(rows)


@pytest.fixture
def products() -> pd.DataFrame:
    return pd.DataFrame({
        "item_id": ["A", "B", "C", "D", "E"],
        "title": ["Vanta sneakers", "Trailhead tent", "camp mug", "head lamp", "trail sock"],
        "category": ["shoes", "outdoor", "kitchen", "outdoor", "shoes"],
        "brand": ["Vanta", "Peak", "Brew", "Glow", "Knit"],
        "price": [100.0, 80.0, 10.0, 30.0, 12.0],
        "stock": [5, 4, 10, 3, 7],
        "attributes": ["", "", "", "", ""],
    })


@pytest.fixture
def reviews() -> pd.DataFrame:
    # A fell from 5 to 2 stars; B steady at 4; C recently 2.5 but only 2 reviews; D 2.0 but a year ago
    return _reviews([("A", 5, 40, 6), ("A", 2, 5, 6), ("B", 4, 40, 6), ("B", 4, 5, 6), ("C", 2, 3, 1), ("C", 3, 3, 1),
                     ("D", 2, 365, 5), ("E", 3, 10, 3)])


def _mentions(spec: list[tuple[str, str, int, int, int]]) -> pd.DataFrame:
    """(item, aspect, polarity, days ago, how many) -> rows of AspectExtractor.transform."""
    rows = []
    for item, aspect, polarity, ago, n in spec:
        for j in range(n):
            rows.append({"review_id": f"M{len(rows):04d}", "item_id": item, "rating": 2 if polarity < 0 else 5,
                         "created_at": NOW - pd.Timedelta(days=ago, hours=j), "aspect": aspect,
                         "polarity": polarity, "score": 0.6, "sentence": f"{aspect} sentence"})
    return pd.DataFrame(rows)


def test_rating_trend_finds_the_fall_with_counts(reviews, products) -> None:
    table = rating_trend(reviews, products, as_of=NOW).set_index("key")
    assert set(table.index) == {"A", "B"}  # C, D, E lack reviews in one of the windows
    a = table.loc["A"]
    assert (a["previous_reviews"], a["recent_reviews"]) == (6, 6)
    assert (a["previous_rating"], a["recent_rating"], a["trend"]) == (5.0, 2.0, "falling")
    assert table.loc["B", "trend"] == "flat" and table.loc["B", "change"] == 0.0
    by_category = rating_trend(reviews, products, level="category", as_of=NOW).set_index("key")
    assert by_category.loc["shoes", "recent_reviews"] == 6 + 3 and by_category.loc["shoes", "trend"] == "falling"


def test_complaints_rising_are_tested_and_corrected() -> None:
    products = pd.DataFrame({"item_id": ["A", "B", "C"], "title": ["a", "b", "c"], "category": ["x", "x", "y"]})
    mentions = _mentions([("A", "sizing", -1, 40, 3), ("A", "sizing", -1, 5, 14), ("A", "comfort", 1, 5, 20),
                          ("B", "noise", -1, 40, 5), ("B", "noise", -1, 5, 5), ("C", "smell", -1, 3, 6)])
    table = complaint_trend(mentions, products, as_of=NOW).set_index(["key", "aspect"])
    assert ("A", "comfort") not in table.index  # praise is not a complaint
    a = table.loc[("A", "sizing")]
    assert (a["previous"], a["recent"], a["rising"]) == (3, 14, True) and a["p_value"] < 0.01
    assert a["q_value"] >= a["p_value"]
    assert not table.loc[("B", "noise"), "rising"] and table.loc[("B", "noise"), "ratio"] == 1.0
    c = table.loc[("C", "smell")]  # nobody complained before: an infinite ratio still gets a usable test
    assert c["previous"] == 0 and np.isinf(c["ratio"]) and c["p_value"] == pytest.approx(0.5 ** 6) and c["rising"]
    cats = complaint_trend(mentions, products, level="category", as_of=NOW).set_index(["key", "aspect"])
    assert (cats.loc[("x", "sizing"), "recent"], cats.loc[("x", "noise"), "recent"]) == (14, 5)


def test_a_review_counts_once_per_aspect() -> None:
    products = pd.DataFrame({"item_id": ["A"], "title": ["a"], "category": ["x"]})
    one = _mentions([("A", "sizing", -1, 5, 4)])
    twice = pd.concat([one, one.assign(sentence="another sizing sentence")], ignore_index=True)
    assert complaint_trend(twice, products, as_of=NOW)["recent"].tolist() == [4]


def test_review_cards_have_figures_and_a_whatif_rule_that_parses(reviews, products) -> None:
    mentions = _mentions([("A", "sizing", -1, 40, 10), ("A", "sizing", -1, 5, 22), ("B", "noise", -1, 5, 1)])
    cards = review_cards(reviews, products, mentions=mentions)
    kinds = {c["kind"]: c for c in cards}
    complaint = kinds["rising_complaints_item"]
    assert complaint["title"].startswith("Complaints about sizing for Vanta sneakers doubled in 4 weeks (10 -> 22 reviews, p=0.025)")
    assert complaint["figures"]["complaints_previous"] == 10 and complaint["figures"]["complaints_recent"] == 22
    assert complaint["figures"]["ratio"] == 2.2 and complaint["figures"]["p_value"] < 0.05
    drop = kinds["rating_drop_item"]
    assert drop["title"].startswith("Rating of Vanta sneakers fell from 5.0 to 2.0 in 4 weeks (6 -> 6 reviews")
    assert kinds["rating_drop_category"]["whatif"]["target"]["recent_rating"]["below"] == 3.0
    rules = parse_rules({"rules": [c["whatif"] for c in cards]})
    ranked = apply_rules([("A", 3.0), ("B", 2.0), ("E", 1.0)], rules, RuleContext(category="shoes", day=DAY),
                         ProductLookup(products, reviews))
    assert {e.rule_id for e in ranked.effects["A"]} >= {complaint["whatif"]["id"], drop["whatif"]["id"]}
    assert "B" not in ranked.effects


def test_a_shop_without_reviews_gets_the_same_cards(products) -> None:
    trends = SimpleNamespace(items=pd.DataFrame({"key": ["A"], "trend": ["rising"], "weekly_growth": [0.2],
                                                 "ci_low": [0.1], "ci_high": [0.3]}),
                             anomalies=pd.DataFrame())
    inventory = pd.DataFrame({"item_id": ["A"], "stock": [1.0], "days_of_cover": [2.0], "stockout_risk": [0.9],
                              "slow_mover": [False], "units_recent": [5.0], "stock_value": [10.0], "margin": [0.3],
                              "margin_headroom": [0.0], "views_recent": [3.0]})
    plain = insight_cards(trends, inventory, products)
    assert [c["kind"] for c in plain] == ["rising_low_stock"]
    assert insight_cards(trends, inventory, products, reviews=_reviews([])) == plain
    assert review_cards(_reviews([]), products) == []


# ---- the recent-rating target --------------------------------------------------------------


def test_recent_rating_target_validates() -> None:
    rule = parse_rules({"rules": [{"id": "low", "action": "bury", "target": {"recent_rating": {"below": 3.5}}}]}).rules[0]
    assert rule.target.recent_rating is not None and rule.target.recent_rating.days == 28
    assert not rule.target.is_empty()
    from recsys_core.strategy import RuleError

    for bad in ({"below": 0.5}, {"below": 3, "days": 0}, {"below": 3, "bogus": 1}):
        with pytest.raises(RuleError):
            parse_rules({"rules": [{"id": "x", "action": "bury", "target": {"recent_rating": bad}}]})
    with pytest.raises(RuleError, match="pin needs exactly one"):
        parse_rules({"rules": [{"id": "p", "action": "pin", "position": 1,
                                "target": {"item_ids": ["A"], "recent_rating": {"below": 3}}}]})


def test_bury_below_threshold_buries_exactly_those_items(reviews, products) -> None:
    lookup = ProductLookup(products, reviews)
    assert lookup.recent_rating("A") == (2.0, 6) and lookup.recent_rating("D") is None  # D's reviews are old
    rules = parse_rules({"rules": [{"id": "low", "action": "bury", "target": {"recent_rating": {"below": 3.5}}}]})
    ranked = [("A", 5.0), ("B", 4.0), ("C", 3.0), ("D", 2.0), ("E", 1.0)]
    out = apply_rules(ranked, rules, RuleContext(day=DAY), lookup)
    # A (2.0 from 6) and E (3.0 from 3) are below 3.5; C has 2 recent reviews (< min_reviews), D none
    assert set(out.effects) == {"A", "E"}
    assert [i for i, _ in out.ranking] == ["B", "C", "D", "A", "E"]
    looser = parse_rules({"rules": [{"id": "low", "action": "bury", "multiplier": 0.5,
                                     "target": {"recent_rating": {"below": 3.6, "days": 400, "min_reviews": 2}}}]})
    # over 400 days A averages (6 x 5 + 6 x 2) / 12 = 3.5; C has 2 reviews, D's old ones count
    assert set(apply_rules(ranked, looser, RuleContext(day=DAY), lookup).effects) == {"A", "C", "D", "E"}
    # with other fields the rating narrows them: only shoes rated low
    shoes = parse_rules({"rules": [{"id": "s", "action": "bury", "multiplier": 0.5,
                                    "target": {"categories": ["shoes"], "recent_rating": {"below": 2.5}}}]})
    assert set(apply_rules(ranked, shoes, RuleContext(day=DAY), lookup).effects) == {"A"}
    # without reviews the target matches nothing, and the linter says so
    assert apply_rules(ranked, rules, RuleContext(day=DAY), ProductLookup(products)).effects == {}
    codes = {f.code for f in lint_rules(rules, products, today=DAY)}
    assert "matches-nothing" in codes
    assert "matches-nothing" not in {f.code for f in lint_rules(rules, products, today=DAY, reviews=reviews)}


def test_recent_rating_window_ends_at_as_of(reviews, products) -> None:
    early = ProductLookup(products, reviews, as_of=NOW - pd.Timedelta(days=10))
    assert early.recent_rating("A") is None  # A's bad reviews came later, its good ones 30 days before
    assert early.recent_rating("A", days=40) == (5.0, 6)


def test_search_hook_buries_low_rated_items(reviews, products) -> None:
    rules = parse_rules({"rules": [{"id": "low", "action": "bury", "target": {"recent_rating": {"below": 3.5}}}]})
    hook = SearchRulesHook(rules, ProductLookup(products, reviews), RuleContext(day=DAY))
    cands = [SimpleNamespace(item_id=i, score=s, pinned_at=None, effects=[], parts={})
             for i, s in [("A", 5.0), ("B", 4.0), ("E", 3.0)]]
    hook.apply(cands, "shoes")
    order = sorted(cands, key=lambda c: -c.score)
    assert [c.item_id for c in order] == ["B", "A", "E"] and "low" in order[1].parts and not order[0].parts


def test_whatif_replay_honours_recent_rating_as_of_the_period_start() -> None:
    from recsys_core.demo import generate_demo_shop

    shop, _ = generate_demo_shop(0, n_products=200, n_users=120, n_days=42, target_events=8000)
    setup = prepare_replay(shop, days=14)
    shown = setup.lists["item_id"].astype(str).value_counts()
    low, late = list(shown.index[:3]), list(shown.index[3:5])
    # low: rated 1 star in the week before the replayed period; late: only after it began
    stamps = [setup.cut - pd.Timedelta(days=3)] * 4 * len(low) + [setup.cut + pd.Timedelta(days=2)] * 4 * len(late)
    items = [i for i in low for _ in range(4)] + [i for i in late for _ in range(4)]
    reviews = pd.DataFrame({"review_id": [f"R{n}" for n in range(len(items))], "item_id": items, "user_id": None,
                            "rating": 1, "title": None, "text": "bad", "created_at": stamps, "verified": 1,
                            "helpful_votes": 0})
    setup = prepare_replay(dc_replace(shop, reviews=reviews), days=14)
    rules = parse_rules({"rules": [{"id": "low", "action": "bury", "target": {"recent_rating": {"below": 3}}}]})
    changed = 0
    for _, _, before, after in replayed_orders(setup, Change("bury low rated", rules=rules)):
        buried = [i for i in after if i in low]
        assert after[len(after) - len(buried):] == buried  # below every other item
        kept = [i for i in before if i not in low]  # the rest (late included) keep their order; the
        assert [i for i in after if i not in low][:len(kept)] == kept  # buried ones' slots go to the next items
        changed += before != after
    assert changed > 0
    report = replay(shop, Change("bury low rated", rules=rules), setup=setup, n_boot=50)
    assert report.lists_changed == changed


def test_target_default_has_no_rating() -> None:
    assert Target(item_ids=("A",)).recent_rating is None


def test_engine_cards_from_review_text_with_the_real_aspect_extractor() -> None:
    """Review text in, insight card out: the strategy engine, the aspect extractor (MiniLM) and
    the signals together, on the small demo shop with one item's sizing complaints planted."""
    pytest.importorskip("sentence_transformers")
    from recsys_core.demo import generate_demo_shop
    from recsys_core.strategy import StrategyEngine

    shop, _ = generate_demo_shop(0, n_products=200, n_users=120, n_days=42, target_events=8000)
    item = str(shop.products["item_id"].iloc[0])
    name = str(shop.products["title"].iloc[0])
    end = shop.events["timestamp"].max()
    texts = ([("Runs small, I had to order a size up.", 2, 40 - d) for d in range(2)]
             + [("Way too tight, it runs a full size small.", 2, 20 - d) for d in range(9)]
             + [("Lovely colour and quick delivery.", 5, 10 - d) for d in range(4)])
    reviews = pd.DataFrame({"review_id": [f"X{i}" for i in range(len(texts))], "item_id": item, "user_id": None,
                            "rating": [t[1] for t in texts], "title": None, "text": [t[0] for t in texts],
                            "created_at": [end - pd.Timedelta(days=t[2]) for t in texts], "verified": 1,
                            "helpful_votes": 0})
    cards = StrategyEngine(dc_replace(shop, reviews=reviews)).insights()
    found = [c for c in cards if c["kind"] == "rising_complaints_item"]
    assert [c["figures"]["aspect"] for c in found] == ["sizing"]
    assert found[0]["title"].startswith(f"Complaints about sizing for {name} rose 4.5x in 4 weeks (2 -> 9 reviews")
    assert found[0]["whatif"]["target"] == {"item_ids": [item]}
    plain = StrategyEngine(dc_replace(shop, reviews=reviews.iloc[0:0])).insights()
    assert not [c for c in plain if "complaints" in c["kind"] or "rating" in c["kind"]]


def test_card_titles_write_the_p_value_once() -> None:
    from recsys_core.strategy.review_signals import _p

    assert _p(0.0004) == "p<0.001" and _p(0.031) == "p=0.031"
