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
from typing import TypeVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..._types import BoolArray, FloatArray, IntArray
from ...errors import DataError, DroppedRowsWarning, EmptySampleError, warn

__all__ = ["StaggeredPanel", "dense_codes", "make_panel", "never_treated"]

_T = TypeVar("_T", bound=np.generic)


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
        Position of each row in the arrays given to :func:`make_panel` when rows were
        dropped, to align other per-row data such as cluster codes (None: all rows, in
        order; :meth:`take` aligns either way).

    Arrays may be views of the caller's (unit and period codes, the outcome) or read-only
    broadcasts (unit weights): they are never written to.
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
    rows: IntArray | None = None  # positions in the arrays given to make_panel (None: all)

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

    def take(self, values: np.ndarray) -> np.ndarray:
        """Rows of ``values`` (aligned with the arrays given to :func:`make_panel`) that
        the panel kept: ``values`` itself when all were kept."""
        return values if self.rows is None else values[self.rows]

    def unit_values(self, values: NDArray[_T]) -> NDArray[_T]:
        """A per-row value that is constant within units, one entry per unit."""
        out: NDArray[_T] = np.empty(self.n_units, dtype=values.dtype)
        out[self.unit] = values
        return out

    @property
    def treated(self) -> BoolArray:
        """Rows whose unit is treated at or before the row's period."""
        t = self.periods[self.period]
        return np.asarray(np.isfinite(self.cohort) & (t >= self.cohort))

    @property
    def cohorts(self) -> FloatArray:
        """The treated cohorts present, ascending (hashing, then a sort of the few values)."""
        values = pd.unique(self.cohort)
        out: FloatArray = np.sort(values[np.isfinite(values)])
        return out

    def subset(self, keep: BoolArray, note: str | None = None) -> StaggeredPanel:
        """The rows in ``keep``, with units (and clusters) recoded to 0..n-1."""
        unit = dense_codes(self.unit[keep])
        cluster = None if self.cluster is None else dense_codes(self.cluster[keep])
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


def dense_codes(codes: IntArray) -> IntArray:
    """Codes relabelled 0..G-1 over the values present (O(N) when they are small ints;
    the input itself when it is already dense int64)."""
    c = np.asarray(codes)
    if np.issubdtype(c.dtype, np.integer) and c.size and c.min() >= 0 and c.max() < 4 * c.size:
        present = np.bincount(c) > 0
        if present.all() and c.dtype == np.int64:
            return c
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
    time_codes: IntArray | None = None,
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
    time_codes
        Optional codes 0..T-1 of ``time`` in the order of its values (the design's): used
        when they are, saving a sort of the rows.

    Examples
    --------
    >>> import numpy as np
    >>> p = make_panel(np.zeros(4), np.ones((4, 1)), None, np.array([0, 0, 1, 1]),
    ...                np.array([1., 2., 1., 2.]), np.array([2., 2., 0., 0.]))
    >>> p.cohorts.tolist(), p.balanced, p.cohort.tolist()
    ([2.0], True, [2.0, 2.0, inf, inf])
    """
    periods, period = _periods(np.asarray(time), time_codes)
    g = np.array(cohort, dtype=np.float64)  # a copy: never-treated values are recoded
    never = never_treated(g, float(periods[-1]), anticipation)
    g[never] = np.inf
    n = period.shape[0]
    is_panel = unit is not None
    units = np.arange(n, dtype=np.int64) if unit is None else dense_codes(np.asarray(unit))
    if is_panel:
        _check_unit_constant(g, units, cohort_name)
        if cluster is not None:
            _check_unit_constant(np.asarray(cluster), units, "cluster")
        _check_unique(units, period, periods.size)
    # unweighted: a read-only broadcast of 1 (no N-vector of ones is allocated)
    weights = np.broadcast_to(1.0, (n,)) if w is None else np.asarray(w, dtype=np.float64)
    panel = StaggeredPanel(
        y=np.asarray(y, dtype=np.float64),
        x=np.asarray(x, dtype=np.float64).reshape(n, -1),
        w=weights,
        unit=units,
        period=period,
        periods=periods,
        cohort=g,
        cluster=None if cluster is None else dense_codes(np.asarray(cluster)),
        is_panel=is_panel,
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


#: Rows per block of the checks (no N-size temporaries)
_BLOCK = 1 << 16


def _blocks(n: int) -> range:
    return range(0, n, _BLOCK)


def _periods(t: np.ndarray, codes: IntArray | None) -> tuple[FloatArray, IntArray]:
    """The distinct periods (ascending) and each row's position among them: from the
    given codes when they number the values in ascending order, else by sorting."""
    if t.dtype.kind not in "iuf":
        t = t.astype(np.float64)
    finite = (np.isfinite(t[i : i + _BLOCK]).all() for i in _blocks(t.size))
    if t.dtype.kind == "f" and not all(finite):
        raise DataError("the time variable has missing or non-finite values")
    if codes is not None and codes.shape == t.shape and codes.size:
        c = np.asarray(codes)
        if c.dtype == np.int64 and c.min() >= 0:
            periods = np.full(int(c.max()) + 1, np.nan)
            periods[c] = t
            same = (np.array_equal(periods[c[i : i + _BLOCK]], t[i : i + _BLOCK])
                    for i in _blocks(t.size))  # fmt: skip
            if np.all(np.diff(periods) > 0) and all(same):
                return periods, c
    periods, period = np.unique(t.astype(np.float64, copy=False), return_inverse=True)
    return periods, period.astype(np.int64).ravel()


def _check_unit_constant(values: np.ndarray, units: IntArray, name: str) -> None:
    """``values`` must not vary within a unit (missing values compare equal)."""
    n_units = int(units.max()) + 1 if units.size else 0
    first = np.empty(n_units, dtype=values.dtype)
    first[units] = values  # one row's value per unit; any other that differs is an error
    bad_units = []
    for i in _blocks(values.size):
        v, u = values[i : i + _BLOCK], units[i : i + _BLOCK]
        same = first[u] == v
        if not same.all() and values.dtype.kind == "f":
            same |= np.isnan(v) & np.isnan(first[u])
        bad_units.append(u[~same])
    bad = np.unique(np.concatenate(bad_units)) if bad_units else np.zeros(0)
    if bad.size:
        raise DataError(
            f"{name} varies within {bad.size} unit(s): treatment must be absorbing, with one "
            f"{name} value per unit",
            hint="the cohort is the first period a unit is treated, the same in all its rows",
        )


def _check_unique(units: IntArray, period: IntArray, n_periods: int) -> None:
    n_units = int(units.max()) + 1 if units.size else 0
    seen = np.zeros(n_units * n_periods, dtype=np.bool_)
    for i in _blocks(units.size):
        seen[units[i : i + _BLOCK] * n_periods + period[i : i + _BLOCK]] = True
    if np.count_nonzero(seen) < units.size:
        raise DataError(
            "some units are observed more than once in a period: the id and time variables "
            "must identify the rows",
            hint="for repeated cross-sections leave the id out (rc option)",
        )
