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

from ..._types import BoolArray, FloatArray
from ...errors import DataError
from .cs import GroupTime

__all__ = ["AggKind", "Aggregate", "aggregate", "cohort_shares"]

AggKind = Literal["simple", "dynamic", "group", "calendar"]


@dataclass(frozen=True, slots=True, eq=False)
class Aggregate:
    """An aggregation: one estimate per ``index`` entry (event time, cohort or period),
    their influence functions (n, m), and the overall summary with its influence function."""

    kind: AggKind
    index: FloatArray
    estimate: FloatArray
    inf: FloatArray
    overall: float
    overall_inf: FloatArray


def cohort_shares(gt: GroupTime) -> dict[float, float]:
    """P(G = g): the weighted share of units in each treated cohort (R's ``pg``)."""
    w, c = gt.unit_weight, gt.unit_cohort
    return {float(g): float(np.mean(w * (c == g))) for g in np.unique(gt.group)}


def _wif(gt: GroupTime, cells: list[int], pg: FloatArray) -> FloatArray:
    """Influence function of the normalised weights pg_c / sum(pg) of ``cells`` (n, m)."""
    total = float(pg.sum())
    centred = np.empty((gt.n, len(cells)))
    for j, c in enumerate(cells):
        centred[:, j] = gt.unit_weight * (gt.unit_cohort == gt.group[c]) - pg[j]
    out: FloatArray = centred / total - np.outer(centred.sum(axis=1), pg / total**2)
    return out


def _combine(
    gt: GroupTime, cells: list[int], pg: FloatArray, *, estimated_weights: bool
) -> tuple[float, FloatArray]:
    """Weighted average of ``cells`` with weights pg / sum(pg), and its influence function."""
    v = pg / pg.sum()
    att = gt.att[cells]
    est = float(v @ att)
    psi = gt.inf[:, cells] @ v
    if estimated_weights:
        psi = psi + _wif(gt, cells, pg) @ att
    return est, psi


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
    >>> gt = GroupTime(np.array([2., 2.]), np.array([2., 3.]), np.array([1., 1.]),
    ...                np.array([1., 2., 3.]),
    ...                np.array([1.0, 3.0]), np.zeros((4, 2)), np.array([True, True]),
    ...                np.array([True, True]), np.ones(4), np.array([2., 2., np.inf, np.inf]),
    ...                None, ())
    >>> aggregate(gt, "group").overall
    2.0
    """
    ok = gt.valid
    shares = cohort_shares(gt)
    pg_cell = np.array([shares[float(g)] for g in gt.group])
    e = gt.time - gt.group
    post = ok & (gt.group <= gt.time) & (e <= max_e)
    if kind == "simple":
        cells = [int(i) for i in np.flatnonzero(post)]
        _need(cells, "post-treatment")
        est, psi = _combine(gt, cells, pg_cell[cells], estimated_weights=True)
        return Aggregate(kind, np.array([0.0]), np.array([est]), psi[:, None], est, psi)
    if kind == "group":
        return _by_group(gt, post, shares)
    if kind == "dynamic":
        return _dynamic(gt, ok, pg_cell, min_e, max_e, balance_e)
    if kind == "calendar":
        return _calendar(gt, ok, pg_cell)
    raise DataError(f"unknown aggregation {kind!r}; expected simple, dynamic, group or calendar")


def _need(cells: list[int] | FloatArray, what: str) -> None:
    if len(cells) == 0:
        raise DataError(f"no {what} ATT(g, t) to aggregate")


def _by_group(gt: GroupTime, post: BoolArray, shares: dict[float, float]) -> Aggregate:
    groups = [g for g in np.unique(gt.group) if (post & (gt.group == g)).any()]
    _need(groups, "post-treatment")
    est = np.empty(len(groups))
    inf = np.empty((gt.n, len(groups)))
    for j, g in enumerate(groups):
        cells = [int(i) for i in np.flatnonzero(post & (gt.group == g))]
        est[j], inf[:, j] = _combine(gt, cells, np.ones(len(cells)), estimated_weights=False)
    pgg = np.array([shares[float(g)] for g in groups])
    v = pgg / pgg.sum()
    overall = float(v @ est)
    # the cohort weights are estimated: the same correction as for cells, one per cohort
    centred = np.stack(
        [gt.unit_weight * (gt.unit_cohort == g) - pgg[j] for j, g in enumerate(groups)], axis=1
    )
    wif = centred / pgg.sum() - np.outer(centred.sum(axis=1), pgg / pgg.sum() ** 2)
    overall_inf = inf @ v + wif @ est
    return Aggregate("group", np.array(groups), est, inf, overall, overall_inf)


def _dynamic(
    gt: GroupTime,
    ok: BoolArray,
    pg_cell: FloatArray,
    min_e: float,
    max_e: float,
    balance_e: float | None,
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
    est = np.empty(events.size)
    inf = np.empty((gt.n, events.size))
    for j, ev in enumerate(events):
        cells = [int(i) for i in np.flatnonzero(include & (e == ev))]
        est[j], inf[:, j] = _combine(gt, cells, pg_cell[cells], estimated_weights=True)
    nonneg = events >= 0
    if nonneg.any():
        overall = float(est[nonneg].mean())
        overall_inf = inf[:, nonneg].mean(axis=1)
    else:
        overall, overall_inf = float("nan"), np.zeros(gt.n)
    return Aggregate("dynamic", events, est, inf, overall, overall_inf)


def _calendar(gt: GroupTime, ok: BoolArray, pg_cell: FloatArray) -> Aggregate:
    post = ok & (gt.group <= gt.time)
    times = np.unique(gt.time[post])
    _need(times, "post-treatment")
    est = np.empty(times.size)
    inf = np.empty((gt.n, times.size))
    for j, t in enumerate(times):
        cells = [int(i) for i in np.flatnonzero(post & (gt.time == t))]
        est[j], inf[:, j] = _combine(gt, cells, pg_cell[cells], estimated_weights=True)
    return Aggregate("calendar", times, est, inf, float(est.mean()), inf.mean(axis=1))
