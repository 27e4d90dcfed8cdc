"""Insights tab: proactive cards computed on load, each with its figures and a one-click
action that opens What-if pre-filled; trend and segment charts."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from assistant.merchandising import Merchandising
from assistant.ui.charts import bars, line
from assistant.ui.common import hover, readable
from assistant.ui.whatif import add_to_table, rules_to_table, table_to_rules
from assistant.wording import money

MAX_CARDS = 12


MONEY_KEYS = ("revenue", "price", "value", "cost", "amount", "spend")  # figures shown with the currency
STATISTICS = ("p_value", "q_value")


def _chance(p: Any, q: Any) -> str:
    """A test's p- and q-value in words, with the terms explained on hover."""
    def small(x: Any) -> str:
        return "n/a" if x is None else "< 0.001" if float(x) < 0.001 else f"{float(x):.3f}"

    return f"{hover('p-value')} {small(p)}, {small(q)} after allowing for the many items and aspects tested"


def _n(value: Any, digits: int = 0) -> str:
    """A figure rounded for reading: "1,234", "12.5"; "n/a" when missing."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "n/a" if value is None else str(value)
    if not math.isfinite(x):
        return "n/a"
    return f"{x:,.{digits}f}"


def _plain_figure(key: str, value: Any) -> str:
    """A figure no sentence knows: its name in words, the number rounded, money with the
    shop's currency."""
    name = key.removesuffix("_pct").replace("_", " ")
    if key.endswith("_pct"):
        return f"{name} {_n(value, 1)}%"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{name}: {value}"
    if key not in STATISTICS and any(word in key for word in MONEY_KEYS):
        return f"{name} {money(value)}"
    return f"{name} {_n(value, 0 if float(value).is_integer() or abs(value) >= 100 else 2)}"


def _try(rule: dict[str, Any] | None) -> str:
    """The suggested rule in words: "**Try:** slow exposure until restocked (bury ×0.8)"."""
    if not rule:
        return ""
    strength = f" ×{rule['multiplier']:g}" if isinstance(rule.get("multiplier"), int | float) else ""
    return f"**Try:** {rule.get('note') or rule.get('action', '')} ({rule.get('action', '')}{strength})"


def card_lines(card: dict[str, Any]) -> list[str]:
    """A card's figures as sentences (kind by kind; an unknown figure still gets words)."""
    f = dict(card.get("figures") or {})
    kind = card.get("kind")
    lines: list[str] = []
    if kind == "rising_low_stock":
        lines.append(f"Views growing {_n(f.pop('weekly_growth_pct', None), 1)}% a week "
                     f"({hover('95% interval')} {_n(f.pop('ci_low_pct', None), 1)}% to "
                     f"{_n(f.pop('ci_high_pct', None), 1)}%)")
        cover = f.pop("days_of_cover", None)
        lines.append(f"{_n(f.pop('stock', None))} in stock" + (f", about {_n(cover)} days of sales" if cover is not None
                                                                 else ", not selling yet"))
        lines.append(f"{_n(f.pop('stockout_risk_pct', None))}% chance of running out before a restock arrives")
    elif kind == "slow_mover_margin":
        lines.append(f"{_n(f.pop('units_last_28d', None))} sold in the last 28 days, {_n(f.pop('stock', None))} in stock")
        lines.append(f"margin {_n(f.pop('margin_pct', None))}%, {_n(f.pop('margin_headroom_pct', None))} points above "
                     "the minimum: room for a boost or a discount")
    elif kind == "anomaly":
        days, start, end = f.pop("days", None), f.pop("start", None), f.pop("end", None)
        span = f"{start}" if start == end or not end else f"{start} to {end}"
        lift = f.pop("lift", None)
        lines.append(f"traffic of {_n(f.pop('observed', None))} (views or list impressions) against about "
                     f"{_n(f.pop('expected', None))} expected over {_n(days)} day{'s' if days != 1 else ''} ({span})")
        if lift is not None:
            lines.append(f"{_n(lift, 1)}× the usual traffic ({hover('lift')})")
        f.pop("peak_z", None)
        f.pop("direction", None)
        f.pop("key", None)
    elif kind in ("rising_complaints_item", "rising_complaints_category"):
        days = _n(f.pop("window_days", None))
        lines.append(f"{_n(f.pop('complaints_recent', None))} reviews complained about {f.pop('aspect', '')} in the "
                     f"last {days} days, {_n(f.pop('complaints_previous', None))} in the {days} days before")
        lines.append(_chance(f.pop("p_value", None), f.pop("q_value", None)))
        f.pop("ratio", None)
        f.pop("category", None)
    elif kind in ("rating_drop_item", "rating_drop_category"):
        days = _n(f.pop("window_days", None))
        lines.append(f"average rating {_n(f.pop('rating_recent', None), 1)} from {_n(f.pop('reviews_recent', None))} "
                     f"reviews in the last {days} days, {_n(f.pop('rating_previous', None), 1)} from "
                     f"{_n(f.pop('reviews_previous', None))} in the {days} days before")
        lines.append(_chance(f.pop("p_value", None), f.pop("q_value", None)))
        f.pop("category", None)
    elif kind == "lint":
        lines.append(f"{str(f.pop('severity', '')).capitalize()}: {f.pop('message', '')}")
        f.pop("code", None)
        f.pop("rule_id", None)
    if "lift" in f and {"item_a", "item_b"} <= set(f):  # bought together
        lines.append(f"bought together {_n(f.pop('lift'))}× more often than chance ({hover('lift')})")
    f.pop("item_id", None)
    f.pop("rule_id", None)
    lines += [_plain_figure(k, v) for k, v in f.items() if v is not None and k not in ("item_a", "item_b")]
    return lines


def card_markdown(card: dict[str, Any], titles: Mapping[str, str] | None = None) -> str:
    """An insight card in words: the title (the product's id in parentheses), its figures as
    short sentences with the statistical terms explained on hover, and the rule it suggests."""
    title = str(card["title"])
    item = (card.get("figures") or {}).get("item_id")
    if item and str(item) not in title:
        title += f" ({item})"
    figures = card.get("figures") or {}
    products = [f"{(titles or {}).get(str(figures[k]), figures[k])} ({figures[k]})" for k in ("item_a", "item_b")
                if figures.get(k)]
    body = " · ".join(card_lines(card))
    parts = [f"#### {title}", ("**Products:** " + " and ".join(products)) if products else "", body,
             _try(card.get("whatif"))]
    return "\n\n".join(p for p in parts if p)


def with_rule(table: pd.DataFrame, rule: dict[str, Any]) -> pd.DataFrame:
    """The What-if rules table with ``rule`` added (replacing a rule of the same id): the table
    holds the whole proposed set, the live rules included, so trying a card never drops them."""
    kept = [r for r in table_to_rules(table) if r["id"] != rule["id"]]
    return rules_to_table([*kept, rule])


def build_insights_tab(desk: Merchandising, demo: Any, tabs: Any, whatif: dict[str, Any]) -> None:
    import gradio as gr

    data = gr.State({})
    refresh = gr.Button("Recompute insights", size="sm")
    status = gr.Markdown("Computing insights…", elem_id="insights-status")

    # A fixed set of card slots (not gr.render): the buttons' handlers exist from page load,
    # so a click can never reach a handler that a re-render has just replaced.
    slots: list[tuple[Any, Any, Any]] = []
    for index in range(MAX_CARDS):
        with gr.Group(visible=False, elem_classes=["insight-card"]) as group:
            text = gr.Markdown()
            button = gr.Button("Open in What-if", size="sm", elem_classes=["insight-action"], visible=False)
        # adds the card's rule to the table's set (the live rules when the table is still blank)
        button.click(
            readable(lambda found, table, index=index: (
                *add_to_table(desk, table, found["cards"][index]["whatif"], "the insight card"),
                gr.Tabs(selected="whatif"))),
            [data, whatif["rules"]],
            [whatif["rules"], whatif["status"], tabs],
        )
        slots.append((group, text, button))

    def card_updates(found: dict[str, Any]) -> list[Any]:
        cards = found.get("cards", [])[:MAX_CARDS]
        updates: list[Any] = []
        for index in range(MAX_CARDS):
            card = cards[index] if index < len(cards) else None
            updates += [
                gr.Group(visible=card is not None),
                gr.Markdown(card_markdown(card) if card else ""),
                gr.Button(visible=bool(card and card.get("whatif"))),
            ]
        return updates

    with gr.Row():
        categories = gr.Plot(label="Weekly growth by category (views)")
        weeks = gr.Plot(label="Weekly views")
    segments = gr.Dataframe(label="Segments", interactive=False)
    seg_chart = gr.Plot(label="Users per segment")

    @readable
    def compute() -> tuple[Any, ...]:
        found = desk.insights()
        cats = pd.DataFrame(found["categories"], columns=["key", "weekly_growth"])
        cats = cats.assign(**{"weekly growth %": 100 * cats["weekly_growth"].astype(float)})
        cats = cats.sort_values("weekly growth %", ascending=False)
        weekly = pd.DataFrame(found["weeks"], columns=["week_start", "total"])
        segs = pd.DataFrame(found["segments"], columns=["segment_id", "name", "description", "users", "price_band"])
        n = len(found["cards"])
        note = f"{n} insight card{'s' if n != 1 else ''} computed from the shop's data." if n else "No insights found."
        return (found, note, bars(cats, x="key", y="weekly growth %"), line(weekly, x="week_start", y="total"),
                segs, bars(segs, x="name", y="users"), *card_updates(found))

    outputs = [data, status, categories, weeks, segments, seg_chart, *[c for slot in slots for c in slot]]
    demo.load(compute, None, outputs)
    refresh.click(compute, None, outputs)
