"""What an item's reviews say about one aspect: counts, shares, ratings and quotable sentences.

The figures an answer states ("14 of 52 reviews mention leaks; average rating 3.1") and the
quotes it cites come from here, computed on the data; quotes are PII-redacted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from recsys_core.privacy.redact import redact
from recsys_core.reviews.errors import ReviewsInputError

MIN_MENTIONS = 5  # fewer reviews than this on a point: too few to say
QUOTE_CHARS = 220


@dataclass(frozen=True)
class Quote:
    """One review sentence shown as evidence, with the review it comes from."""

    review_id: str
    rating: int
    text: str  # PII-redacted
    polarity: int


@dataclass
class AspectEvidence:
    """An item's reviews on one aspect."""

    item_id: str
    aspect: str
    reviews: int  # the item's reviews
    average_rating: float | None  # over all of them
    mentions: int  # reviews mentioning the aspect
    complaints: int  # ... as a complaint
    praises: int
    mention_share: float  # mentions / reviews
    complaint_share: float  # complaints / mentions
    mention_rating: float | None  # average rating of the reviews that mention it
    enough: bool  # at least ``min_mentions`` mentions
    quotes: list[Quote] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """"complaints" when most mentions complain, "praise" when most praise, else "mixed"."""
        if self.complaints > 2 * self.praises:
            return "complaints"
        if self.praises > 2 * self.complaints:
            return "praise"
        return "mixed"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "verdict": self.verdict}


def _mean(values: pd.Series) -> float | None:
    return round(float(values.mean()), 1) if len(values) else None


def _quote(text: str) -> str:
    clean = " ".join(redact(str(text)).split()).rstrip(";:,")
    return clean if len(clean) <= QUOTE_CHARS else clean[: QUOTE_CHARS - 1].rstrip() + "…"


def aspect_evidence(reviews: pd.DataFrame, mentions: pd.DataFrame, item_id: str, aspect: str, *,
                    min_mentions: int = MIN_MENTIONS, n_quotes: int = 3) -> AspectEvidence:
    """Counts, shares and up to ``n_quotes`` quotes about ``aspect`` for ``item_id``.

    ``reviews`` is the reviews table (any items), ``mentions`` :meth:`AspectExtractor.transform`
    of it. Quotes come from the side most mentions take (complaints or praise), best-matching
    sentences first, one per review, a sentence already quoted only when no other is left.
    """
    if min_mentions < 1 or n_quotes < 0:
        raise ReviewsInputError(f"min_mentions must be at least 1 and n_quotes at least 0 "
                                f"(got {min_mentions}, {n_quotes})")
    mine = reviews[reviews["item_id"].astype(str) == str(item_id)]
    about = mentions[(mentions["item_id"].astype(str) == str(item_id)) & (mentions["aspect"] == aspect)]
    about = about.drop_duplicates("review_id")
    n_mentions = len(about)
    complaints = int((about["polarity"] < 0).sum())
    praises = n_mentions - complaints
    evidence = AspectEvidence(
        item_id=str(item_id), aspect=aspect, reviews=len(mine), average_rating=_mean(mine["rating"]),
        mentions=n_mentions, complaints=complaints, praises=praises,
        mention_share=round(n_mentions / len(mine), 3) if len(mine) else 0.0,
        complaint_share=round(complaints / n_mentions, 3) if n_mentions else 0.0,
        mention_rating=_mean(about["rating"]), enough=n_mentions >= min_mentions,
    )
    side = -1 if evidence.verdict == "complaints" else (1 if evidence.verdict == "praise" else 0)
    pool = about.assign(_side=(about["polarity"] == side) if side else True)
    pool = pool.sort_values(["_side", "score"], ascending=[False, False])
    if not side and len(pool):  # mixed: one of each side first
        firsts = pool.drop_duplicates("polarity")
        pool = pd.concat([firsts, pool.drop(firsts.index)])
    # different words first: many reviews say the same sentence, and quoting it three times tells less
    wording = pool["sentence"].map(lambda s: " ".join(str(s).lower().split()).rstrip(".;:,!"))
    distinct = pool[~wording.duplicated()]
    pool = pd.concat([distinct, pool.drop(distinct.index)])
    evidence.quotes = [Quote(str(r), int(rt), _quote(s), int(p)) for r, rt, s, p in zip(
        pool["review_id"], pool["rating"], pool["sentence"], pool["polarity"], strict=True)][:n_quotes]
    return evidence


def top_complaints(reviews: pd.DataFrame, mentions: pd.DataFrame, item_id: str, *, k: int = 3,
                   min_mentions: int = MIN_MENTIONS, n_quotes: int = 2) -> list[AspectEvidence]:
    """The aspects ``item_id``'s reviews complain about most (by complaining reviews), at most ``k``."""
    mine = mentions[(mentions["item_id"].astype(str) == str(item_id)) & (mentions["polarity"] < 0)]
    order = mine.groupby("aspect")["review_id"].nunique().sort_values(ascending=False, kind="stable")
    return [aspect_evidence(reviews, mentions, item_id, str(a), min_mentions=min_mentions, n_quotes=n_quotes)
            for a in list(order.index)[:k]]
