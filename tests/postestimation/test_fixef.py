"""fixef(): the FE-dummy regression's coefficients after the stated normalisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

import vcereg
from vcereg.errors import EstimationError
from vcereg.postestimation.fixef import split_effects

from ..conftest import DATA

# The dummy regression (statsmodels, pinv on ~3000 x 110 dense dummies) and our
# demeaning (converged to 1e-12 of the scale) agree to ~1e-11 on these data; the effects
# carry the slopes' error times |x| ~ 5, so 1e-8 keeps three digits of head-room.
DUMMIES = 1e-8


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """The simulated panel's first 150 firms: a dense dummy regression on all 1000 firms
    takes a minute, and 150 x 3 years keep the two-way structure."""
    d = pd.read_csv(DATA / "simulated_panel.csv")
    return d[d["firm_id"] < 150].reset_index(drop=True)


def _normalised(a1: pd.Series, a2: pd.Series, c1: np.ndarray, c2: np.ndarray):
    """The stated normalisation: the second effect has observation-mean zero (one mobility
    group here), the first carries the constant."""
    shift = a2.to_numpy()[c2].mean()
    return a1 + shift, a2 - shift


def test_one_effect_is_group_means_with_the_constant(panel):
    r = vcereg.regress("y ~ x1 + x2 | fe(firm_id)", panel)
    sm = smf.ols("y ~ x1 + x2 + C(firm_id)", panel).fit()
    firms = sorted(panel["firm_id"].unique())
    dummy = pd.Series(
        [sm.params["Intercept"] + sm.params.get(f"C(firm_id)[T.{f}]", 0.0) for f in firms],
        index=firms,
    )
    ours = r.fixef()["firm_id"]
    assert list(ours.index) == firms
    np.testing.assert_allclose(ours.to_numpy(), dummy.to_numpy(), rtol=0, atol=DUMMIES)


def test_two_effects_match_dummy_regression(panel):
    r = vcereg.regress("y ~ x1 + x2 | fe(firm_id year)", panel)
    sm = smf.ols("y ~ x1 + x2 + C(firm_id) + C(year)", panel).fit()
    firms, years = sorted(panel["firm_id"].unique()), sorted(panel["year"].unique())
    a1 = pd.Series(
        [sm.params["Intercept"] + sm.params.get(f"C(firm_id)[T.{f}]", 0.0) for f in firms],
        index=firms,
    )
    a2 = pd.Series([sm.params.get(f"C(year)[T.{y}]", 0.0) for y in years], index=years)
    c1 = pd.Index(firms).get_indexer(panel["firm_id"])
    c2 = pd.Index(years).get_indexer(panel["year"])
    a1, a2 = _normalised(a1, a2, c1, c2)
    fe = r.fixef()
    np.testing.assert_allclose(fe["firm_id"].to_numpy(), a1.to_numpy(), rtol=0, atol=DUMMIES)
    np.testing.assert_allclose(fe["year"].to_numpy(), a2.to_numpy(), rtol=0, atol=DUMMIES)
    assert abs(fe["year"].to_numpy()[c2].mean()) < 1e-12


def test_interacted_effect_is_indexed_by_both_levels(panel):
    d = panel.assign(decade=(panel["year"] // 5))
    with pytest.warns(vcereg.VceregWarning, match="singleton"):
        r = vcereg.regress("y ~ x1 | fe(firm_id#decade)", d)
    fe = r.fixef()["firm_id#decade"]
    assert isinstance(fe.index, pd.MultiIndex) and fe.index.names == ["firm_id", "decade"]
    cell = d.groupby(["firm_id", "decade"])
    expected = cell["y"].mean() - r.params["x1"] * cell["x1"].mean()
    assert len(fe) == (cell.size() > 1).sum()  # singleton cells are dropped, as reghdfe
    np.testing.assert_allclose(fe.to_numpy(), expected.loc[fe.index].to_numpy(), atol=1e-10)


def test_disconnected_effects_are_normalised_per_mobility_group():
    firm = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    year = np.array([0, 1, 0, 1, 2, 3, 2, 3])  # firms 0,1 never meet years 2,3
    a_true = np.array([1.0, 2.0, 5.0, 7.0])
    b_true = np.array([0.5, -0.5, 3.0, 1.0])
    d = a_true[firm] + b_true[year]
    a, b = split_effects(d, [firm, year])
    np.testing.assert_allclose(a[firm] + b[year], d, atol=1e-12)
    assert abs(b[year[:4]].mean()) < 1e-12 and abs(b[year[4:]].mean()) < 1e-12


def test_no_absorbed_effects_is_an_error(student):
    with pytest.raises(EstimationError, match="absorbed"):
        vcereg.regress("G3 ~ absences", student).fixef()


def test_weighted_fit_matches_weighted_dummy_regression(panel):
    r = vcereg.regress("y ~ x1 | fe(firm_id) | weights(w)", panel)
    sm = smf.wls("y ~ x1 + C(firm_id)", panel, weights=panel["w"]).fit()
    firms = sorted(panel["firm_id"].unique())
    dummy = [sm.params["Intercept"] + sm.params.get(f"C(firm_id)[T.{f}]", 0.0) for f in firms]
    np.testing.assert_allclose(r.fixef()["firm_id"].to_numpy(), dummy, rtol=0, atol=DUMMIES)
    # xbd is the dummy regression's fitted value; residuals are unweighted, as Stata's
    np.testing.assert_allclose(r.predict(what="xbd"), sm.fittedvalues, rtol=0, atol=DUMMIES)
    np.testing.assert_allclose(r.predict(what="residuals"), sm.resid, rtol=0, atol=DUMMIES)
