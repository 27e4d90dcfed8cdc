"""Words, not ids and jargon: money carries the shop's currency, insight cards and the replay's
estimates read as sentences with hover help, Data & models shows when each model was built and
its baselines, and destructive buttons ask before they run (the handlers as plain functions)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from assistant.agent.tools.render import usd
from assistant.ui.common import Confirmation, hover, legend
from assistant.ui.data import (
    models_markdown,
    recommender_markdown,
    retrain_question,
    retrained_message,
)
from assistant.ui.experiments import ab_plan_line, stop_question
from assistant.ui.insights import card_markdown
from assistant.ui.lab import _rule_text, in_words
from assistant.ui.whatif import estimates_table
from assistant.wording import money
from recsys_core.errors import UnknownIdError
from recsys_core.strategy.experiments import ExperimentError
from recsys_core.workspace import get_setting


# ---- money -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "currency", "signed", "shown"), [
    (6.127, "$", False, "$6.13"), (-18.62, "$", False, "-$18.62"), (32.9, "$", True, "+$32.90"),
    (-0.001, "$", True, "$0.00"), (1234.5, "€", False, "€1,234.50"), (12, "EUR", True, "+12.00 EUR"),
    (-3, "£", False, "-£3.00"), (float("nan"), "$", False, "n/a"), ("abc", "$", False, "abc"),
])
def test_money_is_rounded_to_the_cent_with_the_currency(value: Any, currency: str, signed: bool, shown: str) -> None:
    assert money(value, currency, signed=signed) == shown


def test_money_takes_the_shops_currency_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHELFWISE_CURRENCY", raising=False)
    assert get_setting("currency") == "$" and money(5) == "$5.00" and usd(-5) == "-$5.00"
    monkeypatch.setenv("SHELFWISE_CURRENCY", "EUR")
    assert money(5) == "5.00 EUR" and usd(2.5, signed=True) == "+2.50 EUR"  # the assistant's answers too
    monkeypatch.setenv("SHELFWISE_CURRENCY", "£")
    assert money(1500) == "£1,500.00"


def test_hover_explains_known_terms_only() -> None:
    shown = hover("NDCG@10", "ndcg@10")
    assert shown.startswith('<abbr title="how well the top 10') and shown.endswith(">NDCG@10</abbr>")
    assert hover("not a term") == "not a term"
    assert '"' not in hover("x", "lift").split('title="')[1].split('">')[0]  # the title stays one attribute
    assert legend("95% interval").startswith("<small>**95% interval**: the range the true change lies in")


# ---- insight cards -----------------------------------------------------------------------------
def test_a_card_reads_as_sentences_with_the_product_id_in_parentheses() -> None:
    card = {"kind": "rising_low_stock", "title": "Rising but low on stock: Trail Tent 2P",
            "figures": {"item_id": "P00042", "weekly_growth_pct": 12.345, "ci_low_pct": 3.0, "ci_high_pct": 21.5,
                        "stock": 4.0, "days_of_cover": 6.4, "stockout_risk_pct": 71.2},
            "whatif": {"id": "rising_low_stock-abc", "action": "bury", "multiplier": 0.8,
                       "note": "slow exposure until restocked"}}
    text = card_markdown(card)
    assert text.startswith("#### Rising but low on stock: Trail Tent 2P (P00042)")
    assert "Views growing 12.3% a week" in text and "3.0% to 21.5%" in text and "95% interval</abbr>" in text
    assert "4 in stock, about 6 days of sales" in text and "71% chance of running out" in text
    assert "**Try:** slow exposure until restocked (bury ×0.8)" in text
    for jargon in ("weekly_growth_pct", "stockout_risk", "item_id", "rule_id", "_"):
        assert jargon not in text.split("\n")[-1] and jargon not in text.split("\n\n")[1]


def test_an_anomaly_and_a_bought_together_card_say_lift_in_words() -> None:
    anomaly = {"kind": "anomaly", "title": "Anomaly in outdoor: spike", "whatif": None,
               "figures": {"key": "outdoor", "start": "2025-03-01", "end": "2025-03-03", "days": 3.0,
                           "direction": "spike", "peak_z": 6.1, "observed": 1530.0, "expected": 402.6, "lift": 3.8}}
    text = card_markdown(anomaly)
    assert "traffic of 1,530" in text and "about 403 expected over 3 days (2025-03-01 to 2025-03-03)" in text
    assert "3.8× the usual traffic" in text and "peak_z" not in text and "lift</abbr>" in text
    bundle = {"kind": "bundle", "title": "Often bought together", "whatif": None,
              "figures": {"item_a": "P00001", "item_b": "P00002", "lift": 171.04, "basket_revenue": 1234.5,
                          "rule_id": "x"}}
    shown = card_markdown(bundle, titles={"P00001": "Stove", "P00002": "Gas canister"})
    assert "**Products:** Stove (P00001) and Gas canister (P00002)" in shown
    assert "bought together 171× more often than chance" in shown and "lift 171" not in shown
    assert "basket revenue $1,234.50" in shown and "rule_id" not in shown


def test_a_lint_card_names_the_problem_without_codes() -> None:
    card = {"kind": "lint", "title": "Rule old-pin: pin_missing_item", "whatif": None,
            "figures": {"rule_id": "old-pin", "severity": "warning", "code": "pin_missing_item",
                        "message": "pins P09999, which is not in the catalogue"}}
    assert card_markdown(card).endswith("Warning: pins P09999, which is not in the catalogue")


# ---- what-if estimates -------------------------------------------------------------------------
def test_estimates_show_metric_names_and_money_in_the_shops_currency(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHELFWISE_CURRENCY", "€")
    replay = {"metrics": [
        {"metric": "revenue", "before": 1000.0, "after": 1032.9, "delta": 32.9, "delta_pct": 0.0329,
         "ci_low": -5.126, "ci_high": 70.0},
        {"metric": "clicks", "before": 500.0, "after": 512.25, "delta": 12.25, "delta_pct": 0.0245,
         "ci_low": 2.0, "ci_high": 22.5},
        {"metric": "focus_exposure_share", "before": 0.05, "after": 0.08, "delta": 0.03, "delta_pct": 0.6,
         "ci_low": 0.02, "ci_high": 0.04}]}
    rows = estimates_table(replay).to_dict(orient="records")
    assert rows[0] == {"metric": "revenue (€)", "before": "€1,000.00", "after": "€1,032.90", "delta": "+€32.90",
                       "delta %": "+3.3%", "95% interval": "[-€5.13, +€70.00]"}
    assert rows[1]["metric"] == "clicks" and rows[1]["after"] == "512.2" and rows[1]["95% interval"] == "[+2.0, +22.5]"
    assert rows[2]["metric"] == "share of attention on the rule's items" and rows[2]["delta"] == "+3.00 pts"


def test_the_ab_plan_speaks_of_visits_per_version() -> None:
    line = ab_plan_line({"metric": "revenue", "per_arm": 20279, "mde_relative": 0.04, "days_needed": 145.2})
    assert "about 20,279 " in line and "visits per version</abbr> before the difference is trustworthy" in line
    assert "how many visits each version needs" in line and "about 145 days" in line and "+4% change in revenue" in line
    assert ab_plan_line(None) == "" and ab_plan_line({"per_arm": 0}) == ""


# ---- Data & models -----------------------------------------------------------------------------
REPORT = {"trained_at": "2025-03-03T09:00:00+00:00", "seconds": 185.0,
          "report": {"model": "shelfwise hybrid", "ndcg_at_10": 0.21, "hr_at_10": 0.4, "mrr": 0.18, "users": 1200,
                     "coverage_at_10": 0.5, "novelty_at_10": 7.1, "recommend_p50_ms": 11.7,
                     "extra": {"weights": {"sequence": 0.6, "popularity": 0.2, "cf": 0.2},
                               "baselines": {"popularity": {"ndcg_at_10": 0.12, "hr_at_10": 0.25, "mrr": 0.1},
                                             "item_knn": {"ndcg_at_10": 0.15, "hr_at_10": 0.3, "mrr": 0.13}}}}}


def test_the_recommender_section_has_the_date_the_baselines_and_a_sentence() -> None:
    text = recommender_markdown(REPORT)
    assert "**Built:** 2025-03-03 09:00 UTC (" in text and "tested on 1,200 customers" in text
    assert "| measure | this model | popularity (baseline) | item-kNN (baseline) |" in text
    assert ">NDCG@10</abbr> | **0.210** | 0.120 | 0.150 |" in text
    assert ("NDCG@10</abbr> 0.21 (popularity 0.12, item-kNN 0.15): of the products customers went on to pick, the "
            "model puts them higher than either baseline in its top 10.") in text
    assert "for 40% of customers the product they picked next is in the model's top 10 (popularity 25%" in text
    assert "**What it weighs:** follows what they viewed last 60%" in text and "ndcg_at_10" not in text
    assert retrained_message(REPORT) == "Retrained the recommender: NDCG@10 0.21 (baselines: popularity 0.12, item-kNN 0.15)."


def test_a_model_below_a_baseline_says_so_and_an_old_report_asks_for_a_retrain() -> None:
    worse = json.loads(json.dumps(REPORT))
    worse["report"]["ndcg_at_10"] = 0.13
    assert "higher than popularity but lower than item-kNN" in recommender_markdown(worse)
    old = {"report": {"ndcg_at_10": 0.2}}
    text = recommender_markdown(old)
    assert "**Built:** unknown" in text and "no baseline figures; **Retrain** to compute them" in text


def test_search_ranker_and_encoder_show_when_built_and_their_baseline(tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    held = {"ndcg@10": 0.31, "mrr@10": 0.27, "lists": 140}
    (models / "search-ranker-report.json").write_text(json.dumps(
        {"cut": "2025-02-14 00:00:00", "held": {"hybrid": {**held, "ndcg@10": 0.25}, "hybrid+ranker": held}}))
    (models / "search-encoder-report.json").write_text(json.dumps(
        {"kept": False, "held_lists": 140, "held": {"generic": held, "adapted": {**held, "mrr@10": 0.2}}}))
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "manifest.json").write_text(json.dumps({"complete": False, "started_at": "2025-03-01T10:00:00"}))
    text = models_markdown(SimpleNamespace(workspace=tmp_path))  # type: ignore[arg-type]
    assert "Not trained yet" in text and "**Not complete:** a build started 2025-03-01 10:00 UTC" in text
    ranker = text.split("### Search ranker")[1].split("###")[0]
    assert "**Built:** 20" in ranker and "checked on 140 searches after 2025-02-14" in ranker
    assert "| measure | with the ranker | without it (baseline) |" in ranker and "| **0.310** | 0.250 |" in ranker
    encoder = text.split("### Search text encoder")[1]
    assert "not kept: it did not beat the generic encoder" in encoder and "| **0.200** | 0.270 |" in encoder


def test_the_data_tab_shows_built_dates_and_baselines_of_the_demo_workspace(tmp_path: Path) -> None:
    from tests.app_workspace import demo_workspace

    root = demo_workspace()
    summary = json.loads((root / "models" / "recommender-report.json").read_text(encoding="utf-8"))
    assert set(summary["report"]["extra"]["baselines"]) == {"popularity", "item_knn"}  # written at training
    text = models_markdown(SimpleNamespace(workspace=root))  # type: ignore[arg-type]
    recommender, index = text.split("### Search index")[:2]
    assert recommender.count("**Built:** 20") == 1 and index.count("**Built:** 20") == 1
    assert "popularity (baseline)" in recommender and "item-kNN (baseline)" in recommender
    assert "of the products customers went on to pick, the model puts them" in recommender
    assert "<abbr title=" in recommender and "ndcg_at_10" not in recommender
    assert "holds " in index and "products" in index
    assert retrain_question(root).startswith("**Retrain now?** This replaces the current models (about ")


# ---- confirmation ------------------------------------------------------------------------------
def test_the_first_click_only_asks_and_yes_runs_the_job() -> None:
    ran: list[str] = []

    def job(name: str) -> tuple[str, str]:
        ran.append(name)
        return f"Retrained {name}", "table"

    confirm = Confirmation("data", "retrain", yes="Yes, retrain", build=False)
    assert confirm.ids == {"row": "data-confirm-retrain-row", "prompt": "data-confirm-retrain-prompt",
                           "yes": "data-confirm-retrain", "cancel": "data-cancel-retrain"}
    row, question = confirm.ask("**Retrain now?**")
    assert row.visible is True and question == "**Retrain now?**" and ran == []
    assert confirm.cancel().visible is False and ran == []
    steps = list(confirm.confirmed(job, 2, working="Retraining…")("models"))
    assert ran == ["models"]
    assert steps[0][0].visible is False and steps[0][1] == "Retraining…"  # the row hides before the job runs
    assert steps[1][1:] == ("Retrained models", "table")


def test_a_failing_job_clears_the_working_message_and_raises() -> None:
    def job() -> str:
        raise UnknownIdError("item", "P1")

    run = Confirmation("data", "reindex", yes="Yes", build=False).confirmed(job)
    steps = run()
    assert next(steps)[1] == "Working…"
    assert next(steps)[1] == ""
    with pytest.raises(UnknownIdError):
        next(steps)


class _Experiments:
    def __init__(self, state: str) -> None:
        self.state = state

    def status(self, name: str) -> dict[str, Any]:
        if name != "spring-boost":
            raise UnknownIdError("experiment", name)
        return {"experiment": {"name": name, "status": self.state}, "impressions": 1234, "days_running": 3.04}


def test_stopping_an_experiment_asks_first_naming_what_is_kept() -> None:
    text = stop_question(_Experiments("running"), " spring-boost ")
    assert text.startswith("**Stop experiment `spring-boost` now?**") and "1,234 lists served, 3.0 days" in text
    with pytest.raises(ExperimentError, match="^name: "):
        stop_question(_Experiments("running"), "")
    with pytest.raises(UnknownIdError):
        stop_question(_Experiments("running"), "nope")
    with pytest.raises(ExperimentError, match="stopped already"):
        stop_question(_Experiments("stopped"), "spring-boost")


# ---- lab ---------------------------------------------------------------------------------------
def test_the_lab_speaks_in_the_shops_currency_and_words() -> None:
    fact = "P2 was bought by 9 of the 40 customers (P = 0.22, 95% CI 0.11 to 0.38; lift 171.0 after shrinking)"
    text = in_words(fact + ", worth $1,250 and -$3.50", currency="EUR")
    assert "1,250 EUR" in text and "-3.50 EUR" in text and "$" not in text
    assert "lift</abbr> 171.0 (bought together 171× more often than chance)" in text and "95% CI" not in text
    assert in_words("costs $5", currency="$") == "costs $5"
    assert _rule_text({"action": "boost", "target": {"brands": ["Northpeak"]}, "multiplier": 1.5}) == \
        "**boost** brand Northpeak ×1.5"
    assert _rule_text({"action": "pin", "target": {"item_ids": ["P1"]}, "position": 2}) == \
        "**pin** products P1 at position 2"


def test_review_cards_read_as_sentences_and_p_values_are_not_money() -> None:
    from assistant.ui.insights import card_markdown

    card = {"kind": "rising_complaints_item", "title": "Complaints about sizing for Vanta Sneakers appeared in 4 weeks",
            "figures": {"item_id": "P00001", "aspect": "sizing", "complaints_previous": 0, "complaints_recent": 21,
                        "ratio": None, "window_days": 28, "p_value": 4.7e-07, "q_value": 0.0123},
            "whatif": {"action": "bury", "target": {"item_ids": ["P00001"]}, "multiplier": 0.7}}
    text = card_markdown(card)
    assert "21 reviews complained about sizing in the last 28 days, 0 in the 28 days before" in text
    assert "< 0.001, 0.012 after allowing" in text and "$" not in text and "p value" not in text
    drop = {"kind": "rating_drop_category", "title": "Rating of the pet category fell", "whatif": None,
            "figures": {"category": "pet", "rating_previous": 4.02, "rating_recent": 3.1, "reviews_previous": 88,
                        "reviews_recent": 204, "window_days": 28, "p_value": 0.2, "q_value": 0.5}}
    assert "average rating 3.1 from 204 reviews in the last 28 days, 4.0 from 88" in card_markdown(drop)
