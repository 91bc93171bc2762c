"""lincom and margins use the model's own inference (issue 20, item 8).

- After ``vce(hc2 g, dfadjust)`` each combination ``c'b`` gets its own Bell-McCaffrey
  degrees of freedom (before, margins used G - 1 and lincom the smallest df of the
  coefficients involved). Reference: a brute-force Bell-McCaffrey computation written here
  (dense N x N hat matrix, scipy's matrix square root, explicit eigenvalues of G'G with
  columns ``(I - H)_{.,g} A_g X_g B c``), tolerance REL_REFERENCE (exact linear algebra on
  both sides).
- After ``vce(wild g)`` the p-value and interval of a combination come from the bootstrap
  with the fit's draws (before: a CRV1 t p-value under the wild label). Reference:
  wildboottest 0.3.2's ``WildboottestCL`` with the combination as its ``R`` vector, under
  full enumeration (2^10 sign vectors): the count of |t*| > |t| agrees to the draw (the
  two exact ties v = +-1 of the restricted bootstrap are set aside, as in test_wild.py).
- After instrumental variables, margins reports z statistics and normal intervals, as
  Stata's margins after ivregress does with or without ``small`` (the issue's statement
  of Stata's behaviour); checked against the normal distribution directly.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.linalg
import statsmodels.api as sm
from scipy import stats
from wildboottest.wildboottest import WildboottestCL

import vcereg
from tests.tolerances import REL_REFERENCE


def _data() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    sizes = np.array([2, 3, 5, 8, 10, 12, 20, 30])
    g = np.repeat(np.arange(len(sizes)), sizes)
    n = g.size
    x1 = rng.normal(size=n) + 0.5 * g
    x2 = rng.normal(size=n)
    e = rng.normal(size=n) * (1 + np.abs(x1)) + rng.normal(size=len(sizes))[g]
    return pd.DataFrame({"y": 1 + 0.5 * x1 - 0.2 * x2 + e, "x1": x1, "x2": x2, "g": g})


def _bm_df(x: np.ndarray, clusters: np.ndarray, c: np.ndarray) -> float:
    """Bell-McCaffrey df of c'b for OLS with CR2, the slow way."""
    n = x.shape[0]
    bread = np.linalg.inv(x.T @ x)
    ih = np.eye(n) - x @ bread @ x.T
    cols = []
    for lev in np.unique(clusters):
        idx = np.flatnonzero(clusters == lev)
        a = np.real(np.linalg.inv(scipy.linalg.sqrtm(ih[np.ix_(idx, idx)])))
        cols.append(ih[:, idx] @ (a @ x[idx] @ bread @ c))
    gm = np.column_stack(cols)
    lam = np.linalg.eigvalsh(gm.T @ gm)
    return float(lam.sum() ** 2 / (lam**2).sum())


@pytest.mark.parametrize("clustered", [True, False], ids=["CR2", "HC2"])
def test_bell_mccaffrey_df_of_lincom_and_margins(clustered):
    d = _data()
    vce = "hc2 g, dfadjust" if clustered else "hc2, dfadjust"
    r = vcereg.regress(f"y ~ x1 + x2 | vce({vce})", d)
    x = np.column_stack([np.ones(len(d)), d.x1, d.x2])
    cl = d["g"].to_numpy() if clustered else np.arange(len(d))
    c = np.array([0.0, 1.0, 2.0])
    df = _bm_df(x, cl, c)
    lc = r.lincom("x1 + 2*x2").iloc[0]
    t = lc["estimate"] / lc["std_error"]
    np.testing.assert_allclose(lc["p"], 2 * stats.t.sf(abs(t), df), rtol=REL_REFERENCE)
    half = stats.t.ppf(0.975, df) * lc["std_error"]
    np.testing.assert_allclose(lc["ci_high"] - lc["estimate"], half, rtol=REL_REFERENCE)
    m = r.margins(at={"x1": 2.0}).loc["x1=2"]
    g = np.array([1.0, 2.0, d.x2.mean()])
    df_m = _bm_df(x, cl, g)
    z = m["estimate"] / m["std_error"]
    np.testing.assert_allclose(m["p"], 2 * stats.t.sf(abs(z), df_m), rtol=REL_REFERENCE)
    assert abs(df_m - r.df_terms["x1"]) > 0.5  # not any coefficient's df
    # one coefficient: its own df, as the coefficient table
    assert r.lincom("x2")["p"].iloc[0] == pytest.approx(r.pvalue["x2"], rel=1e-12)


@pytest.fixture(scope="module")
def grunfeld10(grunfeld: pd.DataFrame) -> pd.DataFrame:
    firms = grunfeld["firm"].unique()[:10]
    out = grunfeld[grunfeld["firm"].isin(firms)].reset_index(drop=True)
    out["fid"] = pd.factorize(out["firm"], sort=True)[0]
    return out


def _wildboottest_count(d: pd.DataFrame, row: np.ndarray) -> tuple[int, int]:
    x = sm.add_constant(d[["value", "capital"]]).to_numpy(float)
    boot = WildboottestCL(
        X=x, Y=d["invest"].to_numpy(float), cluster=d["fid"].to_numpy(np.int64), R=row,
        B=9999, seed=1, parallel=False,
    )  # fmt: skip
    boot.get_scores(bootstrap_type="11", impose_null=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot.get_weights(weights_type="rademacher")
    for step in (boot.get_numer, boot.get_denom, boot.get_tboot, boot.get_vcov, boot.get_tstat):
        step()
    t_boot, t = np.abs(boot.t_boot), abs(float(np.ravel(boot.t_stat)[0]))
    ties = np.abs(t_boot - t) <= 1e-9 * t
    return int(((t_boot > t) & ~ties).sum()), int(boot.B)


def test_lincom_and_margins_after_wild_are_bootstrapped(grunfeld10):
    d = grunfeld10
    r = vcereg.regress("invest ~ value + capital | vce(wild firm)", d)
    lc = r.lincom("value + capital").iloc[0]
    count, reps = _wildboottest_count(d, np.array([0.0, 1.0, 1.0]))
    assert reps == 1024 and lc["p"] * 1024 == count
    crv1 = vcereg.regress("invest ~ value + capital | vce(cluster firm)", d)
    assert lc["std_error"] == pytest.approx(crv1.lincom("value + capital")["std_error"].iloc[0])
    assert lc["p"] != pytest.approx(crv1.lincom("value + capital")["p"].iloc[0], rel=1e-3)
    bt = r.boottest("value + capital = 0")
    assert (lc["ci_low"], lc["ci_high"]) == pytest.approx(bt.conf_int, rel=1e-9)
    # a single coefficient: the coefficient table's own bootstrap p-value
    assert r.lincom("value")["p"].iloc[0] == r.pvalue["value"]
    m = r.margins(at={"value": 1000.0}).loc["value=1000"]
    row = np.array([1.0, 1000.0, d["capital"].mean()])
    count, _ = _wildboottest_count(d, row)
    assert m["p"] * 1024 == count


@pytest.mark.parametrize("small", ["", ", small"])
def test_margins_after_ivregress_report_z(small):
    d = vcereg.datasets.load("student-mat")
    r = vcereg.stata(f"ivregress 2sls G3 age (absences = studytime){small}", d)
    m = r.margins(at={"absences": [0.0, 10.0]})
    z = m["estimate"] / m["std_error"]
    np.testing.assert_allclose(m["t"], z)
    np.testing.assert_allclose(m["p"], 2 * stats.norm.sf(np.abs(z)), rtol=1e-12)
    half = stats.norm.ppf(0.975) * m["std_error"]
    np.testing.assert_allclose(m["ci_high"] - m["estimate"], half, rtol=1e-12)
    assert m.attrs["df_inference"] is None
    if small:  # the coefficient table itself keeps Stata's t under small
        assert r.df_inference is not None
