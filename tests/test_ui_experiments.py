"""The What-if tab's experiment section without a browser: the form's name / method / traffic read
as typed values or the library's typed errors (a property test over arbitrary input), the status
message (plan in words, decision, figures) and the experiments table built from real
``analyse_experiment`` output, and the start / stop glue against a stand-in service."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.jsonable import plain
from assistant.ui.experiments import (
    EXPERIMENT_COLUMNS,
    experiment_request,
    experiment_summary,
    experiments_frame,
    experiments_overview,
    parse_method,
    parse_name,
    parse_traffic,
    short_decision,
    show_from_form,
    start_from_form,
    stop_from_form,
)
from assistant.ui.whatif import rules_to_table, table_to_rules
from recsys_core.errors import UnknownIdError
from recsys_core.strategy.errors import RuleError
from recsys_core.strategy.experiments import (
    Experiment,
    ExperimentConflictError,
    ExperimentError,
    analyse_experiment,
)
from recsys_core.strategy.experiments.planning import TestPlan as Plan
from recsys_core.strategy.experiments.record import _NAME

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
STORE_COLUMNS = ["timestamp", "user_id", "session_id", "item_id", "type", "quantity", "unit_price"]


def _plan() -> dict[str, Any]:
    plan = Plan(metric="revenue", alpha=0.05, power=0.8, sessions_per_day=140.0, sessions_per_user=1.6,
                predicted_change=0.041, ab_sessions=19800, cuped_sessions=16000, interleaving_sessions=2400,
                ab_sessions_clicks=21000, cuped_variance_reduction=0.19, cuped_sessions_clicks=18900,
                cuped_variance_reduction_clicks=0.1, interleaving_preference=0.06, simulated_sessions=2000)
    plan.days = {"ab": 142, "cuped": 115, "interleaving": 18}
    plan.traffic_days = {"ab": 141.4, "cuped": 114.3, "interleaving": 17.1}
    return plan.to_dict()


def _experiment(method: str = "interleaving", *, plan: dict[str, Any] | None = None, note: str = "",
                stopped: bool = False) -> Experiment:
    e = Experiment(name="spring-boost", method=method, traffic=0.5,
                   rules=[{"id": "b", "action": "boost", "target": {"brands": ["Northpeak"]}, "multiplier": 3.0}],
                   started_at=START.isoformat(timespec="seconds"), plan=plan, note=note)
    if stopped:
        e.status, e.stopped_at = "stopped", (START + timedelta(days=9)).isoformat(timespec="seconds")
    return e


def _served(e: Experiment, n: int) -> list[dict[str, Any]]:
    """``n`` served lists of 4 items with sides alternating, a click on the first item of most."""
    rows = []
    for i in range(n):
        stamp = (START + timedelta(hours=1 + i)).isoformat()
        sides = ["B", "A", "B", "A"] if e.method == "interleaving" else ["B" if i % 2 else "A"] * 4
        for pos, side in enumerate(sides):
            rows.append({"type": "impression", "user_id": f"u{i}", "item_id": f"P{pos}", "timestamp": stamp,
                         "experiment": e.name, "impression_id": f"imp{i}", "position": pos, "side": side})
        if i % 3:
            rows.append({"type": "click", "user_id": f"u{i}", "item_id": "P0", "timestamp": stamp,
                         "impression_id": f"imp{i}"})
    return rows


def _status(e: Experiment, n: int = 12, days: float = 3.0) -> dict[str, Any]:
    found = analyse_experiment(e, _served(e, n), store_events=pd.DataFrame(columns=STORE_COLUMNS),
                               prices={"P0": 10.0}, now=START + timedelta(days=days))
    return dict(plain(found))


# ---- the form ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "expected"), [(100, 100.0), (0.5, 0.5), ("50", 50.0), (" 25 % ", 25.0)])
def test_traffic_reads_a_percentage(value: Any, expected: float) -> None:
    assert parse_traffic(value) == expected


@pytest.mark.parametrize("value", [None, "", "  ", 0, -5, 150, 100.01, "abc", float("nan"), float("inf"), "1e400",
                                   10**400])
def test_a_bad_traffic_is_an_experiment_error_naming_traffic(value: Any) -> None:
    with pytest.raises(ExperimentError, match=r"^traffic: "):
        parse_traffic(value)


@pytest.mark.parametrize("value", [None, "", "Spring Boost", "../etc", "-lead", "x" * 41])
def test_a_bad_name_is_an_experiment_error_naming_name(value: Any) -> None:
    with pytest.raises(ExperimentError, match=r"^name: "):
        parse_name(value)


def test_the_form_is_checked_in_the_order_it_is_shown() -> None:
    assert experiment_request(" spring-boost ", "ab", 20) == ("spring-boost", "ab", 20.0)
    with pytest.raises(ExperimentError, match=r"^name: "):
        experiment_request("", None, 150)
    with pytest.raises(ExperimentError, match=r"^method: "):
        parse_method("A/B")  # the label, not the value, is not a method
    with pytest.raises(ExperimentError, match=r"^traffic: "):
        experiment_request("ok", "interleaving", 0)


FORM_VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                        st.text(max_size=60), st.from_regex(_NAME, fullmatch=True),
                        st.from_regex(r"\s*-?[0-9]{0,4}(\.[0-9]{0,3})?\s*%?\s*", fullmatch=True),
                        st.lists(st.integers(), max_size=2), st.binary(max_size=8))


@settings(max_examples=400, deadline=None)
@given(name=FORM_VALUES, method=FORM_VALUES, traffic=FORM_VALUES)
def test_reading_the_form_raises_only_the_librarys_typed_errors(name: Any, method: Any, traffic: Any) -> None:
    try:
        n, m, pct = experiment_request(name, method, traffic)
    except ExperimentError as exc:
        assert str(exc).split(":", 1)[0] in ("name", "method", "traffic"), str(exc)
        return
    assert _NAME.match(n) and m in ("interleaving", "ab")
    assert math.isfinite(pct) and 0 < pct <= 100


@settings(max_examples=300, deadline=None)
@given(traffic=FORM_VALUES)
def test_traffic_alone_never_raises_anything_else(traffic: Any) -> None:
    try:
        pct = parse_traffic(traffic)
    except ExperimentError as exc:
        assert str(exc).startswith("traffic: ")
        return
    assert isinstance(pct, float) and 0 < pct <= 100


def test_a_typo_in_a_number_column_is_a_rule_error_naming_the_column() -> None:
    table = rules_to_table([{"id": "b", "action": "boost", "target": {"brands": ["Voltix"]}, "multiplier": 1.5}])
    table = table.astype(object)
    table.loc[0, "multiplier"] = "abc"
    with pytest.raises(RuleError, match="multiplier: 'abc' is not a number"):
        table_to_rules(table)


# ---- the status message and the table ----------------------------------------------------------
def test_the_summary_gives_the_plan_in_words_and_the_decision() -> None:
    status = _status(_experiment(plan=_plan(), note="A/B on revenue: ..."))
    text = experiment_summary(status)
    assert "Experiment `spring-boost` · interleaving · running" in text
    assert "**Traffic:** 50% of users" in text and "2025-03-03 09:00 UTC" in text
    assert "- A/B: about 19,800 visits (142 days)" in text
    assert "- CUPED A/B (variance -19%): about 16,000 visits (115 days)" in text
    assert "- **interleaving: about 2,400 visits (18 days) ← this test**" in text
    assert "- for comparison, A/B on clicks (what interleaving measures): about 21,000 visits" in text
    assert "+4.1%" in text and "revenue" in text
    assert f"**Decision:** {status['decision']}" in text and status["decision"].startswith("keep running")
    assert "12 interleaved lists" in text and "treatment wins 8" in text and "(interim)" in text


def test_an_ab_summary_marks_cuped_and_reports_users_and_metrics() -> None:
    status = _status(_experiment("ab", plan=_plan()), n=20)
    text = experiment_summary(status)
    assert "· A/B (CUPED) ·" in text and "- **CUPED A/B (variance -19%): about 16,000 visits (115 days) ← this test**" in text
    assert "10 control and 10 treatment users" in text
    assert "- revenue per user, treatment minus control" in text and "- clicks per user" in text
    assert "95% interval" in text


def test_without_a_plan_the_summary_says_why() -> None:
    reason = "no test plan: the replay needs at least 100 logged lists (this shop has 12)"
    text = experiment_summary(_status(_experiment(note=reason)))
    assert "**Test plan:** none: the replay needs at least 100 logged lists (this shop has 12)" in text
    assert "no test plan was made" in experiment_summary(_status(_experiment()))


def test_a_stopped_experiment_shows_when_it_stopped_and_the_services_decision() -> None:
    status = _status(_experiment(plan=_plan(), stopped=True), days=30)  # read after the stop: 9 days count
    text = experiment_summary(status)
    assert "· stopped" in text and "**Stopped:** 2025-03-12 09:00 UTC" in text and "9.0 days" in text
    assert f"**Decision:** {status['decision']}" in text and "keep running" not in text
    assert "**Figures collected:** 12 interleaved lists" in text
    rows = [{"name": "spring-boost", "method": "interleaving", "status": "stopped", "traffic_pct": 50.0,
             "started_at": START.isoformat(), "stopped_at": status["experiment"]["stopped_at"], "rules": 1}]
    result = experiments_frame(rows, {"spring-boost": status})["result"].iloc[0]
    assert result == short_decision(status["decision"]) and "(" not in result and ";" not in result


def test_the_short_decision_keeps_the_first_clause() -> None:
    assert short_decision("keep running: 0.5 of at least 7 days (a full week, so every weekday is in the sample); "
                          "figures below are interim") == "keep running: 0.5 of at least 7 days"
    assert short_decision("the treatment (proposed rules) wins: it can be saved as the live rule set") == \
        "the treatment wins: it can be saved as the live rule set"


def test_the_table_lists_every_experiment_with_its_result() -> None:
    rows = [{"name": "spring-boost", "method": "interleaving", "status": "running", "traffic_pct": 50.0,
             "started_at": "2025-03-03T09:00:00+00:00", "stopped_at": None, "rules": 1},
            {"name": "broken", "method": "ab", "status": "stopped", "traffic_pct": 100.0,
             "started_at": "2025-02-01T09:00:00+00:00", "stopped_at": "2025-02-09T09:00:00+00:00", "rules": 2}]
    frame = experiments_frame(rows, {"spring-boost": _status(_experiment()), "broken": "not a readable record"})
    assert list(frame.columns) == EXPERIMENT_COLUMNS
    first, second = frame.to_dict(orient="records")
    assert first["method"] == "interleaving" and first["traffic %"] == "50" and first["lists served"] == "12"
    assert first["result"] == "keep running: 3.0 of at least 7 days"
    assert second["method"] == "A/B (CUPED)" and second["stopped"] == "2025-02-09 09:00 UTC"
    assert second["result"] == "⚠ not a readable record"
    assert experiments_frame([]).empty


# ---- the glue, against a stand-in service -------------------------------------------------------
class FakeExperiments:
    """Records calls; ``start`` fails with ``fail`` when set."""

    def __init__(self, fail: Exception | None = None):
        self.fail, self.started, self.records = fail, [], {}

    def start(self, name: str, rules: Any, *, method: str, traffic: float) -> dict[str, Any]:
        if self.fail is not None:
            raise self.fail
        self.started.append((name, rules, method, traffic))
        self.records[name] = _experiment(method, plan=_plan())
        return {**self.status(name), "lint": []}

    def status(self, name: str) -> dict[str, Any]:
        if name not in self.records:
            raise UnknownIdError("experiment", name, "this workspace")
        return _status(self.records[name])

    def stop(self, name: str) -> dict[str, Any]:
        e = self.status(name)["experiment"]
        if e["status"] == "stopped":
            raise ExperimentError(f"experiment {name!r} was stopped already")
        self.records[name].status, self.records[name].stopped_at = "stopped", START.isoformat()
        return self.status(name)

    def list(self) -> list[dict[str, Any]]:
        return [{"name": n, "method": e.method, "status": e.status, "traffic_pct": 100 * e.traffic,
                 "started_at": e.started_at, "stopped_at": e.stopped_at, "rules": len(e.rules)}
                for n, e in self.records.items()]


def _no_rules() -> Any:
    raise AssertionError("the rule set is read only once the form is valid")


@pytest.mark.parametrize(("name", "method", "traffic", "field"),
                         [("", "interleaving", 100, "name"), ("Bad Name", "interleaving", 100, "name"),
                          ("ok", None, 100, "method"), ("ok", "ab", 0, "traffic"), ("ok", "ab", 150, "traffic"),
                          ("ok", "ab", None, "traffic")])
def test_a_bad_form_is_a_message_and_nothing_starts(name: Any, method: Any, traffic: Any, field: str) -> None:
    fake = FakeExperiments()
    text = start_from_form(fake, _no_rules, name, method, traffic)
    assert text.startswith("⚠ **Not started.** " + field + ": ") and not fake.started


@pytest.mark.parametrize("error", [
    RuleError("rules table: rules.0.action: Input should be 'pin', 'boost', 'bury' or 'filter'"),
    ExperimentError("rules: the linter rejects this rule set, so it cannot start an experiment: p: pins 'X'"),
    ExperimentError("rules: the rule set is empty; an experiment needs at least one rule to test"),
    ExperimentConflictError("experiment 'a' is running on the same surfaces; stop it first"),
])
def test_a_rejected_start_shows_the_services_message(error: Exception) -> None:
    fake = FakeExperiments(fail=error)
    assert start_from_form(fake, lambda: ["rules"], "ok", "interleaving", 100) == f"⚠ **Not started.** {error}"
    assert fake.records == {}


def test_a_malformed_rules_table_is_reported_by_start() -> None:
    table = rules_to_table([{"id": "b", "action": "boost", "target": {"brands": ["V"]}, "multiplier": 2}])
    table = table.astype(object)
    table.loc[0, "priority"] = "high"
    text = start_from_form(FakeExperiments(), lambda: table_to_rules(table), "ok", "interleaving", 100)
    assert text.startswith("⚠ **Not started.** rules table row 1, priority: 'high' is not a whole number")


def test_start_show_and_stop_through_the_form() -> None:
    fake = FakeExperiments()
    text = start_from_form(fake, lambda: ["the rule set"], "spring-boost", "interleaving", "50")
    assert fake.started == [("spring-boost", ["the rule set"], "interleaving", 50.0)]
    assert "Experiment `spring-boost` · interleaving · running" in text and "**Decision:** keep running" in text
    assert show_from_form(fake, "spring-boost").startswith("### Experiment `spring-boost`")
    assert show_from_form(fake, "nope").startswith("⚠ **Cannot show it.** unknown experiment id 'nope'")
    stopped = stop_from_form(fake, "spring-boost")
    assert stopped.startswith("Stopped experiment `spring-boost`") and "· stopped" in stopped
    assert stop_from_form(fake, "spring-boost").startswith("⚠ **Not stopped.** experiment 'spring-boost' was stopped")
    assert stop_from_form(fake, "").startswith("⚠ **Not stopped.** name: ")
    frame = experiments_overview(fake)
    assert frame["status"].tolist() == ["stopped"] and "keep running" not in frame["result"].iloc[0]
