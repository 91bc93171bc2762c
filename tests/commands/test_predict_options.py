"""predict's options in a do-file and in Results.predict (issue 20, item 6).

Before, ``predict NAME, stdf`` (or ``, e`` or any unknown option) in a do-file silently
returned xb. Now Stata's regress postestimation statistics are computed, and anything else
is an error listing the valid options.

References, all independent of the closed forms in the package: statsmodels'
``get_prediction`` (``se_obs`` is the forecast standard error, ``sqrt(se_mean^2 + s^2)``;
``fittedvalues`` and ``scale`` give x b and s^2), scipy's ``truncnorm.mean`` for e(a,b), and
numerical integration of the normal density (scipy ``quad``) for pr(a,b) and ystar(a,b).
Tolerance 1e-8: REL_REFERENCE for the statsmodels numbers, and quad's absolute error
(~1e-11 here) for the integrals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import integrate, stats

import vcereg
from tests.tolerances import REL_REFERENCE as RTOL
from vcereg.errors import DataError, StataSyntaxError


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    d = vcereg.datasets.load("student-mat").head(60).reset_index(drop=True)
    return d.assign(lo=np.where(np.arange(60) % 4 == 0, np.nan, 6.0), hi=d["G2"] + 1.0)


@pytest.fixture(scope="module")
def ref(data):
    fit = smf.ols("G3 ~ absences + age", data).fit()
    return fit, np.asarray(fit.fittedvalues), float(np.sqrt(fit.scale))


def _pr(xb: float, s: float, a: float, b: float) -> float:
    return integrate.quad(stats.norm(xb, s).pdf, a, b)[0]


def _ystar(xb: float, s: float, a: float, b: float) -> float:
    dist = stats.norm(xb, s)
    inside = integrate.quad(lambda y: y * dist.pdf(y), a, b)[0]
    return a * dist.cdf(a) + inside + b * dist.sf(b)


def _run(data: pd.DataFrame, option: str) -> np.ndarray:
    run = vcereg.run_do(f"regress G3 absences age\npredict p{option}", data)
    return run.data["p"].to_numpy()


def test_stdf_matches_statsmodels_forecast_se(data, ref):
    fit, _, _ = ref
    want = fit.get_prediction(data).se_obs
    np.testing.assert_allclose(_run(data, ", stdf"), want, rtol=RTOL)
    r = vcereg.regress("G3 ~ absences + age", data)
    np.testing.assert_allclose(r.predict(what="stdf"), want, rtol=RTOL)
    new = data.head(3)
    np.testing.assert_allclose(r.predict(new, what="stdf"), want[:3], rtol=RTOL)


@pytest.mark.parametrize(("a", "b"), [(5.0, 15.0), (-np.inf, 10.0), (8.0, np.inf)])
def test_pr_e_ystar_with_numbers(data, ref, a, b):
    _, xb, s = ref
    text = lambda v: "." if not np.isfinite(v) else f"{v:g}"  # noqa: E731
    bounds = f"{text(a)},{text(b)}"
    pr = _run(data, f", pr({bounds})")
    e = _run(data, f", e({bounds})")
    ystar = _run(data, f", ystar({bounds})")
    lo, hi = (a - xb) / s, (b - xb) / s
    np.testing.assert_allclose(pr, [_pr(m, s, a, b) for m in xb], rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(e, stats.truncnorm.mean(lo, hi, loc=xb, scale=s), rtol=1e-8)
    if np.isfinite(a) and np.isfinite(b):
        np.testing.assert_allclose(ystar, [_ystar(m, s, a, b) for m in xb], rtol=1e-8)
    else:  # one side open: the censored mean on the other side only
        finite = a if np.isfinite(a) else b
        dist = [stats.norm(m, s) for m in xb]
        if np.isfinite(a):
            want = [a * q.cdf(a) + integrate.quad(lambda y, q=q: y * q.pdf(y), a, np.inf)[0]
                    for q in dist]  # fmt: skip
        else:
            want = [integrate.quad(lambda y, q=q: y * q.pdf(y), -np.inf, b)[0] + b * q.sf(b)
                    for q in dist]  # fmt: skip
        assert np.isfinite(finite)
        np.testing.assert_allclose(ystar, want, rtol=1e-8)


def test_bounds_from_columns_and_missing_means_infinite(data, ref):
    _, xb, s = ref
    pr = _run(data, ", pr(lo,hi)")
    lo = data["lo"].fillna(-np.inf).to_numpy()
    hi = data["hi"].to_numpy()
    want = [_pr(m, s, a, b) for m, a, b in zip(xb, lo, hi, strict=True)]
    np.testing.assert_allclose(pr, want, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("option", [", cooksd", ", rstudent", ", score", ", stdr", ", bogus"])
def test_unknown_options_are_refused_with_the_valid_list(data, option):
    with pytest.raises(StataSyntaxError, match=r"not allowed; valid: xb, residuals, stdp, stdf"):
        _run(data, option)


@pytest.mark.parametrize("option", [", e", ", pr", ", ystar(1)", ", xb(1,2)"])
def test_bounds_are_required_exactly_where_stata_takes_them(data, option):
    with pytest.raises(StataSyntaxError, match=r"write (e|pr|ystar)\(a,b\)|write xb"):
        _run(data, option)


def test_abbreviations_still_work(data, ref):
    _, xb, _ = ref
    np.testing.assert_allclose(_run(data, ", r"), data["G3"] - xb, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(_run(data, ", xb"), xb, rtol=RTOL)


def test_normal_predictions_need_regress(data):
    with pytest.raises(DataError, match="available after regress"):
        vcereg.run_do("areg G3 absences, absorb(school)\npredict p, stdf", data)
    r = vcereg.regress("G3 ~ absences | iv(age ~ G1)", data)
    with pytest.raises(DataError, match="available after regress"):
        r.predict(what="pr(0,10)")
    with pytest.raises(DataError, match="bound 'nope'"):
        vcereg.regress("G3 ~ absences", data).predict(what="pr(nope, 3)")
