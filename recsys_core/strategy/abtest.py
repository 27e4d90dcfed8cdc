"""A/B test planning: sample size per arm for a minimum detectable effect, and bootstrap CIs."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class ABPlan:
    metric: str
    baseline: float  # per-session rate or mean in control
    mde_relative: float  # smallest relative lift the test should detect
    alpha: float
    power: float
    per_arm: int  # sessions per arm
    days_needed: float | None  # at the shop's recent session rate, both arms together

    def describe(self) -> str:
        days = f", about {self.days_needed:.0f} days of traffic" if self.days_needed is not None else ""
        return (f"{self.per_arm:,} sessions per arm to detect a {self.mde_relative:+.0%} change in {self.metric} "
                f"(baseline {self.baseline:.4g}, alpha {self.alpha}, power {self.power:.0%}){days}")


def sample_size_proportion(p: float, mde_relative: float, *, alpha: float = 0.05, power: float = 0.8) -> int:
    """Sessions per arm for a two-sided two-proportion z-test of p vs p*(1+mde)."""
    p2 = min(max(p * (1 + mde_relative), 1e-9), 1 - 1e-9)
    if p <= 0 or p >= 1 or p2 == p:
        return 0
    za, zb = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    return int(math.ceil((za + zb) ** 2 * (p * (1 - p) + p2 * (1 - p2)) / (p2 - p) ** 2))


def sample_size_mean(mean: float, sd: float, mde_relative: float, *, alpha: float = 0.05, power: float = 0.8) -> int:
    """Sessions per arm for a two-sided t-test (normal approx.) of a mean shifting by mde."""
    delta = abs(mean * mde_relative)
    if delta <= 0 or sd <= 0:
        return 0
    za, zb = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    return int(math.ceil(2 * (za + zb) ** 2 * sd**2 / delta**2))


def plan_test(metric: str, per_session: np.ndarray, mde_relative: float, *, binary: bool,
              sessions_per_day: float | None = None, alpha: float = 0.05, power: float = 0.8) -> ABPlan:
    """Plan from the shop's own per-session values (conversion flags or revenue)."""
    values = np.asarray(per_session, dtype=np.float64)
    base = float(values.mean()) if len(values) else 0.0
    n = (sample_size_proportion(base, mde_relative, alpha=alpha, power=power) if binary
         else sample_size_mean(base, float(values.std(ddof=1)) if len(values) > 1 else 0.0, mde_relative,
                               alpha=alpha, power=power))
    days = 2 * n / sessions_per_day if sessions_per_day else None
    return ABPlan(metric, base, mde_relative, alpha, power, n, days)


def bootstrap_sum_ci(values: np.ndarray, *, n_boot: int = 1000, seed: int = 0,
                     level: float = 0.95) -> tuple[float, float]:
    """Percentile CI of the total of per-unit (e.g. per-session) values, resampling units."""
    v = np.asarray(values, dtype=np.float64)
    if len(v) == 0:
        return 0.0, 0.0
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(len(v), np.full(len(v), 1.0 / len(v)), size=n_boot)
    totals = counts @ v
    lo, hi = np.quantile(totals, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)
