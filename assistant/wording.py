"""Business words for what the engines compute: score parts, pipeline stages, statistical terms
and money, as the UI, the chat answers and the API's ``labels`` show them to a merchandiser.

One table per kind of term, so every surface names a part the same way; an unknown name is
shown as it is (a plug-in scorer's own name) rather than hidden.
"""

from __future__ import annotations

import math
from typing import Any

# score part -> what it means for the shopper (recommendations and search)
COMPONENT_WORDS: dict[str, str] = {
    "sequence": "follows what they viewed last",
    "cf": "customers like them bought it",
    "item_knn": "similar to what they bought",
    "content": "matches the products they like",
    "popularity": "popular now",
    "trend": "trending",
    "retrieval": "matches the search (words and meaning)",
    "personalisation": "fits this shopper's taste",
    "ranker:base": "learned ranker: starting score",
    "ranker:below_depth": "below the learned ranker's depth",
}

# search pipeline stage -> words
STAGE_WORDS: dict[str, str] = {
    "bm25": "keyword match",
    "dense": "meaning match",
    "fused": "combined keyword + meaning score",
    "ranker": "learned ranker",
    "personalised": "personalisation",
    "final": "final order (after rules)",
}

# statistical and model terms -> one line a merchandiser can read (hover text)
TERM_HELP: dict[str, str] = {
    "sessions per arm": "how many visits each version needs before the difference is trustworthy",
    "95% interval": "the range the true change lies in, 19 times out of 20; if it spans 0 the change may be noise",
    "lift": "how much more often than average this happens (2.0 = twice as often)",
    "p-value": "how likely a difference this big would be by chance alone; below 0.05 is usually trusted",
    "ndcg@10": "how well the top 10 puts the items customers went on to buy near the top (1.0 = perfect)",
    "recall@10": "the share of items customers went on to buy that appear in the top 10",
    "mrr@10": "how high the first right item sits in the top 10, on average (1.0 = always first)",
    "interleaving": "both rankings mixed in every list; whichever side's items get more clicks wins",
    "a/b": "each shopper sees one version; the versions' results are compared",
    "exposure": "the share of shoppers' attention (position-weighted views) an item or brand gets",
    "bootstrap": "the interval comes from re-sampling the logged sessions many times",
    "hit rate@10": "the share of customers whose next product is in the top 10",
    "mrr": "how high the right product sits, on average (1.0 = always first, 0.5 = second)",
    "coverage@10": "the share of the catalogue that appears in someone's top 10",
    "novelty@10": "how far the top 10 reaches beyond the best sellers (higher = less obvious picks)",
    "visits needed": "how many shopper visits the whole test needs, both versions together, before the "
                     "difference is trustworthy",
    "visits per version": "how many visits each version needs before the difference is trustworthy",
    "significance": "how rarely the test may call a change real when there is none (5% = 1 time in 20)",
    "power": "how often the test spots the change when it is real (80% = 4 times in 5)",
    "brier-style score": "how sure you were of the direction against what happened: 0 = sure and right, "
                         "0.25 = a coin toss, 1 = sure and wrong",
    "mean interval width": "how wide your predicted ranges were on average; narrow and still right is the aim",
    "sample-ratio check": "whether shoppers split between the versions as planned; p below 0.001 means the split "
                          "is broken and the result cannot be trusted",
}


def component_label(name: str) -> str:
    """A score part in words: "cf" -> "customers like them bought it", "rule:x" -> "rule: x",
    "ranker:exact_phrase" -> "learned ranker: exact phrase in the title"."""
    if name in COMPONENT_WORDS:
        return COMPONENT_WORDS[name]
    if name.startswith("rule:"):
        return f"rule: {name.split(':', 1)[1]}"
    if name.startswith("ranker:"):
        from retrieval.rank_features import FEATURE_NAMES

        feature = name.split(":", 1)[1]
        return f"learned ranker: {FEATURE_NAMES.get(feature, feature.replace('_', ' '))}"
    return name.replace("_", " ")


def stage_label(stage: str | None) -> str:
    return STAGE_WORDS.get(stage or "", stage or "")


def term_help(term: str) -> str:
    """The one-line meaning of a statistical term ('' when there is none)."""
    return TERM_HELP.get(term.strip().lower(), "")


def shop_currency() -> str:
    """The shop's currency (the ``currency`` setting, ``SHELFWISE_CURRENCY``; "$" by default)."""
    from recsys_core.workspace.settings import get_setting

    return (get_setting("currency") or "$").strip()


def money(value: Any, currency: str | None = None, *, signed: bool = False) -> str:
    """Money to the cent with the shop's currency (``currency``, else the setting): "$6.13",
    "-$18.62", "+$32.90" (signed); a currency code is written after: "6.13 EUR"."""
    currency = shop_currency() if currency is None else currency
    try:
        amount = round(float(value), 2)  # rounded first: -0.001 is "$0.00", not "-$0.00"
    except (TypeError, ValueError, OverflowError):
        return str(value)
    if not math.isfinite(amount):
        return "n/a"
    sign = "-" if amount < 0 else ("+" if signed and amount > 0 else "")
    body = f"{abs(amount):,.2f}"
    if len(currency) == 3 and currency.isalpha():
        return f"{sign}{body} {currency}"
    return f"{sign}{currency}{body}"


def product_label(products: Any, item_id: str) -> str:
    """A product's title (the id when the product is unknown)."""
    if item_id in products.index:
        return str(products.at[item_id, "title"])
    return item_id
