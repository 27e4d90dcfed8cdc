"""Per-user randomisation by a salted hash, and the sample-ratio-mismatch (SRM) check.

A user's arm depends only on the experiment's salt and the user id, so it is stable across
requests, processes and restarts, and independent between experiments (different salts).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from scipy import stats

from recsys_core.strategy.experiments.interleaving import CONTROL, TREATMENT


def unit_hash(salt: str, unit: str, purpose: str = "") -> float:
    """A uniform number in [0, 1) from ``salt``, ``purpose`` and ``unit`` (SHA-256)."""
    digest = hashlib.sha256(f"{salt}\x1f{purpose}\x1f{unit}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def enrolled(salt: str, unit: str, traffic: float) -> bool:
    """Whether ``unit`` is in the experiment's share ``traffic`` (0..1) of units."""
    return unit_hash(salt, unit, "traffic") < traffic


def assign(salt: str, unit: str, *, treatment_share: float = 0.5) -> str:
    """The unit's arm: ``"B"`` (treatment) with probability ``treatment_share``, else ``"A"``."""
    return TREATMENT if unit_hash(salt, unit, "arm") < treatment_share else CONTROL


def srm_p_value(counts: Sequence[int], shares: Sequence[float]) -> float:
    """Chi-square goodness-of-fit p-value of the units per arm against the planned shares; a tiny
    value (below 0.001, the usual threshold) means the split is broken and results are not to be trusted."""
    total = sum(counts)
    if total == 0:
        return 1.0
    expected = [total * s / sum(shares) for s in shares]
    return float(stats.chisquare(list(counts), expected).pvalue)
