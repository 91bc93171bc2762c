"""Least squares with absorbed fixed effects and a registry covariance, for regression-based
DiD estimators (Sun-Abraham, extended TWFE).

The same steps as ``reghdfe`` (:mod:`vcereg.estimators.fe`): singletons dropped, the
response and regressors demeaned in place within the fixed effects (one Fortran-ordered
scratch array, so memory is one copy of the regressors), least squares with collinear
columns omitted, the absorbed degrees of freedom counted (effects nested in a cluster
variable excluded) and the covariance from the variance registry with the small-sample
policy, so ``vce(cluster id)`` means what it means for every other model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..._types import BoolArray, FloatArray, IntArray
from ...errors import DroppedRowsWarning, EmptySampleError, EstimationError, warn
from ...linalg import least_squares
from ...spec import SmallSample, VceSpec, WeightKind
from ...vce import VceContext, VceResult, resolve
from ..absorb import absorbed_dof, demean, drop_singletons

__all__ = ["FeRegression", "fe_regression", "scratch"]

_TOL = 1e-12  # demeaning tolerance, as the absorbed-FE estimator's


@dataclass(frozen=True, slots=True, eq=False)
class FeRegression:
    """Coefficients (0 for omitted columns) and the registry covariance of the kept ones."""

    params: FloatArray
    keep: BoolArray
    cov: FloatArray  # over all columns; zero rows/columns for omitted ones
    vres: VceResult
    nobs: float
    df_resid: float
    sample: BoolArray  # rows used (singletons dropped)
    notes: tuple[str, ...]


def scratch(n: int, k: int) -> FloatArray:
    """An (n, k + 1) Fortran-ordered array for :func:`fe_regression`: the response goes in
    column 0, the regressors after it."""
    out: FloatArray = np.zeros((n, k + 1), order="F")
    return out


def fe_regression(
    dm: FloatArray,
    fes: Sequence[IntArray],
    *,
    vce: VceSpec,
    ssc: SmallSample,
    groups: Mapping[str, IntArray],
    weights: FloatArray | None = None,
    weight_kind: WeightKind | None = None,
    names: Sequence[str] = (),
) -> FeRegression:
    """Regress ``dm[:, 0]`` on ``dm[:, 1:]`` absorbing ``fes``; ``dm`` (from :func:`scratch`)
    is demeaned in place.

    ``groups`` holds the factorised variables the variance request needs (cluster codes).
    """
    notes: list[str] = []
    keep_rows = drop_singletons(list(fes)) if fes else np.ones(dm.shape[0], dtype=np.bool_)
    if not keep_rows.all():
        n_single = int((~keep_rows).sum())
        if n_single == keep_rows.size:
            raise EmptySampleError("every observation is a singleton in a fixed effect")
        note = f"{n_single} singleton observations dropped (alone in a fixed-effect group)"
        warn(note, DroppedRowsWarning)
        notes.append(note)
        dm = np.asfortranarray(dm[keep_rows])
        fes = [c[keep_rows] for c in fes]
        groups = {k: v[keep_rows] for k, v in groups.items()}
        weights = None if weights is None else weights[keep_rows]
    n, k = dm.shape[0], dm.shape[1] - 1
    if fes:
        dm = demean(dm, list(fes), weights, tol=_TOL, copy=False).values
    if weights is not None:
        dm *= np.sqrt(weights)[:, None]
    ls = least_squares(dm[:, 1:], dm[:, 0])
    estimator, vspec = resolve(vce)
    clusters = [groups[v] for v in vspec.args if v in groups]
    dof = absorbed_dof(list(fes), clusters=clusters if ssc.absorbed_in_k == "nonnested" else ())
    df_a = dof.df_a if ssc.absorbed_in_k == "nonnested" else dof.df_a_nonnested
    nobs = float(weights.sum()) if weight_kind is WeightKind.FWEIGHT and weights is not None else n
    k_df = ls.rank + df_a + (1 if fes and df_a == 0 else 0)
    if nobs - k_df <= 0:
        raise EstimationError(f"not enough observations ({nobs:g}) for {k_df} parameters")
    x_kept = dm[:, 1:] if ls.keep.all() else dm[:, 1:][:, ls.keep]  # no copy when all kept
    ctx = VceContext(
        x=x_kept,
        y=dm[:, 0],
        resid=ls.resid,
        bread=ls.bread(),
        lstsq=ls,
        nobs=nobs,
        k=k_df,
        df_resid=nobs - k_df,
        groups=groups,
        ssc=ssc,
        vce=vspec,
        weight_kind=weight_kind,
        fweights=weights if weight_kind is WeightKind.FWEIGHT else None,
        absorbed={f"fe{i}": c for i, c in enumerate(fes)},
    )
    vres = estimator.compute(ctx)
    params = np.zeros(k)
    params[ls.keep] = ls.beta
    cov = np.zeros((k, k))
    idx = np.flatnonzero(ls.keep)
    cov[np.ix_(idx, idx)] = vres.cov
    if not ls.keep.all() and names:
        dropped = [n for n, kept in zip(names, ls.keep, strict=True) if not kept]
        notes.append(f"omitted because of collinearity: {', '.join(dropped)}")
    return FeRegression(params, ls.keep, cov, vres, nobs, nobs - k_df, keep_rows, tuple(notes))
