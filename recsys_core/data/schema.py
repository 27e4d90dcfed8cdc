"""The shop data model: one schema for products, users, events, knowledge base, trend notes
and customer reviews.

Every loader (CSV/Parquet ingest, demo generator, real-data adapters) produces frames with
exactly these columns and dtypes; ``validate`` checks and cleans them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

DType = Literal["str", "int", "float", "datetime", "json"]

EVENT_TYPES: tuple[str, ...] = (
    "impression",
    "view",
    "click",
    "add_to_cart",
    "purchase",
    "search",
    "return",
)
SURFACES: tuple[str, ...] = ("search", "recommendations", "category_page")
# event types that must name an item (a search or a bare session event may not)
ITEM_EVENT_TYPES: frozenset[str] = frozenset(
    {"impression", "view", "click", "add_to_cart", "purchase", "return"}
)


@dataclass(frozen=True)
class Column:
    name: str
    dtype: DType
    required: bool = True  # the column must be present in the input
    nullable: bool = False  # a present column may hold empty cells
    doc: str = ""


@dataclass(frozen=True)
class TableSchema:
    name: str
    columns: tuple[Column, ...]
    key: str | None = None
    doc: str = ""
    aliases: tuple[str, ...] = field(default_factory=tuple)  # accepted file stems

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


PRODUCTS = TableSchema(
    name="products",
    key="item_id",
    doc="The catalogue: one row per sellable item.",
    columns=(
        Column("item_id", "str", doc="unique product id (SKU)"),
        Column("title", "str"),
        Column("description", "str", required=False, nullable=True),
        Column("category", "str", doc="standardised to lower-case words joined by ' > ' for paths"),
        Column("brand", "str", required=False, nullable=True),
        Column("price", "float", doc="current list price, >= 0"),
        Column("cost", "float", required=False, nullable=True, doc="unit cost, >= 0"),
        Column("stock", "int", required=False, nullable=True, doc="units on hand, >= 0"),
        Column(
            "attributes", "json", required=False, nullable=True, doc="JSON object of attributes"
        ),
        Column("created_at", "datetime", required=False, nullable=True),
    ),
)

USERS = TableSchema(
    name="users",
    key="user_id",
    doc="Customers.",
    columns=(
        Column("user_id", "str"),
        Column("signup_at", "datetime", required=False, nullable=True),
        Column("region", "str", required=False, nullable=True),
        Column("attributes", "json", required=False, nullable=True),
    ),
)

EVENTS = TableSchema(
    name="events",
    key="event_id",
    doc="Behaviour log: impressions (with positions), views, clicks, carts, purchases, searches, returns.",
    columns=(
        Column("event_id", "str"),
        Column("session_id", "str", required=False, nullable=True),
        Column("user_id", "str", nullable=True, doc="empty for anonymous sessions"),
        Column("item_id", "str", nullable=True, doc="empty only for 'search' events"),
        Column("type", "str", doc="one of " + ", ".join(EVENT_TYPES)),
        Column("query", "str", required=False, nullable=True, doc="search text (search surface)"),
        Column(
            "surface", "str", required=False, nullable=True, doc="one of " + ", ".join(SURFACES)
        ),
        Column(
            "position", "int", required=False, nullable=True, doc="0-based rank shown (impressions)"
        ),
        Column("timestamp", "datetime", doc="standardised to UTC"),
        Column("quantity", "int", required=False, nullable=True, doc=">= 0"),
        Column("unit_price", "float", required=False, nullable=True, doc=">= 0"),
    ),
)

KNOWLEDGE_BASE = TableSchema(
    name="knowledge_base",
    key="doc_id",
    aliases=("kb", "knowledge_base", "kb_documents"),
    doc="Policy and help documents (markdown).",
    columns=(
        Column("doc_id", "str"),
        Column("title", "str"),
        Column("body", "str", doc="markdown"),
        Column("topic", "str", required=False, nullable=True, doc="returns, shipping, warranty..."),
    ),
)

TRENDS = TableSchema(
    name="trends",
    key="note_id",
    aliases=("trends", "trend_notes", "market_trends"),
    doc="Dated market-trend notes.",
    columns=(
        Column("note_id", "str", required=False, doc="generated from row order when absent"),
        Column("date", "datetime"),
        Column("title", "str"),
        Column("text", "str"),
        Column("category", "str", required=False, nullable=True),
    ),
)

REVIEWS = TableSchema(
    name="reviews",
    key="review_id",
    aliases=("reviews", "product_reviews"),
    doc=(
        "Customer reviews of products. Also read from `reviews.jsonl` in the Amazon review "
        "format (reviewerID, asin, overall, summary, reviewText, unixReviewTime). Emails, "
        "phone numbers, street addresses and card numbers in title and text are redacted at ingest."
    ),
    columns=(
        Column("review_id", "str"),
        Column("item_id", "str", doc="must be in products"),
        Column(
            "user_id",
            "str",
            required=False,
            nullable=True,
            doc="empty for anonymous reviews; must be in users when a users table is given",
        ),
        Column("rating", "int", doc="whole stars, 1 to 5"),
        Column("title", "str", required=False, nullable=True),
        Column("text", "str", doc="the review body"),
        Column("created_at", "datetime", doc="standardised to UTC"),
        Column(
            "verified",
            "int",
            required=False,
            nullable=True,
            doc="1 = verified purchase, 0 = not (true/false and yes/no are read too)",
        ),
        Column("helpful_votes", "int", required=False, nullable=True, doc=">= 0"),
    ),
)
RATINGS: tuple[int, ...] = (1, 2, 3, 4, 5)

TABLES: dict[str, TableSchema] = {
    t.name: t for t in (PRODUCTS, USERS, EVENTS, KNOWLEDGE_BASE, TRENDS, REVIEWS)
}
REQUIRED_TABLES: tuple[str, ...] = ("products", "events")


def schema_markdown() -> str:
    """The schema as a markdown section (kept in the README; a test checks they agree)."""
    lines: list[str] = []
    for t in TABLES.values():
        stems = ", ".join(f"`{s}`" for s in (t.aliases or (t.name,)))
        req = "required" if t.name in REQUIRED_TABLES else "optional"
        lines.append(f"### {t.name} ({req}; file stem {stems}; key `{t.key}`)\n")
        lines.append(t.doc + "\n")
        lines.append("| column | type | required | may be empty | notes |")
        lines.append("|---|---|---|---|---|")
        for c in t.columns:
            lines.append(
                f"| `{c.name}` | {c.dtype} | {'yes' if c.required else 'no'} | "
                f"{'yes' if c.nullable else 'no'} | {c.doc} |"
            )
        lines.append("")
    return "\n".join(lines)
