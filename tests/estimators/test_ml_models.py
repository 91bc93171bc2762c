"""Nonlinear models against statsmodels and pyfixest, every covariance type, and the
small-sample factors each convention applies (tolerances: tests/tolerances.py, REL_ML).

Each factor is pinned by an exact ratio (Stata: robust = HC0 x N/(N-1), cluster = CRV0 x
G/(G-1); statsmodels: N/(N-K) and G/(G-1)(N-1)/(N-K); fixest: (N-1)/(N-K) on the
model-based variance too), so a factor with K instead of 1, G instead of G-1 or a
dropped term fails the test (on N = 600, K = 4 the candidates differ by >= 5e-3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import vcereg
from tests.tolerances import REL_ML
from vcereg.errors import ConvergenceError, DataError

N, G = 600, 30


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    g = rng.integers(0, G, N)
    x1 = rng.normal(size=N) + 0.2 * rng.normal(size=G)[g]
    x2 = rng.uniform(-1, 1, N)
    d = rng.integers(0, 3, N)
    eta = -0.3 + 0.8 * x1 - 0.5 * x2 + 0.3 * (d == 1) + 0.4 * rng.normal(size=G)[g]
    t = rng.uniform(0.5, 3, N)
    return pd.DataFrame({
        "y": (rng.uniform(size=N) < 1 / (1 + np.exp(-eta))).astype(int),
        "c": rng.poisson(t * np.exp(0.5 * eta)),
        "nb": rng.negative_binomial(2, 2 / (2 + np.exp(eta))),
        "pos": rng.gamma(2.0, np.exp(eta) / 2.0),
        "x1": x1, "x2": x2, "d": d, "g": g, "t": t,
        "w": rng.uniform(0.5, 2.0, N), "fw": rng.integers(1, 4, N),
    })  # fmt: skip


def _X(data: pd.DataFrame) -> pd.DataFrame:
    return sm.add_constant(data[["x1", "x2"]])


def _cov(r: vcereg.Results, names: list[str]) -> np.ndarray:
    return r.cov.loc[names, names].to_numpy()


NAMES = ["Intercept", "x1", "x2"]
MODELS = [
    ("logit", "y", sm.Logit),
    ("probit", "y", sm.Probit),
    ("poisson", "c", sm.Poisson),
]


@pytest.mark.parametrize(("cmd", "y", "model"), MODELS)
def test_stata_conventions_against_statsmodels(data, cmd, y, model):
    X = _X(data)
    ref = model(data[y], X).fit(method="newton", tol=1e-12, disp=0)
    r = vcereg.regress(f"{cmd} {y} x1 x2", data)
    np.testing.assert_allclose(r.params[NAMES], ref.params, rtol=REL_ML)
    np.testing.assert_allclose(r.loglik, ref.llf, rtol=1e-10)
    np.testing.assert_allclose(r.ll_0, ref.llnull, rtol=1e-10)
    np.testing.assert_allclose(_cov(r, NAMES), ref.cov_params(), rtol=REL_ML)
    np.testing.assert_allclose(r.chi2, ref.llr, rtol=1e-7)
    assert r.model_test == "LR" and r.df_inference is None
    np.testing.assert_allclose(r.pseudo_r2, ref.prsquared, rtol=1e-8)
    np.testing.assert_allclose(r.aic, ref.aic, rtol=1e-10)
    np.testing.assert_allclose(r.bic, ref.bic, rtol=1e-10)
    # robust: HC0 x N/(N-1) (Stata's ML commands), not N/(N-K)
    hc0 = model(data[y], X).fit(method="newton", tol=1e-12, disp=0, cov_type="HC0")
    rob = r.with_vce("robust")
    np.testing.assert_allclose(_cov(rob, NAMES), hc0.cov_params() * N / (N - 1), rtol=REL_ML)
    assert rob.model_test == "Wald"
    # cluster: CRV0 x G/(G-1), no (N-1)/(N-K)
    crv0 = model(data[y], X).fit(
        method="newton", tol=1e-12, disp=0, cov_type="cluster",
        cov_kwds={"groups": data["g"], "use_correction": False},
    )  # fmt: skip
    clu = r.with_vce("cluster g")
    np.testing.assert_allclose(_cov(clu, NAMES), crv0.cov_params() * G / (G - 1), rtol=REL_ML)
    np.testing.assert_allclose(
        clu.chi2, float(clu.params[NAMES[1:]] @ np.linalg.solve(
            _cov(clu, NAMES[1:]), clu.params[NAMES[1:]])), rtol=1e-9,
    )  # fmt: skip


@pytest.mark.parametrize(("cmd", "y", "model"), MODELS)
def test_statsmodels_preset_reproduces_statsmodels(data, cmd, y, model):
    X = _X(data)
    for vce, kw in (
        ("robust", {"cov_type": "HC1"}),
        ("cluster g", {"cov_type": "cluster", "cov_kwds": {"groups": data["g"]}}),
    ):
        ref = model(data[y], X).fit(method="newton", tol=1e-12, disp=0, **kw)
        r = vcereg.regress(f"{y} ~ x1 + x2 | {cmd} | vce({vce})", data, ssc="statsmodels")
        np.testing.assert_allclose(_cov(r, NAMES), ref.cov_params(), rtol=REL_ML)
        np.testing.assert_allclose(r.pvalue[NAMES], ref.pvalues, rtol=1e-6)


def test_fixest_preset_reproduces_pyfixest(data):
    pf = pytest.importorskip("pyfixest")
    for vce, vcov in (("oim", "iid"), ("robust", "hetero"), ("cluster g", {"CRV1": "g"})):
        ref = pf.fepois("c ~ x1 + x2", data=data, vcov=vcov, iwls_tol=1e-14, iwls_maxiter=100)
        r = vcereg.regress(f"c ~ x1 + x2 | poisson | vce({vce})", data, ssc="fixest")
        np.testing.assert_allclose(r.params[NAMES], ref.coef().to_numpy(), rtol=1e-6)
        np.testing.assert_allclose(r.se[NAMES], ref.se().to_numpy(), rtol=1e-6)
        ref = pf.feglm(
            "y ~ x1 + x2", data=data, family="logit", vcov=vcov, iwls_tol=1e-14, iwls_maxiter=100
        )
        r = vcereg.regress(f"y ~ x1 + x2 | logit | vce({vce})", data, ssc="fixest")
        np.testing.assert_allclose(r.se[NAMES], ref.se().to_numpy(), rtol=1e-6)


def test_eim_opg_and_jackknife(data):
    X = _X(data)
    r = vcereg.regress("probit y x1 x2", data)
    # probit's link is not canonical: observed and expected information differ
    eim = sm.GLM(data["y"], X, family=sm.families.Binomial(sm.families.links.Probit()))
    eim = eim.fit(tol=1e-13)
    np.testing.assert_allclose(_cov(r.with_vce("eim"), NAMES), eim.cov_params(), rtol=1e-6)
    assert not np.allclose(_cov(r, NAMES), eim.cov_params(), rtol=1e-4)
    ref = sm.Probit(data["y"], X).fit(method="newton", tol=1e-12, disp=0)
    s = ref.model.score_obs(ref.params)
    np.testing.assert_allclose(_cov(r.with_vce("opg"), NAMES), np.linalg.inv(s.T @ s), rtol=1e-7)
    # the cluster jackknife refits without each cluster, as Stata's vce(jackknife)
    jk = r.with_vce("jackknife g")
    b = np.array([
        sm.Probit(data["y"][data.g != j], X[data.g != j]).fit(
            method="newton", tol=1e-12, disp=0).params for j in range(G)
    ])  # fmt: skip
    dev = b - b.mean(axis=0)
    np.testing.assert_allclose(_cov(jk, NAMES), (G - 1) / G * dev.T @ dev, rtol=1e-6)


GLMS = [
    ("glm pos x1 x2, family(gamma) link(log)", sm.families.Gamma(sm.families.links.Log())),
    ("glm pos x1 x2, family(gaussian) link(log)", sm.families.Gaussian(sm.families.links.Log())),
    ("glm pos x1 x2, family(igaussian) link(log)",
     sm.families.InverseGaussian(sm.families.links.Log())),
    ("glm y x1 x2, family(binomial) link(cloglog)",
     sm.families.Binomial(sm.families.links.CLogLog())),
    ("glm c x1 x2, family(nbinomial 0.5)", sm.families.NegativeBinomial(alpha=0.5)),
]  # fmt: skip


@pytest.mark.parametrize(("line", "family"), GLMS, ids=[g[0].split(",")[1] for g in GLMS])
def test_glm_families_against_statsmodels(data, line, family):
    y = line.split()[1]
    X = _X(data)
    ref = sm.GLM(data[y], X, family=family).fit(method="newton", tol=1e-12, maxiter=100)
    r = vcereg.regress(line, data)
    np.testing.assert_allclose(r.params[NAMES], ref.params, rtol=REL_ML)
    np.testing.assert_allclose(r.deviance, ref.deviance, rtol=1e-9)
    np.testing.assert_allclose(r.pearson, ref.pearson_chi2, rtol=1e-8)
    # the default scale: Pearson chi2 / (N - K) for the continuous families, else 1
    np.testing.assert_allclose(r.scale, ref.scale, rtol=1e-8)
    np.testing.assert_allclose(_cov(r, NAMES), ref.cov_params(), rtol=1e-6)
    hc0 = sm.GLM(data[y], X, family=family).fit(method="newton", tol=1e-12, cov_type="HC0")
    np.testing.assert_allclose(
        _cov(r.with_vce("robust"), NAMES), hc0.cov_params() * N / (N - 1), rtol=1e-6
    )
    dev = r.with_vce("oim") if r.scale == 1 else vcereg.regress(line + " scale(dev)", data)
    expected = ref.deviance / (N - 3) if r.scale != 1 else 1.0
    np.testing.assert_allclose(dev.scale, expected, rtol=1e-9)


def test_binomial_trials_and_exposure(data):
    m = (data["c"] + 2).astype(float)
    d = data.assign(m=m, k=np.minimum(data["c"], m))
    r = vcereg.regress("glm k x1 x2, family(binomial m)", d)
    ref = sm.GLM(np.column_stack([d.k, d.m - d.k]), _X(d), family=sm.families.Binomial())
    ref = ref.fit(tol=1e-13)
    np.testing.assert_allclose(r.params[NAMES], ref.params, rtol=REL_ML)
    np.testing.assert_allclose(r.loglik, ref.llf, rtol=1e-9)
    r = vcereg.regress("poisson c x1 x2, exposure(t)", data)
    ref = sm.Poisson(data["c"], _X(data), exposure=data["t"]).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(r.params[NAMES], ref.params, rtol=REL_ML)
    r2 = vcereg.regress("c ~ x1 + x2 | poisson(offset=lt)", data.assign(lt=np.log(data.t)))
    np.testing.assert_allclose(r2.params, r.params, rtol=1e-12)


def test_nbreg_against_statsmodels(data):
    ref = sm.NegativeBinomial(data["nb"], _X(data), loglike_method="nb2")
    ref = ref.fit(method="newton", tol=1e-12, maxiter=100, disp=0)
    r = vcereg.regress("nbreg nb x1 x2", data)
    np.testing.assert_allclose(r.params[NAMES], ref.params[:3], rtol=REL_ML)
    np.testing.assert_allclose(np.exp(r.params["/lnalpha"]), ref.params["alpha"], rtol=REL_ML)
    np.testing.assert_allclose(r.loglik, ref.llf, rtol=1e-10)
    # statsmodels parametrises alpha, Stata ln(alpha): the delta method links the two
    v = ref.cov_params().to_numpy()
    jac = np.diag([1, 1, 1, 1 / ref.params["alpha"]])
    np.testing.assert_allclose(_cov(r, [*NAMES, "/lnalpha"]), jac @ v @ jac, rtol=1e-6)


def test_weights(data):
    X = _X(data)
    r = vcereg.regress("logit y x1 x2 [fw=fw]", data)
    ref = sm.GLM(data.y, X, family=sm.families.Binomial(), freq_weights=data.fw).fit(tol=1e-13)
    np.testing.assert_allclose(r.params[NAMES], ref.params, rtol=REL_ML)
    np.testing.assert_allclose(_cov(r, NAMES), ref.cov_params(), rtol=1e-6)
    assert r.nobs == data.fw.sum()
    # sampling weights: robust by default, N/(N-1) with N the rows, log pseudolikelihood
    r = vcereg.regress("logit y x1 x2 [pw=w]", data)
    ref = sm.GLM(data.y, X, family=sm.families.Binomial(), var_weights=data.w)
    ref = ref.fit(tol=1e-13, cov_type="HC0")
    np.testing.assert_allclose(r.params[NAMES], ref.params, rtol=REL_ML)
    np.testing.assert_allclose(_cov(r, NAMES), ref.cov_params() * N / (N - 1), rtol=1e-6)
    assert r.vce_name == "robust" and r.model_test == "Wald"
    np.testing.assert_allclose(r.loglik, ref.llf, rtol=1e-9)  # raw weights, not normalised
    with pytest.raises(vcereg.errors.SpecError, match="analytic weights"):
        vcereg.regress("logit y x1 x2 [aw=w]", data)


def test_user_dtypes_missing_values_and_rescaling(data):
    base = vcereg.regress("logit y x1 x2 d, vce(cluster g)", data)
    odd = data.assign(
        y=data.y.astype("int8"),
        d=data.d.astype("int16"),
        x2=pd.array(data.x2, dtype="Float64"),
        x1=data.x1.astype("float64[pyarrow]"),
        g=data.g.astype("Int64"),
    )
    np.testing.assert_allclose(vcereg.regress("logit y x1 x2 d, vce(cluster g)", odd).params,
                               base.params, rtol=1e-12)  # fmt: skip
    holes = data.copy().astype({"x1": "Float64"})
    holes.loc[[3, 50], "x1"] = pd.NA
    r = vcereg.regress("logit y x1 x2 d, vce(cluster g)", holes)
    assert r.nobs == N - 2 and r.n_dropped == 2
    text = base.summary()
    for c in (1e-6, 1e9):
        scaled = vcereg.regress("logit y x1 x2 d, vce(cluster g)", data.assign(x1=data.x1 * c))
        np.testing.assert_allclose(scaled.params["x1"] * c, base.params["x1"], rtol=1e-9)
        for stat in ("tstat", "pvalue"):
            np.testing.assert_allclose(getattr(scaled, stat), getattr(base, stat), rtol=1e-8)
        for stat in ("loglik", "chi2", "pseudo_r2", "aic"):
            np.testing.assert_allclose(getattr(scaled, stat), getattr(base, stat), rtol=1e-9)
        # everything printed but the x1 row (its coefficient's units) is the same
        keep = [ln for ln in text.splitlines() if not ln.strip().startswith("x1 ")]
        got = [ln for ln in scaled.summary().splitlines() if not ln.strip().startswith("x1 ")]
        assert keep == got


def test_non_convergence_is_an_error(data):
    with pytest.raises(ConvergenceError, match="r\\(430\\)"):
        vcereg.regress("logit y x1 x2, iterate(1)", data)
    with pytest.raises(ConvergenceError):
        vcereg.regress("y ~ x1 | probit(iterate=0)", data)


def test_perfect_prediction(data):
    d = data.assign(bad=(data.x1 > 1.2).astype(int))
    d.loc[d.bad == 1, "y"] = 0
    with pytest.warns(vcereg.errors.PerfectPredictionWarning, match="predicts failure"):
        r = vcereg.regress("logit y x1 x2 bad", d)
    kept = d[d.bad == 0]
    ref = vcereg.regress("logit y x1 x2", kept)
    assert "bad" in r.omitted and r.nobs == len(kept)
    np.testing.assert_allclose(r.params[NAMES], ref.params[NAMES], rtol=1e-10)
    assert any("bad != 0 predicts failure perfectly; bad omitted" in n for n in r.notes)
    with pytest.raises(DataError, match="predicts data perfectly"):
        vcereg.regress("logit y x1", d.assign(y=(d.x1 > 0).astype(int)))
    with pytest.raises(DataError, match="outcome does not vary"):
        vcereg.regress("probit y x1", d.assign(y=1))
    # asis keeps the variable: the likelihood flattens out as its coefficient runs off
    # to -infinity, Stata's criteria stop there and the note says the rows are determined
    with pytest.warns(vcereg.errors.PerfectPredictionWarning, match="completely determined"):
        r = vcereg.regress("logit y x1 x2 bad, asis", d)
    assert r.params["bad"] < -10
    assert any("completely determined" in n for n in r.notes)


def test_hac_on_scores_and_refusals(data):
    r = vcereg.regress("logit y x1 x2", data)
    # Newey-West with no lag is the robust sandwich (both x N/(N-1) under Stata's rule)
    t = data.assign(t=np.arange(len(data)))
    r_t = vcereg.regress("logit y x1 x2", t)
    np.testing.assert_allclose(
        _cov(r_t.with_vce("hac t, lags(0)"), NAMES), _cov(r.with_vce("robust"), NAMES),
        rtol=1e-12,
    )  # fmt: skip
    with pytest.raises(vcereg.errors.NotSupportedError, match="boottest"):
        r.boottest("x1")
    for vce in ("hc3", "hc2", "cr2 g", "wild g", "ols"):
        with pytest.raises(vcereg.errors.VceregError, match=r"maximum-likelihood|least"):
            r.with_vce(vce)
