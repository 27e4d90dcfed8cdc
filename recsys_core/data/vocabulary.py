"""Standard spellings of categorical values: category paths, event types and surfaces, with
the common aliases the input may use for them."""

from __future__ import annotations

from recsys_core.data.frames import normalise_text

EVENT_TYPE_ALIASES = {
    "impressions": "impression",
    "pageview": "view",
    "page_view": "view",
    "addtocart": "add_to_cart",
    "add_to_basket": "add_to_cart",
    "cart": "add_to_cart",
    "order": "purchase",
    "buy": "purchase",
    "refund": "return",
}
SURFACE_ALIASES = {
    "category": "category_page",
    "categorypage": "category_page",
    "recs": "recommendations",
    "recommendation": "recommendations",
}


def standardise_category(value: str) -> str:
    """'Outdoor/Hiking  Boots' -> 'outdoor > hiking boots' (lower case, ' > ' between levels)."""
    text = normalise_text(value).lower()
    for sep in ("/", "|", ">", "›", "»"):
        text = text.replace(sep, "\x00")
    parts = [" ".join(p.split()) for p in text.split("\x00")]
    return " > ".join(p for p in parts if p)


def normalise_token(value: str) -> str:
    """'Add-to Cart' -> 'add_to_cart': the spelling aliases are looked up by."""
    return "_".join(normalise_text(value).lower().replace("-", " ").split())
