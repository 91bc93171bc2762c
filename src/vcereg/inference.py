"""t, normal and F inference from a covariance matrix and its degrees of freedom."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from ._types import FloatArray
from .errors import SpecError
from .linalg import tri_solve

__all__ = [
    "RANK_TOL",
    "WaldTest",
    "confidence_level",
    "critical_value",
    "p_values",
    "quadratic_form",
    "wald_test",
]

LEVEL_RANGE = (10.0, 99.99)  # Stata's set level / level() range


def confidence_level(level: object) -> float:
    """A confidence level in percent, checked: 0.95 means 95, and the result must lie in
    Stata's range 10 to 99.99 (a SpecError otherwise, naming what was given).

    >>> confidence_level(0.9), confidence_level(99)
    (90.0, 99.0)
    """
    if isinstance(level, bool) or not isinstance(level, int | float | np.integer | np.floating):
        raise SpecError(f"a confidence level is a number such as 95 (got {level!r})")
    lev = float(level)
    lev = lev * 100 if 0 < lev < 1 else lev
    low, high = LEVEL_RANGE
    if not low <= lev <= high:
        raise SpecError(
            f"confidence level must be between {low:g} and {high:g} percent (got {level!r})",
            hint="e.g. 95, or 0.95 for 95%; Stata's level() accepts 10 to 99.99",
        )
    return lev


# The distributions come from scipy.special, the functions scipy.stats evaluates for
# them (stdtr, ndtr, fdtrc, chdtrc and their inverses: the same numbers), without the
# per-call overhead of scipy.stats' argument handling that small fits pay for.


def p_values(t: FloatArray, df: float | FloatArray | None) -> FloatArray:
    """Two-sided p-values of t statistics; normal when ``df`` is None; ``df`` may be one
    value per statistic.

    >>> p_values(np.array([1.959963984540054]), None).round(6).tolist()
    [0.05]
    """
    a = np.abs(t)
    out: FloatArray = 2 * (special.ndtr(-a) if df is None else special.stdtr(df, -a))
    return out


def critical_value(level: float, df: float | FloatArray | None) -> float | FloatArray:
    """Two-sided critical value for a confidence level in percent (one per ``df`` when
    ``df`` is an array)."""
    q = 1 - (1 - level / 100) / 2
    if df is None:
        return float(special.ndtri(q))
    if np.ndim(df):
        out: FloatArray = np.asarray(special.stdtrit(df, q), dtype=np.float64)
        return out
    return float(special.stdtrit(df, q))


@dataclass(frozen=True, slots=True)
class WaldTest:
    """``stat`` is F (t inference) or chi2/q... reported as F with ``df_denom`` None."""

    stat: float
    pvalue: float
    df_num: int
    df_denom: float | None
    dropped: int  # constraints dropped because the covariance is singular on them


#: A constraint whose correlation-scaled variance, given the constraints before it, is
#: below this is dropped (exact collinearity leaves ~1e-16; NIST's Wampler problems, the
#: most ill-conditioned full-rank covariances tested, keep more than 1e-7).
RANK_TOL = 1e-10
#: ``cov`` equal to ``c * bread`` within this relative error is the iid covariance.
_PROPORTIONAL = 1e-12


def wald_test(
    beta: FloatArray,
    cov: FloatArray,
    df: float | None,
    *,
    whitener: FloatArray | None = None,
    bread: FloatArray | None = None,
) -> WaldTest:
    """Joint test that all of ``beta`` are zero: F = b' V^-1 b / q on the identified part.

    The rank is decided on the correlation-scaled covariance ``D^-1 V D^-1`` (``D`` the
    standard errors), so the statistic and its degrees of freedom do not change when a
    regressor is rescaled. When V is singular on the tested coefficients (few clusters),
    constraints are dropped in order as Stata's ``test`` does (a constraint that is a
    combination of earlier ones goes), and the numerator df is the number kept.

    ``whitener`` ``T`` with ``bread = (T'T)^-1`` on the tested block (from the fit's QR,
    see :meth:`vcereg.linalg.LeastSquares.whitener`) and ``bread`` itself let the iid case
    (``cov = s^2 bread``) be computed as ``||T b||^2 / s^2`` without inverting V: exact on
    ill-conditioned designs where V cannot be inverted in double precision (NIST Filip).

    Examples
    --------
    >>> b, v = np.array([1.0, 2e5]), np.diag([1.0, 1e10])
    >>> t = wald_test(b, v, 30.0)
    >>> round(t.stat, 6), t.df_num
    (2.5, 2)
    """
    q = beta.size
    if q == 0:
        return WaldTest(float("nan"), float("nan"), 0, df, 0)
    if not np.any(np.diag(cov) > 0):  # nothing varies (a perfect fit): F is missing
        return WaldTest(float("nan"), float("nan"), q, df, 0)
    chi2, rank = _quadratic_form(beta, (cov + cov.T) / 2, whitener, bread)
    if rank == 0:
        return WaldTest(float("nan"), float("nan"), 0, df, q)
    f = chi2 / rank
    if df is None:
        p = float(special.chdtrc(rank, chi2))
    else:  # F's support starts at 0, where its survival function is 1
        p = 1.0 if f <= 0 else float(special.fdtrc(rank, df, f))
    return WaldTest(f, p, rank, df, q - rank)


def _proportional(cov: FloatArray, bread: FloatArray) -> bool:
    """Is ``cov = c * bread`` (an iid variance)? Compared element by element in correlation
    units, so that coefficients on very different scales all count (a check on the largest
    entry alone passes a robust covariance whose largest variance happens to agree)."""
    dc, db = np.diag(cov), np.diag(bread)
    if not (np.all(dc > 0) and np.all(db > 0)):
        return False
    ratio = dc / db
    if np.max(np.abs(ratio / ratio[0] - 1)) > _PROPORTIONAL:
        return False
    sc, sb = np.sqrt(dc), np.sqrt(db)
    gap = cov / np.outer(sc, sc) - bread / np.outer(sb, sb)
    return bool(np.max(np.abs(gap)) <= _PROPORTIONAL)


def quadratic_form(beta: FloatArray, cov: FloatArray) -> tuple[float, int, list[int]]:
    """``b' V^- b`` on the constraints Stata's ``test`` keeps, their number, and their
    positions: constraints are taken in order and one that is (numerically) a combination
    of those kept before it is dropped, decided on correlations (scale-free).

    >>> quadratic_form(np.array([1.0, 1.0]), np.array([[1.0, 1.0], [1.0, 1.0]]))
    (1.0, 1, [0])
    """
    cov = (cov + cov.T) / 2
    d = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    live = np.flatnonzero(d > 0)  # a constraint with no variance cannot be tested
    corr = cov[np.ix_(live, live)] / np.outer(d[live], d[live])
    z = beta[live] / d[live]
    chol = np.zeros((live.size, live.size))
    kept: list[int] = []
    for j in range(live.size):
        k = len(kept)
        row = _lower_solve(chol[:k, :k], corr[kept, j]) if k else chol[:0, 0]
        resid = float(corr[j, j] - row @ row)
        if resid > RANK_TOL:
            chol[k, :k], chol[k, k] = row, np.sqrt(resid)
            kept.append(j)
    k = len(kept)
    if k == 0:
        return 0.0, 0, []
    w = _lower_solve(chol[:k, :k], z[kept])
    return float(w @ w), k, [int(live[j]) for j in kept]


def _lower_solve(chol: FloatArray, b: FloatArray) -> FloatArray:
    return tri_solve(chol, b, lower=True)


def _quadratic_form(
    beta: FloatArray, cov: FloatArray, whitener: FloatArray | None, bread: FloatArray | None
) -> tuple[float, int]:
    """b' V^+ b and the rank of V, both invariant to rescaling the coefficients."""
    if whitener is not None and bread is not None and _proportional(cov, bread):
        c = float(np.mean(np.diag(cov) / np.diag(bread)))
        w = whitener @ beta
        return float(w @ w) / c, beta.size
    chi2, rank, _ = quadratic_form(beta, cov)
    return chi2, rank
