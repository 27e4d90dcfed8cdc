"""The What-if rules table: rule dicts round-trip through it, and an insight's rule is added to the
proposed set (live rules kept) instead of replacing it."""

from __future__ import annotations

from assistant.ui.insights import with_rule
from assistant.ui.whatif import rules_to_table, table_to_rules

LIVE = [{"id": "boost-brand", "action": "boost", "target": {"brands": ["Voltix"]}, "multiplier": 1.3},
        {"id": "pin-1", "action": "pin", "target": {"item_ids": ["P00001"]}, "position": 1}]


def test_rules_round_trip_through_the_table() -> None:
    back = table_to_rules(rules_to_table(LIVE))
    assert [r["id"] for r in back] == ["boost-brand", "pin-1"]
    assert back[0]["target"] == {"brands": ["Voltix"]} and back[0]["multiplier"] == 1.3
    assert back[1]["position"] == 1 and back[1]["target"] == {"item_ids": ["P00001"]}
    assert table_to_rules(rules_to_table([])) == []  # the blank row of an empty table is no rule


def test_an_insight_rule_joins_the_proposed_set() -> None:
    card = {"id": "slow_mover_margin-abc", "action": "boost", "target": {"item_ids": ["P00009"]}, "multiplier": 1.3}
    table = with_rule(rules_to_table(LIVE), card)
    assert [r["id"] for r in table_to_rules(table)] == ["boost-brand", "pin-1", "slow_mover_margin-abc"]
    again = with_rule(table, {**card, "multiplier": 1.5})  # the same card twice: replaced, not duplicated
    rules = table_to_rules(again)
    assert [r["id"] for r in rules].count("slow_mover_margin-abc") == 1 and rules[-1]["multiplier"] == 1.5
