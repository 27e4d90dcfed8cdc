"""Aspect extraction from review sentences (the bundled MiniLM, offline), polarity cues and
item_problems on hand-counted mention tables."""

from __future__ import annotations

import pandas as pd
import pytest

from recsys_core.errors import NotFittedError
from recsys_core.reviews import (
    ASPECTS,
    MENTION_COLUMNS,
    AspectExtractor,
    ReviewsInputError,
    complaint_table,
    item_problems,
    polarity,
    split_sentences,
)

# (sentence, aspect, polarity): one complaint and one praise per aspect
LABELLED = [
    ("These sneakers run small, I had to order a size up.", "sizing", -1),
    ("Fits true to size, exactly as expected.", "sizing", 1),
    ("The zipper broke after two weeks and the seams ripped.", "durability", -1),
    ("Still going strong after a year of daily use, very sturdy.", "durability", 1),
    ("The tent leaked through the seams in the first storm.", "waterproofing", -1),
    ("Kept us completely dry through a night of heavy rain.", "waterproofing", 1),
    ("The battery died after barely an hour.", "battery", -1),
    ("Battery lasts all day on a single charge.", "battery", 1),
    ("The beans tasted stale and bitter.", "taste", -1),
    ("Delicious, fresh flavour in every cup.", "taste", 1),
    ("They gave me blisters on the first walk.", "comfort", -1),
    ("Really comfortable and soft, I wear them all day.", "comfort", 1),
    ("The fan rattles and is really loud at night.", "noise", -1),
    ("Whisper quiet, I forget it's even on.", "noise", 1),
    ("Strong chemical smell out of the box that wouldn't go away.", "smell", -1),
    ("It has a lovely fresh scent.", "smell", 1),
]
UNRELATED = [
    "I bought this as a birthday present for my brother.",
    "Delivery took four days.",
    "The colour is a nice deep blue.",
    "My order number was on the invoice.",
]


def frame(texts: list[str], item: str = "P1", rating: int = 3) -> pd.DataFrame:
    return pd.DataFrame({
        "review_id": [f"R{i:03d}" for i in range(len(texts))], "item_id": item, "rating": rating,
        "title": None, "text": texts, "created_at": pd.Timestamp("2025-03-01", tz="UTC"),
    })


@pytest.fixture(scope="module")
def extractor() -> AspectExtractor:
    return AspectExtractor().fit()


def test_each_aspect_is_found_in_its_sentences(extractor: AspectExtractor) -> None:
    texts = [s for s, _, _ in LABELLED]
    found = extractor.transform(frame(texts))
    assert list(found.columns) == list(MENTION_COLUMNS)
    by_review = found.sort_values("score", ascending=False).drop_duplicates("review_id").set_index("review_id")
    for i, (sentence, aspect, _) in enumerate(LABELLED):
        rid = f"R{i:03d}"
        assert rid in by_review.index, f"no aspect found in {sentence!r}"
        assert by_review.loc[rid, "aspect"] == aspect, f"{sentence!r} read as {by_review.loc[rid, 'aspect']}"
    assert set(found["aspect"]) == set(ASPECTS)


def test_polarity_of_clear_mentions(extractor: AspectExtractor) -> None:
    found = extractor.transform(frame([s for s, _, _ in LABELLED]))
    for i, (sentence, aspect, sign) in enumerate(LABELLED):
        row = found[(found["review_id"] == f"R{i:03d}") & (found["aspect"] == aspect)]
        assert row["polarity"].tolist() == [sign], sentence


def test_unrelated_text_mentions_nothing(extractor: AspectExtractor) -> None:
    found = extractor.transform(frame(UNRELATED))
    assert found.empty, found[["sentence", "aspect", "score"]].to_dict("records")


def test_polarity_cues_negation_and_rating_tiebreak() -> None:
    assert polarity("No leaks at all, even in a downpour.") == 1
    assert polarity("It didn't keep the rain out.") == -1
    assert polarity("Not comfortable for long walks.") == -1
    assert polarity("Way too tight around the toes.") == -1
    assert polarity("Fits perfectly.") == 1
    assert polarity("About the size I expected.", rating=2) == -1  # no cue: the stars decide
    assert polarity("About the size I expected.", rating=5) == 1


def test_sentences_split_on_ends_and_lines() -> None:
    assert split_sentences("Runs small! Leaked too.\nOtherwise fine") == ["Runs small!", "Leaked too.", "Otherwise fine"]
    assert split_sentences("  ... ") == []


def test_review_title_counts_as_a_sentence(extractor: AspectExtractor) -> None:
    reviews = frame(["Bought it in May."], rating=1).assign(title=["Leaks in the rain"])
    found = extractor.transform(reviews)
    assert found[["aspect", "polarity", "sentence"]].values.tolist() == [["waterproofing", -1, "Leaks in the rain"]]


def test_rank_aspects_reads_questions(extractor: AspectExtractor) -> None:
    assert extractor.rank_aspects("do the Vanta sneakers run small?")[0][0] == "sizing"
    assert extractor.rank_aspects("does the Trailhead tent really keep the rain out?")[0][0] == "waterproofing"
    assert extractor.rank_aspects("how long does the battery last?")[0][0] == "battery"


def test_errors_name_the_problem() -> None:
    with pytest.raises(NotFittedError, match="AspectExtractor"):
        AspectExtractor().transform(frame(["x"]))
    with pytest.raises(ReviewsInputError, match="text"):
        AspectExtractor().fit(frame(["x"]).drop(columns=["text"]))
    with pytest.raises(ReviewsInputError, match="no aspects"):
        AspectExtractor(aspects={}).fit()


def mentions(rows: list[tuple[str, str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"review_id": r, "item_id": i, "aspect": a, "polarity": p, "rating": 2, "score": 0.6, "sentence": "",
          "created_at": pd.Timestamp("2025-01-01", tz="UTC")} for r, i, a, p in rows])


def test_item_problems_counts_complaining_reviews_against_totals() -> None:
    rows = [(f"A{k}", "A", "waterproofing", -1) for k in range(6)]  # 6 complaints
    rows += [("A6", "A", "waterproofing", 1), ("A0", "A", "sizing", -1)]  # a praise; one sizing complaint
    rows += [(f"B{k}", "B", "sizing", -1) for k in range(5)]  # 5 complaints of B's 40 reviews
    m = mentions(rows)
    totals = {"A": 20, "B": 40}
    table = complaint_table(m, totals).set_index(["item_id", "aspect"])
    assert table.loc[("A", "waterproofing"), ["complaints", "mentions", "reviews"]].tolist() == [6, 7, 20]
    assert table.loc[("A", "waterproofing"), "share"] == pytest.approx(0.3)
    assert item_problems(m, min_reviews=5, min_share=0.2, totals=totals) == {"A": ["waterproofing"]}
    assert item_problems(m, min_reviews=5, min_share=0.1, totals=totals) == {"A": ["waterproofing"], "B": ["sizing"]}
    assert item_problems(m, min_reviews=7, min_share=0.0, totals=totals) == {}
    # without totals the denominator is the item's reviews that mention anything: A has 7, B 5
    assert item_problems(m, min_reviews=1, min_share=0.5) == {"A": ["waterproofing"], "B": ["sizing"]}
    assert item_problems(m.iloc[:0]) == {}


def test_public_names_are_pinned() -> None:
    import recsys_core.reviews

    assert sorted(recsys_core.reviews.__all__) == sorted([
        "ASPECTS", "MENTION_COLUMNS", "MIN_MENTIONS", "AspectEvidence", "AspectExtractor", "Quote",
        "ReviewsInputError", "aspect_evidence", "complaint_table", "item_problems", "polarity", "review_counts",
        "split_sentences", "top_complaints",
    ])


def test_quotes_prefer_different_sentences() -> None:
    from recsys_core.reviews import aspect_evidence

    said = ["It leaks at the zip;", "It leaks at the zip.", "it  leaks at the zip", "Water seeped in after an hour."]
    reviews = pd.DataFrame({"review_id": [f"R{i}" for i in range(4)], "item_id": "P1", "rating": [1, 2, 1, 2],
                            "text": said})
    mentions = pd.DataFrame({"review_id": reviews["review_id"], "item_id": "P1", "created_at": pd.NaT,
                             "rating": reviews["rating"], "aspect": "waterproofing", "polarity": -1,
                             "score": [0.9, 0.8, 0.7, 0.6], "sentence": said})
    quotes = aspect_evidence(reviews, mentions, "P1", "waterproofing", min_mentions=1, n_quotes=3).quotes
    assert [q.review_id for q in quotes] == ["R0", "R3", "R1"]  # the repeat only after the other wording
    assert quotes[0].text == "It leaks at the zip"  # no dangling semicolon
