"""Live experiments of one workspace (``service.experiments``): start, serve, read and stop.

The CLI (``shelfwise experiment``), the REST API (``/experiments``) and the What-if tab call
these methods and nothing else; ``/recommend`` and ``/search`` serve through :meth:`serve`.
The control is always the live rule set; the treatment is the experiment's rule set instead
(as in the what-if replay). A rule set the linter rejects cannot start an experiment.
"""

from __future__ import annotations

import builtins
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.jsonable import plain

if TYPE_CHECKING:
    from assistant.service import ShelfwiseService
    from recsys_core.strategy.experiments import Experiment


class Experiments:
    """Experiments kept in ``W/experiments/`` with their impressions in the live event log."""

    def __init__(self, service: ShelfwiseService):
        from recsys_core.strategy.experiments import ExperimentStore

        self.service = service
        self.store = ExperimentStore(service.workspace)
        self._lock = threading.Lock()
        self._cache: tuple[Any, list[Experiment]] | None = None

    # ---- lifecycle ---------------------------------------------------------------------------
    def start(self, name: str, rules: Any, *, method: str = "interleaving", traffic: float = 100.0,
              surfaces: Sequence[str] | None = None, plan: bool = True) -> dict[str, Any]:
        """Start ``name`` with ``rules`` (a RuleSet or a list of rule dicts) as the treatment.

        ``traffic`` is the percentage of users enrolled (A/B splits them 50/50). Raises
        ExperimentError for bad settings or a rule set the linter rejects, and
        ExperimentConflictError when the name is taken or another experiment runs on a surface."""
        from assistant.merchandising import Merchandising
        from recsys_core.strategy.experiments import Experiment, ExperimentError
        from recsys_core.strategy.experiments.record import SURFACES, check_name
        from recsys_core.strategy.rules import RuleSet

        name = check_name(name)
        try:
            percent = float(traffic)
        except (TypeError, ValueError):
            raise ExperimentError(f"traffic: {traffic!r} is not a number; give a percentage such as 50") from None
        if not 0 < percent <= 100:
            raise ExperimentError(f"traffic: {traffic!r}% is not a share of traffic; give a percentage above 0 "
                                  "and at most 100")
        desk = Merchandising(self.service)
        ruleset = rules if isinstance(rules, RuleSet) else desk.parse(list(rules), f"experiment {name}")
        if not ruleset.rules:
            raise ExperimentError("rules: the rule set is empty; an experiment needs at least one rule to test")
        experiment = Experiment(name=name, method=method, traffic=percent / 100.0,
                                rules=[r.model_dump(mode="json", exclude_defaults=True) for r in ruleset.rules],
                                surfaces=list(surfaces or SURFACES))
        self._check_free(experiment)  # before the (slower) lint and plan; again under the lock
        findings = desk.lint(ruleset)
        errors = [f for f in findings if f["severity"] == "error"]
        if errors:
            raise ExperimentError("rules: the linter rejects this rule set, so it cannot start an experiment: "
                                  + "; ".join(f"{f['rule_id']}: {f['message']}" for f in errors))
        if plan:
            experiment.plan, experiment.note = self._plan(ruleset)
        with self.store.lock():
            self._check_free(experiment)
            self.store.save(experiment)
        self._cache = None
        return {**self.status(name), "lint": findings}

    def _check_free(self, experiment: Experiment) -> None:
        from recsys_core.strategy.experiments import ExperimentConflictError

        if self.store.path(experiment.name).is_file():
            raise ExperimentConflictError(f"name: an experiment called {experiment.name!r} exists already (stopped "
                                          "ones keep their record); choose another name")
        clash = [e.name for e in self.store.running() if set(e.surfaces) & set(experiment.surfaces)]
        if clash:
            raise ExperimentConflictError(f"experiment {clash[0]!r} is running on the same surfaces; stop it "
                                          "first (one experiment per surface keeps results clean)")

    def _plan(self, ruleset: Any) -> tuple[dict[str, Any] | None, str]:
        """The test plan from a replay of the shop's logs (None, with the reason, when it cannot)."""
        from recsys_core.strategy.errors import StrategyError
        from recsys_core.strategy.whatif import Change

        live = Change(name="live rules", rules=self.service.live_rules())
        try:
            found = self.service.strategy.test_plan(Change(name="treatment", rules=ruleset), baseline=live)
        except StrategyError as exc:
            return None, f"no test plan: {exc}"
        return found.to_dict(), found.describe()

    def stop(self, name: str) -> dict[str, Any]:
        """Stop serving ``name``; its record and events are kept, so its result stays readable."""
        from recsys_core.strategy.experiments import ExperimentError

        with self.store.lock():
            experiment = self.store.get(name)
            if not experiment.running:
                raise ExperimentError(f"experiment {experiment.name!r} was stopped already at {experiment.stopped_at}")
            experiment.status = "stopped"
            experiment.stopped_at = datetime.now(UTC).isoformat(timespec="seconds")
            self.store.save(experiment)
        self._cache = None
        return self.status(name)

    def status(self, name: str, *, now: datetime | None = None) -> dict[str, Any]:
        """Figures and decision of ``name`` from the live events so far."""
        from recsys_core.strategy.experiments import analyse_experiment

        experiment = self.store.get(name)
        shop = self.service.shop
        prices = shop.products.set_index(shop.products["item_id"].astype(str))["price"].astype("float64")
        found = analyse_experiment(experiment, self.service.event_log.read(), store_events=shop.events,
                                   prices=prices.fillna(0.0).to_dict(), now=now)
        found["experiment"].pop("salt", None)  # the salt would let a caller work out every user's arm
        return dict(plain(found))

    def list(self) -> builtins.list[dict[str, Any]]:
        return [{"name": e.name, "method": e.method, "status": e.status, "traffic_pct": round(100 * e.traffic, 2),
                 "started_at": e.started_at, "stopped_at": e.stopped_at, "rules": len(e.rules)}
                for e in self.store.all()]

    # ---- serving -----------------------------------------------------------------------------
    def running_on(self, surface: str) -> Experiment | None:
        """The experiment running on ``surface`` (records re-read when the folder changes)."""
        folder = self.store.folder
        try:
            key: Any = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in folder.glob("*.json")))
        except FileNotFoundError:
            key = ()
        cached = self._cache
        if cached is None or cached[0] != key:
            cached = self._cache = (key, self.store.running() if key else [])
        return next((e for e in cached[1] if surface in e.surfaces), None)

    def serve(self, surface: str, user_id: str | None, rank: Callable[[Any], Sequence[Any]], *, k: int,
              query: str | None = None) -> tuple[list[Any], dict[str, Any] | None]:
        """What a shopper is shown on ``surface``: ``rank(None)`` (the live rules) when no
        experiment enrols them, else the interleaved list of ``rank(None)`` and
        ``rank(experiment rules)`` (A/B: their arm's list), each item's impression recorded.
        ``rank`` returns ranked results (objects with ``item_id`` and ``rank``)."""
        from recsys_core.strategy.experiments import (
            CONTROL,
            assign,
            enrolled,
            team_draft,
            unit_hash,
        )

        experiment = self.running_on(surface)
        if experiment is None or not user_id or not enrolled(experiment.salt, user_id, experiment.traffic):
            return list(rank(None)), None
        impression = uuid.uuid4().hex[:16]
        if experiment.method == "ab":
            arm = assign(experiment.salt, user_id)
            shown = list(rank(None if arm == CONTROL else experiment.ruleset()))
            sides = [arm] * len(shown)
        else:
            a, b = list(rank(None)), list(rank(experiment.ruleset()))
            by_id = {r.item_id: r for r in b} | {r.item_id: r for r in a}
            rng = np.random.default_rng(int(unit_hash(experiment.salt, impression) * 2**32))
            order, sides = team_draft([r.item_id for r in a], [r.item_id for r in b], k, rng)
            shown = [replace(by_id[i], rank=pos) for pos, i in enumerate(order, start=1)]
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
        self.service.event_log.append([
            {"user_id": user_id, "item_id": r.item_id, "type": "impression", "timestamp": stamp, "surface": surface,
             "position": pos, "query": query, "impression_id": impression, "experiment": experiment.name, "side": side}
            for pos, (r, side) in enumerate(zip(shown, sides, strict=True))])
        info = {"name": experiment.name, "method": experiment.method, "impression_id": impression,
                "sides": sides}
        return shown, info


def rules_payload(rules: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A rules file's content (``{"rules": [...]}`` or a bare list) as a list of rule dicts."""
    if isinstance(rules, Mapping):
        rules = rules.get("rules", [])
    return [dict(r) for r in rules if isinstance(r, Mapping)]
