"""The strategy engine: each analysis computed once, with one set of settings, and the assistant
and the app only ask it (no second slow-mover rule, Gini, what-if or segment fit of their own)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from recsys_core.strategy import StrategyEngine, boost_change, exposure_audit, gini, slow_movers
from recsys_core.strategy.engine import STOCK_WINDOW_DAYS
from recsys_core.strategy.insights import insight_cards
from recsys_core.strategy.inventory import SLOW_MOVER_BOOST, SLOW_MOVER_MIN_HEADROOM
from tests.strategy_demo import demo_shop

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def engine() -> StrategyEngine:
    return StrategyEngine(demo_shop()[0])


def test_each_analysis_is_computed_once(engine: StrategyEngine) -> None:
    assert engine.segments is engine.segments and engine.trends is engine.trends
    assert engine.inventory is engine.inventory and engine.replay_setup is engine.replay_setup
    assert engine.inventory.equals(engine.inventory)


def test_slow_movers_are_one_selection_for_cards_proposals_and_the_chat(engine: StrategyEngine) -> None:
    inv = engine.inventory
    chosen = slow_movers(inv)
    assert len(chosen) and (chosen["margin_headroom"] >= SLOW_MOVER_MIN_HEADROOM).all()
    assert chosen["slow_mover"].all() and (chosen["views_recent"] > 0).all()
    cards = [c for c in insight_cards(engine.trends, inv, engine.shop.products) if c["kind"] == "slow_mover_margin"]
    assert cards and {c["figures"]["item_id"] for c in cards} <= set(chosen["item_id"])
    assert {c["whatif"]["multiplier"] for c in cards} == {SLOW_MOVER_BOOST}
    by_engine = engine.slow_movers(top=len(inv))
    assert set(by_engine["item_id"]) == set(chosen["item_id"])
    from recsys_core.strategy.proposals import slow_mover_candidates

    today = engine.shop.events["timestamp"].max().date()
    for prop in slow_mover_candidates(engine.shop, inv, today, limit=5):
        assert set(prop.figures["items"]) <= set(chosen["item_id"])
        assert prop.change.rules.rules[0].multiplier == SLOW_MOVER_BOOST
    assert STOCK_WINDOW_DAYS == 28


def test_exposure_is_the_audit_of_the_logged_lists_in_scope(engine: StrategyEngine) -> None:
    scoped = engine.exposure(category="outdoor", k=10)
    everything = engine.exposure(k=10)
    assert 0 < scoped["items_in_scope"] < everything["items_in_scope"] == len(engine.shop.products)
    assert scoped["lists"] > 0 and 0 <= scoped["gini_items"] <= 1
    by_hand = exposure_audit(engine._recent_lists(30), engine.shop.products, k=10)
    assert everything["gini_items"] == pytest.approx(by_hand["gini_items"])
    assert gini(np.array([1.0, 1.0, 1.0])) == 0.0


def test_whatif_of_a_boost_moves_its_brand(engine: StrategyEngine) -> None:
    brand = str(engine.shop.products["brand"].value_counts().index[0])
    change = boost_change(50, brand=brand)
    assert change.rules.rules[0].multiplier == 1.5 and change.rules.rules[0].target.brands == (brand,)
    report = engine.whatif(change, n_boot=50)
    moved = report.exposure.set_index("key")
    assert report.lists_changed > 0 and moved.loc[brand, "after_share"] > moved.loc[brand, "before_share"]


def test_the_app_fits_no_strategy_model_of_its_own() -> None:
    """Segments, stock signals, Gini and replays are the engine's: the assistant package only calls it."""
    fitted_here = re.compile(r"\b(?:SegmentModel|inventory_signals|prepare_replay|gini|exposure_audit)\(")
    offenders = [f"{p.relative_to(ROOT)}" for p in (ROOT / "assistant").rglob("*.py")
                 if fitted_here.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
