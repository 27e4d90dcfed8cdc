"""The Rank explorer's builders: products by title (id on hover), score parts and stages in
words, matched words highlighted, where one item passes another in a sentence, and unknown ids
as a message with nothing stale on screen. Fast tests on hand-made hits and placements, then
the same views on the small demo workspace."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pytest

from assistant.ranking import Placement, compare, compare_hits
from assistant.ui.rank import (
    compare_view,
    corrected_query,
    evidence_words,
    highlight,
    parts_frame,
    product_cell,
    query_verdict,
    rank_view,
    search_heading,
    search_table,
    user_table,
    user_verdict,
)
from recsys_core.errors import UnknownIdError
from retrieval.trace import Hit, HitTrace

PRODUCTS = pd.DataFrame(
    {"title": ["Trailhead Dome Tent", "Summit Pop-up Tent", "Camp <Stove> & Pot", "Rain Jacket"]},
    index=pd.Index(["P1", "P2", "P3", "P4"], name="item_id"),
)
RAW_NAMES = re.compile(r"\b(sequence|cf|item_knn|popularity)\b|rule:")


def _hit(item: str, rank: int, score: float, *, bm25: int | None, dense: int | None, fused: float,
         matched: list[str] | None = None, rules: list[str] | None = None, ranker: float | None = None,
         corrections: list[str] | None = None, filters: list[str] | None = None) -> Hit:
    trace = HitTrace(bm25_score=10.0 - (bm25 or 10), bm25_rank=bm25, dense_similarity=None if dense is None else 1 - dense / 10,
                     dense_rank=dense, fused_score=fused, fused_rank=rank, ranker_score=ranker,
                     rule_effects=rules or [], filters_applied=filters or [], matched_terms=matched or [],
                     query_corrections=corrections or [])
    return Hit(item_id=item, rank=rank, score=score, title=str(PRODUCTS.at[item, "title"]), trace=trace,
               contributions={"retrieval": score})


# ---- pure builders -------------------------------------------------------------------------------
def test_highlight_marks_title_words_whose_stem_was_matched() -> None:
    assert highlight("Waterproof TENTS for 2", ["tent"]) == "Waterproof <mark>TENTS</mark> for 2"
    assert highlight("Tentacle Tent", ["tent"]) == "Tentacle <mark>Tent</mark>"  # whole words only
    assert highlight("Camp <Stove> & Pot", ["stove"]) == "Camp &lt;<mark>Stove</mark>&gt; &amp; Pot"
    assert highlight("Rain Jacket", []) == "Rain Jacket"


def test_product_cell_shows_the_title_with_the_id_on_hover_and_in_the_dom() -> None:
    cell = product_cell(PRODUCTS, "P3")
    assert 'title="P3"' in cell and "Camp &lt;Stove&gt; &amp; Pot" in cell and ">P3<" in cell
    assert ">P9<" in product_cell(PRODUCTS, "P9")  # an unknown product is shown by its id


def test_spelling_corrections_and_filters_are_the_line_above_the_table() -> None:
    assert corrected_query("Waterprof tent", ["waterprof -> waterproof"]) == "waterproof tent"
    hits = [_hit("P1", 1, 0.9, bm25=1, dense=1, fused=0.9, corrections=["waterprof -> waterproof"],
                 filters=["price <= 50"])]
    line = search_heading("waterprof tent", hits)
    assert "Searched for 'waterproof tent' (corrected from 'waterprof tent')." in line
    assert "Filters: price <= 50." in line
    assert "No product matches" in search_heading("zzz", [])


def test_search_table_shows_the_trace_of_each_result() -> None:
    hits = [_hit("P1", 1, 0.9, bm25=5, dense=2, fused=0.0312, matched=["waterproof", "tent"],
                 rules=["boosted x1.2 by rule northpeak_boost"]),
            _hit("P3", 2, 0.5, bm25=None, dense=9, fused=0.0287)]
    table = search_table(hits, PRODUCTS)
    assert "Trailhead Dome <mark>Tent</mark>" in table and 'title="P1"' in table
    assert "also matched: waterproof" in table  # a matched word the title lacks (description)
    assert "Keyword rank" in table and "Meaning rank" in table and "Combined score" in table
    assert ">#5<" in table and ">#2<" in table and "0.0312" in table
    assert 'title="no keyword match"' in table  # P3 was found by meaning only
    assert "boosted x1.2 by rule northpeak_boost" in table
    assert "Learned ranker" not in table
    ranked = search_table([_hit("P1", 1, 0.9, bm25=1, dense=1, fused=0.9, ranker=1.75)], PRODUCTS)
    assert "Learned ranker" in ranked and "1.75" in ranked


def _placement(item: str, rank: int, parts: dict[str, float], **kw: Any) -> Placement:
    return Placement(item_id=item, rank=rank, score=sum(parts.values()), contributions=parts, **kw)


def test_user_table_and_chart_speak_in_words_and_name_products() -> None:
    p1 = _placement("P1", 1, {"cf": 0.4, "popularity": 0.1, "rule:boostx": 0.3}, rules=["boosted x4 by rule boostx"],
                    evidence={"cf_history_items": [{"item_id": "P4", "weight": 0.3}], "recent_history": ["P4"]})
    p2 = _placement("P3", 2, {"item_knn": 0.5, "popularity": 0.1, "sequence": -0.1},
                    evidence={"neighbour_items": [{"item_id": "P2", "weight": 0.3}], "item_interactions": 7,
                              "recent_history": ["P4"]})
    table = user_table([p1, p2], PRODUCTS)
    assert "customers like them bought it" in table and "similar to what they bought" in table
    assert "bought by customers who also bought “Rain Jacket”" in table and "boosted x4 by rule boostx" in table
    assert "often chosen with “Summit Pop-up Tent”; 7 interactions in the shop" in table
    assert "recently looked at" not in table  # only the two biggest parts' evidence
    assert "<th>Rules</th>" not in user_table([p2], PRODUCTS)  # no rule acts: no empty column
    assert 'title="P1"' in table and "Trailhead Dome Tent" in table
    assert not RAW_NAMES.search(re.sub(r"<[^>]+>", " ", table).replace("rule boostx", ""))
    parts = parts_frame([p1, p2], PRODUCTS)
    assert set(parts["part"]) == {"customers like them bought it", "popular now", "rule: boostx",
                                  "similar to what they bought", "follows what they viewed last"}
    assert parts["item"].iloc[0] == "#1 Trailhead Dome Tent" and parts["item_id"].iloc[0] == "P1"


def test_evidence_puts_the_biggest_parts_evidence_first() -> None:
    ev = {"item_interactions": 12, "recent_history": ["P1", "P2", "P3"]}
    recent = "they recently looked at “Trailhead Dome Tent” and “Summit Pop-up Tent”"
    assert evidence_words(ev, PRODUCTS, ["sequence"]) == [recent, "12 interactions in the shop"]
    assert evidence_words(ev, PRODUCTS, ["popularity", "sequence"]) == ["12 interactions in the shop", recent]


def test_compare_hits_gives_both_items_figures_at_each_stage() -> None:
    hits = [_hit("P1", 1, 0.0312, bm25=5, dense=2, fused=0.0312), _hit("P2", 2, 0.0287, bm25=3, dense=9, fused=0.0287)]
    c = compare_hits(hits, "P1", "P2", "tent", 0.0)
    assert c["passes_at"] == "dense"
    assert c["stages"]["bm25"] == {"a": {"rank": 5, "score": 5.0}, "b": {"rank": 3, "score": 7.0}}
    assert c["stages"]["dense"]["a"]["rank"] == 2 and c["stages"]["dense"]["b"]["rank"] == 9
    assert c["stages"]["final"] == {"a": {"rank": 1, "score": 0.0312}, "b": {"rank": 2, "score": 0.0287}}
    missing = compare_hits(hits, "P1", "P4", "tent", 0.0)
    assert missing["stages"]["dense"]["b"] == {"rank": None, "score": None}


def test_query_verdict_says_at_which_stage_and_by_how_much() -> None:
    hits = [_hit("P1", 1, 0.0312, bm25=5, dense=2, fused=0.0312), _hit("P2", 2, 0.0287, bm25=3, dense=9, fused=0.0287)]
    text = query_verdict(compare_hits(hits, "P1", "P2", "tent", 0.0), PRODUCTS)
    assert text.startswith("**Trailhead Dome Tent (P1, #1) is above Summit Pop-up Tent (P2, #2) for the search 'tent'.**")
    assert ("It passes it at the meaning match stage: meaning rank #2 vs #9; keyword rank #5 vs #3; "
            "combined score 0.0312 vs 0.0287 (+0.0025); then stays ahead.") in text
    behind = query_verdict(compare_hits(hits, "P2", "P1", "tent", 0.0), PRODUCTS)
    assert "is below" in behind and "It is ahead at keyword match but ends behind" in behind
    boosted = [_hit("P2", 1, 0.05, bm25=3, dense=9, fused=0.0287, rules=["boosted x2 by rule b"]),
               _hit("P1", 2, 0.0312, bm25=1, dense=1, fused=0.0312)]
    text = query_verdict(compare_hits(boosted, "P2", "P1", "tent", 0.0), PRODUCTS)
    assert "passes it only in the final order, after the rules" in text
    assert "Summit Pop-up Tent: boosted x2 by rule b." in text
    gone = query_verdict(compare_hits(hits, "P1", "P4", "tent", 0.0), PRODUCTS)
    assert "Rain Jacket (P4, not shown)" in gone and "not in the top" in gone


def test_user_verdict_names_the_biggest_difference_in_words() -> None:
    a = _placement("P1", 1, {"cf": 0.5, "popularity": 0.1, "rule:boostx": 0.3}, rules=["boosted x4 by rule boostx"])
    b = _placement("P2", 2, {"cf": 0.38, "popularity": 0.3})
    text = user_verdict(compare(a, b, context={"user_id": "U1"}), PRODUCTS, "U1")
    assert text.startswith("**Trailhead Dome Tent (P1, #1) is above Summit Pop-up Tent (P2, #2) for customer U1; "
                           "the biggest difference is 'rule: boostx' (+0.30; overall +0.22).**")
    assert "'popular now' pulls the other way (-0.20)." in text
    assert "Trailhead Dome Tent: boosted x4 by rule boostx." in text
    assert "| customers like them bought it | 0.5000 | 0.3800 | +0.1200 |" in text


class FakeService:
    """Knows customer U00017 and products P1..P4; everything else is an unknown id."""

    products = PRODUCTS

    def check_user(self, user_id: str) -> None:
        if user_id != "U00017":
            raise UnknownIdError("user", user_id, message=f"{user_id} is not a customer of this shop "
                                                          "(closest known ids: U00017)")

    def recommend(self, user_id: str, k: int = 10) -> list[Placement]:
        return [_placement("P1", 1, {"cf": 0.4}), _placement("P2", 2, {"popularity": 0.2})][:k]

    def compare(self, a: str, b: str, *, user_id: str | None = None, query: str | None = None) -> dict[str, Any]:
        for item in (a, b):
            if item not in PRODUCTS.index:
                raise UnknownIdError("item", item, message=f"{item} is not a product of this shop")
        return compare(_placement(a, 1, {"cf": 0.4}), _placement(b, 2, {"cf": 0.2}), context={"user_id": user_id})


def test_an_unknown_customer_is_a_message_and_clears_the_results() -> None:
    view = rank_view(FakeService(), "user", "U0017", 10)
    assert view.status == "U0017 is not a customer of this shop (closest known ids: U00017)"
    assert view.table == "" and view.parts.empty and view.first == ("", "")
    shown = rank_view(FakeService(), "user", " U00017 ", 10)
    assert "U00017" in shown.status and 'title="P1"' in shown.table and shown.first == ("P1", "P2")
    assert rank_view(FakeService(), "user", "  ", 10).status.startswith("Enter a customer id")


def test_compare_names_unknown_ids() -> None:
    svc = FakeService()
    assert compare_view(svc, "user", "U00017", "P1", "P9") == "P9 is not a product of this shop"
    assert compare_view(svc, "user", "u00017", "P1", "P2").startswith("u00017 is not a customer")
    assert compare_view(svc, "user", "U00017", "P1", "").startswith("Enter two product ids")
    assert "customer U00017" in compare_view(svc, "user", "U00017", "P1", "P2")


# ---- the views on the demo workspace -------------------------------------------------------------
@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from tests.app_workspace import private_service

    return private_service(tmp_path_factory, "rank")


def test_the_demo_shop_explained_in_words(service: Any) -> None:
    from assistant.ui.rank import most_active_customer
    from recsys_core.strategy.rules_store import parse_rules, save_rules

    user = most_active_customer(service)
    assert user in set(service.shop.events["user_id"])
    view = rank_view(service, "user", user, 10)
    assert f"customer **{user}**" in view.status and view.table.count("<tr>") == 11
    top = view.first[0]
    assert f'title="{top}"' in view.table and str(service.products.at[top, "title"]) in view.table
    assert not view.parts.empty and not RAW_NAMES.search(" ".join(view.parts["part"]))

    unknown = rank_view(service, "user", "waterproof tent", 10)  # a search typed in user mode
    assert "is not a customer" in unknown.status and unknown.table == ""

    found = rank_view(service, "query", "tent", 5)
    assert "<mark>Tent</mark>" in found.table and "Meaning rank" in found.table
    verdict = compare_view(service, "query", "tent", *found.first)
    assert " stage" in verdict and "is above" in verdict
    assert "is not a product of this shop" in compare_view(service, "query", "tent", found.first[0], "P0")

    a, b = view.first  # a saved boost shows as a rule part, in words, and in the verdict
    save_rules(service.workspace, parse_rules({"rules": [
        {"id": "boostx", "action": "boost", "target": {"item_ids": [b]}, "multiplier": 4}]}), "test")
    boosted = rank_view(service, "user", user, 10)
    assert boosted.first[0] == b and "rule: boostx" in set(boosted.parts["part"])
    assert "boosted x4 by rule boostx" in boosted.table
    text = compare_view(service, "user", user, b, a)
    assert "the biggest difference is 'rule: boostx'" in text and "is above" in text
