"""IV diagnostics: first-stage strength, over-identification and endogeneity tests.

Notation: N observations, ``Z = [Z1 Z2]`` the L instruments (Z1 included exogenous, Z2 the
L2 excluded ones), X2 the K2 endogenous regressors, ``u`` the structural residuals, ``d``
the absorbed fixed-effect levels (they count as instruments; ivreg2's ``sdofminus``).
``A⊥`` is A with Z1 partialled out. All arrays are weighted (rows times sqrt(w)).

First stage (Stata ``estat firststage``, ivreg2's first-stage summary):

- ``F``: Wald test that the excluded instruments' coefficients are 0 in the regression of
  each endogenous variable on Z, divided by L2, with the model's variance type and Stata's
  small-sample conventions whatever ``small`` says (the first stage is a ``regress``):
  conventional, the classical F(L2, N-L-d); robust, HC1 with K = L + d; cluster, CRV1
  and F(L2, G-1).
- partial R²: of X2_j on Z2 after partialling Z1; Shea's partial R² (Shea 1997):
  ``(se_ols / se_iv)^2 (1 - R²_iv) / (1 - R²_ols)`` with conventional errors.
- Cragg–Donald Wald F: ``mineig((X2⊥' M_Z X2⊥)^{-1} X2⊥' P_{Z2⊥} X2⊥) (N - L - d) / L2``.
- Kleibergen–Paap rk Wald F (robust or clustered variance only): the rk statistic of
  Kleibergen & Paap (2006) for H0: rank(Π) = K2 - 1 with Π the coefficients of X2⊥ on
  Z2⊥, normalised by the Cholesky factors of Z2⊥'Z2⊥ and X2⊥'X2⊥ (ranktest), with the
  HC0/CRV0 covariance of vec(Π); then ivreg2's conversion
  ``rk / N (N - L - d) / L2`` (robust) or ``rk / (N - 1) (N - L - d) (G - 1) / G / L2``
  (cluster). With K2 = 1 it is the robust first-stage F.
- under-identification (H0: rank(Π) = K2 - 1, χ²(L2 - K2 + 1)), as ivreg2 reports it:
  Anderson's canonical-correlation LM ``N · ρ²_min`` (ρ the canonical correlations of X2⊥
  and Z2⊥) with a conventional variance; with a robust or one-way cluster variance the
  Kleibergen–Paap rk LM statistic, the rk statistic above with the covariance of vec(Π)
  evaluated under the null (``v = X2⊥`` instead of the first-stage residuals; ranktest's
  default LM version).
- after 2SLS and LIML, Stock & Yogo's (2005) critical values for 10/15/20/25% maximal size
  (:mod:`vcereg.estimators.stock_yogo`), as rows of the table.

Over-identification and endogeneity tests: :mod:`vcereg.estimators.ivtests`.
References: Baum, Schaffer & Stillman (2007), "Enhanced routines for IV/GMM estimation
and testing", Stata Journal 7(4); Stock & Yogo (2005); linearmodels' IV results.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import scipy.linalg as sla
from scipy import stats

from .._types import FloatArray, IntArray
from ..errors import EstimationError, WeakInstrumentsWarning, warn
from ..vce.kernels import cluster_scores, n_groups
from . import stock_yogo
from .iv import exact_fit
from .ivbase import IVInfo, partial_out
from .ivtests import (
    COLUMNS,
    VceSetup,
    endogeneity_tests,
    overid_tests,
    wald_on,
)

__all__ = [
    "FirstStageStats",
    "VceSetup",
    "endogeneity_tests",
    "estat_table",
    "first_stage_stats",
    "kleibergen_paap_rk",
    "overid_tests",
    "underid_test",
    "weak_id",
    "weak_id_note",
]


@dataclass(frozen=True, slots=True)
class FirstStageStats:
    """First-stage statistics of one endogenous regressor, as numbers."""

    endog: str
    f: float
    df: tuple[float, float | None]
    pvalue: float
    partial_r2: float
    shea_r2: float


def first_stage_stats(info: IVInfo, v: VceSetup) -> tuple[FirstStageStats, ...]:
    """F, partial R² and Shea's partial R² per endogenous regressor."""
    a = info.arrays
    z1 = a.z[:, a.exog]
    z2p = partial_out(a.z[:, a.excluded], z1)
    xk = a.x[:, info.keep]
    x_hat = xk - partial_out(xk, a.z)
    kept_terms = [t for t, k in zip(a.terms, info.keep, strict=True) if k]
    d = info.df_absorbed
    out = []
    small = replace(v, ssc=replace(v.ssc, small=True, robust_inference="t"))
    for j in a.endog:
        name = a.terms[j]
        col = np.ascontiguousarray(a.x[:, j])
        xp = partial_out(col, z1)
        rss_r = float(xp @ xp)
        e = partial_out(xp, z2p)
        if exact_fit(float(e @ e), rss_r):  # an instrument identical to the regressor
            stat, p = float("inf"), 0.0
            df_denom = wald_on(a.z, col, a.excluded.tolist(), small, d)[2]
        else:
            stat, p, df_denom = wald_on(a.z, col, a.excluded.tolist(), small, d)
        partial = 1 - float(e @ e) / rss_r if rss_r > 0 else float("nan")
        pos = kept_terms.index(name)
        out.append(
            FirstStageStats(
                name,
                stat,
                (float(len(a.excluded)), df_denom),
                p,
                partial,
                _shea(xk, x_hat, pos),
            )
        )
    return tuple(out)


def _shea(x: FloatArray, x_hat: FloatArray, j: int) -> float:
    """Shea's partial R²: the squared correlation of the parts of x_j and x_hat_j that the
    other regressors (and their projections) do not explain."""
    others = [i for i in range(x.shape[1]) if i != j]
    xt = partial_out(np.ascontiguousarray(x[:, j]), x[:, others])
    xh = partial_out(np.ascontiguousarray(x_hat[:, j]), x_hat[:, others])
    denom = float(xt @ xt) * float(xh @ xh)
    return float((xt @ xh) ** 2 / denom) if denom > 0 else float("nan")


def _partialled(info: IVInfo) -> tuple[FloatArray, FloatArray]:
    a = info.arrays
    z1 = a.z[:, a.exog]
    x2 = partial_out(a.x[:, a.endog], z1)
    z2 = partial_out(a.z[:, a.excluded], z1)
    return x2, z2


def _exact(x2: FloatArray, resid: FloatArray) -> bool:
    """Some endogenous regressor is fitted exactly by the excluded instruments (the
    identification statistics are then infinite, not a rounding-noise number)."""
    tss = np.einsum("ij,ij->j", x2, x2)
    rss = np.einsum("ij,ij->j", resid, resid)
    return any(exact_fit(float(r), float(t)) for r, t in zip(rss, tss, strict=True))


def cragg_donald_f(info: IVInfo) -> float:
    """Cragg–Donald Wald F statistic (see the module docstring)."""
    a = info.arrays
    x2, z2 = _partialled(info)
    resid = partial_out(x2, z2)
    if _exact(x2, resid):
        return float("inf")
    fitted = x2 - resid
    lhs, rhs = x2.T @ fitted, resid.T @ resid
    cd = float(sla.eigh((lhs + lhs.T) / 2, (rhs + rhs.T) / 2, eigvals_only=True)[0])
    n, big_l, l2 = info.nobs, a.z.shape[1], len(a.excluded)
    return float(cd * (n - big_l - info.df_absorbed) / l2)


def kleibergen_paap_rk(
    x2: FloatArray,
    z2: FloatArray,
    codes: IntArray | None = None,
    fweights: FloatArray | None = None,
    *,
    lm: bool = False,
) -> float:
    """The Kleibergen–Paap (2006) rk Wald statistic that rank(Π) = K2 - 1 (ranktest ``wald``),
    or with ``lm`` the rk LM statistic (ranktest's default: the covariance of vec(Π) from
    ``x2`` itself, i.e. under Π = 0, instead of the first-stage residuals).

    As ranktest's Mata code (``ivreg210_rkstat`` in the SSC copy of ivreg2): Θ = F Π G^{-1}
    with F, G the upper Cholesky factors of Z2'Z2 and X2'X2; ``B_q⊥`` from the *right*
    singular vectors (ranktest transposes ``vt`` after ``fullsvd``; ports that do not are
    not invariant to the order of the endogenous regressors).

    ``x2`` (N, K2) and ``z2`` (N, L2) have the included exogenous regressors partialled
    out; the covariance of vec(Π) is HC0, or CRV0 over ``codes``.
    """
    k = x2.shape[1]
    zz = z2.T @ z2
    pi = np.linalg.solve(zz, z2.T @ x2)  # L2 x K2
    v = x2 if lm else x2 - z2 @ pi
    f = sla.cholesky(zz, lower=False)
    g = sla.cholesky(x2.T @ x2, lower=False)
    theta = f @ np.linalg.solve(g.T, pi.T).T
    u, _, vt = np.linalg.svd(theta, full_matrices=True)
    u22 = u[k - 1 :, k - 1 :]
    a_qq = u[:, k - 1 :] @ np.linalg.solve(u22, sla.sqrtm(u22 @ u22.T).real)
    v22 = vt[k - 1, k - 1]
    b_qq = np.sign(v22) * vt[k - 1, :][None, :]  # last right singular vector
    kron = np.kron(b_qq, a_qq.T)
    lam = kron @ theta.reshape(-1, order="F")
    # scores of vec(Π): (v_i ⊗ z_i); Var(vec Π) = (I ⊗ (Z'Z)^-1) S (I ⊗ (Z'Z)^-1)
    scores = np.einsum("ik,il->ikl", v, z2).reshape(len(v), -1)
    if codes is not None:
        scores = cluster_scores(scores, np.ones(len(v)), codes, n_groups(codes))
    elif fweights is not None:  # a row stands for w rows: outer products add up to w s s'
        scores = scores / np.sqrt(fweights)[:, None]
    zz_inv = np.linalg.inv(zz)
    left = np.kron(np.eye(k), zz_inv)
    scored = scores @ left  # the bread on each score before the sum (kernels.hc_sandwich)
    var_pi = scored.T @ scored
    to_theta = np.kron(np.linalg.inv(g).T, f)
    var_theta = to_theta @ var_pi @ to_theta.T
    omega = kron @ var_theta @ kron.T
    return float(lam @ np.linalg.solve(omega, lam))


_KP_ROBUST = ("robust", "hc0", "hc2", "hc3")
_KP_CLUSTER = ("cluster", "cr2", "cr3")


def kleibergen_paap_f(info: IVInfo, v: VceSetup) -> float | None:
    """Kleibergen–Paap rk Wald F with a heteroskedasticity-robust (``robust``, ``hc0``,
    ``hc2``, ``hc3``) or one-way cluster (``cluster``, ``cr2``, ``cr3``) covariance of the
    first stage; None otherwise (conventional, multiway, HAC: not computed)."""
    if v.vce.name not in _KP_ROBUST and v.vce.name not in _KP_CLUSTER:
        return None
    a = info.arrays
    x2, z2 = _partialled(info)
    codes = None
    if v.vce.name in _KP_CLUSTER:
        if len(v.vce.args) != 1:
            return None
        codes = v.groups[v.vce.args[0]]
    if _exact(x2, partial_out(x2, z2)):
        return float("inf")
    rk = kleibergen_paap_rk(x2, z2, codes, v.fweights)
    n, big_l, l2 = info.nobs, a.z.shape[1], len(a.excluded)
    d = info.df_absorbed
    if codes is None:
        return float(rk / n * (n - big_l - d) / l2)
    g = n_groups(codes)
    return float(rk / (n - 1) * (n - big_l - d) * (g - 1) / g / l2)


def anderson_lm(info: IVInfo) -> float:
    """Anderson's canonical-correlation LM statistic ``N · ρ²_min``."""
    x2, z2 = _partialled(info)
    fitted = x2 - partial_out(x2, z2)
    lhs, rhs = x2.T @ fitted, x2.T @ x2
    rho2 = float(sla.eigh((lhs + lhs.T) / 2, (rhs + rhs.T) / 2, eigvals_only=True)[0])
    return float(info.nobs * rho2)


def underid_test(info: IVInfo, v: VceSetup) -> tuple[str, float, float] | None:
    """(name, statistic, df) of ivreg2's under-identification test: Kleibergen–Paap rk LM
    with a robust or one-way cluster variance, Anderson's LM with a conventional one;
    None for other variances (HAC, multiway clusters)."""
    a = info.arrays
    df = float(len(a.excluded) - len(a.endog) + 1)
    if v.vce.name in _KP_ROBUST or v.vce.name in _KP_CLUSTER:
        codes = None
        if v.vce.name in _KP_CLUSTER:
            if len(v.vce.args) != 1:
                return None
            codes = v.groups[v.vce.args[0]]
        x2, z2 = _partialled(info)
        rk = kleibergen_paap_rk(x2, z2, codes, v.fweights, lm=True)
        return "Kleibergen-Paap rk LM", rk, df
    if v.vce.name in ("ols", "iid", "unadjusted"):
        return "Anderson canon. corr. LM", anderson_lm(info), df
    return None


def weak_id(info: IVInfo, v: VceSetup) -> tuple[str, float]:
    """The weak-identification statistic ivreg2 reports: KP F if robust/cluster, else CD F."""
    kp = kleibergen_paap_f(info, v)
    if kp is not None:
        return "Kleibergen-Paap rk Wald F", kp
    return "Cragg-Donald Wald F", cragg_donald_f(info)


#: ivreg2's and Staiger & Stock's (1997) rule of thumb for the first-stage F
WEAK_F = 10.0


def weak_id_note(info: IVInfo, v: VceSetup) -> str | None:
    """A note (and a :class:`~vcereg.errors.WeakInstrumentsWarning`) when the weak-
    identification F is below 10; None otherwise."""
    try:
        name, stat = weak_id(info, v)
    except (np.linalg.LinAlgError, ValueError, EstimationError):
        return None
    cv = _stock_yogo(info, 10)
    if cv is not None and stat < cv:
        note = (
            f"weak instruments: {name} statistic {stat:.2f} is below the Stock-Yogo critical "
            f"value {cv:.2f} (10% maximal size of a nominal 5% {info.method.upper()} Wald "
            "test); see "
            "estat('firststage')"
        )
    elif stat < WEAK_F:
        note = (
            f"weak instruments: {name} statistic {stat:.2f} is below {WEAK_F:g} (rule of "
            "thumb; see estat('firststage')); IV is biased towards OLS and its tests over-reject"
        )
    else:
        return None
    warn(note, WeakInstrumentsWarning)
    return note


def _stock_yogo(info: IVInfo, size: int) -> float | None:
    a = info.arrays
    k2, l2 = len(a.endog), len(a.excluded)
    return stock_yogo.critical_value(size, k2=k2, l2=l2, estimator=info.method)


def first_stage_table(info: IVInfo, v: VceSetup) -> pd.DataFrame:
    """``estat firststage``: per endogenous variable F, partial and Shea R², then the
    under-identification LM test, the Cragg–Donald and (robust/cluster) Kleibergen–Paap
    F."""
    rows: dict[str, list[float]] = {}
    for s in first_stage_stats(info, v):
        rows[f"F {s.endog}"] = [
            s.f,
            s.df[0],
            np.nan if s.df[1] is None else s.df[1],
            s.pvalue,
        ]
        rows[f"partial R2 {s.endog}"] = [s.partial_r2, np.nan, np.nan, np.nan]
        rows[f"Shea partial R2 {s.endog}"] = [s.shea_r2, np.nan, np.nan, np.nan]
    underid = underid_test(info, v)
    if underid is not None:
        name, stat, df = underid
        rows[name] = [stat, df, np.nan, float(stats.chi2.sf(stat, df))]
    rows["Cragg-Donald Wald F"] = [cragg_donald_f(info), np.nan, np.nan, np.nan]
    kp = kleibergen_paap_f(info, v)
    if kp is not None:
        rows["Kleibergen-Paap rk Wald F"] = [kp, np.nan, np.nan, np.nan]
    for size in stock_yogo.SIZES:
        cv = _stock_yogo(info, size)
        if cv is not None:
            rows[f"Stock-Yogo {size}% maximal IV size"] = [cv, np.nan, np.nan, np.nan]
    return pd.DataFrame.from_dict(rows, orient="index", columns=COLUMNS)


_ESTAT = {
    "firststage": first_stage_table,
    "overid": overid_tests,
    "endogenous": endogeneity_tests,
}


def estat_table(what: str, info: IVInfo, v: VceSetup) -> pd.DataFrame:
    """Dispatch ``estat firststage | overid | endogenous``."""
    key = what.strip().lower()
    aliases = {"first": "firststage", "endog": "endogenous", "over": "overid"}
    key = aliases.get(key, key)
    if key not in _ESTAT:
        raise EstimationError(
            f"unknown estat {what!r}; expected one of: {', '.join(_ESTAT)}",
        )
    table = _ESTAT[key](info, v)
    table.index.name = "test"
    return table
