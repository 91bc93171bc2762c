"""Every registered variance type against an independent implementation.

Convention mapping (see docs/variance.md and the shared CONVENTIONS page):

==========  ===========================================  ==============================
vcereg      statsmodels                                  pyfixest
==========  ===========================================  ==============================
ols         OLS().fit() (nonrobust), t(N-K)              vcov="iid"
hc0         cov_type="HC0"                               -
robust      cov_type="HC1"                               vcov="hetero" (N/(N-K))
hc2, hc3    cov_type="HC2"/"HC3" (no factor)             "HC2"/"HC3" x N/(N-K): ssc="fixest"
cluster     cov_type="cluster", use_t=True: t(G-1),      {"CRV1": g}, same factor
            G/(G-1)(N-1)/(N-K)
2-way min   -                                            {"CRV1": "a+b"}, one G_min factor
2-way cgm   cov_type="cluster", groups=[a, b]: each      -
            term its own G_S/(G_S-1)
cr3         - (a leave-one-cluster-out loop instead)     {"CRV3": g} = ssc="fixest"
==========  ===========================================  ==============================

Weights: aweights against ``smf.wls``; fweights against ``smf.glm(freq_weights=w)`` (ols,
hc0: N = sum(w), df = sum(w) - K) and against ``smf.ols`` on the rows replicated w times
(every type; GLM's HC1-HC3 count rows, not weights); pweights against the sandwich written
out in the test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest
import statsmodels.formula.api as smf
from scipy import stats

import vcereg
from tests.tolerances import REL_REFERENCE as RTOL

CASES = {
    "student": ("G3 ~ absences + age + studytime", "Mjob", "school"),
    "petersen": ("y ~ x", "firmid", "year"),
    "grunfeld": ("invest ~ value + capital", "firm", "year"),
}


def _data(request: pytest.FixtureRequest, name: str) -> pd.DataFrame:
    return request.getfixturevalue(name)


def _close(ours: pd.DataFrame | np.ndarray, ref: np.ndarray) -> None:
    np.testing.assert_allclose(np.asarray(ours), np.asarray(ref), rtol=RTOL, atol=0)


def _clip_psd(cov: np.ndarray) -> np.ndarray:
    """The reghdfe repair (negative eigenvalues to zero) applied to a reference."""
    vals, vecs = np.linalg.eigh((cov + cov.T) / 2)
    if vals.min() >= 0:
        return cov
    return (vecs * np.clip(vals, 0, None)) @ vecs.T


def _close_p(ours: pd.Series, ref: np.ndarray) -> None:
    # pyfixest computes p = 2 * (1 - cdf(|t|)), which cancels to 0 or loses relative
    # accuracy below ~1e-9; an absolute 1e-12 still checks every p-value a reader sees.
    np.testing.assert_allclose(np.asarray(ours), np.asarray(ref), rtol=RTOL, atol=1e-12)


@pytest.fixture(params=list(CASES))
def case(request: pytest.FixtureRequest) -> tuple[pd.DataFrame, str, str, str]:
    d = _data(request, request.param)
    formula, g1, g2 = CASES[request.param]
    return d, formula, g1, g2


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [("ols", "nonrobust"), ("hc0", "HC0"), ("robust", "HC1"), ("hc2", "HC2"), ("hc3", "HC3")],
)
def test_hc_family_matches_statsmodels(case, ours, theirs):
    d, formula, _, _ = case
    r = vcereg.regress(f"{formula} | vce({ours})", d)
    ref = smf.ols(formula, d).fit(cov_type=theirs, use_t=True)
    _close(r.params, ref.params)
    _close(r.cov, ref.cov_params())
    _close(r.pvalue, ref.pvalues)
    _close(r.conf_int(), ref.conf_int())
    assert r.df_inference == ref.df_resid


@pytest.mark.parametrize(("ours", "theirs"), [("robust", "hetero"), ("hc2", "HC2"), ("hc3", "HC3")])
def test_hc_family_matches_pyfixest_convention(case, ours, theirs):
    d, formula, _, _ = case
    r = vcereg.regress(f"{formula} | vce({ours})", d, ssc="fixest")
    ref = pf.feols(formula, d, vcov=theirs)
    _close(r.cov, ref._vcov)
    _close(r.se, ref.se())


def test_iid_matches_pyfixest(case):
    d, formula, _, _ = case
    r = vcereg.regress(formula, d)
    ref = pf.feols(formula, d, vcov="iid")
    _close(r.cov, ref._vcov)
    _close_p(r.pvalue, ref.pvalue())


def test_oneway_cluster_matches_statsmodels_and_pyfixest(case):
    d, formula, g, _ = case
    r = vcereg.regress(f"{formula} | vce(cluster {g})", d)
    codes = pd.factorize(d[g])[0]
    ref = smf.ols(formula, d).fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)
    _close(r.cov, ref.cov_params())
    _close(r.pvalue, ref.pvalues)  # t(G-1) in both
    fx = pf.feols(formula, d, vcov={"CRV1": g})
    _close(r.cov, fx._vcov)
    _close_p(r.pvalue, fx.pvalue())
    assert r.df_inference == d[g].nunique() - 1


def _p_from_cov(params: np.ndarray, cov: np.ndarray, df: float | None) -> np.ndarray:
    """Textbook two-sided p-values from a coefficient vector and its covariance."""
    t = params / np.sqrt(np.diag(cov))
    return 2 * (stats.norm.sf(np.abs(t)) if df is None else stats.t.sf(np.abs(t), df))


def test_twoway_cluster_min_convention_matches_pyfixest(case):
    d, formula, g1, g2 = case
    r = vcereg.regress(f"{formula} | vce(cluster {g1} {g2})", d)
    fx = pf.feols(formula, d, vcov={"CRV1": f"{g1}+{g2}"})
    df = min(d[g1].nunique(), d[g2].nunique()) - 1
    assert r.df_inference == df
    # pyfixest leaves a non-PSD result as is; ours clips negative eigenvalues (reghdfe)
    ref = _clip_psd(fx._vcov)
    _close(r.cov, ref)
    non_psd = np.linalg.eigvalsh(fx._vcov).min() < 0
    assert non_psd == any("not positive semi-definite" in n for n in r.notes)
    if not non_psd:
        _close_p(r.pvalue, fx.pvalue())
    # with or without the repair: p from the (repaired) reference covariance and t(G_min - 1)
    _close_p(r.pvalue, _p_from_cov(fx.coef().to_numpy(), ref, df))


def test_twoway_cluster_cgm_option_matches_statsmodels(case):
    d, formula, g1, g2 = case
    r = vcereg.regress(f"{formula} | vce(cluster {g1} {g2}, cgm)", d)
    groups = np.column_stack([pd.factorize(d[g1])[0], pd.factorize(d[g2])[0]])
    ref = smf.ols(formula, d).fit(cov_type="cluster", cov_kwds={"groups": groups})
    v = _clip_psd(ref.cov_params().to_numpy())
    _close(r.cov, v)
    df = min(d[g1].nunique(), d[g2].nunique()) - 1  # t(G_min - 1) as with the default
    assert r.df_inference == df
    _close_p(r.pvalue, _p_from_cov(ref.params.to_numpy(), v, df))


def test_statsmodels_preset_reproduces_statsmodels_defaults(case):
    d, formula, g1, g2 = case
    r = vcereg.regress(f"{formula} | vce(cluster {g1} {g2})", d, ssc="statsmodels")
    groups = np.column_stack([pd.factorize(d[g1])[0], pd.factorize(d[g2])[0]])
    ref = smf.ols(formula, d).fit(cov_type="cluster", cov_kwds={"groups": groups})
    assert r.df_inference is None
    v = ref.cov_params().to_numpy()
    if np.linalg.eigvalsh(v).min() >= 0:
        _close(r.cov, v)
        _close(r.pvalue, ref.pvalues)  # normal inference, as statsmodels' default
    # not PSD: statsmodels keeps it, vcereg repairs it; compare with the repaired reference
    _close(r.cov, _clip_psd(v))
    _close_p(r.pvalue, _p_from_cov(ref.params.to_numpy(), _clip_psd(v), None))
    rob = vcereg.regress(f"{formula} | vce(robust)", d, ssc="statsmodels")
    ref1 = smf.ols(formula, d).fit(cov_type="HC1")
    _close(rob.pvalue, ref1.pvalues)


def test_cr3_fixest_preset_matches_pyfixest(case):
    d, formula, g, _ = case
    r = vcereg.regress(f"{formula} | vce(cr3 {g})", d, ssc="fixest")
    fx = pf.feols(formula, d, vcov={"CRV3": g})
    _close(r.cov, fx._vcov)


def test_cr3_stata_convention_matches_explicit_jackknife(case):
    """Stata: (G-1)/G * sum of squared deviations of leave-one-cluster-out fits from their
    mean; the reference refits by brute force with numpy's lstsq."""
    d, formula, g, _ = case
    r = vcereg.regress(f"{formula} | vce(jackknife {g})", d)
    model = smf.ols(formula, d)
    y, x = model.endog, model.exog
    labels = d[g].to_numpy()
    levels = pd.unique(labels)
    betas = np.array(
        [np.linalg.lstsq(x[labels != lv], y[labels != lv], rcond=None)[0] for lv in levels]
    )
    dev = betas - betas.mean(axis=0)
    ref = (len(levels) - 1) / len(levels) * dev.T @ dev
    _close(r.cov, ref)
    assert r.df_inference == len(levels) - 1


def test_analytic_weights_match_statsmodels_wls(student):
    d = student.assign(w=student["age"] - 14.0)
    formula = "G3 ~ absences + studytime"
    for ours, theirs in [("ols", "nonrobust"), ("robust", "HC1"), ("hc2", "HC2"), ("hc3", "HC3")]:
        r = vcereg.regress(f"{formula} | weights(w) | vce({ours})", d)
        ref = smf.wls(formula, d, weights=d["w"]).fit(cov_type=theirs, use_t=True)
        _close(r.params, ref.params)
        _close(r.cov, ref.cov_params())
    r = vcereg.regress(f"{formula} | weights(w) | vce(cluster Mjob)", d)
    ref = smf.wls(formula, d, weights=d["w"]).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(d["Mjob"])[0]}, use_t=True
    )
    _close(r.cov, ref.cov_params())


FW_FORMULA = "G3 ~ absences + studytime"
FW_SM = {"ols": "nonrobust", "hc0": "HC0", "robust": "HC1", "hc2": "HC2", "hc3": "HC3"}


def _fweighted(student: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    d = student.assign(fw=(student.index % 3) + 1)
    return d, d.loc[d.index.repeat(d["fw"])].reset_index(drop=True)


@pytest.mark.parametrize(("vce", "theirs"), [("ols", "nonrobust"), ("hc0", "HC0")])
def test_frequency_weights_match_statsmodels_freq_weights(student, vce, theirs):
    """statsmodels GLM(Gaussian, freq_weights=w): N = sum(w), df = sum(w) - K, t inference.
    (GLM's HC1-HC3 ignore freq_weights in their factors and leverages; see the next test.)"""
    d, _ = _fweighted(student)
    r = vcereg.regress(f"{FW_FORMULA} | weights(fw, fweight) | vce({vce})", d)
    ref = smf.glm(FW_FORMULA, d, freq_weights=d["fw"]).fit(cov_type=theirs, use_t=True)
    assert r.nobs == d["fw"].sum()  # GLM's nobs counts rows; its df_resid counts weights
    assert r.df_resid == ref.df_resid == d["fw"].sum() - 3
    _close(r.params, ref.params)
    _close(r.cov, ref.cov_params())
    _close(r.pvalue, ref.pvalues)
    _close(r.conf_int(), ref.conf_int())


@pytest.mark.parametrize("vce", ["ols", "robust", "hc0", "hc2", "hc3", "cluster Mjob"])
def test_frequency_weights_match_statsmodels_on_replicated_rows(student, vce):
    """An fweight of w is w copies of the row (Stata's definition: N = sum(w)); the reference
    is statsmodels OLS on the expanded data, with the mapping of the module docstring."""
    d, expanded = _fweighted(student)
    r = vcereg.regress(f"{FW_FORMULA} | weights(fw, fweight) | vce({vce})", d)
    model = smf.ols(FW_FORMULA, expanded)
    if vce.startswith("cluster"):
        groups = pd.factorize(expanded["Mjob"])[0]
        ref = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    else:
        ref = model.fit(cov_type=FW_SM[vce], use_t=True)
    assert r.nobs == len(expanded) and r.df_resid == ref.df_resid
    _close(r.params, ref.params)
    _close(r.cov, ref.cov_params())
    _close(r.pvalue, ref.pvalues)
    _close([r.rsquared, r.rmse], [ref.rsquared, np.sqrt(ref.mse_resid)])


@pytest.mark.parametrize("cluster", [None, "Mjob"])
def test_sampling_weights_match_the_sandwich_by_hand(student, cluster):
    """Stata's [pw=w] (vce(robust) implied, or vce(cluster g)), written out:
    b = (X'WX)^-1 X'Wy, u = y - Xb, scores s_i = w_i u_i x_i (summed within clusters),
    V = (X'WX)^-1 (sum s s') (X'WX)^-1 * c with c = N/(N-K) (robust) or
    G/(G-1) (N-1)/(N-K) (cluster), N = number of rows (not sum(w)); t(N-K) or t(G-1).
    R-squared and Root MSE are the weighted ones with weights normalised to sum to N."""
    d = student.assign(pw=1.0 / (student["age"] - 14.0))
    vce = f"cluster {cluster}" if cluster else "robust"
    r = vcereg.regress(f"{FW_FORMULA} | weights(pw, pweight) | vce({vce})", d)
    x = np.column_stack([np.ones(len(d)), d[["absences", "studytime"]].to_numpy(float)])
    y, w = d["G3"].to_numpy(float), d["pw"].to_numpy(float)
    n, k = x.shape
    bread = np.linalg.inv(x.T @ (w[:, None] * x))
    b = bread @ x.T @ (w * y)
    u = y - x @ b
    s = (w * u)[:, None] * x
    if cluster:
        codes = pd.factorize(d[cluster])[0]
        s = np.array([s[codes == c].sum(axis=0) for c in range(codes.max() + 1)])
        g = len(s)
        factor, df = g / (g - 1) * (n - 1) / (n - k), g - 1
    else:
        factor, df = n / (n - k), n - k
    v = bread @ (s.T @ s) @ bread * factor
    assert r.nobs == n and r.df_inference == df
    _close(r.params, b)
    _close(r.cov, v)
    _close(r.pvalue, 2 * stats.t.sf(np.abs(b / np.sqrt(np.diag(v))), df))
    wn = w * n / w.sum()
    ybar = np.sum(wn * y) / n
    _close(r.rsquared, 1 - np.sum(wn * u**2) / np.sum(wn * (y - ybar) ** 2))
    _close(r.rmse, np.sqrt(np.sum(wn * u**2) / (n - k)))
    # nothing printed depends on the scale of the weights (Root MSE once did)
    r10 = vcereg.regress(f"{FW_FORMULA} | weights(pw, pweight) | vce({vce})", d.assign(pw=10 * w))
    _close([r10.rmse, r10.rsquared, r10.fstat], [r.rmse, r.rsquared, r.fstat])
    _close(r10.cov, r.cov)


def test_student_acceptance_numbers(student):
    r = vcereg.regress("G3 ~ absences", student)
    assert round(float(r.params["absences"]), 4) == 0.0196
    assert round(float(r.pvalue["absences"]), 3) == 0.497
    with pytest.warns(vcereg.errors.FewClustersWarning, match="only 2 clusters"):
        rc = vcereg.regress("G3 ~ absences | vce(cluster school)", student)
    assert round(float(rc.pvalue["absences"]), 3) == 0.143
    assert rc.df_inference == 1
    assert rc.n_clusters == {"school": 2}


def test_student_headline_against_crv1_by_hand(student):
    """The headline number (p = 0.143 with 2 school clusters) from the CRV1 formula written
    out here: V = (X'X)^-1 (sum_g X_g'u_g u_g'X_g) (X'X)^-1 * G/(G-1) * (N-1)/(N-K),
    t(G - 1) = t(1), CI b ± t_{0.975}(1)·se; and the same data's conventional p = 0.497."""
    x = np.column_stack([np.ones(len(student)), student["absences"].to_numpy(float)])
    y = student["G3"].to_numpy(float)
    n, k = x.shape
    bread = np.linalg.inv(x.T @ x)
    b = bread @ x.T @ y
    u = y - x @ b
    labels = student["school"].to_numpy()
    scores = np.array([x[labels == s].T @ u[labels == s] for s in np.unique(labels)])
    g = len(scores)
    v = bread @ (scores.T @ scores) @ bread * g / (g - 1) * (n - 1) / (n - k)
    se = np.sqrt(np.diag(v))
    p = 2 * stats.t.sf(np.abs(b / se), g - 1)
    with pytest.warns(vcereg.errors.FewClustersWarning):
        r = vcereg.regress("G3 ~ absences | vce(cluster school)", student)
    assert g == 2 and r.df_inference == 1
    _close(r.params, b)
    _close(r.cov, v)
    _close(r.pvalue, p)
    ci = b[:, None] + np.outer(se, [-1, 1]) * stats.t.ppf(0.975, 1)
    _close(r.conf_int(), ci)
    assert round(float(p[1]), 3) == 0.143
    # conventional: s^2 (X'X)^-1 with t(N - K)
    v0 = bread * (u @ u) / (n - k)
    p0 = 2 * stats.t.sf(np.abs(b / np.sqrt(np.diag(v0))), n - k)
    _close(vcereg.regress("G3 ~ absences", student).pvalue, p0)
    assert round(float(p0[1]), 3) == 0.497
