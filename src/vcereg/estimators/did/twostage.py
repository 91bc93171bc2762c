"""Gardner (2021): two-stage difference-in-differences (Stata and R ``did2s``).

First stage: ``y = a_i + b_t + x'c`` on the untreated observations (:mod:`.twoway`).
Second stage: least squares of the first-stage residual ``y - y_hat(0)`` on the treatment
regressors ``X2`` (a treatment dummy, or event-time dummies) over all observations.

The second-stage covariance must account for the first stage (Butts & Gardner 2022): with
``B = X2'W X2``, ``u2`` the second-stage residual and ``u1`` the first-stage residual on
untreated rows (0 on treated rows), each observation contributes

    psi_i = B^{-1} (Gamma' z10_i w_i u1_i - x2_i w_i u2_i),   Gamma = (Z0'W Z0)^{-1} Z'W X2,

``Z`` the first-stage design on every row and ``Z0`` its untreated rows; the covariance is
``sum_clusters (sum psi)(sum psi)'``, no small-sample factor. ``Gamma`` is obtained one
column of ``X2`` at a time from the same normal equations as the first stage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._types import BoolArray, FloatArray, IntArray
from ...errors import EstimationError, VceregWarning, warn
from .twoway import UntreatedModel

__all__ = ["TwoStage", "two_stage"]


@dataclass(frozen=True, slots=True, eq=False)
class TwoStage:
    """Second-stage coefficients with the corrected covariance."""

    params: FloatArray
    cov: FloatArray
    nobs: int
    n_clusters: int
    sample: BoolArray  # rows with an identified first-stage prediction
    notes: tuple[str, ...]


def two_stage(
    y: FloatArray,
    a: IntArray,
    b: IntArray,
    x1: FloatArray,
    w: FloatArray,
    treated: BoolArray,
    x2: FloatArray,
    cluster: IntArray,
) -> TwoStage:
    """Estimate the second-stage coefficients of ``x2`` (N, p) and their covariance.

    ``a``/``b`` are the first-stage fixed effects (units and periods by default), ``x1``
    its covariates (N, k), ``treated`` the rows excluded from the first stage.
    """
    notes: list[str] = []
    untreated = ~treated
    model = UntreatedModel(a, b, x1, w, untreated)
    ok = model.identified(np.ones(y.size, dtype=np.bool_))
    if not ok.all():
        note = (
            f"{int((~ok).sum())} observations dropped: the first stage cannot predict their "
            "untreated outcome (no untreated observation of their unit or period)"
        )
        warn(note, VceregWarning)
        notes.append(note)
    r_a, r_r = model.sums(y[:, None], untreated)
    theta_a, theta_r = model.solve(r_a, r_r)
    resid1 = np.where(ok, y - model.predict(theta_a, theta_r, ok)[:, 0], 0.0)
    rows = np.flatnonzero(ok)
    sw = np.sqrt(w[rows])
    x2w = x2[rows] * sw[:, None]
    beta, _, rank, _ = np.linalg.lstsq(x2w, resid1[rows] * sw, rcond=None)
    if rank < x2.shape[1]:
        raise EstimationError("the second-stage regressors are collinear")
    u2 = np.zeros(y.size)
    u2[rows] = resid1[rows] - x2[rows] @ beta
    u1 = np.where(untreated, resid1, 0.0)
    g_a, g_r = model.solve(*model.sums(x2, ok))
    q = model.predict(g_a, g_r, untreated & ok)  # z10_i' Gamma, zero on treated rows
    bread = np.linalg.inv(x2w.T @ x2w)
    contrib = (q * (w * u1)[:, None] - x2 * (w * u2)[:, None])[rows]
    n_cl = int(cluster.max()) + 1
    sums = np.zeros((n_cl, x2.shape[1]))
    np.add.at(sums, cluster[rows], contrib)
    psi = sums @ bread
    return TwoStage(
        params=beta,
        cov=psi.T @ psi,
        nobs=int(rows.size),
        n_clusters=int(np.unique(cluster[rows]).size),
        sample=ok,
        notes=tuple(notes),
    )
