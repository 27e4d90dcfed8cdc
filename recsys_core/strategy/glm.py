"""Small regressions with uncertainty: quasi-Poisson GLM (IRLS), OLS slope, BH q-values."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Fit:
    """Coefficients with their (dispersion-scaled) covariance and fitted means."""

    coef: np.ndarray
    cov: np.ndarray
    fitted: np.ndarray
    dispersion: float
    dof: int

    def se(self, j: int) -> float:
        return float(np.sqrt(max(self.cov[j, j], 0.0)))

    def p_value(self, j: int) -> float:
        """Two-sided p-value of coefficient ``j`` (t with the residual degrees of freedom)."""
        se = self.se(j)
        if se == 0.0 or self.dof <= 0:
            return float("nan")
        return float(2.0 * stats.t.sf(abs(self.coef[j]) / se, self.dof))

    def ci(self, j: int, level: float = 0.95) -> tuple[float, float]:
        q = stats.t.ppf(0.5 + level / 2.0, max(self.dof, 1))
        return float(self.coef[j] - q * self.se(j)), float(self.coef[j] + q * self.se(j))


def poisson_glm(y: np.ndarray, X: np.ndarray, offset: np.ndarray | None = None,
                max_iter: int = 50, tol: float = 1e-8) -> Fit:
    """Quasi-Poisson regression ``log E[y] = X @ coef + offset`` by IRLS.

    Overdispersion (promotions, bulk orders) widens the standard errors through the
    Pearson dispersion estimate, never below 1.
    """
    y = np.asarray(y, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    off = np.zeros_like(y) if offset is None else np.asarray(offset, dtype=np.float64)
    n, p = X.shape
    mu = np.maximum(y, 0.5) if y.mean() > 0 else np.full(n, 0.5)
    eta = np.log(mu)
    coef = np.zeros(p)
    for _ in range(max_iter):
        z = eta - off + (y - mu) / mu
        w = mu
        xtw = X.T * w
        new = np.linalg.lstsq(xtw @ X, xtw @ z, rcond=None)[0]
        eta = np.clip(X @ new + off, -30.0, 30.0)
        mu = np.exp(eta)
        done = np.max(np.abs(new - coef)) < tol
        coef = new
        if done:
            break
    dof = n - p
    pearson = float(np.sum((y - mu) ** 2 / mu)) / dof if dof > 0 else 1.0
    dispersion = max(1.0, pearson)
    cov = np.linalg.pinv((X.T * mu) @ X) * dispersion
    return Fit(coef=coef, cov=cov, fitted=mu, dispersion=dispersion, dof=dof)


def bh_qvalues(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values (NaN p-values stay NaN)."""
    p = np.asarray(p, dtype=np.float64)
    q = np.full_like(p, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    if len(ok) == 0:
        return q
    order = ok[np.argsort(p[ok])]
    m = len(order)
    ranked = p[order] * m / np.arange(1, m + 1)
    q[order] = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
    return q


def robust_z(values: np.ndarray) -> np.ndarray:
    """(x - median) / (1.4826 * MAD); zeros when the spread is nil."""
    values = np.asarray(values, dtype=np.float64)
    med = np.median(values)
    mad = 1.4826 * np.median(np.abs(values - med))
    if mad <= 1e-12:
        return np.zeros_like(values)
    out: np.ndarray = (values - med) / mad
    return out
