"""Recommendation models: scorers (sequence, CF, content, priors), the explainable hybrid,
artifacts, splits and evaluation. Torch and friends load only inside the code that uses them."""

import os

# On shared CPUs, OpenMP threads that spin while waiting make torch 5-10x slower (measured
# here: a SASRec step took 9 s spinning vs 0.14 s passive). Must be set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from recsys_core.models.attribution import NEW_ITEM_LABEL, NEW_USER_LABEL, Recommendation
from recsys_core.models.base import Scorer
from recsys_core.models.errors import EmptyDataError, ModelConfigError
from recsys_core.models.hybrid import HybridConfig, HybridRecommender
from recsys_core.models.idmap import IdMap
from recsys_core.models.interactions import Interactions
from recsys_core.models.registry import (
    create_scorer,
    register_scorer,
    registered_scorers,
    scorer_class,
)
from recsys_core.models.splits import (
    HeldOut,
    Split,
    from_events,
    from_sequences,
    leave_one_out,
    temporal_split,
)

__all__ = [
    "NEW_ITEM_LABEL",
    "NEW_USER_LABEL",
    "EmptyDataError",
    "HeldOut",
    "HybridConfig",
    "HybridRecommender",
    "IdMap",
    "Interactions",
    "ModelConfigError",
    "Recommendation",
    "Scorer",
    "Split",
    "create_scorer",
    "from_events",
    "from_sequences",
    "leave_one_out",
    "register_scorer",
    "registered_scorers",
    "scorer_class",
    "temporal_split",
]
