"""Scenario builders, one per kind: each reads only the log before the decision date.

A :class:`DecisionPoint` holds the shop as it was on the decision date (events before it) and
per-item figures of the 28 days before it. Each builder turns one situation it finds there
(a trend, slow movers, a co-purchase pair, a concentrated category, new listings, a sale, items
that draw clicks but little money) into a :class:`.model.Scenario` without its key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from recsys_core.data.shop import ShopData
from recsys_core.strategy.errors import InsufficientDataError
from recsys_core.strategy.lab.model import Fact, LabAction, Scenario
from recsys_core.strategy.rules import Rule, RuleSet, Scope, Target

RECENT_DAYS = 28  # the window before a decision its per-item figures come from
BOOST = 1.5  # the visibility boost most candidate actions use
PER_MILLE = 1000.0
TRAP_LURE_RULE = "lab-boost-clicked"  # the trap scenario's tempting action


def _money(x: float) -> str:
    return f"${x:,.2f}" if abs(x) < 100 else f"${x:,.0f}"


def _pct(x: float, digits: int = 1) -> str:
    return f"{x * 100:.{digits}f}%"


@dataclass
class DecisionPoint:
    """The shop as of ``date`` (events strictly before it) and the replay horizon after it."""

    shop: ShopData
    date: pd.Timestamp
    horizon: int
    index: int  # the decision point's number in the library (varies the choice between equals)

    @cached_property
    def before(self) -> ShopData:
        ev = self.shop.events
        return ShopData(products=self.shop.products, events=ev[ev["timestamp"] < self.date], users=self.shop.users)

    @cached_property
    def recent(self) -> pd.DataFrame:
        ev = self.before.events
        return ev[ev["timestamp"] >= self.date - pd.Timedelta(days=RECENT_DAYS)]

    @property
    def day(self) -> str:
        return str(self.date.date())

    @cached_property
    def items(self) -> pd.DataFrame:
        """Per item over the recent window: impressions, clicks, purchases, revenue, margin, and
        the mean position shown at (0-based); with category, brand, price and cost."""
        ev = self.recent
        p = self.shop.products
        ids = p["item_id"].astype(str).to_numpy()
        out = pd.DataFrame(index=pd.Index(ids, name="item_id"))
        out["category"] = p["category"].astype(str).to_numpy()
        out["brand"] = p["brand"].astype("string").fillna("").to_numpy(dtype=object)
        out["price"] = p["price"].astype("float64").to_numpy()
        out["cost"] = p["cost"].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
        out["created_at"] = p["created_at"].to_numpy()
        item = ev["item_id"].astype(str)
        imp = ev[ev["type"] == "impression"]
        out["impressions"] = imp.groupby(item[imp.index]).size().reindex(ids).fillna(0.0).to_numpy()
        out["exposure"] = self.examined.groupby("item_id")["weight"].sum().reindex(ids).fillna(0.0).to_numpy()
        pos = imp["position"].astype("Float64").astype("float64")
        out["mean_position"] = pos.groupby(item[imp.index]).mean().reindex(ids).to_numpy()
        clk = ev[ev["type"] == "click"]
        out["clicks"] = clk.groupby(item[clk.index]).size().reindex(ids).fillna(0.0).to_numpy()
        buys = ev[ev["type"] == "purchase"]
        qty = buys["quantity"].astype("Float64").fillna(1).astype("float64")
        paid = buys["unit_price"].astype("Float64").astype("float64")
        paid = paid.fillna(item[buys.index].map(out["price"]))
        cost = item[buys.index].map(out["cost"]).astype("float64")
        key = item[buys.index]
        out["purchases"] = qty.groupby(key).sum().reindex(ids).fillna(0.0).to_numpy()
        out["revenue"] = (qty * paid).groupby(key).sum().reindex(ids).fillna(0.0).to_numpy()
        out["margin"] = (qty * (paid - cost.fillna(paid))).groupby(key).sum().reindex(ids).fillna(0.0).to_numpy()
        return out

    @cached_property
    def examined(self) -> pd.DataFrame:
        """Recent impressions (item_id) with their examination probability (weight) from a
        position-bias model fitted on the recent lists: a top slot counts more than a low one."""
        from recsys_core.strategy.clickmodel import PositionBiasModel, logged_lists

        lists = logged_lists(self.recent)
        weight = np.ones(len(lists))
        try:
            model = PositionBiasModel().fit(lists)
            for surface, idx in lists.groupby("surface").indices.items():
                weight[idx] = model.examination(lists.iloc[idx]["position"].to_numpy(), str(surface))
        except InsufficientDataError:
            pass
        return pd.DataFrame({"item_id": lists["item_id"].astype(str).to_numpy(), "weight": weight})

    def value(self, items: pd.Index | list[str]) -> dict[str, float]:
        """Clicks, purchases, revenue and margin per 1,000 position-corrected impressions of
        ``items`` over the recent window (an impression counts by its slot's examination odds)."""
        part = self.items.loc[self.items.index.intersection(pd.Index(items))]
        shown = float(part["exposure"].sum())
        if shown <= 0:
            return {"impressions": 0.0, "clicks": 0.0, "revenue": 0.0, "margin": 0.0, "purchases": 0.0}
        return {"impressions": shown, **{m: round(float(part[m].sum()) / shown * PER_MILLE, 3)
                                         for m in ("clicks", "purchases", "revenue", "margin")}}

    def in_category(self, category: str) -> pd.Index:
        return self.items.index[self.items["category"] == category]


class FactSheet:
    """Numbered facts of one brief."""

    def __init__(self) -> None:
        self.facts: list[Fact] = []

    def add(self, text: str, value: Any, source: str) -> str:
        fid = f"f{len(self.facts) + 1}"
        self.facts.append(Fact(fid, text, value, source))
        return fid

    def value_fact(self, dp: DecisionPoint, name: str, items: Any, scope: str, scope_items: Any, goal: str) -> tuple[str, dict[str, float], dict[str, float]]:
        mine, base = dp.value(items), dp.value(scope_items)
        text = (f"{name}: {_money(mine[goal])} {goal} per 1,000 impressions ({mine['clicks']:.0f} clicks) "
                f"against {_money(base[goal])} ({base['clicks']:.0f} clicks) for {scope}, position-corrected")
        fid = self.add(text, {"target": mine, "baseline": base},
                       f"impressions, clicks and purchases of the {RECENT_DAYS} days before {dp.day}; impressions "
                       "weighted by their slot's examination odds (position-bias model)")
        return fid, mine, base


def _rule(rule_id: str, action: str, target: Target, scope: Scope | None = None, **kw: Any) -> Rule:
    return Rule(id=rule_id, action=action, target=target, scope=scope or Scope(), **kw)  # type: ignore[arg-type]


def _nothing(aid: str = "C") -> LabAction:
    return LabAction(aid, "change nothing", RuleSet(), direction=0)


def _order(actions: list[LabAction], rng: np.random.Generator) -> list[LabAction]:
    """Shuffle the actions (the best is not always A) and re-letter them; "change nothing" last."""
    moving = [a for a in actions if a.direction != 0]
    still = [a for a in actions if a.direction == 0]
    moving = [moving[i] for i in rng.permutation(len(moving))]
    out = []
    for n, a in enumerate([*moving, *still]):
        out.append(LabAction(chr(ord("A") + n), a.label, a.rules, a.evidence, a.target_value, a.baseline_value,
                             a.direction, a.trap))
    return out


def _scenario(dp: DecisionPoint, kind: str, title: str, question: str, goal: str, sheet: FactSheet,
              actions: list[LabAction], pointers: list[str], truth: dict[str, Any], rng: np.random.Generator,
              horizon: int | None = None) -> Scenario:
    return Scenario(id="", kind=kind, title=title, question=question, decision_date=dp.day,
                    horizon_days=horizon or dp.horizon, goal=goal, brief=sheet.facts, actions=_order(actions, rng),
                    pointers=tuple(pointers), truth=truth)


# ---- kinds -------------------------------------------------------------------------------
def rising(dp: DecisionPoint, rng: np.random.Generator) -> list[Scenario]:
    from recsys_core.strategy.engine import trend_measure
    from recsys_core.strategy.trends import growth_table

    measure = trend_measure(dp.before)
    table = growth_table(dp.before, level="category", measure=measure).sort_values("weekly_growth", ascending=False)
    if len(table) < 3:
        return []
    top, mid, low = table.iloc[0], table.iloc[len(table) // 2], table.iloc[-1]
    sheet = FactSheet()
    src = f"weekly growth of daily {measure} per category, Poisson fit over the log before {dp.day} (BH q-value)"
    trend_ids = [sheet.add(f"'{r.key}' {measure}: {r.weekly_growth:+.1%} a week (95% CI {r.ci_low:+.1%} to "
                           f"{r.ci_high:+.1%}, q = {r.q_value:.3g}, {r.trend})",
                           {"category": r.key, "weekly_growth": round(float(r.weekly_growth), 4),
                            "q_value": float(f"{r.q_value:.3g}"), "trend": r.trend}, src)
                 for r in (top, mid, low)]
    everything = dp.items.index
    actions = []
    for r, tid in zip((top, mid, low), trend_ids, strict=True):
        fid, mine, base = sheet.value_fact(dp, f"'{r.key}' items", dp.in_category(r.key), "the whole shop", everything, "revenue")
        rule = _rule(f"lab-boost-{r.key}".replace(" ", "-"), "boost", Target(categories=(r.key,)), multiplier=BOOST)
        actions.append(LabAction("", f"boost '{r.key}' x{BOOST:g} everywhere", RuleSet(rules=(rule,)), (tid, fid),
                                 mine, base))
    return [_scenario(dp, "rising", f"Which category to push on {dp.day}?",
                      f"You can boost one category x{BOOST:g} for the next {dp.horizon} days. Which one brings the most revenue?",
                      "revenue", sheet, actions, [trend_ids[0], actions[0].evidence[1]],
                      {"rising": top.key, "middle": mid.key, "falling": low.key,
                       "q_value_rising": float(top.q_value), "trend_rising": top.trend}, rng)]


def slow_movers(dp: DecisionPoint, rng: np.random.Generator) -> list[Scenario]:
    from recsys_core.strategy.inventory import SLOW_MOVER_BOOST, inventory_signals
    from recsys_core.strategy.inventory import slow_movers as find_slow

    slow = find_slow(inventory_signals(dp.before, window_days=RECENT_DAYS))
    if slow.empty:
        return []
    tied = slow.groupby("category")["stock_value"].sum().sort_values(ascending=False)
    category = str(tied.index[dp.index % min(len(tied), 3)])
    pick = slow[slow["category"] == category].sort_values(["views_recent", "stock_value"], ascending=False).head(10)
    items = list(pick["item_id"])
    sheet = FactSheet()
    f1 = sheet.add(f"{len(items)} slow movers in '{category}' hold {_money(float(pick['stock_value'].sum()))} of stock at cost; "
                   f"median margin headroom {_pct(float(pick['margin_headroom'].median()), 0)} above the 15% floor",
                   {"items": items, "stock_value": round(float(pick["stock_value"].sum()), 2),
                    "median_margin_headroom": round(float(pick["margin_headroom"].median()), 3)},
                   f"stock from the product table; sales of the {RECENT_DAYS} days before {dp.day}")
    f2 = sheet.add(f"they sold {int(pick['units_recent'].sum())} units on {int(pick['views_recent'].sum())} views "
                   f"in the {RECENT_DAYS} days before {dp.day}",
                   {"units": int(pick["units_recent"].sum()), "views": int(pick["views_recent"].sum())},
                   f"purchases and views of the {RECENT_DAYS} days before {dp.day}")
    f3, mine, base = sheet.value_fact(dp, "the slow movers", items, f"all of '{category}'", dp.in_category(category), "margin")
    target = Target(item_ids=tuple(items))
    soft = _rule("lab-push-slow", "boost", target, multiplier=SLOW_MOVER_BOOST)
    hard = _rule("lab-push-slow-hard", "boost", target, multiplier=2.0)
    actions = [LabAction("", f"push them x{SLOW_MOVER_BOOST:g}", RuleSet(rules=(soft,)), (f1, f3), mine, base),
               LabAction("", "push them x2", RuleSet(rules=(hard,)), (f1, f3), mine, base),
               _nothing()]
    return [_scenario(dp, "slow_movers", f"Slow movers in '{category}' on {dp.day}",
                      f"{len(items)} slow movers in '{category}' tie up stock. Which choice earns the most margin over the next {dp.horizon} days?",
                      "margin", sheet, actions, [f2, f3], {"category": category, "items": items}, rng)]


def bundle(dp: DecisionPoint, rng: np.random.Generator) -> list[Scenario]:
    from recsys_core.strategy.bundles import frequently_bought_together

    pairs = frequently_bought_together(dp.before, basket="user", top=200)
    info = dp.items
    pairs = pairs[pairs["item_a"].isin(info.index) & pairs["item_b"].isin(info.index)]
    if pairs.empty:
        return []
    pairs = pairs.sort_values(["ci_low", "together"], ascending=False)
    pairs = pairs[pairs["item_a"] < pairs["item_b"]] if (pairs["item_a"] < pairs["item_b"]).any() else pairs
    row = pairs.iloc[dp.index % min(len(pairs), 4)]
    a, b = str(row.item_a), str(row.item_b)
    category = str(info.loc[a, "category"])
    together = set(pairs.loc[pairs["item_a"] == a, "item_b"]) | set(pairs.loc[pairs["item_b"] == a, "item_a"])
    peers = info[(info["category"] == info.loc[b, "category"]) & ~info.index.isin([a, b, *together])]
    peers = peers.assign(gap=(peers["price"] - info.loc[b, "price"]).abs()).sort_values(["gap", "impressions"], ascending=[True, False])
    if peers.empty:
        return []
    control = str(peers.index[0])
    sheet = FactSheet()
    f1 = sheet.add(f"{b} was bought by {int(row.together)} of the {int(row.baskets_a)} customers who bought {a} "
                   f"(P = {row.confidence:.2f}, 95% CI {row.ci_low:.2f} to {row.ci_high:.2f}; lift {row.shrunk_lift:.1f} "
                   f"after shrinking for the few baskets, 95% interval {row.lift_ci_low:.1f} to {row.lift_ci_high:.1f})",
                   {"item_a": a, "item_b": b, "together": int(row.together), "baskets_a": int(row.baskets_a),
                    "confidence": round(float(row.confidence), 3), "lift": round(float(row.shrunk_lift), 1),
                    "lift_ci95": [round(float(row.lift_ci_low), 1), round(float(row.lift_ci_high), 1)],
                    "raw_lift": round(float(row.lift), 1)},
                   f"customers' purchases and carts before {dp.day}")
    f2 = sheet.add(f"{control} ({info.loc[control, 'category']}, {_money(float(info.loc[control, 'price']))}, price close to "
                   f"{b}'s {_money(float(info.loc[b, 'price']))}) was never bought with {a} by 3 or more customers",
                   {"item": control}, f"customers' purchases and carts before {dp.day}")
    scope = Scope(categories=(category,), surfaces=("recommendations",))
    everything = info.index[info["category"] == category]
    f3, mine_b, base = sheet.value_fact(dp, b, [b], f"'{category}'", everything, "revenue")
    f4, mine_c, _ = sheet.value_fact(dp, control, [control], f"'{category}'", everything, "revenue")
    actions = [
        LabAction("", f"pin {b} at #2 in '{category}' recommendations",
                  RuleSet(rules=(_rule(f"lab-pin-{b}", "pin", Target(item_ids=(b,)), scope, position=2),)), (f1, f3), mine_b, base),
        LabAction("", f"pin {control} at #2 in '{category}' recommendations",
                  RuleSet(rules=(_rule(f"lab-pin-{control}", "pin", Target(item_ids=(control,)), scope, position=2),)), (f2, f4), mine_c, base),
        _nothing(),
    ]
    return [_scenario(dp, "bundle", f"Show {b} with {a}? ({dp.day})",
                      f"Shoppers of '{category}' could see one more item at #2 of their recommendations for {dp.horizon} days. Which earns the most revenue?",
                      "revenue", sheet, actions, [f1, f3],
                      {"item_a": a, "item_b": b, "control": control, "category": category}, rng)]


def exposure(dp: DecisionPoint, rng: np.random.Generator) -> list[Scenario]:
    from recsys_core.strategy.exposure import exposure_audit
    from recsys_core.strategy.whatif import shown_lists

    lists = shown_lists(dp.recent)
    info = dp.items
    rows = []
    for category, scope in info.groupby("category"):
        ids = set(scope.index)
        kept = [k for k in ([i for i in shown if i in ids] for shown in lists) if k]
        if len(kept) < 50:
            continue
        products = dp.shop.products[dp.shop.products["item_id"].astype(str).isin(ids)]
        audit = exposure_audit(kept, products)
        share: pd.Series = audit["brand_share"]  # type: ignore[assignment]
        catalogue = scope["brand"].value_counts(normalize=True)
        top = str(share.index[0])
        rows.append((float(share.iloc[0]) - float(catalogue.get(top, 0.0)), str(category), top, float(share.iloc[0]),
                     float(catalogue.get(top, 0.0)), float(audit["gini_items"]), len(kept)))  # type: ignore[arg-type]
    if not rows:
        return []
    rows.sort(reverse=True)
    _, category, brand, share, catalogue_share, gini, n_lists = rows[dp.index % min(len(rows), 3)]
    scope_items = dp.in_category(category)
    brand_items = info.index[(info["category"] == category) & (info["brand"] == brand)]
    others = sorted(set(info.loc[scope_items, "brand"]) - {brand, ""})
    sheet = FactSheet()
    f1 = sheet.add(f"{brand} takes {_pct(share)} of the position-weighted exposure in '{category}' lists, with "
                   f"{_pct(catalogue_share)} of its items", {"brand": brand, "share": round(share, 4),
                                                              "catalogue_share": round(catalogue_share, 4)},
                   f"{n_lists} logged lists of the {RECENT_DAYS} days before {dp.day}")
    f2 = sheet.add(f"Gini of exposure over '{category}' items: {gini:.2f}", round(gini, 3),
                   f"{n_lists} logged lists of the {RECENT_DAYS} days before {dp.day}")
    f3, mine, base = sheet.value_fact(dp, f"{brand}'s items", brand_items, f"all of '{category}'", scope_items, "margin")
    other_items = info.index[(info["category"] == category) & (info["brand"] != brand)]
    f4, mine_o, _ = sheet.value_fact(dp, "the other brands' items", other_items, f"all of '{category}'", scope_items, "margin")
    where = Scope(categories=(category,))
    actions = [
        LabAction("", f"bury {brand} x0.7 in '{category}'",
                  RuleSet(rules=(_rule("lab-bury-top-brand", "bury", Target(brands=(brand,)), where, multiplier=0.7),)),
                  (f1, f2, f3), mine, base, direction=-1),
        LabAction("", f"boost the other {len(others)} brands x1.3 in '{category}'",
                  RuleSet(rules=(_rule("lab-boost-others", "boost", Target(brands=tuple(others)), where, multiplier=1.3),)),
                  (f1, f4), mine_o, base),
        _nothing(),
    ]
    return [_scenario(dp, "exposure", f"{brand} dominates '{category}' ({dp.day})",
                      f"{brand} takes most of the attention in '{category}'. Which choice earns the most margin over the next {dp.horizon} days?",
                      "margin", sheet, actions, [f3, f4],
                      {"category": category, "brand": brand, "share": share}, rng)]


def cold_start(dp: DecisionPoint, rng: np.random.Generator) -> list[Scenario]:
    info = dp.items
    created = pd.to_datetime(info["created_at"], utc=True)
    fresh = info[(created < dp.date) & (created >= dp.date - pd.Timedelta(days=RECENT_DAYS))]
    if fresh.empty:
        return []
    counts = fresh["category"].value_counts()
    counts = counts[counts >= 2] if (counts >= 2).any() else counts
    category = str(counts.index[dp.index % min(len(counts), 3)])
    new = fresh[fresh["category"] == category].sort_values("created_at", ascending=False)
    newest = str(new.index[0])
    sheet = FactSheet()
    f1 = sheet.add(f"{len(new)} items were listed in '{category}' in the {RECENT_DAYS} days before {dp.day}; the newest, "
                   f"{newest}, on {pd.Timestamp(new.loc[newest, 'created_at']).date()}",
                   {"items": list(new.index), "newest": newest}, "created_at in the product table")
    f2 = sheet.add(f"they were shown {int(new['impressions'].sum())} times and bought {int(new['purchases'].sum())} times so far",
                   {"impressions": int(new["impressions"].sum()), "purchases": int(new["purchases"].sum())},
                   f"impressions and purchases of the {RECENT_DAYS} days before {dp.day}")
    scope_items = dp.in_category(category)
    price_new, price_cat = float(new["price"].median()), float(info.loc[scope_items, "price"].median())
    f3 = sheet.add(f"median price of the new items {_money(price_new)} against {_money(price_cat)} for '{category}'",
                   {"new": price_new, "category": price_cat}, "the product table")
    f4, mine, base = sheet.value_fact(dp, f"'{category}' items already selling", scope_items, "the whole shop", info.index, "revenue")
    where = Scope(categories=(category,))
    # an item with no history has no click-through yet: its value is the category's, scaled by price
    est = {k: v * (price_new / price_cat if price_cat else 1.0) if k in ("revenue", "margin") else v for k, v in mine.items()}
    actions = [
        LabAction("", f"pin {newest} at #3 in '{category}' lists",
                  RuleSet(rules=(_rule(f"lab-pin-{newest}", "pin", Target(item_ids=(newest,)), where, position=3),)),
                  (f1, f3), est, mine),
        LabAction("", f"boost all {len(new)} new items x{BOOST:g} in '{category}'",
                  RuleSet(rules=(_rule("lab-boost-new", "boost", Target(item_ids=tuple(new.index)), where, multiplier=BOOST),)),
                  (f1, f2, f3), est, mine),
        _nothing(),
    ]
    return [_scenario(dp, "cold_start", f"New arrivals in '{category}' ({dp.day})",
                      f"New items in '{category}' have almost no history. Which choice earns the most revenue over the next {dp.horizon} days?",
                      "revenue", sheet, actions, [f3, f4], {"category": category, "new_items": list(new.index), "newest": newest}, rng)]


def promotion(dp: DecisionPoint, rng: np.random.Generator, window: Any) -> list[Scenario]:
    """A sale window (category, days, discount) found in the paid prices of the log; the decision is
    taken the day it starts, and the replay covers the sale."""
    info = dp.items
    category = str(window.key)
    discount = float(window.median_discount)
    scope_items = dp.in_category(category)
    cat = info.loc[scope_items]
    unit_margin = float((cat["price"] - cat["cost"]).median())
    sale_margin = float((cat["price"] * (1 - discount) - cat["cost"]).median())
    sheet = FactSheet()
    f1 = sheet.add(f"a {_pct(discount, 0)} sale on '{category}' runs {pd.Timestamp(window.start).date()} to "
                   f"{pd.Timestamp(window.end).date()} ({int(window.days)} days)",
                   {"category": category, "discount": round(discount, 3), "start": str(pd.Timestamp(window.start).date()),
                    "end": str(pd.Timestamp(window.end).date())},
                   "paid prices against list prices in the log (the shop's sale calendar)")
    f2 = sheet.add(f"median unit margin in '{category}': {_money(unit_margin)} at list price, {_money(sale_margin)} at {_pct(discount, 0)} off",
                   {"list": round(unit_margin, 2), "sale": round(sale_margin, 2)}, "prices and costs in the product table")
    values = {c: dp.value(dp.in_category(c)) for c in sorted(set(info["category"])) if c != category}
    rival = max(values, key=lambda c: values[c]["margin"])
    f3, mine, base = sheet.value_fact(dp, f"'{category}' items", scope_items, "the whole shop", info.index, "margin")
    sale_value = {**mine, "margin": mine["margin"] * (sale_margin / unit_margin if unit_margin else 1.0),
                  "revenue": mine["revenue"] * (1 - discount)}
    f4, mine_r, _ = sheet.value_fact(dp, f"'{rival}' items (best margin per impression)", dp.in_category(rival),
                                     "the whole shop", info.index, "margin")
    actions = [
        LabAction("", f"boost '{category}' x{BOOST:g} during the sale",
                  RuleSet(rules=(_rule("lab-boost-sale", "boost", Target(categories=(category,)), multiplier=BOOST),)),
                  (f1, f2, f3), sale_value, base),
        LabAction("", f"boost '{rival}' x{BOOST:g} during the sale",
                  RuleSet(rules=(_rule("lab-boost-rival", "boost", Target(categories=(rival,)), multiplier=BOOST),)),
                  (f4,), mine_r, base),
        _nothing(),
    ]
    return [_scenario(dp, "promotion", f"A {_pct(discount, 0)} sale on '{category}' ({dp.day})",
                      f"The '{category}' sale starts today. Which choice earns the most margin while it runs?",
                      "margin", sheet, actions, [f2, f4],
                      {"category": category, "discount": discount, "start": str(pd.Timestamp(window.start).date()),
                       "end": str(pd.Timestamp(window.end).date())}, rng, horizon=int(window.days))]


def trap(dp: DecisionPoint, rng: np.random.Generator) -> list[Scenario]:
    """The most-clicked items of a category against its best earners per impression: one
    candidate per category where the two differ (the key keeps those where clicks and money part)."""
    info = dp.items
    seen = info[info["impressions"] >= 30].assign(ctr=lambda f: f["clicks"] / f["impressions"],
                                                   rpi=lambda f: f["revenue"] / f["impressions"])
    out = []
    for category, group in seen.groupby("category"):
        if len(group) < 12:
            continue
        clicked = group.sort_values("ctr", ascending=False).head(5)
        earners = group[~group.index.isin(clicked.index)].sort_values("rpi", ascending=False).head(5)
        scope_items = dp.in_category(str(category))
        base = dp.value(scope_items)
        mc, me = dp.value(clicked.index), dp.value(earners.index)
        if not (mc["clicks"] > base["clicks"] and mc["revenue"] < me["revenue"]):
            continue
        sheet = FactSheet()
        f1 = sheet.add(f"the 5 most-clicked '{category}' items ({', '.join(clicked.index)}) have a click-through of "
                       f"{_pct(float(clicked['clicks'].sum() / clicked['impressions'].sum()))} against "
                       f"{_pct(float(group['clicks'].sum() / group['impressions'].sum()))} for the category; they were shown at "
                       f"mean position {float(clicked['mean_position'].mean()) + 1:.1f} (category {float(group['mean_position'].mean()) + 1:.1f})",
                       {"items": list(clicked.index), "ctr": round(float(clicked["clicks"].sum() / clicked["impressions"].sum()), 4)},
                       f"impressions and clicks of the {RECENT_DAYS} days before {dp.day} (raw, not corrected for position)")
        f2 = sheet.add(f"median price of the most-clicked items {_money(float(clicked['price'].median()))}; of the best "
                       f"earners ({', '.join(earners.index)}) {_money(float(earners['price'].median()))}",
                       {"clicked": float(clicked["price"].median()), "earners": float(earners["price"].median())}, "the product table")
        f3, _, _ = sheet.value_fact(dp, "the most-clicked items", clicked.index, f"all of '{category}'", scope_items, "revenue")
        f4, _, _ = sheet.value_fact(dp, "the best earners", earners.index, f"all of '{category}'", scope_items, "revenue")
        where = Scope(categories=(str(category),))
        actions = [
            LabAction("", f"boost the 5 most-clicked items x2 in '{category}'",
                      RuleSet(rules=(_rule(TRAP_LURE_RULE, "boost", Target(item_ids=tuple(clicked.index)), where, multiplier=2.0),)),
                      (f1, f3), mc, base),
            LabAction("", f"boost the 5 best earners x2 in '{category}'",
                      RuleSet(rules=(_rule("lab-boost-earners", "boost", Target(item_ids=tuple(earners.index)), where, multiplier=2.0),)),
                      (f2, f4), me, base),
            _nothing(),
        ]
        out.append(_scenario(dp, "trap", f"Click magnets in '{category}' ({dp.day})",
                             f"Which choice brings '{category}' the most revenue over the next {dp.horizon} days?",
                             "revenue", sheet, actions, [f3, f4],
                             {"category": str(category), "clicked": list(clicked.index), "earners": list(earners.index)}, rng))
    return [out[int(i)] for i in rng.permutation(len(out))]


BUILDERS: dict[str, Callable[[DecisionPoint, np.random.Generator], list[Scenario]]] = {
    "rising": rising, "slow_movers": slow_movers, "bundle": bundle, "exposure": exposure,
    "cold_start": cold_start, "trap": trap,
}
