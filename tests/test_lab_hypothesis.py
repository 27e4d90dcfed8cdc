"""A learner's free hypothesis in chat becomes a rule set, is replayed, and is judged by the
replay's interval; the verdict is checked against the replay's own figures."""

from __future__ import annotations

import pytest

from assistant.agent.tools.whatif import claim_of
from assistant.service import ShelfwiseService
from tests.app_workspace import demo_workspace


@pytest.fixture(scope="module")
def service() -> ShelfwiseService:
    return ShelfwiseService(demo_workspace(), llm="template")


@pytest.mark.parametrize(("text", "claim"), [
    ("boosting Northpeak in outdoor raises margin", ("margin", "up", False)),
    ("I think burying Glowra lowers revenue", ("revenue", "down", False)),
    ("burying toys won't hurt revenue", ("revenue", "up", True)),
    ("pushing P00042 should increase orders", ("purchases", "up", False)),
    ("does boosting Voltix lift the shop's margin?", ("margin", "up", False)),
    ("提升Northpeak会提高利润", ("margin", "up", False)),
    ("what if we boost Voltix by 20%", None),
])
def test_claims_are_read_from_the_words(text: str, claim: tuple[str, str, bool] | None) -> None:
    assert claim_of(text) == claim


def _verdict(low: float, high: float, direction: str) -> str:
    sign = 1 if direction == "up" else -1
    if sign * low > 0 and sign * high > 0:
        return "supported"
    if sign * low < 0 and sign * high < 0:
        return "contradicted"
    return "not settled"


def test_a_hypothesis_in_chat_is_replayed_and_judged(service: ShelfwiseService) -> None:
    category = str(service.shop.products["category"].value_counts().index[0])
    brand = str(service.shop.products[service.shop.products["category"] == category]["brand"].value_counts().index[0])
    answer = service.ask(f"boosting {brand} in {category} raises margin", session="hypothesis")
    assert answer.intent == "whatif" and not answer.declined
    args = answer.tool_calls[0]["args"]
    assert args["brand"] == brand and args["within"] == category and args["percent"] == 50.0
    rules = answer.facts["rules"]
    assert rules[0]["target"]["brands"] == [brand] and rules[0]["scope"]["categories"] == [category]
    margin = next(m for m in answer.facts["metrics"] if m["metric"] == "margin")
    expected = _verdict(margin["ci_low"], margin["ci_high"], "up")  # an independent reading of the interval
    assert answer.facts["claim"]["verdict"] == expected
    words = {"supported": "supports it", "contradicted": "contradicts it", "not settled": "cannot settle it"}[expected]
    assert answer.answer.startswith(f"Hypothesis: boosting {brand} in {category}") and words in answer.answer
    assert "a standard size" in answer.answer
