"""``generate_library``: the lab's scenarios for one shop, deterministic for a seed, and the
file that keeps them (``W/lab/scenarios.json``)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from recsys_core.data.shop import ShopData
from recsys_core.strategy.errors import InsufficientDataError
from recsys_core.strategy.lab.briefs import BUILDERS, TRAP_LURE_RULE, DecisionPoint
from recsys_core.strategy.lab.briefs import promotion as promotion_scenario
from recsys_core.strategy.lab.key import answer_key, mark_traps
from recsys_core.strategy.lab.model import KINDS, LabError, LabNotFoundError, Scenario

HORIZON_DAYS = 14  # days replayed after each decision date
MIN_HISTORY_DAYS = 42  # log needed before the first decision date
DECISION_POINTS = 6  # decision dates, evenly spaced over the log
TRAP_TRIES = 3  # trap candidates replayed per decision date before giving up
LIBRARY_VERSION = 1


@dataclass
class Library:
    """A generated scenario library and how it was made."""

    scenarios: list[Scenario]
    seed: int
    generated_at: str
    seconds: float
    events: int
    notes: list[str] = field(default_factory=list)

    def get(self, scenario_id: str) -> Scenario:
        wanted = normalise_id(scenario_id)
        for s in self.scenarios:
            if s.id == wanted:
                return s
        known = ", ".join(s.id for s in self.scenarios[:5]) + (" ..." if len(self.scenarios) > 5 else "")
        raise LabNotFoundError("scenario", scenario_id, f"unknown scenario {scenario_id!r}; the library has {len(self.scenarios)} ({known}); "
                       "`shelfwise lab list` shows them")

    def counts(self) -> dict[str, int]:
        return {k: sum(s.kind == k for s in self.scenarios) for k in KINDS}

    def to_dict(self) -> dict[str, Any]:
        return {"version": LIBRARY_VERSION, "seed": self.seed, "generated_at": self.generated_at,
                "seconds": round(self.seconds, 2), "events": self.events, "notes": self.notes,
                "counts": self.counts(), "scenarios": [s.to_dict() for s in self.scenarios]}

    def save(self, path: str | Path) -> Path:
        from recsys_core.workspace import atomic_write_json

        return atomic_write_json(Path(path), self.to_dict(), indent=1)

    @classmethod
    def load(cls, path: str | Path) -> Library:
        path = Path(path)
        if not path.is_file():
            raise LabError(f"no scenario library at {path}; run `shelfwise lab generate` first")
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
            return cls(scenarios=[Scenario.from_dict(s) for s in d["scenarios"]], seed=int(d["seed"]),
                       generated_at=d["generated_at"], seconds=float(d["seconds"]), events=int(d["events"]),
                       notes=list(d.get("notes", [])))
        except (ValueError, KeyError, TypeError) as exc:
            raise LabError(f"{path} is not a readable scenario library ({exc}); run `shelfwise lab generate` again") from exc


def normalise_id(text: str) -> str:
    """"s07", "S7", "7", " s07 " -> "s07"."""
    t = str(text).strip().lower()
    digits = t[1:] if t.startswith("s") else t
    return f"s{int(digits):02d}" if digits.isascii() and digits.isdecimal() else t


def decision_dates(shop: ShopData, *, horizon: int = HORIZON_DAYS, points: int = DECISION_POINTS) -> tuple[list[pd.Timestamp], int]:
    """``points`` midnights spread from ``MIN_HISTORY_DAYS`` after the first event to ``horizon``
    days before the last, and the horizon; a short log (under 10 weeks) gets half of it as
    history and a quarter as the horizon."""
    ts = shop.events["timestamp"]
    first, last = ts.min().floor("D"), ts.max().floor("D")
    span = (last - first).days + 1
    history = MIN_HISTORY_DAYS
    if span < 10 * 7:
        history, horizon = span // 2, min(horizon, span // 4)
    if horizon < 5 or history < 14:
        raise InsufficientDataError(f"the log spans {span} days; the lab needs at least 28 (two weeks of history "
                                    "before each decision and a week to replay after it)")
    lo, hi = first + pd.Timedelta(days=history), last + pd.Timedelta(days=1) - pd.Timedelta(days=horizon)
    width = max((hi - lo).days, 0)
    dates = sorted({lo + pd.Timedelta(days=int(round(width * i / max(points - 1, 1)))) for i in range(points)})
    return dates, horizon


def _setup(shop: ShopData, date: pd.Timestamp, horizon: int) -> tuple[ShopData, Any]:
    from recsys_core.strategy.rankers import LoggedRanker
    from recsys_core.strategy.whatif import prepare_replay

    end = date + pd.Timedelta(days=horizon)
    through = ShopData(products=shop.products, events=shop.events[shop.events["timestamp"] < end], users=shop.users)
    return through, prepare_replay(through, days=horizon, hindsight=True, end=end, ranker=LoggedRanker(through))


def _lure_confirmed(s: Scenario) -> bool:
    """The key found the trap's tempting action (boost the most-clicked) raising clicks and losing the goal."""
    return any(a.trap and any(r.id == TRAP_LURE_RULE for r in a.rules.rules) for a in s.actions)


def generate_library(shop: ShopData, *, seed: int = 0, horizon: int = HORIZON_DAYS, points: int = DECISION_POINTS,
                     progress: bool = False) -> Library:
    """Scenarios of every kind the data supports at each decision date, each with its key."""
    t0 = time.perf_counter()
    if shop.events.empty:
        raise InsufficientDataError("the shop has no events; the lab builds scenarios from the behaviour log")
    if not ((shop.events["type"] == "impression") & shop.events["position"].notna()).any():
        raise InsufficientDataError("the log has no impressions with positions; the lab replays the lists shoppers "
                                    "were shown (a purchase-only log such as Online Retail cannot be replayed)")
    rng = np.random.default_rng(seed)
    dates, horizon = decision_dates(shop, horizon=horizon, points=points)
    scenarios: list[Scenario] = []
    notes: list[str] = []
    jobs: list[tuple[pd.Timestamp, int, Any]] = [(d, horizon, None) for d in dates]
    from recsys_core.strategy.anomalies import discount_windows

    for w in discount_windows(shop).itertuples():
        start = pd.Timestamp(w.start)
        start = start.tz_localize("UTC") if start.tzinfo is None else start
        if start >= dates[0] and int(w.days) >= 3:
            jobs.append((start, int(w.days), w))
        else:
            notes.append(f"sale on '{w.key}' from {start.date()} skipped: too little history before it, or under 3 days long")
    for n, (date, h, window) in enumerate(tqdm(jobs, desc="lab scenarios", disable=not progress)):
        try:
            through, setup = _setup(shop, date, h)
        except InsufficientDataError as exc:  # too few lists around this date to replay: skip it
            notes.append(f"{date.date()}: no scenarios ({exc})")
            continue
        dp = DecisionPoint(shop=shop, date=date, horizon=h, index=n)

        def keyed(s: Scenario) -> Scenario:
            answer_key(s, through, setup, seed=seed)  # noqa: B023 (called within this iteration)
            mark_traps(s)
            return s

        if window is not None:
            scenarios += [keyed(s) for s in promotion_scenario(dp, rng, window)]
            continue
        for kind, build in BUILDERS.items():
            candidates = build(dp, rng)
            if not candidates:
                notes.append(f"{dp.day}: no '{kind}' scenario (the data before this date has none)")
            elif kind != "trap":
                scenarios.append(keyed(candidates[0]))
            else:  # kept only when the replay confirms the lure: more clicks, less of the goal
                tried = candidates[:TRAP_TRIES]
                kept = next((s for s in map(keyed, tried) if _lure_confirmed(s)), None)  # replayed one by one
                if kept is None:
                    notes.append(f"{dp.day}: no 'trap' scenario (the most-clicked items' boost did not lose "
                                 f"{candidates[0].goal} in the replay of {len(tried)} candidate(s))")
                else:
                    scenarios.append(kept)
    order = list(KINDS)
    scenarios.sort(key=lambda s: (s.decision_date, order.index(s.kind)))
    for i, s in enumerate(scenarios, 1):
        s.id = f"s{i:02d}"
    return Library(scenarios=scenarios, seed=seed, generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
                   seconds=time.perf_counter() - t0, events=len(shop.events), notes=notes)
