"""Experiments for ranking changes: team-draft interleaving, A/B with CUPED, their planning from
the what-if replay, and live experiments served from the workspace and read from its live log."""

from recsys_core.strategy.experiments.assignment import assign, enrolled, srm_p_value, unit_hash
from recsys_core.strategy.experiments.cuped import (
    ABResult,
    CupedFit,
    ab_test,
    fit_cuped,
    users_per_arm,
)
from recsys_core.strategy.experiments.interleaving import (
    CONTROL,
    TREATMENT,
    InterleavingResult,
    analyse,
    credit,
    outcome,
    team_draft,
)
from recsys_core.strategy.experiments.live import analyse_experiment
from recsys_core.strategy.experiments.planning import (
    MIN_DAYS,
    InterleavingSimulation,
    TestPlan,
    plan_experiment,
    simulate_interleaving,
)
from recsys_core.strategy.experiments.record import (
    METHODS,
    Experiment,
    ExperimentConflictError,
    ExperimentError,
    ExperimentStore,
)

__all__ = [
    "CONTROL", "METHODS", "MIN_DAYS", "TREATMENT", "ABResult", "CupedFit", "Experiment", "ExperimentConflictError",
    "ExperimentError", "ExperimentStore", "InterleavingResult", "InterleavingSimulation", "TestPlan", "ab_test",
    "analyse", "analyse_experiment", "assign", "credit", "enrolled", "fit_cuped", "outcome", "plan_experiment",
    "simulate_interleaving", "srm_p_value", "team_draft", "unit_hash", "users_per_arm",
]
