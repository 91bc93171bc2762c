"""What each partition computes for a maximum-likelihood fit (logit, probit, cloglog,
Poisson) on a Dask DataFrame. Plain pandas and numpy: the workers run these on one
partition each, the client adds their small results.

- start: row accounting, the terms, the IRLS normal equations of the first step
  (``X'WX``, ``X'Wz``, ``z'Wz`` at the family's starting means) and, for binary outcomes,
  per-column counts and ranges that Stata's perfect-prediction rules need;
- at ``theta``: the log likelihood, its gradient, the observed and expected information
  (one pass per Newton step: sufficient statistics, never rows);
- final: the meat of the scores (its R factor, for robust variances) or the score sums
  per cell of the cluster variables, the deviance and the Pearson chi-squared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..._types import FloatArray
from ...design import Design
from ...design.sample import RowAccounting
from ...estimators.glm import derivatives, glm_loglik
from ...estimators.glm_family import Family, Link
from ...spec import WeightKind
from .partition import Setup, _add_rows, _blocks, _r_factor, _tsqr, design_of, merge_cells

__all__ = [
    "MLFinal",
    "MLModel",
    "MLStart",
    "MLStep",
    "combine_final",
    "combine_start",
    "combine_step",
    "ml_final",
    "ml_start",
    "ml_step",
]


@dataclass(frozen=True)
class MLModel:
    """What every partition needs to evaluate the likelihood."""

    setup: Setup
    family: Family
    link: Link
    keep: np.ndarray | None = None  # estimated columns (None: all, in the start pass)
    clusters: tuple[str, ...] = ()
    binary: bool = False


def _arrays(
    part: pd.DataFrame, model: MLModel
) -> tuple[Design, FloatArray, FloatArray, FloatArray, FloatArray] | None:
    """Design, regressors (kept columns), outcome, prior weights and offset."""
    d = design_of(part, model.setup)
    if len(d.y) == 0:
        return None
    x = d.x if model.keep is None else d.x[:, model.keep]
    y = (d.y != 0).astype(np.float64) if model.binary else d.y
    w = np.ones(len(y)) if d.weights is None else d.weights  # fw counts, pw as given
    fam = model.setup.spec.family
    frame = part.reset_index(drop=True).loc[d.index]
    off = np.zeros(len(y))
    if fam is not None and fam.offset:
        off = off + frame[fam.offset].to_numpy(dtype=np.float64)
    if fam is not None and fam.exposure:
        e = frame[fam.exposure].to_numpy(dtype=np.float64)
        off = off + np.log(np.where(e > 0, e, np.nan))
    return d, np.asfortranarray(x), y, w, off


@dataclass(frozen=True)
class MLStart:
    rows: RowAccounting | None = None
    terms: tuple[str, ...] = ()
    depvar: str = ""
    has_intercept: bool = False
    gram: FloatArray | None = None  # [X z]' W [X z] of the first IRLS step
    nobs: float = 0.0  # rows, or the sum of frequency weights
    bad_exposure: int = 0
    # binary outcomes, per column: rows with x != 0 and y = 0 / y = 1, and the ranges of
    # x among failures and successes
    nz0: FloatArray | None = None
    nz1: FloatArray | None = None
    lo0: FloatArray | None = None
    hi0: FloatArray | None = None
    lo1: FloatArray | None = None
    hi1: FloatArray | None = None


def ml_start(part: pd.DataFrame, model: MLModel) -> MLStart:
    return combine_start([_start_block(b, model) for b in _blocks(part)])


def _start_block(part: pd.DataFrame, model: MLModel) -> MLStart:
    got = _arrays(part, model)
    d = design_of(part, model.setup)
    if got is None:
        return MLStart(rows=d.rows)
    d, x, y, w, off = got
    bad = int(np.sum(~np.isfinite(off)))
    off = np.where(np.isfinite(off), off, 0.0)
    fam, link = model.family, model.link
    mu0 = fam.valid_mu(fam.start_mu(y, 1.0))
    with np.errstate(all="ignore"):
        eta0 = link.link(mu0)
    dmu = link.dmu(eta0)
    wk = w * dmu * dmu / np.maximum(fam.variance(mu0), 1e-300)
    z = eta0 - off + (y - mu0) / dmu
    a = np.column_stack([x, z])
    out = MLStart(
        rows=d.rows,
        terms=d.terms,
        depvar=d.depvar,
        has_intercept=d.has_intercept,
        gram=a.T @ (a * wk[:, None]),
        nobs=float(w.sum()) if d.weight_kind is WeightKind.FWEIGHT else float(len(y)),
        bad_exposure=bad,
    )
    if not model.binary:
        return out
    nz = x != 0
    ones, zeros = y == 1, y == 0
    inf = np.full(x.shape[1], np.inf)

    def ext(mask: np.ndarray, f: str) -> FloatArray:
        if not mask.any():
            return inf if f == "min" else -inf
        return np.asarray(getattr(x[mask], f)(axis=0), dtype=np.float64)

    return replace(
        out,
        nz0=(nz & zeros[:, None]).sum(axis=0).astype(float),
        nz1=(nz & ones[:, None]).sum(axis=0).astype(float),
        lo0=ext(zeros, "min"),
        hi0=ext(zeros, "max"),
        lo1=ext(ones, "min"),
        hi1=ext(ones, "max"),
    )


def _add(a: FloatArray | None, b: FloatArray | None) -> FloatArray | None:
    return b if a is None else a if b is None else a + b


def _ext(a: FloatArray | None, b: FloatArray | None, f: str) -> FloatArray | None:
    return b if a is None else a if b is None else getattr(np, f)(a, b)


def combine_start(parts: Sequence[MLStart]) -> MLStart:
    out = parts[0]
    for p in parts[1:]:
        rows = (
            p.rows
            if out.rows is None
            else out.rows
            if p.rows is None
            else _add_rows(out.rows, p.rows)
        )
        head = out if out.terms else p
        out = MLStart(
            rows=rows,
            terms=head.terms,
            depvar=head.depvar,
            has_intercept=head.has_intercept,
            gram=_add(out.gram, p.gram),
            nobs=out.nobs + p.nobs,
            bad_exposure=out.bad_exposure + p.bad_exposure,
            nz0=_add(out.nz0, p.nz0),
            nz1=_add(out.nz1, p.nz1),
            lo0=_ext(out.lo0, p.lo0, "minimum"),
            hi0=_ext(out.hi0, p.hi0, "maximum"),
            lo1=_ext(out.lo1, p.lo1, "minimum"),
            hi1=_ext(out.hi1, p.hi1, "maximum"),
        )
    return out


@dataclass(frozen=True)
class MLStep:
    ll: float = 0.0
    grad: FloatArray | None = None
    hessian: FloatArray | None = None  # negative Hessian
    eim: FloatArray | None = None


def ml_step(part: pd.DataFrame, model: MLModel, theta: FloatArray) -> MLStep:
    return combine_step([_step_block(b, model, theta) for b in _blocks(part)])


def _step_block(part: pd.DataFrame, model: MLModel, theta: FloatArray) -> MLStep:
    got = _arrays(part, model)
    if got is None:
        return MLStep()
    _, x, y, w, off = got
    eta = x @ theta + off
    with np.errstate(all="ignore"):
        mu, d1, d2, ew = derivatives(model.family, model.link, y, eta, w)
        ll = glm_loglik(model.family, model.link, y, mu, eta, w)
    return MLStep(ll, x.T @ d1, x.T @ (x * (-d2)[:, None]), x.T @ (x * ew[:, None]))


def combine_step(parts: Sequence[MLStep]) -> MLStep:
    return MLStep(
        ll=sum(p.ll for p in parts),
        grad=_sum([p.grad for p in parts]),
        hessian=_sum([p.hessian for p in parts]),
        eim=_sum([p.eim for p in parts]),
    )


def _sum(items: Sequence[FloatArray | None]) -> FloatArray | None:
    got = [a for a in items if a is not None]
    return np.sum(np.stack(got), axis=0) if got else None


@dataclass(frozen=True)
class MLFinal:
    deviance: float = 0.0
    pearson: float = 0.0
    meat: FloatArray | None = None  # R factor of the (frequency-weight adjusted) scores
    cells: pd.DataFrame | None = None  # score sums per cell of the cluster variables


def ml_final(part: pd.DataFrame, model: MLModel, theta: FloatArray) -> MLFinal:
    return combine_final([_final_block(b, model, theta) for b in _blocks(part)])


def _final_block(part: pd.DataFrame, model: MLModel, theta: FloatArray) -> MLFinal:
    got = _arrays(part, model)
    if got is None:
        return MLFinal()
    d, x, y, w, off = got
    eta = x @ theta + off
    fam = model.family
    with np.errstate(all="ignore"):
        mu, d1, _, ew = derivatives(fam, model.link, y, eta, w)
        dev = float(w @ fam.unit_deviance(y, mu, 1.0))
        pearson = float(w @ ((y - mu) ** 2 / np.maximum(fam.variance(mu), 1e-300)))
    scores = x * d1[:, None]
    fw = d.weights if d.weight_kind is WeightKind.FWEIGHT else None
    rows = scores if fw is None else scores / np.sqrt(fw)[:, None]  # w s s' per row
    cells = None
    if model.clusters:
        keys = part.reset_index(drop=True).loc[d.index, list(model.clusters)]
        k = x.shape[1]
        # scores, and the IRLS-weighted regressors for the effective number of clusters
        both = np.column_stack([scores, x * np.sqrt(np.maximum(ew, 0.0))[:, None]])
        names = [f"s{j}" for j in range(k)] + [f"d{j}" for j in range(k)]
        frame = pd.DataFrame(both, index=d.index, columns=names)
        cells = frame.groupby([keys[c] for c in model.clusters], sort=False, observed=True).sum()
    return MLFinal(dev, pearson, _tsqr(np.asfortranarray(rows)), cells)


def combine_final(parts: Sequence[MLFinal]) -> MLFinal:
    meats = [p.meat for p in parts if p.meat is not None]
    return MLFinal(
        deviance=sum(p.deviance for p in parts),
        pearson=sum(p.pearson for p in parts),
        meat=_r_factor(np.vstack(meats)) if meats else None,
        cells=merge_cells([p.cells for p in parts]),
    )
