"""A live experiment started from the What-if tab in a real browser, against `shelfwise serve` over a
private copy of the small demo workspace (chromium and the server helpers of tests/browser.py).

The merchandiser's task end to end: one boost rule typed into the rules table, a name, interleaving,
**Start**; the status gives the test plan and the decision, the record is on disk and /recommend
on the same server now serves the experiment; a second start is refused (one experiment per
surface), **Stop** ends it. Bad input (traffic 150, no name) is a message naming the field and
creates nothing. Screenshots go to benchmarks/results/screenshots/experiment-*.png.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import REPO, api, app_page, box, serving_copy

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SCREENSHOTS = REPO / "benchmarks" / "results" / "screenshots"
NAME = "spring-boost"


@pytest.fixture(scope="module")
def exp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(url, workspace): ``shelfwise serve`` over a copy of the demo workspace, no experiment yet."""
    with serving_copy(tmp_path_factory, "experiments") as found:
        yield found


@pytest.fixture(scope="module")
def exp_page(exp_server: tuple[str, Path]) -> Iterator[Any]:
    with app_page(exp_server[0]) as pg:
        pg.get_by_role("tab", name="What-if").click()
        pg.locator("#whatif-rules").wait_for()
        yield pg




def _boost_rule(workspace: Path) -> dict[str, str]:
    """A brand boost in the biggest category: a change the replay sees, which the linter accepts."""
    import pandas as pd

    products = pd.read_csv(workspace / "demo-input" / "products.csv")
    category = str(products["category"].value_counts().index[0])
    brand = str(products[products["category"] == category]["brand"].value_counts().index[0])
    return {"id": "boost-brand", "action": "boost", "target_brands": brand, "multiplier": "3"}


def _active_user(workspace: Path) -> str:
    from recsys_core.data import load_store

    events = load_store(workspace).events
    return str(events[events["type"] == "purchase"]["user_id"].value_counts().index[0])


def _type_rule(page: Any, rule: dict[str, str]) -> None:
    """Type the rule into the (blank) first row of the rules table, cell by cell."""
    from playwright.sync_api import expect

    from assistant.ui.whatif import RULE_COLUMNS

    table = page.locator("#whatif-rules")
    page.wait_for_timeout(1000)  # the page load fills the table with the live rules (none here) first
    cells = {column: table.locator(f'[data-testid="cell-0-{RULE_COLUMNS.index(column)}"]') for column in rule}
    for column, value in rule.items():
        cells[column].dblclick()
        cells[column].locator("input, textarea").first.fill(value)
        page.keyboard.press("Enter")
    for column, value in rule.items():
        expect(cells[column]).to_contain_text(value)


def _start_and_expect(page: Any, words: str) -> None:
    from playwright.sync_api import expect

    page.locator("#exp-start").click()
    expect(page.locator("#exp-status")).to_contain_text(words, timeout=180_000)


def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    section = page.locator("#exp-section")
    section.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    section.screenshot(path=str(SCREENSHOTS / name))


def test_bad_input_is_named_and_creates_nothing(exp_server: tuple[str, Path], exp_page: Any) -> None:
    from playwright.sync_api import expect

    page, (_, workspace) = exp_page, exp_server
    folder = workspace / "experiments"
    _type_rule(page, _boost_rule(workspace))
    status = page.locator("#exp-status")

    box(page, "exp-name").fill("")
    _start_and_expect(page, "Not started. name: '' is not a usable experiment name")

    box(page, "exp-name").fill("too-much")
    box(page, "exp-traffic").fill("150")
    _start_and_expect(page, "Not started. traffic: 150")
    expect(status).to_contain_text("give a percentage above 0 and at most 100")
    assert "internal error" not in status.inner_text()
    assert not (folder / "too-much.json").exists() and not list(folder.glob("*.json"))
    _shot(page, "experiment-traffic-error.png")

    box(page, "exp-traffic").fill("0")
    _start_and_expect(page, "Not started. traffic: 0")
    assert not list(folder.glob("*.json"))


def test_an_experiment_is_started_served_refused_twice_and_stopped(exp_server: tuple[str, Path],
                                                                   exp_page: Any) -> None:
    from playwright.sync_api import expect

    page, (url, workspace) = exp_page, exp_server
    folder = workspace / "experiments"
    status, table = page.locator("#exp-status"), page.locator("#exp-table")
    if "boost-brand" not in page.locator("#whatif-rules").inner_text():  # when run on its own
        _type_rule(page, _boost_rule(workspace))

    # start: the status gives the name, the method, the plan in sessions and days, the decision
    box(page, "exp-name").fill(NAME)
    box(page, "exp-traffic").fill("100")
    page.locator("#exp-method").get_by_text("interleaving", exact=True).click()
    _start_and_expect(page, f"Experiment {NAME} · interleaving · running")
    text = status.inner_text()
    assert re.search(r"interleaving: about [\d,]+ visits \([\d,]+ days\) ← this test", text), text
    assert re.search(r"A/B: about [\d,]+ visits", text)
    assert re.search(r"CUPED A/B \(variance -\d+%\): about [\d,]+ visits", text)
    assert "Decision: keep running" in text and "Traffic: 100% of users" in text
    expect(table).to_contain_text(NAME)
    expect(table).to_contain_text("running")
    _shot(page, "experiment-started.png")

    record = json.loads((folder / f"{NAME}.json").read_text())
    assert record["status"] == "running" and record["method"] == "interleaving" and record["traffic"] == 1.0
    assert [r["id"] for r in record["rules"]] == ["boost-brand"] and record["plan"]["interleaving_sessions"]

    # the same server now serves it: /recommend says which experiment and which side gave each item
    user = _active_user(workspace)
    served = api(url, "POST", "/recommend", {"user_id": user, "k": 10})
    assert served["experiment"]["name"] == NAME and served["experiment"]["method"] == "interleaving"
    assert {r["side"] for r in served["results"]} <= {"A", "B"}
    page.locator("#exp-refresh").click()
    expect(table.locator('[data-testid="cell-0-6"]')).to_have_text("1")  # lists served
    expect(status).to_contain_text("Lists served: 1")

    # a second experiment on the same surfaces is refused with the reason; no record is written
    box(page, "exp-name").fill("second-try")
    _start_and_expect(page, f"Not started. experiment '{NAME}' is running on the same surfaces")
    assert "internal error" not in status.inner_text()
    assert not (folder / "second-try.json").exists()
    _shot(page, "experiment-conflict.png")

    # stop: the record stays, the table says stopped, /recommend serves the live rules again
    box(page, "exp-name").fill(NAME)
    page.locator("#exp-stop").click()
    page.locator("#exp-confirm-stop").click()  # a destructive button asks first
    expect(status).to_contain_text(f"Stopped experiment {NAME}")
    expect(status).to_contain_text("Decision: stopped early")
    expect(status).to_contain_text("no decision")
    expect(table.locator('[data-testid="cell-0-2"]')).to_have_text("stopped")
    assert json.loads((folder / f"{NAME}.json").read_text())["status"] == "stopped"
    assert "experiment" not in api(url, "POST", "/recommend", {"user_id": user, "k": 10})
    _shot(page, "experiment-stopped.png")

    # stopping it again is a message, not an error (nothing to confirm)
    page.locator("#exp-stop").click()
    expect(page.get_by_text(f"experiment '{NAME}' is stopped already").first).to_be_visible()  # a message box
    assert not page.locator("#exp-confirm-stop").is_visible()

    # a row of the table shows its experiment and puts its name in the form
    box(page, "exp-name").fill("")
    table.locator('[data-testid="cell-0-0"]').click()
    expect(box(page, "exp-name")).to_have_value(NAME)
    expect(status).to_contain_text(f"Experiment {NAME} · interleaving · stopped")
