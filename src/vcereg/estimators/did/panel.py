"""Staggered-adoption data: units, periods, cohorts, and the checks every DiD estimator needs.

A *cohort* is the period a unit is first treated. Never-treated units carry ``inf``: the
input may code them as missing, 0, ``inf``, or any period after the last one observed
(plus anticipation), as R's ``did`` and Stata's ``csdid`` do. Treatment is absorbing, so
the cohort must be the same in every row of a unit; a unit observed twice in one period is
an error. Units treated in (or before) the first period, allowing for anticipation, have no
untreated observation to compare with and are dropped with a warning.

Everything is indexed, never copied per cohort: ``period`` holds each row's position in
``periods`` and ``unit`` each row's unit code, so per-cohort work is one pass of
``bincount`` over N rows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..._types import BoolArray, FloatArray, IntArray
from ...errors import DataError, DroppedRowsWarning, EmptySampleError, warn

__all__ = ["StaggeredPanel", "make_panel", "never_treated"]


@dataclass(frozen=True, slots=True, eq=False)
class StaggeredPanel:
    """Rows of a staggered-adoption panel (or repeated cross-sections) after the checks.

    Attributes
    ----------
    y, x, w
        Outcome (N,), covariates (N, k) and weights (N,) (ones when unweighted).
    unit
        Unit code per row, 0..n_units-1 (for repeated cross-sections: the row itself).
    period
        Position of each row's period in ``periods``.
    periods
        The distinct periods, ascending.
    cohort
        First treated period per row; ``inf`` for never treated.
    cluster
        Cluster code per row, or None (the unit is the cluster).
    is_panel
        False for repeated cross-sections (each row its own unit).
    notes
        What was dropped or recoded, for the result's notes.
    rows
        Position of each row in the arrays given to :func:`make_panel` (rows may have been
        dropped), to align other per-row data such as cluster codes.
    """

    y: FloatArray
    x: FloatArray
    w: FloatArray
    unit: IntArray
    period: IntArray
    periods: FloatArray
    cohort: FloatArray
    cluster: IntArray | None
    is_panel: bool
    notes: tuple[str, ...] = ()
    rows: IntArray | None = None  # positions in the arrays given to make_panel

    @property
    def n_rows(self) -> int:
        return int(self.y.shape[0])

    @property
    def n_units(self) -> int:
        return int(self.unit.max()) + 1 if self.unit.size else 0

    @property
    def n_periods(self) -> int:
        return int(self.periods.shape[0])

    @property
    def balanced(self) -> bool:
        """Every unit observed in every period (always False for cross-sections)."""
        return self.is_panel and self.n_rows == self.n_units * self.n_periods

    def unit_values(self, values: FloatArray) -> FloatArray:
        """A per-row value that is constant within units, one entry per unit."""
        out = np.empty(self.n_units)
        out[self.unit] = values
        return out

    @property
    def treated(self) -> BoolArray:
        """Rows whose unit is treated at or before the row's period."""
        t = self.periods[self.period]
        return np.asarray(np.isfinite(self.cohort) & (t >= self.cohort))

    @property
    def cohorts(self) -> FloatArray:
        """The treated cohorts present, ascending."""
        finite = self.cohort[np.isfinite(self.cohort)]
        return np.unique(finite)

    def subset(self, keep: BoolArray, note: str | None = None) -> StaggeredPanel:
        """The rows in ``keep``, with units (and clusters) recoded to 0..n-1."""
        unit = _recode(self.unit[keep])
        cluster = None if self.cluster is None else _recode(self.cluster[keep])
        used = np.unique(self.period[keep])
        remap = np.full(self.n_periods, -1, dtype=np.int64)
        remap[used] = np.arange(used.size)
        notes = self.notes + ((note,) if note else ())
        rows = np.arange(self.n_rows) if self.rows is None else self.rows
        return replace(
            self,
            y=self.y[keep],
            x=self.x[keep],
            w=self.w[keep],
            unit=unit,
            period=remap[self.period[keep]],
            periods=self.periods[used],
            cohort=self.cohort[keep],
            cluster=cluster,
            notes=notes,
            rows=rows[keep],
        )


def _recode(codes: IntArray) -> IntArray:
    """Codes relabelled 0..G-1 over the values present (O(N) when they are small ints)."""
    c = np.asarray(codes)
    if np.issubdtype(c.dtype, np.integer) and c.size and c.min() >= 0 and c.max() < 4 * c.size:
        present = np.bincount(c) > 0
        out: IntArray = (np.cumsum(present) - 1)[c].astype(np.int64)
        return out
    _, inverse = np.unique(c, return_inverse=True)
    out = inverse.astype(np.int64).ravel()
    return out


def never_treated(cohort: FloatArray, last_period: float, anticipation: float) -> BoolArray:
    """Cohort values meaning "never treated": missing, 0, infinite, or after the last
    period plus anticipation (R ``did``'s convention)."""
    c = np.asarray(cohort, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        out: BoolArray = ~np.isfinite(c) | (c == 0) | (c > last_period + anticipation)
    return out


def make_panel(
    y: FloatArray,
    x: FloatArray,
    w: FloatArray | None,
    unit: IntArray | None,
    time: FloatArray,
    cohort: FloatArray,
    cluster: IntArray | None = None,
    *,
    anticipation: float = 0.0,
    cohort_name: str = "cohort",
) -> StaggeredPanel:
    """Check and index staggered-adoption data.

    Parameters
    ----------
    y, x, w
        Outcome, covariates (N, k) and optional weights of the estimation sample.
    unit
        Unit codes (0..U-1), or None for repeated cross-sections.
    time
        Period of each row (numeric; gaps between periods are allowed).
    cohort
        First treated period of each row's unit (never treated: missing, 0, inf or later
        than the last period plus ``anticipation``).
    cluster
        Optional cluster codes (must be constant within units).

    Examples
    --------
    >>> import numpy as np
    >>> p = make_panel(np.zeros(4), np.ones((4, 1)), None, np.array([0, 0, 1, 1]),
    ...                np.array([1., 2., 1., 2.]), np.array([2., 2., 0., 0.]))
    >>> p.cohorts.tolist(), p.balanced, p.cohort.tolist()
    ([2.0], True, [2.0, 2.0, inf, inf])
    """
    t = np.asarray(time, dtype=np.float64)
    if not np.all(np.isfinite(t)):
        raise DataError("the time variable has missing or non-finite values")
    periods, period = np.unique(t, return_inverse=True)
    period = period.astype(np.int64).ravel()
    g = np.asarray(cohort, dtype=np.float64).copy()
    never = never_treated(g, float(periods[-1]), anticipation)
    g[never] = np.inf
    n = t.shape[0]
    is_panel = unit is not None
    units = np.arange(n, dtype=np.int64) if unit is None else _recode(np.asarray(unit))
    if is_panel:
        _check_unit_constant(g, units, cohort_name)
        if cluster is not None:
            _check_unit_constant(np.asarray(cluster, dtype=np.float64), units, "cluster")
        _check_unique(units, period, periods.size)
    weights = np.ones(n) if w is None else np.asarray(w, dtype=np.float64)
    panel = StaggeredPanel(
        y=np.asarray(y, dtype=np.float64),
        x=np.asarray(x, dtype=np.float64).reshape(n, -1),
        w=weights,
        unit=units,
        period=period,
        periods=periods,
        cohort=g,
        cluster=None if cluster is None else _recode(np.asarray(cluster)),
        is_panel=is_panel,
        rows=np.arange(n, dtype=np.int64),
    )
    first = float(periods[0])
    always = np.isfinite(g) & (g <= first + anticipation)
    if always.any():
        n_units = np.unique(units[always]).size
        what = "units" if is_panel else "observations"
        note = (
            f"{n_units} {what} treated in the first period{_ant(anticipation)} have no "
            "untreated period to compare with and were dropped"
        )
        warn(note, DroppedRowsWarning)
        if always.all():
            raise EmptySampleError("every unit is treated in the first period")
        panel = panel.subset(~always, note)
    if not np.isfinite(panel.cohort).any():
        raise DataError(
            f"no unit is ever treated: {cohort_name} is missing, 0 or after the last period "
            "for every unit",
            hint=f"{cohort_name} must hold the period a unit is first treated",
        )
    return panel


def _ant(anticipation: float) -> str:
    return f" (allowing for {anticipation:g} period(s) of anticipation)" if anticipation else ""


def _check_unit_constant(values: FloatArray, units: IntArray, name: str) -> None:
    """``values`` must not vary within a unit (inf compares equal to itself)."""
    n_units = int(units.max()) + 1 if units.size else 0
    v = np.where(np.isfinite(values), values, np.float64(np.finfo(np.float64).max))
    lo = np.full(n_units, np.inf)
    hi = np.full(n_units, -np.inf)
    np.minimum.at(lo, units, v)
    np.maximum.at(hi, units, v)
    bad = np.flatnonzero(lo != hi)
    if bad.size:
        raise DataError(
            f"{name} varies within {bad.size} unit(s): treatment must be absorbing, with one "
            f"{name} value per unit",
            hint="the cohort is the first period a unit is treated, the same in all its rows",
        )


def _check_unique(units: IntArray, period: IntArray, n_periods: int) -> None:
    key = units * n_periods + period
    if key.size and np.bincount(key).max() > 1:
        raise DataError(
            "some units are observed more than once in a period: the id and time variables "
            "must identify the rows",
            hint="for repeated cross-sections leave the id out (rc option)",
        )
