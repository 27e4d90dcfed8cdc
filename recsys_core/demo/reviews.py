"""The demo shop's customer reviews: text that follows each product's attributes and hidden quality.

About 15% of the items carry a planted problem that fits their type (shoes and clothes run
small, tents and rain jackets leak, earbuds' batteries die, coffee tastes stale, anything may
break early); most of their reviews say so, in varied words, with low ratings. A further 3% get
the problem only from a day inside the window (a bad batch), so complaints about them rise.
Everything else gets ordinary reviews: mostly praise, some neutral, a little noise (a complaint
about an aspect the item has no real problem with). The truth goes to ``ground_truth.json``
under ``"reviews"``.

Reviews come from two sources: the shop's longer history (the item's life up to a year before
the window, and through it; reviewers drawn from the customers signed up by then, some
anonymous) and the window's own purchases (a share of purchasers review a few days later,
verified). A few reviews carry an e-mail address or phone number, as real ones do; ingest
redacts them.

Ratings drive purchases: a shopper on a product page sees the average rating of the reviews
written before that moment, and the chance of carting the item is scaled by
``exp(RATING_SENSITIVITY * (shrunk average - PRIOR_RATING))`` (the average shrunk towards
PRIOR_RATING by PRIOR_WEIGHT pseudo-reviews, the factor clipped to FACTOR_CLIP), so items with a
problem sell less once their reviews say so, and a bad batch's chance of being carted falls as its complaints
arrive. ``ReviewPlan`` therefore runs alongside the simulation: the shop's history and a bad
batch's wave of reviews (with their ratings) are drawn before it, each purchase may add a review a
few days later while it runs, and the texts are written after it. Reviews use their own random
stream (``[seed, REVIEW_STREAM]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from recsys_core.demo.catalog import Catalog
from recsys_core.demo.population import Population
from recsys_core.demo.vocab import CATEGORIES, TIERS

REVIEW_STREAM = 1801
ASPECTS: tuple[str, ...] = (
    "sizing", "durability", "waterproofing", "battery", "taste", "comfort", "noise", "smell",
)
PROBLEM_SHARE = 0.15  # items with a problem all along
EMERGING_SHARE = 0.03  # items whose problem starts inside the window
MENTION_RATE = 0.7  # share of a problem item's reviews that complain about the problem
REVIEWS_PER_ITEM_YEAR = 6.0  # history: reviews per item-year at average popularity
HISTORY_DAYS = 365
PURCHASE_REVIEW_RATE = 0.35
PII_SHARE = 0.01
EMERGING_WAVE = 12.0  # extra reviews a bad batch draws from unhappy buyers after it starts (Poisson mean)
PRIOR_RATING = 4.0  # what a shopper assumes of an item with no reviews (about the shop's average)
PRIOR_WEIGHT = 3.0  # pseudo-reviews at PRIOR_RATING that the visible average is shrunk with
RATING_SENSITIVITY = 0.6  # carting chance x exp(0.6 * (shrunk average - 4)): 3.0 stars ~ x0.55
FACTOR_CLIP = (0.35, 1.25)

SPECIFIC: dict[str, tuple[str, ...]] = {
    "sizing": ("t-shirt", "jeans", "hoodie", "rain jacket", "sneakers", "chinos", "running shoes",
               "garden gloves", "belt"),
    "waterproofing": ("tent", "rain jacket", "sleeping bag", "hiking backpack"),
    "battery": ("wireless earbuds", "bluetooth speaker", "power bank", "smartwatch",
                "noise-cancelling headphones", "headlamp"),
    "taste": ("coffee beans", "green tea", "olive oil", "pasta", "granola", "dark chocolate",
              "honey", "mixed nuts", "dog food"),
    "comfort": ("sleeping bag", "sleeping pad", "sneakers", "running shoes", "wireless earbuds",
                "noise-cancelling headphones", "office chair cushion", "dog bed", "hiking backpack",
                "yoga mat"),
    "noise": ("coffee grinder", "bluetooth speaker", "camping stove", "desk lamp", "ergonomic mouse",
              "noise-cancelling headphones"),
    "smell": ("facial cleanser", "toner", "vitamin c serum", "moisturiser", "sunscreen spf 50",
              "night cream", "lip balm", "eye cream", "pet shampoo", "cat litter", "yoga mat",
              "potting soil", "dog bed"),
}
NEGATIVE: dict[str, tuple[str, ...]] = {
    "sizing": (
        "The {noun} runs small, order a size up.",
        "Runs about a size small; I had to exchange it for the next size.",
        "Way too tight for the labelled size.",
        "Sizing is off: it came up much smaller than the chart says.",
        "Too small even though I ordered my usual size.",
        "The {brand} {noun} runs small, so size up.",
    ),
    "durability": (
        "It broke after two weeks of normal use.",
        "The stitching fell apart within a month.",
        "Cheaply made: a part snapped the first time I used it.",
        "Stopped working after a few uses.",
        "The finish started peeling and it cracked soon after.",
        "Mine wore through in no time; it did not last.",
    ),
    "waterproofing": (
        "The seams leaked in the first storm.",
        "Not waterproof at all: everything inside got soaked.",
        "Water seeped in after an hour of light rain.",
        "It leaks at the zip and we woke up wet.",
        "Claims to be waterproof but let the rain straight through.",
    ),
    "battery": (
        "The battery dies after barely two hours.",
        "Battery life is terrible; it drains overnight even when switched off.",
        "It will not hold a charge for more than a morning.",
        "The battery died completely within a month.",
        "Needs charging constantly, the battery only lasts half a day.",
    ),
    "taste": (
        "Tasted stale, as if it had been sitting on a shelf for months.",
        "Bitter and flat, nothing like the description.",
        "It has an odd rancid aftertaste.",
        "Bland and stale; we threw most of it away.",
        "The flavour is off, it tastes old.",
    ),
    "comfort": (
        "Uncomfortable after twenty minutes.",
        "It digs in and leaves me sore.",
        "The padding is stiff and it hurts to use for long.",
        "Really uncomfortable, it pinches no matter how I adjust it.",
        "My back was sore after one night on it.",
    ),
    "noise": (
        "It is far too loud.",
        "Makes a rattling noise that drives me mad.",
        "There is a constant high-pitched whine.",
        "Noisy enough to wake the whole house.",
        "An annoying buzz that never goes away.",
    ),
    "smell": (
        "It has a strong chemical smell.",
        "The smell is awful and it lingers for days.",
        "It reeks of plastic out of the box.",
        "Stinks, I could not get rid of the odour.",
        "A harsh perfume smell that gave me a headache.",
    ),
}
POSITIVE: dict[str, tuple[str, ...]] = {
    "sizing": ("Fits true to size.", "The sizing chart was spot on.", "Perfect fit in my usual size."),
    "durability": ("Solidly built, it has survived daily use for months.", "Feels sturdy and well made.",
                   "Still going strong after heavy use."),
    "waterproofing": ("Stayed bone dry through a night of heavy rain.", "Kept everything dry in a downpour.",
                      "Properly weatherproof, rain just beads off."),
    "battery": ("The battery easily lasts a full day.", "Charges quickly and runs for ages.",
                "Battery life is excellent."),
    "taste": ("Tastes fresh and rich.", "Lovely flavour, we finished it in a week.",
              "Delicious, exactly as described."),
    "comfort": ("Very comfortable, even for hours.", "Comfortable from the first day.",
                "Soft and supportive, really comfy."),
    "noise": ("Pleasantly quiet.", "Runs almost silently.", "Quiet enough to use at night."),
    "smell": ("A light, pleasant scent.", "No scent to speak of, which I like.",
              "Smells fresh and clean."),
}
OPENERS = {
    "good": ("Really happy with this {noun}.", "Bought this {noun} for {use} and love it.",
             "Great {noun} from {brand}.", "Exactly what I needed.", "Would buy this {noun} again."),
    "middling": ("It is an okay {noun}.", "Decent {noun} for the price.", "Mixed feelings about this one.",
                 "Does the job, nothing special."),
    "bad": ("Disappointed with this {noun}.", "Not what I hoped for from {brand}.",
            "I would not buy this {noun} again.", "Sent it back.", "Not worth the money."),
}
CLOSERS = {
    "good": ("Recommended.", "Great value.", "Five stars from me.", "", ""),
    "middling": ("It is fine for {use}.", "Might look elsewhere next time.", "", ""),
    "bad": ("Avoid.", "Very disappointing.", "Save your money.", ""),
}
DETAILS = ("The {colour} colour looks just like the photos.", "Nice {material}.",
           "Arrived quickly and well packed.", "Took it along for {use}.")
TITLES = {
    "good": ("Love it", "Great value", "Exactly as described", "Does the job", "Very happy"),
    "middling": ("It's okay", "Decent", "Average", "Fine for the price"),
    "bad": ("Disappointed", "Not great", "Would not recommend", "Poor"),
}
PROBLEM_TITLES = {
    "sizing": ("Runs small", "Size up!", "Too tight"),
    "durability": ("Broke quickly", "Fell apart", "Did not last"),
    "waterproofing": ("Leaks", "Not waterproof", "Got soaked"),
    "battery": ("Battery dies fast", "Poor battery", "Will not hold a charge"),
    "taste": ("Tastes stale", "Bitter", "Off flavour"),
    "comfort": ("Uncomfortable", "Hurts after a while", "Stiff"),
    "noise": ("Too loud", "Rattles", "Noisy"),
    "smell": ("Strong smell", "Stinks", "Chemical odour"),
}
PII_LINES = ("Happy to answer questions: {name}{k}@example.com", "Call me on 555-{a}-{b} if you want to know more.",
             "Questions? Text me at +44 7700 9{a}{k}.")
BASE_RATINGS = {  # 1..5 stars by price tier
    "budget": (0.05, 0.07, 0.15, 0.35, 0.38),
    "mid": (0.03, 0.05, 0.12, 0.35, 0.45),
    "premium": (0.02, 0.04, 0.10, 0.32, 0.52),
}
COMPLAINT_RATINGS = (0.30, 0.35, 0.25, 0.08, 0.02)


@dataclass(frozen=True)
class _Draft:
    item: int
    day: float  # days from the window start
    user: str | None
    verified: int
    complaint: str | None  # the aspect the review complains about, if any
    noise: bool  # a complaint about an aspect the item has no real problem with
    rating: int


def fitting_aspects(noun: str, attributes: dict[str, object]) -> list[str]:
    """The aspects a product of this type can plausibly fail on (durability last, for all but
    food)."""
    fits = [a for a, nouns in SPECIFIC.items() if noun in nouns]
    if attributes.get("waterproof") and "waterproofing" not in fits:
        fits.append("waterproofing")
    return fits if "taste" in fits else [*fits, "durability"]


def _problems(rng: np.random.Generator, catalog: Catalog, n_days: int
              ) -> tuple[dict[int, str], dict[int, tuple[str, int]]]:
    n = len(catalog)
    order = rng.permutation(n)
    n_problem, n_emerging = round(PROBLEM_SHARE * n), round(EMERGING_SHARE * n)

    def aspect_of(i: int) -> str:
        fits = fitting_aspects(catalog.noun_name(i), catalog.attributes[i])
        specific = [a for a in fits if a != "durability"]
        if specific and (rng.random() < 0.75 or "durability" not in fits):
            return str(specific[int(rng.integers(len(specific)))])
        return "durability"

    persistent = {int(i): aspect_of(int(i)) for i in sorted(order[:n_problem])}
    # a bad batch starts 10 to 26 days before the log ends: inside the last four weeks
    lo = max(n_days - 26, 1)
    hi = max(n_days - 10, lo + 1)
    emerging = {int(i): (aspect_of(int(i)), int(rng.integers(lo, hi)))
                for i in sorted(order[n_problem:n_problem + n_emerging])}
    return persistent, emerging


def _fill(template: str, slots: dict[str, str]) -> str:
    text = template.format(**slots)
    return text[:1].upper() + text[1:]


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def _judge(rng: np.random.Generator, catalog: Catalog, item: int, aspect: str | None
           ) -> tuple[str | None, bool, int]:
    """(complaint, noise, rating) of one review of ``item`` whose real problem is ``aspect``."""
    complaint = aspect if aspect is not None and rng.random() < MENTION_RATE else None
    noise = complaint is None and rng.random() < 0.06
    if noise:
        complaint = _pick(rng, tuple(fitting_aspects(catalog.noun_name(item), catalog.attributes[item])))
    if complaint is not None:
        rating = int(rng.choice(5, p=COMPLAINT_RATINGS if not noise else (0.1, 0.3, 0.4, 0.15, 0.05))) + 1
    else:
        rating = int(rng.choice(5, p=BASE_RATINGS[TIERS[int(catalog.tier[item])]])) + 1
    return complaint, noise, rating


def _write(rng: np.random.Generator, catalog: Catalog, draft: _Draft) -> tuple[str, str]:
    """(title, text) for one review, following its complaint and rating."""
    i, complaint, rating = draft.item, draft.complaint, draft.rating
    spec = CATEGORIES[int(catalog.category[i])]
    attrs = catalog.attributes[i]
    slots = {"noun": catalog.noun_name(i), "brand": catalog.brand_name(i),
             "use": _pick(rng, spec.uses), "colour": str(attrs.get("colour", "")),
             "material": str(attrs["material"])}
    fits = fitting_aspects(slots["noun"], attrs)
    mood = "good" if rating >= 4 else "middling" if rating == 3 else "bad"
    sentences = [_fill(_pick(rng, OPENERS[mood]), slots)]
    details = [d for d in DETAILS if "{colour}" not in d or slots["colour"]]
    if rng.random() < 0.35:
        sentences.append(_fill(_pick(rng, tuple(details)), slots))
    if complaint is not None:
        sentences.append(_fill(_pick(rng, NEGATIVE[complaint]), slots))
        title = _pick(rng, PROBLEM_TITLES[complaint]) if rng.random() < 0.6 else _pick(rng, TITLES[mood])
    else:
        if rating >= 4 and rng.random() < 0.45:
            sentences.append(_fill(_pick(rng, POSITIVE[_pick(rng, tuple(fits))]), slots))
        title = _pick(rng, TITLES[mood])
    closer = _pick(rng, CLOSERS[mood])
    if closer:
        sentences.append(_fill(closer, slots))
    return title, " ".join(sentences)


class ReviewPlan:
    """The demo's reviews, drawn alongside the simulation so that ratings can steer purchases.

    Built before the simulation: the planted problems, the shop's history of reviews and each bad
    batch's wave (each with its rating). While it runs, the simulator asks ``cart_factor`` how
    the reviews visible at that moment change the chance of carting an item, and reports each
    purchase to ``on_purchase`` (a share of purchasers review it a few days later). ``table``
    writes the texts afterwards.
    """

    def __init__(self, seed: int, catalog: Catalog, population: Population, n_days: int):
        self.rng = np.random.default_rng([int(seed), REVIEW_STREAM])
        self.catalog, self.population, self.n_days = catalog, population, n_days
        self.persistent, self.emerging = _problems(self.rng, catalog, n_days)
        self.drafts: list[_Draft] = []
        self._stars: list[list[tuple[float, int]]] = [[] for _ in range(len(catalog))]
        self._reviewed: set[tuple[int, int]] = set()
        self._history()
        self._wave()

    # -- drafting ----------------------------------------------------------------------------
    def _aspect(self, item: int, day: float) -> str | None:
        aspect = self.persistent.get(item)
        if aspect is None and item in self.emerging and day >= self.emerging[item][1]:
            aspect = self.emerging[item][0]
        return aspect

    def _add(self, item: int, day: float, user: str | None, verified: int) -> None:
        complaint, noise, rating = _judge(self.rng, self.catalog, item, self._aspect(item, day))
        self.drafts.append(_Draft(item, day, user, verified, complaint, noise, rating))
        self._stars[item].append((day, rating))

    def _history(self) -> None:
        """Reviews across each item's life (up to a year before the window), at a rate that follows
        its appeal."""
        rng, catalog, population = self.rng, self.catalog, self.population
        appeal = catalog.popularity / catalog.popularity.mean()
        first = np.maximum(catalog.created_day, -HISTORY_DAYS).astype(np.float64)
        span = self.n_days - first
        counts = rng.poisson(REVIEWS_PER_ITEM_YEAR * appeal * span / 365.0)
        for i in np.flatnonzero(counts):
            days = first[i] + rng.random(int(counts[i])) * span[i]
            users = rng.integers(len(population.user_ids), size=len(days))
            anonymous = rng.random(len(days)) < 0.15
            verified = (rng.random(len(days)) < 0.75).astype(int)
            for day, u, anon, ver in zip(days, users, anonymous, verified, strict=True):
                known = not anon and population.signup_day[u] <= day
                self._add(int(i), float(day), population.user_ids[u] if known else None, int(ver))

    def _wave(self) -> None:
        """A bad batch draws a wave of reviews: unhappy buyers write more often, from its start day
        on (so its complaints visibly rise, as a real one's would)."""
        rng, population, n_days = self.rng, self.population, self.n_days
        for i, (_, since) in self.emerging.items():
            days = since + rng.random(int(rng.poisson(EMERGING_WAVE))) * max(n_days - since, 1)
            for day in days:
                u = int(rng.integers(len(population.user_ids)))
                known = population.signup_day[u] <= day
                self._add(int(i), float(day), population.user_ids[u] if known else None, 1)

    # -- during the simulation ---------------------------------------------------------------
    def visible_rating(self, item: int, day: float) -> tuple[int, float]:
        """(number of reviews, average rating) of ``item`` written before ``day``."""
        stars = [r for d, r in self._stars[item] if d < day]
        return len(stars), (sum(stars) / len(stars) if stars else float("nan"))

    def cart_factor(self, item: int, day: float) -> float:
        """How the reviews a shopper sees at ``day`` scale the chance of carting ``item``."""
        n, mean = self.visible_rating(item, day)
        total = mean * n if n else 0.0
        shrunk = (total + PRIOR_WEIGHT * PRIOR_RATING) / (n + PRIOR_WEIGHT)
        return float(np.clip(np.exp(RATING_SENSITIVITY * (shrunk - PRIOR_RATING)), *FACTOR_CLIP))

    def on_purchase(self, user: int, item: int, day: float) -> None:
        """A known customer bought ``item`` at ``day``: the first time, they may review it later."""
        if user < 0 or (user, item) in self._reviewed:
            return
        self._reviewed.add((user, item))
        writes = self.rng.random() < PURCHASE_REVIEW_RATE
        delay = 1.0 + float(self.rng.exponential(6.0))
        if writes and day + delay < self.n_days:
            self._add(item, day + delay, self.population.user_ids[user], 1)

    # -- afterwards --------------------------------------------------------------------------
    def table(self, start: pd.Timestamp) -> tuple[pd.DataFrame, dict[str, Any]]:
        """The reviews table (schema columns, ids ``R000001``... in date order) and the
        ground-truth section ``{"item_problems", "aspects", "emerging_problems", ...}``."""
        rng, catalog = self.rng, self.catalog
        drafts = sorted(self.drafts, key=lambda d: (d.day, d.item, d.user or ""))
        rows = []
        for draft in drafts:
            title, text = _write(rng, catalog, draft)
            complains = draft.complaint is not None
            rows.append({
                "item_id": catalog.item_ids[draft.item],
                "user_id": draft.user,
                "rating": draft.rating,
                "title": title,
                "text": text,
                "created_at": start + pd.Timedelta(seconds=round(draft.day * 86400)),
                "verified": draft.verified,
                "helpful_votes": int(rng.poisson(1.8 if complains else 0.6)),
            })
        frame = pd.DataFrame(rows, columns=["item_id", "user_id", "rating", "title", "text", "created_at",
                                            "verified", "helpful_votes"])
        frame.insert(0, "review_id", [f"R{k + 1:06d}" for k in range(len(frame))])
        with_pii: list[str] = []
        if len(frame):
            chosen = np.sort(rng.choice(len(frame), size=min(len(frame), max(3, round(PII_SHARE * len(frame)))),
                                        replace=False))
            for k, row in enumerate(chosen):
                line = PII_LINES[k % len(PII_LINES)].format(
                    name="shopper", k=k, a=int(rng.integers(100, 1000)), b=int(rng.integers(1000, 10000)))
                frame.loc[row, "text"] = f"{frame.loc[row, 'text']} {line}"
                with_pii.append(str(frame.loc[row, "review_id"]))
        day = lambda d: (start + pd.Timedelta(days=d)).date().isoformat()  # noqa: E731
        truth = {
            "aspects": list(ASPECTS),
            "item_problems": {catalog.item_ids[i]: [a] for i, a in self.persistent.items()},
            "emerging_problems": {catalog.item_ids[i]: {"aspect": a, "since": day(d)}
                                  for i, (a, d) in self.emerging.items()},
            "mention_rate": MENTION_RATE,
            "with_personal_data": with_pii,
            "purchase_feedback": {
                "applies_to": "the chance of adding an item to the cart from a product page",
                "factor": f"exp({RATING_SENSITIVITY} * (shrunk average rating - {PRIOR_RATING})), "
                          f"clipped to [{FACTOR_CLIP[0]}, {FACTOR_CLIP[1]}]",
                "shrunk_average": f"(sum of ratings written before that moment + {PRIOR_WEIGHT} x "
                                  f"{PRIOR_RATING}) / (number of them + {PRIOR_WEIGHT})",
                "sensitivity": RATING_SENSITIVITY, "prior_rating": PRIOR_RATING,
                "prior_weight": PRIOR_WEIGHT, "clip": list(FACTOR_CLIP),
            },
            "note": "item_problems: most reviews of these items complain about the aspect (low ratings); "
                    "emerging_problems: the same from 'since' on; ratings seen before a visit scale the "
                    "chance of buying (purchase_feedback), so problem items sell less once reviewed",
        }
        return frame, truth
