"""Results of a live experiment, read from the live event log.

Serving records one ``impression`` row per shown item, with the experiment's name, the
``impression_id`` of the list and the ``side`` that supplied the item (interleaving: ``A``
control / ``B`` treatment; A/B: the user's arm). Clicks and purchases come through
``/events``; one that names its ``impression_id`` is credited to that list, otherwise to the
user's latest list holding the item within ``ATTRIBUTION_MINUTES`` before it.

* Interleaving: each served list is one session; the side with more credited clicks wins it.
* A/B: per enrolled user, clicks and revenue (purchases at list price) after the first
  exposure; CUPED on the user's metric, clicks and sessions in the ``PRE_DAYS`` before the
  start, from the shop's store (before its last event, when the store ends earlier); a
  sample-ratio-mismatch check on users per arm.

A decision is given only once the experiment has run ``min_days`` and, when it was planned,
reached its planned sessions: reading a running test early and stopping at the first
significant figure inflates false positives. Figures before that are labelled interim.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from recsys_core.strategy.experiments.assignment import srm_p_value
from recsys_core.strategy.experiments.cuped import ab_test
from recsys_core.strategy.experiments.interleaving import (
    CONTROL,
    TREATMENT,
    analyse,
    credit,
    outcome,
)
from recsys_core.strategy.experiments.planning import PRE_DAYS, pre_covariates
from recsys_core.strategy.experiments.record import Experiment

ATTRIBUTION_MINUTES = 30
SRM_THRESHOLD = 0.001


def _when(text: Any) -> pd.Timestamp:
    stamp = pd.Timestamp(str(text))
    return stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp.tz_convert(UTC)


def _split(experiment: Experiment, rows: Sequence[Mapping[str, Any]], until: pd.Timestamp
           ) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Impression lists of this experiment (id -> user, time, item -> (position, side)) and the
    clicks/purchases of its enrolled users after the start."""
    start = _when(experiment.started_at)
    lists: dict[str, dict[str, Any]] = {}
    actions = []
    for row in rows:
        kind = row.get("type")
        if kind == "impression" and row.get("experiment") == experiment.name:
            entry = lists.setdefault(str(row.get("impression_id")), {
                "user": str(row["user_id"]), "time": _when(row["timestamp"]), "items": {}, "sides": {}})
            pos = int(row.get("position") or 0)
            entry["items"][str(row["item_id"])] = pos
            entry["sides"][pos] = str(row.get("side"))
        elif kind in ("click", "purchase"):
            stamp = _when(row["timestamp"])
            if start <= stamp <= until:
                actions.append({**row, "time": stamp})
    return lists, actions


def _attribute(lists: Mapping[str, dict[str, Any]], actions: Sequence[dict[str, Any]]
               ) -> dict[str, list[tuple[str, str, int]]]:
    """impression id -> [(kind, item, position)] of the clicks and purchases credited to it."""
    by_user: dict[str, list[tuple[pd.Timestamp, str]]] = defaultdict(list)
    for iid, entry in lists.items():
        by_user[entry["user"]].append((entry["time"], iid))
    for seq in by_user.values():
        seq.sort()
    window = pd.Timedelta(minutes=ATTRIBUTION_MINUTES)
    credited: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for act in actions:
        item = str(act["item_id"])
        iid = act.get("impression_id")
        if not iid or iid not in lists or item not in lists[iid]["items"]:
            iid = None
            for stamp, cand in reversed(by_user.get(str(act["user_id"]), [])):
                if stamp <= act["time"] and act["time"] - stamp <= window and item in lists[cand]["items"]:
                    iid = cand
                    break
        if iid is not None:
            credited[iid].append((str(act["type"]), item, lists[iid]["items"][item]))
    return credited


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _decision(experiment: Experiment, days: float, sessions: int, planned: int | None,
              winner: str | None, blocked: str = "") -> tuple[str, bool]:
    """(the sentence, whether it is a decision: False while running short and when stopped early)."""
    if blocked:
        return blocked, False
    early = not experiment.running and (days < experiment.min_days or (planned is not None and sessions < planned))
    if early:
        return (f"stopped early, after {days:.1f} days and {_count(sessions, 'session')} (planned: at least "
                f"{experiment.min_days} days" + (f" and {planned:,} sessions" if planned is not None else "")
                + "): no decision; the figures below are what was collected"), False
    if days < experiment.min_days:
        return (f"keep running: {days:.1f} of at least {experiment.min_days} days (a full week, so every "
                "weekday is in the sample); figures below are interim"), False
    if planned is not None and sessions < planned:
        return f"keep running: {sessions:,} of the planned {_count(planned, 'session')}; figures below are interim", False
    if winner == "treatment":
        return "the treatment (proposed rules) wins: it can be saved as the live rule set", True
    if winner == "control":
        return "the control (live rules) wins: keep the live rule set", True
    return "no significant difference at this size: keep the live rule set", True


def analyse_experiment(experiment: Experiment, rows: Sequence[Mapping[str, Any]], *,
                       store_events: pd.DataFrame, prices: Mapping[str, float],
                       now: datetime | None = None) -> dict[str, Any]:
    """The experiment's figures and decision from the live event rows."""
    until = _when(experiment.stopped_at) if experiment.stopped_at else _when((now or datetime.now(UTC)).isoformat())
    days = max(0.0, (until - _when(experiment.started_at)) / pd.Timedelta(days=1))
    lists, actions = _split(experiment, rows, until)
    credited = _attribute(lists, actions)
    planned = None
    if experiment.plan:
        planned = experiment.plan.get("interleaving_sessions" if experiment.method == "interleaving" else "cuped_sessions")
    out: dict[str, Any] = {"experiment": experiment.to_dict(), "days_running": round(days, 2),
                           "impressions": len(lists), "planned_sessions": planned}
    if experiment.method == "interleaving":
        outcomes = []
        for iid, entry in lists.items():
            clicked = [pos for kind, _, pos in credited.get(iid, []) if kind == "click"]
            a, b = credit([entry["sides"].get(p, CONTROL) for p in range(max(entry["sides"], default=-1) + 1)], clicked)
            outcomes.append(outcome(a, b))
        result = analyse(outcomes, alpha=experiment.alpha)
        out["interleaving"] = result.to_dict()
        out["decision"], out["final"] = _decision(experiment, days, len(lists), planned, result.winner())
        return out
    arm_of: dict[str, str] = {}
    first_seen: dict[str, pd.Timestamp] = {}
    for entry in lists.values():
        user = entry["user"]
        arm_of.setdefault(user, next(iter(entry["sides"].values()), CONTROL))
        first_seen[user] = min(first_seen.get(user, entry["time"]), entry["time"])
    users = pd.Index(sorted(arm_of))
    clicks = pd.Series(0.0, index=users)
    revenue = pd.Series(0.0, index=users)
    for act in actions:
        user = str(act["user_id"])
        if user in arm_of and act["time"] >= first_seen[user]:
            if act["type"] == "click":
                clicks[user] += 1
            else:
                revenue[user] += float(prices.get(str(act["item_id"]), 0.0))
    treated = np.array([arm_of[u] == TREATMENT for u in users], dtype=bool)
    counts = [int((~treated).sum()), int(treated.sum())]
    srm = srm_p_value(counts, [0.5, 0.5])
    # the pre-period: PRE_DAYS before the start, or before the last stored event when the store
    # lags behind (a shop whose store is refreshed now and then still gets a covariate)
    ev = store_events
    end = min(_when(experiment.started_at), ev["timestamp"].max()) if len(ev) else _when(experiment.started_at)
    pre = ev[(ev["timestamp"] <= end) & (ev["timestamp"] > end - pd.Timedelta(days=PRE_DAYS))] if len(ev) else ev
    out["users"] = {"control": counts[0], "treatment": counts[1]}
    out["srm_p_value"] = srm
    out["metrics"] = {}
    for metric, y in (("revenue", revenue), ("clicks", clicks)):
        plain = ab_test(metric, y.to_numpy(), treated, alpha=experiment.alpha)
        adjusted = ab_test(metric, y.to_numpy(), treated, pre_covariates(pre, users, metric), alpha=experiment.alpha)
        out["metrics"][metric] = {"ab": plain.to_dict(), "cuped": adjusted.to_dict()}
    blocked = ""
    if sum(counts) >= 20 and srm < SRM_THRESHOLD:
        blocked = (f"sample ratio mismatch: {counts[0]} control vs {counts[1]} treatment users (p={srm:.2g}); "
                   "the split is broken, so no result can be trusted — find the cause before reading figures")
    main = out["metrics"]["revenue"]["cuped"]
    winner = None if not main["significant"] else ("treatment" if main["difference"] > 0 else "control")
    sessions = len(lists)
    out["decision"], out["final"] = _decision(experiment, days, sessions, planned, winner, blocked)
    return out
