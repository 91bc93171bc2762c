"""Pre-trend coefficients of the imputation estimator (BJS 2024, section 4.4; Stata
``did_imputation, pretrends(k)``).

On the untreated observations alone, regress y on the unit and period effects, the
covariates and indicators of being h = 1..k periods before treatment. Under parallel trends
their coefficients are zero. Each coefficient is linear in the outcomes,
``sum_i v_i y_i`` with ``v`` the row of ``(Z'WZ)^{-1} Z'W`` (:mod:`.twoway`); its cluster
sums ``sum_c (sum_{i in c} w_i v_i e_i)`` with the regression residuals ``e``, scaled by
``reghdfe``'s small-sample factor ``(N-1)/(N-K) G/(G-1)`` (counted without singletons),
join those of the effects so the covariance of pre-trends and effects is one matrix, as
``did_imputation`` reports it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._types import BoolArray, FloatArray, IntArray
from ...errors import DataError
from ..absorb import absorbed_dof, drop_singletons
from .panel import StaggeredPanel
from .twoway import UntreatedModel

__all__ = ["PreTrends", "pre_trends"]


@dataclass(frozen=True, slots=True, eq=False)
class PreTrends:
    """Coefficients of the pre-treatment indicators and their cluster sums."""

    lead: FloatArray  # h: periods before treatment (1..k)
    coef: FloatArray
    eps: FloatArray  # (clusters, k): scaled cluster sums of w v e
    df: float  # t degrees of freedom of reghdfe with clusters: G - 1


def pre_trends(
    panel: StaggeredPanel,
    untreated: BoolArray,
    cluster: IntArray,
    k: int,
    fe: tuple[IntArray, IntArray] | None = None,
) -> PreTrends:
    """Pre-trend coefficients for leads 1..k on the ``untreated`` rows."""
    event = panel.periods[panel.period] - panel.cohort
    leads = np.arange(1, k + 1, dtype=np.float64)
    dummies = np.stack([(event == -h) & untreated for h in leads], axis=1).astype(np.float64)
    present = dummies.sum(axis=0) > 0
    if not present.any():
        raise DataError(f"no untreated observation is 1 to {k} periods before treatment")
    leads, dummies = leads[present], dummies[:, present]
    a, b = fe if fe is not None else (panel.unit, panel.period)
    x = np.column_stack([panel.x, dummies])
    model = UntreatedModel(a, b, x, panel.w, untreated)
    theta_a, theta_r = model.solve(*model.sums(panel.y[:, None], untreated))
    resid = np.where(untreated, panel.y - model.predict(theta_a, theta_r, untreated)[:, 0], 0.0)
    n_b, n_x = model.n_b, panel.x.shape[1]
    coef = theta_r[n_b + n_x :, 0]
    m = coef.size
    unit_rhs = np.zeros((model.n_a, m))
    rhs = np.zeros((theta_r.shape[0], m))
    rhs[n_b + n_x + np.arange(m), np.arange(m)] = 1.0
    v_a, v_r = model.solve(unit_rhs, rhs)
    v = model.predict(v_a, v_r, untreated)
    rows = np.flatnonzero(untreated)
    g = int(cluster[rows].max()) + 1
    eps = np.zeros((g, m))
    np.add.at(eps, cluster[rows], (panel.w * resid)[rows, None] * v[rows])
    # reghdfe drops singletons (units with one untreated row, whose residual is 0 here)
    # before counting N, clusters and absorbed levels
    rows = rows[drop_singletons([a[rows], b[rows]])]
    n_obs = rows.size
    n_cl = int(np.unique(cluster[rows]).size)
    dof = absorbed_dof([a[rows], b[rows]], clusters=[cluster[rows]])
    k_all = n_x + m + dof.df_a + (1 if dof.df_a == 0 else 0)
    factor = (n_obs - 1) / (n_obs - k_all) * n_cl / (n_cl - 1)
    return PreTrends(lead=leads, coef=coef, eps=eps * np.sqrt(factor), df=float(n_cl - 1))
