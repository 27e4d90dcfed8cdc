"""A/B analysis of a per-user metric, with CUPED variance reduction (Deng et al., 2013).

CUPED subtracts theta * (x - mean x) from each user's metric y, where x is the same user's
metric in the period before the experiment and theta = cov(y, x) / var(x) is estimated on both
arms pooled. The difference of means is unchanged in expectation; its variance shrinks by the
factor 1 - rho^2 (rho = corr(y, x)), and so does the sample size needed. With several
covariates (the metric, clicks and sessions before) theta is a least-squares fit and the factor
is 1 - R^2.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class CupedFit:
    """Regression adjustment on one or more pre-period covariates (one: classic CUPED)."""

    theta: np.ndarray
    x_mean: np.ndarray
    r2: float  # share of the metric's variance the covariates explain (adjusted R^2, >= 0)

    @property
    def variance_reduction(self) -> float:
        return self.r2

    def adjust(self, y: np.ndarray, x: np.ndarray) -> np.ndarray:
        x = _columns(x)
        return np.asarray(y, dtype=np.float64) - (x - self.x_mean) @ self.theta


def _columns(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x[:, None] if x.ndim == 1 else x


def fit_cuped(y: np.ndarray, x: np.ndarray) -> CupedFit:
    """theta (least squares of ``y`` on the covariates ``x``, one column each) and the share of
    variance removed; a covariate without spread is ignored."""
    y, x = np.asarray(y, dtype=np.float64), _columns(x)
    mean = x.mean(axis=0) if len(x) else np.zeros(x.shape[1])
    theta = np.zeros(x.shape[1])
    n, p = x.shape
    usable = x.std(axis=0) > 0 if n else np.zeros(p, dtype=bool)
    if n <= p + 2 or not usable.any() or y.std() == 0:
        return CupedFit(theta, mean, 0.0)
    xc = x[:, usable] - mean[usable]
    coef, *_ = np.linalg.lstsq(xc, y - y.mean(), rcond=None)
    theta[usable] = coef
    resid = (y - y.mean()) - xc @ coef
    r2 = 1 - float(resid.var()) / float(y.var())
    r2_adj = 1 - (1 - r2) * (n - 1) / (n - int(usable.sum()) - 1)
    return CupedFit(theta, mean, max(0.0, r2_adj))


@dataclass(frozen=True)
class ABResult:
    """Treatment minus control in the mean per-user metric, with a normal 1 - alpha interval."""

    metric: str
    users_control: int
    users_treatment: int
    mean_control: float
    mean_treatment: float
    difference: float
    relative: float | None
    ci_low: float
    ci_high: float
    p_value: float
    significant: bool
    alpha: float
    cuped: bool
    variance_reduction: float  # 0 without CUPED

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def ab_test(metric: str, y: np.ndarray, treated: np.ndarray, x: np.ndarray | None = None, *,
            alpha: float = 0.05) -> ABResult:
    """Welch test of the per-user metric ``y`` between arms (``treated`` True = treatment);
    with ``x`` (the pre-period covariate) the CUPED-adjusted metric is tested instead."""
    y = raw = np.asarray(y, dtype=np.float64)
    treated = np.asarray(treated, dtype=bool)
    reduction = 0.0
    if x is not None:
        fit = fit_cuped(y, x)
        y = fit.adjust(y, x)
        reduction = fit.variance_reduction
    a, b = y[~treated], y[treated]
    ma, mb = (float(v.mean()) if len(v) else 0.0 for v in (a, b))
    diff = mb - ma
    if len(a) > 1 and len(b) > 1:
        se = float(np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)))
    else:
        se = float("inf")
    z = stats.norm.ppf(1 - alpha / 2)
    if np.isfinite(se) and se > 0:
        p = float(2 * stats.norm.sf(abs(diff) / se))
        lo, hi = diff - z * se, diff + z * se
    else:
        p, lo, hi = 1.0, float("-inf"), float("inf")
    raw_control = float(raw[~treated].mean()) if len(a) else 0.0
    return ABResult(metric, len(a), len(b), ma, mb, diff, diff / raw_control if raw_control else None,
                    lo, hi, p, p < alpha, alpha, x is not None, reduction)


def users_per_arm(sd: float, delta: float, *, alpha: float = 0.05, power: float = 0.8) -> int | None:
    """Users per arm for a two-sided two-sample test to detect ``delta`` with per-user sd ``sd``."""
    if delta == 0 or sd <= 0:
        return None
    za, zb = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    return int(np.ceil(2 * (za + zb) ** 2 * sd**2 / delta**2))
