"""Aggregations of ATT(g, t) (Callaway & Sant'Anna 2021, section 3), with influence functions.

Every aggregate is a weighted average of cells, ``theta = sum_c v_c ATT_c``; when the
weights are cohort shares estimated from the data (``P(G = g)`` among the units), their
estimation adds the term ``wif`` to the influence function (R ``did``'s ``wif``):

===========  ================================================================  ===============
kind         estimates                                                         overall
===========  ================================================================  ===============
simple       post-treatment cells weighted by cohort share                     itself
dynamic      e = t - g: cells of event time e weighted by cohort share         mean over e >= 0
group        cohort g: mean of its post-treatment cells                        cohort-share
                                                                               weighted mean
calendar     period t: treated cohorts' cells weighted by cohort share         mean over t
===========  ================================================================  ===============

``min_e``/``max_e`` restrict event times (``max_e`` also caps the cells used by ``simple``
and ``group``, as in R); ``balance_e`` keeps only cohorts observed at least that many
periods after treatment, so the event-study composition does not change with e. Cells that
could not be estimated are left out (R's ``na.rm = TRUE``) and said so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..._types import BoolArray, FloatArray, IntArray
from ...errors import DataError
from .cs import GroupTime

__all__ = ["AggKind", "Aggregate", "aggregate", "cohort_shares"]

AggKind = Literal["simple", "dynamic", "group", "calendar"]


@dataclass(frozen=True, slots=True, eq=False)
class Aggregate:
    """An aggregation: one estimate per ``index`` entry (event time, cohort or period),
    their influence functions (n, m), and the overall summary with its influence function.
    ``joint`` is (n, 1 + m): the overall's column first, then the estimates' (``inf`` and
    ``overall_inf`` are views of it)."""

    kind: AggKind
    index: FloatArray
    estimate: FloatArray
    inf: FloatArray
    overall: float
    overall_inf: FloatArray
    joint: FloatArray


def cohort_shares(gt: GroupTime) -> dict[float, float]:
    """P(G = g): the weighted share of units in each treated cohort (R's ``pg``)."""
    w, c = gt.unit_weight, gt.unit_cohort
    return {float(g): float(np.mean(w * (c == g))) for g in np.unique(gt.group)}


class _Sums:
    """Linear combinations of the cells under construction: column j is
    ``sum_c V[c, j] ATT_c``, whose influence function is ``Psi V[:, j]`` plus, when the
    weights are estimated cohort shares, ``w_i alpha[cohort of i, j]``."""

    def __init__(self, gt: GroupTime, levels: FloatArray) -> None:
        self.gt, self.levels = gt, levels
        self.v: list[FloatArray] = []
        self.alpha: list[FloatArray] = []
        self.est: list[float] = []

    def add(self, cells: IntArray, pg: FloatArray, *, estimated_weights: bool) -> None:
        """The average of ``cells`` with weights pg / sum(pg).

        The share weights' influence (R ``did``'s ``wif``) is, for unit i of cohort h,
        ``w_i (sum_{c: g_c = h} ATT_c - #{c: g_c = h} theta) / sum(pg)``: the centring
        terms of the shares cancel in the weighted sum."""
        total = float(pg.sum())
        v = np.zeros(self.gt.att.size)
        v[cells] = pg / total
        theta = float(v[cells] @ self.gt.att[cells])
        alpha = np.zeros(self.levels.size)
        if estimated_weights:
            h = np.searchsorted(self.levels, self.gt.group[cells])
            np.add.at(alpha, h, self.gt.att[cells] - theta)
            alpha /= total
        self.v.append(v)
        self.alpha.append(alpha)
        self.est.append(theta)

    def add_combination(self, weights: FloatArray, alpha: FloatArray | None = None) -> None:
        """A linear combination of the columns added so far (plus an extra ``alpha``)."""
        v = np.column_stack(self.v) @ weights
        a = np.column_stack(self.alpha) @ weights
        self.v.append(v)
        self.alpha.append(a if alpha is None else a + alpha)
        self.est.append(float(np.asarray(self.est) @ weights))

    def influence(self, order: list[int]) -> tuple[FloatArray, FloatArray]:
        """Estimates and (n, m) influence functions of the columns in ``order``."""
        v = np.column_stack([self.v[j] for j in order])
        alpha = np.column_stack([self.alpha[j] for j in order])
        psi = self.gt.influence.combine(v, alpha if np.any(alpha != 0) else None)
        return np.array([self.est[j] for j in order]), psi


def aggregate(
    gt: GroupTime,
    kind: AggKind,
    *,
    min_e: float = -np.inf,
    max_e: float = np.inf,
    balance_e: float | None = None,
) -> Aggregate:
    """Aggregate ATT(g, t) as R ``did``'s ``aggte(type = kind)``.

    Examples
    --------
    >>> import numpy as np
    >>> from vcereg.estimators.did.cellinf import DenseInfluence
    >>> cohort = np.array([2., 2., np.inf, np.inf])
    >>> gt = GroupTime(np.array([2., 2.]), np.array([2., 3.]), np.array([1., 1.]),
    ...                np.array([1., 2., 3.]), np.array([1.0, 3.0]),
    ...                DenseInfluence(np.zeros((4, 2)), np.ones(4), cohort),
    ...                np.array([True, True]), np.array([True, True]), np.ones(4),
    ...                cohort, None, ())
    >>> aggregate(gt, "group").overall
    2.0
    """
    ok = gt.valid
    shares = cohort_shares(gt)
    pg_cell = np.array([shares[float(g)] for g in gt.group])
    e = gt.time - gt.group
    post = ok & (gt.group <= gt.time) & (e <= max_e)
    sums = _Sums(gt, gt.influence.levels)
    if kind == "simple":
        cells = np.flatnonzero(post)
        _need(cells, "post-treatment")
        sums.add(cells, pg_cell[cells], estimated_weights=True)
        est, psi = sums.influence([0, 0])
        return _result(kind, np.array([0.0]), est, psi)
    if kind == "group":
        return _by_group(gt, post, shares, sums)
    if kind == "dynamic":
        return _dynamic(gt, ok, pg_cell, min_e, max_e, balance_e, sums)
    if kind == "calendar":
        return _calendar(gt, ok, pg_cell, sums)
    raise DataError(f"unknown aggregation {kind!r}; expected simple, dynamic, group or calendar")


def _result(kind: AggKind, index: FloatArray, est: FloatArray, psi: FloatArray) -> Aggregate:
    """``est`` and ``psi`` hold the overall first, then one entry per ``index``."""
    return Aggregate(kind, index, est[1:], psi[:, 1:], float(est[0]), psi[:, 0], psi)


def _need(cells: list[int] | FloatArray | IntArray, what: str) -> None:
    if len(cells) == 0:
        raise DataError(f"no {what} ATT(g, t) to aggregate")


def _by_group(gt: GroupTime, post: BoolArray, shares: dict[float, float], sums: _Sums) -> Aggregate:
    groups = [g for g in np.unique(gt.group) if (post & (gt.group == g)).any()]
    _need(groups, "post-treatment")
    for g in groups:
        cells = np.flatnonzero(post & (gt.group == g))
        sums.add(cells, np.ones(cells.size), estimated_weights=False)
    pgg = np.array([shares[float(g)] for g in groups])
    v = pgg / pgg.sum()
    est = np.asarray(sums.est)
    theta = float(v @ est)
    # the cohort weights are estimated: the same correction as for cells, one per cohort
    alpha = np.zeros(sums.levels.size)
    alpha[np.searchsorted(sums.levels, groups)] = (est - theta) / pgg.sum()
    sums.add_combination(v, alpha)
    m = len(groups)
    est_all, psi = sums.influence([m, *range(m)])
    return _result("group", np.array(groups), est_all, psi)


def _dynamic(
    gt: GroupTime,
    ok: BoolArray,
    pg_cell: FloatArray,
    min_e: float,
    max_e: float,
    balance_e: float | None,
    sums: _Sums,
) -> Aggregate:
    e = gt.time - gt.group
    include = ok.copy()
    events = np.unique(e[ok])
    if balance_e is not None:
        last, first = float(gt.time[ok].max()), float(gt.periods[0])
        include &= (last - gt.group) >= balance_e
        events = np.unique(e[include])
        events = events[(events <= balance_e) & (events >= balance_e - last + first)]
    events = events[(events >= min_e) & (events <= max_e)]
    _need(events, "event-time")
    for ev in events:
        cells = np.flatnonzero(include & (e == ev))
        sums.add(cells, pg_cell[cells], estimated_weights=True)
    m = events.size
    nonneg = events >= 0
    if not nonneg.any():
        est, psi = sums.influence(list(range(m)))
        joint = np.column_stack([np.zeros(gt.n), psi])
        return _result("dynamic", events, np.concatenate([[np.nan], est]), joint)
    sums.add_combination(nonneg / nonneg.sum())
    est, psi = sums.influence([m, *range(m)])
    return _result("dynamic", events, est, psi)


def _calendar(gt: GroupTime, ok: BoolArray, pg_cell: FloatArray, sums: _Sums) -> Aggregate:
    post = ok & (gt.group <= gt.time)
    times = np.unique(gt.time[post])
    _need(times, "post-treatment")
    for t in times:
        cells = np.flatnonzero(post & (gt.time == t))
        sums.add(cells, pg_cell[cells], estimated_weights=True)
    m = times.size
    sums.add_combination(np.full(m, 1.0 / m))
    est, psi = sums.influence([m, *range(m)])
    return _result("calendar", times, est, psi)
