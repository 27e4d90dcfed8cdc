"""The merchandiser's everyday tasks, end to end in a real browser (issue #17): Debian's chromium
driven by Playwright against ``shelfwise serve`` over a private copy of the small demo workspace.

Each test does one task as a merchandiser would and asserts the outcome the task needs, checked
against the REST API (an independent surface over the same service), not that a panel rendered:

1. why is #1 first for a customer -> the explanation names the biggest driver in words;
2. why is #1 above #2 -> the verdict names the part that decides it, in words;
3. why does "waterproof tent" rank as it does -> matched words highlighted, keyword and meaning
   ranks on every row, and the compare sentence names the stage where one passes the other;
4. simulate and save a brand boost typed as "+50%" -> the saved boost is live and named on the item
   in the Rank explorer; an unreadable strength gets a message on that field;
5. act on an insight card -> after saving it, the earlier live rule is still live; the previous
   version can be restored from the UI;
6. two service questions and a promotion question -> the right policy is cited; the proposal
   carries its data and simulated impact in the shop's currency;
7. judge the models -> built dates and baselines beside the metrics; Retrain asks first;
8. an unknown customer id -> "... is not a customer of this shop" with the closest ids, in the
   Rank explorer and in chat.

Screenshots are kept as artifacts in benchmarks/results/screenshots/task-*.png.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import REPO, api, app_page, box, serving_copy

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SCREENSHOTS = REPO / "benchmarks" / "results" / "screenshots"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    with serving_copy(tmp_path_factory, "tasks") as found:
        yield found


@pytest.fixture(scope="module")
def page(app: tuple[str, Path]) -> Iterator[Any]:
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)  # a save lints the rule set on 110 lists: seconds on 2 CPUs
    with app_page(app[0]) as pg:
        yield pg



def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOTS / f"task-{name}.png"), full_page=True)


def _customer(workspace: Path) -> str:
    from recsys_core.data import load_store

    events = load_store(workspace).events
    return str(events[events["type"] == "purchase"]["user_id"].value_counts().index[0])


def _rank(page: Any, mode: str, text: str) -> None:
    page.get_by_role("tab", name="Rank explorer").click()
    page.locator("#rank-mode").get_by_text(mode, exact=True).click()
    box(page, "rank-input").fill(text)
    page.locator("#rank-go").click()


def _label(name: str) -> str:
    from assistant.wording import component_label

    return component_label(name)


# ---- 1 and 2: a customer's ranking -----------------------------------------------------------------
def test_why_is_the_first_item_first_for_a_customer(app: tuple[str, Path], page: Any) -> None:
    from playwright.sync_api import expect

    url, workspace = app
    user = _customer(workspace)
    shown = api(url, "POST", "/recommend", {"user_id": user, "k": 10})["results"]
    top = shown[0]
    driver = max(top["contributions"], key=lambda n: top["contributions"][n])
    _rank(page, "customer", user)
    first = page.locator("#rank-table tbody tr").first
    expect(first).to_contain_text(top["title"])  # the product by its title...
    expect(first.locator(f'[title="{top["item_id"]}"]').first).to_be_attached()  # ...its id on hover
    expect(first).to_contain_text(_label(driver))  # the biggest driver, in words
    table = page.locator("#rank-table").inner_text()
    assert not re.search(r"\b(item_knn|cf)\b", table), "score parts are shown by model name"
    _shot(page, "1-why-first-for-customer")


def test_why_is_the_first_above_the_second_for_a_customer(app: tuple[str, Path], page: Any) -> None:
    from playwright.sync_api import expect

    url, workspace = app
    user = _customer(workspace)
    shown = api(url, "POST", "/recommend", {"user_id": user, "k": 10})["results"]
    a, b = shown[0], shown[1]
    diff = {n: a["contributions"].get(n, 0.0) - b["contributions"].get(n, 0.0)
            for n in {*a["contributions"], *b["contributions"]}}
    decisive = max(diff, key=lambda n: diff[n])  # the part that most favours #1
    _rank(page, "customer", user)
    expect(page.locator("#rank-a input, #rank-a textarea").first).to_have_value(a["item_id"])
    page.locator("#rank-compare").click()
    verdict = page.locator("#rank-verdict")
    expect(verdict).to_contain_text(f"is above {b['title']}")
    expect(verdict).to_contain_text(f"the biggest difference is '{_label(decisive)}'")
    _shot(page, "2-why-first-above-second")


# ---- 3: a search explained -------------------------------------------------------------------------
def test_why_waterproof_tent_ranks_as_it_does(app: tuple[str, Path], page: Any) -> None:
    from playwright.sync_api import expect

    from assistant.wording import stage_label

    url, _ = app
    query = "waterproof tent"
    hits = api(url, "POST", "/search", {"query": query, "k": 10, "explain": True})["results"]
    _rank(page, "search", query)
    table = page.locator("#rank-table")
    expect(table.locator("tbody tr").first).to_contain_text(hits[0]["title"])
    marked = {m.lower() for m in table.locator("tbody tr").first.locator("mark").all_inner_texts()}
    assert marked & {"tent", "tents", "waterproof"}, f"no matched word highlighted in #1: {marked}"
    header = table.locator("thead").inner_text().lower()
    assert "keyword rank" in header and "meaning rank" in header
    first_trace = hits[0]["trace"]
    row = table.locator("tbody tr").first.inner_text()
    if first_trace["bm25_rank"] is not None:
        assert f"#{first_trace['bm25_rank']}" in row or str(first_trace["bm25_rank"]) in row
    page.locator("#rank-compare").click()
    compared = api(url, "POST", "/compare", {"a": hits[0]["item_id"], "b": hits[1]["item_id"], "query": query})
    verdict = page.locator("#rank-verdict")
    expect(verdict).to_contain_text("is above")
    if compared["passes_at"]:
        expect(verdict).to_contain_text(stage_label(compared["passes_at"]))
    _shot(page, "3-why-waterproof-tent")
    # the same question in chat is answered about the whole query, not "tent"
    page.get_by_role("tab", name="Chat").click()
    page.get_by_role("button", name="New conversation").click()
    box(page, "chat-input").fill(f"why is {hits[0]['item_id']} first for waterproof tent?")
    page.locator("#chat-send").click()
    history = page.locator("#chat-history")
    history.get_by_text("Facts used").first.wait_for()
    assert "waterproof tent" in history.inner_text()
    _shot(page, "3-why-waterproof-tent-chat")


# ---- 4 and 5: rules ----------------------------------------------------------------------------------
def _brand_to_boost(url: str, workspace: Path) -> tuple[str, str]:
    """A brand on the 'tent' results that is not #1's: (brand, its first item shown)."""
    from recsys_core.data import load_store

    brands = load_store(workspace).products.set_index("item_id")["brand"].astype(str)
    hits = api(url, "POST", "/search", {"query": "tent", "k": 10})["results"]
    first = brands.get(hits[0]["item_id"])
    for h in hits[2:]:
        if brands.get(h["item_id"]) not in (None, first):
            return str(brands[h["item_id"]]), str(h["item_id"])
    raise AssertionError(f"no second brand on the tent results: {[h['item_id'] for h in hits]}")


def _pick(page: Any, elem_id: str, text: str) -> None:
    """Choose ``text`` in the Gradio dropdown ``elem_id`` (typing filters the options)."""
    field = page.locator(f"#{elem_id} input").first
    field.click()
    field.fill(text)
    page.locator("ul[role='listbox'] li", has_text=text).first.click()
    page.keyboard.press("Escape")


def test_simulate_and_save_a_brand_boost(app: tuple[str, Path], page: Any) -> None:
    from playwright.sync_api import expect

    url, workspace = app
    brand, item = _brand_to_boost(url, workspace)
    before = {r["id"] for r in api(url, "GET", "/rules")["rules"]}
    page.get_by_role("tab", name="What-if").click()
    _pick(page, "rule-action", "boost")
    page.locator("#rule-target-kind").get_by_text("brands", exact=True).click()
    _pick(page, "rule-target", brand)
    box(page, "rule-strength").fill("lots")  # unreadable: a message on that field, nothing added
    page.locator("#rule-add").click()
    expect(page.locator("#rule-strength-msg")).to_contain_text("strength")
    _shot(page, "4-boost-bad-strength")
    box(page, "rule-strength").fill("+50%")
    box(page, "rule-id").fill("tent-brand-boost")
    page.locator("#rule-add").click()
    expect(page.locator("#whatif-rules")).to_contain_text("tent-brand-boost")
    expect(page.locator("#rule-strength-msg")).to_be_hidden()
    box(page, "whatif-input").fill("tent")
    page.locator("#whatif-run").click()
    page.locator("#whatif-status").get_by_text("Replayed").wait_for()
    expect(page.locator("#whatif-estimates")).to_contain_text("revenue")
    page.locator("#whatif-save").click()
    expect(page.locator("#whatif-status")).to_contain_text(re.compile(r"Saved (rule set )?version \d+"))
    live = {r["id"]: r for r in api(url, "GET", "/rules")["rules"]}
    assert "tent-brand-boost" in live and before <= set(live), "the save dropped a live rule"
    assert live["tent-brand-boost"]["multiplier"] == pytest.approx(1.5)
    assert live["tent-brand-boost"]["target"]["brands"] == [brand]
    _shot(page, "4-boost-saved")
    # the saved boost is visible in the Rank explorer and named on the brand's item
    _rank(page, "search", "tent")
    row = page.locator("#rank-table tbody tr", has=page.locator(f'[data-item-id="{item}"]')).first
    expect(row).to_contain_text("tent-brand-boost")
    _shot(page, "4-boost-in-rank-explorer")


def test_act_on_an_insight_card_keeps_the_live_rules(app: tuple[str, Path], page: Any) -> None:
    from playwright.sync_api import expect

    url, _ = app
    live_before = api(url, "GET", "/rules")
    if not live_before["rules"]:  # run alone: a live rule to keep
        api(url, "PUT", "/rules", {"rules": [{"id": "keep-me", "action": "boost", "target": {"brands": ["Northpeak"]},
                                               "multiplier": 1.2}], "message": "task test"})
        live_before = api(url, "GET", "/rules")
    kept = {r["id"] for r in live_before["rules"]}
    page.reload()
    page.locator("#chat-input textarea").wait_for()
    page.get_by_role("tab", name="Insights").click()
    page.locator("#insights-status").get_by_text("insight card").wait_for()
    action = page.locator(".insight-action:visible").first
    _shot(page, "5-insights")
    action.click()
    rules = page.locator("#whatif-rules")
    for rule_id in kept:
        expect(rules).to_contain_text(rule_id)  # the card's rule joined the live set
    page.locator("#whatif-save").click()
    expect(page.locator("#whatif-status")).to_contain_text(re.compile(r"Saved (rule set )?version \d+"))
    after = {r["id"] for r in api(url, "GET", "/rules")["rules"]}
    assert kept < after, f"saving an insight lost live rules: {kept - after}"
    _shot(page, "5-insight-saved")
    # the version before the insight can be restored from the UI
    page.locator("#whatif-history-section").get_by_text("Saved versions").click()
    versions = api(url, "GET", "/rules")["history"]
    previous = versions[-2]["version"]  # the version before the insight
    _pick(page, "whatif-version", f"version {previous} ·")
    page.locator("#whatif-restore").click()
    expect(page.locator("#whatif-restore-diff")).to_contain_text(f"Restoring version {previous}")
    _shot(page, "5-restore-asks")
    page.locator("#whatif-confirm-restore").click()
    expect(page.locator("#whatif-status")).to_contain_text(f"Restored version {previous}")
    restored = {r["id"] for r in api(url, "GET", "/rules")["rules"]}
    assert restored == kept
    _shot(page, "5-restored")


# ---- 6: service and promotion questions ---------------------------------------------------------------
def _ask(page: Any, question: str) -> str:
    history = page.locator("#chat-history")
    count = history.inner_text().count("Facts used")
    box(page, "chat-input").fill(question)
    page.locator("#chat-send").click()
    page.wait_for_function(
        f"() => document.querySelector('#chat-history').innerText.split('Facts used').length > {count + 1}",
        timeout=180_000)
    return str(history.inner_text().split(question)[-1])


def test_service_and_promotion_questions_in_chat(page: Any) -> None:
    page.get_by_role("tab", name="Chat").click()
    page.get_by_role("button", name="New conversation").click()
    answer = _ask(page, "can I return shoes I bought 3 weeks ago?")
    assert "30 days" in answer and "returns-policy#" in answer
    answer = _ask(page, "do you ship to other countries?")
    assert "international-shipping#" in answer
    _shot(page, "6-service-questions")
    answer = _ask(page, "Suggest a promotion for slow movers")
    assert "Simulated" in answer and "95% interval" in answer and "$" in answer
    _shot(page, "6-promotion")


# ---- 7: data and models -------------------------------------------------------------------------------
def test_judge_the_models_in_data_and_models(app: tuple[str, Path], page: Any) -> None:
    from playwright.sync_api import expect

    from recsys_core.workspace import Workspace

    _, workspace = app
    report = Workspace(workspace).model_report_path
    stamp = report.stat().st_mtime_ns
    page.get_by_role("tab", name="Data & models").click()
    models = page.locator("#data-models")
    expect(models).to_contain_text("popularity")  # the baseline beside each metric
    expect(models).to_contain_text("item-kNN")
    expect(models).to_contain_text(re.compile(r"20\d\d-\d\d-\d\d"))  # when it was built
    page.locator("#data-retrain").click()
    expect(page.locator("#data-confirm-retrain")).to_be_visible()  # asks first
    _shot(page, "7-data-and-models-confirm")
    page.locator("#data-cancel-retrain").click()
    expect(page.locator("#data-confirm-retrain")).to_be_hidden()
    assert report.stat().st_mtime_ns == stamp, "Retrain ran without a confirmation"


# ---- 8: unknown ids ---------------------------------------------------------------------------------
def test_an_unknown_customer_id_gets_a_message(app: tuple[str, Path], page: Any) -> None:
    from playwright.sync_api import expect

    url, _ = app
    _rank(page, "customer", "U99999")
    status = page.locator("#rank-status")
    expect(status).to_contain_text("U99999 is not a customer of this shop")
    expect(status).to_contain_text("closest")
    assert page.locator("#rank-table tbody tr").count() == 0  # no generic list left on screen
    _shot(page, "8-unknown-customer")
    _rank(page, "customer", "waterproof tent")  # a search typed in customer mode
    expect(status).to_contain_text("not a customer")
    with pytest.raises(urllib.error.HTTPError) as err:
        api(url, "POST", "/recommend", {"user_id": "U99999", "k": 5})
    assert err.value.code == 404
    page.get_by_role("tab", name="Chat").click()
    answer = _ask(page, "Recommend something for customer U99999")
    assert "U99999 is not a customer of this shop" in answer
    _shot(page, "8-unknown-customer-chat")


# ---- 9: a shopper's question about a product named loosely ----------------------------------------
def test_a_product_named_loosely_is_asked_about_then_answered(app: tuple[str, Path], page: Any) -> None:
    import json

    from recsys_core.data import load_store

    _, ws = app
    shop = load_store(ws)
    products = shop.products
    kind = products["attributes"].map(lambda a: json.loads(a)["product_type"])
    reviewed = set(shop.reviews["item_id"])
    groups = products[products["item_id"].isin(reviewed)].assign(kind=kind).groupby(["brand", "kind"])["item_id"]
    brand, noun = next(k for k, v in groups.apply(list).items() if len(v) >= 2)
    page.get_by_role("tab", name="Chat").click()
    page.get_by_role("button", name="New conversation").click()
    page.wait_for_function("() => !document.querySelector('#chat-history').innerText.includes('Facts used')",
                           timeout=30_000)  # the new conversation is open before the first question
    asked = _ask(page, f"does the {brand.lower()} {noun} break easily??")
    assert "Which one do you mean?" in asked
    listed = re.findall(r"P\d{5}", asked.split("Which one")[0])
    answer = _ask(page, "the second one")
    assert f"reviews of {listed[1]}" in answer or f"review of {listed[1]}" in answer, answer
    assert "R0" in answer or "too few" in answer or "no reviews" in answer  # quoted review ids, or a decline
    _shot(page, "9-which-one-then-answer")
