"""Wooldridge (2021): extended two-way fixed effects (ETWFE; Stata ``jwdid``, R ``etwfe``).

A linear regression with unit and period fixed effects and one dummy per treated cohort g
and period t >= g - anticipation (``control="notyet"``, the default: every untreated
observation is a control); with ``control="never"`` the pre-treatment cells get dummies too
(all but t = g - 1 - anticipation), so that only never-treated units are controls:

    y_it = a_i + b_t + sum_{g,t} tau_{g,t} 1{G_i = g, t} + controls + u_it

With covariates x (Wooldridge's section 6), the regression adds x, x by cohort, x by
period, and in each cell x demeaned within the cohort, so ``tau_{g,t}`` is the effect at
the cohort's mean of x. The aggregates average the cell effects over the treated
observations (overall, by event time, cohort or period): linear combinations of the
coefficients taken with the data as given, so their covariance is ``L V L'`` with ``V`` the
registry covariance of the regression (``jwdid``'s ``estat`` with the delta method).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..._types import FloatArray, IntArray
from ...errors import DataError
from ...spec import SmallSample, VceSpec, WeightKind
from .feols import FeRegression, fe_regression, scratch
from .panel import StaggeredPanel

__all__ = ["Etwfe", "etwfe"]

EtwfeAgg = Literal["simple", "event", "group", "calendar"]


@dataclass(frozen=True, slots=True, eq=False)
class Etwfe:
    """Cell coefficients tau_{g,t} and what the aggregations need."""

    cohort: FloatArray  # (C,)
    time: FloatArray  # (C,)
    coef: FloatArray  # (C,) cell effects at the cohort mean of x
    cov: FloatArray  # (P, P) over every regressor
    params: FloatArray  # (P,)
    count: FloatArray  # (C,) observations in each cell (estimation sample)
    xbar: FloatArray  # (C, k) mean of x - cohort mean over each cell's observations
    reg: FeRegression
    notes: tuple[str, ...]

    def weights(self, kind: EtwfeAgg) -> tuple[FloatArray, FloatArray]:
        """(index, L): each row of L averages the observation-level effects
        ``tau_{g,t} + (x_i - xbar_g)' delta_{g,t}`` over the post-treatment observations of
        one group of ``kind``."""
        post = self.time >= self.cohort
        if kind == "event":  # pre-treatment cells too (they exist with never-treated controls)
            post = np.ones(self.coef.size, dtype=np.bool_)
        if kind == "simple":
            key, labels = np.zeros(self.coef.size), np.array([0.0])
        else:
            key = {"event": self.time - self.cohort, "group": self.cohort}.get(kind, self.time)
            labels = np.unique(key[post])
        n_cell, k = self.coef.size, self.xbar.shape[1]
        out = np.zeros((labels.size, self.params.size))
        for i, lab in enumerate(labels):
            sel = post & (key == lab)
            share = np.where(sel, self.count, 0.0) / self.count[sel].sum()
            out[i, :n_cell] = share
            for j in range(k):
                out[i, n_cell * (1 + j) : n_cell * (2 + j)] = share * self.xbar[:, j]
        return labels, out


def etwfe(
    panel: StaggeredPanel,
    *,
    vce: VceSpec,
    ssc: SmallSample,
    groups: Mapping[str, IntArray],
    control: Literal["notyet", "never"] = "notyet",
    anticipation: float = 0.0,
    weight_kind: WeightKind | None = None,
) -> Etwfe:
    """Fit the extended TWFE regression (``panel.x``: covariates without intercept)."""
    t = panel.periods[panel.period]
    g = panel.cohort
    treated_unit = np.isfinite(g)
    if control == "never" and not np.isinf(g).any():
        raise DataError(
            "control(never) needs never-treated units", hint="use not-yet-treated controls"
        )
    start = g - anticipation
    if control == "notyet":
        in_cell = treated_unit & (t >= start)
    else:
        in_cell = treated_unit & (t != start - 1)
    pairs, inv = np.unique(np.column_stack([g[in_cell], t[in_cell]]), axis=0, return_inverse=True)
    if pairs.shape[0] == 0:
        raise DataError("no treated cohort-period cell to estimate")
    cell = np.full(panel.n_rows, -1, dtype=np.int64)
    cell[in_cell] = inv.ravel()
    n_cell, k = pairs.shape[0], panel.x.shape[1]
    x = panel.x
    cohorts = np.unique(g[treated_unit])
    periods = np.arange(panel.n_periods)
    # x demeaned within cohort (over the cohort's observations), for the cell interactions
    xd = x.copy()
    for c in cohorts:
        sel = g == c
        xd[sel] -= x[sel].mean(axis=0)
    n_par = n_cell * (1 + k) + k * (1 + cohorts.size + periods.size - 1)
    dm = scratch(panel.n_rows, n_par)
    dm[:, 0] = panel.y
    rows = np.flatnonzero(in_cell)
    dm[rows, 1 + cell[rows]] = 1.0
    col = 1 + n_cell
    names = [f"{a:g}:{b:g}" for a, b in pairs]
    for j in range(k):  # cell x (x - cohort mean)
        dm[rows, col + cell[rows]] = xd[rows, j]
        names += [f"{a:g}:{b:g}:x{j}" for a, b in pairs]
        col += n_cell
    for j in range(k):
        dm[:, col] = x[:, j]
        col += 1
        names.append(f"x{j}")
        for c in cohorts:
            dm[:, col] = x[:, j] * (g == c)
            col += 1
            names.append(f"x{j}:g{c:g}")
        for p in periods[1:]:
            dm[:, col] = x[:, j] * (panel.period == p)
            col += 1
            names.append(f"x{j}:t{p}")
    w = None if weight_kind is None else panel.w
    reg = fe_regression(
        dm,
        [panel.unit, panel.period],
        vce=vce,
        ssc=ssc,
        groups=groups,
        weights=w,
        weight_kind=weight_kind,
        names=names,
    )
    used = reg.sample
    cu = cell[used]
    has = cu >= 0
    count = np.bincount(cu[has], minlength=n_cell).astype(np.float64)
    xbar = np.zeros((n_cell, k))
    for j in range(k):
        sums = np.bincount(cu[has], weights=xd[used][has, j], minlength=n_cell)
        xbar[:, j] = np.divide(sums, count, out=np.zeros(n_cell), where=count > 0)
    return Etwfe(
        cohort=pairs[:, 0],
        time=pairs[:, 1],
        coef=reg.params[:n_cell],
        cov=reg.cov,
        params=reg.params,
        count=count,
        xbar=xbar,
        reg=reg,
        notes=reg.notes,
    )
