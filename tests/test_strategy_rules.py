"""Business rules: validation, apply_rules, the versioned store, the linter, the search hook."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from recsys_core.strategy import (
    ProductLookup,
    RuleContext,
    RuleError,
    RuleSet,
    RulesStoreError,
    SearchRulesHook,
    apply_rules,
    lint_rules,
    load_rules,
    load_rules_file,
    parse_rules,
    rules_history,
    save_rules,
)

DAY = date(2026, 3, 1)


@pytest.fixture
def products() -> pd.DataFrame:
    return pd.DataFrame({
        "item_id": ["A", "B", "C", "D", "E"],
        "title": ["trail boot", "rain jacket", "camp mug", "head lamp", "trail sock"],
        "category": ["outdoor", "outdoor", "kitchen", "outdoor", "outdoor"],
        "brand": ["Peak", "Peak", "Brew", "Glow", "Knit"],
        "price": [100.0, 80.0, 10.0, 30.0, 12.0],
        "stock": [5, 0, 10, 3, 7],
        "attributes": ['{"waterproof": true}', '{"waterproof": true}', "", "", ""],
    })


RANKED = [("A", 0.9), ("B", 0.8), ("C", 0.5), ("D", 0.4), ("E", 0.1)]


def rules(*specs: dict) -> RuleSet:
    return parse_rules({"rules": list(specs)})


def test_unknown_keys_and_bad_rules_are_rejected() -> None:
    with pytest.raises(RuleError, match="boots"):
        rules({"id": "x", "action": "boost", "multiplier": 2, "target": {"brands": ["Peak"]}, "boots": 1})
    with pytest.raises(RuleError, match="must raise"):
        rules({"id": "x", "action": "boost", "multiplier": 0.5, "target": {"brands": ["Peak"]}})
    with pytest.raises(RuleError, match="exactly one"):
        rules({"id": "x", "action": "pin", "position": 1, "target": {"brands": ["Peak"]}})
    with pytest.raises(RuleError, match="duplicate"):
        rules({"id": "x", "action": "filter", "target": {"item_ids": ["A"]}},
              {"id": "x", "action": "filter", "target": {"item_ids": ["B"]}})


def test_boost_bury_filter_pin_with_exact_effects(products) -> None:
    rs = rules(
        {"id": "boost-glow", "action": "boost", "multiplier": 3, "target": {"brands": ["glow"]}},
        {"id": "bury-waterproof", "action": "bury", "target": {"attributes": {"waterproof": True}}},
        {"id": "no-mugs", "action": "filter", "target": {"categories": ["kitchen"]}},
        {"id": "pin-sock", "action": "pin", "position": 1, "target": {"item_ids": ["E"]}},
    )
    out = apply_rules(RANKED, rs, RuleContext(day=DAY), products)
    assert [i for i, _ in out.ranking] == ["E", "D", "A", "B"]
    assert out.removed == ["C"]
    base = dict(RANKED)
    for item, score in out.ranking:  # the rules component is exactly final - fused
        assert out.rule_score(item) == pytest.approx(score - base[item])
    assert out.effects["D"][0].delta == pytest.approx(0.8)
    scores = [s for _, s in out.ranking]
    assert scores == sorted(scores, reverse=True)


def test_scope_dates_and_priority(products) -> None:
    rs = rules(
        {"id": "boots-only", "action": "pin", "position": 1, "target": {"item_ids": ["D"]},
         "scope": {"queries": ["boot"]}},
        {"id": "old", "action": "pin", "position": 1, "target": {"item_ids": ["C"]}, "ends": "2026-02-01"},
        {"id": "low", "action": "pin", "position": 2, "target": {"item_ids": ["E"]}, "priority": 1},
        {"id": "high", "action": "pin", "position": 2, "target": {"item_ids": ["C"]}, "priority": 5},
    )
    plain = apply_rules(RANKED, rs, RuleContext(query="mug", day=DAY), products)
    assert [i for i, _ in plain.ranking][:3] == ["A", "C", "E"]  # high wins slot 2, low moves down
    boots = apply_rules(RANKED, rs, RuleContext(query="trail boots", day=DAY), products)
    assert boots.ranking[0][0] == "D"
    nothing = apply_rules(RANKED, rules(), RuleContext(day=DAY), products)
    assert nothing.ranking == RANKED and nothing.effects == {}


def test_pin_inserts_catalogue_item_and_skips_unknown(products) -> None:
    rs = rules({"id": "p", "action": "pin", "position": 2, "target": {"item_ids": ["E"]}},
               {"id": "ghost", "action": "pin", "position": 1, "target": {"item_ids": ["ZZZ"]}})
    out = apply_rules(RANKED[:3], rs, RuleContext(day=DAY), products)
    assert [i for i, _ in out.ranking] == ["A", "E", "B", "C"]
    assert out.skipped == ["ghost"]


def test_store_versions_and_history(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert load_rules(ws).rules == ()
    v1 = save_rules(ws, rules({"id": "a", "action": "filter", "target": {"item_ids": ["A"]}}), "first")
    v2 = save_rules(ws, rules({"id": "b", "action": "filter", "target": {"item_ids": ["B"]}}), "second")
    assert (v1, v2) == (1, 2)
    assert [r.id for r in load_rules(ws).rules] == ["b"]
    assert [r.id for r in load_rules(ws, 1).rules] == ["a"]
    assert [e["message"] for e in rules_history(ws)] == ["first", "second"]
    with pytest.raises(RulesStoreError, match="version 7"):
        load_rules(ws, 7)
    assert not list((ws / "rules").rglob("*.tmp"))


def test_rules_file_formats(tmp_path: Path) -> None:
    y = tmp_path / "r.yaml"
    y.write_text("rules:\n  - id: x\n    action: boost\n    additive: 0.5\n    target: {brands: [Peak]}\n", encoding="utf-8")
    assert load_rules_file(y).rules[0].additive == 0.5
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [ {id: x, action: shove, target: {brands: [P]}} ]", encoding="utf-8")
    with pytest.raises(RuleError, match="action"):
        load_rules_file(bad)
    with pytest.raises(RuleError, match="not found"):
        load_rules_file(tmp_path / "missing.yaml")


def test_linter_flags_each_problem(products) -> None:
    rs = rules(
        {"id": "pin-missing", "action": "pin", "position": 1, "target": {"item_ids": ["ZZZ"]}},
        {"id": "pin-oos", "action": "pin", "position": 1, "target": {"item_ids": ["B"]}},
        {"id": "expired", "action": "boost", "multiplier": 5, "target": {"brands": ["Knit"]}, "ends": "2026-01-01"},
        {"id": "future", "action": "boost", "multiplier": 5, "target": {"brands": ["Knit"]}, "starts": "2026-06-01"},
        {"id": "bury-peak", "action": "bury", "target": {"brands": ["Peak"]}},
        {"id": "boost-peak", "action": "boost", "multiplier": 2, "target": {"brands": ["Peak"]}},
        {"id": "weak", "action": "boost", "multiplier": 1.0000001, "target": {"brands": ["Knit"]}},
        {"id": "ghost-brand", "action": "boost", "multiplier": 2, "target": {"brands": ["Nobody"]}},
    )
    events = pd.DataFrame({"type": ["view"] * 8, "item_id": ["A", "A", "A", "D", "D", "C", "B", "E"]})
    found = {(f.rule_id, f.code) for f in lint_rules(rs, products, today=DAY, events=events)}
    expected = {("pin-missing", "pin-missing-item"), ("pin-oos", "pin-out-of-stock"), ("expired", "expired"),
                ("future", "not-yet-active"), ("bury-peak", "conflict"), ("weak", "no-effect"),
                ("ghost-brand", "matches-nothing"), ("ghost-brand", "no-effect")}
    assert expected <= found
    assert ("boost-peak", "no-effect") not in found and ("expired", "no-effect") not in found
    clean = rules({"id": "ok", "action": "boost", "multiplier": 50, "target": {"item_ids": ["E"]}})
    # a sound rule set draws no problem, only each rule's measured effect
    assert {(f.severity, f.code) for f in lint_rules(clean, products, today=DAY, events=events)} <= {("info", "effect")}


@dataclass
class _Cand:
    item_id: str
    score: float
    pinned_at: int | None = None
    effects: list[str] = field(default_factory=list)
    parts: dict[str, float] = field(default_factory=dict)


def test_search_hook_matches_the_retrieval_protocol(products) -> None:
    rs = rules({"id": "no-mugs", "action": "filter", "target": {"item_ids": ["C"]}},
               {"id": "pin-e", "action": "pin", "position": 1, "target": {"item_ids": ["E"]}})
    hook = SearchRulesHook(rs, ProductLookup(products), RuleContext(day=DAY))
    cands = [_Cand(i, s) for i, s in RANKED]
    hook.apply(cands, "anything")
    assert [c.item_id for c in cands] == ["A", "B", "D", "E"]
    e = next(c for c in cands if c.item_id == "E")
    assert e.pinned_at == 0 and e.effects == ["pinned at position 1 by rule pin-e"]
    assert e.parts["pin-e"] == pytest.approx(e.score - dict(RANKED)["E"])  # its exact share of the score
