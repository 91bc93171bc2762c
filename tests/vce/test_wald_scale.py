"""Every Wald/F statistic is invariant to rescaling a regressor (issue 8), for every
registered variance type.

Reference: the same model with the regressor unscaled. Rescaling ``x -> c x`` changes
``b -> b / c`` and ``V -> V / c^2`` for every linear sandwich estimator, so F, its
degrees of freedom and p are mathematically unchanged; they are compared at 1e-8 (the
covariance of the rescaled fit differs from the original only by rounding, ~1e-13, and
the F test inverts it; 1e-8 leaves the head-room REL_REFERENCE documents).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import vcereg
from tests.tolerances import REL_REFERENCE
from tests.vce.test_properties import NAMES, _panel, _vce_string
from vcereg.inference import wald_test


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    d = _panel(5)
    return d.assign(x3=d["x1"] * 0.3 + np.random.default_rng(2).normal(size=len(d)))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("factor", [1e5, 1e-5, 1e9])
def test_model_f_invariant_to_rescaling_a_regressor(data, name, factor):
    vce = _vce_string(name)
    base = vcereg.regress(f"y ~ x1 + x2 + x3 | vce({vce})", data)
    scaled = vcereg.regress(f"y ~ x1 + x2 + x3 | vce({vce})", data.assign(x2=data["x2"] * factor))
    assert scaled.f_df == base.f_df
    assert base.f_df[0] == 3
    np.testing.assert_allclose(scaled.fstat, base.fstat, rtol=REL_REFERENCE)
    np.testing.assert_allclose(scaled.f_pvalue, base.f_pvalue, rtol=REL_REFERENCE)
    assert not any("constraint" in n for n in scaled.notes)


def test_issue_case_income_in_dollars():
    """``y ~ x1 + inc`` with inc's sd near 1e5 reported F(1, 497) and a false note."""
    rng = np.random.default_rng(0)
    n = 500
    d = pd.DataFrame({"x1": rng.normal(size=n), "inc": rng.normal(5e4, 1e5, n)})
    d["y"] = d["x1"] + 1e-5 * d["inc"] + rng.normal(size=n)
    for vce in ("ols", "robust", "hc3"):
        r = vcereg.regress(f"y ~ x1 + inc | vce({vce})", d)
        ref = vcereg.regress(f"y ~ x1 + inc | vce({vce})", d.assign(inc=d["inc"] / 1e5))
        assert r.f_df == (2.0, 497.0)
        np.testing.assert_allclose(r.fstat, ref.fstat, rtol=REL_REFERENCE)


def test_year_squared():
    rng = np.random.default_rng(1)
    d = pd.DataFrame({"year": rng.integers(1990, 2021, 300).astype("int16")})
    d["y"] = 0.2 * d["year"] + rng.normal(size=300)
    r = vcereg.regress("y ~ year + I(year**2) | vce(robust)", d)
    assert r.f_df == (2.0, 297.0)


def test_wald_still_drops_truly_singular_directions():
    """Two clusters: the meat has rank 1, so only one constraint can be tested."""
    v = np.array([[4e10, 2e5], [2e5, 1.0]])  # rank 1, very different scales
    t = wald_test(np.array([1e5, 0.5]), v, 1.0)
    assert (t.df_num, t.dropped) == (1, 1)


def test_wald_against_textbook_formula():
    """Full rank: F = b' V^-1 b / q, computed here with a plain solve."""
    rng = np.random.default_rng(3)
    a = rng.normal(size=(4, 4))
    v = a @ a.T * np.outer([1, 1e4, 1e-4, 1e8], [1, 1e4, 1e-4, 1e8])
    b = rng.normal(size=4) * np.array([1, 1e4, 1e-4, 1e8])
    t = wald_test(b, v, 50.0)
    d = np.array([1, 1e4, 1e-4, 1e8])
    ref = (b / d) @ np.linalg.solve(v / np.outer(d, d), b / d) / 4
    np.testing.assert_allclose(t.stat, ref, rtol=REL_REFERENCE)
    assert t.df_num == 4


def test_singular_covariance_keeps_constraints_in_order():
    """Stata's ``test`` drops a constraint that is a combination of earlier ones; with two
    clusters the meat has rank 1, so F(1, 1) is the first slope's t squared."""

    d = vcereg.datasets.load("student-mat")
    r = vcereg.regress("G3 ~ absences + age + C(school) | vce(cluster school)", d)
    assert r.f_df == (1.0, 1.0)
    np.testing.assert_allclose(r.fstat, float(r.tstat["absences"]) ** 2, rtol=REL_REFERENCE)


def test_first_stage_f_invariant_to_rescaling_an_instrument(data):
    noise = np.random.default_rng(4).normal(size=(len(data), 2))
    d = data.assign(z1=data["x1"] + noise[:, 0] * 2, z2=data["x3"] + noise[:, 1])
    model = "y ~ x2 | iv(x1 ~ z1 + z2)"
    base = vcereg.regress(model, d)
    scaled = vcereg.regress(model, d.assign(z2=d["z2"] * 1e7, x2=d["x2"] * 1e-6))
    first = [n for n in base.notes if n.startswith("first stage")]
    assert first and first == [n for n in scaled.notes if n.startswith("first stage")]
    np.testing.assert_allclose(scaled.fstat, base.fstat, rtol=REL_REFERENCE)


def test_hausman_invariant_to_rescaling_a_regressor(grunfeld):
    """The Hausman statistic decided its rank on the unscaled V_b - V_B."""
    d = grunfeld[grunfeld.firm != "American Steel"].reset_index(drop=True)
    fits = []
    for data in (d, d.assign(value=d["value"] * 1e6)):
        fe = vcereg.regress("invest ~ value + capital | panel(firm year, fe)", data)
        re = vcereg.regress("invest ~ value + capital | panel(firm year)", data)
        fits.append(vcereg.hausman(fe, re))
    assert fits[0].df == fits[1].df == 2
    np.testing.assert_allclose(fits[1].stat, fits[0].stat, rtol=1e-6)


@pytest.mark.parametrize("vce", ["robust", "hc3", "ols"])
def test_model_f_with_regressors_on_wildly_different_scales(vce: str) -> None:
    """Found by the differential test: with slope variances spanning ~1e27 a robust
    covariance passed the iid shortcut's proportionality check (only its largest entry was
    compared) and F came out 20.0 instead of 23.7. Reference: statsmodels on columns scaled
    to unit norm, F = b' V^-1 b / q (the Wald F is invariant to that scaling)."""
    import statsmodels.api as sm

    rng = np.random.default_rng(3)
    n = 60
    d = pd.DataFrame({
        "x0": rng.integers(-(10**9), 10**9, n),  # int64, as read from a file
        "tiny": 1e-5 * rng.normal(size=n),
        "huge": 1e6 + 1e5 * rng.normal(size=n),
    })  # fmt: skip
    d["y"] = d.x0 / 1e9 + d.tiny * 1e5 + (d.huge - 1e6) / 1e5 + rng.normal(size=n)
    ours = vcereg.regress(f"y ~ x0 + tiny + huge - 1 | vce({vce})", d)
    x = d[["x0", "tiny", "huge"]].to_numpy(float)
    x /= np.linalg.norm(x, axis=0)
    cov_type = {"robust": "HC1", "hc3": "HC3", "ols": "nonrobust"}[vce]
    ref = sm.OLS(d["y"].to_numpy(), x).fit(cov_type=cov_type)
    b, v = ref.params, ref.cov_params()
    assert ours.f_df[0] == 3
    assert ours.fstat == pytest.approx(float(b @ np.linalg.solve(v, b)) / 3, rel=REL_REFERENCE)
