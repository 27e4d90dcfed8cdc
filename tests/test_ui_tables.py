"""The What-if rules table: rule dicts round-trip through it, and an insight's rule is added to the
proposed set (live rules kept) instead of replacing it."""

from __future__ import annotations

import pytest

from assistant.ui.insights import with_rule
from assistant.ui.rule_editor import RuleFieldError
from assistant.ui.rules_table import add_to_table, diff_markdown, saved_words
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


# ---- every field through the table; natural input in the cells ---------------------------------
FULL = {"id": "xmas-northpeak", "action": "boost", "target": {"brands": ["Northpeak"], "attributes": {"waterproof": True}},
        "scope": {"queries": ["tent"], "segments": ["Bargain hunters"], "surfaces": ["search"],
                  "categories": ["outdoor"]},
        "multiplier": 1.5, "starts": "2026-12-01", "ends": "2026-12-24", "priority": 2, "enabled": False,
        "note": "christmas push"}


def test_a_rule_keeps_its_scope_dates_and_note_through_the_table() -> None:
    from recsys_core.strategy.rules import Rule

    back = table_to_rules(rules_to_table([FULL]))
    assert Rule.model_validate(back[0]) == Rule.model_validate(FULL)


def _cells(**cells: object) -> list[dict[str, object]]:
    table = rules_to_table([LIVE[0]]).astype(object)
    for column, value in cells.items():
        table.loc[0, column] = value
    return table_to_rules(table)


def test_the_table_reads_strength_and_action_as_a_person_types_them() -> None:
    assert _cells(multiplier="x1.2")[0]["multiplier"] == 1.2
    assert _cells(multiplier="20%")[0]["multiplier"] == 1.2
    assert _cells(multiplier="120%")[0]["multiplier"] == 1.2
    assert _cells(action="Boost")[0]["action"] == "boost"
    assert _cells(action="BURY", multiplier="-30%")[0]["multiplier"] == pytest.approx(0.7)


@pytest.mark.parametrize(("cells", "message"), [
    ({"multiplier": "0.8"}, "rules table row 1, multiplier: '0.8' lowers the score"),
    ({"action": "promote"}, "rules table row 1, action: 'promote' is not an action; choose pin, boost, bury or filter"),
    ({"starts": "2026-12-24", "ends": "2026-12-01"}, "rules table row 1, ends: 2026-12-01 is before starts 2026-12-24"),
    ({"id": ""}, "rules table row 1, id: give the rule an id"),
    ({"target_brands": ""}, "rules table row 1, target_items: the rule acts on nothing"),
    ({"position": "3"}, "rules table row 1, position: only a pin takes a position"),
])
def test_a_bad_cell_names_its_row_and_column(cells: dict[str, object], message: str) -> None:
    with pytest.raises(RuleFieldError) as caught:
        _cells(**cells)
    assert str(caught.value).startswith(message)


def test_a_repeated_id_names_both_rows() -> None:
    with pytest.raises(RuleFieldError, match="rules table row 2, id: 'boost-brand' is also the id of row 1"):
        table_to_rules(rules_to_table([LIVE[0], LIVE[0]]))


# ---- an insight card or the form adds to the set; a blank table starts from the live rules -------
class FakeDesk:
    def __init__(self, live: list[dict[str, object]]):
        from recsys_core.strategy.rules_store import parse_rules

        self.live = parse_rules({"rules": live})

    def rules(self) -> object:
        return self.live


CARD = {"id": "slow_mover_margin-abc", "action": "boost", "target": {"item_ids": ["P00009"]}, "multiplier": 1.3}


def test_a_card_added_to_a_blank_table_joins_the_live_rules() -> None:
    desk = FakeDesk(LIVE)
    table, text = add_to_table(desk, rules_to_table([]), CARD, "the insight card")  # type: ignore[arg-type]
    assert [r["id"] for r in table_to_rules(table)] == ["boost-brand", "pin-1", "slow_mover_margin-abc"]
    assert "Added rule `slow_mover_margin-abc` from the insight card" in text and "3 rules" in text


def test_a_card_added_to_an_edited_table_keeps_the_tables_rules() -> None:
    desk = FakeDesk(LIVE)
    edited = rules_to_table([{**LIVE[0], "multiplier": 2.0}])  # the person changed the live boost and dropped the pin
    table, _ = add_to_table(desk, edited, CARD)  # type: ignore[arg-type]
    rules = table_to_rules(table)
    assert [r["id"] for r in rules] == ["boost-brand", "slow_mover_margin-abc"] and rules[0]["multiplier"] == 2.0
    again, text = add_to_table(desk, table, {**CARD, "multiplier": 1.5})  # type: ignore[arg-type]
    assert [r["id"] for r in table_to_rules(again)] == ["boost-brand", "slow_mover_margin-abc"]
    assert text.startswith("Changed rule `slow_mover_margin-abc`")


# ---- the changes a save makes, in words ----------------------------------------------------------
def test_the_diff_says_what_is_added_changed_and_removed() -> None:
    from recsys_core.strategy.rules_store import diff_rules, parse_rules

    before = parse_rules({"rules": LIVE})
    after = parse_rules({"rules": [{**LIVE[0], "multiplier": 1.5, "scope": {"queries": ["tent"]}}, CARD]})
    diff = diff_rules(before, after)
    assert [r["id"] for r in diff["added"]] == ["slow_mover_margin-abc"]
    assert [r["id"] for r in diff["removed"]] == ["pin-1"] and diff["unchanged"] == []
    assert diff["changed"][0]["changes"] == ["search queries (none) -> tent", "multiplier 1.3 -> 1.5"]
    text = diff_markdown(diff)
    assert "**added** `slow_mover_margin-abc`: boost products P00009 x1.3" in text
    assert "**changed** `boost-brand`: search queries (none) -> tent; multiplier 1.3 -> 1.5" in text
    assert "**removed** `pin-1`: pin products P00001 at position 1" in text
    assert saved_words(7, diff) == ("Saved version 7: added slow_mover_margin-abc; changed boost-brand "
                                    "(search queries (none) -> tent; multiplier 1.3 -> 1.5); removed pin-1; "
                                    "kept 0 rules unchanged.")
    assert diff_markdown(diff_rules(before, before)) == "No changes: the same rules as the live set."
