"""Client side: from the combined sufficient statistics to the pieces of a Results.

The R factor of the whole design comes, as in memory, from the Gram matrix (Cholesky) on
big, well-conditioned problems and from QR (TSQR over partitions) otherwise. The
least-squares solve reuses :func:`vcereg.linalg.least_squares` on that R factor:
``[X y] = Q [R r; 0 rho]``, so ``min ||y - X b||`` and ``min ||r - R b||``
have the same solution, the same column norms (hence the same collinearity decisions)
and the same R factor. Refinement steps, when the in-memory solver would take them, are
done on the full data (passes over the partitions), not on the reduced problem.

The variance reuses the registry too: the estimators receive a *compressed* context
whose rows reproduce every sum they take. For HC0/HC1 the rows are the R factor of the
scores (``R'R = sum f_i u_i^2 x_i x_i'``) with unit residuals; for clusters they are
the score sums of each cell of the cluster variables, labelled with their clusters (a
cluster meat only ever adds scores within clusters, so cells give the same sums); for
``vce(ols)`` one row whose residual is ``sqrt(RSS)``. HC2/HC3 arrive with the leverage
adjustment already in the meat and are computed as HC0 (Stata) or HC1 (``hc23_factor``).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import scipy.linalg as sla

from ..._types import FloatArray, IntArray
from ...design import Design
from ...design.sample import RowAccounting, codes
from ...errors import CollinearityWarning, EstimationError, warn
from ...estimators import Fit
from ...estimators.ols import exact_fit
from ...linalg import LeastSquares, least_squares, refinement
from ...spec import ModelSpec, VceSpec
from .partition import Pass1, Pass2

__all__ = [
    "EXTENDED_ROWS",
    "GRAM_COND",
    "Compressed",
    "compressed",
    "correction",
    "gram_factor",
    "refinement_plan",
    "solve",
]

#: As :mod:`vcereg.linalg`: bigger problems are factorised from their Gram matrix when
#: well-conditioned, smaller ones always by QR.
EXTENDED_ROWS = 100_000


#: As :mod:`vcereg.linalg`: big problems whose scaled Gram matrix has a condition number
#: below this are factorised from it (rounding error eps * cond < 1e-10), others by QR.
GRAM_COND = 1e6


def gram_factor(gram: FloatArray) -> FloatArray | None:
    """R factor of ``[X y]`` from its Gram matrix by Cholesky, when that is accurate
    (as ``linalg.least_squares`` decides for big problems); else None: use TSQR."""
    k = gram.shape[0] - 1
    norms = np.sqrt(np.clip(np.diag(gram), 0.0, None))
    if np.any(norms[:k] == 0):
        return None
    scale = norms.copy()
    scale[k] = scale[k] or 1.0
    g = gram / np.outer(scale, scale)
    eig = np.linalg.eigvalsh(g[:k, :k])
    if eig[0] <= 0 or eig[-1] / eig[0] > GRAM_COND:
        return None
    try:
        chol = np.linalg.cholesky(g)
    except np.linalg.LinAlgError:
        return None
    out: FloatArray = chol.T * scale
    return out


def solve(r_aug: FloatArray, k: int, wscale: float) -> LeastSquares:
    """Coefficients and the R factor from the R factor of ``[X y]`` (k + 1 columns).

    ``wscale`` rescales analytic weights to sum to N (the R factor scales by its root).
    """
    r = r_aug * np.sqrt(wscale)
    ls = least_squares(np.asfortranarray(r[:, :k]), r[:, k])
    return dataclasses.replace(ls, resid=np.zeros(0))


def refinement_plan(ls: LeastSquares, n: int) -> tuple[int, bool]:
    """Steps and precision of the refinement the in-memory solver would do."""
    if ls.rank == 0:
        return 0, False
    return refinement(n, float(np.linalg.cond(ls.r)))


def correction(ls: LeastSquares, g: FloatArray) -> LeastSquares:
    """One refinement step by corrected semi-normal equations: ``R'R d = Xs'(y - Xs bs)``."""
    z = sla.solve_triangular(ls.r, g, trans="T", lower=False)
    d = sla.solve_triangular(ls.r, z, lower=False)
    beta_s = ls.beta * ls.scale + d
    return dataclasses.replace(ls, beta=beta_s / ls.scale)


def _compressed(
    spec: ModelSpec, stats2: Pass2, k: int
) -> tuple[FloatArray, FloatArray, dict[str, IntArray]]:
    """Rows, residuals and cluster codes that reproduce the sums the estimator takes."""
    if spec.vce.name == "cluster":
        cells = stats2.cells
        if cells is None:
            raise EstimationError("cluster score sums are missing")
        x = np.asfortranarray(cells.to_numpy(dtype=np.float64))
        idx = cells.index
        frame = idx.to_frame(index=False) if isinstance(idx, pd.MultiIndex) else idx.to_frame()
        groups = {str(name): codes(frame.iloc[:, j]) for j, name in enumerate(spec.vce.args)}
        return x, np.ones(len(x)), groups
    if stats2.meat is not None:
        return np.asfortranarray(stats2.meat), np.ones(len(stats2.meat)), {}
    return np.zeros((1, k), order="F"), np.array([np.sqrt(stats2.rss)]), {}


#: HC2/HC3 meats come leverage-adjusted: computed as HC0 (Stata) or HC1 (hc23_factor).
_LEVERAGE = {"hc2": "Robust (HC2)", "hc3": "Robust (HC3)"}


@dataclasses.dataclass(frozen=True)
class Compressed:
    """A fit in the in-memory shapes, its arrays compressed to the sums the variance needs.

    Compute the variance with ``vce_spec`` (``results.compute_vce``), give it ``label``
    when set, and assemble as in memory; then drop these arrays from the Results.
    """

    design: Design
    fit: Fit
    vce_spec: ModelSpec
    label: str | None = None


def compressed(
    spec: ModelSpec,
    stats1: Pass1,
    ls: LeastSquares,
    stats2: Pass2,
    nobs: float,
    rows: RowAccounting,
    y_sumsq: float,
) -> Compressed:
    """Design and Fit whose rows reproduce the sums each variance estimator takes."""
    terms = stats1.terms
    keep = ls.keep
    omitted = tuple(t for t, kept in zip(terms, keep, strict=True) if not kept)
    if omitted:
        warn(f"omitted because of collinearity: {', '.join(omitted)}", CollinearityWarning)
    params = np.zeros(len(terms))
    params[keep] = ls.beta
    df_resid = nobs - ls.rank
    if df_resid <= 0:
        raise EstimationError(
            f"not enough observations: {nobs:g} observations for {ls.rank} parameters "
            "leave no residual degrees of freedom"
        )
    x, u, groups = _compressed(spec, stats2, ls.rank)
    design = Design(
        y=np.zeros(len(u)),
        x=x,
        terms=terms,
        depvar=stats1.depvar,
        has_intercept=stats1.has_intercept,
        weights=None,  # already in the sums (frequency-weight row factors included)
        weight_kind=None,
        groups=groups,
        absorb={},
        index=pd.RangeIndex(len(u)),
        rows=rows,
        notes=stats1.notes,
        factor_names=spec.factor_names,
    )
    fit = Fit(
        params, keep, ls, x, design.y, u, nobs, ls.rank, df_resid, stats2.rss, stats2.tss, omitted
    )
    fit = dataclasses.replace(fit, exact=exact_fit(stats2.rss, y_sumsq))
    if spec.vce.name in _LEVERAGE:
        base = "robust" if spec.ssc.hc23_factor else "hc0"
        vce_spec = spec.replace(vce=VceSpec(name=base, text=base))
        return Compressed(design, fit, vce_spec, _LEVERAGE[spec.vce.name])
    return Compressed(design, fit, spec)
