"""Fixed-effects maximum-likelihood models end to end: ``ppmlhdfe``, logit/probit with
``fe()``, ``clogit``, ``xtlogit, fe`` and ``xtpoisson, fe`` against references.

- ``ssc="fixest"``: pyfixest ``fepois``/``feglm``, coefficients and every covariance
  (iid, hetero, one- and two-way CRV1, a cluster that nests an effect) at 1e-6 of the
  variances (pyfixest stops its demeaning near 1e-10 and its probit IRLS ~1e-7 short of
  the optimum). pyfixest's feglm applies another K than it reports when an effect is
  nested in the cluster variable (see test_feglm_nested_cluster_uses_fixest_k); its
  fepois and feols agree with vcereg there;
- Stata's conventions (the default): statsmodels with explicit dummies, HC0 times
  N/(N-1) for robust and G/(G-1) times the unadjusted cluster sum for clusters (ppmlhdfe's
  ``vce_asymptotic``: the absorbed levels are not counted); conditional logit against
  statsmodels' ConditionalLogit and its per-group scores;
- ppmlhdfe's documented separation examples (guides/separation_benchmarks.md): the
  estimates ppmlhdfe reports where Stata's poisson and R's glm go wrong.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.discrete.conditional_models import ConditionalLogit

import vcereg
from vcereg.errors import DroppedRowsWarning, NotSupportedError, SpecError

pf = pytest.importorskip("pyfixest")
REL = 1e-6


def _close_cov(a, b, rtol=REL):
    b = np.asarray(b)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * float(np.abs(np.diag(b)).max()))


@pytest.fixture(scope="module")
def panel():
    rng = np.random.default_rng(11)
    n = 4000
    a = rng.integers(0, 80, n)
    b = rng.integers(0, 25, n)
    x = rng.normal(size=(n, 2))
    eta = 0.3 * x[:, 0] - 0.2 * x[:, 1] + rng.normal(0, 0.7, 80)[a] + rng.normal(0, 0.5, 25)[b]
    return pd.DataFrame({
        "y": rng.poisson(np.exp(eta)), "yb": (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))),
        "x1": x[:, 0], "x2": x[:, 1], "a": a, "b": b, "g": rng.integers(0, 90, n),
        "h": rng.integers(0, 35, n), "ca": a // 4,
    }).astype({"yb": float})  # fmt: skip


VCES = [
    ("oim", "iid"),
    ("robust", "hetero"),
    ("cluster g", {"CRV1": "g"}),
    ("cluster g h", {"CRV1": "g+h"}),
    ("cluster ca", {"CRV1": "ca"}),  # the effect a is nested in ca
]


@pytest.mark.parametrize("fe", ["a", "a b"])
@pytest.mark.parametrize(("vce", "pvcov"), VCES)
def test_ppmlhdfe_matches_pyfixest_fepois(panel, fe, vce, pvcov):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = vcereg.stata(f"ppmlhdfe y x1 x2, absorb({fe}) vce({vce}) tol(1e-12)", panel,
                         ssc="fixest")  # fmt: skip
        m = pf.fepois(f"y ~ x1 + x2 | {'+'.join(fe.split())}", panel, vcov=pvcov,
                      iwls_tol=1e-12, fixef_tol=1e-12, iwls_maxiter=100)  # fmt: skip
    np.testing.assert_allclose(r.params.to_numpy(), m.coef().to_numpy(), rtol=REL)
    _close_cov(r.cov.to_numpy(), m._vcov)
    assert r.nobs == m._N


@pytest.mark.parametrize("family", ["logit", "probit"])
@pytest.mark.parametrize(("vce", "pvcov"), VCES[:4])
def test_feglm_matches_pyfixest(panel, family, vce, pvcov):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = vcereg.regress(f"yb ~ x1 + x2 | {family}(tol=1e-12) | fe(a b) | vce({vce})", panel,
                           ssc="fixest")  # fmt: skip
        m = pf.feglm("yb ~ x1 + x2 | a + b", panel, family=family, vcov=pvcov, iwls_tol=1e-12,
                     fixef_tol=1e-12, iwls_maxiter=100)  # fmt: skip
    np.testing.assert_allclose(r.params.to_numpy(), m.coef().to_numpy(), rtol=REL)
    _close_cov(r.cov.to_numpy(), m._vcov)


def test_feglm_nested_cluster_uses_fixest_k(panel):
    """With a nested in the cluster variable, fixest's K is the slopes, b's levels less
    one, and one for a: the same factor pyfixest's fepois applies (its feglm uses
    another one than its own ``_ssc`` says)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = vcereg.regress("yb ~ x1 + x2 | logit | fe(a b) | vce(cluster ca)", panel,
                           ssc="fixest")  # fmt: skip
        unadj = vcereg.regress("yb ~ x1 + x2 | logit | fe(a b) | vce(cluster ca)", panel,
                               ssc="asymptotic")  # fmt: skip
    n, g, k = len(panel), panel["ca"].nunique(), 2 + 1 + 25 - 1
    np.testing.assert_allclose(r.cov.to_numpy(), unadj.cov.to_numpy() * (n - 1) / (n - k)
                               * g / (g - 1), rtol=1e-10)  # fmt: skip


def _dummies(df, cols):
    parts = [pd.get_dummies(df[c].astype(str), prefix=c, drop_first=True, dtype=float)
             for c in cols]  # fmt: skip
    return sm.add_constant(pd.concat([df[["x1", "x2"]], *parts], axis=1))


def test_ppmlhdfe_stata_conventions_against_dummies(panel):
    """Default: robust, N/(N-1); clusters G/(G-1); absorbed levels not counted; z."""
    design = _dummies(panel, ["a", "b"])
    model = sm.GLM(panel["y"], design, family=sm.families.Poisson())
    names = ["x1", "x2"]
    n = len(panel)
    r = vcereg.stata("ppmlhdfe y x1 x2, absorb(a b)", panel)
    assert r.vce_name == "robust" and r.df_inference is None
    hc0 = model.fit(tol=1e-13, cov_type="HC0").cov_params().loc[names, names]
    _close_cov(r.cov.to_numpy(), hc0.to_numpy() * n / (n - 1))
    r = vcereg.stata("ppmlhdfe y x1 x2, absorb(a b) vce(cluster g)", panel)
    fit = model.fit(tol=1e-13, cov_type="cluster",
                    cov_kwds={"groups": panel["g"], "use_correction": False})  # fmt: skip
    g = panel["g"].nunique()
    _close_cov(r.cov.to_numpy(), fit.cov_params().loc[names, names].to_numpy() * g / (g - 1))
    np.testing.assert_allclose(r.params[names], fit.params[names], rtol=REL)


@pytest.mark.parametrize("family", ["logit", "probit"])
def test_binary_fe_stata_conventions_against_dummies(panel, family):
    design = _dummies(panel, ["a"])
    cls = sm.Logit if family == "logit" else sm.Probit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = cls(panel["yb"], design).fit(method="newton", tol=1e-12, disp=0, maxiter=100)
        hc0 = cls(panel["yb"], design).fit(method="newton", tol=1e-12, disp=0, maxiter=100,
                                            cov_type="HC0")  # fmt: skip
        r = vcereg.regress(f"yb ~ x1 + x2 | {family} | fe(a)", panel)
        rr = vcereg.regress(f"yb ~ x1 + x2 | {family} | fe(a) | vce(robust)", panel)
    names = ["x1", "x2"]
    n = int(r.nobs)
    assert n == len(panel)  # no group is all 0 or all 1 here
    np.testing.assert_allclose(r.params[names], ref.params[names], rtol=REL)
    _close_cov(r.cov.to_numpy(), ref.cov_params().loc[names, names].to_numpy())
    _close_cov(rr.cov.to_numpy(), hc0.cov_params().loc[names, names].to_numpy() * n / (n - 1))
    assert any("incidental-parameter" in note for note in r.notes)


def test_clogit_against_statsmodels(panel):
    cl = ConditionalLogit(panel["yb"], panel[["x1", "x2"]], groups=panel["a"])
    ref = cl.fit(method="newton", disp=0, gtol=1e-12)
    r = vcereg.stata("clogit yb x1 x2, group(a)", panel)
    np.testing.assert_allclose(r.params.to_numpy(), ref.params, rtol=REL)
    _close_cov(r.cov.to_numpy(), ref.cov_params())
    np.testing.assert_allclose(r.loglik, ref.llf, rtol=1e-10)
    # vce(robust) clusters on the groups (Stata): G/(G-1) times the per-group score sums
    rob = vcereg.stata("clogit yb x1 x2, group(a) vce(robust)", panel)
    assert rob.vce_name == "cluster" and rob.n_clusters == {"a": 80}
    scores = np.array([cl.score_grp(gi, ref.params) for gi in range(80)])
    bread = np.linalg.inv(-cl.hessian(ref.params))
    meat = scores.T @ scores * 80 / 79
    _close_cov(rob.cov.to_numpy(), bread @ meat @ bread)
    # xtlogit, fe is the same model
    xt = vcereg.stata("xtlogit yb x1 x2, fe i(a)", panel)
    np.testing.assert_allclose(xt.params.to_numpy(), r.params.to_numpy(), rtol=1e-12)


def test_xtpoisson_fe_equals_poisson_with_dummies(panel):
    design = _dummies(panel, ["a"])
    model = sm.GLM(panel["y"], design, family=sm.families.Poisson())
    names = ["x1", "x2"]
    r = vcereg.stata("xtpoisson y x1 x2, fe i(a)", panel)
    ref = model.fit(tol=1e-13)
    np.testing.assert_allclose(r.params[names], ref.params[names], rtol=REL)
    _close_cov(r.cov.to_numpy(), ref.cov_params().loc[names, names].to_numpy())
    rob = vcereg.stata("xtpoisson y x1 x2, fe i(a) vce(robust)", panel)
    cl = model.fit(tol=1e-13, cov_type="cluster",
                   cov_kwds={"groups": panel["a"], "use_correction": False})  # fmt: skip
    _close_cov(rob.cov.to_numpy(), cl.cov_params().loc[names, names].to_numpy() * 80 / 79)


# ppmlhdfe's guide (guides/separation_benchmarks.md): poisson, glm and ppml do not converge
# or converge to wrong numbers; ppmlhdfe drops observations 1 and 5 and reports b[x3] = 0.066
_GUIDE_1 = pd.DataFrame({
    "y": [0, 0, 0, 0, 0, 2, 3, 5, 7, 10], "x1": [0, 0, 0, 0, 1, 21, 0, 0, 0, -18],
    "x2": [1, 0, 0, 0, 9, 21, 0, 0, 0, -18], "x3": [0, 0, 0, 0, 0, 21, 0, 0, 0, 0],
})  # fmt: skip
# example1.csv of the guide: observation 5 is separated by x1 - x2; _b[_cons] = 0.59095
_GUIDE_2 = pd.DataFrame({
    "y": [0, 0, 0, 0, 0, 2, 2, 2, 2, 4, 6, 6], "x1": [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, -3, 0],
    "x2": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -3, 0], "x3": [2, 0, 0, 4, 0, 0, 0, -2, 0, -3, 0, 0],
    "x4": [10, -2, 6, 5, 3, 3, 4, 15, -7, 15, 4, 4],
})  # fmt: skip


def test_guide_examples():
    with pytest.warns(DroppedRowsWarning, match="2 separated observations"):
        r = vcereg.stata("ppmlhdfe y x1 x2 x3", _GUIDE_1)
    assert r.nobs == 8
    assert round(float(r.params["x3"]), 3) == 0.066
    ref = sm.GLM(_GUIDE_1["y"].drop([0, 4]), sm.add_constant(_GUIDE_1[["x1", "x3"]].drop([0, 4])),
                 family=sm.families.Poisson()).fit(tol=1e-13)  # fmt: skip
    np.testing.assert_allclose(r.params["x3"], ref.params["x3"], rtol=REL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r2 = vcereg.stata("ppmlhdfe y x1 x2 x3 x4", _GUIDE_2)
    assert r2.nobs == 11
    assert round(float(r2.params["Intercept"]), 5) == 0.59095
    assert "x1" in r2.omitted or "x2" in r2.omitted  # collinear once obs 5 is gone


def test_output_and_notes(panel):
    df = panel.copy()
    df.loc[df["a"] == 3, "y"] = 0  # group 3 of a: all zero, separated by its fixed effect
    with pytest.warns(DroppedRowsWarning, match="separated"):
        r = vcereg.stata("ppmlhdfe y x1 x2, absorb(a b) vce(cluster g)", df)
    text = str(r)
    assert text.startswith("HDFE PPML regression")
    assert "Absorbing 2 HDFE groups" in text and "Absorbed degrees of freedom:" in text
    assert "Number of clusters (g)" in text
    n3 = int((df["a"] == 3).sum())
    assert r.nobs == len(df) - n3 and r.ml.extra["n_separated"] == n3
    assert any(f"{n3} separated observations dropped (fe: {n3})" in n for n in r.notes)


def test_user_data_types_and_scales(panel):
    base = vcereg.stata("ppmlhdfe y x1 x2, absorb(a b) vce(cluster g)", panel)
    df = panel.copy()
    df["y"] = df["y"].astype(np.int16)
    df["a"] = df["a"].astype(np.int8)
    df["b"] = df["b"].astype("Int64")
    df["x1"] = df["x1"] * 1e-6
    df["x2"] = df["x2"] * 1e9
    r = vcereg.stata("ppmlhdfe y x1 x2, absorb(a b) vce(cluster g)", df)
    np.testing.assert_allclose(r.params.to_numpy() * [1e-6, 1e9], base.params.to_numpy(),
                               rtol=1e-8)  # fmt: skip
    np.testing.assert_allclose(r.tstat.to_numpy(), base.tstat.to_numpy(), rtol=1e-8)
    df.loc[df.index[:7], "b"] = pd.NA  # missing values: rows dropped and said so
    r = vcereg.stata("ppmlhdfe y x1 x2, absorb(a b) vce(cluster g)", df)
    assert r.nobs == len(df) - 7 and any("missing" in n for n in r.notes)


def test_refusals(panel):
    with pytest.raises(SpecError, match="never changes your data"):
        vcereg.parse("ppmlhdfe y x1, absorb(a) d(fe)")
    with pytest.raises(NotSupportedError, match="random-effects"):
        vcereg.parse("xtlogit yb x1, re i(a)")
    with pytest.raises(SpecError, match="group"):
        vcereg.parse("clogit yb x1")
    with pytest.raises(NotSupportedError, match="gamma family"):
        vcereg.regress("y ~ x1 | glm(gamma, log) | fe(a)", panel.assign(y=panel["y"] + 1))


def test_model_string_forms(panel):
    """The DSL spells the same models, with the same defaults: ppmlhdfe robust; robust
    after clogit clusters on the fe() groups; the options survive a round trip."""
    stata = vcereg.stata("ppmlhdfe y x1 x2, absorb(a b)", panel)
    dsl = vcereg.regress("y ~ x1 + x2 | ppmlhdfe | fe(a b)", panel)
    assert dsl.vce_name == "robust"
    np.testing.assert_allclose(dsl.cov.to_numpy(), stata.cov.to_numpy(), rtol=1e-12)
    cl = vcereg.regress("yb ~ x1 + x2 | clogit | fe(a) | vce(robust)", panel)
    assert cl.vce_name == "cluster" and cl.n_clusters == {"a": 80}
    ref = vcereg.stata("clogit yb x1 x2, group(a) vce(robust)", panel)
    np.testing.assert_allclose(cl.cov.to_numpy(), ref.cov.to_numpy(), rtol=1e-12)
    spec = vcereg.parse("y ~ x1 | ppmlhdfe(separation=fe+ir, itol=1e-10, keepsingletons) | fe(a)")
    again = vcereg.parse(vcereg.dsl.unparse(spec))
    assert again.family == spec.family
    assert spec.family.separation == ("fe", "ir") and spec.family.keepsingletons
    stata_spec = vcereg.parse("ppmlhdfe y x1, absorb(a) sep(relu) itol(1e-10) keepsing")
    assert stata_spec.family.separation == ("ir",) and stata_spec.family.itolerance == 1e-10


def test_keepsingletons_and_no_separation_check(panel):
    df = panel.iloc[:600].copy()
    df.loc[df.index[0], "a"] = 999  # a singleton group
    with pytest.warns(DroppedRowsWarning):
        dropped = vcereg.stata("ppmlhdfe y x1 x2, absorb(a b)", df)
    kept = vcereg.stata("ppmlhdfe y x1 x2, absorb(a b) keepsingletons", df)
    assert kept.nobs == dropped.nobs + 1
    # a singleton is fitted exactly: the slopes do not change
    np.testing.assert_allclose(kept.params.to_numpy(), dropped.params.to_numpy(), rtol=1e-8)
    assert dropped.rows.dropped_singletons == 1
