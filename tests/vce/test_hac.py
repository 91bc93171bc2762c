"""Newey-West and Driscoll-Kraay against statsmodels and Stata.

Convention mapping (statsmodels 0.15):

- ``vce(hac t, lags(L))`` = ``cov_type="HAC", cov_kwds={"maxlags": L, "use_correction":
  True}, use_t=True`` (Stata's newey: N/(N-K), t(N-K)); statsmodels needs the rows in
  time order, vcereg does not.
- ``vce(hac t id, lags(L))`` = ``cov_type="hac-panel", cov_kwds={"groups": id, "maxlags":
  L, "use_correction": "hac"}`` on rows sorted by (id, t).
- ``vce(dk t, lags(L))`` = ``cov_type="hac-groupsum", cov_kwds={"time": t, "maxlags": L,
  "use_correction": "cluster"}`` (T/(T-1)(N-1)/(N-K)); ``ase`` = ``use_correction=False``.

Tolerance REL_REFERENCE (1e-8): same sums in a different order. Stata numbers (see
tests/reference/make_stata_grunfeld_hac.py) agree to 1e-6: Stata read the data in float.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import vcereg
from tests.tolerances import REL_REFERENCE
from vcereg.errors import DataError, VceOptionError
from vcereg.vce.hac import default_lags, kernel_weights

DATA = Path(__file__).resolve().parents[1] / "data"
REF = json.loads(
    (Path(__file__).resolve().parents[1] / "reference" / "stata_grunfeld_hac.json").read_text()
)
REL_STATA = 1e-6


@pytest.fixture(scope="module")
def grunfeld() -> pd.DataFrame:
    d = pd.read_csv(DATA / "grunfeld.csv")
    return d.sort_values(["firm", "year"]).reset_index(drop=True)


def _sm(d: pd.DataFrame) -> sm.OLS:
    return sm.OLS(d["invest"], sm.add_constant(d[["value", "capital"]]))


def _order(cov: np.ndarray) -> np.ndarray:
    """statsmodels puts the constant first; vcereg's terms are Intercept, value, capital."""
    return np.asarray(cov)


@pytest.mark.parametrize("lags", [0, 1, 2, 4])
def test_newey_west_time_series_matches_statsmodels(grunfeld, lags):
    gm = grunfeld[grunfeld["firm"] == "General Motors"]
    ref = _sm(gm).fit(
        cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}, use_t=True
    )
    shuffled = gm.sample(frac=1.0, random_state=1)  # vcereg sorts by time itself
    r = vcereg.regress(f"invest ~ value + capital | vce(hac year, lags({lags}))", shuffled)
    np.testing.assert_allclose(r.cov.to_numpy(), ref.cov_params().to_numpy(), rtol=REL_REFERENCE)
    np.testing.assert_allclose(r.pvalue.to_numpy(), ref.pvalues.to_numpy(), rtol=1e-7)
    assert r.df_inference == ref.df_resid == 17


@pytest.mark.parametrize("lags", [1, 3, 7])
def test_newey_west_panel_matches_statsmodels_hac_panel(grunfeld, lags):
    groups = pd.factorize(grunfeld["firm"])[0]
    ref = _sm(grunfeld).fit(
        cov_type="hac-panel", cov_kwds={"groups": groups, "maxlags": lags, "use_correction": "hac"}
    )
    r = vcereg.regress(
        f"invest ~ value + capital | vce(hac year firm, lags({lags}))",
        grunfeld.sample(frac=1.0, random_state=2),
    )
    np.testing.assert_allclose(r.cov.to_numpy(), ref.cov_params().to_numpy(), rtol=REL_REFERENCE)


@pytest.mark.parametrize("lags", [0, 2, 4])
def test_driscoll_kraay_matches_statsmodels_hac_groupsum(grunfeld, lags):
    time = (grunfeld["year"] - grunfeld["year"].min()).astype(int).to_numpy()
    for corr, ase in (("cluster", ""), (False, " ase")):
        ref = _sm(grunfeld).fit(
            cov_type="hac-groupsum",
            cov_kwds={"time": time, "maxlags": lags, "use_correction": corr},
        )
        r = vcereg.regress(f"invest ~ value + capital | vce(dk year, lags({lags}){ase})", grunfeld)
        np.testing.assert_allclose(
            r.cov.to_numpy(), ref.cov_params().to_numpy(), rtol=REL_REFERENCE
        )
        assert r.df_inference == 19  # T - 1


def test_newey_after_xtset_matches_stata(grunfeld):
    d = pd.read_csv(DATA / "grunfeld.csv").iloc[:200]
    r = vcereg.stata("xtset firm year\nnewey invest value capital, lag(4) force", d)
    ref = REF["newey_lag4"]
    order = [1, 2, 0]  # Stata: value, capital, _cons
    np.testing.assert_allclose(
        r.cov.to_numpy()[np.ix_(order, order)], np.array(ref["cov"]), rtol=REL_STATA
    )
    assert r.df_inference == ref["df_r"]


def test_xtscc_ase_matches_stata_xtscc_without_factor(grunfeld):
    d = pd.read_csv(DATA / "grunfeld.csv").iloc[:200]
    r = vcereg.stata("xtset firm year\nxtscc invest value capital, lag(4) ase", d)
    order = [1, 2, 0]
    np.testing.assert_allclose(
        r.cov.to_numpy()[np.ix_(order, order)],
        np.array(REF["xtscc_lag4_v1_1"]["cov"]),
        rtol=REL_STATA,
    )
    default = vcereg.stata("xtset firm year\nxtscc invest value capital, lag(4)", d)
    n, k, t = 200, 3, 20
    np.testing.assert_allclose(
        default.cov.to_numpy(), r.cov.to_numpy() * t / (t - 1) * (n - 1) / (n - k), rtol=1e-12
    )


def test_kernels_and_lag_rule_from_their_formulas():
    # Newey & West (1994) rule of thumb, as xtscc and statsmodels
    assert [default_lags(t) for t in (20, 100, 200, 1000)] == [
        int(np.floor(4 * (t / 100) ** (2 / 9))) for t in (20, 100, 200, 1000)
    ]
    np.testing.assert_allclose(kernel_weights("bartlett", 4, 50), 1 - np.arange(1, 5) / 5)
    z = np.arange(1, 5) / 5
    parzen = np.where(z <= 0.5, 1 - 6 * z**2 + 6 * z**3, 2 * (1 - z) ** 3)
    np.testing.assert_allclose(kernel_weights("parzen", 4, 50), parzen)
    x = np.arange(1, 30) / 5
    qs = (
        25
        / (12 * np.pi**2 * x**2)
        * (np.sin(6 * np.pi * x / 5) / (6 * np.pi * x / 5) - np.cos(6 * np.pi * x / 5))
    )
    np.testing.assert_allclose(kernel_weights("qs", 4, 29), qs)


def test_quadratic_spectral_kernel_is_the_transform_of_its_spectral_window():
    """Andrews (1991): the QS kernel is the Fourier transform of the quadratic (Epanechnikov)
    spectral window, k(x) = int_{-1}^{1} (3/4)(1 - u^2) cos(6 pi x u / 5) du, computed here by
    numerical quadrature, not from the closed form the package uses."""
    from scipy.integrate import quad

    lags = 4
    x = np.arange(1, 40) / (lags + 1)
    want = [
        quad(lambda u, v=v: 0.75 * (1 - u * u) * np.cos(6 * np.pi * v * u / 5), -1, 1)[0] for v in x
    ]
    np.testing.assert_allclose(kernel_weights("qs", lags, 39), want, rtol=0, atol=1e-12)


@pytest.mark.parametrize("lags", [2, 5])
def test_quadratic_spectral_hac_matches_linearmodels(grunfeld, lags):
    """vce(hac year, lags(L) kernel(qs)) = linearmodels' kernel covariance with the
    quadratic-spectral kernel and bandwidth L + 1 (its weights 3/z^2 (sin z/z - cos z),
    z = 6 pi j / (5 bw), over every lag), N/(N-K) (debiased), on one time series."""
    lm_iv = pytest.importorskip("linearmodels.iv")
    gm = grunfeld[grunfeld["firm"] == "General Motors"].sort_values("year")
    r = vcereg.regress(f"invest ~ value + capital | vce(hac year, lags({lags}) kernel(qs))", gm)
    exog = sm.add_constant(gm[["value", "capital"]])
    ref = lm_iv.IV2SLS(gm["invest"], exog, None, None).fit(
        cov_type="kernel", kernel="qs", bandwidth=lags + 1, debiased=True
    )
    np.testing.assert_allclose(
        r.cov.to_numpy(),
        ref.cov.loc[["const", "value", "capital"]].to_numpy()[:, [0, 1, 2]],
        rtol=REL_REFERENCE,
    )


@pytest.mark.parametrize("kernel", ["parzen", "qs"])
def test_other_kernels_against_a_brute_force_sum(grunfeld, kernel):
    gm = grunfeld[grunfeld["firm"] == "General Motors"].reset_index(drop=True)
    x = sm.add_constant(gm[["value", "capital"]]).to_numpy()
    y = gm["invest"].to_numpy()
    bread = np.linalg.inv(x.T @ x)
    s = x * (y - x @ bread @ x.T @ y)[:, None]
    n = len(y)
    w = kernel_weights(kernel, 3, n - 1)
    meat = s.T @ s
    for j in range(1, len(w) + 1):
        for t in range(j, n):
            g = np.outer(s[t], s[t - j])
            meat += w[j - 1] * (g + g.T)
    want = n / (n - 3) * bread @ meat @ bread
    r = vcereg.regress(f"invest ~ value + capital | vce(hac year, lags(3) kernel({kernel}))", gm)
    np.testing.assert_allclose(r.cov.to_numpy(), want, rtol=REL_REFERENCE)


def test_default_lags_are_reported(grunfeld):
    r = vcereg.regress("invest ~ value | vce(dk year)", grunfeld)
    assert any("chosen by Newey-West's rule" in n and "T = 20" in n for n in r.notes)
    assert r.vce_label == "Driscoll-Kraay (2 lags)"


def test_user_data_types(grunfeld):
    d = grunfeld.assign(
        year16=grunfeld["year"].astype("int16"),
        yearN=grunfeld["year"].astype("Int64"),
        value=grunfeld["value"] * 1e5,
    )
    a = vcereg.regress("invest ~ value | vce(dk year16, lags(2))", d)
    b = vcereg.regress("invest ~ value | vce(dk yearN, lags(2))", d)
    np.testing.assert_allclose(a.cov, b.cov, rtol=1e-12)
    d.loc[3, "invest"] = np.nan
    c = vcereg.regress("invest ~ value | vce(hac year firm, lags(2))", d)
    assert c.nobs == len(d) - 1


def test_hac_refuses_clearly(grunfeld):
    with pytest.raises(DataError, match="repeated values of the time variable"):
        vcereg.regress("invest ~ value | vce(hac year, lags(2))", grunfeld)
    with pytest.raises(VceOptionError, match="unknown kernel 'parzn'"):
        vcereg.regress("invest ~ value | vce(hac year firm, kernel(parzn))", grunfeld)
    with pytest.raises(VceOptionError, match="non-negative integer"):
        vcereg.regress("invest ~ value | vce(dk year, lags(two))", grunfeld)
    with pytest.raises(VceOptionError, match="takes 1 to 2 argument"):
        vcereg.regress("invest ~ value | vce(hac)", grunfeld)


def test_xtscc_fe_is_driscoll_kraay_on_the_within_regression(grunfeld):
    """xtscc, fe: Driscoll-Kraay on the panel-demeaned data; K in (N-1)/(N-K) counts the
    slopes and the constant, as xtreg, fe does."""
    r = vcereg.stata("xtset firm year\nxtscc invest value capital, lag(3) fe", grunfeld)
    dm = grunfeld[["invest", "value", "capital"]] - grunfeld.groupby("firm")[
        ["invest", "value", "capital"]
    ].transform("mean")
    x, y = dm[["value", "capital"]].to_numpy(), dm["invest"].to_numpy()
    bread = np.linalg.inv(x.T @ x)
    s = x * (y - x @ bread @ x.T @ y)[:, None]
    t = pd.factorize(grunfeld["year"], sort=True)[0]
    n_t, n = t.max() + 1, len(y)
    h = np.zeros((n_t, 2))
    np.add.at(h, t, s)
    meat = h.T @ h
    for j in range(1, 4):
        gamma = h[j:].T @ h[:-j]
        meat += (1 - j / 4) * (gamma + gamma.T)
    want = n_t / (n_t - 1) * (n - 1) / (n - 3) * bread @ meat @ bread
    slopes = ["value", "capital"]  # xtscc, fe also reports _cons
    np.testing.assert_allclose(r.cov.loc[slopes, slopes].to_numpy(), want, rtol=REL_REFERENCE)
    assert r.df_inference == n_t - 1


def test_weighted_hac_and_dk_match_statsmodels_wls(grunfeld):
    """With analytic weights the scores are those of the sqrt(w)-transformed regression,
    as statsmodels' WLS uses (wexog, wresid); Stata's aweights are normalised to sum N,
    which leaves the WLS covariance unchanged."""
    w = 1 + (grunfeld["capital"] / grunfeld["capital"].max()).to_numpy()
    d = grunfeld.assign(w=w)
    model = sm.WLS(d["invest"], sm.add_constant(d[["value", "capital"]]), weights=w)
    groups = pd.factorize(d["firm"])[0]
    ref = model.fit(cov_type="hac-panel", cov_kwds={"groups": groups, "maxlags": 2})
    r = vcereg.regress("invest ~ value + capital | vce(hac year firm, lags(2)) | weights(w)", d)
    np.testing.assert_allclose(r.cov.to_numpy(), ref.cov_params().to_numpy(), rtol=REL_REFERENCE)
    time = (d["year"] - d["year"].min()).astype(int).to_numpy()
    ref = model.fit(cov_type="hac-groupsum", cov_kwds={"time": time, "maxlags": 2})
    r = vcereg.regress("invest ~ value + capital | vce(dk year, lags(2)) | weights(w)", d)
    np.testing.assert_allclose(r.cov.to_numpy(), ref.cov_params().to_numpy(), rtol=REL_REFERENCE)
