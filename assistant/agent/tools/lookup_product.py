"""lookup_product: live price and stock of one item, from the store's product table."""

from __future__ import annotations

from typing import Any

import pandas as pd
from pydantic import BaseModel, Field

from assistant.agent.tools.registry import Plan, Tool, phrasings, register
from assistant.agent.tools.render import fmt
from assistant.agent.tools.result import ToolResult, money, product_brief


class Args(BaseModel):
    item_id: str = Field(description="the product id, e.g. P00042")


def run(service: Any, item_id: str) -> ToolResult:
    facts: dict[str, Any] = product_brief(service, item_id)
    row = service.products.loc[item_id]
    stock = None if pd.isna(row.get("stock")) else int(row["stock"])
    facts.update(price=money(row["price"]), stock=stock, in_stock=bool(stock) if stock is not None else None)
    return ToolResult("lookup_product", {"item_id": item_id}, facts, [item_id])


def stock_text(stock: int | None) -> str:
    """"43 in stock", "out of stock" or "stock unknown"."""
    return "stock unknown" if stock is None else (f"{stock} in stock" if stock else "out of stock")


def template(f: dict[str, Any]) -> str:
    return f"{f['item_id']} {f['title']} ({f['brand']}, {f['category']}): ${fmt(f['price'])}, {stock_text(f['stock'])}."


def plan(slots: Any, question: str, user: str | None) -> Plan:
    if not slots.item_ids:  # a product named but not identified: search for it
        from assistant.agent.tools.search_products import search_query

        return Plan("search_products", {"query": search_query(question), "k": 3})
    return Plan("lookup_product", {"item_id": slots.item_ids[0]})


def accepts(slots: Any, text: str) -> bool:
    return bool(slots.item_ids or slots.unknown_items or slots.product_type or slots.brands)  # "how much is a return label" is policy


TOOL = register(Tool(
    name="lookup_product",
    label="a product's price and stock",
    description="Live price and stock from the workspace product table (never from indexed text).",
    args=Args, run=run, template=template, plan=plan, accepts=accepts,
    examples=phrasings("lookup_product"),
))
