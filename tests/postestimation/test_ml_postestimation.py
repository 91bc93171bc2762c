"""predict, margins, lincom and test after maximum-likelihood fits.

References: Stata's own ``margins, dydx(*)`` after ``poisson`` and ``nbreg`` and
``predict`` after ``glm, family(poisson)`` (the numbers statsmodels ships for its tests),
marginaleffects (average slopes and predictions after statsmodels' Logit, Probit and
Poisson; it differentiates numerically, so 1e-6 relative), and statsmodels'
``get_margeff`` for the elasticities. Stata's data were stored in single precision (the
csv copies carry the decimal values), hence 1e-5 relative against Stata.
"""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

import vcereg

_margins = importlib.import_module("statsmodels.discrete.tests.results.results_count_margins")
_weights = importlib.import_module("statsmodels.genmod.tests.results.results_glm_poisson_weights")


def _scaled_cpunish() -> pd.DataFrame:
    from statsmodels.datasets import cpunish

    d = cpunish.load_pandas().data.copy()
    d.columns = [c.lower() for c in d.columns]
    d["LN_VC100k96"] = np.log(d["vc100k96"])
    cols = ["income", "perpoverty", "perblack", "LN_VC100k96", "south", "degree"]
    top = np.round(d[cols].max(), 3)  # as the Stata do-file: each regressor over its max
    out = pd.DataFrame({(c if c in ("LN_VC100k96", "south") else "s" + c): d[c] / top[c]
                        for c in cols})  # fmt: skip
    out["sexecutions"] = d["executions"] - 1
    return out


@pytest.mark.parametrize(
    "name",
    ["results_poisson_margins_cont", "results_negbin_margins_cont",
     "results_poisson_margins_dummy", "results_negbin_margins_dummy"],
)  # fmt: skip
def test_margins_dydx_against_stata(name):
    ref = getattr(_margins, name)
    data = _scaled_cpunish()
    r = vcereg.regress(ref.cmdline, data)
    variables = [c for c in data.columns if c != "sexecutions"]
    m = r.margins(dydx=variables)
    table = pd.DataFrame(ref.margins_table[:, :2], index=ref.margins_table_rownames)
    table = table.drop(index=[i for i in table.index if i.startswith("0b.")])
    np.testing.assert_allclose(m["estimate"], table[0], rtol=1e-5)
    np.testing.assert_allclose(m["std_error"], table[1], rtol=1e-5)
    assert m.attrs["df_inference"] is None  # z inference, as Stata's margins after ML


def test_predict_and_residuals_against_stata():
    ref = _weights.results_poisson_none_nonrobust
    from statsmodels.datasets import cpunish

    d = cpunish.load_pandas().data.copy()
    d.columns = [c.lower() for c in d.columns]
    d["LN_VC100k96"] = np.log(d["vc100k96"])
    r = vcereg.regress(ref.cmdline, d)
    pred = dict(zip(ref.predicted_colnames, ref.predicted.T, strict=True))
    np.testing.assert_allclose(r.predict(), pred["predict_mu"], rtol=1e-5)
    np.testing.assert_allclose(r.predict(what="stdp"), pred["predict_linpred_std"], rtol=1e-5)
    resid = dict(zip(ref.resids_colnames, ref.resids.T, strict=True))
    for ours, theirs in (("score", "score_factor"), ("response", "resid_response"),
                         ("anscombe", "resid_anscombe"), ("deviance", "resid_deviance"),
                         ("pearson", "resid_pearson"), ("working", "resid_working")):  # fmt: skip
        np.testing.assert_allclose(r.predict(what=ours), resid[theirs], rtol=1e-5, atol=1e-6)


@pytest.fixture(scope="module")
def binary() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 500
    x = rng.normal(size=n)
    z = rng.uniform(0.5, 2, n)
    g = rng.integers(0, 3, n)
    eta = -0.2 + 0.9 * x - 0.6 * z + 0.5 * (g == 2)
    return pd.DataFrame({
        "y": (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(int),
        "c": rng.poisson(np.exp(0.3 * eta)),
        "x": x, "z": z, "g": pd.Categorical(g.astype(str)),
    })  # fmt: skip


@pytest.mark.parametrize(
    ("line", "ref_model"),
    [("logit y x z", smf.logit), ("probit y x z", smf.probit), ("poisson c x z", smf.poisson)],
)
def test_margins_against_marginaleffects(binary, line, ref_model):
    # marginaleffects 2.1 with polars 2 breaks on categorical and on float columns (its
    # 0/1 check): integer regressors here, factors against statsmodels below
    me = pytest.importorskip("marginaleffects")
    y = line.split()[1]
    data = pd.DataFrame(
        {
            y: binary[y],
            "x": np.round(binary.x * 3).astype(int),
            "z": np.round(binary.z * 4).astype(int),
        }
    )
    fit = ref_model(f"{y} ~ x + z", data).fit(disp=0, tol=1e-12, method="newton")
    r = vcereg.regress(line, data)
    ame = r.margins(dydx=["x", "z"])
    # its Jacobian in b is a forward difference: eps_vcov=1e-6 balances truncation and
    # rounding (2e-6 relative here; its default step is off by 1e-3)
    ref = me.avg_slopes(fit, eps_vcov=1e-6).to_pandas().set_index("term")
    np.testing.assert_allclose(ame["estimate"], ref.loc[["x", "z"], "estimate"], rtol=1e-6)
    np.testing.assert_allclose(ame["std_error"], ref.loc[["x", "z"], "std_error"], rtol=1e-5)
    pm = r.margins()
    ref = me.avg_predictions(fit, eps_vcov=1e-6).to_pandas()
    np.testing.assert_allclose(pm["estimate"].iloc[0], ref["estimate"].iloc[0], rtol=1e-9)
    np.testing.assert_allclose(pm["std_error"].iloc[0], ref["std_error"].iloc[0], rtol=1e-5)


@pytest.mark.parametrize("model", ["logit", "probit"])
def test_factor_discrete_change_against_statsmodels(binary, model):
    d = binary.assign(h=(binary.g == "2").astype(int))
    X = sm.add_constant(d[["x", "h"]])
    ref_model = sm.Logit if model == "logit" else sm.Probit
    fit = ref_model(d["y"], X).fit(disp=0, tol=1e-12, method="newton")
    ref = fit.get_margeff(at="overall", dummy=True)
    r = vcereg.regress(f"{model} y x i.h", d)
    m = r.margins(dydx=["x", "h"])
    np.testing.assert_allclose(m["estimate"], ref.margeff, rtol=1e-7)
    np.testing.assert_allclose(m["std_error"], ref.margeff_se, rtol=1e-5)
    assert m.index.tolist() == ["x", "1.h"]


def test_elasticities_and_atmeans_against_statsmodels(binary):
    X = sm.add_constant(binary[["x", "z"]])
    fit = sm.Logit(binary["y"], X).fit(disp=0, tol=1e-12, method="newton")
    r = vcereg.regress("logit y x z", binary)
    for method, kw in (("eyex", "eyex"), ("dyex", "dyex"), ("eydx", "eydx")):
        ref = fit.get_margeff(at="overall", method=method)
        m = r.margins(**{kw: ["x", "z"]})
        np.testing.assert_allclose(m["estimate"], ref.margeff, rtol=1e-8)
        np.testing.assert_allclose(m["std_error"], ref.margeff_se, rtol=1e-5)
    ref = fit.get_margeff(at="mean", method="dydx")
    m = r.margins(dydx=["x", "z"], atmeans=True)
    np.testing.assert_allclose(m["estimate"], ref.margeff, rtol=1e-8)
    np.testing.assert_allclose(m["std_error"], ref.margeff_se, rtol=1e-5)


def test_at_and_over(binary):
    r = vcereg.regress("logit y x z", binary)
    m = r.margins(at={"x": [0, 1]})
    b = r.params
    for value in (0, 1):
        eta = b["Intercept"] + b["x"] * value + b["z"] * binary["z"]
        expected = float(np.mean(1 / (1 + np.exp(-eta))))
        np.testing.assert_allclose(m.loc[f"x={value}", "estimate"], expected, rtol=1e-12)
    by = r.margins(dydx="x", over="g")
    assert len(by) == 3


def test_predictions_on_new_data_and_exposure(binary):
    d = binary.assign(t=np.linspace(1, 3, len(binary)))
    r = vcereg.regress("poisson c x z, exposure(t)", d)
    new = d.head(5)
    eta = r.params["Intercept"] + r.params["x"] * new.x + r.params["z"] * new.z
    np.testing.assert_allclose(r.predict(new), np.exp(eta) * new.t, rtol=1e-12)
    np.testing.assert_allclose(r.predict(new, what="ir"), np.exp(eta), rtol=1e-12)
    np.testing.assert_allclose(r.predict(what="n").iloc[:5], r.predict(new), rtol=1e-12)
    lr = vcereg.regress("logit y x z", binary)
    assert lr.predict().between(0, 1).all()
    with pytest.raises(vcereg.errors.DataError, match="unknown prediction"):
        lr.predict(what="prr")


def test_lincom_eform_and_test(binary):
    r = vcereg.regress("logit y x z, or", binary)
    plain = r.lincom("x + z")
    odds = r.lincom("x + z", eform=True)
    np.testing.assert_allclose(odds["estimate"], np.exp(plain["estimate"]), rtol=1e-12)
    np.testing.assert_allclose(odds["std_error"], np.exp(plain["estimate"]) * plain["std_error"])
    np.testing.assert_allclose(odds["ci_low"], np.exp(plain["ci_low"]), rtol=1e-12)
    assert odds["p"].iloc[0] == plain["p"].iloc[0]
    t = r.test("x = 0, z = 0")
    assert t.distribution == "chi2" and t.df == (2,)  # as Stata's test after ML
    w = r.params[["x", "z"]].to_numpy()
    np.testing.assert_allclose(
        t.stat, w @ np.linalg.solve(r.cov.loc[["x", "z"], ["x", "z"]].to_numpy(), w), rtol=1e-10
    )
    e = r.eform()
    np.testing.assert_allclose(e.loc["x", "estimate"], np.exp(r.params["x"]))
    assert "Odds ratio" in r.summary()
