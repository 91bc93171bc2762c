"""ATT(g, t) without covariates on a balanced panel, from weighted cohort-by-period means.

Without covariates the three 2x2 estimators coincide (:func:`.twobytwo.did_panel`): ATT(g, t)
is the weighted mean change of cohort g between the base period and t minus that of its
controls, and the controls are whole cohorts (never treated, or not yet treated at t). So
every cell is a function of the (cohorts x periods) weighted means, computed in one pass
over the rows, and every influence function is a per-cohort linear function of the unit's
outcome path (:class:`.cellinf.CohortInfluence`): nothing of size units x cells is built.
The numbers are those of the cell-by-cell computation (:class:`.cs._BalancedCells`) up to
rounding.
"""

from __future__ import annotations

import numpy as np

from ..._types import BoolArray, FloatArray
from .cellinf import CohortInfluence, cohort_codes
from .panel import StaggeredPanel

__all__ = ["CohortCells", "cohort_cells", "unconditional_balanced"]

_BLOCK = 1 << 16  # rows per block of the passes over the rows


def unconditional_balanced(panel: StaggeredPanel) -> bool:
    """A balanced panel with a constant as the only covariate and weights constant within
    units: where :func:`cohort_cells` applies."""
    if not panel.balanced or panel.x.shape[1] != 1:
        return False
    x, w, unit = panel.x[:, 0], panel.w, panel.unit
    first_w = panel.unit_values(w)
    for lo in range(0, panel.n_rows, _BLOCK):
        hi = lo + _BLOCK
        if not (np.all(x[lo:hi] == x[0]) and np.array_equal(w[lo:hi], first_w[unit[lo:hi]])):
            return False
    return True


class CohortCells:
    """The cells' estimates and influence functions (see :func:`cohort_cells`)."""

    def __init__(
        self,
        att: FloatArray,
        valid: BoolArray,
        influence: CohortInfluence,
        unit_weight: FloatArray,
        unit_cohort: FloatArray,
    ) -> None:
        self.att, self.valid, self.influence = att, valid, influence
        self.unit_weight, self.unit_cohort = unit_weight, unit_cohort


def cohort_cells(
    panel: StaggeredPanel,
    cells: list[tuple[float, int, int]],
    thresholds: FloatArray,
    notyet: bool,
) -> CohortCells:
    """ATT(g, t) of ``cells`` ((g, period position, base position)); the controls of cell
    j are the never treated, and with ``notyet`` the cohorts after ``thresholds[j]``.
    Cells without treated or control units are not valid (``att`` NaN)."""
    n, t_count = panel.n_units, panel.n_periods
    unit_cohort = panel.unit_values(panel.cohort)
    unit_weight = panel.unit_values(panel.w)
    levels, code = cohort_codes(unit_cohort)
    order = np.argsort(code, kind="stable")
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)
    y = np.empty((n, t_count))
    for lo in range(0, panel.n_rows, _BLOCK):  # units sorted by cohort: blocks are slices
        hi = lo + _BLOCK
        y[pos[panel.unit[lo:hi]], panel.period[lo:hi]] = panel.y[lo:hi]
    w = unit_weight[order]
    bounds = np.concatenate([[0], np.cumsum(np.bincount(code, minlength=levels.size))])
    size = np.zeros(levels.size)
    mean = np.zeros((levels.size, t_count))
    for h in range(levels.size):
        lo, hi = int(bounds[h]), int(bounds[h + 1])
        size[h] = w[lo:hi].sum()
        if hi > lo:
            mean[h] = w[lo:hi] @ y[lo:hi] / size[h]
            y[lo:hi] -= mean[h]
    k = len(cells)
    att = np.full(k, np.nan)
    valid = np.zeros(k, dtype=np.bool_)
    coef = np.zeros((levels.size, k))
    delta = np.zeros((levels.size, k))
    cur = np.array([c[1] for c in cells], dtype=np.int64)
    ref = np.array([c[2] for c in cells], dtype=np.int64)
    never = np.isinf(levels)
    for j, (g, c, r) in enumerate(cells):
        if c == r:  # the universal base period itself: 0 by construction
            att[j], valid[j] = 0.0, True
            continue
        change = mean[:, c] - mean[:, r]
        treated = levels == g
        control = never | ((levels > thresholds[j]) & ~treated) if notyet else never
        w_t, w_c = float(size[treated].sum()), float(size[control].sum())
        if w_t <= 0 or w_c <= 0:
            continue
        mu_t = float(size[treated] @ change[treated]) / w_t
        mu_c = float(size[control] @ change[control]) / w_c
        att[j], valid[j] = mu_t - mu_c, True
        coef[treated, j], coef[control, j] = n / w_t, -n / w_c
        delta[treated, j] = change[treated] - mu_t
        delta[control, j] = change[control] - mu_c
    influence = CohortInfluence(y, levels, w, order, bounds, coef, delta, cur, ref)
    return CohortCells(att, valid, influence, unit_weight, unit_cohort)
