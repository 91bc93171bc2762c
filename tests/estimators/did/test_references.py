"""DiD estimators against public reference outputs.

* R ``did`` (README and vignette, tests/reference/did_r_published.json) on mpdta: ATT(g,t)
  and aggregations printed to 4 decimals -- our estimates must round to the printed digits;
  the Wald pre-test p-value (0.16812, from the analytic covariance) to 5 decimals; the
  published bootstrap standard errors (B = 1000 multiplier draws) within 15%, four times the
  relative sampling error of an IQR-based standard error with B = 1000 (about 3.7%).
* moderndid 0.2.0 (a port of R did/DRDID) and the did-imputation port of Stata
  ``did_imputation`` (tests/reference/did_python_reference.json): analytic standard errors
  of every method, with and without the covariate, at REL_REFERENCE.
* pyfixest (a test dependency) ``event_study(estimator="saturated")``, fixest's ``sunab``:
  Sun-Abraham coefficients and clustered standard errors at REL_REFERENCE.
* R ``did2s`` on pyfixest's df_het (tests/reference/did2s_r_reference.json): coefficients
  and corrected standard errors at 1e-9 (R's output is stored with 16 digits).
"""

from __future__ import annotations

import json
import warnings
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import vcereg
from vcereg.estimators.did.twostage import two_stage

from ...tolerances import REL_REFERENCE

REF = Path(__file__).resolve().parents[2] / "reference"
DATA = Path(__file__).resolve().parents[2] / "data"
R_DID = json.loads((REF / "did_r_published.json").read_text())
PY = json.loads((REF / "did_python_reference.json").read_text())


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(DATA / "mpdta.csv")


def _cs(mpdta: pd.DataFrame, options: str = "", covariates: str = "1", **kw: object):
    model = f"lemp ~ {covariates} | did(cs first_treat{', ' + options if options else ''})"
    return vcereg.did(model + " | panel(countyreal year)", mpdta, **kw)  # type: ignore[arg-type]


def _printed(x: np.ndarray, digits: int) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float), digits)


@pytest.mark.parametrize("method", ["reg", "ipw", "dr"])
def test_att_gt_points_match_r_readme(mpdta: pd.DataFrame, method: str) -> None:
    gt = _cs(mpdta, f"{method} gt").tidy()
    ref = R_DID["att_gt"]
    assert gt["cohort"].tolist() == ref["group"]
    assert gt["period"].tolist() == ref["time"]
    np.testing.assert_array_equal(_printed(gt["estimate"], 4), ref["att"])


def test_pretest_pvalue_matches_r(mpdta: pd.DataFrame) -> None:
    res = _cs(mpdta, "reg").pretrend()
    assert res.df == (5,) and res.distribution == "chi2"
    assert round(res.pvalue, 5) == R_DID["att_gt"]["pretest_pvalue"]


def test_dynamic_and_group_points_match_r(mpdta: pd.DataFrame) -> None:
    dyn = _cs(mpdta, "reg")
    es = dyn.event_study()
    ref = R_DID["dynamic"]
    assert es.index.tolist() == ref["event_time"]
    np.testing.assert_array_equal(_printed(es["estimate"], 4), ref["att"])
    assert round(float(dyn.params["ATT"]), 4) == ref["overall_att"]
    grp = dyn.aggregate("group").tidy()
    ref = R_DID["group"]
    np.testing.assert_array_equal(_printed(grp["estimate"].iloc[1:], 4), ref["att"])
    assert round(float(grp.at["ATT", "estimate"]), 3) == ref["overall_att"]


def test_balance_e_matches_r_vignette(mpdta: pd.DataFrame) -> None:
    r = _cs(mpdta, "balance(1)")
    es = r.event_study()
    ref = R_DID["dynamic_balance_e1_vignette"]
    assert es.index.tolist() == ref["event_time"]
    np.testing.assert_array_equal(_printed(es["estimate"], 4), ref["att"])
    assert round(float(r.params["ATT"]), 4) == ref["overall_att"]


def test_bootstrap_se_close_to_r_readme(mpdta: pd.DataFrame) -> None:
    r = _cs(mpdta, "reg gt reps(1000) seed(20240501)")
    np.testing.assert_allclose(r.se, R_DID["att_gt"]["boot_se_readme"], rtol=0.15)
    dyn = r.aggregate("dynamic")
    np.testing.assert_allclose(dyn.se.iloc[1:], R_DID["dynamic"]["boot_se_readme"], rtol=0.15)
    assert dyn.se["ATT"] == pytest.approx(R_DID["dynamic"]["overall_boot_se_readme"], rel=0.15)
    # the uniform band is wider than the pointwise interval (R prints c ~ 2.7 for 12 cells)
    crit = r.event_study().attrs["uniform_critical_value"]
    assert 2.2 < crit < 3.2


def test_multiplier_bootstrap_se_and_uniform_critical_value() -> None:
    """With smooth influence functions (many units, Gaussian) the IQR-based bootstrap
    standard error converges to the analytic one, and for m independent estimates the
    uniform critical value solves (2 Phi(c) - 1)^m = 0.95. (On mpdta's small cohorts the
    bootstrap distribution is not normal, so there the two differ by up to 10%, as in R.)"""
    from scipy import stats

    from vcereg.estimators.did import if_cov, multiplier_bootstrap

    psi = np.random.default_rng(3).normal(size=(4000, 5)) * [1.0, 2.0, 3.0, 4.0, 5.0]
    m = multiplier_bootstrap(psi, reps=20000, seed=11)
    np.testing.assert_allclose(m.se, np.sqrt(np.diag(if_cov(psi))), rtol=0.02)
    c = stats.norm.ppf((1 + 0.95 ** (1 / 5)) / 2)  # 2.568
    assert m.crit == pytest.approx(c, abs=0.05)


@pytest.mark.parametrize("key", ["reg", "ipw", "dr", "reg_lpop", "ipw_lpop", "dr_lpop"])
def test_analytic_se_match_moderndid(mpdta: pd.DataFrame, key: str) -> None:
    ref = PY["moderndid"]["fits"][key]
    method, _, cov = key.partition("_")
    r = _cs(mpdta, f"{method} gt", covariates=cov or "1")
    np.testing.assert_allclose(r.params, ref["att"], rtol=REL_REFERENCE, atol=1e-12)
    np.testing.assert_allclose(r.se, ref["se"], rtol=REL_REFERENCE)
    assert r.pretrend().pvalue == pytest.approx(ref["wald_pvalue"], abs=5e-6)  # printed to 5 dp
    for kind in ("simple", "dynamic", "group", "calendar"):
        agg = r.aggregate(kind)
        assert agg.params["ATT"] == pytest.approx(ref[kind]["overall_att"], rel=REL_REFERENCE)
        assert agg.se["ATT"] == pytest.approx(ref[kind]["overall_se"], rel=REL_REFERENCE)
        if ref[kind]["att"] is not None and kind != "simple":
            np.testing.assert_allclose(agg.params.iloc[1:], ref[kind]["att"], rtol=REL_REFERENCE)
            np.testing.assert_allclose(agg.se.iloc[1:], ref[kind]["se"], rtol=REL_REFERENCE)


def test_imputation_matches_did_imputation_port(mpdta: pd.DataFrame) -> None:
    """The port solves the fixed effects iteratively (pyhdfe) and stops ~4e-7 from the
    exact solution, which vcereg computes (it agrees with dense least squares to 1e-15,
    see test_bruteforce.py); hence 1e-6."""
    ref = PY["did_imputation"]
    r = vcereg.did("lemp ~ 1 | did(bjs first_treat) | panel(countyreal year)", mpdta)
    assert r.params["ATT"] == pytest.approx(ref["att"], rel=1e-6)
    assert r.se["ATT"] == pytest.approx(ref["att_se"], rel=1e-6)
    for h in range(4):
        assert r.params[f"Tp{h}"] == pytest.approx(ref["horizons"][f"tau{h}"], rel=1e-6)
        assert r.se[f"Tp{h}"] == pytest.approx(ref["horizons_se"][f"tau{h}"], rel=1e-6)


def test_sun_abraham_matches_fixest_sunab_via_pyfixest(mpdta: pd.DataFrame) -> None:
    pf = pytest.importorskip("pyfixest")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        es = pf.event_study(
            data=mpdta, yname="lemp", idname="countyreal", tname="year", gname="first_treat",
            estimator="saturated", cluster="countyreal",
        )  # fmt: skip
        ref = es.tidy()
        agg = es.aggregate()
    r = vcereg.did("lemp ~ 1 | did(sa first_treat) | panel(countyreal year)", mpdta)
    gt = r.aggregate("gt").tidy()
    for name, row in ref.iterrows():
        rel = float(str(name).split("::")[1].split(":")[0])
        cohort = float(str(name).split("::")[-1])
        term = f"g{cohort:g}_{'Tm' if rel < 0 else 'Tp'}{abs(rel):g}"
        assert gt.at[term, "estimate"] == pytest.approx(row["Estimate"], rel=REL_REFERENCE)
        assert gt.at[term, "std_error"] == pytest.approx(row["Std. Error"], rel=REL_REFERENCE)
    es_ours = r.event_study()
    np.testing.assert_allclose(es_ours["estimate"], agg["Estimate"].astype(float), rtol=1e-8)
    np.testing.assert_allclose(es_ours["std_error"], agg["Std. Error"].astype(float), rtol=1e-8)
    # fixest's ATT aggregation: post-treatment cells weighted by their observations
    post = gt[gt["event_time"] >= 0]
    expected = float((post["estimate"] * post["n"]).sum() / post["n"].sum())
    assert r.params["ATT"] == pytest.approx(expected, rel=1e-12)


@pytest.fixture(scope="module")
def df_het() -> pd.DataFrame:
    pytest.importorskip("pyfixest")
    path = resources.files("pyfixest.did.data").joinpath("df_het.csv")
    return pd.read_csv(str(path))


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("model", ["model1", "model2", "model3"])
def test_two_stage_matches_r_did2s(df_het: pd.DataFrame, model: str, weighted: bool) -> None:
    ref = json.loads((REF / "did2s_r_reference.json").read_text())[
        model + ("_weights" if weighted else "")
    ]
    n = len(df_het)
    state = pd.factorize(df_het["state"])[0]
    year = pd.factorize(df_het["year"], sort=True)[0]
    treat = df_het["treat"].to_numpy(bool)
    w = np.random.default_rng(1243).uniform(0, 10, size=n) if weighted else np.ones(n)
    x1 = np.zeros((n, 0))
    if model == "model3":
        x1 = np.random.default_rng(12345).normal(size=n)[:, None]
    if model == "model1":
        x2 = treat[:, None].astype(float)
    else:
        levels = [float(t.split("::")[1]) for t in ref["term"]]
        x2 = np.column_stack([(df_het["rel_year"] == v).to_numpy(float) for v in levels])
    ts = two_stage(df_het["dep_var"].to_numpy(), state, year, x1, w, treat, x2, state)
    np.testing.assert_allclose(ts.params, ref["estimate"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(np.sqrt(np.diag(ts.cov)), ref["std_error"], rtol=1e-9)


def test_did2s_stata_line_matches_r_model1(df_het: pd.DataFrame) -> None:
    ref = json.loads((REF / "did2s_r_reference.json").read_text())["model1"]
    d = df_het.assign(treat=df_het["treat"].astype(int))
    r = vcereg.did(
        "did2s dep_var, first_stage(i.state i.year) second_stage(treat) treatment(treat) "
        "cluster(state)",
        d,
    )
    assert r.params["ATT"] == pytest.approx(ref["estimate"][0], rel=1e-9)
    assert r.se["ATT"] == pytest.approx(ref["std_error"][0], rel=1e-9)


@pytest.mark.parametrize(
    "key", ["reg_rc", "ipw_rc", "dr_rc", "reg_lpop_rc", "ipw_lpop_rc", "dr_lpop_rc"]
)
def test_repeated_cross_sections(mpdta: pd.DataFrame, key: str) -> None:
    """mpdta read as repeated cross-sections (every row its own unit): the cross-section
    2x2 estimators (reg_did_rc, std_ipw_did_rc, drdid_rc). Points match moderndid; its
    standard errors are 5 times R's (it counts the 500 counties, not the 2,500 rows, as
    n), so the standard errors are checked against the variance of four independent
    sample means, sum_k s2_k / n_k, which the unconditional estimator's is."""
    ref = PY["moderndid"]["fits"][key]
    method = key.split("_")[0]
    cov = "lpop" if "lpop" in key else "1"
    r = _cs(mpdta, f"{method} gt rc", covariates=cov)
    assert r.n_units == len(mpdta)
    np.testing.assert_allclose(r.params, ref["att"], rtol=REL_REFERENCE, atol=1e-12)
    if cov != "1":
        return
    for term, row in r.tidy().iterrows():
        g, t = row["cohort"], row["period"]
        base = t - 1 if t < g else g - 1
        var = 0.0
        for cohort in (g, 0):
            for year in (t, base):
                y = mpdta.loc[(mpdta["first_treat"] == cohort) & (mpdta["year"] == year), "lemp"]
                var += float(((y - y.mean()) ** 2).sum()) / len(y) ** 2
        assert row["std_error"] == pytest.approx(np.sqrt(var), rel=REL_REFERENCE), term
