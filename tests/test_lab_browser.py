"""The Lab tab in a real browser: one scenario played end to end against `shelfwise serve` over a
private copy of the small demo workspace (chromium and the server helpers of tests/browser.py).

The server starts before the library exists, so the tab's "run `shelfwise lab generate`" state is
seen first; the library is then generated in this process and picked up by **Reload scenarios**.
Screenshots of the brief, the debrief and the progress go to benchmarks/results/screenshots/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import REPO, app_page, box, serving_copy

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SCREENSHOTS = REPO / "benchmarks" / "results" / "screenshots"
LEARNER = "ann"


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(url, workspace): ``shelfwise serve`` over a copy of the demo workspace with no lab library yet."""
    with serving_copy(tmp_path_factory, "lab") as found:
        yield found


@pytest.fixture(scope="module")
def lab_page(lab_server: tuple[str, Path]) -> Iterator[Any]:
    with app_page(lab_server[0]) as pg:
        yield pg



def _press_play_and_expect(page: Any, elem_id: str, words: str, learner_file: Path) -> None:
    """Play with the form as it is; a message naming the problem appears beside the field, nothing is saved."""
    from playwright.sync_api import expect

    page.locator("#lab-play").click()
    expect(page.locator(f"#{elem_id}")).to_contain_text(words)
    assert not learner_file.exists(), f"a rejected play ({words!r}) was saved"


def test_a_scenario_is_played_end_to_end(lab_server: tuple[str, Path], lab_page: Any) -> None:
    from playwright.sync_api import expect

    from assistant.service import ShelfwiseService

    page, (_, workspace) = lab_page, lab_server
    learner_file = workspace / "lab" / "learners" / f"{LEARNER}.json"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # no library yet: the tab says how to make one instead of failing
    page.get_by_role("tab", name="Lab").click()
    expect(page.locator("#lab-status")).to_contain_text("shelfwise lab generate")
    page.screenshot(path=str(SCREENSHOTS / "lab-no-library.png"))

    lab = ShelfwiseService(workspace).lab
    lab.generate(seed=0)
    page.get_by_role("button", name="Reload scenarios").click()
    expect(page.locator("#lab-scenarios")).to_contain_text("s01")
    expect(page.locator("#lab-status")).to_contain_text("scenarios in the library")

    # a row of the table opens its scenario; so does the dropdown
    rows = lab.scenarios()
    page.locator("#lab-scenarios").get_by_role("gridcell", name=rows[1]["title"], exact=True).click()
    expect(page.locator("#lab-brief")).to_contain_text(f"{rows[1]['id']} · {rows[1]['title']}")

    # pick the first scenario: the brief shows the question, numbered facts with their sources, the actions
    scenario = lab.scenario(rows[0]["id"])
    page.locator("#lab-pick input").click()
    page.get_by_role("option", name=f"{scenario['id']} · {scenario['title']}").click()
    brief = page.locator("#lab-brief")
    expect(brief).to_contain_text(scenario["question"])
    text = brief.inner_text()
    for fact in scenario["brief"]:
        assert f"[{fact['id']}]" in text and f"source: {fact['source']}" in text
    for a in scenario["actions"]:
        assert a["label"] in text
    page.screenshot(path=str(SCREENSHOTS / "lab-brief.png"), full_page=True)

    # every bad field gets its message beside it, and nothing is written
    box(page, "lab-learner").fill(LEARNER)
    box(page, "lab-predict").fill("abc")
    box(page, "lab-low").fill("-50")
    box(page, "lab-high").fill("50")
    _press_play_and_expect(page, "lab-action-msg", "choose one of the actions", learner_file)
    chosen = scenario["actions"][0]
    page.locator("#lab-action").get_by_text(f"{chosen['id']}: {chosen['label']}").click()
    _press_play_and_expect(page, "lab-predict-msg", "'abc' is not a number", learner_file)
    expect(page.locator("#lab-action-msg")).to_be_hidden()
    page.screenshot(path=str(SCREENSHOTS / "lab-typo.png"), full_page=True)
    box(page, "lab-learner").fill("ann/../root")
    _press_play_and_expect(page, "lab-learner-msg", "is not a usable name", learner_file)
    box(page, "lab-learner").fill(LEARNER)
    box(page, "lab-predict").fill("1")
    box(page, "lab-low").fill("5")
    box(page, "lab-high").fill("-5")
    _press_play_and_expect(page, "lab-high-msg", "is above the high", learner_file)

    # a valid play: the debrief gives the replayed outcome (the one saved) and the interval check
    box(page, "lab-predict").fill("-0.5")
    box(page, "lab-low").fill("-2%")
    box(page, "lab-high").fill("1")
    page.locator("#lab-play").click()
    debrief = page.locator("#lab-debrief")
    expect(debrief).to_contain_text("Replayed on")
    for elem_id in ("lab-learner-msg", "lab-action-msg", "lab-predict-msg", "lab-low-msg", "lab-high-msg"):
        expect(page.locator(f"#{elem_id}")).to_be_hidden()
    assert learner_file.is_file()
    plays = json.loads(learner_file.read_text())["plays"]
    assert len(plays) == 1 and plays[0]["scenario"] == scenario["id"] and plays[0]["action"] == chosen["id"]
    play = plays[0]
    outcome = f"{round(play['outcome_pct'], 2) + 0.0:+.2f}%"
    text = debrief.inner_text()
    assert f"{scenario['goal']} {outcome}" in text, (outcome, text)
    assert ("fell inside your interval" if play["in_interval"] else "fell outside your interval") in text
    assert play["in_interval"] == (-2 <= play["outcome_pct"] <= 1)
    # the chart: the prediction with its interval beside every action's replayed outcome
    chart = page.locator("#lab-debrief-chart")
    chart.locator("g.trace.scatter").first.wait_for()
    expect(chart).to_contain_text("your prediction")
    expect(chart).to_contain_text("replayed: other actions")
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / "lab-debrief.png"), full_page=True)

    # progress: refreshed by the play, and again by "Show progress"
    progress = page.locator("#lab-progress")
    expect(progress).to_contain_text("1 scenario played")
    page.locator("#lab-show-progress").click()
    expect(progress).to_contain_text(f"{LEARNER}: 1 scenario played (1 play)")
    expect(progress).to_contain_text("outcome inside the interval")
    page.locator("#lab-progress-chart g.trace.bars").first.wait_for()
    expect(page.locator("#lab-history")).to_contain_text(scenario["id"])
    page.locator("#lab-history").scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.locator("#lab-progress").screenshot(path=str(SCREENSHOTS / "lab-progress-summary.png"))
    page.screenshot(path=str(SCREENSHOTS / "lab-progress.png"), full_page=True)

    # a rejected second play clears the earlier debrief (it would read as this play's) and keeps progress
    box(page, "lab-predict").fill("lots")
    page.locator("#lab-play").click()
    expect(page.locator("#lab-predict-msg")).to_contain_text("not a number")
    expect(debrief).not_to_contain_text("Replayed on")
    expect(progress).to_contain_text("1 scenario played")

    # a free hypothesis becomes a rule set, is replayed and judged
    import pandas as pd

    products = pd.read_csv(workspace / "demo-input" / "products.csv")
    category = str(products["category"].value_counts().index[0])
    brand = str(products[products["category"] == category]["brand"].value_counts().index[0])
    box(page, "lab-hypothesis").fill(f"boosting {brand} in {category} raises margin")
    page.locator("#lab-test").click()
    verdict = page.locator("#lab-verdict")
    expect(verdict).to_contain_text(f"Hypothesis: boosting {brand} in {category}", timeout=120_000)
    expect(verdict).to_contain_text("95% interval")
    assert any(w in verdict.inner_text() for w in ("supports it", "contradicts it", "cannot settle it"))
    verdict.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "lab-hypothesis.png"), full_page=False)

    # an unknown learner's progress is a message, not an error
    box(page, "lab-learner").fill("nobody")
    page.locator("#lab-show-progress").click()
    expect(progress).to_contain_text("no plays yet")
