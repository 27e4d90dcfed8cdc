"""What a tool returns: structured facts plus the ids they come from, and helpers for facts."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


def money(x: object) -> float:
    return round(float(x), 2)  # type: ignore[arg-type]


def pct(x: object, digits: int = 1) -> float:
    """A fraction as a percentage figure (0.1234 -> 12.3)."""
    return round(100 * float(x), digits)  # type: ignore[arg-type]


@dataclass
class ToolResult:
    """Facts from one tool call; ``citations`` are product ids, KB chunk ids or report names."""

    tool: str
    args: dict[str, Any]
    facts: dict[str, Any]
    citations: list[str] = field(default_factory=list)
    declined: bool = False
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def product_brief(service: Any, item_id: str) -> dict[str, Any]:
    """Id, title, brand and category of a catalogue item, from the live product table."""
    service.check_item(item_id)
    row = service.products.loc[item_id]
    return {"item_id": item_id, "title": str(row["title"]), "brand": str(row["brand"]), "category": str(row["category"])}
