"""Session-by-session simulation of the demo shop's behaviour log.

A session has an intent (a category from the user's taste and the day's trends, or a
follow-up on something seen before), enters through search, a category page or home
recommendations, sees a ranked list (impressions), clicks with a position bias, views,
carts and buys; a 'goes well with' slot may follow on the product page. Purchases can be
returned days later. The reviews a shopper sees on the product page scale the chance of carting
the item (``ReviewPlan.cart_factor``), and a purchase may bring a review days later. Session
volume follows the weekly rhythm and is steered day by day towards the requested number of events.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from recsys_core.data.schema import EVENT_TYPES, SURFACES
from recsys_core.demo.catalog import N_BRANDS, Catalog
from recsys_core.demo.population import Population
from recsys_core.demo.reviews import ReviewPlan
from recsys_core.demo.scenario import HOUR_WEIGHTS, PROMO_CART_BOOST, Scenario
from recsys_core.demo.surfaces import Shelves, price_ceiling
from recsys_core.demo.vocab import CATEGORIES

LIST_SIZE = 8
EXAMINATION_DECAY = 0.8  # P(a shopper looks at position p) = (1 + p) ** -decay
P_FOLLOW_UP = 0.7  # a session follows up on a recent item of its category, when there is one
P_ANONYMOUS = 0.03
ENTRY_SURFACES = (("search", 0.5), ("category_page", 0.25), ("recommendations", 0.25))
P_PRODUCT_PAGE_SLOT = 0.55
P_CART_WANTED, P_CART_OTHER, P_PURCHASE = 0.4, 0.1, 0.6
PRIOR_EVENTS_PER_SESSION = 8.0  # per drawn session, before trend thinning
HISTORY_LENGTH = 20
DAY = 86400

_TYPE = {name: i for i, name in enumerate(EVENT_TYPES)}
_SURFACE = {name: i for i, name in enumerate(SURFACES)}


def examination(position: np.ndarray | int) -> np.ndarray:
    """Probability that a shopper examines a list position (the injected position bias)."""
    return np.power(1.0 + np.asarray(position, dtype=np.float64), -EXAMINATION_DECAY)


def _masked(values: np.ndarray, keep: np.ndarray, dtype: str) -> pd.Series:
    out = pd.Series(pd.array(values, dtype=dtype))
    out[~keep] = pd.NA
    return out


class Simulator:
    """Runs the sessions and keeps the event log as parallel columns."""

    def __init__(self, rng: np.random.Generator, catalog: Catalog, population: Population,
                 scenario: Scenario, reviews: ReviewPlan):
        self.rng = rng
        self.reviews = reviews
        self.cat = catalog
        self.pop = population
        self.scn = scenario
        self.shelves = Shelves(catalog, rng, LIST_SIZE)
        self.history: list[list[int]] = [[] for _ in range(len(population.user_ids))]
        self.cols: dict[str, list[float | int | str | None]] = {
            k: [] for k in ("t", "session", "user", "item", "type", "query", "surface", "position",
                            "quantity", "unit_price")
        }
        self.n_sessions = 0
        self.n_attempts = 0  # sessions drawn, including those thinned away by trends
        self._max_multiplier = float(scenario.category_multiplier.max())
        self._bulk = np.array([c.bulk_lambda for c in CATEGORIES])
        self._returns = np.array([c.return_rate for c in CATEGORIES])

    # -- logging ---------------------------------------------------------------------------
    def _log(self, t: int, session: int, user: int, item: int, kind: str, *, query: str | None = None,
             surface: str | None = None, position: int = -1, quantity: int = -1,
             unit_price: float = float("nan")) -> None:
        c = self.cols
        c["t"].append(t)
        c["session"].append(session)
        c["user"].append(user)
        c["item"].append(item)
        c["type"].append(_TYPE[kind])
        c["query"].append(query)
        c["surface"].append(_SURFACE[surface] if surface else -1)
        c["position"].append(position)
        c["quantity"].append(quantity)
        c["unit_price"].append(unit_price)

    @property
    def n_events(self) -> int:
        return len(self.cols["t"])

    # -- tastes ----------------------------------------------------------------------------
    def affinity(self, u: int, items: np.ndarray) -> np.ndarray:
        c = self.cat.category[items]
        p = self.pop
        out: np.ndarray = (
            self.cat.popularity[items]
            * p.brand_boost[u, c * N_BRANDS + self.cat.brand[items]]
            * p.tier_fit[u, self.cat.tier[items]]
            * (0.3 + p.category_pref[u, c] * len(CATEGORIES))
        )
        return out

    def _query(self, target: int) -> tuple[str, float | None]:
        cat, r = self.cat, self.rng.random(5)
        parts = [cat.noun_name(target)]
        colour = cat.attributes[target].get("colour")
        if colour and r[0] < 0.3:
            parts.insert(0, str(colour))
        if r[1] < 0.25:
            adjs = cat.adjectives[target]
            parts.insert(0, adjs[int(self.rng.integers(len(adjs)))])
        if r[2] < 0.2:
            parts.insert(0, cat.brand_name(target).lower())
        if r[3] < 0.15:
            bound = price_ceiling(float(cat.price[target]) * float(self.rng.uniform(1.0, 1.4)))
            return " ".join(parts) + f" under ${bound}", float(bound)
        return " ".join(parts), None

    # -- one session -----------------------------------------------------------------------
    def session(self, profile: int, user: int, t: int) -> None:
        """Simulate one session of ``profile``'s taste, logged as ``user`` (-1 = anonymous)."""
        rng, cat, day = self.rng, self.cat, t // DAY
        self.n_attempts += 1
        hist = self.history[profile] if user >= 0 else []
        # the category follows taste alone, so the category mix stays stationary apart from
        # the injected trends (history only steers which items within it are wanted)
        p = self.pop.category_pref[profile]
        category = int(rng.choice(len(CATEGORIES), p=p / p.sum()))
        # trends and the promotion scale each category's absolute demand: thin sessions by it
        if rng.random() * self._max_multiplier >= self.scn.category_multiplier[day, category]:
            return
        sid = self.n_sessions
        self.n_sessions += 1
        wanted: np.ndarray | None = None
        seen_here = [i for i in hist if cat.category[i] == category]
        if seen_here and rng.random() < P_FOLLOW_UP:
            anchor = seen_here[-1 - int(rng.integers(min(2, len(seen_here))))]
            comps = self.shelves.available(cat.complements[anchor], day)
            wanted = comps if len(comps) else None
        items = self.shelves.available(cat.by_category[category], day)
        if len(items) == 0:
            return
        w = self.affinity(profile, items)
        if wanted is not None:
            w = np.where(np.isin(items, wanted), w * 30.0, w)
        target = int(rng.choice(items, p=w / w.sum()))
        ref = float(w.mean())
        names = [s for s, _ in ENTRY_SURFACES]
        surface = names[int(rng.choice(len(names), p=[p for _, p in ENTRY_SURFACES]))]
        query: str | None = None
        if surface == "search":
            query, max_price = self._query(target)
            self._log(t, sid, user, -1, "search", query=query, surface="search")
            shown = self.shelves.search(query, int(cat.noun[target]), category, day, max_price)
        elif surface == "category_page":
            shown = self.shelves.category_page(category, day)
        else:
            shown = self.shelves.home(hist, day)
        t, viewed = self._browse(profile, user, sid, t + 1, shown, surface, query, target, wanted, ref)
        if viewed and rng.random() < P_PRODUCT_PAGE_SLOT:
            last = viewed[-1]
            shown = self.shelves.product_page(last, t // DAY)
            self._browse(profile, user, sid, t + 1, shown, "recommendations", None, target,
                         cat.complements[last], ref)

    def _browse(self, profile: int, user: int, sid: int, t: int, shown: np.ndarray, surface: str,
                query: str | None, target: int, wanted: np.ndarray | None,
                ref: float) -> tuple[int, list[int]]:
        rng = self.rng
        for pos, item in enumerate(shown):
            self._log(t, sid, user, int(item), "impression", query=query, surface=surface, position=pos)
        if len(shown) == 0:
            return t, []
        attract = np.clip(0.12 * self.affinity(profile, shown) / ref, 0.02, 0.5)
        if wanted is not None:
            attract = np.where(np.isin(shown, wanted), np.maximum(attract, 0.45), attract)
        attract = np.where(shown == target, 0.75, attract)
        clicks = rng.random(len(shown)) < examination(np.arange(len(shown))) * attract
        viewed: list[int] = []
        for rank in np.flatnonzero(clicks):
            item = int(shown[rank])
            t += int(rng.integers(3, 40))
            self._log(t, sid, user, item, "click", query=query, surface=surface, position=int(rank))
            t += 1
            self._log(t, sid, user, item, "view", surface=surface)
            viewed.append(item)
            if user >= 0:
                h = self.history[profile]
                h.append(item)
                del h[:-HISTORY_LENGTH]
            t += int(rng.integers(10, 120))
            self._maybe_buy(profile, user, sid, t, item, surface,
                            item == target or (wanted is not None and bool(np.isin(item, wanted))))
            t += 2
        return t, viewed

    def _maybe_buy(self, profile: int, user: int, sid: int, t: int, item: int, surface: str,
                   is_wanted: bool) -> None:
        rng, cat, day = self.rng, self.cat, t // DAY
        if day >= self.scn.stockout_day[item]:
            return  # shown as "out of stock": cannot be carted
        c = int(cat.category[item])
        p_cart = (P_CART_WANTED if is_wanted else P_CART_OTHER) * self.pop.tier_fit[profile, cat.tier[item]]
        p_cart *= self.reviews.cart_factor(item, t / DAY)
        promo = self.scn.promo_active(day, c)
        if promo:
            p_cart *= PROMO_CART_BOOST
        if rng.random() >= p_cart:
            return
        quantity = 1 + int(rng.poisson(self._bulk[c]))
        price = float(cat.price[item])
        unit_price = round(price * (1.0 - self.scn.promotion.discount), 2) if promo else price
        self._log(t, sid, user, item, "add_to_cart", surface=surface, quantity=quantity,
                  unit_price=unit_price)
        if rng.random() >= P_PURCHASE:
            return
        t += int(rng.integers(30, 300))
        self._log(t, sid, user, item, "purchase", surface=surface, quantity=quantity,
                  unit_price=unit_price)
        self.reviews.on_purchase(user, item, t / DAY)
        if rng.random() < self._returns[c]:
            back = t + int(rng.integers(2, 21)) * DAY + int(rng.integers(0, DAY))
            if back < self.scn.n_days * DAY:
                self._log(back, sid, user, item, "return", quantity=quantity, unit_price=unit_price)

    # -- the whole window ------------------------------------------------------------------
    def warm_start(self) -> None:
        """Give customers who signed up before the window a short browsing history.

        Without it, home recommendations and follow-ups would drift from 'global best sellers'
        to 'personal' during the first weeks and fake category trends.
        """
        rng, cat, pop = self.rng, self.cat, self.pop
        for u in np.flatnonzero(pop.signup_day < 0):
            p = pop.category_pref[u]
            for c in rng.choice(len(CATEGORIES), size=2 + int(rng.poisson(1.0)), p=p / p.sum()):
                items = self.shelves.available(cat.by_category[int(c)], 0)
                if len(items):
                    w = self.affinity(int(u), items)
                    self.history[int(u)].append(int(rng.choice(items, p=w / w.sum())))

    def run(self, target_events: int, progress: bool = False) -> None:
        rng, scn, pop = self.rng, self.scn, self.pop
        n_days = scn.n_days
        self.warm_start()
        hour_p = HOUR_WEIGHTS / HOUR_WEIGHTS.sum()
        for day in tqdm(range(n_days), desc="demo shop: simulating days", unit="day",
                        disable=not progress):
            per_session = (self.n_events / self.n_attempts if self.n_attempts >= 50
                           else PRIOR_EVENTS_PER_SESSION)
            left = max(0, target_events - self.n_events)
            rate = left / per_session * scn.day_weight[day] / scn.day_weight[day:].sum()
            n_sessions = int(rng.poisson(rate))
            active = pop.activity * (pop.signup_day <= day)
            if n_sessions == 0 or active.sum() == 0:
                continue
            profiles = rng.choice(len(active), size=n_sessions, p=active / active.sum())
            anonymous = rng.random(n_sessions) < P_ANONYMOUS
            starts = (day * DAY + rng.choice(24, size=n_sessions, p=hour_p) * 3600
                      + rng.integers(0, 3600, size=n_sessions))
            for k in np.argsort(starts, kind="stable"):
                u = int(profiles[k])
                self.session(u, -1 if anonymous[k] else u, int(starts[k]))

    def events(self, catalog_ids: list[str], user_ids: list[str]) -> pd.DataFrame:
        """The log as a frame in schema columns, sorted by time, ids ``E0000001``..."""
        c = self.cols
        t = np.asarray(c["t"], dtype=np.int64)
        order = np.argsort(t, kind="stable")
        t = t[order]

        def pick(name: str) -> np.ndarray:
            return np.asarray(c[name], dtype=object if name == "query" else None)[order]

        items, users = pick("item"), pick("user")
        surface, position = pick("surface"), pick("position")
        quantity, unit_price = pick("quantity"), pick("unit_price")
        ids_item = np.array([None, *catalog_ids], dtype=object)
        ids_user = np.array([None, *user_ids], dtype=object)
        surfaces = np.array([None, *SURFACES], dtype=object)
        return pd.DataFrame({
            "event_id": [f"E{i + 1:07d}" for i in range(len(t))],
            "session_id": [f"S{s + 1:06d}" for s in pick("session")],
            "user_id": ids_user[users + 1],
            "item_id": ids_item[items + 1],
            "type": np.array(EVENT_TYPES, dtype=object)[pick("type")],
            "query": pick("query"),
            "surface": surfaces[surface + 1],
            "position": _masked(position.astype(np.int64), position >= 0, "Int64"),
            "timestamp": self.scn.start + pd.to_timedelta(t, unit="s"),
            "quantity": _masked(quantity.astype(np.int64), quantity >= 0, "Int64"),
            "unit_price": _masked(unit_price.astype(np.float64), ~np.isnan(unit_price), "Float64"),
        })
