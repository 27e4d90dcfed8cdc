"""Rules are never lost: the diff of a proposed set against the live one, saves that ask before
removing a live rule, and restoring any saved version (Merchandising, the API and the What-if
handlers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from assistant.merchandising import Merchandising
from recsys_core.errors import UnknownIdError
from recsys_core.strategy.errors import RuleError
from recsys_core.strategy.rules_store import load_rules, parse_rules, save_rules

NORTHPEAK = {"id": "boost-northpeak", "action": "boost", "target": {"brands": ["Northpeak"]}, "multiplier": 1.2}
PIN = {"id": "pin-1", "action": "pin", "target": {"item_ids": ["P00001"]}, "position": 1}
CARD = {"id": "slow-mover", "action": "boost", "target": {"item_ids": ["P00009"]}, "multiplier": 1.3}


class FakeService:
    """Only what the rules store needs: the workspace and its live rules."""

    def __init__(self, workspace: Path):
        self.workspace = workspace

    def live_rules(self) -> Any:
        return load_rules(self.workspace)


class QuietDesk(Merchandising):
    def lint(self, ruleset: Any, *, k: int = 10) -> list[dict[str, Any]]:  # no models here to measure effects on
        return []


@pytest.fixture
def desk(tmp_path: Path) -> QuietDesk:
    save_rules(tmp_path, parse_rules([NORTHPEAK, PIN]), "first")
    return QuietDesk(FakeService(tmp_path))  # type: ignore[arg-type]


def _ids(ruleset: Any) -> list[str]:
    return [r.id for r in ruleset.rules]


def test_the_diff_lists_added_changed_and_removed_rules(desk: QuietDesk) -> None:
    found = desk.diff(parse_rules([{**NORTHPEAK, "multiplier": 1.5}, CARD]))
    assert [r["id"] for r in found["added"]] == ["slow-mover"]
    assert found["changed"] == [{"id": "boost-northpeak", "changes": ["multiplier 1.2 -> 1.5"],
                                 "before": NORTHPEAK, "after": {**NORTHPEAK, "multiplier": 1.5}}]
    assert [r["id"] for r in found["removed"]] == ["pin-1"]


def test_a_save_that_would_remove_an_unconfirmed_rule_is_refused(desk: QuietDesk) -> None:
    with pytest.raises(RuleError, match="would also remove pin-1"):
        desk.save(parse_rules([NORTHPEAK, CARD]), "card", confirm_removed=[])
    assert _ids(desk.rules()) == ["boost-northpeak", "pin-1"] and len(desk.versions()) == 1
    out = desk.save(parse_rules([NORTHPEAK, CARD]), "card", confirm_removed=["pin-1"])
    assert out["version"] == 2 and [r["id"] for r in out["diff"]["removed"]] == ["pin-1"]
    assert _ids(desk.rules()) == ["boost-northpeak", "slow-mover"]


def test_a_rule_that_went_live_after_the_review_is_not_dropped(desk: QuietDesk) -> None:
    reviewed = parse_rules([NORTHPEAK])  # the person was shown: pin-1 removed
    desk.upsert(CARD, "someone else adds a rule meanwhile")
    with pytest.raises(RuleError, match="would also remove slow-mover"):
        desk.save(reviewed, "", confirm_removed=["pin-1"])
    assert "slow-mover" in _ids(desk.rules())


def test_every_version_can_be_restored_as_a_new_version(desk: QuietDesk) -> None:
    desk.save(parse_rules([CARD]), "card only")  # the API's PUT: the whole set replaced
    assert _ids(desk.rules()) == ["slow-mover"]
    assert [(v["version"], v["message"], v["rules"]) for v in desk.versions()] == [(2, "card only", 1), (1, "first", 2)]
    out = desk.restore(1)
    assert out["version"] == 3 and out["restored"] == 1
    assert _ids(desk.rules()) == ["boost-northpeak", "pin-1"]
    assert [r["id"] for r in out["diff"]["added"]] == ["boost-northpeak", "pin-1"]
    assert desk.versions()[0]["message"] == "restored version 1"
    assert _ids(desk.version(2)) == ["slow-mover"]  # nothing in the history is lost


def test_an_unknown_version_is_named(desk: QuietDesk) -> None:
    with pytest.raises(UnknownIdError, match=r"^rules version 9 was never saved; saved: versions 1 to 1$"):
        desk.restore(9)


# ---- the API and the What-if tab on the demo workspace -------------------------------------------
@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from tests.app_workspace import private_service

    return private_service(tmp_path_factory, "restore", load=True)


@pytest.fixture(scope="module")
def client(service: Any) -> Any:
    from fastapi.testclient import TestClient

    from assistant.api import Limits, create_app

    return TestClient(create_app(service, limits=Limits(rate=10_000)))


def _brand(service: Any) -> str:
    return str(service.products["brand"].value_counts().index[0])


def test_the_api_diffs_and_restores(client: Any, service: Any) -> None:
    brand = _brand(service)
    boost = {"id": "boost-brand", "action": "boost", "target": {"brands": [brand]}, "multiplier": 1.2}
    first = client.put("/rules", json={"rules": [boost], "message": "brand boost"}).json()["version"]
    client.put("/rules", json={"rules": [CARD | {"target": {"item_ids": [str(service.products.index[0])]}}]})
    diff = client.post("/rules/diff", json={"rules": [{**boost, "multiplier": 1.5}]}).json()
    assert diff["changed"] == [] and [r["id"] for r in diff["added"]] == ["boost-brand"]
    assert [r["id"] for r in diff["removed"]] == ["slow-mover"]
    restored = client.post("/rules/restore", json={"version": first})
    assert restored.status_code == 200, restored.text
    body = restored.json()
    assert [r["id"] for r in body["rules"]] == ["boost-brand"] and body["restored"] == first
    assert client.get("/rules").json()["history"][-1]["message"] == f"restored version {first}"
    missing = client.post("/rules/restore", json={"version": 999})
    assert missing.status_code == 404 and "rules version 999 was never saved" in missing.json()["message"]
    assert client.post("/rules/restore", json={"version": 0}).status_code == 422


@pytest.fixture(scope="module")
def handlers(service: Any) -> dict[str, Any]:
    """The What-if tab's event handlers by name, called as Gradio would."""
    from assistant.ui.app import build_ui

    demo = build_ui(service)
    return {f.name: f.fn for f in demo.fns.values() if f.fn is not None}


def _table(rules: list[dict[str, Any]]) -> pd.DataFrame:
    from assistant.ui.whatif import rules_to_table

    return rules_to_table(rules)


def _update(value: Any) -> dict[str, Any]:
    """A component returned as an update, as its constructor arguments."""
    return value.constructor_args if hasattr(value, "constructor_args") else {"value": value}


def test_saving_from_what_if_asks_before_removing_a_live_rule(handlers: dict[str, Any], service: Any) -> None:
    brand = _brand(service)
    boost = {"id": "boost-brand", "action": "boost", "target": {"brands": [brand]}, "multiplier": 1.2}
    item = str(service.products.index[3])
    card = {"id": "card", "action": "boost", "target": {"item_ids": [item]}, "multiplier": 1.3}
    desk = Merchandising(service)
    desk.save(parse_rules([boost]), "the live boost")
    before = len(desk.versions())

    # adding only: saved at once, in words
    status, shown, confirm, cancel, pending, *_ = handlers["save_rules"](_table([boost, card]), "add card")
    assert status.startswith(f"Saved version {before + 1}: added card;") and "**added** `card`" in shown
    assert _update(confirm).get("visible") is False and pending is None

    # removing the live boost: not saved; the changes and a confirm button are shown
    status, shown, confirm, cancel, pending, *_ = handlers["save_rules"](_table([card]), "drop boost")
    assert "Not saved yet" in status and "**removed** `boost-brand`" in shown
    assert _update(confirm)["value"] == "Remove 1 rule and save" and _update(confirm)["visible"] is True
    assert pending == ["boost-brand"] and {r.id for r in desk.rules().rules} == {"boost-brand", "card"}
    status, *_ = handlers["cancel_removal"]()
    assert status.startswith("Not saved") and {r.id for r in desk.rules().rules} == {"boost-brand", "card"}
    status, *_ = handlers["confirm_removal"](_table([card]), "drop boost", ["boost-brand"])
    assert status.startswith(f"Saved version {before + 2}: removed boost-brand")
    assert [r.id for r in desk.rules().rules] == ["card"]

    # restore the version that had both: asked first, then the table shows it
    note, confirm, cancel, pending = handlers["review_restore"](before + 1)
    assert "**added** `boost-brand`" in note and _update(confirm)["value"] == f"Restore version {before + 1}"
    out = handlers["do_restore"](pending)
    table, status = out[4], out[5]
    assert {r.id for r in desk.rules().rules} == {"boost-brand", "card"}
    assert set(table["id"]) == {"boost-brand", "card"} and status.startswith(f"Restored version {before + 1}")
    assert handlers["review_restore"](999)[0].startswith("⚠ rules version 999 was never saved")


def test_bad_input_in_what_if_clears_the_results_and_says_why(handlers: dict[str, Any], service: Any) -> None:
    table = _table([{"id": "b", "action": "boost", "target": {"brands": [_brand(service)]}, "multiplier": 1.2}])
    table = table.astype(object)
    table.loc[0, "multiplier"] = "0.8"
    before, after, estimates, moved, lint, status = handlers["run_whatif"](table, "query", "tent", 1, 0, 0, 0)
    assert status.startswith("⚠ **Not run.** rules table row 1, multiplier: '0.8' lowers the score")
    assert before.empty and after.empty and estimates.empty and moved is None and lint.empty
    if hasattr(service, "check_user"):
        *_, status = handlers["run_whatif"](_table([]), "user", "U0017-nobody", 1, 0, 0, 0)
        assert status.startswith("⚠ **Not run.**") and "U0017-nobody" in status


def test_the_editor_adds_a_rule_to_the_live_set_or_marks_its_fields(handlers: dict[str, Any], service: Any) -> None:
    from assistant.ui.rule_editor import FORM_FIELDS
    from assistant.ui.whatif import table_to_rules

    desk = Merchandising(service)
    desk.save(parse_rules([PIN | {"target": {"item_ids": [str(service.products.index[0])]}}]), "a live pin")
    brand = _brand(service)
    form = ["", "boost", "brands", [brand], "+20%", None, "tent", [], ["search"], "", "2026-12-24"]
    table, status, *messages = handlers["add_rule"](_table([]), *form)  # blank table: starts from the live rules
    rules = table_to_rules(table)
    slug = brand.lower().replace(" ", "-")
    assert [r["id"] for r in rules] == ["pin-1", f"boost-{slug}"] and status.startswith(f"Added rule `boost-{slug}`")
    assert rules[1]["scope"] == {"queries": ["tent"], "surfaces": ["search"]} and rules[1]["ends"] == "2026-12-24"
    bad = ["", "boost", "brands", [brand], "-20%", None, "", [], [], "2026-13-01", ""]
    table, status, *messages = handlers["add_rule"](_table(rules), *bad)
    shown = {f: _update(m).get("value", "") for f, m in zip(FORM_FIELDS, messages, strict=True)}
    assert shown["strength"].startswith("⚠ strength: '-20%' lowers the score") and "choose bury" in shown["strength"]
    assert shown["starts"].startswith("⚠ starts: '2026-13-01' is not a day of the calendar")
    assert shown["target"] == "" and "Not added" in status
