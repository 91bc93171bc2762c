"""xtreg, re / xtreg, be / the xtreg, fe panel statistics against three references:

1. Stata 13's own output (tests/reference/stata_simulated_panel.json, extracted from the
   logs shipped with linearmodels by make_stata_panel_reference.py): the simulated panel
   with missing values (``_light``/``_heavy``: unbalanced, 1 to 3 years per firm).
   Coefficients and the statistics Stata printed with %13.12g (11+ significant digits) are
   compared at the project's REL_REFERENCE = 1e-8; covariance entries within their printing
   precision (5e-12 absolute, or 5e-7 relative below 1e-4, where Stata switched to
   e-notation with 7 digits) plus 1e-8 relative, as tests/stata_lang/test_panel_reference.py.
2. linearmodels 7.1 with this convention mapping (stated once, used below):
   ``vce(ols)`` = ``RandomEffects.fit(cov_type="unadjusted", debiased=True)``,
   ``vce(robust)`` (HC1 on the quasi-demeaned data) = ``cov_type="robust", debiased=True``,
   ``vce(cluster id)`` = ``cov_type="clustered", cluster_entity=True, debiased=True,
   group_debias=True``; ``xtreg, be`` = ``BetweenOLS.fit(cov_type="unadjusted",
   debiased=True)``, ``be wls`` = the same with ``reweight=True``. Compared at 1e-8.
3. Brute force in the test from the textbook formulas (Baltagi 2013, ch. 2 and 9).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from linearmodels import BetweenOLS, RandomEffects

import vcereg
from tests.conftest import DATA
from tests.tolerances import REL_IDENTITY, REL_REFERENCE
from vcereg.errors import NotSupportedError, VceregWarning
from vcereg.spec import PanelSpec

REF = json.loads(
    (Path(__file__).parents[1] / "reference" / "stata_simulated_panel.json").read_text()
)
PANEL = PanelSpec("firm_id", "year")
STATA_KEYS = sorted(k for k in REF["results"] if k.startswith(("random_effect", "between")))
FE_KEYS = sorted(k for k in REF["results"] if k.startswith("fixed_effect"))


@pytest.fixture(scope="module")
def sim() -> pd.DataFrame:
    return pd.read_csv(DATA / "simulated_panel.csv")


def _fit(line: str, data: pd.DataFrame) -> vcereg.Results:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VceregWarning)
        return vcereg.stata(line, data, panel=PANEL)


def _coefs_and_cov(r: vcereg.Results, ref: dict) -> tuple[np.ndarray, np.ndarray, list[str]]:
    names = {v: k for k, v in r.display_names.items()}
    names["_cons"] = "Intercept"
    shown = [n for n in ref["cov_names"] if n in names]
    terms = [names[n] for n in shown]
    return r.params[terms].to_numpy(), r.cov.loc[terms, terms].to_numpy(), shown


@pytest.mark.parametrize("key", STATA_KEYS)
def test_re_and_be_match_stata(sim, key):
    ref = REF["results"][key]
    r = _fit(ref["command"], sim)
    b, v, shown = _coefs_and_cov(r, ref)
    assert len(shown) == 6  # five slopes and _cons
    np.testing.assert_allclose(b, [ref["coef"][n] for n in shown], rtol=REL_REFERENCE)
    stata_v = np.asarray(ref["cov"])
    printed = np.where(np.abs(stata_v) < 1e-4, 5e-7 * np.abs(stata_v), 5e-12)
    assert np.all(np.abs(v - stata_v) <= printed + REL_REFERENCE * np.abs(stata_v))
    st, p = ref["stats"], r.panel
    assert p is not None
    assert r.nobs == st["N"] and p.n_panels == st["N_g"]
    assert (p.t_min, p.t_max) == (st["g_min"], st["g_max"])
    assert p.t_avg == pytest.approx(st["g_avg"], rel=REL_REFERENCE)
    for ours, name in [(p.r2_within, "r2_w"), (p.r2_between, "r2_b"), (p.r2_overall, "r2_o")]:
        assert ours == pytest.approx(st[name], rel=REL_REFERENCE), name
    assert r.rmse == pytest.approx(st["rmse"], rel=REL_REFERENCE)
    if key.startswith("random_effect"):
        assert r.df_inference is None  # z statistics and a Wald chi2, as Stata
        assert p.t_harmonic == pytest.approx(st["Tbar"], rel=REL_REFERENCE)
        for ours, name in [(p.sigma_u, "sigma_u"), (p.sigma_e, "sigma_e"), (p.rho, "rho")]:
            assert ours == pytest.approx(st[name], rel=REL_REFERENCE), name
        assert r.rsquared == pytest.approx(st["r2_o"], rel=REL_REFERENCE)
    else:
        assert r.df_resid == st["df_r"] and r.df_inference == st["df_r"]
        assert r.fstat == pytest.approx(st["F"], rel=REL_REFERENCE)
        assert r.rsquared == pytest.approx(st["r2"], rel=REL_REFERENCE)
        assert np.isnan(p.sigma_u)


@pytest.mark.parametrize("key", FE_KEYS)
def test_fe_panel_statistics_match_stata(sim, key):
    ref = REF["results"][key]
    r = _fit(ref["command"], sim)
    st, p = ref["stats"], r.panel
    assert p is not None and p.model == "fe" and p.n_panels == st["N_g"]
    checks = [
        (p.sigma_u, "sigma_u"),
        (p.sigma_e, "sigma_e"),
        (p.rho, "rho"),
        (p.corr_u_xb, "corr"),
        (p.f_u, "F_f"),
        (p.r2_within, "r2_w"),
        (p.r2_between, "r2_b"),
        (p.r2_overall, "r2_o"),
    ]
    assert "sigma_u" in st and "corr" in st
    for ours, name in [(o, n) for o, n in checks if n in st]:  # no F_f with robust vce
        # corr(u_i, Xb) is printed with 11 digits but is near zero (|corr| ~ 0.03), so its
        # relative precision is ~1e-9: compare it absolutely
        if name == "corr":
            assert ours == pytest.approx(st[name], abs=1e-10)
        else:
            assert ours == pytest.approx(st[name], rel=REL_REFERENCE), name
    if "F_f" in st:  # df_r is G - 1 with clusters
        assert p.f_u_df == (st["N_g"] - 1, st["df_r"])


# --- linearmodels ---------------------------------------------------------------------


def _lm_data(sim: pd.DataFrame, suffix: str) -> tuple[pd.Series, pd.DataFrame, list[str]]:
    cols = [f"x{i}{suffix}" for i in range(1, 6)]
    d = sim.dropna(subset=[f"y{suffix}", *cols]).set_index(["firm_id", "year"])
    x = d[cols].assign(const=1.0)[["const", *cols]]
    return d[f"y{suffix}"], x, cols


LM_CASES = [
    ("ols", {"cov_type": "unadjusted"}),
    ("robust", {"cov_type": "robust"}),
    ("cluster firm_id", {"cov_type": "clustered", "cluster_entity": True, "group_debias": True}),
]


@pytest.mark.parametrize("suffix", ["", "_heavy"])
@pytest.mark.parametrize(("vce", "lm_options"), LM_CASES, ids=[c[0] for c in LM_CASES])
def test_random_effects_match_linearmodels(sim, suffix, vce, lm_options):
    y, x, cols = _lm_data(sim, suffix)
    lm = RandomEffects(y, x).fit(debiased=True, **lm_options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VceregWarning)
        r = vcereg.regress(f"y{suffix} ~ {' + '.join(cols)} | panel(firm_id year)", sim, vce=vce)
    order = ["Intercept", *cols]
    np.testing.assert_allclose(r.params[order], lm.params.to_numpy(), rtol=REL_REFERENCE)
    np.testing.assert_allclose(
        r.cov.loc[order, order].to_numpy(), lm.cov.to_numpy(), rtol=REL_REFERENCE
    )
    p = r.panel
    assert p is not None and p.theta is not None
    assert p.sigma_e**2 == pytest.approx(lm.variance_decomposition["Residual"], rel=1e-8)
    assert p.sigma_u**2 == pytest.approx(lm.variance_decomposition["Effects"], rel=1e-8)
    np.testing.assert_allclose(np.sort(p.theta), np.sort(lm.theta.to_numpy().ravel()), rtol=1e-8)


@pytest.mark.parametrize("wls", [False, True])
def test_between_matches_linearmodels(sim, wls):
    y, x, cols = _lm_data(sim, "_light")
    lm = BetweenOLS(y, x).fit(cov_type="unadjusted", debiased=True, reweight=wls)
    model = "be wls" if wls else "be"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VceregWarning)
        r = vcereg.regress(f"y_light ~ {' + '.join(cols)} | panel(firm_id, {model})", sim)
    order = ["Intercept", *cols]
    np.testing.assert_allclose(r.params[order], lm.params.to_numpy(), rtol=REL_REFERENCE)
    np.testing.assert_allclose(
        r.cov.loc[order, order].to_numpy(), lm.cov.to_numpy(), rtol=REL_REFERENCE
    )


# --- brute force, registry, data as users have it -------------------------------------


def _quasi_demeaned(sim: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Swamy-Arora by hand on the balanced panel: X*, y*, panel codes."""
    d = sim.dropna(subset=["y", "x1", "x2"])
    g = pd.factorize(d["firm_id"])[0]
    y, x = d["y"].to_numpy(), np.column_stack([np.ones(len(d)), d[["x1", "x2"]].to_numpy()])
    n, t = g.max() + 1, np.bincount(g)
    yb = np.bincount(g, y) / t
    xb = np.column_stack([np.bincount(g, x[:, j]) / t for j in range(3)])
    ew = (y - yb[g]) - (x[:, 1:] - xb[g, 1:]) @ np.linalg.lstsq(
        x[:, 1:] - xb[g, 1:], y - yb[g], rcond=None
    )[0]
    s2e = ew @ ew / (len(y) - n - 2)
    eb = yb - xb @ np.linalg.lstsq(xb, yb, rcond=None)[0]
    s2u = max(0.0, eb @ eb / (n - 3) - s2e / (n / np.sum(1 / t)))
    theta = 1 - np.sqrt(s2e / (t * s2u + s2e))
    return x - theta[g][:, None] * xb[g], y - theta[g] * yb[g], g


def test_every_sandwich_is_the_one_on_quasi_demeaned_data(sim):
    xs, ys, g = _quasi_demeaned(sim)
    n_obs, k = xs.shape
    b = np.linalg.solve(xs.T @ xs, xs.T @ ys)
    e = ys - xs @ b
    bread = np.linalg.inv(xs.T @ xs)
    h = np.einsum("ij,jk,ik->i", xs, bread, xs)
    scores = np.column_stack([np.bincount(g, xs[:, j] * e) for j in range(k)])
    n_g = g.max() + 1
    cluster_factor = n_g / (n_g - 1) * (n_obs - 1) / (n_obs - k)
    expected = {
        "ols": e @ e / (n_obs - k) * bread,
        "hc0": bread @ (xs.T * e**2) @ xs @ bread,
        "robust": n_obs / (n_obs - k) * bread @ (xs.T * e**2) @ xs @ bread,
        "hc2": bread @ (xs.T * (e**2 / (1 - h))) @ xs @ bread,
        "hc3": bread @ (xs.T * (e**2 / (1 - h) ** 2)) @ xs @ bread,
        "cluster firm_id": cluster_factor * bread @ scores.T @ scores @ bread,
    }
    base = vcereg.regress("y ~ x1 + x2 | panel(firm_id year)", sim)
    for vce, want in expected.items():
        r = base.with_vce(vce)
        np.testing.assert_allclose(r.cov.to_numpy(), want, rtol=REL_REFERENCE, err_msg=vce)
        assert r.df_inference is None and r.panel is not None  # z inference kept


def test_xtreg_without_option_is_random_effects_and_says_so(sim):
    plain = _fit("xtreg y x1 x2", sim)
    explicit = _fit("xtreg y x1 x2, re", sim)
    assert plain.model_label == "Random-effects GLS regression"
    np.testing.assert_allclose(plain.params, explicit.params, rtol=REL_IDENTITY)
    assert any("random effects (Stata's default)" in n for n in plain.notes)
    assert not any("Stata's default" in n for n in explicit.notes)
    text = plain.summary()
    assert "sigma_u" in text and "corr(u_i, X) = 0 (assumed)" in text and "Wald chi2(2)" in text


def test_dsl_and_stata_spellings_agree(sim):
    for model, line in [("re", "re"), ("be", "be"), ("fe", "fe"), ("be wls", "be wls")]:
        a = vcereg.regress(f"y ~ x1 + x2 | panel(firm_id year, {model})", sim)
        b = _fit(f"xtreg y x1 x2, {line}", sim)
        np.testing.assert_allclose(a.params, b.params, rtol=REL_IDENTITY)
        np.testing.assert_allclose(a.cov, b.cov, rtol=REL_IDENTITY)


def test_data_as_users_have_it(sim):
    """int8/int16 ids and regressors, nullable dtypes with <NA>, regressors at 1e9 scale."""
    d = sim[["firm_id", "year", "y_light", "x1_light", "x2_light"]].copy()
    base = _fit("xtreg y_light x1_light x2_light", d)
    u = d.copy()
    u["firm_id"] = u["firm_id"].astype("Int16")
    u["year"] = (u["year"] - 1999).astype("int8")
    u["y_light"] = u["y_light"].astype("Float64")
    u["x1_light"] = u["x1_light"] * 1e9
    u["x2_light"] = u["x2_light"].astype("Float64")
    before = u.copy()
    with pytest.warns(VceregWarning, match="dropped"):
        r = vcereg.stata("xtreg y_light x1_light x2_light", u, panel=PANEL)
    pd.testing.assert_frame_equal(u, before)  # the user's data is not modified
    assert r.nobs == base.nobs and r.n_dropped == base.n_dropped > 0
    np.testing.assert_allclose(r.params["x1_light"] * 1e9, base.params["x1_light"], rtol=1e-8)
    np.testing.assert_allclose(r.params["x2_light"], base.params["x2_light"], rtol=1e-8)
    assert r.panel is not None and base.panel is not None
    assert r.panel.sigma_u == pytest.approx(base.panel.sigma_u, rel=1e-8)
    assert r.se["x1_light"] * 1e9 == pytest.approx(base.se["x1_light"], rel=1e-8)


def test_time_invariant_regressor_matches_linearmodels(grunfeld):
    """A regressor constant within firms is not in the within regression (its df is not
    counted), as linearmodels 7.1 and Stata do."""
    d = grunfeld.assign(size=grunfeld.groupby("firm")["capital"].transform("mean") / 100)
    r = vcereg.regress("invest ~ value + size | panel(firm year)", d)
    lm = RandomEffects(
        d.set_index(["firm", "year"])["invest"],
        d.set_index(["firm", "year"])[["value", "size"]].assign(const=1.0)[
            ["const", "value", "size"]
        ],
    ).fit(debiased=True)
    np.testing.assert_allclose(
        r.params[["Intercept", "value", "size"]], lm.params.to_numpy(), rtol=REL_REFERENCE
    )
    assert r.panel is not None
    assert r.panel.sigma_u**2 == pytest.approx(lm.variance_decomposition["Effects"], rel=1e-8)


def test_refusals(sim):
    with pytest.raises(NotSupportedError, match="weights are not allowed"):
        vcereg.regress("y ~ x1 | panel(firm_id) | weights(w)", sim)
    with pytest.raises(NotSupportedError, match="between estimator"):
        vcereg.regress("y ~ x1 | panel(firm_id, be) | vce(cluster firm_id)", sim)
    with pytest.raises(vcereg.errors.SpecError, match="cannot be combined with panel"):
        vcereg.parse("y ~ x1 | panel(firm_id) | fe(year)")


# the variable arguments each registered variance needs on the panel
_RE_ARGS = {"cluster": " firm_id", "cr2": " firm_id", "cr3": " firm_id", "wild": " firm_id",
            "hac": " year firm_id", "dk": " year"}  # fmt: skip


@pytest.mark.parametrize("name", sorted(vcereg.available_vce()))
def test_every_registered_variance_with_random_effects_is_ols_on_gls_data(sim, name):
    """Random effects are OLS on the GLS-transformed data (Baltagi 2013, eq. 2.20):
    y_it - theta_i ybar_i on x_it - theta_i xbar_i, the constant becoming 1 - theta_i, with
    theta_i = 1 - sigma_e / sqrt(T_i sigma_u^2 + sigma_e^2). Every registered variance of
    the random-effects fit must equal the same variance of that OLS regression, built
    here with pandas from the fitted variance components (the components themselves are
    tested against Stata and linearmodels above); inference is z, as xtreg, re. The
    jackknife and the wild bootstrap too work on the transformed data with theta held
    fixed (the same draws give the same p-values); none may refuse."""
    base = _quiet_re(sim)
    spec = f"{name}{_RE_ARGS.get(name, '')}" + (", seed(3) reps(199)" if name == "wild" else "")
    r = base.with_vce(spec)
    p = r.panel
    assert p is not None and p.model == "re" and r.df_inference is None
    d = sim.dropna(subset=["y", "x1", "x2"]).copy()
    t_i = d.groupby("firm_id")["y"].transform("size")
    theta = 1 - p.sigma_e / np.sqrt(t_i * p.sigma_u**2 + p.sigma_e**2)
    gls = pd.DataFrame({"year": d["year"], "firm_id": d["firm_id"], "c": 1 - theta})
    for v in ("y", "x1", "x2"):
        gls[v] = d[v] - theta * d.groupby("firm_id")[v].transform("mean")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VceregWarning)
        ref = vcereg.regress(f"y ~ 0 + c + x1 + x2 | vce({spec})", gls)
    np.testing.assert_allclose(r.params.to_numpy(), ref.params.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(r.cov.to_numpy(), ref.cov.to_numpy(), rtol=1e-8)
    if name == "wild":
        np.testing.assert_array_equal(r.pvalue.to_numpy(), ref.pvalue.to_numpy())


def _quiet_re(sim: pd.DataFrame) -> vcereg.Results:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VceregWarning)
        return vcereg.regress("y ~ x1 + x2 | panel(firm_id year)", sim)


def test_negative_variance_component_gives_pooled_ols_and_says_so():
    """No panel effect and T = 2: the Swamy-Arora var(u_i) is negative, set to 0 (as
    Stata), so theta = 0 and random effects equal pooled OLS."""
    rng = np.random.default_rng(1)
    d = pd.DataFrame({"id": np.repeat(np.arange(50), 2), "x": rng.normal(size=100)})
    d["y"] = d["x"] + rng.normal(size=100)
    with pytest.warns(VceregWarning, match="negative and was set to 0"):
        r = vcereg.regress("y ~ x | panel(id)", d)
    ols = vcereg.regress("y ~ x", d)
    assert r.panel is not None and r.panel.sigma_u == 0 and r.panel.sigma_u_truncated
    np.testing.assert_allclose(r.params, ols.params, rtol=REL_IDENTITY)
    np.testing.assert_allclose(r.cov, ols.cov, rtol=REL_IDENTITY)
    assert any("reduce to pooled OLS" in n for n in r.notes)


def test_no_within_degrees_of_freedom_is_a_clear_error():
    d = pd.DataFrame({"id": range(10), "x": np.arange(10.0), "y": np.arange(10.0) ** 2})
    with pytest.raises(vcereg.errors.EstimationError, match="within regression has no residual"):
        vcereg.regress("y ~ x | panel(id)", d)


def test_factor_and_time_series_regressors(grunfeld):
    """Year dummies have the same panel mean everywhere in a balanced panel: they drop out
    of the between regression (its rank), not out of the model (linearmodels 7.1 agrees)."""
    r = vcereg.stata("xtreg invest value i.year, re", grunfeld, panel=PanelSpec("firm", "year"))
    d = grunfeld.assign(**{f"y{t}": (grunfeld.year == t).astype(float) for t in range(1936, 1955)})
    idx = d.set_index(["firm", "year"])
    exog = idx[["value", *(f"y{t}" for t in range(1936, 1955))]].assign(const=1.0)
    lm = RandomEffects(idx["invest"], exog).fit(debiased=True)
    assert r.panel is not None
    assert r.panel.sigma_u**2 == pytest.approx(lm.variance_decomposition["Effects"], rel=1e-8)
    assert r.params["value"] == pytest.approx(lm.params["value"], rel=REL_REFERENCE)
    assert r.se["value"] == pytest.approx(lm.std_errors["value"], rel=REL_REFERENCE)


@pytest.mark.parametrize(
    "line", ["xtreg y x1, re", "xtreg y x1, be wls", "xtreg y x1, fe vce(robust)"]
)
def test_round_trips_between_stata_and_model_strings(line):
    spec = vcereg.stata_lang.parse(line, panel=PANEL)
    dsl = vcereg.to_dsl(spec)
    assert "panel(firm_id year" in dsl
    again = vcereg.parse(dsl)
    assert (again.estimator, again.panel, again.absorb) == (spec.estimator, spec.panel, spec.absorb)
    assert vcereg.to_stata(again).split(",")[1].split()[0] in ("re", "be", "fe")


def test_between_with_vce_and_json(sim):
    be = vcereg.regress("y ~ x1 + x2 | panel(firm_id, be)", sim)
    rob = be.with_vce("robust")
    assert rob.panel is not None and rob.nobs == be.nobs == 3000 and rob.df_resid == 997
    np.testing.assert_allclose(rob.params, be.params, rtol=REL_IDENTITY)
    out = json.loads(json.dumps(be.to_dict()))
    assert out["panel"]["model"] == "be" and out["panel"]["n_panels"] == 1000
    assert out["panel"]["sigma_u"] is None  # not defined after be (Stata leaves it empty)
