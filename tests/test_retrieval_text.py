"""Tokenizer, typo normalisation, query parser and KB chunking."""

from __future__ import annotations

import pytest

from retrieval import chunk_markdown, parse_query
from retrieval.spelling import SpellingNormaliser, edit_distance
from retrieval.tokenizer import tokenize


def test_tokenizer_units_sizes_and_plurals() -> None:
    assert tokenize("16 inch x 20 inch air filters") == ["16", "in", "20", "in", "air", "filter"]
    assert tokenize("2x4 Studs") == ["2", "4", "stud"]
    assert tokenize('1-1/2 in. Tube') == ["1", "1/2", "in", "tube"]
    assert tokenize("48in fans") == ["48", "in", "fan"]


def test_tokenizer_cjk_bigrams() -> None:
    assert tokenize("无线蓝牙耳机") == ["无线", "线蓝", "蓝牙", "牙耳", "耳机"]
    assert tokenize("靴") == ["靴"]
    assert tokenize("ワイヤレス") == ["ワイ", "イヤ", "ヤレ", "レス"]


def test_edit_distance_counts_swaps_once() -> None:
    assert edit_distance("flashing", "flasheing") == 1
    assert edit_distance("recieve", "receive") == 1
    assert edit_distance("abc", "xyz", limit=2) == 2


def test_speller_edits_and_splits() -> None:
    s = SpellingNormaliser(min_count=1).fit(["flashing", "window", "door", "knob", "continuous"])
    words, fixes = s.normalise(["window", "flasheing", "doorknob", "continuos", "2x4"])
    assert words == ["window", "flashing", "door", "knob", "continuous", "2x4"]
    assert [f.kind for f in fixes] == ["edit", "split", "edit"]


def test_parser_price_stock_brand_category() -> None:
    p = parse_query("waterproof hiking boots under $120")
    assert p.text == "waterproof hiking boots" and p.filters.price_max == 120
    p = parse_query("drill between $50 and $150 in stock")
    assert (p.filters.price_min, p.filters.price_max, p.filters.in_stock) == (50, 150, True)
    p = parse_query("brand:dewalt saw", brands=["Makita"])
    assert p.filters.brands == ("dewalt",) and p.text == "saw"
    p = parse_query("nike shoes $20-$60", brands=["Nike"])
    assert p.filters.brands == ("Nike",) and (p.filters.price_min, p.filters.price_max) == (20, 60)
    p = parse_query("sofa in living room", categories=["home > living room"])
    assert p.filters.categories == ("home > living room",) and p.text == "sofa"


@pytest.mark.parametrize("query,low,high", [
    ("need a tent for a festival, nothing over $100", None, 100),  # a maximum, not a minimum
    ("storage jar set, 20 dollars max", None, 20),
    ("desk lamp $30 tops", None, 30),
    ("有没有25美元以下的台灯？", None, 25),
    ("不超过30元的杯子", None, 30),
    ("boost by 15 percent over 2 weeks", None, None),  # a percentage and a duration are no prices
    ("items selling over 10% margin", None, None),
])
def test_parser_reads_budgets_as_people_write_them(query: str, low: float | None, high: float | None) -> None:
    f = parse_query(query).filters
    assert (f.price_min, f.price_max) == (low, high)


def test_parser_leaves_sizes_alone() -> None:
    p = parse_query("2x4 studs 8 ft")
    assert p.text == "2x4 studs 8 ft" and p.filters.is_empty()


def test_chunking_by_heading_with_overlap() -> None:
    body = "Intro.\n# Returns\nWithin 30 days.\n## Refunds\n" + " ".join(f"w{i}" for i in range(25))
    chunks = chunk_markdown("kb1", "Policy", body, max_words=10, overlap_words=3)
    assert [c.heading for c in chunks] == ["", "Returns"] + ["Returns > Refunds"] * 4
    assert [c.chunk_id for c in chunks][:2] == ["kb1#0", "kb1#1"]
    refunds = [c.text.split("\n", 1)[1].split() for c in chunks[2:]]
    assert refunds[0][-3:] == refunds[1][:3]  # the overlap
    assert all(c.doc_id == "kb1" for c in chunks)
    with pytest.raises(ValueError):
        chunk_markdown("d", "t", "x", max_words=5, overlap_words=5)


def test_contradictory_price_bounds_read_as_the_range_between_them() -> None:
    """ "under $0 over $1" (found by the fuzzer) and "over $50 under $20" are a range, not an error."""
    for text, bounds in (("under $0 over $1", (0.0, 1.0)), ("tent over $50 under $20", (20.0, 50.0))):
        f = parse_query(text).filters
        assert (f.price_min, f.price_max) == bounds
