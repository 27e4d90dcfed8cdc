"""Answers a merchandiser wants to read: the conclusion first, the two or three biggest drivers in
plain words with their figures beside them, a false premise corrected before anything else, and
every figure of the text taken from the tool's facts (the exact breakdown stays in the facts)."""

from __future__ import annotations

import pytest

from assistant.agent import Assistant, check_answer
from assistant.agent.tools.render import component_phrase, fmt, sig
from assistant.service import ShelfwiseService
from tests.app_workspace import demo_workspace

USER = "U00017"


@pytest.fixture(scope="module")
def service() -> ShelfwiseService:
    return ShelfwiseService(demo_workspace(), llm="template")


def _grounded(service: ShelfwiseService, ans: object) -> None:
    report = check_answer(ans.answer, ans.facts, service.lexicon)  # type: ignore[attr-defined]
    figures = [n for n in report.numbers if " " not in n]  # a figure's unit is the LLM guard's business
    assert not (figures or report.ids or report.names), (ans.answer, report)  # type: ignore[attr-defined]


def test_explanation_leads_with_plain_drivers_and_their_figures(service: ShelfwiseService) -> None:
    top = service.recommend(USER, k=1)[0]
    ans = Assistant(service).ask(f"why is {top.item_id} ranked for user 17")
    f = ans.facts
    assert ans.answer.startswith(f"{top.item_id} {f['title']} is #1 for {USER}, mainly because ")
    first = f["drivers"][0]
    assert first["component"] == top.top_component() and first["contribution"] == sig(top.contributions[top.top_component()])
    assert f"{component_phrase(first['component'])} ({first['label']}, {fmt(first['contribution'])} of " \
           f"{fmt(f['score_rounded'])})" in ans.answer
    assert 2 <= len(f["drivers"]) <= 3 and all(f"({d['label']}, {fmt(d['contribution'])}" in ans.answer
                                               for d in f["drivers"])
    assert f["components"] == {n: round(v, 4) for n, v in top.contributions.items()}  # the exact breakdown
    assert f["recommended"] is True and "ranks_at" not in f
    _grounded(service, ans)


def test_explaining_an_item_far_down_corrects_the_premise(service: ShelfwiseService) -> None:
    """"Why is X first?" for an item at #60: it is not recommended, and what holds it back is said
    against the last item of the list the user is shown."""
    listed = service.recommend(USER, k=60)
    far, last = listed[-1].item_id, listed[4]
    ans = Assistant(service).ask(f"why is {far} ranked first for user 17")
    f = ans.facts
    assert f["rank"] == 60 and f["recommended"] is False and f["ranks_at"] == 60 and f["shown_k"] == 5
    assert ans.answer.startswith(f"{far} {f['title']} is not recommended to {USER}: it ranks #60 and the list "
                                 f"shows the top 5.")
    assert f["cutoff"]["item_id"] == last.item_id and f"against #5 {last.item_id} (score {fmt(sig(last.score))}" \
        in ans.answer
    gaps = f["held_back_by"]
    assert gaps and all(g["value"] < g["cutoff_value"] for g in gaps)
    assert f"{gaps[0]['label']} {fmt(gaps[0]['value'])} vs {fmt(gaps[0]['cutoff_value'])}" in ans.answer
    assert component_phrase(gaps[0]["component"], "holds") in ans.answer
    _grounded(service, ans)
    shown = Assistant(service).ask(f"why is {listed[2].item_id} ranked for user 17")  # on the list: no correction
    assert shown.facts["recommended"] is True and " is #3 for " in shown.answer


def test_compare_corrects_a_false_premise(service: ShelfwiseService) -> None:
    shown = service.recommend("U00005", k=5)
    a, b = shown[0].item_id, shown[3].item_id
    wrong = Assistant(service).ask(f"why is {b} above {a} for user 5")
    f = wrong.facts
    assert f["a_above_b"] is False and f["ahead"] == a
    assert wrong.answer.startswith(f"Actually {a} ranks above {b} for U00005: #1 vs #4, score "
                                   f"{fmt(f['score_b_rounded'])} vs {fmt(f['score_a_rounded'])} "
                                   f"(ahead by {fmt(f['score_gap'])}).")
    reason = f["reasons"][0]
    assert reason["difference"] > 0 and f"({reason['label']}, +{fmt(reason['difference'])})" in wrong.answer
    assert f"{a} leads mainly because {component_phrase(reason['component'], 'beats')}" in wrong.answer
    _grounded(service, wrong)
    right = Assistant(service).ask(f"why is {a} above {b} for user 5")
    assert right.facts["a_above_b"] is True and right.answer.startswith(f"{a} is above {b} for U00005: #1 vs #4")
    assert right.facts["reasons"] == f["reasons"]  # the same gap, told from the leader's side
    _grounded(service, right)


def test_recommendations_list_then_what_drives_the_top_item(service: ShelfwiseService) -> None:
    ans = Assistant(service).ask("recommend for user 17")
    rows = ans.facts["results"]
    lines = ans.answer.split("\n")
    assert lines[0] == f"Top {len(rows)} for {USER}:" and len(lines) == len(rows) + 2
    assert lines[1] == f"#1 {rows[0]['item_id']} {rows[0]['title']} (score {fmt(rows[0]['score_rounded'])})"
    d = ans.facts["top_drivers"][0]
    assert lines[-1].startswith(f"{rows[0]['item_id']} is first mainly because ") and d["label"] in lines[-1]
    _grounded(service, ans)


@pytest.mark.parametrize("question,start", [
    ("what if I boost brand Alpenglow by 20%", "Boosting Alpenglow by 20% would "),
    ("which brands dominate top-10 exposure in jackets", None),
    ("which categories are trending", None),
    ("propose promotions", "Promotion proposals"),
    ("profile of user 44", "U00044 belongs to the segment "),
])
def test_strategy_answers_lead_with_the_conclusion(service: ShelfwiseService, question: str,
                                                   start: str | None) -> None:
    ans = Assistant(service).ask(question)
    f = ans.facts
    if start:
        assert ans.answer.startswith(start), ans.answer
    if ans.intent == "whatif":
        own, revenue = f["target_exposure"], f["reading"]["revenue"]
        assert f"from {fmt(own['before_pct'])}% to {fmt(own['after_pct'])}%" in ans.answer
        assert f"Revenue {revenue['change']} (95% interval {revenue['interval']}, {revenue['verdict']})" in ans.answer
    if ans.intent == "exposure_audit":
        lead = f["brand_shares"][0]
        assert ans.answer.startswith(lead["brand"]) and f"{lead['brand']} {fmt(lead['share_pct'])}%" in ans.answer
        assert f"is {f['concentration']} (Gini {fmt(f['gini'])})" in ans.answer
    if ans.intent == "trend_report":
        up = f["rising"][0] if f["rising"] else f["steepest_up"]
        assert f"{up['key']} +{fmt(up['weekly_growth_pct'])}% a week" in ans.answer
    if ans.intent == "propose_promotions":
        p = f["proposals"][0]
        assert f"- {p['title']}. Data: " in ans.answer and f"margin {p['reading']['margin']}" in ans.answer
    _grounded(service, ans)
