"""HybridSearcher on a tiny catalogue with a fake embedder: modes, filters, rules, trace."""

from __future__ import annotations

import numpy as np
import pytest

from recsys_core.errors import NotFittedError, UnknownIdError
from recsys_core.strategy import ProductLookup, RuleContext, SearchRulesHook, parse_rules
from retrieval import HybridSearcher, SearchFilters
from retrieval.errors import SearchInputError
from tests.retrieval_fixtures import catalogue, fake_embed, fake_vector


def fitted(**params: object) -> HybridSearcher:
    products = catalogue()
    searcher = HybridSearcher(query_encoder=fake_vector, **params)  # type: ignore[arg-type]
    from retrieval.search import document_text

    return searcher.fit(products, embeddings=fake_embed(document_text(products)))


def ids(hits: list) -> list[str]:
    return [h.item_id for h in hits]


def hook(*rules: dict) -> list[SearchRulesHook]:  # type: ignore[type-arg]
    """The shop's business rules (recsys_core.strategy) as the searcher's rule hook."""
    return [SearchRulesHook(parse_rules({"rules": list(rules)}), ProductLookup(catalogue()), RuleContext(surface="search"))]


def test_not_fitted_raises() -> None:
    with pytest.raises(NotFittedError, match="HybridSearcher"):
        HybridSearcher().search("boots")


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_modes_find_the_obvious_item(mode: str) -> None:
    hits = fitted(mode=mode).search("cordless drill", k=3)
    assert hits[0].item_id == "p4"
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:], strict=False))


def test_rrf_fusion_mode_runs() -> None:
    assert fitted(fusion="rrf").search("hiking boots", k=2)[0].item_id in {"p1", "p2"}


def test_unknown_mode_is_rejected() -> None:
    with pytest.raises(SearchInputError, match="mode"):
        HybridSearcher(mode="magic").fit(catalogue())


def test_typo_is_corrected_and_traced() -> None:
    hits = fitted(mode="bm25").search("cordles dril", k=1, explain=True)
    assert hits[0].item_id == "p4"
    assert hits[0].trace is not None
    assert "cordles -> cordless" in hits[0].trace.query_corrections


def test_cjk_titles_are_searchable() -> None:
    s = fitted(mode="bm25")
    assert s.search("蓝牙耳机", k=1)[0].item_id == "p5"
    assert s.search("登山靴", k=1)[0].item_id == "p6"


def test_filters_price_stock_brand_category() -> None:
    s = fitted()
    price = dict(zip(catalogue()["item_id"], catalogue()["price"], strict=True))
    cheap = ids(s.search("boots", filters=SearchFilters(price_max=120)))
    assert cheap and all(price[i] <= 120 for i in cheap)
    assert "p3" not in ids(s.search("running shoes", filters=SearchFilters(in_stock=True)))
    assert set(ids(s.search("boots", filters=SearchFilters(brands=("trek",))))) == {"p1", "p2"}
    assert set(ids(s.search("boots", filters=SearchFilters(categories=("footwear",))))) == {
        "p1", "p2", "p3", "p6"}


def test_query_parser_feeds_filters_and_trace() -> None:
    hits = fitted().search("waterproof hiking boots under $120", explain=True)
    assert "p1" not in ids(hits)  # 150 > 120
    assert hits and hits[0].trace is not None
    assert hits[0].trace.filters_applied == ["price <= 120"]


def test_trace_has_every_stage() -> None:
    hit = fitted().search("hiking boots", k=1, explain=True)[0]
    t = hit.trace
    assert t is not None
    assert t.bm25_rank == 1 and t.bm25_score > 0
    assert t.dense_similarity is not None and t.dense_rank is not None
    assert t.fused_rank == 1
    assert t.matched_terms == ["hik", "boot"]


def test_rules_pin_boost_bury() -> None:
    s = fitted()
    base = ids(s.search("hiking boots", k=3))
    assert base[0] in {"p1", "p2"}
    pinned = s.search("hiking boots", k=3, rules=hook({"id": "p", "action": "pin", "target": {"item_ids": ["p7"]},
                                                      "position": 1}), explain=True)
    assert pinned[0].item_id == "p7"  # pinned even though not retrieved
    assert pinned[0].trace and pinned[0].trace.rule_effects == ["pinned at position 1 by rule p"]
    buried = ids(s.search("hiking boots", k=3, rules=hook({"id": "b", "action": "bury",
                                                          "target": {"item_ids": [base[0]]}})))
    assert buried[0] != base[0]
    boosted = s.search("boots", k=3, explain=True, rules=hook({"id": "x", "action": "boost",
                                                               "target": {"brands": ["山"]}, "multiplier": 50}))
    assert boosted[0].item_id == "p6" and boosted[0].contributions["rule:x"] > 0


def test_score_parts_sum_to_the_score_with_rules_and_personalisation() -> None:
    s = fitted(personal_weight=0.5)
    user = fake_vector("Leather brown Trek footwear boots")
    hits = s.search("boots", k=5, explain=True, user_vector=user,
                    rules=hook({"id": "x", "action": "boost", "target": {"item_ids": ["p2"]}, "multiplier": 3},
                               {"id": "p", "action": "pin", "target": {"item_ids": ["p7"]}, "position": 2}))
    for h in hits:
        assert sum(h.contributions.values()) == pytest.approx(h.score, abs=1e-12)
        assert {"retrieval", "personalisation"} <= set(h.contributions)
    assert ids(hits)[1] == "p7" and "rule:p" in hits[1].contributions


def test_pin_respects_filters() -> None:
    pin = hook({"id": "p", "action": "pin", "target": {"item_ids": ["p7"]}, "position": 1})
    hits = fitted().search("hiking boots", rules=pin, filters=SearchFilters(in_stock=True))
    assert "p7" not in ids(hits)


def test_personalisation_moves_items_toward_the_user() -> None:
    s = fitted(personal_weight=5.0)
    user = fake_vector("Leather brown Trek footwear boots")
    assert s.search("hiking boots", k=1, user_vector=user)[0].item_id == "p2"
    with pytest.raises(SearchInputError, match="dimensions"):
        s.search("boots", user_vector=np.ones(5))


def test_compare_names_the_stage() -> None:
    s = fitted()
    top, second = ids(s.search("hiking boots", k=2))
    same = s.compare("hiking boots", top, second)
    assert same.passes_at is not None and same.ahead_by_stage["final"] is True
    flipped = s.compare("hiking boots", second, top, rules=hook({"id": "x", "action": "boost",
                                                                 "target": {"item_ids": [second]}, "multiplier": 100}))
    assert flipped.passes_at == "final"
    never = s.compare("hiking boots", second, top)
    assert never.passes_at is None
    with pytest.raises(UnknownIdError):
        s.compare("boots", "nope", top)


def test_empty_query_is_rejected() -> None:
    with pytest.raises(SearchInputError, match="empty"):
        fitted().search("   ")
