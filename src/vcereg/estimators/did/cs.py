"""Callaway & Sant'Anna (2021): group-time average treatment effects ATT(g, t).

For each treated cohort g and period t, one 2x2 comparison (:mod:`.twobytwo`) of the
cohort with its controls between a base period and t:

* **base period**: ``"varying"`` (R ``did``'s default) compares each pre-treatment period
  with the one before it and every post-treatment period with g - 1 - anticipation;
  ``"universal"`` uses g - 1 - anticipation throughout (its own cell is 0 by construction);
* **controls**: ``"never"`` treated units, or ``"notyet"``: never treated plus units first
  treated after max(t, base) + anticipation (other than g itself);
* covariates and weights come from the earlier of the two periods (balanced panels).

Balanced panels use the panel 2x2 estimators on the unit-level change; repeated
cross-sections and unbalanced panels (``unbalanced=True``) the cross-section estimators,
with the influence function summed within units. Each cell's influence function is
rescaled by n / n_cell so that all cells share one sample of n units (R's convention):
``V = Psi' Psi / n^2``. Without never-treated units, periods from the last cohort on are
dropped and that cohort becomes the control (``"never"``) or is only a control (``"notyet"``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from ..._types import BoolArray, FloatArray, IntArray
from ...errors import DataError, EstimationError, VceregWarning, warn
from .panel import StaggeredPanel
from .twobytwo import Method, did_panel
from .twobytwo_rc import did_rc

__all__ = ["Control", "GroupTime", "att_gt"]

Control = Literal["never", "notyet"]
Base = Literal["varying", "universal"]


@dataclass(frozen=True, slots=True, eq=False)
class GroupTime:
    """ATT(g, t) estimates with their unit-level influence functions.

    ``inf`` is (n units, cells); ``valid`` marks cells that could be estimated (the
    others have NaN ``att`` and a zero column). ``unit_weight``/``unit_cohort``/``unit_cluster``
    describe the n units for the aggregations (cohort shares) and clustering.
    """

    group: FloatArray
    time: FloatArray
    base: FloatArray
    periods: FloatArray
    att: FloatArray
    inf: FloatArray
    post: BoolArray
    valid: BoolArray
    unit_weight: FloatArray
    unit_cohort: FloatArray
    unit_cluster: IntArray | None
    notes: tuple[str, ...]

    @property
    def n(self) -> int:
        return int(self.inf.shape[0])


def _no_never_treated(
    panel: StaggeredPanel, control: Control, anticipation: float
) -> tuple[StaggeredPanel, float | None]:
    """R ``did``: without never-treated units, drop the periods from the last cohort on;
    with ``never`` controls that cohort becomes the never-treated group."""
    if np.isinf(panel.cohort).any():
        return panel, None
    latest = float(panel.cohorts[-1])
    keep = panel.periods[panel.period] < latest - anticipation
    if not keep.any():
        raise DataError("no period is left before the last cohort is treated")
    role = "is the control group" if control == "never" else "serves only as a control"
    note = (
        f"no never-treated units: periods from {latest:g} on were dropped and the cohort "
        f"first treated in {latest:g} {role}"
    )
    warn(note, VceregWarning)
    out = panel.subset(keep, note)
    if control == "never":
        cohort = np.where(out.cohort == latest, np.inf, out.cohort)
        out = replace(out, cohort=cohort)
    return out, latest


def _cells(
    periods: FloatArray, cohorts: FloatArray, base: Base, anticipation: float
) -> list[tuple[float, int, int]]:
    """(g, current period index, base period index) in R ``did``'s order."""
    out: list[tuple[float, int, int]] = []
    start = 1 if base == "varying" else 0
    for g in cohorts:
        before = np.flatnonzero(periods + anticipation < g)
        if before.size == 0:
            warn(f"no pre-treatment period for the cohort treated in {g:g}", VceregWarning)
            continue
        pre_g = int(before[-1])
        for cur in range(start, periods.size):
            post = g <= periods[cur]
            ref = pre_g if base == "universal" or post else cur - 1
            out.append((float(g), cur, ref))
    return out


def _controls(cohort: FloatArray, g: float, threshold: float, control: Control) -> BoolArray:
    never: BoolArray = np.isinf(cohort)
    if control == "never":
        return never
    out: BoolArray = never | ((cohort > threshold) & (cohort != g))
    return out


def att_gt(
    panel: StaggeredPanel,
    *,
    method: Method = "dr",
    control: Control = "never",
    anticipation: float = 0.0,
    base: Base = "varying",
    unbalanced: bool = False,
) -> GroupTime:
    """All ATT(g, t) of a staggered adoption design.

    Parameters
    ----------
    panel
        The data; ``panel.x`` holds the covariates *with* an intercept column.
    method
        ``"dr"`` (doubly robust, default), ``"ipw"`` or ``"reg"``.
    control
        ``"never"`` (never-treated units) or ``"notyet"`` (not-yet-treated as well).
    anticipation
        Periods of anticipation: the base period of cohort g is the last one before
        g - anticipation.
    base
        ``"varying"`` or ``"universal"`` base period for pre-treatment cells.
    unbalanced
        With an unbalanced panel, keep every row and use the cross-section estimators
        (R's ``allow_unbalanced_panel``); otherwise units missing a period are dropped.
    """
    panel, _ = _no_never_treated(panel, control, anticipation)
    notes = list(panel.notes)
    if panel.is_panel and not panel.balanced and not unbalanced:
        counts = np.bincount(panel.unit)
        full = counts == panel.n_periods
        n_drop = int((~full).sum())
        note = (
            f"{n_drop} units are not observed in every period and were dropped (balanced "
            "panel); the unbalanced option keeps them"
        )
        warn(note, VceregWarning)
        if not full.any():
            raise DataError("no unit is observed in every period; use the unbalanced option")
        panel = panel.subset(full[panel.unit], note)
        notes.append(note)
    cohorts = panel.cohorts
    cohorts = cohorts[cohorts > panel.periods[0] + anticipation]
    if not np.isinf(panel.cohort).any() and control == "notyet":
        cohorts = cohorts[:-1]  # the last cohort only serves as a control
    if cohorts.size == 0:
        raise DataError("no treated cohort has a pre-treatment period to compare with")
    cells = _cells(panel.periods, cohorts, base, anticipation)
    est = _BalancedCells(panel) if panel.balanced else _RowCells(panel)
    n_cells = len(cells)
    att = np.full(n_cells, np.nan)
    inf = np.zeros((est.n, n_cells), order="F")
    valid = np.zeros(n_cells, dtype=np.bool_)
    for j, (g, cur, ref) in enumerate(cells):
        if cur == ref:  # the universal base period itself: 0 by construction
            att[j], valid[j] = 0.0, True
            continue
        threshold = float(panel.periods[max(cur, ref)]) + anticipation
        try:
            att[j] = est.cell(g, cur, ref, threshold, control, method, inf[:, j])
            valid[j] = True
        except EstimationError as exc:
            note = f"ATT({g:g}, {panel.periods[cur]:g}) not estimated: {exc.message}"
            warn(note, VceregWarning)
            notes.append(note)
            inf[:, j] = 0.0
    groups = np.array([c[0] for c in cells])
    times = panel.periods[[c[1] for c in cells]]
    return GroupTime(
        group=groups,
        time=times,
        base=panel.periods[[c[2] for c in cells]],
        periods=panel.periods,
        att=att,
        inf=inf,
        post=groups <= times,
        valid=valid,
        unit_weight=est.unit_weight,
        unit_cohort=est.unit_cohort,
        unit_cluster=est.unit_cluster,
        notes=tuple(dict.fromkeys(notes)),
    )


class _BalancedCells:
    """Cells of a balanced panel: unit x period arrays, one 2x2 per cell."""

    def __init__(self, panel: StaggeredPanel) -> None:
        n, t = panel.n_units, panel.n_periods
        flat = np.empty(n * t, dtype=np.int64)
        flat[panel.unit * t + panel.period] = np.arange(panel.n_rows)
        pos = flat.reshape(n, t)
        self.n = n
        self.y = panel.y[pos]  # (n, T)
        self.x = panel.x[pos]  # (n, T, k)
        self.w = panel.w[pos]
        self.cohort = panel.cohort[pos[:, 0]]
        self.unit_weight = self.w[:, 0]
        self.unit_cohort = self.cohort
        self.unit_cluster = None if panel.cluster is None else panel.cluster[pos[:, 0]]

    def cell(
        self,
        g: float,
        cur: int,
        ref: int,
        threshold: float,
        control: Control,
        method: Method,
        out: FloatArray,
    ) -> float:
        treated = self.cohort == g
        keep = np.flatnonzero(treated | _controls(self.cohort, g, threshold, control))
        early = min(cur, ref)
        dy = self.y[keep, cur] - self.y[keep, ref]
        d = treated[keep].astype(np.float64)
        att, psi = did_panel(dy, d, self.x[keep, early], self.w[keep, early], method)
        out[keep] = psi * (self.n / keep.size)
        return att


class _RowCells:
    """Cells of repeated cross-sections or an unbalanced panel: rows of the two periods."""

    def __init__(self, panel: StaggeredPanel) -> None:
        self.panel = panel
        self.n = panel.n_units
        count = np.bincount(panel.unit, minlength=self.n).astype(np.float64)
        self.unit_weight = np.bincount(panel.unit, weights=panel.w, minlength=self.n) / count
        self.unit_cohort = panel.unit_values(panel.cohort)
        self.unit_cluster = (
            None
            if panel.cluster is None
            else panel.unit_values(panel.cluster.astype(np.float64)).astype(np.int64)
        )

    def cell(
        self,
        g: float,
        cur: int,
        ref: int,
        threshold: float,
        control: Control,
        method: Method,
        out: FloatArray,
    ) -> float:
        p = self.panel
        in_periods = (p.period == cur) | (p.period == ref)
        treated = p.cohort == g
        rows = np.flatnonzero(in_periods & (treated | _controls(p.cohort, g, threshold, control)))
        post = (p.period[rows] == cur).astype(np.float64)
        d = treated[rows].astype(np.float64)
        att, psi = did_rc(p.y[rows], post, d, p.x[rows], p.w[rows], method)
        out += np.bincount(p.unit[rows], weights=psi, minlength=self.n) * (self.n / rows.size)
        return att
