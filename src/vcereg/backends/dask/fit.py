"""Fit a spec on a Dask DataFrame: checks, then two or three passes over the partitions.

Dask is an optional extra (``pip install vcereg[dask]``), imported here only when a Dask
frame arrives. The passes run wherever the frame's scheduler runs them (a
``distributed.Client`` when one is active, else Dask's local threads); only small
results (k x k matrices, counts, score sums per cluster) travel back to the client.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ...design import build
from ...design.build import STATEFUL
from ...design.sample import describe
from ...errors import (
    DroppedRowsWarning,
    EmptySampleError,
    EstimationError,
    NotSupportedError,
    VceregError,
    VceregWarning,
    warn,
)
from ...linalg import LeastSquares
from ...spec import ModelSpec, WeightKind
from ...stata_lang.factors import has_pending_bases
from ...vce import resolve
from .partition import (
    Pass1,
    Pass2,
    Setup,
    Solution,
    combine_levels,
    combine_pass1,
    combine_pass2,
    levels_of,
    merge_levels,
    pass1,
    pass2,
    refine,
    sum_arrays,
)
from .solve import (
    EXTENDED_ROWS,
    Compressed,
    compressed,
    correction,
    gram_factor,
    refinement_plan,
    solve,
)

__all__ = ["SUPPORTED_VCE", "collect_levels", "fit_dask", "is_dask_frame"]

#: Variance estimators available on Dask DataFrames (canonical names).
SUPPORTED_VCE = ("ols", "hc0", "robust", "hc2", "hc3", "cluster")
_POWER = {"hc0": 0, "robust": 0, "hc2": 1, "hc3": 2}
_FANIN = 8
_VCE_HINTS = {
    "cr3": "the cluster jackknife refits without each cluster; use vce(cluster ...), or "
    "fit a sample in memory",
    "cr2": "CR2 needs each cluster's block of the hat matrix; use vce(cluster ...)",
    "wild": "the wild bootstrap refits on every draw; use vce(cluster ...) on Dask, or "
    "boottest in memory",
    "hac": "HAC needs the rows in time order; fit in memory",
    "dk": "Driscoll-Kraay needs the rows in time order; fit in memory",
}
T = TypeVar("T")


def is_dask_frame(data: object) -> bool:
    """A Dask DataFrame (checked without importing Dask)."""
    return type(data).__module__.split(".")[0] == "dask" and hasattr(data, "to_delayed")


def _refuse_unsupported(spec: ModelSpec) -> None:
    on = "on a Dask DataFrame"
    if spec.absorb:
        raise NotSupportedError(
            f"absorbed fixed effects are not available {on}",
            hint="enter effects with few levels as indicators (C(g) or i.g), or fit in memory",
        )
    if spec.estimator != "ols" or spec.iv is not None:
        what = spec.command or spec.estimator
        raise NotSupportedError(
            f"{what}: only linear regression (OLS/WLS) runs {on}",
            hint="fit it in memory on a pandas DataFrame (ddf.compute())",
        )
    if spec.in_range is not None:
        raise NotSupportedError(
            f"'in' ranges are row positions, which a partitioned frame does not have ({on})",
            hint="select rows with if(...) instead",
        )
    if spec.tsvars:
        raise NotSupportedError(f"time-series operators (L., F., D.) are not available {on}")
    if has_pending_bases(spec):
        raise NotSupportedError(
            f"ib(last), ib(freq) and ib(#k) need the whole sample's levels ({on})",
            hint="name the base level, e.g. ib3.g",
        )
    if spec.vce.name not in SUPPORTED_VCE:
        hint = _VCE_HINTS.get(spec.vce.name, "fit it in memory on a pandas DataFrame")
        raise NotSupportedError(
            f"vce({spec.vce.name}) is not available {on}; available there: "
            + ", ".join(SUPPORTED_VCE),
            hint=hint,
        )


def _tree(items: Sequence[Any], combine: Callable[[Sequence[T]], T]) -> Any:
    """A tree reduction of delayed partial results with fan-in _FANIN."""
    import dask

    level = list(items)
    while len(level) > 1:
        level = [
            dask.delayed(combine, pure=True)(level[i : i + _FANIN])
            for i in range(0, len(level), _FANIN)
        ]
    return level[0]


def _compute(obj: Any) -> Any:
    import dask

    return dask.compute(obj)[0]


def _preflight(setup: Setup, meta: pd.DataFrame) -> None:
    """Errors in names, formula or if() show up here, before any partition is read."""
    design = build(
        setup.spec,
        meta,
        extra=setup.extra,
        safe=setup.safe,
        context=setup.context,
        partition=True,
    )
    del design


def _has_categoricals(setup: Setup, ddf: Any) -> bool:
    """Whether the formula has categorical factors, found on Dask's stand-in rows."""
    probe = Setup(setup.spec.replace(sample=None, weights=None), (), setup.safe, setup.context)
    try:
        fake = ddf._meta_nonempty
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            d = build(probe.spec, fake, safe=probe.safe, context=probe.context, partition=True)
    except (VceregError, AttributeError, ValueError, TypeError) as exc:
        if isinstance(exc, NotSupportedError):
            raise
        return True  # cannot tell on fake values: collect levels to be safe
    _refuse_stateful(d.levels.get(STATEFUL, ()))
    return bool(d.levels) or len(d.y) == 0


def _refuse_stateful(transforms: Sequence[object]) -> None:
    if transforms:
        raise NotSupportedError(
            f"{', '.join(map(str, transforms))}: a transform fitted on the data would be "
            "fitted on each partition separately on a Dask DataFrame",
            hint="compute the column first, e.g. ddf.assign(xc=ddf.x - ddf.x.mean())",
        )


def _report(stats: Pass1) -> None:
    for note in stats.notes:
        warn(note, VceregWarning)
    for msg in stats.rows.messages():
        warn(msg, DroppedRowsWarning)


def collect_levels(setup: Setup, ddf: Any, parts: Sequence[Any] | None = None) -> Setup:
    """``setup`` with the levels of every categorical factor over the whole sample (one
    pass over the data, skipped when the formula has no categorical factor)."""
    import dask

    if not _has_categoricals(setup, ddf):
        return setup
    parts = ddf.to_delayed() if parts is None else parts
    found = _compute(_tree([dask.delayed(levels_of)(p, setup) for p in parts], combine_levels))
    _refuse_stateful([t for lv in found.pop(STATEFUL, []) for t in lv])
    return Setup(setup.spec, setup.extra, setup.safe, setup.context, merge_levels(found))


def fit_dask(
    spec: ModelSpec,
    ddf: Any,
    *,
    safe: bool = True,
    context: Mapping[str, object] | None = None,
) -> Compressed:
    """Fit ``spec`` (already resolved: canonical vce, pweight default) on a Dask DataFrame.

    Returns the fit in compressed form; :func:`vcereg.api.fit_spec` computes the variance
    and assembles Results that hold no Dask collection and no array as long as the data.
    """
    import dask

    _refuse_unsupported(spec)
    estimator, vspec = resolve(spec.vce, spec.source or None)
    setup = Setup(spec, tuple(estimator.variables(vspec)), safe, context)
    _preflight(setup, ddf._meta)
    parts = ddf.to_delayed()
    setup = collect_levels(setup, ddf, parts)
    stats1: Pass1 = _compute(_tree([dask.delayed(pass1)(p, setup) for p in parts], combine_pass1))
    rows = stats1.rows
    if rows.n_used == 0 or stats1.gram is None:
        raise EmptySampleError(
            "no observations left: every row was excluded or had a missing value "
            f"({describe(rows.n_input, rows.excluded_in, rows.excluded_if, rows.dropped_missing)})"
        )
    _report(stats1)
    kind = spec.weights.kind if spec.weights is not None else None
    normalised = kind in (WeightKind.AWEIGHT, WeightKind.PWEIGHT)  # to sum to N, as Stata
    wscale = rows.n_used / stats1.wsum if normalised else 1.0
    nobs = stats1.wsum if kind is WeightKind.FWEIGHT else float(rows.n_used)
    r_aug = gram_factor(stats1.gram) if rows.n_used > EXTENDED_ROWS else None
    if r_aug is None:
        r_aug = stats1.r
    if r_aug is None:  # big partitions, ill-conditioned: one more pass for R factors
        tasks = [dask.delayed(pass1)(p, setup, want_r=True) for p in parts]
        r_aug = _compute(_tree(tasks, combine_pass1)).r
    ls = solve(r_aug, len(stats1.terms), wscale)
    steps, extended = refinement_plan(ls, rows.n_used)
    sol = Solution(
        keep=ls.keep,
        lstsq=ls,
        wscale=wscale,
        ybar=stats1.wy / stats1.wsum,
        extended=extended,
        power=_POWER.get(vspec.name),
        clusters=vspec.args if vspec.name == "cluster" else (),
    )
    for _ in range(steps):
        sol = _with_lstsq(sol, ls)
        g = _compute(_tree([dask.delayed(refine)(p, setup, sol) for p in parts], sum_arrays))
        ls = correction(ls, np.asarray(g).astype(np.float64))
    sol = _with_lstsq(sol, ls)
    stats2: Pass2 = _compute(
        _tree([dask.delayed(pass2)(p, setup, sol) for p in parts], combine_pass2)
    )
    if stats2.high_leverage and sol.power:
        raise EstimationError(
            f"{stats2.high_leverage} observation(s) have leverage 1, so HC{sol.power + 1} is "
            "undefined; use vce(robust) or drop those observations"
        )
    assert stats1.gram is not None  # pass 1 always sums the Gram matrix
    y_sumsq = float(stats1.gram[-1, -1]) * wscale  # weights as normalised in pass 2
    return compressed(spec.replace(vce=vspec), stats1, ls, stats2, nobs, rows, y_sumsq)


def _with_lstsq(sol: Solution, ls: LeastSquares) -> Solution:
    return dataclasses.replace(sol, lstsq=ls)
