"""Absorbed fixed effects against independent implementations.

Mapping:
- DSL ``fe(a b)`` / ``reghdfe`` = pyfixest ``feols("y ~ x | a + b")`` with its default small-sample
  conventions (effects nested in a cluster variable are not counted), t(G_min - 1).
- ``areg`` = a full dummy-variable regression in statsmodels (K counts every absorbed level,
  also in the cluster factor), and = pyfixest with ``ssc(k_fixef="full")``.
- ``xtreg, fe`` = linearmodels ``PanelOLS`` with entity effects; robust means clustered by
  panel and the absorbed effects do not enter the small-sample factor (``count_effects=False``,
  ``group_debias=True``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest
import statsmodels.formula.api as smf
from linearmodels.panel import PanelOLS

import vcereg
from tests.conftest import DATA
from tests.tolerances import REL_REFERENCE as RTOL
from vcereg.spec import PanelSpec


def _close(a, b) -> None:
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=RTOL)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("ols", "iid"),
        ("robust", "hetero"),
        ("cluster firmid", {"CRV1": "firmid"}),
        ("cluster year", {"CRV1": "year"}),
        ("cluster firmid year", {"CRV1": "firmid+year"}),
    ],
)
def test_two_way_fe_matches_pyfixest(petersen, ours, theirs):
    r = vcereg.regress(f"y ~ x | fe(firmid year) | vce({ours})", petersen)
    ref = pf.feols("y ~ x | firmid + year", petersen, vcov=theirs)
    _close(r.params.drop("Intercept"), ref.coef())  # pyfixest reports no _cons
    _close(r.se.drop("Intercept"), ref.se())
    assert r.df_inference == pytest.approx(ref._df_t)
    assert r.fixed_effects == ("firmid", "year")
    assert r.rsquared_within == pytest.approx(float(ref._r2_within), rel=1e-8)
    assert r.rsquared_adj == pytest.approx(float(ref._adj_r2), rel=1e-8)


def test_reghdfe_line_equals_dsl(grunfeld):
    a = vcereg.stata("reghdfe invest value capital, absorb(firm year) vce(cluster firm)", grunfeld)
    b = vcereg.regress("invest ~ value + capital | fe(firm year) | vce(cluster firm)", grunfeld)
    _close(a.params, b.params)
    _close(a.cov, b.cov)
    ref = pf.feols("invest ~ value + capital | firm + year", grunfeld, vcov={"CRV1": "firm"})
    _close(a.se.drop("Intercept"), ref.se())


def test_areg_matches_dummy_regression(grunfeld):
    r = vcereg.stata("areg invest value capital, absorb(firm) vce(cluster firm)", grunfeld)
    ref = smf.ols("invest ~ value + capital + C(firm)", grunfeld).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(grunfeld["firm"])[0]}, use_t=True
    )
    _close(r.params[["value", "capital"]], ref.params[["value", "capital"]])
    _close(r.se[["value", "capital"]], ref.bse[["value", "capital"]])
    assert r.rsquared == pytest.approx(ref.rsquared, rel=1e-10)
    assert r.df_resid == ref.df_resid
    fx = pf.feols(
        "invest ~ value + capital | firm",
        grunfeld,
        vcov={"CRV1": "firm"},
        ssc=pf.ssc(k_fixef="full"),
    )
    _close(r.se[["value", "capital"]], fx.se())


def test_areg_conventional_matches_dummy_regression(mtcars):
    r = vcereg.stata("areg mpg wt hp, absorb(cyl)", mtcars)
    ref = smf.ols("mpg ~ wt + hp + C(cyl)", mtcars).fit()
    _close(r.params[["wt", "hp"]], ref.params[["wt", "hp"]])
    _close(r.se[["wt", "hp"]], ref.bse[["wt", "hp"]])
    assert r.rsquared_adj == pytest.approx(ref.rsquared_adj, rel=1e-10)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return pd.read_csv(DATA / "simulated_panel.csv")


@pytest.mark.parametrize("vce", ["", ", vce(robust)", ", vce(cluster firm_id)"])
def test_xtreg_fe_matches_linearmodels(panel, vce):
    """linearmodels documents ``debiased=True, group_debias=True`` (and effects not counted)
    as Stata's ``xtreg, fe vce(cluster)``; real Stata output in
    stata_lang/test_panel_reference.py confirms both."""
    line = f"xtreg y x1 x2 x3, fe{vce.replace(',', '')}"
    r = vcereg.stata(line, panel, panel=PanelSpec("firm_id", "year"))
    p = panel.set_index(["firm_id", "year"])
    mod = PanelOLS.from_formula("y ~ 1 + x1 + x2 + x3 + EntityEffects", p)
    names = ["x1", "x2", "x3"]
    if vce:
        ref = mod.fit(
            cov_type="clustered",
            cluster_entity=True,
            count_effects=False,
            debiased=True,
            group_debias=True,
        )
        _close(r.se[names], ref.std_errors[names])
    else:
        ref = mod.fit(cov_type="unadjusted", debiased=True)
        _close(r.se[names], ref.std_errors[names])
    _close(r.params[names], ref.params[names])
    assert r.rsquared_within == pytest.approx(ref.rsquared_within, rel=1e-8)


def test_singletons_are_dropped_and_reported(petersen):
    d = pd.concat([petersen, pd.DataFrame({"firmid": [9999], "year": [1], "x": [0.1], "y": [0.2]})])
    with pytest.warns(vcereg.errors.DroppedRowsWarning, match="singleton"):
        r = vcereg.regress("y ~ x | fe(firmid year)", d)
    assert r.rows.dropped_singletons == 1 and r.nobs == len(petersen)
    a = vcereg.stata("areg y x, absorb(firmid)", d)  # areg keeps singletons, as Stata does
    assert a.nobs == len(d)


def test_iv_with_absorbed_effects_matches_pyfixest(grunfeld):
    d = grunfeld.assign(sqrt_value=np.sqrt(grunfeld["value"]), lag=grunfeld["year"] % 3)
    r = vcereg.regress(
        "invest ~ capital | fe(firm) | iv(value ~ sqrt_value lag) | vce(cluster firm)", d
    )
    ref = pf.feols("invest ~ capital | firm | value ~ sqrt_value + lag", d, vcov={"CRV1": "firm"})
    names = ["capital", "value"]
    _close(r.params[names], ref.coef()[names])
    _close(r.se[names], ref.se()[names])


def test_hc2_with_absorbed_effects_is_refused(petersen):
    with pytest.raises(vcereg.errors.VceOptionError, match="absorbed"):
        vcereg.regress("y ~ x | fe(firmid) | vce(hc2)", petersen)


def test_with_vce_on_absorbed_model_equals_a_fresh_fit(petersen):
    """Nesting of effects in clusters changes df_a, so with_vce must not reuse it blindly."""
    base = vcereg.regress("y ~ x | fe(firmid year)", petersen)
    a = base.with_vce("cluster firmid")
    b = vcereg.regress("y ~ x | fe(firmid year) | vce(cluster firmid)", petersen)
    _close(a.cov, b.cov)
    assert a.df_inference == b.df_inference


def test_first_stage_f_with_absorbed_effects_matches_dummy_regression(grunfeld):
    """The reference: the classical F test of the excluded instruments in the first stage
    with explicit firm dummies (statsmodels' compare_f_test)."""
    d = grunfeld.assign(sqrt_value=np.sqrt(grunfeld["value"]), lag=grunfeld["year"] % 3)
    r = vcereg.regress("invest ~ capital | fe(firm) | iv(value ~ sqrt_value lag)", d)
    note = next(n for n in r.notes if n.startswith("first stage for value"))
    unrestricted = smf.ols("value ~ capital + sqrt_value + lag + C(firm)", d).fit()
    restricted = smf.ols("value ~ capital + C(firm)", d).fit()
    f_ref, p_ref, q = unrestricted.compare_f_test(restricted)
    assert f"F({int(q)}, {int(unrestricted.df_resid)})" in note
    fs = r.first_stage.loc["value"]  # the numbers, not the 2-decimal note (issue 8)
    assert fs["f"] == pytest.approx(f_ref, rel=1e-8)
    assert fs["pvalue"] == pytest.approx(p_ref, rel=1e-6)
    assert (fs["df_num"], fs["df_denom"]) == (q, unrestricted.df_resid)
    # partial R-squared: 1 - RSS_u / RSS_r of the same two dummy regressions
    assert fs["partial_r2"] == pytest.approx(1 - unrestricted.ssr / restricted.ssr, rel=1e-8)
