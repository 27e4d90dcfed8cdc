"""Customer reviews: aspect mentions (sizing, durability, waterproofing...) found by sentence
similarity, the problems they point to per item, and the evidence an answer cites.

Importing this package loads neither torch nor chromadb; the embedder loads on first use.
"""

from recsys_core.reviews.aspects import (
    ASPECTS,
    MENTION_COLUMNS,
    AspectExtractor,
    complaint_table,
    item_problems,
    polarity,
    review_counts,
    split_sentences,
)
from recsys_core.reviews.errors import ReviewsInputError
from recsys_core.reviews.summary import (
    MIN_MENTIONS,
    AspectEvidence,
    Quote,
    aspect_evidence,
    top_complaints,
)

__all__ = [
    "ASPECTS",
    "MENTION_COLUMNS",
    "MIN_MENTIONS",
    "AspectEvidence",
    "AspectExtractor",
    "Quote",
    "ReviewsInputError",
    "aspect_evidence",
    "complaint_table",
    "item_problems",
    "polarity",
    "review_counts",
    "split_sentences",
    "top_complaints",
]
