"""Wald tests and lincom against statsmodels' f_test / wald_test / t_test.

Convention mapping: a vcereg fit with t inference (Stata's default) gives F(q, df) as
statsmodels' ``f_test`` on a fit with the same covariance and ``use_t=True``; a fit with
normal inference (``ssc="statsmodels"`` for robust variances) gives chi2(q) as
``wald_test(..., use_f=False)``. Tolerance REL_REFERENCE: the same quadratic form solved
by a Cholesky factor of the kept constraints here and by pinv there (they agree whenever
no constraint is dropped).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import vcereg
from tests.tolerances import REL_REFERENCE
from vcereg.errors import HypothesisError
from vcereg.postestimation.hypotheses import parse_restrictions


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 300
    g = rng.integers(1, 5, n)
    x1 = rng.normal(size=n)
    x2 = rng.normal(size=n) + 0.3 * x1
    x10 = rng.normal(size=n)
    y = 1 + 0.5 * x1 + 0.4 * x2 - 0.1 * x10 + 0.2 * g + rng.normal(size=n) * (1 + abs(x1))
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2, "x10": x10, "g": g.astype("int8")})


def _sm(data: pd.DataFrame, **fit: object) -> sm.regression.linear_model.RegressionResults:
    x = sm.add_constant(data[["x1", "x2", "x10"]])
    return sm.OLS(data["y"], x).fit(**fit)


HYPOTHESES = [
    ("x1 = x2", [[0, 1, -1, 0]], [0]),
    ("x1 = 0, x2 = 0", [[0, 1, 0, 0], [0, 0, 1, 0]], [0, 0]),
    ("x1 + 2*x2 = 1", [[0, 1, 2, 0]], [1]),
    ("(x1 = 0) (x10 = 0)", [[0, 1, 0, 0], [0, 0, 0, 1]], [0, 0]),
    ("x1 x2 x10", [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], [0, 0, 0]),
    ("2*(x1 - x2)/4 + _cons = x10 - 0.5", [[1, 0.5, -0.5, -1]], [-0.5]),
]


@pytest.mark.parametrize(("text", "R", "r"), HYPOTHESES)
def test_parser(text, R, r):
    got_R, got_r = parse_restrictions(
        text, ["Intercept", "x1", "x2", "x10"], {"_cons": "Intercept"}
    )
    np.testing.assert_array_equal(got_R, np.array(R, dtype=float))
    np.testing.assert_array_equal(got_r, np.array(r, dtype=float))


@pytest.mark.parametrize(("text", "R", "r"), HYPOTHESES)
@pytest.mark.parametrize("vce", ["ols", "robust"])
def test_f_test_matches_statsmodels(data, text, R, r, vce):
    res = vcereg.regress(f"y ~ x1 + x2 + x10 | vce({vce})", data)
    ref_fit = _sm(data) if vce == "ols" else _sm(data, cov_type="HC1", use_t=True)
    ref = ref_fit.f_test((np.array(R, dtype=float), np.array(r, dtype=float)))
    got = res.test(text)
    assert got.distribution == "F" and got.df == (len(R), ref.df_denom)
    np.testing.assert_allclose(got.stat, float(np.squeeze(ref.fvalue)), rtol=REL_REFERENCE)
    np.testing.assert_allclose(got.pvalue, float(ref.pvalue), rtol=1e-7)


def test_chi2_with_normal_inference_matches_statsmodels_wald(data):
    res = vcereg.regress("y ~ x1 + x2 + x10 | vce(robust)", data, ssc="statsmodels")
    ref = _sm(data, cov_type="HC1").wald_test("x1 = 0, x2 = 0", use_f=False, scalar=True)
    got = res.test("x1 = 0, x2 = 0")
    assert got.distribution == "chi2" and got.df == (2,)
    np.testing.assert_allclose(got.stat, float(ref.statistic), rtol=REL_REFERENCE)
    np.testing.assert_allclose(got.pvalue, float(ref.pvalue), rtol=1e-7)


@pytest.mark.parametrize("expr", ["x1 + 2*x2", "x1 - x2", "x10", "3*_cons - x1/2 + 1"])
def test_lincom_matches_statsmodels_t_test(data, expr):
    res = vcereg.regress("y ~ x1 + x2 + x10 | vce(robust)", data)
    R, r = parse_restrictions(expr, res.terms, {"_cons": "Intercept"})
    ref = _sm(data, cov_type="HC1", use_t=True).t_test((R, r))
    got = res.lincom(expr)
    assert list(got.columns) == list(res.tidy().columns) and got.index[0] == expr
    row = got.iloc[0]
    # the estimate is the expression's value R b - r; statsmodels' effect is R b
    shift = -float(r[0])
    np.testing.assert_allclose(
        row["estimate"], float(np.squeeze(ref.effect)) + shift, rtol=REL_REFERENCE
    )
    np.testing.assert_allclose(row["t"], float(np.squeeze(ref.tvalue)), rtol=REL_REFERENCE)
    np.testing.assert_allclose(row["std_error"], float(np.squeeze(ref.sd)), rtol=REL_REFERENCE)
    np.testing.assert_allclose(row["p"], float(np.squeeze(ref.pvalue)), rtol=1e-7)
    np.testing.assert_allclose(
        row[["ci_low", "ci_high"]].to_numpy(dtype=float),
        np.squeeze(ref.conf_int()) + shift,
        rtol=REL_REFERENCE,
    )


def test_lincom_of_one_coefficient_is_its_tidy_row(data):
    res = vcereg.regress("y ~ x1 + x2 + x10 | vce(hc2 g, dfadjust)", data)
    np.testing.assert_allclose(
        res.lincom("x2").to_numpy(), res.tidy().loc[["x2"]].to_numpy(), rtol=1e-12
    )


def test_factor_and_stata_display_names(data):
    a = vcereg.stata("regress y x1 i.g, vce(robust)", data)
    b = vcereg.regress("y ~ x1 + C(g) | vce(robust)", data)
    t1 = a.test("2.g = 3.g")
    t2 = b.test("C(g)[T.2] = C(g)[T.3]")
    t3 = b.test("2.g = 3.g")  # Stata spelling on a DSL fit too
    assert t1.stat == pytest.approx(t2.stat, rel=1e-10) == t3.stat
    joint = a.test("2.g 3.g 4.g")
    assert joint.df[0] == 3
    assert "2.g - 3.g = 0" in str(t1)
    lc = a.lincom("_b[2.g] - _b[3.g]")
    assert lc.iloc[0]["estimate"] == pytest.approx(a.params.iloc[2] - a.params.iloc[3])


def test_rank_is_scale_invariant_and_dropped_constraints_are_counted(data):
    d = data.assign(huge=data["x1"] * 1e9)
    res = vcereg.regress("y ~ huge + x2", d)
    once = res.test("huge = 0")
    twice = res.test("huge = 0, 1e9*huge = 0")
    assert twice.df[0] == 1 and twice.dropped == 1
    assert twice.stat == pytest.approx(once.stat, rel=1e-9)
    tiny = res.test("huge = 0, x2 = 0")  # coefficients at 1e-9 and 1e-1: both kept
    assert tiny.df[0] == 2 and tiny.dropped == 0


def test_omitted_coefficient_is_dropped(data):
    d = data.assign(dup=data["x1"] * 2)
    with pytest.warns(vcereg.VceregWarning):
        res = vcereg.regress("y ~ x1 + dup + x2", d)
    out = res.test("dup = 0, x2 = 0")
    assert out.dropped == 1 and out.df[0] == 1


def test_longest_name_wins(data):
    R, _ = parse_restrictions("x10 = x1", ["x1", "x10"])
    assert R.tolist() == [[-1.0, 1.0]]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("x3 = 0", "unknown coefficient 'x3'"),
        ("x1*x2 = 0", "linear in the coefficients"),
        ("x1 == 0", "one '='"),
        ("", "empty hypothesis"),
        ("x1 = ", "expected an expression after '='"),
        ("x1 = 0,", "empty restriction"),
        ("(x1 = 0", "unbalanced"),
        ("3 = 2", "involves no coefficient"),
        ("x1 / (x2 - x2)", "division by zero"),
        ("x1 / x2", "linear"),
    ],
)
def test_bad_hypotheses_are_clear(data, text, match):
    res = vcereg.regress("y ~ x1 + x2", data)
    with pytest.raises(HypothesisError, match=match):
        res.test(text)


def test_unknown_name_suggests_the_closest(data):
    res = vcereg.regress("y ~ x1 + x2", data)
    with pytest.raises(HypothesisError) as err:
        res.lincom("x_1 + x2")
    assert "did you mean 'x1'?" in str(err.value) and "^" in str(err.value)


@pytest.mark.parametrize("vce", ["ols", "robust", "cluster g"])
def test_testing_every_slope_is_the_model_f_test(data, vce):
    # one rule for both: with g's 4 clusters the cluster covariance has rank 3, so of
    # the 3 slopes' constraints Stata's test keeps what the model F keeps
    res = vcereg.regress(f"y ~ x1 + x2 + x10 | vce({vce})", data)
    out = res.test("x1 = 0, x2 = 0, x10 = 0")
    assert out.df == (res.f_df[0], res.f_df[1])
    assert out.stat == pytest.approx(res.fstat, rel=1e-9)
    assert out.pvalue == pytest.approx(res.f_pvalue, rel=1e-9, abs=1e-300)


def test_singular_cluster_covariance_drops_constraints_in_order(data):
    # 4 clusters: the meat has rank 3, so with 4 slopes one constraint must go, and it is
    # the last one (Stata: "constraint 4 dropped"), not an eigen-direction
    res = vcereg.regress("y ~ x1 + x2 + x10 + C(g) | vce(cluster g)", data)
    names = [t for t in res.terms if t != "Intercept"]
    out = res.test(", ".join(f"{n} = 0" for n in names))
    assert out.dropped == len(names) - 3 and out.df[0] == 3
    kept = res.test(", ".join(f"{n} = 0" for n in names[:3]))
    assert out.stat == pytest.approx(kept.stat, rel=1e-9)
