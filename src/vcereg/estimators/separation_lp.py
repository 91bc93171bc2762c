"""Separation by the regressors, as a linear programme (ppmlhdfe's ``simplex`` check).

Poisson (Correia, Guimarães & Zylkin 2021, section 4.1): a combination ``z = X g`` can
separate only if it vanishes on every observation with ``y > 0``, once the fixed effects
are partialled out on those observations. So ``g`` lies in the null space ``N`` of the
demeaned regressors on the ``y > 0`` sample, and on the ``y = 0`` sample ``z = R d`` with
``R = X0~ N``. The observations with ``z_i > 0`` for some ``d`` with ``R d >= 0`` are the
separated ones; the linear programme

    maximise sum(s)  subject to  0 <= s_i <= 1,  s_i <= (R d)_i,  (R d)_i >= 0

reaches ``s_i = 1`` exactly on all of them (the feasible ``z`` form a cone: scaling a
certificate up saturates ``s``, and two certificates add). scipy's HiGHS solves it; rows of
``R`` that are positive multiples of each other are merged first, so data with discrete
regressors give small programmes. Binary outcomes (logit, probit) without fixed effects:
every observation is on a boundary, ``z`` must have the sign of ``2y - 1`` everywhere, and
the same programme runs on the sign-adjusted regressors (with the constant).

The fixed effects' own part of a certificate is left to the iterative rectifier
(:mod:`vcereg.estimators.separation_ir`), as in ppmlhdfe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
from scipy.optimize import linprog
from scipy.sparse import csr_matrix, hstack, identity, vstack

from .._types import BoolArray, FloatArray, IntArray
from ..errors import EstimationError
from ..linalg import weighted_gram
from .absorb import demean
from .absorb_twoway import TwoWayDemeaner

__all__ = ["LPResult", "binary_lp_separation", "poisson_lp_separation"]

#: Relative size below which a singular value, or an entry of R, is zero.
_ZERO = 1e-9


@dataclass(frozen=True, slots=True)
class LPResult:
    """``separated`` observations and the certificate's regressor coefficients."""

    separated: BoolArray
    coef: FloatArray


def poisson_lp_separation(x: FloatArray, codes: Sequence[IntArray], y: FloatArray) -> LPResult:
    """Observations with ``y = 0`` separated by a combination of the regressors ``x``
    (without the constant; the fixed effects, or the constant without them, are
    partialled out on the ``y > 0`` sample)."""
    n, k = x.shape
    none = LPResult(np.zeros(n, dtype=np.bool_), np.zeros(k))
    pos = y > 0
    if k == 0 or pos.all() or not pos.any():
        return none
    fe = list(codes) if codes else [np.zeros(n, dtype=np.int64)]
    if TwoWayDemeaner.applicable(fe):
        xt = np.array(x, dtype=np.float64, order="F", copy=True)
        TwoWayDemeaner(fe).project(xt, pos.astype(np.float64))
    else:
        xt = demean(x, fe, pos.astype(np.float64), tol=1e-12).values.reshape(n, k)
    if _well_conditioned(weighted_gram(xt, pos.astype(np.float64))):
        return none  # no combination vanishes on the y > 0 sample: nothing to separate
    null = _null_space(xt[pos])
    if null.shape[1] == 0:
        return none
    zero = ~pos
    r = xt[zero] @ null
    sep_rows, d = _max_support(r)
    if d is None:
        return none
    separated = np.zeros(n, dtype=np.bool_)
    separated[np.flatnonzero(zero)[sep_rows]] = True
    return LPResult(separated, _coef(null @ d, xt[zero]))


def binary_lp_separation(x: FloatArray, y: FloatArray) -> LPResult:
    """Observations of a binary model (no fixed effects) perfectly predicted by a
    combination of ``x`` (which should include the constant)."""
    n, k = x.shape
    side = np.where(y > 0, 1.0, -1.0)
    sep_rows, d = _max_support(x * side[:, None])
    if d is None:
        return LPResult(np.zeros(n, dtype=np.bool_), np.zeros(k))
    return LPResult(sep_rows, _coef(d, x))


def _well_conditioned(gram: FloatArray) -> bool:
    """The unit-diagonal Gram matrix is far from singular (its smallest eigenvalue is
    above 1e-8, singular values above 1e-4 of the largest): no null space, no QR needed."""
    d = np.sqrt(np.diag(gram))
    if gram.size == 0 or not np.all(d > 0):
        return False
    return float(np.linalg.eigvalsh(gram / np.outer(d, d))[0]) > 1e-8


def _null_space(a: FloatArray) -> FloatArray:
    """Orthonormal basis (in the column-scaled metric, mapped back) of ``{g: a g = 0}``."""
    k = a.shape[1]
    norms = np.sqrt(np.einsum("ij,ij->j", a, a))
    dead = norms <= _ZERO * max(float(norms.max(initial=0.0)), 1e-300)
    basis = [np.eye(k)[:, j] for j in np.flatnonzero(dead)]
    live = np.flatnonzero(~dead)
    if live.size:
        scaled = a[:, live] / norms[live]
        # R of a QR (no N x N factor), padded to square when there are fewer rows
        r = sla.qr(scaled, mode="r", check_finite=False)[0][: live.size]
        r = np.vstack([r, np.zeros((live.size - r.shape[0], live.size))])
        _, sv, vt = sla.svd(r, lapack_driver="gesvd")
        for j in np.flatnonzero(sv <= _ZERO * max(float(sv[0]), 1e-300)):
            g = np.zeros(k)
            g[live] = vt[j] / norms[live]
            basis.append(g)
    return np.column_stack(basis) if basis else np.zeros((k, 0))


def _max_support(r: FloatArray) -> tuple[BoolArray, FloatArray | None]:
    """Rows ``i`` with ``(r d)_i > 0`` for some ``d`` with ``r d >= 0`` (all such rows at
    once), and that ``d``; (no rows, None) when there are none."""
    n = r.shape[0]
    r = np.where(np.abs(r) <= _ZERO * max(float(np.abs(r).max(initial=0.0)), 1e-300), 0.0, r)
    size = np.abs(r).max(axis=1) if r.shape[1] else np.zeros(n)
    live = size > 0
    if not live.any():
        return np.zeros(n, dtype=np.bool_), None
    if r.shape[1] == 1:  # one direction: separation iff its sign never changes
        col = r[:, 0]
        sign = 1.0 if col.min() >= 0 else -1.0 if col.max() <= 0 else 0.0
        return (sign * col > 0), (np.array([sign]) if sign else None)
    unit = np.round(r[live] / size[live, None], 12)  # positive multiples: one constraint
    rows, inverse = np.unique(unit, axis=0, return_inverse=True)
    p, m = rows.shape
    a = csr_matrix(rows)
    eye = identity(p, format="csr")
    # variables [d (m, free), s (p, in [0, 1])]: s - r d <= 0 and -r d <= 0
    a_ub = vstack([hstack([-a, eye]), hstack([-a, csr_matrix((p, p))])], format="csr")
    cost = np.concatenate([np.zeros(m), -np.ones(p)])
    bounds = [(None, None)] * m + [(0.0, 1.0)] * p
    res = linprog(cost, A_ub=a_ub, b_ub=np.zeros(2 * p), bounds=bounds, method="highs")
    if res.status != 0:
        raise EstimationError(f"the separation check's linear programme failed: {res.message}")
    hit = res.x[m:] > 0.5
    if not hit.any():
        return np.zeros(n, dtype=np.bool_), None
    out = np.zeros(n, dtype=np.bool_)
    out[np.flatnonzero(live)] = hit[inverse.ravel()]
    return out, np.asarray(res.x[:m], dtype=np.float64)


def _coef(g: FloatArray, x: FloatArray) -> FloatArray:
    """The certificate's coefficients, with those that contribute nothing set to 0."""
    span = np.abs(x).max(axis=0) if x.shape[0] else np.zeros(x.shape[1])
    contrib = np.abs(g) * span
    return np.where(contrib > 1e-6 * max(float(contrib.max(initial=0.0)), 1e-300), g, 0.0)
