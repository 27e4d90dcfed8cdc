"""The strategy lab's core on the default demo shop: the library's kinds and size, keys that agree
with the demo's ground truth, briefs that use only the log before their decision date, scoring
of plays, and learners' progress files."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recsys_core.data.shop import ShopData
from recsys_core.strategy.lab import KINDS, LabError, Library, generate_library
from recsys_core.strategy.lab.briefs import BUILDERS, TRAP_LURE_RULE, DecisionPoint
from recsys_core.strategy.lab.model import LabNotFoundError, Scenario
from recsys_core.strategy.lab.play import Prediction, parse_interval, parse_number, score_play
from recsys_core.strategy.lab.progress import LearnerStore, check_learner, summarise
from tests.strategy_demo import demo_shop


@lru_cache(maxsize=1)
def library() -> Library:
    return generate_library(demo_shop()[0], seed=0)


@pytest.fixture(scope="module")
def lib() -> Library:
    return library()


@pytest.fixture(scope="module")
def truth() -> dict:
    return demo_shop()[1]


def by_kind(lib: Library, kind: str) -> list[Scenario]:
    return [s for s in lib.scenarios if s.kind == kind]


def test_library_has_every_kind_and_at_least_24_scenarios(lib: Library) -> None:
    counts = lib.counts()
    assert sum(counts.values()) >= 24
    assert all(counts[k] >= 1 for k in KINDS), counts
    assert [s.id for s in lib.scenarios] == [f"s{i:02d}" for i in range(1, len(lib.scenarios) + 1)]
    for s in lib.scenarios:
        assert 2 <= len(s.actions) <= 4 and s.brief and s.pointers
        assert all(f in {x.id for x in s.brief} for a in s.actions for f in a.evidence)
        assert s.goal in ("revenue", "margin")


def test_keys_are_replayed_and_consistent(lib: Library) -> None:
    for s in lib.scenarios:
        key = s.key
        assert set(key["outcomes"]) == {a.id for a in s.actions}
        for a in s.actions:
            m = key["outcomes"][a.id]["metrics"][s.goal]
            assert m["ci_low"] <= m["delta"] <= m["ci_high"]
            if not a.rules.rules:  # "change nothing" changes nothing
                assert m == {k: 0.0 for k in m}
            else:  # promoting its targets raises their share of attention; demoting lowers it
                e = key["outcomes"][a.id]["metrics"]["target_exposure_pts"]
                assert e["ci_low"] <= e["delta"] <= e["ci_high"]
                assert (e["delta"] > 0) == (a.direction > 0), (s.id, a.label, e)
        best = key["best"]
        assert best in key["acceptable"]
        assert key["outcomes"][best]["metrics"][s.goal]["delta"] == max(
            key["outcomes"][a.id]["metrics"][s.goal]["delta"] for a in s.actions)
        clear = key["lead_over_runner_up"]["ci_low"] > 0
        assert (key["winner"] == best) == clear and (key["winner"] is None) == (not clear)
        assert key["period"][0] == s.decision_date


def test_rising_scenarios_agree_with_the_injected_trends(lib: Library, truth: dict) -> None:
    up = {t["category"] for t in truth["trends"] if t["direction"] == "up"}
    down = {t["category"] for t in truth["trends"] if t["direction"] == "down"}
    significant = 0
    compared = 0
    wins: list[tuple] = []
    for s in by_kind(lib, "rising"):
        t = s.truth
        if t["trend_rising"] == "rising":  # a significant rise found before the date is a true one
            assert t["rising"] in up
            significant += 1
        revenue = {a.rules.rules[0].target.categories[0]: s.key["outcomes"][a.id]["metrics"]["revenue"]["delta"]
                   for a in s.actions}
        for u in up & set(revenue):
            for d in down & set(revenue):  # replayed: pushing a rising category beats pushing a falling one
                wins.append((revenue[u] > revenue[d], s.id, u, d, revenue))
                compared += 1
    assert significant >= 1 and compared >= 3
    # not every pair: a 14-day replay of one date is noisy (on the generator before reviews drove
    # purchases, seed 1 had the rising category ahead in 1 of 6 pairs), so on average and mostly
    lead = [w[4][w[2]] - w[4][w[3]] for w in wins]
    assert np.mean(lead) > 0 and sum(w[0] for w in wins) >= compared / 2, wins


def test_the_promotion_scenario_finds_the_injected_sale_and_its_effect(lib: Library, truth: dict) -> None:
    promo = truth["promotion"]
    found = [s for s in by_kind(lib, "promotion") if s.truth["category"] == promo["category"]]
    assert len(found) == 1
    s = found[0]
    assert abs((pd.Timestamp(s.truth["start"]) - pd.Timestamp(promo["start"])).days) <= 1
    assert abs(s.truth["discount"] - promo["discount"]) < 0.03
    sale = next(a for a in s.actions if a.rules.rules and a.rules.rules[0].target.categories == (promo["category"],))
    purchases = s.key["outcomes"][sale.id]["metrics"]["purchases"]
    assert purchases["ci_low"] > 0  # the sale's extra demand shows in the replay of its days


def test_cold_start_items_are_the_demo_new_listings(lib: Library, truth: dict) -> None:
    listed = {n["item_id"]: n["listed_from"] for n in truth["new_items"]}
    for s in by_kind(lib, "cold_start"):
        for item in s.truth["new_items"]:
            assert item in listed and listed[item] <= s.decision_date  # on sale by the decision date


def test_bundle_pairs_follow_the_demo_shopping_journeys(lib: Library, truth: dict) -> None:
    products = demo_shop()[0].products.set_index("item_id")
    journeys = truth["co_purchase"]["journey_order"]
    for s in by_kind(lib, "bundle"):
        a, b = s.truth["item_a"], s.truth["item_b"]
        category = products.loc[a, "category"]
        assert products.loc[b, "category"] == category
        steps = journeys[category]
        assert any(step in products.loc[a, "title"].lower() for step in steps)
        assert any(step in products.loc[b, "title"].lower() for step in steps)


def test_trap_scenarios_raise_clicks_and_lose_the_goal(lib: Library) -> None:
    traps = by_kind(lib, "trap")
    assert traps
    for s in traps:
        lure = next(a for a in s.actions if a.rules.rules and a.rules.rules[0].id == TRAP_LURE_RULE)
        m = s.key["outcomes"][lure.id]["metrics"]
        assert lure.trap and m["clicks"]["ci_low"] > 0 and m[s.goal]["ci_high"] < 0
        assert lure.id not in ((s.key["winner"],) if s.key["winner"] else ())


def test_briefs_use_only_the_log_before_the_decision_date() -> None:
    shop = demo_shop()[0]
    date = pd.Timestamp("2026-03-20", tz="UTC")
    cut = ShopData(products=shop.products, events=shop.events[shop.events["timestamp"] < date], users=shop.users)
    import numpy as np

    for kind, build in BUILDERS.items():
        full = build(DecisionPoint(shop, date, 14, 0), np.random.default_rng(1))
        past = build(DecisionPoint(cut, date, 14, 0), np.random.default_rng(1))
        assert [[f.text for f in s.brief] for s in full] == [[f.text for f in s.brief] for s in past], kind
        assert [[a.label for a in s.actions] for s in full] == [[a.label for a in s.actions] for s in past], kind


def test_generation_is_deterministic_for_a_seed_and_round_trips(lib: Library, tmp_path: Path) -> None:
    path = lib.save(tmp_path / "scenarios.json")
    again = Library.load(path)
    assert [s.to_dict() for s in again.scenarios] == json.loads(path.read_text())["scenarios"]
    small = demo_shop()[0]
    last = small.events["timestamp"].max()
    short = ShopData(products=small.products, events=small.events[small.events["timestamp"] > last - pd.Timedelta(days=45)],
                     users=small.users)
    one, two = generate_library(short, seed=3), generate_library(short, seed=3)
    assert [s.to_dict() for s in one.scenarios] == [s.to_dict() for s in two.scenarios] and one.scenarios


def test_public_view_hides_the_key(lib: Library) -> None:
    public = lib.scenarios[0].public_dict()
    text = json.dumps(public)
    assert "key" not in public and "truth" not in public and '"trap"' not in text


def test_ids_and_bad_input_get_clear_errors(lib: Library) -> None:
    s = lib.get("S3")
    assert s.id == "s03" and lib.get("3").id == "s03" and lib.get(" s03 ").id == "s03"
    with pytest.raises(LabNotFoundError, match="unknown scenario 's99'"):
        lib.get("s99")
    with pytest.raises(LabNotFoundError):
        lib.get("\u00b2")  # a digit character that is not a decimal
    with pytest.raises(LabError, match="no action 'Z'"):
        Prediction.make(s, "Z", 1, 0, 2)
    with pytest.raises(LabError, match="low .* is above the high"):
        Prediction.make(s, "a", 1, 3, 2)
    with pytest.raises(LabError, match="prediction: 'abc' is not a number"):
        Prediction.make(s, "a", "abc", 0, 2)
    with pytest.raises(LabError, match="outside your interval"):
        Prediction.make(s, "a", 5, 0, 2)
    assert parse_interval("-1 to 2.5%") == (-1.0, 2.5) and parse_interval("[-1%, 3%]") == (-1.0, 3.0)
    assert parse_number("\u22122%", "x") == -2.0
    for bad in ("nan", "inf", "1e9", ""):
        with pytest.raises(LabError):
            parse_number(bad, "prediction")
    with pytest.raises(LabError):
        check_learner("../etc/passwd")


def test_scoring_a_play(lib: Library) -> None:
    s = next(x for x in lib.scenarios if x.key["winner"])
    win = s.key["winner"]
    truth = s.key["outcomes"][win]["metrics"][s.goal]["delta_pct"]
    good = score_play(s, Prediction.make(s, win, truth, truth - 1, truth + 1), learner="ana")
    assert good["choice_correct"] and good["in_interval"] and good["direction_correct"] and good["error_pct"] == 0
    loser = next(a.id for a in s.actions if a.id not in s.key["acceptable"])
    wrong_sign = -1.0 if s.key["outcomes"][loser]["metrics"][s.goal]["delta_pct"] > 0 else 1.0
    bad = score_play(s, Prediction.make(s, loser, 50 * wrong_sign, 50 * wrong_sign - 0.1, 50 * wrong_sign + 0.1), learner="ana")
    assert not bad["choice_correct"] and not bad["in_interval"] and bad["brier"] > good["brier"]


def test_progress_files(lib: Library, tmp_path: Path) -> None:
    store = LearnerStore(tmp_path / "learners")
    s = lib.scenarios[0]
    a = s.actions[0].id
    for n in range(2):
        store.add("Ana B", score_play(s, Prediction.make(s, a, n, -1, 2), learner="Ana B"))
    summary = summarise("Ana B", store.plays("Ana B"))
    assert summary["played"] == 2 and summary["scenarios"] == 1 and s.kind in summary["by_kind"]
    assert store.learners() == ["Ana B"]
    broken = store.path("zed")
    broken.write_text("{not json")
    with pytest.raises(LabError, match="not a readable progress file"):
        store.add("zed", summary)
    assert broken.read_text() == "{not json"  # nothing lost
    assert store.erase("zed") == 1 and not broken.exists()  # erasure does not need a readable file
    assert store.erase("Ana B") == 2 and store.plays("Ana B") == [] and store.erase("Ana B") == 0


def test_the_debrief_says_only_computed_figures(lib: Library) -> None:
    """The debrief is held to the assistant's grounding guard: every figure, id and name in its
    words is in the facts it was written from."""
    from assistant.agent import check_answer
    from assistant.agent.lexicon import Lexicon
    from assistant.lab import debrief_text
    from recsys_core.strategy.lab.play import debrief_facts

    lexicon = Lexicon.from_shop(demo_shop()[0])
    for s in lib.scenarios[:8]:
        for a in s.actions:
            play = score_play(s, Prediction.make(s, a.id, 1.25, -0.5, 2), learner="ana")
            facts = debrief_facts(s, play)
            text = debrief_text(facts)
            report = check_answer(text, facts, lexicon)
            assert not (report.numbers or report.ids or report.names), (text, report)
            outcome = facts["chosen"]["goal_pct"]
            assert f"{outcome:+.2f}%" in text and ("inside" if play["in_interval"] else "outside") in text
