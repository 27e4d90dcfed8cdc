"""The What-if tab's live-experiment section: the form's fields read as typed values, the status
message of one experiment (its test plan in words, the figures so far, the decision) and the
table of every experiment.

All the work is ``service.experiments``' (start, status, stop, list); this module only reads the
form and formats what the service returns. A problem with the form or the rule set is the
service's typed error (``ExperimentError``, ``RuleError``...), shown as a message naming the
field; nothing is created then.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from assistant.ui.common import hover
from assistant.wording import money
from recsys_core.errors import ShelfwiseError
from recsys_core.strategy.experiments import ExperimentError
from recsys_core.strategy.experiments.record import check_name

METHOD_CHOICES = [("interleaving", "interleaving"), ("A/B (CUPED)", "ab")]
METHOD_LABELS = {value: label for label, value in METHOD_CHOICES}
EXPERIMENT_COLUMNS = ["name", "method", "status", "traffic %", "started", "stopped", "lists served", "result"]
EXPERIMENT_WIDTHS: list[str | int] = ["12%", "11%", "8%", "7%", "13%", "13%", "8%", "28%"]
PLAN_ROWS = (("ab", "A/B"), ("cuped", "CUPED A/B"), ("interleaving", "interleaving"))


# ---- the form ----------------------------------------------------------------------------------
def parse_name(value: Any) -> str:
    """The experiment name typed in the form (ExperimentError naming ``name`` when unusable)."""
    return check_name(value)


def parse_method(value: Any) -> str:
    if not isinstance(value, str) or value not in METHOD_LABELS:
        raise ExperimentError(f"method: {value!r} is not a method; choose interleaving or A/B")
    return str(value)


def parse_traffic(value: Any) -> float:
    """The percentage of users to enrol: above 0 and at most 100 (``"50%"`` reads as 50)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ExperimentError("traffic: empty; give the percentage of users to enrol, above 0 and at most 100")
    text = value.strip().removesuffix("%").strip() if isinstance(value, str) else value
    try:
        pct = float(text)
    except (TypeError, ValueError, OverflowError):
        raise ExperimentError(f"traffic: {value!r} is not a number; give a percentage such as 50") from None
    if not (math.isfinite(pct) and 0 < pct <= 100):
        raise ExperimentError(f"traffic: {value!r} % is not a share of users; give a percentage above 0 "
                              "and at most 100")
    return pct


def experiment_request(name: Any, method: Any, traffic: Any) -> tuple[str, str, float]:
    """(name, method, traffic %) from the form, checked in the order the fields are shown."""
    return parse_name(name), parse_method(method), parse_traffic(traffic)


def problem(action: str, exc: Exception) -> str:
    return f"⚠ **{action}.** {exc}"


def start_from_form(experiments: Any, rules: Callable[[], Any], name: Any, method: Any, traffic: Any) -> str:
    """Start an experiment from the form; the status message, or the problem (nothing created).
    ``rules`` reads the rule set (the rules table), so a malformed rule is reported here too."""
    try:
        n, m, pct = experiment_request(name, method, traffic)
        status = experiments.start(n, rules(), method=m, traffic=pct)
    except ShelfwiseError as exc:
        return problem("Not started", exc)
    return experiment_summary(status)


def stop_from_form(experiments: Any, name: Any) -> str:
    try:
        status = experiments.stop(parse_name(name))
    except ShelfwiseError as exc:
        return problem("Not stopped", exc)
    return f"Stopped experiment `{status['experiment']['name']}`; its record and events are kept.\n\n" + \
        experiment_summary(status)


def stop_question(experiments: Any, name: Any) -> str:
    """The question before "Stop the named experiment" stops it (the name checked first: a
    typed error names the field, and an unknown experiment is said before anything is asked)."""
    found = experiments.status(parse_name(name))
    e = found["experiment"]
    if e.get("status") == "stopped":
        raise ExperimentError(f"name: experiment {e['name']!r} is stopped already")
    return (f"**Stop experiment `{e['name']}` now?** Its shoppers go back to the live rules at once; its record and "
            f"figures so far are kept ({int(found.get('impressions') or 0):,} lists served, "
            f"{float(found.get('days_running') or 0.0):.1f} days).")


def show_from_form(experiments: Any, name: Any) -> str:
    try:
        return experiment_summary(experiments.status(parse_name(name)))
    except ShelfwiseError as exc:
        return problem("Cannot show it", exc)


# ---- formatting --------------------------------------------------------------------------------
def _when(stamp: str | None) -> str:
    return "" if not stamp else str(stamp)[:16].replace("T", " ") + " UTC"


def _num(x: Any, digits: int = 3) -> str:
    return "n/a" if x is None else f"{float(x) + 0.0:+.{digits}f}"


def _p(x: Any) -> str:
    return "n/a" if x is None else f"{float(x):.2g}"


def _money(x: Any) -> str:
    return "n/a" if x is None else money(x, signed=True)


def _interval(found: Mapping[str, Any], value: str, show: Callable[[Any], str] = _num) -> str:
    """``+0.120 (95% interval -0.050 to +0.290, p = 0.17)`` (``show`` formats the figures: money
    for revenue); without an interval yet, says so. The terms explain themselves on hover."""
    if found.get("ci_low") is None or found.get("ci_high") is None:
        return f"{show(found.get(value))} (no interval yet: too little data)"
    return (f"{show(found.get(value))} ({hover('95% interval')} {show(found.get('ci_low'))} to "
            f"{show(found.get('ci_high'))}, {hover('p', 'p-value')} = {_p(found.get('p_value'))})")


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _sessions(plan: Mapping[str, Any], key: str) -> str:
    n = plan.get(f"{key}_sessions")
    if n is None:
        return "cannot detect it (the replay predicts no change)"
    days = (plan.get("days") or {}).get(key)
    return f"about {int(n):,} visits" + ("" if days is None else f" ({int(days):,} days)")


def plan_lines(experiment: Mapping[str, Any]) -> list[str]:
    """The test plan in words: sessions and days for A/B, CUPED A/B and interleaving, this
    test's method marked; without a plan, why not (the record's note)."""
    plan = experiment.get("plan")
    if not plan:
        note = str(experiment.get("note") or "").strip() or "no test plan was made for this experiment"
        return [f"**Test plan:** none: {note.removeprefix('no test plan: ')}"]
    lines = [f"**Test plan:** the {hover('visits', 'visits needed')} each method needs, both versions together, "
             "before the difference is trustworthy: enough to detect the change the replay predicts in "
             f"{plan.get('metric', 'revenue')}, {plan.get('predicted_change', 0.0):+.1%}, at "
             f"{plan.get('alpha', 0.05):.0%} {hover('significance')} and {plan.get('power', 0.8):.0%} "
             f"{hover('power')}; the shop has about {plan.get('sessions_per_day', 0):,.0f} visits a day:"]
    mine = "cuped" if experiment.get("method") == "ab" else "interleaving"
    for key, label in PLAN_ROWS:
        if key == "cuped":
            label += f" (variance -{plan.get('cuped_variance_reduction', 0.0):.0%})"
        text = f"{label}: {_sessions(plan, key)}"
        lines.append(f"- **{text} ← this test**" if key == mine else f"- {text}")
    if plan.get("ab_sessions_clicks") is not None:  # interleaving counts clicks: its like-for-like A/B
        lines.append(f"- for comparison, A/B on clicks (what interleaving measures): about "
                     f"{int(plan['ab_sessions_clicks']):,} visits")
    return lines


def figure_lines(status: Mapping[str, Any]) -> list[str]:
    """The figures so far (labelled interim until the decision is final)."""
    stopped = (status.get("experiment") or {}).get("status") == "stopped"
    label = "Result" if status.get("final") and not stopped else "Figures collected" if stopped else \
        "Figures so far (interim)"
    if (il := status.get("interleaving")) is not None:
        return [f"**{label}:** {_plural(int(il['sessions']), 'interleaved list')}; treatment wins "
                f"{il['treatment_wins']:,}, control wins {il['control_wins']:,}, ties or no click {il['ties']:,}; "
                f"preference for the treatment {_interval(il, 'preference')}"]
    users = status.get("users") or {}
    lines = [f"**{label}:** {users.get('control', 0):,} control and {_plural(users.get('treatment', 0), 'treatment user')}"
             f" ({hover('sample-ratio check')} p = {_p(status.get('srm_p_value'))})"]
    for metric, found in (status.get("metrics") or {}).items():
        c = found.get("cuped") or {}
        show = _money if metric in ("revenue", "margin") else _num
        lines.append(f"- {metric} per user, treatment minus control (CUPED, variance "
                     f"-{float(c.get('variance_reduction') or 0.0):.0%}): {_interval(c, 'difference', show)}")
    return lines


def experiment_summary(status: Mapping[str, Any]) -> str:
    """The status message of one experiment: name, method, state, the plan in words, the
    decision and the figures so far."""
    e = status["experiment"]
    head = f"### Experiment `{e['name']}` · {METHOD_LABELS.get(e['method'], e['method'])} · {e['status']}"
    when = f"**Started:** {_when(e.get('started_at'))}"
    if e.get("stopped_at"):
        when += f" · **Stopped:** {_when(e['stopped_at'])}"
    facts = (f"**Traffic:** {100 * float(e['traffic']):g}% of users · {when} · **Running for:** "
             f"{float(status.get('days_running') or 0.0):.1f} days · **Lists served:** {int(status.get('impressions') or 0):,}")
    return "\n\n".join([head, facts, f"**Decision:** {status.get('decision', '')}", "\n".join(plan_lines(e)),
                        "\n".join(figure_lines(status))])


def short_decision(text: str) -> str:
    """The decision's first clause, without its asides: a table cell."""
    text = re.sub(r"\s*\([^)]*\)", "", str(text or ""))
    return text.split(";")[0].split(" — ")[0].strip()


def experiments_frame(rows: Sequence[Mapping[str, Any]],
                      results: Mapping[str, Mapping[str, Any] | str] | None = None) -> pd.DataFrame:
    """One row per experiment (``service.experiments.list()``); ``results`` maps a name to its
    status (or to the message of why it could not be read) for the served lists and the result."""
    results = results or {}
    out = []
    for r in rows:
        found = results.get(r["name"])
        served, result = "", ""
        if isinstance(found, str):
            result = f"⚠ {found}"
        elif found is not None:
            served, result = f"{int(found.get('impressions') or 0):,}", short_decision(found.get("decision", ""))
        out.append([r["name"], METHOD_LABELS.get(r["method"], r["method"]), r["status"], f"{r['traffic_pct']:g}",
                    _when(r.get("started_at")), _when(r.get("stopped_at")), served, result])
    return pd.DataFrame(out, columns=EXPERIMENT_COLUMNS)


def experiments_overview(experiments: Any) -> pd.DataFrame:
    """The experiments table with each one's result (a record that cannot be read says why)."""
    rows = sorted(experiments.list(), key=lambda r: str(r.get("started_at") or ""), reverse=True)  # newest first
    results: dict[str, Mapping[str, Any] | str] = {}
    for r in rows:
        try:
            results[r["name"]] = experiments.status(r["name"])
        except ShelfwiseError as exc:
            results[r["name"]] = str(exc)
    return experiments_frame(rows, results)


def ab_plan_line(plan: Mapping[str, Any] | None) -> str:
    """The what-if replay's A/B plan (``report["ab_plan"]``) in words: "An A/B test needs about
    20,279 visits per version before the difference is trustworthy (about 145 days)"."""
    if not plan or not plan.get("per_arm"):
        return ""
    days = plan.get("days_needed")
    when = f" (about {float(days):,.0f} days of the shop's traffic)" if isinstance(days, int | float) else ""
    metric = str(plan.get("metric", "revenue"))
    return (f"An A/B test of this change needs about {int(plan['per_arm']):,} "
            f"{hover('visits per version')} before the difference is trustworthy{when}, to detect a "
            f"{float(plan.get('mde_relative') or 0.0):+.0%} change in {metric}.")
