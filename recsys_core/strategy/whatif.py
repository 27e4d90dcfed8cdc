"""What-if replay: logged lists from a held-out period, ranked before and after a proposed
change (rules, re-rank weights), scored with a position-based click model fitted on the
period before; changes in clicks, purchases, revenue and margin (and NDCG/HR against what the
session actually bought) with bootstrap 95 % intervals over sessions, and exposure moved."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from recsys_core.data.shop import ShopData
from recsys_core.strategy.abtest import ABPlan, plan_test
from recsys_core.strategy.clickmodel import PositionBiasModel, logged_lists, purchase_rates
from recsys_core.strategy.errors import InsufficientDataError
from recsys_core.strategy.rankers import ListContext, LoggedRanker, Ranker
from recsys_core.strategy.rerank import ItemFacts, RerankWeights, rerank
from recsys_core.strategy.rules import ProductLookup, RuleContext, RuleSet, apply_rules

OUTCOMES = ("clicks", "purchases", "revenue", "margin")


@dataclass(frozen=True)
class Change:
    """A proposed change: rules and/or re-rank weights applied after the ranker."""

    name: str = "proposal"
    rules: RuleSet = field(default_factory=RuleSet)
    rerank: RerankWeights | None = None
    # a what-if asks "had these rules been live": by default their validity dates are set
    # aside so they act over the whole replayed period (the linter reports the dates)
    respect_dates: bool = False

    def effective_rules(self) -> RuleSet:
        if self.respect_dates:
            return self.rules
        return RuleSet(rules=tuple(r.model_copy(update={"starts": None, "ends": None}) for r in self.rules.rules))


@dataclass
class WhatIfReport:
    change: str
    ranker: str
    period: tuple[str, str]
    sessions: int
    lists: int
    lists_changed: int
    metrics: pd.DataFrame  # metric, before, after, delta, delta_pct, ci_low, ci_high
    logged: dict[str, float]  # what really happened in these lists (model calibration)
    exposure: pd.DataFrame  # level, key, before_share, after_share, moved
    position_bias: dict[str, list[float]]
    per_session: pd.DataFrame  # session_id, and before/after per outcome
    seconds: float

    def delta(self, metric: str) -> tuple[float, float, float]:
        row = self.metrics.set_index("metric").loc[metric]
        return float(row["delta"]), float(row["ci_low"]), float(row["ci_high"])

    def ab_plan(self, *, metric: str = "revenue", mde_relative: float | None = None,
                power: float = 0.8, alpha: float = 0.05) -> ABPlan:
        """Sessions per arm for an A/B test of this change on ``metric`` per session.

        The minimum detectable effect defaults to the replay's estimated relative change
        (at least 1%), so the plan answers "how long to confirm what the replay predicts".
        """
        if mde_relative is None:
            estimate = float(self.metrics.set_index("metric").loc[metric, "delta_pct"])
            mde_relative = max(abs(estimate), 0.01) if np.isfinite(estimate) else 0.01
        days = (pd.Timestamp(self.period[1]) - pd.Timestamp(self.period[0])).days + 1
        return plan_test(metric, self.per_session[f"{metric}_before"].to_numpy(), mde_relative, binary=False,
                         sessions_per_day=self.sessions / max(days, 1), alpha=alpha, power=power)

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return {
            "ab_plan": asdict(self.ab_plan()),
            "change": self.change, "ranker": self.ranker, "period": list(self.period),
            "sessions": self.sessions, "lists": self.lists, "lists_changed": self.lists_changed,
            "metrics": self.metrics.to_dict(orient="records"), "logged": self.logged,
            "exposure_moved": self.exposure.head(10).to_dict(orient="records"),
            "position_bias": self.position_bias, "seconds": round(self.seconds, 3),
        }

    def table(self) -> str:
        lines = [f"What-if: {self.change}  (ranker: {self.ranker}; {self.period[0]} .. {self.period[1]}; "
                 f"{self.sessions:,} sessions, {self.lists:,} lists, {self.lists_changed:,} changed)",
                 f"{'metric':<12}{'before':>12}{'after':>12}{'delta':>12}{'delta %':>9}   95% interval"]
        for r in self.metrics.itertuples():
            pct = f"{r.delta_pct:+.1%}" if np.isfinite(r.delta_pct) else "n/a"
            lines.append(f"{r.metric:<12}{r.before:>12.2f}{r.after:>12.2f}{r.delta:>+12.2f}{pct:>9}   "
                         f"[{r.ci_low:+.2f}, {r.ci_high:+.2f}]")
        lines.append(f"A/B plan: {self.ab_plan().describe()}")
        moved = self.exposure.head(5)
        if len(moved):
            lines.append("exposure moved (share of position-weighted attention):")
            for r in moved.itertuples():
                lines.append(f"  {r.level:<9}{r.key:<28}{r.before_share:>7.1%} -> {r.after_share:>6.1%} ({r.moved:+.1%})")
        return "\n".join(lines)


def split_lists(lists: pd.DataFrame) -> pd.DataFrame:
    """Number each shown list: a new list starts when the session/surface changes or the
    position does not increase."""
    lists = lists.sort_values(["session_id", "timestamp", "surface", "position"], kind="stable").reset_index(drop=True)
    new = ((lists["session_id"] != lists["session_id"].shift()) | (lists["surface"] != lists["surface"].shift())
           | (lists["position"] <= lists["position"].shift()))
    lists["list_id"] = np.cumsum(new.to_numpy()) - 1
    return lists


def shown_lists(events: pd.DataFrame) -> list[list[str]]:
    """Every list the log shows (item ids in shown order), from its positioned impressions."""
    lists = logged_lists(events)
    if lists.empty:
        return []
    return [g["item_id"].astype(str).tolist() for _, g in split_lists(lists).groupby("list_id", sort=False)]


def _apply(change: Change, ranked: list[tuple[str, float]], ctx: RuleContext, lookup: ProductLookup,
           facts: ItemFacts | None, k: int) -> list[str]:
    if change.rules.rules:
        ranked = apply_rules(ranked, change.rules, ctx, lookup).ranking
    if change.rerank is not None and facts is not None:
        ranked = rerank(ranked, change.rerank, facts, k=k)
    return [i for i, _ in ranked[:k]]


def _ndcg_hr(order: list[str], bought: set[str], k: int) -> tuple[float, float]:
    if not bought:
        return 0.0, 0.0
    gains = [1.0 / np.log2(p + 2) for p, i in enumerate(order[:k]) if i in bought]
    ideal = sum(1.0 / np.log2(p + 2) for p in range(min(len(bought), k)))
    return float(sum(gains) / ideal), float(bool(gains))


@dataclass
class ReplaySetup:
    """Everything a replay needs that does not depend on the change (build once, reuse)."""

    days: int
    cut: pd.Timestamp
    end: pd.Timestamp
    lists: pd.DataFrame
    model: PositionBiasModel
    rates: pd.DataFrame
    ranker: Ranker
    lookup: ProductLookup
    facts: ItemFacts
    category: dict[str, str]
    bought: dict[str, set[str]]
    purchases: int


def prepare_replay(shop: ShopData, *, days: int = 30, ranker: Ranker | None = None,
                   hindsight: bool = False, end: pd.Timestamp | None = None) -> ReplaySetup:
    """Held-out lists (last ``days`` days) and the click model / purchase rates fitted before.

    With ``hindsight`` the click model and purchase rates (at the prices paid) are fitted on the
    replayed days themselves: an estimate of what a change would have done given what shoppers
    did then (the strategy lab's answer keys), not a forecast made before them. ``end`` (default:
    the last event) closes the replayed period; later events are ignored."""
    ev = shop.events
    if end is None:
        end = ev["timestamp"].max()
    else:
        ev = ev[ev["timestamp"] < end]
    cut = end - pd.Timedelta(days=days)
    train, held = ev[ev["timestamp"] <= cut], ev[ev["timestamp"] > cut]
    lists = logged_lists(held)
    if lists.empty:
        raise InsufficientDataError(f"no impressions with positions in the last {days} days; what-if replay needs logged lists")
    fit_lists = lists if hindsight or (train["type"] == "impression").sum() <= 100 else logged_lists(train)
    model = PositionBiasModel().fit(fit_lists)
    buys = held[held["type"] == "purchase"]
    rate_events = held if hindsight or not len(train) else train
    return ReplaySetup(
        days=days, cut=cut, end=end, lists=split_lists(lists), model=model,
        rates=purchase_rates(shop, rate_events, paid_prices=hindsight), ranker=ranker or LoggedRanker(shop),
        lookup=_lookup_at(shop, cut), facts=ItemFacts.from_shop(shop.products, train),
        category=dict(zip(shop.products["item_id"].astype(str), shop.products["category"].astype(str), strict=True)),
        bought=buys.groupby(buys["session_id"].astype(str))["item_id"].agg(lambda s: set(map(str, s))).to_dict(),
        purchases=len(buys),
    )


def _lookup_at(shop: ShopData, cut: pd.Timestamp) -> ProductLookup:
    """The rule lookup as of the start of the replayed period: recent-rating targets see only
    the reviews written by then, as a rule live at that time would have."""
    return ProductLookup(shop.products, shop.reviews, as_of=cut)


def replayed_orders(setup: ReplaySetup, change: Change, baseline: Change | None = None,
                    user_segments: Mapping[str, str] | None = None) -> Iterator[tuple[int, ListContext, list[str], list[str]]]:
    """Each replayed list as (list id, its context, order under ``baseline``, order under ``change``):
    the one place a logged list is re-ranked, shared by the replay and the experiment planner."""
    baseline = baseline or Change(name="current")
    baseline = replace(baseline, rules=baseline.effective_rules(), respect_dates=True)
    change = replace(change, rules=change.effective_rules(), respect_dates=True)
    lists, ranker, lookup, facts, category = setup.lists, setup.ranker, setup.lookup, setup.facts, setup.category
    segments = user_segments or {}
    cols = {c: lists[c].to_numpy(dtype=object) for c in ("session_id", "user_id", "surface", "query", "item_id")}
    stamps = lists["timestamp"].to_numpy()
    bounds = np.flatnonzero(np.diff(lists["list_id"].to_numpy(), prepend=-1, append=-1))
    for lid, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        shown = tuple(str(i) for i in cols["item_id"][a:b])
        cats = Counter(category.get(i, "") for i in shown).most_common(1)
        day = pd.Timestamp(stamps[a]).date()
        user = cols["user_id"][a] or None
        query = cols["query"][a] or None
        ctx = ListContext(str(cols["session_id"][a]), user, str(cols["surface"][a]), query,
                          cats[0][0] if cats else None, day, shown)
        rctx = RuleContext(query=query, category=ctx.category, segment=segments.get(user or ""), surface=ctx.surface, day=day)
        ranked = ranker.rank(ctx)
        k = len(shown)
        yield lid, ctx, _apply(baseline, ranked, rctx, lookup, facts, k), _apply(change, ranked, rctx, lookup, facts, k)


def replay(shop: ShopData, change: Change, *, days: int = 30, ranker: Ranker | None = None,
           baseline: Change | None = None, user_segments: Mapping[str, str] | None = None,
           n_boot: int = 1000, seed: int = 0, setup: ReplaySetup | None = None,
           focus: Collection[str] = ()) -> WhatIfReport:
    """Replay the last ``days`` days of logged lists before (``baseline``, default: no change)
    and after ``change``; the click model and purchase rates come from the days before.
    Pass ``setup`` (from :func:`prepare_replay`) to replay several changes cheaply. With
    ``focus`` items, ``focus_purchases`` (their expected purchases) and ``focus_exposure_share``
    (their share of position-weighted attention) are reported as well."""
    t0 = time.perf_counter()
    setup = setup or prepare_replay(shop, days=days, ranker=ranker)
    model, rates = setup.model, setup.rates
    lists, ranker, bought, cut, end = setup.lists, setup.ranker, setup.bought, setup.cut, setup.end
    rows: list[tuple[int, str, str, int, str, int]] = []  # list, session, surface, pos, item, arm
    quality: list[tuple[str, float, float, float, float]] = []
    n_changed = 0
    for lid, ctx, before, after in replayed_orders(setup, change, baseline, user_segments):
        n_changed += before != after
        for arm, order in ((0, before), (1, after)):
            rows += [(lid, ctx.session_id, ctx.surface, p, i, arm) for p, i in enumerate(order)]
        got = bought.get(ctx.session_id, set())
        if got:
            k = len(ctx.shown)
            nb, hb = _ndcg_hr(before, got, k)
            na, ha = _ndcg_hr(after, got, k)
            quality.append((ctx.session_id, nb, na, hb, ha))
    shown_df = pd.DataFrame(rows, columns=["list_id", "session_id", "surface", "position", "item_id", "arm"])
    p_click = np.zeros(len(shown_df))
    attention = np.zeros(len(shown_df))  # examination odds of each slot: exposure's weight
    for surface, idx in shown_df.groupby("surface").indices.items():
        part = shown_df.iloc[idx]
        attention[idx] = model.examination(part["position"].to_numpy(), str(surface))
        p_click[idx] = model.attractiveness(part["item_id"].tolist(), str(surface)) * attention[idx]
    shown_df["attention"] = attention
    r = rates.reindex(shown_df["item_id"].to_numpy())
    buy = p_click * r["buy_rate"].fillna(rates["buy_rate"].mean()).to_numpy()
    units = buy * r["units"].fillna(1.0).to_numpy()
    shown_df["clicks"] = p_click
    shown_df["purchases"] = buy
    shown_df["revenue"] = units * r["price"].fillna(0.0).to_numpy()
    shown_df["margin"] = units * r["unit_margin"].fillna(0.0).to_numpy()
    outcomes = list(OUTCOMES)
    if focus:
        infocus = shown_df["item_id"].isin(set(focus)).to_numpy()
        shown_df["focus_purchases"] = np.where(infocus, buy, 0.0)
        shown_df["focus_attention"] = np.where(infocus, attention, 0.0)
        outcomes += ["focus_purchases", "attention", "focus_attention"]
    per_session = shown_df.pivot_table(index="session_id", columns="arm", values=outcomes, aggfunc="sum", fill_value=0.0)
    per_session.columns = [f"{m}_{'after' if a else 'before'}" for m, a in per_session.columns]
    per_session = per_session.reset_index()
    metrics = _metrics(per_session, pd.DataFrame(quality, columns=["session_id", "ndcg_before", "ndcg_after", "hr_before", "hr_after"]),
                       n_boot, seed, outcomes)
    exposure = _exposure_moved(shown_df, shop.products)
    clicked = lists.groupby("list_id")["clicked"].sum().sum()
    logged = {"clicks": float(clicked), "clicks_model_before": float(shown_df.loc[shown_df["arm"] == 0, "clicks"].sum()),
              "purchases": float(setup.purchases),
              "purchases_model_before": float(shown_df.loc[shown_df["arm"] == 0, "purchases"].sum())}
    return WhatIfReport(
        change=change.name, ranker=getattr(ranker, "name", type(ranker).__name__),
        period=(str(cut.date()), str(end.date())), sessions=int(lists["session_id"].nunique()),
        lists=int(lists["list_id"].nunique()), lists_changed=int(n_changed), metrics=metrics, logged=logged,
        exposure=exposure, position_bias={s: [round(float(x), 4) for x in v] for s, v in model.examination_.items()},
        per_session=per_session, seconds=time.perf_counter() - t0,
    )


def _metrics(per_session: pd.DataFrame, quality: pd.DataFrame, n_boot: int, seed: int,
             outcomes: Sequence[str] = OUTCOMES) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    deltas = np.column_stack([per_session[f"{m}_after"] - per_session[f"{m}_before"] for m in outcomes])
    counts = rng.multinomial(len(deltas), np.full(len(deltas), 1.0 / len(deltas)), size=n_boot)
    boot = counts @ deltas
    for j, m in enumerate(outcomes):
        if m in ("attention", "focus_attention"):
            continue
        b, a = float(per_session[f"{m}_before"].sum()), float(per_session[f"{m}_after"].sum())
        lo, hi = np.quantile(boot[:, j], [0.025, 0.975])
        rows.append({"metric": m, "before": b, "after": a, "delta": a - b,
                     "delta_pct": (a - b) / b if b else np.nan, "ci_low": float(lo), "ci_high": float(hi)})
    if "focus_attention" in outcomes:  # the focus items' share of position-weighted attention (a ratio)
        total = counts @ per_session["attention_before"].to_numpy()
        moved = boot[:, outcomes.index("focus_attention")]
        whole = float(per_session["attention_before"].sum()) or 1.0
        b, a = (float(per_session[f"focus_attention_{x}"].sum()) / whole for x in ("before", "after"))
        lo, hi = np.quantile(moved / np.maximum(total, 1e-12), [0.025, 0.975])
        rows.append({"metric": "focus_exposure_share", "before": b, "after": a, "delta": a - b,
                     "delta_pct": (a - b) / b if b else np.nan, "ci_low": float(lo), "ci_high": float(hi)})
    if len(quality):
        qcounts = rng.multinomial(len(quality), np.full(len(quality), 1.0 / len(quality)), size=n_boot)
        for m in ("ndcg", "hr"):
            d = (quality[f"{m}_after"] - quality[f"{m}_before"]).to_numpy()
            b, a = float(quality[f"{m}_before"].mean()), float(quality[f"{m}_after"].mean())
            lo, hi = np.quantile(qcounts @ d / len(d), [0.025, 0.975])
            rows.append({"metric": m, "before": b, "after": a, "delta": a - b,
                         "delta_pct": (a - b) / b if b else np.nan, "ci_low": float(lo), "ci_high": float(hi)})
    return pd.DataFrame(rows)


def _exposure_moved(shown: pd.DataFrame, products: pd.DataFrame) -> pd.DataFrame:
    weight = shown["attention"].to_numpy()
    ids = products["item_id"].astype(str)
    out = []
    for level in ("brand", "category"):
        key = pd.Series(products[level].astype("string").fillna("(none)").to_numpy(dtype=object), index=ids.to_numpy())
        frame = pd.DataFrame({"key": shown["item_id"].map(key).to_numpy(), "arm": shown["arm"].to_numpy(), "w": weight})
        share = frame.pivot_table(index="key", columns="arm", values="w", aggfunc="sum", fill_value=0.0)
        share = share / share.sum(axis=0)
        for k, row in share.iterrows():
            out.append({"level": level, "key": str(k), "before_share": float(row.get(0, 0.0)),
                        "after_share": float(row.get(1, 0.0)), "moved": float(row.get(1, 0.0) - row.get(0, 0.0))})
    frame = pd.DataFrame(out, columns=["level", "key", "before_share", "after_share", "moved"])
    return frame.sort_values("moved", key=np.abs, ascending=False, ignore_index=True)
