"""Row accounting, collinearity, safe mode and the never-modify-the-input rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

import vcereg
from vcereg.errors import CollinearityWarning, DroppedRowsWarning, UnsafeExpressionError


@pytest.fixture
def messy() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 200
    d = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "z": rng.uniform(0.1, 3, n),
            "g": rng.integers(0, 30, n).astype(float),
            "w": rng.uniform(1, 2, n),
        }
    )
    d["y"] = 1 + d["x"] + rng.normal(size=n)
    d.loc[[0, 1, 2], "x"] = np.nan
    d.loc[[2, 3], "y"] = np.nan
    d.loc[[4], "g"] = np.nan
    d.loc[[5], "w"] = 0.0
    d.loc[[6], "z"] = 0.0  # log(0) = -inf
    return d


def test_listwise_deletion_is_counted_and_reported(messy):
    with pytest.warns(DroppedRowsWarning, match="5 row"):
        r = vcereg.regress("y ~ x | vce(cluster g)", messy)
    assert r.rows.dropped_missing == 5  # rows 0-4 (row 2 misses two variables)
    assert r.rows.missing == {"y": 2, "x": 3, "g": 1}
    assert r.nobs == 195 and r.n_dropped == 5
    assert any("5 row(s) dropped because of missing values" in n for n in r.notes)
    ref = smf.ols("y ~ x", messy.dropna(subset=["y", "x", "g"])).fit()
    np.testing.assert_allclose(r.params, ref.params, rtol=1e-10)


def test_nonfinite_transform_and_zero_weight_are_counted(messy):
    with pytest.warns(DroppedRowsWarning):
        r = vcereg.regress("y ~ x + np.log(z) | weights(w)", messy)
    assert r.rows.dropped_nonfinite == 1
    assert r.rows.dropped_zero_weight == 1
    assert r.nobs == 200 - 4 - 2


def test_input_is_never_modified(messy):
    before = messy.copy(deep=True)
    vcereg.regress("y ~ x + np.log(z) + C(g) | weights(w) | vce(cluster g)", messy)
    pd.testing.assert_frame_equal(messy, before)


def test_collinear_terms_are_omitted_like_stata(student):
    d = student.assign(absences2=2 * student["absences"], const=1.0)
    with pytest.warns(CollinearityWarning, match="absences2"):
        r = vcereg.regress("G3 ~ absences + absences2 + age", d)
    assert r.omitted == ("absences2",)
    assert r.params["absences2"] == 0 and np.isnan(r.se["absences2"])
    ref = vcereg.regress("G3 ~ absences + age", d)
    np.testing.assert_allclose(r.params[["Intercept", "absences", "age"]], ref.params, rtol=1e-10)
    assert r.df_resid == ref.df_resid
    assert any("omitted because of collinearity" in n for n in r.notes)


def test_categorical_terms_match_statsmodels(student):
    r = vcereg.regress("G3 ~ absences + C(Mjob) + sex | vce(robust)", student)
    ref = smf.ols("G3 ~ absences + C(Mjob) + sex", student).fit(cov_type="HC1", use_t=True)
    names = list(ref.params.index)  # patsy orders terms differently; same names
    assert sorted(names) == sorted(r.terms)
    np.testing.assert_allclose(r.params[names], ref.params, rtol=1e-10)
    np.testing.assert_allclose(r.cov.loc[names, names], ref.cov_params(), rtol=1e-8)
    assert r.terms[0] == "Intercept"


def test_safe_mode_blocks_code_and_unsafe_mode_allows_context(student):
    with pytest.raises(UnsafeExpressionError):
        vcereg.regress("G3 ~ myfun(absences)", student)
    r = vcereg.regress(
        "G3 ~ myfun(absences)", student, safe=False, context={"myfun": lambda v: v * 2.0}
    )
    base = vcereg.regress("G3 ~ absences", student)
    np.testing.assert_allclose(r.params.iloc[1] * 2, base.params.iloc[1], rtol=1e-10)


def test_intercept_only_and_no_intercept(student):
    r = vcereg.regress("G3 ~ 1", student)
    np.testing.assert_allclose(r.params["Intercept"], student["G3"].mean(), rtol=1e-12)
    r0 = vcereg.regress("G3 ~ absences - 1", student)
    ref = smf.ols("G3 ~ absences - 1", student).fit()
    np.testing.assert_allclose(r0.rsquared, ref.rsquared, rtol=1e-10)  # uncentred, as Stata
    assert np.isnan(r.fstat)


def test_f_statistic_matches_statsmodels_wald(student):
    r = vcereg.regress("G3 ~ absences + age + studytime | vce(cluster Mjob)", student)
    ref = smf.ols("G3 ~ absences + age + studytime", student).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(student["Mjob"])[0]}, use_t=True
    )
    w = ref.f_test("absences = 0, age = 0, studytime = 0")
    np.testing.assert_allclose(r.fstat, float(np.squeeze(w.fvalue)), rtol=1e-8)
    assert r.f_df == (3.0, 4)


def test_confidence_level_and_tidy(student):
    r = vcereg.regress("G3 ~ absences", student, level=90)
    ref = smf.ols("G3 ~ absences", student).fit()
    np.testing.assert_allclose(r.conf_int().to_numpy(), ref.conf_int(0.10).to_numpy(), rtol=1e-10)
    t = r.tidy(95)
    assert list(t.columns) == ["estimate", "std_error", "t", "p", "ci_low", "ci_high"]
    np.testing.assert_allclose(t["ci_low"], ref.conf_int(0.05)[0], rtol=1e-10)
