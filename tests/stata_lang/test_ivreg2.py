"""The ``ivreg2`` command and ivreg2's conventions (also ``ivreghdfe``, built on ivreg2).

References:
- The model F: Stata's printed F of ``ivregress 2sls rent pcturban (hsngval = faminc
  i.region), small`` with ``vce(unadjusted|robust|cluster division)`` on Stata's hsng data
  (linearmodels 7.1, ``tests/iv/results/stata-iv-housing-results.txt``, 11 digits). ivreg2
  reports this small-sample F whatever ``small`` says (ivreg2.ado 4.1.11: ``F =
  r(chi2)/Fdf1 * df_r/N``, with clusters ``* (G-1)/G * (N-K)/(N-1)``), with z statistics
  for the coefficients when ``small`` is absent.
- ``gmm2s``: the efficient two-step GMM estimator and its variance ``(X'Z S1^{-1} Z'X)^{-1}``
  with S1 from the first-step (2SLS) residuals (ivreg2.ado ``s_egmm``: ``V = 1/N *
  invsym(QXZ W QXZ')``), written out in numpy below; and the identity in ivreg2's own
  certification script (cs_ivreg2 4.1.11): ``ivregress gmm ..., wmatrix(robust)
  vce(unadjusted)`` gives the same b and V as ``ivreg2 ..., gmm2s robust``.
- ``ivreghdfe`` without endogenous regressors: the OLS fit with absorbed effects
  (reghdfe-like), against pyfixest's ``feols``.

Tolerance 1e-8 relative (REL_REFERENCE; the Stata F values have 11 digits).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest

import vcereg
from tests.conftest import DATA
from tests.tolerances import REL_REFERENCE as RTOL
from vcereg.stata_lang import parse, unparse

LINE = "ivreg2 rent pcturban (hsngval = faminc reg2 reg3 reg4)"


@pytest.fixture(scope="module")
def hsng() -> pd.DataFrame:
    d = pd.read_csv(DATA / "hsng.csv")
    for k, level in enumerate(sorted(d["region"].unique())[1:], start=2):
        d[f"reg{k}"] = (d["region"] == level).astype(float)
    return d


def _fit(line: str, data: pd.DataFrame) -> vcereg.Results:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", vcereg.errors.VceregWarning)
        return vcereg.stata(line, data)


# Stata's printed F and p-value (ivregress 2sls ..., small; see the module docstring)
STATA_F = {
    "": (42.658273375, 2.731285e-11, 47),
    "robust": (21.141192271, 2.826857e-07, 47),
    "cluster(division)": (138.21462427, 6.258394e-07, 8),
}


@pytest.mark.parametrize("opt", list(STATA_F))
@pytest.mark.parametrize("small", ["", " small"])
def test_model_f_is_the_small_sample_f(hsng, opt, small):
    f, p, df_denom = STATA_F[opt]
    r = _fit(f"{LINE}, {opt}{small}", hsng)
    assert r.df_inference == (None if not small else df_denom)  # z without small
    assert r.f_df == (2.0, df_denom)
    assert r.fstat == pytest.approx(f, rel=1e-9)
    assert r.f_pvalue == pytest.approx(p, rel=1e-6)  # 7 digits printed


def test_ivregress_without_small_keeps_the_wald_chi2(hsng):
    r = _fit("ivregress 2sls rent pcturban (hsngval = faminc reg2 reg3 reg4)", hsng)
    assert r.f_df == (2.0, None)
    assert r.fstat * 2 == pytest.approx(90.762283777, rel=1e-9)  # Stata's printed chi2


def test_ivreghdfe_model_f_does_not_depend_on_small(hsng):
    line = "ivreghdfe rent pcturban (hsngval = faminc), absorb(region) robust"
    a, b = _fit(line, hsng), _fit(line + " small", hsng)
    assert a.df_inference is None and b.df_inference == a.f_df[1]
    assert a.fstat == pytest.approx(b.fstat, rel=1e-12) and a.f_df == b.f_df


def _efficient_gmm(d: pd.DataFrame, cluster: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Two-step efficient GMM written out: 2SLS, S1 from its residuals, then
    b = (X'Z W Z'X)^{-1} X'Z W Z'y and V = (X'Z W Z'X)^{-1} with W = S1^{-1}."""
    n = len(d)
    x = np.column_stack([d["hsngval"], d["pcturban"], np.ones(n)])
    z = np.column_stack([d["pcturban"], np.ones(n), d[["faminc", "reg2", "reg3", "reg4"]]])
    y = d["rent"].to_numpy()
    pz = z @ np.linalg.solve(z.T @ z, z.T)
    b1 = np.linalg.solve(x.T @ pz @ x, x.T @ pz @ y)
    h = z * (y - x @ b1)[:, None]
    if cluster is not None:
        h = pd.DataFrame(h).groupby(d[cluster].to_numpy()).sum().to_numpy()
    w = np.linalg.inv(h.T @ h)
    q = z.T @ x
    v = np.linalg.inv(q.T @ w @ q)
    return v @ q.T @ w @ (z.T @ y), v


@pytest.mark.parametrize("opt", ["robust", "cluster(division)"])
@pytest.mark.parametrize("small", ["", " small"])
def test_gmm2s_variance_uses_the_first_step_weight_matrix(hsng, opt, small):
    cluster = "division" if opt.startswith("cluster") else None
    b, v = _efficient_gmm(hsng, cluster)
    r = _fit(f"{LINE}, gmm2s {opt}{small}", hsng)
    names = ["hsngval", "pcturban", "Intercept"]
    np.testing.assert_allclose(r.params[names], b, rtol=RTOL)
    n, k = len(hsng), 3
    g = hsng["division"].nunique()
    factor = 1.0
    if small:
        factor = (n - 1) / (n - k) * g / (g - 1) if cluster else n / (n - k)
    np.testing.assert_allclose(r.cov.loc[names, names], v * factor, rtol=RTOL)
    # ivregress re-estimates S at the final residuals: a different variance
    wmatrix = "cluster division" if cluster else "robust"
    gmm = "ivregress gmm rent pcturban (hsngval = faminc reg2 reg3 reg4)"
    other = _fit(f"{gmm}, wmatrix({wmatrix}){small}", hsng)
    assert np.max(np.abs(other.cov.loc[names, names].to_numpy() / (v * factor) - 1)) > 1e-3


def test_ivregress_unadjusted_vce_after_gmm_is_ivreg2_gmm2s(hsng):
    """cs_ivreg2 4.1.11: ``ivregress gmm ..., wmatrix(robust) vce(unadjusted)`` = ``ivreg2
    ..., gmm2s robust`` (b and V, tolerance 1e-7 there)."""
    a = _fit(
        "ivregress gmm rent pcturban (hsngval = faminc reg2 reg3 reg4), wmatrix(robust) "
        "vce(unadjusted)",
        hsng,
    )
    b = _fit(f"{LINE}, gmm2s robust", hsng)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-10)
    np.testing.assert_allclose(a.cov, b.cov, rtol=1e-10)
    assert a.vce_label != b.vce_label  # same numbers, labelled OLS there and Robust here


@pytest.mark.parametrize(
    "line",
    [
        "ivreg2 y x (d = z1 z2)",
        "ivreg2 y x (d = z1 z2), robust small first",
        "ivreg2 y x (d = z1 z2), cluster(g) gmm2s",
        "ivreg2 y x (d = z1 z2), cluster(g h) liml noconstant",
        "ivreg2 y x (d = z1 z2), fuller(1) ffirst",
        "ivreg2 y x, robust",
        "ivreghdfe y x, absorb(a)",
    ],
)
def test_ivreg2_lines_round_trip(line):
    spec = parse(line)
    again = parse(unparse(spec))
    assert (again.iv, again.vce.name, again.vce.args, again.ssc) == (
        spec.iv,
        spec.vce.name,
        spec.vce.args,
        spec.ssc,
    )
    assert vcereg.parse(vcereg.to_dsl(spec)).iv == spec.iv


@pytest.mark.parametrize(
    ("line", "match"),
    [
        ("ivreg2 y x (d = z), bw(2) robust", "option bw of ivreg2 is not supported"),
        ("ivreg2 y x (d = z), partial(x)", "option partial of ivreg2 is not supported"),
        ("ivreg2 y x (d = z), vce(robust)", "option vce not allowed with ivreg2"),
        ("ivreg2 y x, liml", "option liml needs instrumented variables"),
    ],
)
def test_ivreg2_refusals_are_clear(line, match):
    with pytest.raises(vcereg.errors.VceregError, match=match):
        parse(line)


def test_ivreg2_without_instruments_is_ols(hsng):
    """As ivreg2 runs it: OLS, with ``small`` the regress numbers, without it large-sample
    z statistics and the small-sample F."""
    a = _fit("ivreg2 rent pcturban faminc, robust small", hsng)
    b = _fit("regress rent pcturban faminc, robust", hsng)
    np.testing.assert_allclose(a.cov, b.cov, rtol=1e-12)
    c = _fit("ivreg2 rent pcturban faminc, robust", hsng)
    n, k = len(hsng), 3
    np.testing.assert_allclose(c.cov * n / (n - k), b.cov, rtol=1e-12)
    assert c.df_inference is None and c.fstat == pytest.approx(b.fstat, rel=1e-12)


@pytest.mark.parametrize("small", ["", " small"])
def test_ivreghdfe_without_endogenous_runs_as_reghdfe(hsng, small):
    """Stata's ivreghdfe fits a model without an instrumented group as OLS with the
    absorbed effects; checked against pyfixest (same small-sample conventions as reghdfe:
    cluster factor G/(G-1)(N-1)/(N-K), K counting the absorbed levels)."""
    r = _fit(f"ivreghdfe rent pcturban faminc, absorb(region) cluster(state){small}", hsng)
    ref = pf.feols("rent ~ pcturban + faminc | region", hsng, vcov={"CRV1": "state"})
    np.testing.assert_allclose(r.params[["pcturban", "faminc"]], ref.coef(), rtol=RTOL)
    assert r.model_label == "HDFE Linear regression"
    if small:
        np.testing.assert_allclose(r.se[["pcturban", "faminc"]], ref.se(), rtol=RTOL)
