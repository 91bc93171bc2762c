"""IV over-identification and endogeneity tests, and the helpers all IV diagnostics share.

Notation as in :mod:`vcereg.estimators.ivdiag`.

Over-identification (``estat overid``): with a conventional variance after 2SLS/LIML,
Sargan ``N (1 - u'M_Z u / u'u)`` and Basmann ``s (N - L - d) / (N - s)`` (χ²(L2 - K2));
after LIML also Anderson–Rubin ``N ln(lambda)`` and Basmann's F
``(lambda - 1)(N - L - d) / (L2 - K2)``. Otherwise Hansen's J: the minimised two-step
GMM objective with the weight matrix of the model's variance type (ivreg2's J after
robust 2SLS), or the J of the GMM fit itself.

Endogeneity (``estat endogenous``, after 2SLS): Durbin ``(e1'e1 - e2'e2) / (e0'e0 / N)``
and Wu–Hausman ``[(e1'e1 - e2'e2)/K2] / [(e0'e0 - (e1'e1 - e2'e2)) / (N - K - K2 - d)]``
with e0 the OLS residuals, e1 their projection on [Z, X2] and e2 the projection of u on Z;
with a robust or cluster variance, Wooldridge's (1995) robust score test
``1'H (H'H)^{-1} H'1``, rows ``h_i = r_i e0_i`` (r = M_X M_Z X2; cluster sums of the rows
when clustered), and the regression-based test: the Wald F on the first-stage residuals
added to the OLS regression, with the model's variance.
References: Baum, Schaffer & Stillman (2007), "Enhanced routines for IV/GMM estimation
and testing", Stata Journal 7(4); Stock & Yogo (2005); linearmodels' IV results.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._types import FloatArray, IntArray
from ..errors import EstimationError
from ..inference import wald_test
from ..linalg import least_squares
from ..spec import SmallSample, VceSpec, WeightKind
from ..vce import VceContext, resolve
from ..vce.kernels import cluster_scores, n_groups
from .gmm import hac_lags, moment_covariance, wmatrix_kind
from .ivbase import IVInfo, partial_out

__all__ = [
    "COLUMNS",
    "VceSetup",
    "endogeneity_tests",
    "hansen_j",
    "is_iid",
    "overid_tests",
    "row",
    "wald_on",
]

COLUMNS = ["stat", "df", "df_denom", "pvalue"]


@dataclass(frozen=True, slots=True)
class VceSetup:
    """What the diagnostics need to apply the model's variance to auxiliary regressions."""

    vce: VceSpec
    ssc: SmallSample
    groups: Mapping[str, IntArray]
    weight_kind: WeightKind | None = None
    fweights: FloatArray | None = None


def is_iid(v: VceSetup) -> bool:
    return v.vce.name in ("ols", "iid", "unadjusted")


def wald_on(
    x: FloatArray, y: FloatArray, cols: list[int], v: VceSetup, k_extra: int
) -> tuple[float, float, float | None]:
    """Wald F (stat / q) that the coefficients ``cols`` of y on x are 0, with the model's vce."""
    est, vspec = resolve(v.vce)
    ls = least_squares(x, y)
    if not ls.keep.all():
        raise EstimationError("collinear instruments in an auxiliary regression")
    nobs = float(v.fweights.sum()) if v.fweights is not None else float(len(y))
    k = x.shape[1] + k_extra
    ctx = VceContext(
        x=x,
        y=y,
        resid=ls.resid,
        bread=ls.bread(),
        lstsq=ls,
        nobs=nobs,
        k=k,
        df_resid=nobs - k,
        groups=v.groups,
        ssc=v.ssc,
        vce=vspec,
        weight_kind=v.weight_kind,
        fweights=v.fweights,
    )
    res = est.compute(ctx)
    cov = np.asarray(res.cov)[np.ix_(cols, cols)]
    # standardise first: the Wald statistic is invariant to rescaling a coefficient, and
    # the rank decision inside wald_test is then too (instruments at 1e9 scale)
    sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    sd[sd == 0] = 1.0
    test = wald_test(ls.beta[cols] / sd, cov / np.outer(sd, sd), res.df_inference)
    return test.stat, test.pvalue, res.df_inference


def row(stat: float, df: float, df_denom: float | None = None) -> list[float]:
    if df_denom is None:
        p = float(stats.chi2.sf(stat, df))
    else:
        p = float(stats.f.sf(stat, df, df_denom))
    return [stat, df, np.nan if df_denom is None else df_denom, p]


# the weight-matrix type of the J statistic for each variance type
_J_KIND = {
    "robust": "robust",
    "hc0": "robust",
    "hc2": "robust",
    "hc3": "robust",
    "cluster": "cluster",
    "cr2": "cluster",
    "cr3": "cluster",
    "hac": "hac",
}


def hansen_j(info: IVInfo, v: VceSetup) -> float:
    """Hansen's J: of the GMM fit, or of two-step GMM with the model's variance type."""
    if info.method == "gmm" and info.j_stat is not None:
        return info.j_stat
    a = info.arrays
    name = _J_KIND.get(v.vce.name)
    if name is None or (name == "cluster" and len(v.vce.args) != 1):
        raise EstimationError(
            f"Hansen's J after vce({v.vce.name}) is not available; it needs a robust, "
            "one-way cluster or HAC variance"
        )
    spec = VceSpec(name=name, args=v.vce.args, options=v.vce.options)
    kind = wmatrix_kind(spec)
    codes = v.groups[v.vce.args[0]] if kind == "cluster" else None
    hac = hac_lags(spec, v.groups) if kind == "hac" else None
    x = a.x[:, info.keep]
    q, r = a.z.T @ x, a.z.T @ a.y
    beta = np.linalg.lstsq(x - partial_out(x, a.z), a.y, rcond=None)[0]  # 2SLS
    u = a.y - x @ beta
    s = moment_covariance(a.z, u, kind, codes, info.center, v.fweights, hac, frequency=True)
    w = np.linalg.inv(s)
    beta = np.linalg.solve(q.T @ w @ q, q.T @ w @ r)
    g = a.z.T @ (a.y - x @ beta)
    return float(g @ w @ g)


def overid_tests(info: IVInfo, v: VceSetup) -> pd.DataFrame:
    """Over-identification tests as a DataFrame (empty when exactly identified)."""
    a = info.arrays
    dof = len(a.excluded) - len(a.endog)
    rows: dict[str, list[float]] = {}
    if dof > 0 and is_iid(v) and info.method != "gmm":
        n, d = info.nobs, info.df_absorbed
        big_l = a.z.shape[1]
        u = info.resid
        e = partial_out(u, a.z)
        s = n * (1 - float(e @ e) / float(u @ u))
        rows["Sargan"] = row(s, dof)
        rows["Basmann"] = row(s * (n - big_l - d) / (n - s), dof)
        if info.liml_lambda is not None:
            lam = info.liml_lambda
            rows["Anderson-Rubin"] = row(n * np.log(lam), dof)
            den = n - big_l - d
            rows["Basmann F"] = row((lam - 1) * den / dof, dof, den)
    elif dof > 0:
        rows["Hansen J"] = row(hansen_j(info, v), dof)
    return pd.DataFrame.from_dict(rows, orient="index", columns=COLUMNS)


def endogeneity_tests(info: IVInfo, v: VceSetup) -> pd.DataFrame:
    """Durbin and Wu–Hausman (conventional variance) or the robust score and regression
    tests (robust or cluster variance) that the endogenous regressors are exogenous."""
    a = info.arrays
    x = a.x[:, info.keep]
    x2 = a.x[:, a.endog]
    k2 = len(a.endog)
    n, d = info.nobs, info.df_absorbed
    e0 = partial_out(a.y, x)  # OLS residuals
    rows: dict[str, list[float]] = {}
    if info.method not in ("2sls", "gmm"):
        raise EstimationError(
            f"estat endogenous is available after 2SLS and GMM (got {info.method}), as in Stata"
        )
    if is_iid(v):
        zx = np.column_stack([a.z, x2])
        e1 = e0 - partial_out(e0, zx)
        e2 = info.resid - partial_out(info.resid, a.z)
        delta = float(e1 @ e1) - float(e2 @ e2)
        rows["Durbin"] = row(delta / (float(e0 @ e0) / n), k2)
        den = n - x.shape[1] - k2 - d
        rows["Wu-Hausman"] = row((delta / k2) / ((float(e0 @ e0) - delta) / den), k2, den)
        return pd.DataFrame.from_dict(rows, orient="index", columns=COLUMNS)
    r = partial_out(partial_out(x2, a.z), x)
    h = r * e0[:, None]
    total = h.sum(axis=0)
    if v.vce.name == "cluster" and len(v.vce.args) == 1:
        codes = v.groups[v.vce.args[0]]
        h = cluster_scores(h, np.ones(len(e0)), codes, n_groups(codes))
    elif v.fweights is not None:  # a row stands for w rows: outer products add up to w h h'
        h = h / np.sqrt(v.fweights)[:, None]
    score = float(total @ np.linalg.solve(h.T @ h, total))
    rows["Robust score"] = row(score, k2)
    first_resid = partial_out(x2, a.z)
    aug = np.asfortranarray(np.column_stack([x, first_resid]))
    cols = list(range(x.shape[1], aug.shape[1]))
    stat, p, df_denom = wald_on(aug, a.y, cols, v, d)
    rows["Robust regression F"] = [stat, float(k2), np.nan if df_denom is None else df_denom, p]
    return pd.DataFrame.from_dict(rows, orient="index", columns=COLUMNS)
