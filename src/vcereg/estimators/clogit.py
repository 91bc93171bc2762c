"""Conditional (fixed-effects) logit: Stata's ``clogit y x, group(g)`` and
``xtlogit y x, fe``, by maximum likelihood on the exact conditional likelihood
(:mod:`.clogit_lik`).

Before the fit, as Stata: groups whose outcomes are all positive or all negative carry no
information and are dropped ("N groups (M obs) dropped because of all positive or all
negative outcomes"); regressors without variation within any group are omitted. Beyond
Stata, observations that a combination of the regressors orders perfectly within their
group (separation, found by the iterative rectifier with the groups as fixed effects) are
dropped and reported, instead of letting coefficients run off to infinity: the
conditional likelihood of the rest is the limit the original one approaches.

The scores a variance estimator sees are the per-group scores (each on one row of its
group), so robust and cluster variances treat groups as the independent units: Stata's
``clogit`` requires groups nested within clusters, and ``vce(robust)`` is clustering on
the groups.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .._types import FloatArray, IntArray
from ..errors import CollinearityWarning, EmptySampleError, warn
from ..linalg import least_squares
from .absorb import demean
from .clogit_lik import ConditionalLogitData, conditional_logit_loglik
from .newton import maximize
from .separation import find_separation

__all__ = ["ClogitFit", "fit_clogit", "informative_groups"]


@dataclass(frozen=True, slots=True, eq=False)
class ClogitFit:
    """A conditional logit fit on the rows ``sample`` of the input.

    ``params`` cover every column (0 for omitted ones); ``scores`` (rows of the sample x
    kept columns) hold each group's score on one of its rows; ``hessian`` is the negative
    Hessian. ``loglik_0`` is the conditional log likelihood at ``b = 0`` (Stata's LR test).
    """

    params: FloatArray
    keep: NDArray[np.bool_]
    sample: NDArray[np.bool_]
    scores: FloatArray
    hessian: FloatArray
    loglik: float
    loglik_0: float
    iterations: int
    n_groups: int
    dropped_groups: int
    dropped_obs: int
    n_separated: int
    notes: tuple[str, ...]


def informative_groups(y: FloatArray, group: IntArray) -> NDArray[np.bool_]:
    """Rows in groups with both outcomes (Stata drops the others)."""
    size = int(group.max()) + 1 if group.size else 0
    n = np.bincount(group, minlength=size)
    pos = np.bincount(group, weights=(y != 0).astype(np.float64), minlength=size)
    ok: NDArray[np.bool_] = ((pos > 0) & (pos < n))[group]
    return ok


def fit_clogit(
    x: FloatArray,
    y: FloatArray,
    group: IntArray,
    *,
    group_weights: FloatArray | None = None,
    separation: bool = True,
    tol: float = 1e-6,
    ltol: float = 1e-7,
    nrtol: float = 1e-5,
    maxiter: int = 300,
) -> ClogitFit:
    """Fit a conditional logit (see the module docstring).

    Parameters
    ----------
    x, y, group
        Regressors (no constant), the outcome (non-zero is positive) and group codes.
    group_weights
        Optional weights per group code (Stata: weights apply to groups as a whole).
    separation
        Drop observations perfectly ordered within their group (default).
    tol, ltol, nrtol, maxiter
        Stata's maximize options.
    """
    x = np.asarray(x, dtype=np.float64)
    yb = (np.asarray(y) != 0).astype(np.float64)
    group = np.asarray(group, dtype=np.int64)
    notes: list[str] = []
    sample = informative_groups(yb, group)
    n_drop = int((~sample).sum())
    g_drop = len(np.unique(group[~sample]))
    if n_drop:
        notes.append(
            f"{g_drop} group{'s' if g_drop > 1 else ''} ({n_drop} obs) dropped because of "
            "all positive or all negative outcomes"
        )
    n_sep = 0
    if separation and sample.any():
        idx = np.flatnonzero(sample)
        sep = find_separation(
            yb[idx], x[idx], [_compact(group[idx])], kind="binary", methods=("ir",)
        )
        if sep.n_separated:
            n_sep = sep.n_separated
            notes.append(sep.message() or "")
        sample[idx[~sep.keep]] = False
    if not sample.any():
        raise EmptySampleError("no group has both positive and negative outcomes")
    idx = np.flatnonzero(sample)
    xs, ys, gs = x[idx], yb[idx], _compact(group[idx])
    keep = _within_varying(xs, gs)
    if not keep.all():
        names = ", ".join(f"column {j}" for j in np.flatnonzero(~keep))
        warn(
            f"omitted because of no within-group variance or collinearity: {names}",
            CollinearityWarning,
        )
    data = ConditionalLogitData.build(xs[:, keep], ys, gs)
    gw = None
    if group_weights is not None:
        w_all = np.asarray(group_weights, dtype=np.float64)
        first = np.zeros(int(gs.max()) + 1, dtype=np.int64)
        first[gs] = idx
        gw = w_all[group[first]]

    def objective(b: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        ll, grad, neg_hess, _ = conditional_logit_loglik(b, data, gw)
        return ll, grad, neg_hess

    k = int(keep.sum())
    ll_0 = objective(np.zeros(k))[0]
    best = maximize(objective, np.zeros(k), tol=tol, ltol=ltol, nrtol=nrtol, maxiter=maxiter)
    ll, _, hess, group_scores = conditional_logit_loglik(best.theta, data, gw)
    scores = np.zeros((idx.size, k))
    scores[data.first_row] = group_scores
    params = np.zeros(x.shape[1])
    params[keep] = best.theta
    return ClogitFit(
        params=params,
        keep=keep,
        sample=sample,
        scores=scores,
        hessian=hess,
        loglik=ll,
        loglik_0=ll_0,
        iterations=best.iterations,
        n_groups=data.n_groups,
        dropped_groups=g_drop,
        dropped_obs=n_drop,
        n_separated=n_sep,
        notes=tuple(notes),
    )


def _compact(codes: IntArray) -> IntArray:
    out: IntArray = np.unique(codes, return_inverse=True)[1].astype(np.int64)
    return out


def _within_varying(x: FloatArray, group: IntArray) -> NDArray[np.bool_]:
    """Columns with variation within groups, not collinear with earlier ones."""
    if x.shape[1] == 0:
        return np.ones(0, dtype=np.bool_)
    before = np.sqrt(np.einsum("ij,ij->j", x - x.mean(axis=0), x - x.mean(axis=0)))
    dm = demean(x, [group]).values.reshape(x.shape)
    after = np.sqrt(np.einsum("ij,ij->j", dm, dm))
    keep: NDArray[np.bool_] = after > 1e-9 * np.maximum(before, 1e-300)
    if keep.any():
        ls = least_squares(np.asfortranarray(dm[:, keep]), np.zeros(x.shape[0]))
        keep[np.flatnonzero(keep)[~ls.keep]] = False
    return keep
