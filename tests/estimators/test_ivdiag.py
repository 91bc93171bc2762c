"""IV diagnostics (``Results.estat``, ``Results.first_stage``) against independent references.

- linearmodels 7.1 (``IV2SLS``/``IVLIML``/``IVGMM`` results): first-stage F, partial and
  Shea R², Sargan, Basmann, Durbin, Wu–Hausman, Wooldridge's robust score and regression
  tests, Anderson–Rubin and Basmann's F after LIML, Hansen's J. Mapping: our first-stage
  F is linearmodels' ``f.stat`` (``debiased=True``) divided by the number of excluded
  instruments for robust/cluster (linearmodels reports the Wald chi2 there).
- Cragg–Donald: Stock & Yogo's (2005) formula ``mineig(S^{-1/2}' X⊥'P X⊥ S^{-1/2}) / L2``
  with a symmetric inverse square root, written here in numpy.
- Kleibergen–Paap rk: a brute-force implementation of Kleibergen & Paap (2006) in this
  file (symmetric-square-root normalisation, the last singular vectors as the
  orthogonal complements, the covariance of vec(Π) summed observation by observation);
  ranktest's Cholesky normalisation gives the same statistic because it is invariant to
  rotations of the normalised matrix. With one endogenous regressor it must equal the
  robust (cluster) first-stage F.

Tolerance: REL_REFERENCE (1e-8); measured agreement ~1e-12.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.linalg as sla
from linearmodels.iv import IV2SLS, IVGMM, IVLIML
from scipy import stats

import vcereg
from tests.conftest import DATA
from tests.tolerances import REL_REFERENCE as RTOL


@pytest.fixture(scope="module")
def hsng() -> pd.DataFrame:
    d = pd.read_csv(DATA / "hsng.csv")
    for k, level in enumerate(sorted(d["region"].unique())[1:], start=2):
        d[f"reg{k}"] = (d["region"] == level).astype(float)
    return d


@pytest.fixture(scope="module")
def sim() -> pd.DataFrame:
    """Two endogenous regressors, four instruments, 40 clusters, heteroskedastic errors."""
    rng = np.random.default_rng(12)
    n, g = 600, 40
    cl = rng.integers(0, g, n)
    z = rng.normal(size=(n, 4)) + rng.normal(size=(g, 4))[cl] * 0.5
    w = rng.normal(size=n)
    v = rng.normal(size=(n, 2)) * (1 + np.abs(z[:, :1]))
    d1 = 0.4 * z[:, 0] + 0.2 * z[:, 1] + 0.3 * w + v[:, 0]
    d2 = 0.1 * z[:, 1] + 0.3 * z[:, 2] - 0.2 * z[:, 3] + v[:, 1]
    y = 1 + d1 - 0.5 * d2 + 0.2 * w + v[:, 0] * 0.8 + rng.normal(size=n) * (1 + z[:, 3] ** 2)
    cols = {"y": y, "d1": d1, "d2": d2, "w": w, "g": cl}
    cols |= {f"z{j + 1}": z[:, j] for j in range(4)}
    return pd.DataFrame(cols)


H_MODEL = "rent ~ pcturban | iv(hsngval ~ faminc reg2 reg3 reg4{opt}) | vce({vce})"
H_LM = "rent ~ 1 + pcturban + [hsngval ~ faminc + reg2 + reg3 + reg4]"
S_MODEL = "y ~ w | iv(d1 d2 ~ z1 z2 z3 z4) | vce({vce})"
S_LM = "y ~ 1 + w + [d1 + d2 ~ z1 + z2 + z3 + z4]"


def _quiet(model, data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", vcereg.errors.VceregWarning)
        return vcereg.regress(model, data, **kw)


@pytest.mark.parametrize(
    ("vce", "cov_type", "kw"),
    [("ols", "unadjusted", None), ("robust", "robust", None), ("cluster g", "clustered", "g")],
)
@pytest.mark.parametrize("opt", ["", ", method=liml", ", method=gmm, wmatrix=robust"])
def test_first_stage_matches_linearmodels(sim, vce, cov_type, kw, opt):
    model = S_MODEL.replace("z4)", f"z4{opt})").format(vce=vce)
    r = _quiet(model, sim)
    extra = {"clusters": sim[kw].to_numpy()} if kw else {}
    ref = IV2SLS.from_formula(S_LM, sim).fit(cov_type=cov_type, debiased=True, **extra)
    diag = ref.first_stage.diagnostics
    fs = r.first_stage
    q = 4
    scale = 1 if cov_type == "unadjusted" else q
    for name in ("d1", "d2"):
        assert fs.at[name, "f"] == pytest.approx(diag.at[name, "f.stat"] / scale, rel=RTOL)
        assert fs.at[name, "partial_r2"] == pytest.approx(
            diag.at[name, "partial.rsquared"], rel=RTOL
        )
        assert fs.at[name, "shea_r2"] == pytest.approx(diag.at[name, "shea.rsquared"], rel=RTOL)
        if cov_type == "unadjusted":
            assert fs.at[name, "pvalue"] == pytest.approx(diag.at[name, "f.pval"], rel=1e-6)
    if kw:
        assert fs.at["d1", "df_denom"] == sim["g"].nunique() - 1  # Stata: F(L2, G-1)


def test_first_stage_f_ignores_small(hsng):
    """Stata's estat firststage reports the small-sample F with or without ``small``."""
    a = _quiet(H_MODEL.format(opt="", vce="robust"), hsng)
    b = _quiet(H_MODEL.format(opt="", vce="robust"), hsng, ssc="asymptotic")
    assert a.first_stage.at["hsngval", "f"] == pytest.approx(b.first_stage.at["hsngval", "f"])


def test_conventional_overid_and_endogeneity_match_linearmodels(hsng):
    r = _quiet(H_MODEL.format(opt="", vce="ols"), hsng)
    ref = IV2SLS.from_formula(H_LM, hsng).fit(cov_type="unadjusted", debiased=True)
    over, endo = r.estat("overid"), r.estat("endogenous")
    for ours, theirs in [
        (over.loc["Sargan"], ref.sargan),
        (over.loc["Basmann"], ref.basmann),
        (endo.loc["Durbin"], ref.durbin()),
        (endo.loc["Wu-Hausman"], ref.wu_hausman()),
    ]:
        assert ours["stat"] == pytest.approx(theirs.stat, rel=RTOL)
        assert ours["pvalue"] == pytest.approx(theirs.pval, rel=1e-6)
        assert ours["df"] == theirs.df
    assert endo.at["Wu-Hausman", "df_denom"] == ref.wu_hausman().df_denom
    assert list(over.columns) == ["stat", "df", "df_denom", "pvalue"]


def test_liml_overid_matches_linearmodels(hsng):
    r = _quiet(H_MODEL.format(opt=", method=liml", vce="ols"), hsng)
    ref = IVLIML.from_formula(H_LM, hsng).fit(cov_type="unadjusted", debiased=True)
    over = r.estat("overid")
    assert over.at["Anderson-Rubin", "stat"] == pytest.approx(ref.anderson_rubin.stat, rel=RTOL)
    assert over.at["Basmann F", "stat"] == pytest.approx(ref.basmann_f.stat, rel=RTOL)
    assert over.at["Basmann F", "pvalue"] == pytest.approx(ref.basmann_f.pval, rel=1e-6)
    assert over.at["Sargan", "stat"] == pytest.approx(ref.sargan.stat, rel=RTOL)


@pytest.mark.parametrize("ssc", [None, "asymptotic"])
def test_robust_endogeneity_and_hansen_j_match_linearmodels(hsng, ssc):
    r = _quiet(H_MODEL.format(opt="", vce="robust"), hsng, ssc=ssc)
    debiased = ssc is None
    ref = IV2SLS.from_formula(H_LM, hsng).fit(cov_type="robust", debiased=debiased)
    endo = r.estat("endogenous")
    assert endo.at["Robust score", "stat"] == pytest.approx(ref.wooldridge_score.stat, rel=RTOL)
    assert endo.at["Robust score", "pvalue"] == pytest.approx(ref.wooldridge_score.pval, rel=1e-6)
    # linearmodels reports the regression test as chi2 (= our F times its df)
    assert endo.at["Robust regression F", "stat"] == pytest.approx(
        ref.wooldridge_regression.stat, rel=RTOL
    )
    gmm = IVGMM.from_formula(H_LM, hsng, weight_type="robust").fit(cov_type="robust")
    assert r.estat("overid").at["Hansen J", "stat"] == pytest.approx(gmm.j_stat.stat, rel=RTOL)


def test_cluster_score_test_with_singleton_clusters_is_the_robust_one(hsng):
    d = hsng.assign(one=np.arange(len(hsng)))
    a = _quiet(H_MODEL.format(opt="", vce="robust"), d).estat("endogenous")
    b = _quiet(H_MODEL.format(opt="", vce="cluster one"), d).estat("endogenous")
    assert a.at["Robust score", "stat"] == pytest.approx(b.at["Robust score", "stat"], rel=1e-10)


# --- Cragg-Donald and Kleibergen-Paap --------------------------------------------------


def _partialled(data, endog, excluded, exog):
    """X2 and Z2 with [1, exog] partialled out, as plain numpy (independent of vcereg)."""
    z1 = np.column_stack([np.ones(len(data)), data[exog].to_numpy()])
    m1 = np.eye(len(data)) - z1 @ np.linalg.pinv(z1)
    return m1 @ data[endog].to_numpy(), m1 @ data[excluded].to_numpy(), z1.shape[1]


def _inv_sqrt(a):
    vals, vecs = np.linalg.eigh(a)
    return (vecs / np.sqrt(vals)) @ vecs.T


def _cragg_donald_reference(data, endog, excluded, exog):
    """Stock & Yogo (2005) eq. (3.3): G = S^{-1/2}' X⊥' P X⊥ S^{-1/2} / L2."""
    x, z, k1 = _partialled(data, endog, excluded, exog)
    n, l2 = len(data), z.shape[1]
    p = z @ np.linalg.solve(z.T @ z, z.T)
    resid = x - p @ x
    s_vv = resid.T @ resid / (n - k1 - l2)
    s = _inv_sqrt(s_vv)
    return float(np.linalg.eigvalsh(s @ x.T @ p @ x @ s / l2).min())


def _kp_reference(data, endog, excluded, exog, cluster=None, lm=False):
    """Kleibergen & Paap (2006) rk Wald statistic for rank(Π) = K2 - 1, written directly;
    ``lm``: the LM version (the covariance of vec(Π) under Π = 0: v = X, not X - ZΠ)."""
    x, z, _ = _partialled(data, endog, excluded, exog)
    n, k = x.shape
    ell = z.shape[1]
    zz = z.T @ z
    pi = np.linalg.solve(zz, z.T @ x)
    v = x if lm else x - z @ pi
    g_half = sla.sqrtm(zz).real  # G^{1/2}
    f_half = _inv_sqrt(x.T @ x)  # F^{1/2}
    theta = g_half @ pi @ f_half
    u, _, vt = np.linalg.svd(theta)
    a_perp = u[:, k - 1 :]  # spans the complement of the first K2-1 left singular vectors
    b_perp = vt.T[:, k - 1 :]
    lam = (a_perp.T @ theta @ b_perp).reshape(-1, order="F")
    meat = np.zeros((k * ell, k * ell))
    if cluster is None:
        for i in range(n):
            s = np.kron(v[i], z[i])
            meat += np.outer(s, s)
    else:
        for c in np.unique(cluster):
            rows = cluster == c
            s = sum(np.kron(v[i], z[i]) for i in np.flatnonzero(rows))
            meat += np.outer(s, s)
    zz_inv = np.linalg.inv(zz)
    var_pi = np.kron(np.eye(k), zz_inv) @ meat @ np.kron(np.eye(k), zz_inv)
    to_theta = np.kron(f_half.T, g_half)
    var_theta = to_theta @ var_pi @ to_theta.T
    sel = np.kron(b_perp.T, a_perp.T)
    omega = sel @ var_theta @ sel.T
    return float(lam @ np.linalg.solve(omega, lam))


def test_cragg_donald_matches_stock_yogo_formula(sim):
    r = _quiet(S_MODEL.format(vce="ols"), sim)
    ours = r.estat("firststage").at["Cragg-Donald Wald F", "stat"]
    ref = _cragg_donald_reference(sim, ["d1", "d2"], ["z1", "z2", "z3", "z4"], ["w"])
    assert ours == pytest.approx(ref, rel=RTOL)


def test_cragg_donald_with_one_endogenous_is_the_classical_f(hsng):
    r = _quiet(H_MODEL.format(opt="", vce="ols"), hsng)
    fs = r.estat("firststage")
    assert fs.at["Cragg-Donald Wald F", "stat"] == pytest.approx(
        fs.at["F hsngval", "stat"], rel=1e-10
    )


def _kp_conversion(data, endog, excluded, exog, cluster=None):
    """The scalar that turns the rk statistic into ivreg2's F, derived from statsmodels
    rather than copied: with one endogenous regressor the rk statistic is the Wald test of
    the excluded instruments with the HC0 (CRV0) covariance and the KP F is the same Wald
    test with Stata's small-sample factor divided by L2, so the ratio of statsmodels'
    corrected and uncorrected Wald statistics over L2 is the conversion (it does not
    depend on the number of endogenous regressors)."""
    import statsmodels.api as sm

    x = sm.add_constant(data[[*exog, *excluded]].astype(float))
    fit = sm.OLS(data[endog].astype(float), x)
    hyp = ", ".join(f"{z} = 0" for z in excluded)
    if cluster is None:
        w0 = fit.fit(cov_type="HC0").wald_test(hyp, scalar=True).statistic
        w1 = fit.fit(cov_type="HC1").wald_test(hyp, scalar=True).statistic
    else:
        kw = {"groups": data[cluster].to_numpy()}
        w0 = fit.fit(cov_type="cluster", cov_kwds={**kw, "use_correction": False})
        w1 = fit.fit(cov_type="cluster", cov_kwds=kw)
        w0 = w0.wald_test(hyp, scalar=True, use_f=False).statistic
        w1 = w1.wald_test(hyp, scalar=True, use_f=False).statistic
    return float(w1) / len(excluded) / float(w0)


@pytest.mark.parametrize("cluster", [False, True])
def test_kleibergen_paap_matches_direct_formula(sim, cluster):
    vce = "cluster g" if cluster else "robust"
    r = _quiet(S_MODEL.format(vce=vce), sim)
    ours = r.estat("firststage").at["Kleibergen-Paap rk Wald F", "stat"]
    codes = sim["g"].to_numpy() if cluster else None
    args = (["z1", "z2", "z3", "z4"], ["w"])
    rk = _kp_reference(sim, ["d1", "d2"], *args, codes)
    expected = rk * _kp_conversion(sim, "d1", *args, "g" if cluster else None)
    assert ours == pytest.approx(expected, rel=RTOL)


@pytest.fixture(scope="module")
def sim_fe(sim) -> pd.DataFrame:
    """``sim`` with 15 absorbed levels f (not nested in the 40 clusters) and their dummies."""
    f = np.random.default_rng(5).integers(0, 15, len(sim))
    dummies = pd.get_dummies(f, prefix="f", drop_first=True, dtype=float)
    out = pd.concat([sim, dummies], axis=1).assign(f=f)
    return out.assign(y=out["y"] + 0.3 * f, d1=out["d1"] + 0.1 * f)


@pytest.mark.parametrize("vce", ["ols", "robust", "cluster g"])
def test_identification_statistics_count_the_absorbed_levels(sim_fe, vce):
    """With fe(f) the 15 absorbed levels are instruments too (ivreg2's sdofminus): the
    Cragg-Donald F is Stock & Yogo's formula with the f dummies among the exogenous
    regressors (s_vv over N - L - 15), and the Kleibergen-Paap F converts with the
    statsmodels first stage that includes the dummies. Leaving the levels out moves both
    by ~2.5%."""
    dummies = [c for c in sim_fe.columns if c.startswith("f_")]
    r = _quiet(f"y ~ w | fe(f) | iv(d1 d2 ~ z1 z2 z3 z4) | vce({vce})", sim_fe)
    fs = r.estat("firststage")
    exog, excluded = ["w", *dummies], ["z1", "z2", "z3", "z4"]
    cd = _cragg_donald_reference(sim_fe, ["d1", "d2"], excluded, exog)
    assert fs.at["Cragg-Donald Wald F", "stat"] == pytest.approx(cd, rel=RTOL)
    if vce != "ols":
        cluster = "g" if vce.startswith("cluster") else None
        codes = sim_fe["g"].to_numpy() if cluster else None
        rk = _kp_reference(sim_fe, ["d1", "d2"], excluded, exog, codes)
        expected = rk * _kp_conversion(sim_fe, "d1", excluded, exog, cluster)
        assert fs.at["Kleibergen-Paap rk Wald F", "stat"] == pytest.approx(expected, rel=RTOL)


@pytest.mark.parametrize("vce", ["robust", "cluster division"])
def test_kleibergen_paap_with_one_endogenous_is_the_robust_first_stage_f(hsng, vce):
    r = _quiet(H_MODEL.format(opt="", vce=vce), hsng)
    fs = r.estat("firststage")
    assert fs.at["Kleibergen-Paap rk Wald F", "stat"] == pytest.approx(
        fs.at["F hsngval", "stat"], rel=1e-10
    )


# --- under-identification -----------------------------------------------------------


def _canonical_rho2_min(data, endog, excluded, exog):
    """Smallest squared canonical correlation of X2⊥ and Z2⊥ from orthonormal bases
    (singular values of Qx'Qz), not the package's generalised eigenproblem."""
    x, z, _ = _partialled(data, endog, excluded, exog)
    qx, qz = np.linalg.qr(x)[0], np.linalg.qr(z)[0]
    return float(np.linalg.svd(qx.T @ qz, compute_uv=False).min() ** 2)


def test_anderson_lm_is_n_times_the_smallest_canonical_correlation(sim):
    """ivreg2's under-identification test with a conventional variance: Anderson's LM
    N·ρ²_min, χ²(L2 - K2 + 1) (ivreg2.ado: idstat = r(chi2)/r(N)*(N-dofminus), ranktest's
    iid LM = N·sum of the smallest eigenvalues)."""
    r = _quiet(S_MODEL.format(vce="ols"), sim)
    row = r.estat("firststage").loc["Anderson canon. corr. LM"]
    expected = len(sim) * _canonical_rho2_min(sim, ["d1", "d2"], ["z1", "z2", "z3", "z4"], ["w"])
    assert row["stat"] == pytest.approx(expected, rel=RTOL)
    assert row["df"] == 3 and row["pvalue"] == pytest.approx(stats.chi2.sf(expected, 3), rel=1e-8)
    assert r.iv_stats["underid"] == row["stat"] and r.iv_stats["underid_df"] == 3


def test_anderson_lm_with_one_endogenous_is_n_times_the_partial_r2(hsng):
    r = _quiet(H_MODEL.format(opt="", vce="ols"), hsng)
    fs = r.estat("firststage")
    x, z, _ = _partialled(hsng, ["hsngval"], ["faminc", "reg2", "reg3", "reg4"], ["pcturban"])
    e = x - z @ np.linalg.lstsq(z, x, rcond=None)[0]
    partial_r2 = 1 - float((e**2).sum() / (x**2).sum())
    assert fs.at["Anderson canon. corr. LM", "stat"] == pytest.approx(
        len(hsng) * partial_r2, rel=RTOL
    )


@pytest.mark.parametrize("cluster", [False, True])
def test_kleibergen_paap_lm_matches_direct_formula(sim, cluster):
    """With a robust or cluster variance: the rk LM statistic (ranktest's default), not
    rescaled (ivreg2: idstat = r(chi2) with clusters, r(chi2)/N*(N - dofminus) otherwise,
    dofminus = 0). The Wald version (first-stage residuals in the covariance) differs."""
    vce = "cluster g" if cluster else "robust"
    r = _quiet(S_MODEL.format(vce=vce), sim)
    row = r.estat("firststage").loc["Kleibergen-Paap rk LM"]
    codes = sim["g"].to_numpy() if cluster else None
    args = (sim, ["d1", "d2"], ["z1", "z2", "z3", "z4"], ["w"], codes)
    expected = _kp_reference(*args, lm=True)
    assert row["stat"] == pytest.approx(expected, rel=RTOL)
    assert row["df"] == 3 and row["pvalue"] == pytest.approx(stats.chi2.sf(expected, 3), rel=1e-8)
    assert abs(_kp_reference(*args) / expected - 1) > 0.01  # the Wald version is another number


@pytest.mark.parametrize("vce", ["robust", "cluster division"])
def test_kleibergen_paap_lm_with_one_endogenous_is_the_robust_score_statistic(hsng, vce):
    """K2 = 1: the normalisations cancel and the rk LM is the robust LM (score) statistic
    g'S^{-1}g with g = Z2⊥'x⊥ and S = sum_i z_i z_i' x_i² (cluster sums with clusters)."""
    r = _quiet(H_MODEL.format(opt="", vce=vce), hsng)
    x, z, _ = _partialled(hsng, ["hsngval"], ["faminc", "reg2", "reg3", "reg4"], ["pcturban"])
    h = z * x
    if vce.startswith("cluster"):
        h = pd.DataFrame(h).groupby(hsng["division"].to_numpy()).sum().to_numpy()
    g = (z * x).sum(axis=0)
    expected = float(g @ np.linalg.solve(h.T @ h, g))
    assert r.estat("firststage").at["Kleibergen-Paap rk LM", "stat"] == pytest.approx(
        expected, rel=RTOL
    )


def test_underidentification_in_the_summary(hsng):
    r = _quiet(H_MODEL.format(opt="", vce="robust"), hsng)
    assert "Underidentification: Kleibergen-Paap rk LM chi2(4) = " in r.summary()
    assert "Underidentification LM" in vcereg.etable(r, stats=["N", "underid"]).to_markdown()


def test_estat_on_ols_explains(hsng):
    r = vcereg.regress("rent ~ pcturban", hsng)
    with pytest.raises(vcereg.errors.EstimationError, match="instrumental-variables"):
        r.estat("firststage")
    assert r.first_stage.empty


def test_unknown_estat_is_a_clear_error(hsng):
    r = _quiet(H_MODEL.format(opt="", vce="ols"), hsng)
    with pytest.raises(vcereg.errors.VceregError, match="firststage"):
        r.estat("firstage")


def test_kleibergen_paap_does_not_depend_on_the_order_of_the_endogenous(sim):
    a = _quiet(S_MODEL.format(vce="robust"), sim).estat("firststage")
    b = _quiet(S_MODEL.replace("d1 d2", "d2 d1").format(vce="robust"), sim).estat("firststage")
    key = "Kleibergen-Paap rk Wald F"
    assert a.at[key, "stat"] == pytest.approx(b.at[key, "stat"], rel=1e-10)


def test_weak_instruments_warn(sim):
    rng = np.random.default_rng(3)
    d = sim.assign(noise=rng.normal(size=len(sim)))
    with pytest.warns(vcereg.errors.WeakInstrumentsWarning, match="Cragg-Donald"):
        r = vcereg.regress("y ~ w | iv(d1 ~ noise)", d)
    assert any(n.startswith("weak instruments") for n in r.notes)
    with pytest.warns(vcereg.errors.WeakInstrumentsWarning, match="Kleibergen-Paap"):
        vcereg.regress("y ~ w | iv(d1 ~ noise) | vce(robust)", d)


def test_strong_instruments_do_not_warn(sim):
    with warnings.catch_warnings():
        warnings.simplefilter("error", vcereg.errors.WeakInstrumentsWarning)
        strong = sim.assign(zs=sim["d1"] + np.random.default_rng(1).normal(size=len(sim)))
        r = vcereg.regress("y ~ w | iv(d1 ~ zs)", strong)
    assert r.estat("firststage").at["Cragg-Donald Wald F", "stat"] > 16.38
    assert not any(n.startswith("weak instruments") for n in r.notes)


def test_stock_yogo_bound_warns_above_ten(hsng):
    """hsng: Cragg-Donald F = 13.30 > 10 but below the 10%-size critical value for one
    endogenous regressor and four instruments (24.58, Stock & Yogo 2005, Table 5.2)."""
    with pytest.warns(
        vcereg.errors.WeakInstrumentsWarning, match="Stock-Yogo critical value 24.58"
    ):
        r = vcereg.regress(H_MODEL.format(opt="", vce="ols"), hsng)
    fs = r.estat("firststage")
    published = {10: 24.58, 15: 13.96, 20: 10.26, 25: 8.31}  # Table 5.2, K2 = 1, L2 = 4
    for size, cv in published.items():
        assert fs.at[f"Stock-Yogo {size}% maximal IV size", "stat"] == cv
    liml = _quiet(H_MODEL.format(opt=", method=liml", vce="ols"), hsng)
    liml_table = {10: 5.44, 15: 3.87, 20: 3.30, 25: 2.98}  # Table 5.4, K2 = 1, L2 = 4
    for size, cv in liml_table.items():
        assert liml.estat("firststage").at[f"Stock-Yogo {size}% maximal IV size", "stat"] == cv
    gmm = _quiet(H_MODEL.format(opt=", method=gmm", vce="robust"), hsng)
    assert not any(i.startswith("Stock-Yogo") for i in gmm.estat("firststage").index)


def test_summary_and_etable_show_iv_statistics(hsng):
    r = _quiet(H_MODEL.format(opt="", vce="robust"), hsng)
    text = r.summary()
    assert "Weak identification: Cragg-Donald Wald F = " in text
    assert "Kleibergen-Paap rk Wald F = " in text
    assert "Overidentification: Hansen J chi2(3) = " in text
    fs, over = r.estat("firststage"), r.estat("overid")
    assert r.iv_stats["kp_f"] == fs.at["Kleibergen-Paap rk Wald F", "stat"]
    assert r.iv_stats["hansen_j"] == over.at["Hansen J", "stat"]
    assert r.iv_stats["first_f:hsngval"] == fs.at["F hsngval", "stat"]
    table = vcereg.etable(r, stats=["kp_f", "hansen_j", "cd_f", "first_f"])
    md = table.to_markdown()
    assert "Kleibergen-Paap rk Wald F" in md and "Hansen J statistic" in md
    assert f"{r.iv_stats['hansen_j']:.3f}" in md
    ols = vcereg.regress("rent ~ pcturban", hsng)
    assert ols.iv_stats == {}
    assert "Kleibergen" not in vcereg.etable(ols, stats=["N", "kp_f"]).to_markdown()


def test_frequency_weights_equal_expanded_rows(hsng):
    """Every diagnostic with [fw=f] equals the unweighted one on rows repeated f times."""
    d = hsng.assign(f=np.arange(len(hsng)) % 3 + 1)
    big = d.loc[d.index.repeat(d["f"])].reset_index(drop=True)
    for vce in ("ols", "robust"):
        a = _quiet(H_MODEL.format(opt="", vce=vce) + " | weights(f, fweight)", d)
        b = _quiet(H_MODEL.format(opt="", vce=vce), big)
        for what in ("firststage", "overid", "endogenous"):
            pd.testing.assert_frame_equal(a.estat(what), b.estat(what), rtol=1e-8)


@pytest.mark.parametrize("opt", ["", ", method=liml", ", method=gmm"])
def test_data_as_users_have_it(hsng, opt):
    """int16 and nullable columns with a missing value, an instrument at 1e9 scale: the
    same fit and diagnostics as clean float64 data with the row dropped by hand; every
    statistic is invariant to rescaling an instrument."""
    model = f"rent ~ pct | iv(hsngval ~ inc reg2 reg3 reg4{opt}) | vce(robust)"
    clean = hsng.assign(pct=hsng["pcturban"].round(), inc=hsng["faminc"].astype(float))
    messy = clean.assign(
        pct=clean["pct"].astype("int16"),
        inc=pd.array(clean["faminc"] * 1e5, dtype="Float64"),
        reg2=pd.array(clean["reg2"].astype(int), dtype="Int64"),
    )
    messy.loc[3, "reg2"] = pd.NA
    dropped = clean.drop(index=3)
    a = _quiet(model, messy)
    b = _quiet(model, dropped)
    assert a.nobs == b.nobs == len(hsng) - 1
    np.testing.assert_allclose(a.params["hsngval"], b.params["hsngval"], rtol=1e-8)
    tables = ("firststage", "overid") + (() if "liml" in opt else ("endogenous",))
    for what in tables:
        pd.testing.assert_frame_equal(a.estat(what), b.estat(what), rtol=1e-8)


def test_no_kleibergen_paap_with_a_hac_variance(hsng):
    """ranktest's HAC version is not implemented: no KP row rather than a wrong one."""
    r = _quiet(H_MODEL.format(opt="", vce="hac t, lags(2)"), hsng.assign(t=range(len(hsng))))
    fs = r.estat("firststage")
    assert "Kleibergen-Paap rk Wald F" not in fs.index
    assert "Cragg-Donald Wald F" in fs.index
