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
import pandas as pd
from numpy.typing import NDArray

from ..._types import BoolArray, FloatArray, IntArray
from ...errors import DataError
from ...spec import SmallSample, VceSpec, WeightKind
from .feols import FeRegression, fe_regression, scratch
from .grid import grid_regression
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
    n_units: int  # units in the regression (after the control restriction, singletons)
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
    cohort_u = panel.unit_values(panel.cohort)
    keep: BoolArray | None = None
    if control == "last":
        last = float(panel.cohorts[-1])
        keep = panel.periods[panel.period] < last - anticipation
        cohort_u = np.where(cohort_u == last, np.inf, cohort_u)
        notes.append(
            f"control cohort: first treated in {last:g} (periods from {last - anticipation:g} "
            "on dropped)"
        )
    elif not np.isinf(cohort_u).any():
        raise DataError(
            "there are no never-treated units to serve as the control cohort",
            hint="use the last-treated cohort as control: control(last)",
        )
    cohorts = np.sort(pd.unique(cohort_u))  # hashing: a sort of the few values only
    unit_code = np.searchsorted(cohorts, cohort_u).astype(np.int64)
    cells = _Cells(panel, cohorts, unit_code, keep, -1.0 - anticipation, rel_bins)
    rows = None if keep is None else np.flatnonzero(keep)

    def take(v: np.ndarray) -> np.ndarray:  # the kept rows, without a copy when all are
        return v if rows is None else v[rows]

    y, unit, period = take(panel.y), take(panel.unit), take(panel.period)
    k_cells, k_cov = cells.pairs.shape[0], panel.x.shape[1]
    names = [f"{c:g}:{r:g}" for c, r in cells.pairs] + list(covariate_names)
    w = None if weight_kind is None else take(panel.w)
    kept_groups = {k: take(v) for k, v in groups.items()}
    t_kept = int(period.max()) + 1
    reg = None
    grid = cells.grid(t_kept)
    balanced = y.size == panel.n_units * t_kept  # (unit, period) pairs are unique
    if grid is not None and balanced and t_kept > 1 and not k_cov and w is None:
        reg = grid_regression(y, unit, period, unit_code, grid, vce=vce, ssc=ssc,
                              groups=kept_groups, names=names)  # fmt: skip
    if reg is None:
        dm = scratch(y.size, k_cells + k_cov)
        dm[:, 0] = y
        code = take(cells.row_column())
        has = np.flatnonzero(code >= 0)
        dm[has, 1 + code[has]] = 1.0
        if k_cov:
            dm[:, 1 + k_cells :] = take(panel.x)
        reg = fe_regression(dm, [unit, period], vce=vce, ssc=ssc, groups=kept_groups,
                            weights=w, weight_kind=weight_kind, names=names)  # fmt: skip
        del dm
        used = reg.sample
        mass = np.ones(int(used.sum())) if w is None else w[used]
        c_used = code[used]
        share: FloatArray = np.bincount(
            c_used[c_used >= 0], weights=mass[c_used >= 0], minlength=k_cells
        ).astype(np.float64)
        n_units = int(np.count_nonzero(np.bincount(unit[used])))
    else:
        share = cells.grid_share(t_kept)
        n_units = panel.n_units
    return SunAbraham(
        cohort=cells.pairs[:, 0],
        rel=cells.pairs[:, 1],
        coef=reg.params[:k_cells],
        cov=reg.cov[:k_cells, :k_cells],
        share=share.astype(np.float64),
        covariates=reg.params[k_cells:],
        reg=reg,
        n_units=n_units,
        notes=tuple(notes) + reg.notes,
    )


class _Cells:
    """The interactions' columns, found on the cohort x period grid.

    Each kept row of a treated cohort outside its reference period (or in one of the user's
    bins) belongs to the column of its (cohort, relative period) pair; pairs are numbered in
    the order of ``np.unique`` over (cohort, relative period). Rows are keyed by
    (cohort, period, bin), so only the distinct keys are sorted, never the rows."""

    def __init__(
        self,
        panel: StaggeredPanel,
        cohorts: FloatArray,
        unit_code: IntArray,
        keep: BoolArray | None,
        ref: float,
        rel_bins: tuple[IntArray, FloatArray] | None,
    ) -> None:
        t_count = panel.n_periods
        n_bins = 1 if rel_bins is None else rel_bins[1].size + 1
        self.panel, self.unit_code, self.keep, self.rel_bins = panel, unit_code, keep, rel_bins
        self.t_count, self.n_bins = t_count, n_bins
        key = self._keys()
        counts = np.bincount(key[key >= 0], minlength=cohorts.size * t_count * n_bins)
        del key
        present = np.flatnonzero(counts)
        c = present // (t_count * n_bins)
        t = (present // n_bins) % t_count
        rel = panel.periods[t] - cohorts[c]
        ok = np.isfinite(cohorts[c])
        if rel_bins is None:
            ok &= rel != ref
        else:
            b = present % n_bins - 1
            ok &= b >= 0
            rel = np.where(b >= 0, rel_bins[1][np.maximum(b, 0)], np.nan)
        pairs, inverse = np.unique(np.column_stack([cohorts[c[ok]], rel[ok]]), axis=0,
                                   return_inverse=True)  # fmt: skip
        if pairs.shape[0] == 0:
            raise DataError("no treated cohort is observed outside its reference period")
        self.pairs: FloatArray = pairs
        self.key_column = np.full(counts.size, -1, dtype=np.int64)
        self.key_column[present[ok]] = inverse.ravel()
        self.counts = counts
        self.n_cohorts = cohorts.size

    def _keys(self) -> IntArray:
        """Each row's (cohort, period, bin) key; -1 for dropped rows."""
        key = self.unit_code[self.panel.unit]
        key *= self.t_count
        key += self.panel.period
        if self.rel_bins is not None:
            key *= self.n_bins
            key += self.rel_bins[0] + 1  # bin 0: none (reference or control)
        if self.keep is not None:
            key[~self.keep] = -1
        return key

    def row_column(self) -> IntArray:
        """The column of every panel row (-1: no interaction, or a dropped row)."""
        key = self._keys()
        out: IntArray = np.where(key >= 0, self.key_column[np.maximum(key, 0)], -1)
        return out

    def _by_cell(self) -> tuple[IntArray, NDArray[np.intp]]:
        col = self.key_column.reshape(self.n_cohorts, self.t_count, self.n_bins)
        cnt = self.counts.reshape(self.n_cohorts, self.t_count, self.n_bins)
        return col, cnt

    def grid(self, t_kept: int) -> IntArray | None:
        """(C, t_kept) column of each cohort-period cell, or None when rows of one cell
        fall in different columns (user bins that are not functions of the period)."""
        col, cnt = self._by_cell()
        keys_per_cell = (cnt > 0).sum(axis=2)
        if (keys_per_cell > 1).any():
            return None
        out: IntArray = np.where(cnt > 0, col, -1).max(axis=2)[:, :t_kept]
        return out

    def grid_share(self, t_kept: int) -> FloatArray:
        """Rows in each column (all rows used)."""
        col, cnt = self._by_cell()
        sel = col >= 0
        mass = cnt[sel].astype(np.float64)
        out = np.bincount(col[sel], weights=mass, minlength=self.pairs.shape[0])
        return np.asarray(out, dtype=np.float64)
