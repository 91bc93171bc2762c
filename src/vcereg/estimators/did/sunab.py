"""Sun & Abraham (2021): the interaction-weighted (IW) event study.

One regression with unit and period fixed effects and a dummy for every treated cohort e
and relative period l = t - e (except the reference l = -1 - anticipation), so that each
cohort's dynamic path is estimated separately against the control cohort:

    y_it = a_i + b_t + sum_{e, l != ref} delta_{e,l} 1{E_i = e} 1{t - E_i = l} + x_it' g + u_it

The control cohort is the never treated (``control="never"``), or the last-treated cohort
(``"last"``), in which case the periods from its treatment on are dropped. The IW estimate
of relative period l averages the cohort-specific delta_{e,l} with the cohorts' shares of
the observations at l; the ATT averages all post-treatment (l >= 0) coefficients with their
shares (fixest's ``aggregate(agg = "ATT")``). Shares are taken as given, so each aggregate
is ``s' delta`` with covariance ``s' V s`` (the delta method), V from the variance registry.
Stata: ``eventstudyinteract``; R: ``fixest::sunab``.
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

__all__ = ["SunAbraham", "sun_abraham"]

SaControl = Literal["never", "last"]


@dataclass(frozen=True, slots=True, eq=False)
class SunAbraham:
    """Cohort-by-relative-period coefficients and the aggregation shares."""

    cohort: FloatArray  # (K,) cohort of each interaction
    rel: FloatArray  # (K,) relative period of each interaction
    coef: FloatArray  # (K,)
    cov: FloatArray  # (K, K)
    share: FloatArray  # (K,) observations (or weights) in each cell
    covariates: FloatArray  # coefficients of the controls
    reg: FeRegression
    used: IntArray  # panel rows in the regression (after the control restriction, singletons)
    notes: tuple[str, ...]

    def weights(self, kind: Literal["event", "att", "cohort"]) -> tuple[FloatArray, FloatArray]:
        """(index, W): rows of W average the coefficients into the aggregates of ``kind``:
        one per relative period, the single post-treatment ATT, or one per cohort."""
        ok = self.reg.keep[: self.coef.size]
        if kind == "att":
            groups, labels = [ok & (self.rel >= 0)], np.array([0.0])
        elif kind == "event":
            labels = np.unique(self.rel[ok])
            groups = [ok & (self.rel == r) for r in labels]
        else:
            labels = np.unique(self.cohort[ok & (self.rel >= 0)])
            groups = [ok & (self.rel >= 0) & (self.cohort == c) for c in labels]
        w = np.zeros((len(groups), self.coef.size))
        for i, sel in enumerate(groups):
            if not sel.any():
                raise DataError("no post-treatment interaction to aggregate")
            w[i, sel] = self.share[sel] / self.share[sel].sum()
        return labels, w


def sun_abraham(
    panel: StaggeredPanel,
    *,
    vce: VceSpec,
    ssc: SmallSample,
    groups: Mapping[str, IntArray],
    control: SaControl = "never",
    anticipation: float = 0.0,
    weight_kind: WeightKind | None = None,
    covariate_names: tuple[str, ...] = (),
    rel_bins: tuple[IntArray, FloatArray] | None = None,
) -> SunAbraham:
    """Estimate the cohort-by-relative-period interactions (see the module docstring).

    ``panel.x`` holds the covariates without an intercept (the fixed effects absorb it);
    ``groups`` the factorised variables the variance request needs, row-aligned with
    ``panel``. ``rel_bins`` replaces the relative periods by user bins
    (``eventstudyinteract``'s indicator list): a bin code per row (-1: reference) and the
    event time each bin stands for.
    """
    notes: list[str] = []
    cohort = panel.cohort.copy()
    keep = np.ones(panel.n_rows, dtype=np.bool_)
    if control == "last":
        last = float(panel.cohorts[-1])
        keep = panel.periods[panel.period] < last - anticipation
        cohort[cohort == last] = np.inf
        notes.append(
            f"control cohort: first treated in {last:g} (periods from {last - anticipation:g} "
            "on dropped)"
        )
    elif not np.isinf(cohort).any():
        raise DataError(
            "there are no never-treated units to serve as the control cohort",
            hint="use the last-treated cohort as control: control(last)",
        )
    t = panel.periods[panel.period]
    rel = t - cohort
    ref = -1.0 - anticipation
    treated_row = np.isfinite(cohort) & keep
    cell_rows = treated_row & (rel != ref)
    if rel_bins is not None:
        code_of_row, bin_time = rel_bins
        cell_rows = treated_row & (code_of_row >= 0)
        rel = np.where(code_of_row >= 0, bin_time[np.maximum(code_of_row, 0)], np.nan)
    pairs, inverse = np.unique(
        np.column_stack([cohort[cell_rows], rel[cell_rows]]), axis=0, return_inverse=True
    )
    if pairs.shape[0] == 0:
        raise DataError("no treated cohort is observed outside its reference period")
    rows = np.flatnonzero(keep)
    k_cells, k_cov = pairs.shape[0], panel.x.shape[1]
    dm = scratch(rows.size, k_cells + k_cov)
    dm[:, 0] = panel.y[rows]
    # the column of each row's (cohort, rel) pair, -1 for controls and reference periods
    code = np.full(panel.n_rows, -1, dtype=np.int64)
    code[cell_rows] = inverse.ravel()
    code = code[rows]
    has = code >= 0
    dm[np.flatnonzero(has), 1 + code[has]] = 1.0
    if k_cov:
        dm[:, 1 + k_cells :] = panel.x[rows]
    names = [f"{c:g}:{r:g}" for c, r in pairs] + list(covariate_names)
    w = None if weight_kind is None else panel.w[rows]
    reg = fe_regression(
        dm,
        [panel.unit[rows], panel.period[rows]],
        vce=vce,
        ssc=ssc,
        groups={k: v[rows] for k, v in groups.items()},
        weights=w,
        weight_kind=weight_kind,
        names=names,
    )
    used = reg.sample
    mass = np.ones(used.sum()) if w is None else w[used]
    share = np.bincount(code[used][has[used]], weights=mass[has[used]], minlength=k_cells).astype(
        np.float64
    )
    return SunAbraham(
        cohort=pairs[:, 0],
        rel=pairs[:, 1],
        coef=reg.params[:k_cells],
        cov=reg.cov[:k_cells, :k_cells],
        share=share,
        covariates=reg.params[k_cells:],
        reg=reg,
        used=rows[used],
        notes=tuple(notes) + reg.notes,
    )
