"""The strategy lab: scenarios generated from the shop's own log, answer keys computed by
replay, plays scored against them, and each learner's progress."""

from recsys_core.strategy.lab.library import Library, generate_library, normalise_id
from recsys_core.strategy.lab.model import GOAL_METRICS, KINDS, Fact, LabAction, LabError, Scenario

__all__ = ["GOAL_METRICS", "KINDS", "Fact", "LabAction", "LabError", "Library", "Scenario", "generate_library",
           "normalise_id"]
