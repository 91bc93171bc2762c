"""2SLS with every variance type and with weights against independent references (issue 8).

- HC0, two-way clustering (``cgm``: one G_S/(G_S-1)(N-1)/(N-K) factor per intersection,
  linearmodels' two-way convention) and analytic weights: linearmodels ``IV2SLS``.
- HC2/HC3: the textbook sandwich written here in numpy, with leverages of the projected
  regressors ``h_i = x^_i'(X^'X^)^{-1} x^_i`` (2SLS as least squares on X^ = P_Z X).
- CR3: Stata's ``vce(jackknife, cluster(g))`` by brute force: 2SLS refitted (first stage
  included) without each cluster with linearmodels, ``(G-1)/G sum (b_g - mean)(b_g - mean)'``.

Tolerance: REL_REFERENCE (1e-8), see tests/tolerances.py.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from linearmodels.iv import IV2SLS

import vcereg
from tests.conftest import DATA
from tests.tolerances import REL_REFERENCE as RTOL

NAMES = ["Intercept", "pcturban", "hsngval"]
LM = "rent ~ 1 + pcturban + [hsngval ~ faminc + reg2 + reg3 + reg4]"
MODEL = "rent ~ pcturban | iv(hsngval ~ faminc reg2 reg3 reg4) | vce({vce})"


@pytest.fixture(scope="module")
def hsng() -> pd.DataFrame:
    d = pd.read_csv(DATA / "hsng.csv")
    for k, level in enumerate(sorted(d["region"].unique())[1:], start=2):
        d[f"reg{k}"] = (d["region"] == level).astype(float)
    return d.assign(w=np.linspace(0.5, 3.0, len(d)))


def _fit(model, data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", vcereg.errors.VceregWarning)
        return vcereg.regress(model, data, **kw)


def _cov(r):
    return r.cov.loc[NAMES, NAMES].to_numpy()


def test_hc0_matches_linearmodels(hsng):
    r = _fit(MODEL.format(vce="hc0"), hsng)
    ref = IV2SLS.from_formula(LM, hsng).fit(cov_type="robust", debiased=False)
    np.testing.assert_allclose(_cov(r), ref.cov.to_numpy(), rtol=RTOL)


@pytest.mark.parametrize("power", [1, 2])
def test_hc2_hc3_match_the_textbook_sandwich(hsng, power):
    r = _fit(MODEL.format(vce=f"hc{power + 1}"), hsng)
    ref = IV2SLS.from_formula(LM, hsng).fit(cov_type="unadjusted")
    z = np.column_stack([np.ones(len(hsng)), hsng[["pcturban", "faminc", "reg2", "reg3", "reg4"]]])
    x = np.column_stack([np.ones(len(hsng)), hsng[["pcturban", "hsngval"]]])
    x_hat = z @ np.linalg.lstsq(z, x, rcond=None)[0]
    u = hsng["rent"].to_numpy() - x @ ref.params.to_numpy()
    bread = np.linalg.inv(x_hat.T @ x_hat)
    h = np.einsum("ij,jk,ik->i", x_hat, bread, x_hat)
    meat = (x_hat * (u**2 / (1 - h) ** power)[:, None]).T @ x_hat
    np.testing.assert_allclose(_cov(r), bread @ meat @ bread, rtol=RTOL)


@pytest.mark.parametrize("weighted", [False, True])
def test_cr3_is_the_leave_one_cluster_out_jackknife(hsng, weighted):
    model = MODEL.format(vce="cr3 division") + (" | weights(w)" if weighted else "")
    r = _fit(model, hsng)
    est = []
    for g in sorted(hsng["division"].unique()):
        sub = hsng[hsng["division"] != g]
        kw = {"weights": sub["w"]} if weighted else {}
        est.append(IV2SLS.from_formula(LM, sub, **kw).fit().params.to_numpy())
    b = np.array(est)
    dev = b - b.mean(axis=0)
    g = len(b)
    np.testing.assert_allclose(_cov(r), (g - 1) / g * dev.T @ dev, rtol=RTOL)
    assert r.df_inference == g - 1


@pytest.mark.parametrize(
    ("vce", "cov_type", "clusters", "debiased"),
    [
        ("ols", "unadjusted", None, True),
        ("robust", "robust", None, True),
        ("hc0", "robust", None, False),
        ("cluster division", "clustered", "division", True),
    ],
)
def test_analytic_weights_match_linearmodels(hsng, vce, cov_type, clusters, debiased):
    r = _fit(MODEL.format(vce=vce) + " | weights(w)", hsng)
    kw = {"clusters": pd.factorize(hsng[clusters])[0]} if clusters else {}
    ref = IV2SLS.from_formula(LM, hsng, weights=hsng["w"]).fit(
        cov_type=cov_type, debiased=debiased, **kw
    )
    np.testing.assert_allclose(r.params[NAMES], ref.params.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(_cov(r), ref.cov.to_numpy(), rtol=RTOL)


def test_two_way_clustering_matches_linearmodels():
    d = pd.read_csv(DATA / "grunfeld.csv")
    d = d.assign(sqrt_value=np.sqrt(d["value"]), lag=d["year"] % 3)
    r = _fit("invest ~ capital | iv(value ~ sqrt_value lag) | vce(cluster firm year, cgm)", d)
    clusters = np.column_stack([pd.factorize(d["firm"])[0], pd.factorize(d["year"])[0]])
    ref = IV2SLS.from_formula("invest ~ 1 + capital + [value ~ sqrt_value + lag]", d).fit(
        cov_type="clustered", clusters=clusters, debiased=True
    )
    names = ["Intercept", "capital", "value"]
    np.testing.assert_allclose(r.cov.loc[names, names].to_numpy(), ref.cov.to_numpy(), rtol=RTOL)


def test_cr3_with_an_instrument_at_1e9_scale(hsng):
    """The leave-one-cluster-out fits downdate cross products; scaled columns keep that
    accurate when an instrument is in the billions."""
    big = hsng.assign(faminc=hsng["faminc"] * 1e5)
    a = _fit(MODEL.format(vce="cr3 division"), hsng)
    b = _fit(MODEL.format(vce="cr3 division"), big)
    np.testing.assert_allclose(_cov(a), _cov(b), rtol=1e-8)
