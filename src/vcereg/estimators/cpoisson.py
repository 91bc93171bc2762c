"""Conditional (fixed-effects) Poisson: Stata's ``xtpoisson y x, fe``.

Conditioning on each panel's total count gives a multinomial likelihood whose maximum is
the Poisson fit with a dummy per panel (Hausman, Hall & Griliches 1984; the profiled
Poisson likelihood differs from the conditional one by a function of the data only). So
the estimates, the inverse Hessian and the scores come from the Poisson fit with the panels
absorbed (:func:`~vcereg.estimators.glm_fe.fit_glm_fe`); the log likelihood reported is the
conditional one, ``sum_g [ln n_g! - sum_i ln y_i! + sum_i y_i ln(mu_i / sum_g mu)]``, as
Stata reports it.

As Stata, panels whose outcomes are all zero are dropped ("N groups (M obs) dropped because
of all zero outcomes"), and so are panels of one observation ("... because of only one obs
per group"); separation by the regressors within panels is checked as for ``ppmlhdfe``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import special

from .._types import FloatArray, IntArray
from ..errors import EmptySampleError
from .glm_fe import GLMFEFit, fit_glm_fe
from .separation import find_separation

__all__ = ["ConditionalPoissonFit", "conditional_poisson_loglik", "fit_conditional_poisson"]


@dataclass(frozen=True, slots=True, eq=False)
class ConditionalPoissonFit:
    """The Poisson fit on the rows ``sample`` and the conditional log likelihood."""

    fit: GLMFEFit
    sample: NDArray[np.bool_]
    loglik: float
    n_groups: int
    notes: tuple[str, ...]


def conditional_poisson_loglik(y: FloatArray, mu: FloatArray, group: IntArray) -> float:
    """The multinomial log likelihood of the counts given each group's total."""
    size = int(group.max()) + 1
    total_y = np.bincount(group, weights=y, minlength=size)
    total_mu = np.bincount(group, weights=mu, minlength=size)
    share = mu / total_mu[group]
    per_group = special.gammaln(total_y + 1.0).sum() - special.gammaln(y + 1.0).sum()
    return float(per_group + special.xlogy(y, share).sum())


def fit_conditional_poisson(
    x: FloatArray,
    y: FloatArray,
    group: IntArray,
    *,
    tol: float = 1e-10,
    itol: float = 1e-11,
    maxiter: int = 10_000,
) -> ConditionalPoissonFit:
    """Fit ``xtpoisson, fe`` (see the module docstring)."""
    y = np.asarray(y, dtype=np.float64)
    group = np.asarray(group, dtype=np.int64)
    x = np.asarray(x, dtype=np.float64).reshape(y.size, -1)
    notes = []
    size = int(group.max()) + 1 if group.size else 0
    count = np.bincount(group, minlength=size)
    total = np.bincount(group, weights=y, minlength=size)
    zero = (total == 0)[group]
    single = (count == 1)[group] & ~zero
    for mask, why in ((zero, "all zero outcomes"), (single, "only one obs per group")):
        if mask.any():
            g = len(np.unique(group[mask]))
            notes.append(
                f"{g} group{'s' if g > 1 else ''} ({int(mask.sum())} obs) dropped because of {why}"
            )
    sample = ~(zero | single)
    idx = np.flatnonzero(sample)
    if idx.size == 0:
        raise EmptySampleError("no panel has two observations with a positive total count")
    codes = np.unique(group[idx], return_inverse=True)[1].astype(np.int64)
    sep = find_separation(y[idx], x[idx], [codes], methods=("simplex", "ir"))
    message = sep.message()
    if message:
        notes.append(message)
    if sep.n_singletons:
        notes.append(
            f"{sep.n_singletons} obs dropped because their panel was left with only one observation"
        )
    if not sep.keep.all():
        sample[idx[~sep.keep]] = False
        idx = np.flatnonzero(sample)
        codes = np.unique(group[idx], return_inverse=True)[1].astype(np.int64)
    fit = fit_glm_fe(x[idx], y[idx], [codes], tol=tol, itol=itol, maxiter=maxiter)
    ll = conditional_poisson_loglik(y[idx], fit.mu, codes)
    return ConditionalPoissonFit(fit, sample, ll, int(codes.max()) + 1, tuple(notes))
