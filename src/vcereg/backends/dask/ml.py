"""Logit, probit, cloglog and Poisson on a Dask DataFrame: Newton's method where each
iteration is one pass of sufficient statistics over the partitions.

1. one pass for the row accounting, the first IRLS step's normal equations (its least
   squares gives the starting values and Stata's collinearity decisions) and the counts
   Stata's perfect-prediction rules need (binary outcomes);
2. Newton steps (:func:`vcereg.estimators.newton.maximize`, Stata's convergence rule):
   each evaluation of the log likelihood, its gradient and information is one pass;
3. a last pass for the variance: the R factor of the scores (robust) or their sums per
   cluster cell, the deviance and the Pearson chi-squared; the constant-only model for
   the LR test takes a few more passes.

The result is the in-memory Fit in compressed form (:mod:`.solve`): the registry computes
``oim``, ``robust``/``hc0`` and ``cluster`` from it exactly as in memory. Absorbed fixed
effects, other families, binomial trials and the other variances are refused clearly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..._types import FloatArray
from ...design import Design
from ...design.sample import codes
from ...errors import (
    DataError,
    DroppedRowsWarning,
    EmptySampleError,
    EstimationError,
    NotSupportedError,
    warn,
)
from ...estimators import Fit
from ...estimators.glm_family import make_family, make_link
from ...estimators.mlinfo import MLInfo
from ...estimators.newton import maximize
from ...linalg import least_squares
from ...spec import ModelSpec, WeightKind
from ...vce import resolve
from .fit import _compute, _preflight, _tree, collect_levels
from .ml_partition import (
    MLFinal,
    MLModel,
    MLStart,
    MLStep,
    combine_final,
    combine_start,
    combine_step,
    ml_final,
    ml_start,
    ml_step,
)
from .partition import Setup
from .solve import Compressed

__all__ = ["SUPPORTED_ML_VCE", "fit_dask_ml"]

#: Variances of maximum-likelihood fits available on Dask DataFrames.
SUPPORTED_ML_VCE = ("oim", "eim", "robust", "hc0", "cluster")
_MODELS = {("binomial", "logit"), ("binomial", "probit"), ("binomial", "cloglog"),
           ("poisson", "log")}  # fmt: skip


def _refuse(spec: ModelSpec) -> None:
    fam = spec.family
    assert fam is not None
    on = "on a Dask DataFrame"
    if spec.absorb:
        raise NotSupportedError(
            f"{fam.model} with absorbed fixed effects is not available {on}",
            hint="enter effects with few levels as indicators (C(g) or i.g), or fit in memory",
        )
    link = fam.link or make_family(fam.family).default_link
    if (fam.family, link) not in _MODELS or fam.estimate_alpha or fam.trials is not None:
        raise NotSupportedError(
            f"{fam.model} ({fam.family}, {link}) is not available {on}: logit, probit, "
            "cloglog and Poisson are",
            hint="fit it in memory on a pandas DataFrame (ddf.compute())",
        )
    if fam.irls or fam.scale is not None:
        raise NotSupportedError(f"irls and scale() are not available {on}")
    if spec.vce.name not in SUPPORTED_ML_VCE:
        raise NotSupportedError(
            f"vce({spec.vce.name}) is not available for {fam.model} {on}; available: "
            + ", ".join(SUPPORTED_ML_VCE)
        )
    if spec.in_range is not None or spec.tsvars:
        raise NotSupportedError(f"'in' ranges and time-series operators are not available {on}")
    if spec.weights is not None and spec.weights.kind is WeightKind.AWEIGHT:
        raise NotSupportedError(f"{fam.model} takes frequency or sampling weights, not aweights")


def _perfect_prediction(start: MLStart, names: tuple[str, ...]) -> None:
    """Stata's rules from per-column counts (see estimators/perfect_prediction.py)."""
    assert start.nz0 is not None and start.nz1 is not None
    assert start.lo0 is not None and start.hi0 is not None
    assert start.lo1 is not None and start.hi1 is not None
    if not np.all(np.isfinite(start.lo0)) or not np.all(np.isfinite(start.lo1)):
        raise DataError("outcome does not vary (Stata's r(2000))")
    for j, name in enumerate(names):
        if name == "Intercept" or start.lo0[j] == start.hi0[j] == start.lo1[j] == start.hi1[j]:
            continue
        if start.hi0[j] < start.lo1[j] or start.hi1[j] < start.lo0[j]:
            raise DataError(f"outcome = {name} separates the data perfectly (Stata's r(2000))")
        nz = start.nz0[j] + start.nz1[j]
        total = start.rows.n_used if start.rows is not None else 0
        if 0 < nz < total and (start.nz0[j] == 0 or start.nz1[j] == 0):
            what = "success" if start.nz0[j] == 0 else "failure"
            raise NotSupportedError(
                f"{name} != 0 predicts {what} perfectly; Stata drops {name} and those "
                f"{int(nz)} rows, which a Dask fit does not do",
                hint=f"add if({name} == 0) and drop {name}, or fit in memory",
            )


def fit_dask_ml(
    spec: ModelSpec,
    ddf: Any,
    *,
    safe: bool = True,
    context: Mapping[str, object] | None = None,
) -> Compressed:
    """Fit a logit, probit, cloglog or Poisson spec on a Dask DataFrame (see above)."""
    import dask

    _refuse(spec)
    fam = spec.family
    assert fam is not None
    estimator, vspec = resolve(spec.vce, spec.source or None)
    extra = tuple(dict.fromkeys((*estimator.variables(vspec), *fam.variables())))
    setup = Setup(spec, extra, safe, context)
    _preflight(setup, ddf._meta)
    parts = ddf.to_delayed()
    setup = collect_levels(setup, ddf, parts)
    family = make_family(fam.family)
    link = make_link(fam.link or family.default_link)
    binary = fam.family == "binomial"
    clusters = vspec.args if vspec.name == "cluster" else ()
    model = MLModel(setup, family, link, None, clusters, binary)
    start: MLStart = _compute(_tree([dask.delayed(ml_start)(p, model) for p in parts],
                                    combine_start))  # fmt: skip
    rows = start.rows
    if rows is None or rows.n_used == 0 or start.gram is None:
        raise EmptySampleError("no observations left: every row was excluded or missing")
    for msg in rows.messages():
        warn(msg, DroppedRowsWarning)
    if start.bad_exposure:
        raise DataError(f"exposure() must be greater than zero ({start.bad_exposure} rows)")
    if binary and not fam.asis:
        _perfect_prediction(start, start.terms)
    k_all = len(start.terms)
    vals, vecs = np.linalg.eigh(start.gram)
    root = (vecs * np.sqrt(np.clip(vals, 0.0, None))).T  # rows whose Gram is the Gram
    ls = least_squares(np.asfortranarray(root[:, :k_all]), root[:, k_all])
    keep = np.asarray(ls.keep, dtype=bool)
    model = MLModel(setup, family, link, keep, clusters, binary)

    def evaluate(theta: FloatArray, m: MLModel = model) -> MLStep:
        out: MLStep = _compute(
            _tree([dask.delayed(ml_step)(p, m, theta) for p in parts], combine_step)
        )
        return out

    def objective(theta: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        s = evaluate(theta)
        assert s.grad is not None and s.hessian is not None
        return s.ll, s.grad, s.hessian

    opts = {"tol": fam.tolerance, "nrtol": fam.nrtolerance, "maxiter": fam.iterate}
    best = maximize(objective, ls.beta, ltol=fam.ltolerance or 1e-7, **opts)  # type: ignore[arg-type]
    theta = best.theta
    last = evaluate(theta)
    final: MLFinal = _compute(
        _tree([dask.delayed(ml_final)(p, model, theta) for p in parts], combine_final)
    )
    ll_0 = _null(start, setup, family, link, binary, parts, opts, fam.ltolerance)
    return _compressed(spec, vspec, start, keep, theta, best.loglik, ll_0, last, final, best)


def _null(
    start: MLStart,
    setup: Setup,
    family: Any,
    link: Any,
    binary: bool,
    parts: Any,
    opts: Mapping[str, Any],
    ltol: float | None,
) -> float | None:
    """Log likelihood of the constant-only model (more passes; None without a constant)."""
    import dask

    if not start.has_intercept:
        return None
    names = np.array([t == "Intercept" for t in start.terms])
    model = MLModel(setup, family, link, names, (), binary)

    def objective(theta: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        s: MLStep = _compute(
            _tree([dask.delayed(ml_step)(p, model, theta) for p in parts], combine_step)
        )
        assert s.grad is not None and s.hessian is not None
        return s.ll, s.grad, s.hessian

    try:
        return maximize(objective, np.zeros(1), ltol=ltol or 1e-7, **opts).loglik
    except EstimationError:
        return None


def _compressed(
    spec: ModelSpec,
    vspec: Any,
    start: MLStart,
    keep: np.ndarray,
    theta: FloatArray,
    ll: float,
    ll_0: float | None,
    last: MLStep,
    final: MLFinal,
    best: Any,
) -> Compressed:
    assert spec.family is not None and start.rows is not None
    assert last.hessian is not None and last.eim is not None
    terms = start.terms
    k = int(keep.sum())
    nobs = start.nobs
    if nobs <= k:
        raise EstimationError(f"insufficient observations: {nobs:g} for {k} parameters")
    if vspec.name == "cluster":
        cells = final.cells
        assert cells is not None
        values = cells.to_numpy(dtype=np.float64)
        x = np.asfortranarray(values[:, :k])
        weighted = np.asfortranarray(values[:, k:])  # sqrt(W) X summed per cell (for G*)
        idx = cells.index
        frame = idx.to_frame(index=False) if isinstance(idx, pd.MultiIndex) else idx.to_frame()
        groups = {str(n): codes(frame.iloc[:, j]) for j, n in enumerate(vspec.args)}
    else:
        assert final.meat is not None
        x, groups, weighted = np.asfortranarray(final.meat), {}, None
    params = np.zeros(len(terms))
    params[keep] = theta
    oim = np.asarray(np.linalg.inv(last.hessian), dtype=np.float64)
    eim = np.asarray(np.linalg.inv(last.eim), dtype=np.float64)
    omitted = tuple(t for t, kk in zip(terms, keep, strict=True) if not kk)
    slopes = sum(1 for t, kk in zip(terms, keep, strict=True) if kk and t != "Intercept")
    empty = np.zeros(0)
    fam = spec.family
    link = make_link(fam.link or make_family(fam.family).default_link).name
    info = MLInfo(
        model=fam.model, family=fam.family, link=link, loglik=ll, ll_0=ll_0,
        deviance=final.deviance,
        pearson=final.pearson, scale=1.0, scale_kind="1", k_params=k, df_model=slopes,
        iterations=best.iterations, method="newton", y=empty, mu=empty, eta=empty,
        offset=None, trials=1.0, weights=None, oim_bread=oim, eim_bread=eim, design=weighted,
    )  # fmt: skip
    design = Design(
        y=np.zeros(len(x)),
        x=x,
        terms=terms,
        depvar=start.depvar,
        has_intercept=start.has_intercept,
        weights=None,  # in the sums already
        weight_kind=None,
        groups=groups,
        absorb={},
        index=pd.RangeIndex(len(x)),
        rows=start.rows,
        factor_names=spec.factor_names,
    )
    lstsq = least_squares(np.asfortranarray(np.linalg.cholesky(last.eim).T), np.zeros(k))
    fit = Fit(
        params, keep, lstsq, x, design.y, np.ones(len(x)), nobs, k, nobs - k,
        float("nan"), float("nan"), omitted, bread=oim, ml=info,
    )  # fmt: skip
    return Compressed(design, fit, spec.replace(vce=vspec), None)
