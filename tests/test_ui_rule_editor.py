"""The rule editor's parse functions: strength typed naturally, actions in any case, dates, lists;
whatever is typed, a value comes back or a RuleFieldError that names the field (never a bare
ValueError, which the UI would show as "internal error")."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.ui.rule_editor import (
    FORM_FIELDS,
    RuleFieldError,
    RuleFormError,
    auto_id,
    parse_action,
    parse_additive,
    parse_attributes,
    parse_date,
    parse_dates,
    parse_enabled,
    parse_list,
    parse_position,
    parse_priority,
    parse_rule_id,
    parse_strength,
    parse_surfaces,
    rule_from_form,
)
from assistant.ui.whatif import RULE_COLUMNS, rules_to_table, table_to_rules
from recsys_core.strategy.errors import RuleError
from recsys_core.strategy.rules import Rule


# ---- action ------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["boost", "Boost", " BOOST ", "boost\n"])
def test_an_action_is_read_in_any_case(text: str) -> None:
    assert parse_action(text) == "boost"


def test_an_unknown_action_names_the_choices() -> None:
    with pytest.raises(RuleFieldError) as caught:
        parse_action("promote")
    assert str(caught.value) == "action: 'promote' is not an action; choose pin, boost, bury or filter"
    assert caught.value.field == "action" and isinstance(caught.value, RuleError)
    with pytest.raises(RuleFieldError, match="did you mean boost"):
        parse_action("boots")
    with pytest.raises(RuleFieldError, match="^action: choose pin, boost, bury or filter"):
        parse_action("  ")


# ---- strength ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "action", "expected"), [
    ("x1.2", "boost", 1.2), ("1.2", "boost", 1.2), ("+20%", "boost", 1.2), ("20%", "boost", 1.2),
    ("120%", "boost", 1.2), ("×1.2", "boost", 1.2), ("X 1.2", "boost", 1.2), ("1.2x", "boost", 1.2),
    ("1,2", "boost", 1.2), ("x2", "boost", 2.0), ("+100%", "boost", 2.0), ("+ 50 %", "boost", 1.5),
    ("-30%", "bury", 0.7), ("30%", "bury", 0.7), ("x0.7", "bury", 0.7), ("0.7", "bury", 0.7), (".5", "bury", 0.5),
    (1.3, "boost", 1.3), (0.5, "bury", 0.5),
])
def test_strength_is_typed_naturally(text: object, action: str, expected: float) -> None:
    assert parse_strength(text, action) == pytest.approx(expected)


@pytest.mark.parametrize(("text", "action", "words"), [
    ("0.8", "boost", "lowers the score; a boost must raise it"),
    ("-20%", "boost", "choose bury"),
    ("x1", "boost", "leaves the score unchanged"),
    ("+20%", "bury", "raises the score; a bury must lower it"),
    ("x1.5", "bury", "choose boost"),
    ("x0", "boost", "would wipe out the score"),
    ("x1000", "boost", "out of range"),
    ("-150%", "bury", "would take away the whole score"),
    ("100%", "boost", "ambiguous"),
    ("20", "boost", "ambiguous; write x20"),
    ("1,200", "boost", "ambiguous"),
    ("abc", "boost", "'abc' is not a number"),
    ("", "boost", "a boost needs a strength"),
    ("x1.2", "pin", "a pin takes a position"),
    ("x1.2", "filter", "takes no strength"),
    ("0%", "boost", "changes nothing"),
])
def test_a_strength_that_does_not_fit_says_why(text: str, action: str, words: str) -> None:
    with pytest.raises(RuleFieldError) as caught:
        parse_strength(text, action)
    assert str(caught.value).startswith("strength: ") and words in str(caught.value)


def test_no_strength_is_fine_for_a_bury_a_pin_and_a_filter() -> None:
    assert parse_strength("", "bury") is None and parse_strength(None, "pin") is None
    assert parse_strength(float("nan"), "filter") is None


def test_the_field_name_is_the_callers() -> None:
    with pytest.raises(RuleFieldError, match="^multiplier: "):
        parse_strength("lots", "boost", "multiplier")


# ---- the other fields --------------------------------------------------------------------------
def test_dates_lists_positions_and_switches() -> None:
    assert parse_date("2026-12-24") == date(2026, 12, 24) and parse_date(" ") is None
    with pytest.raises(RuleFieldError, match="^starts: '24/12/2026' is not a date; write YYYY-MM-DD"):
        parse_date("24/12/2026")
    with pytest.raises(RuleFieldError, match="^ends: '2026-02-30' is not a day of the calendar"):
        parse_date("2026-02-30", "ends")
    with pytest.raises(RuleFieldError, match="^ends: 2026-01-01 is before starts 2026-02-01"):
        parse_dates("2026-02-01", "2026-01-01")
    assert parse_list(" tent, sleeping  bag,,Tent ", "queries") == ["tent", "sleeping bag"]
    assert parse_list(["Northpeak", "Voltix"], "target") == ["Northpeak", "Voltix"]
    assert parse_surfaces("Search, recs") == ["search", "recommendations"]
    with pytest.raises(RuleFieldError, match="^surfaces: 'home' is not a surface"):
        parse_surfaces("home")
    assert parse_position("#3") == 3 and parse_position("2nd") == 2 and parse_position(1.0) == 1
    with pytest.raises(RuleFieldError, match="^position: '0' is out of range"):
        parse_position("0")
    with pytest.raises(RuleFieldError, match="^position: 'first' is not a whole number"):
        parse_position("first")
    assert parse_priority("") == 0 and parse_priority("-5") == -5
    assert parse_enabled("No") is False and parse_enabled("") is True
    with pytest.raises(RuleFieldError, match="^enabled: 'maybe' is not yes or no"):
        parse_enabled("maybe")
    assert parse_additive("-0.5", "bury") == -0.5
    with pytest.raises(RuleFieldError, match="^additive: '0.5' does not lower the score"):
        parse_additive("0.5", "bury")
    assert parse_attributes("waterproof=true; colour=red") == {"waterproof": True, "colour": "red"}
    with pytest.raises(RuleFieldError, match="^target_attributes: 'red' is not key=value"):
        parse_attributes("red")
    assert auto_id("boost", ["Northpeak"]) == "boost-northpeak"
    assert auto_id("pin", ["P00012"]) == "pin-p00012"


# ---- the whole form ----------------------------------------------------------------------------
def _form(**given: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"rule_id": "", "action": "boost", "kind": "brands", "targets": ["Northpeak"],
                                 "strength": "+20%", "position": None, "queries": "", "segments": [],
                                 "surfaces": [], "starts": "", "ends": ""}
    return {**fields, **given}


def test_the_form_makes_a_named_rule_with_its_scope_and_dates() -> None:
    rule = rule_from_form(**_form(queries="tent, tarp", segments=["Bargain hunters"], surfaces=["search"],
                                  starts="2026-12-01", ends="2026-12-24"))
    assert rule == {"id": "boost-northpeak", "action": "boost", "target": {"brands": ["Northpeak"]},
                    "multiplier": pytest.approx(1.2),
                    "scope": {"queries": ["tent", "tarp"], "segments": ["Bargain hunters"], "surfaces": ["search"]},
                    "starts": "2026-12-01", "ends": "2026-12-24"}
    Rule.model_validate(rule)
    pin = rule_from_form(**_form(action="pin", kind="products", targets=["P00012"], strength="x9", position=2))
    assert pin == {"id": "pin-p00012", "action": "pin", "target": {"item_ids": ["P00012"]}, "position": 2}


def test_every_field_that_cannot_be_read_gets_its_own_message() -> None:
    with pytest.raises(RuleFormError) as caught:
        rule_from_form(**_form(action="Boost", strength="-20%", starts="soon", ends="2026-01-01", surfaces=["home"],
                               targets=[]))
    problems = caught.value.problems
    assert set(problems) == {"strength", "starts", "surfaces", "target"}
    assert all(message.startswith(f"{field}: ") for field, message in problems.items())
    with pytest.raises(RuleFormError) as caught:
        rule_from_form(**_form(action="pin", kind="brands", position=None))
    assert set(caught.value.problems) == {"target", "position"}
    with pytest.raises(RuleFormError) as caught:
        rule_from_form(**_form(targets=["Nortpeak"]), known={"brands": ["Northpeak", "Voltix"]})
    assert caught.value.problems["target"] == "target: 'Nortpeak' is not one of the shop's brands; closest: Northpeak"


# ---- whatever is typed -------------------------------------------------------------------------
TEXT = st.one_of(st.text(max_size=60), st.sampled_from(["x1.2", "+20%", "-30%", "120%", "1,2", "2026-12-24",
                                                        "Boost", "pin", "1e400", "nan", "inf", "-0", "x", "%", "#"]),
                 st.floats(allow_nan=True), st.integers(), st.none(), st.booleans())
PARSERS = [
    ("action", lambda t: parse_action(t)),
    ("strength", lambda t: [parse_strength(t, a) for a in ("pin", "boost", "bury", "filter")]),
    ("additive", lambda t: [parse_additive(t, a) for a in ("boost", "bury")]),
    ("position", lambda t: parse_position(t)),
    ("priority", lambda t: parse_priority(t)),
    ("enabled", lambda t: parse_enabled(t)),
    ("starts", lambda t: parse_date(t)),
    ("queries", lambda t: parse_list(t, "queries")),
    ("surfaces", lambda t: parse_surfaces(t)),
    ("target_attributes", lambda t: parse_attributes(t)),
    ("id", lambda t: parse_rule_id(t)),
]


@settings(max_examples=300, deadline=None)
@given(text=TEXT, which=st.sampled_from(PARSERS))
def test_any_text_in_any_field_is_read_or_named(text: object, which: tuple[str, object]) -> None:
    field, parse = which
    try:
        parse(text)  # type: ignore[operator]
    except RuleFieldError as exc:
        assert exc.field == field and str(exc).startswith(f"{field}: ")


@settings(max_examples=200, deadline=None)
@given(fields=st.lists(TEXT, min_size=11, max_size=11))
def test_any_form_is_a_rule_or_messages_per_field(fields: list[object]) -> None:
    try:
        rule = rule_from_form(*fields)
    except RuleFormError as exc:
        assert exc.problems and all(m.startswith(f"{f}: ") for f, m in exc.problems.items())
        assert set(exc.problems) <= set(FORM_FIELDS)
    else:
        Rule.model_validate(rule)


VALID_ROW = {"id": "b", "action": "boost", "target_brands": "Voltix", "multiplier": "x1.2"}


@settings(max_examples=300, deadline=None)
@given(cells=st.dictionaries(st.sampled_from(RULE_COLUMNS), TEXT, max_size=6), second=st.booleans())
def test_the_rules_table_reads_any_cells_or_names_row_and_column(cells: dict[str, object], second: bool) -> None:
    rows = [VALID_ROW, {**VALID_ROW, "id": "c", **cells}] if second else [{**VALID_ROW, **cells}]
    table = pd.DataFrame(rows, columns=RULE_COLUMNS).astype(object)
    try:
        rules = table_to_rules(table)
    except RuleFieldError as exc:
        assert str(exc).startswith(f"rules table row {len(rows)}, {exc.field}: ")
    else:
        for rule in rules:
            Rule.model_validate(rule)
        assert table_to_rules(rules_to_table(rules)) == rules  # what the table reads, it writes back the same
