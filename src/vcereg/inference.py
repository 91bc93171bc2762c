"""t, normal and F inference from a covariance matrix and its degrees of freedom."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._types import FloatArray

__all__ = ["WaldTest", "critical_value", "p_values", "wald_test"]


def p_values(t: FloatArray, df: float | FloatArray | None) -> FloatArray:
    """Two-sided p-values of t statistics; normal when ``df`` is None; ``df`` may be one
    value per statistic."""
    dist = stats.norm if df is None else stats.t(df)
    out: FloatArray = 2 * dist.sf(np.abs(t))
    return out


def critical_value(level: float, df: float | FloatArray | None) -> float | FloatArray:
    """Two-sided critical value for a confidence level in percent (one per ``df`` when
    ``df`` is an array)."""
    q = 1 - (1 - level / 100) / 2
    if df is None:
        return float(stats.norm.ppf(q))
    if np.ndim(df):
        out: FloatArray = np.asarray(stats.t.ppf(q, df), dtype=np.float64)
        return out
    return float(stats.t.ppf(q, df))


@dataclass(frozen=True, slots=True)
class WaldTest:
    """``stat`` is F (t inference) or chi2/q... reported as F with ``df_denom`` None."""

    stat: float
    pvalue: float
    df_num: int
    df_denom: float | None
    dropped: int  # constraints dropped because the covariance is singular on them


def wald_test(beta: FloatArray, cov: FloatArray, df: float | None) -> WaldTest:
    """Joint test that all of ``beta`` are zero: F = b' V^-1 b / q on the identified part.

    When V is singular on the tested coefficients (few clusters), constraints are dropped
    as Stata does and the numerator df is the rank.
    """
    q = beta.size
    if q == 0:
        return WaldTest(float("nan"), float("nan"), 0, df, 0)
    vals, vecs = np.linalg.eigh((cov + cov.T) / 2)
    tol = 1e-10 * max(float(np.abs(vals).max(initial=0.0)), 1e-300)
    pos = vals > tol
    rank = int(pos.sum())
    if rank == 0:
        return WaldTest(float("nan"), float("nan"), 0, df, q)
    z = vecs[:, pos].T @ beta
    chi2 = float(np.sum(z * z / vals[pos]))
    f = chi2 / rank
    p = float(stats.chi2.sf(chi2, rank) if df is None else stats.f.sf(f, rank, df))
    return WaldTest(f, p, rank, df, q - rank)
