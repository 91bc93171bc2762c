"""Borusyak, Jaravel & Spiess (2024): the imputation estimator.

1. Fit ``y = a_i + b_t + x'c`` on the untreated observations (never treated, and treated
   units before ``cohort - anticipation``), exactly (:mod:`.twoway`).
2. Impute ``y(0)`` for every treated observation; ``tau_it = y_it - y_hat(0)_it``.
3. Each estimand is a weighted mean of ``tau_it``: all treated observations (``ATT``) or
   those at event time e = t - cohort (the event study).

Standard errors (BJS Theorem 3, Stata's ``did_imputation``): an estimand is linear in
the outcomes, ``sum_it v_it y_it``, with ``v = w`` on treated rows and, on untreated rows,
``v = -Z0 (Z0'W Z0)^{-1} Z1'W w1`` (the imputation weights). Its conservative variance is
``sum_clusters (sum_it v_it e_it)^2`` with ``e`` the first-step residual on untreated rows
and ``tau_it - tau_bar`` on treated rows, ``tau_bar`` the average effect in the row's
cohort-and-period cell, weighted as ``did_imputation``'s default ``avgeffectsby``. No
small-sample factor; normal inference. Estimands with an effective number of treated
observations below ``minn`` (the inverse Herfindahl index of their weights) are not
reported, as in Stata.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._types import BoolArray, FloatArray, IntArray
from ...errors import DataError, VceregWarning, warn
from .panel import StaggeredPanel
from .twoway import UntreatedModel

__all__ = ["Imputation", "imputation", "treated_rows"]


@dataclass(frozen=True, slots=True, eq=False)
class Imputation:
    """Estimates of the requested estimands and their covariance (cluster sums)."""

    names: tuple[str, ...]
    event_time: FloatArray  # NaN for the overall ATT
    estimate: FloatArray
    cov: FloatArray
    n_treated: IntArray
    eps: FloatArray  # (clusters, m): sum_i w_i v_i e_i per cluster; cov = eps' eps
    effects: FloatArray  # tau_it on the treated rows (NaN elsewhere)
    n_clusters: int
    notes: tuple[str, ...]


def treated_rows(panel: StaggeredPanel, anticipation: float) -> BoolArray:
    """Rows in or after their unit's treatment (less anticipation)."""
    t = panel.periods[panel.period]
    out: BoolArray = np.isfinite(panel.cohort) & (t >= panel.cohort - anticipation)
    return out


def _avg_weights(
    v: FloatArray, w: FloatArray, cell: IntArray, cluster: IntArray, rows: IntArray
) -> FloatArray:
    """did_imputation's weights for the average effect of each cohort-period cell:
    proportional to w v times the cluster's total w v in the cell."""
    wv = w[rows] * v[rows]
    key = cluster[rows] * (int(cell.max()) + 1) + cell[rows]
    _, inv = np.unique(key, return_inverse=True)
    cluster_total = np.bincount(inv, weights=wv)[inv]
    num = cluster_total * wv
    denom = np.bincount(cell[rows], weights=num, minlength=int(cell.max()) + 1)[cell[rows]]
    out: FloatArray = np.divide(num, denom, out=np.zeros_like(num), where=denom != 0)
    return out


def imputation(
    panel: StaggeredPanel,
    *,
    cluster: IntArray,
    anticipation: float = 0.0,
    horizons: FloatArray | None = None,
    minn: int = 30,
    fe: tuple[IntArray, IntArray] | None = None,
) -> Imputation:
    """The imputation estimator's overall ATT and event-time effects.

    Parameters
    ----------
    panel
        The data; ``panel.x`` holds the covariates without intercept.
    cluster
        Cluster code per row (the unit by default, chosen by the caller).
    horizons
        Event times to report (default: every one observed among treated rows).
    minn
        Minimum effective number of treated observations for an estimand to be reported.
    fe
        The two fixed effects of the untreated-outcome model (default: unit and period).
    """
    notes: list[str] = []
    treated = treated_rows(panel, anticipation)
    untreated = ~treated
    if not untreated.any():
        raise DataError("there are no untreated observations to fit the model of y(0)")
    a, b = fe if fe is not None else (panel.unit, panel.period)
    model = UntreatedModel(a, b, panel.x, panel.w, untreated)
    ok = model.identified(treated)
    n_lost = int((treated & ~ok).sum())
    if n_lost:
        note = (
            f"y(0) cannot be imputed for {n_lost} treated observations (their unit or "
            "period has no untreated observation); they are left out"
        )
        warn(note, VceregWarning)
        notes.append(note)
    r_a, r_r = model.sums(panel.y[:, None], untreated)
    theta_a, theta_r = model.solve(r_a, r_r)
    fitted = model.predict(theta_a, theta_r, untreated | ok)[:, 0]
    resid = np.where(untreated, panel.y - fitted, 0.0)
    tau = np.where(ok, panel.y - fitted, np.nan)
    event = panel.periods[panel.period] - panel.cohort
    if horizons is None:
        horizons = np.unique(event[ok])
    names = ["ATT"] + [_horizon_name(h) for h in horizons]
    masks = [ok] + [ok & (event == h) for h in horizons]
    # weights on treated rows, normalised so that sum(w * wtr) = 1 over each estimand
    wtr = np.zeros((panel.n_rows, len(masks)))
    keep = np.ones(len(masks), dtype=np.bool_)
    for j, m in enumerate(masks):
        total = float(panel.w[m].sum())
        if total <= 0:
            keep[j] = False
            continue
        wtr[m, j] = 1.0 / total
        hhi = float(((panel.w[m] * wtr[m, j]) ** 2).sum())
        if hhi > 1.0 / max(minn, 1e-300) and minn > 0:
            keep[j] = False
            note = (
                f"{names[j]} not reported: its effective number of treated observations "
                f"({1 / hhi:.1f}) is below minn({minn})"
            )
            warn(note, VceregWarning)
            notes.append(note)
    wtr = wtr[:, keep]
    names = [n for n, k in zip(names, keep, strict=True) if k]
    masks = [m for m, k in zip(masks, keep, strict=True) if k]
    estimate = (panel.w[:, None] * wtr * np.nan_to_num(tau)[:, None]).sum(axis=0)
    # imputation weights on the untreated rows: -Z0 (Z0'W Z0)^{-1} Z1'W wtr
    b_a, b_r = model.sums(wtr, ok)
    v_a, v_r = model.solve(b_a, b_r)
    v = wtr - model.predict(v_a, v_r, untreated)
    # residuals: first-step residuals, and tau minus its cohort-period average
    n_per = panel.n_periods
    cohort_code = np.unique(panel.cohort, return_inverse=True)[1].ravel()
    cell = cohort_code * n_per + panel.period
    rows = np.flatnonzero(ok)
    n_clusters = int(cluster.max()) + 1
    eps = np.zeros((n_clusters, len(names)))
    for j in range(len(names)):
        sw = _avg_weights(v[:, j], panel.w, cell, cluster, rows)
        avg = np.bincount(cell[rows], weights=tau[rows] * sw, minlength=int(cell.max()) + 1)
        e = resid.copy()
        e[rows] = tau[rows] - avg[cell[rows]]
        eps[:, j] = np.bincount(cluster, weights=panel.w * v[:, j] * e, minlength=n_clusters)
    cov = eps.T @ eps
    return Imputation(
        names=tuple(names),
        event_time=np.array([np.nan, *horizons])[keep],
        estimate=estimate,
        cov=cov,
        n_treated=np.array([int(m.sum()) for m in masks], dtype=np.int64),
        eps=eps,
        effects=tau,
        n_clusters=int(np.unique(cluster).size),
        notes=tuple(notes),
    )


def _horizon_name(h: float) -> str:
    """csdid-style names of event times: Tm2 (two before), Tp0, Tp3."""
    return f"Tm{-h:g}" if h < 0 else f"Tp{h:g}"
