"""CR2 and Bell-McCaffrey degrees of freedom against a brute-force implementation written
here from the textbook formulas (dense N x N hat matrix, scipy's matrix square root,
explicit eigenvalues), and the effective number of clusters G* against the formula of
Carter, Schnepel & Steigerwald (2017) computed directly.

Tolerance REL_REFERENCE (1e-8): both sides are exact linear algebra on the same
well-conditioned data; the brute force differs only in the algorithm (sqrtm + inverse of
each I - H_gg, N x N matrices) so agreement is at ~1e-12.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.linalg

import vcereg
from tests.tolerances import REL_IDENTITY, REL_REFERENCE
from vcereg.errors import DataError, VceOptionError
from vcereg.vce.kernels import effective_clusters


def _data(seed: int = 1, n: int = 90) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sizes = np.array([2, 3, 5, 8, 10, 12, 20, 30])  # unbalanced, 8 clusters
    g = np.repeat(np.arange(len(sizes)), sizes)[:n]
    n = g.size
    x1 = rng.normal(size=n) + 0.5 * g
    x2 = rng.integers(-5, 5, n).astype(np.int8)
    big = 1e5 * rng.normal(size=n)  # a regressor at user scale
    e = rng.normal(size=n) * (1 + np.abs(x1)) + rng.normal(size=len(sizes))[g]
    return pd.DataFrame(
        {"y": 1 + 0.5 * x1 - 0.2 * x2 + 1e-5 * big + e, "x1": x1, "x2": x2, "big": big, "g": g}
    )


def _inv_sqrt(m: np.ndarray, pinv: bool = False) -> np.ndarray:
    if not pinv:
        return np.real(np.linalg.inv(scipy.linalg.sqrtm(m)))
    w, v = np.linalg.eigh(m)
    inv = np.where(w > 1e-10, 1 / np.sqrt(np.clip(w, 1e-300, None)), 0.0)
    return (v * inv) @ v.T


def brute_cr2(x, y, cl, pinv=False):
    """CR2 covariance and Bell-McCaffrey df per coefficient, the slow way."""
    n, k = x.shape
    bread = np.linalg.inv(x.T @ x)
    u = y - x @ (bread @ x.T @ y)
    hat = x @ bread @ x.T
    ih = np.eye(n) - hat
    meat = np.zeros((k, k))
    adj = {}
    for c in np.unique(cl):
        idx = np.flatnonzero(cl == c)
        a = _inv_sqrt(ih[np.ix_(idx, idx)], pinv)
        adj[c] = (idx, a)
        s = x[idx].T @ a @ u[idx]
        meat += np.outer(s, s)
    cov = bread @ meat @ bread
    dfs = []
    for j in range(k):
        cols = [ih[:, idx] @ (a @ x[idx] @ bread[:, j]) for idx, a in adj.values()]
        gm = np.column_stack(cols)
        lam = np.linalg.eigvalsh(gm.T @ gm)
        dfs.append(lam.sum() ** 2 / (lam**2).sum())
    return cov, np.array(dfs)


def _design(d: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    x = np.column_stack([np.ones(len(d)), d["x1"], d["x2"].astype(float), d["big"]])
    return x, d["y"].to_numpy()


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return _data()


def test_cr2_and_bm_df_match_brute_force(data):
    x, y = _design(data)
    cov, df = brute_cr2(x, y, data["g"].to_numpy())
    r = vcereg.regress("y ~ x1 + x2 + big | vce(hc2 g, dfadjust)", data)
    np.testing.assert_allclose(r.cov.to_numpy(), cov, rtol=REL_REFERENCE)
    np.testing.assert_allclose(r.df_terms.to_numpy(), df, rtol=REL_REFERENCE)
    assert r.vce_name == "cr2" and r.n_clusters == {"g": 8}
    # p-values and intervals use each coefficient's own df
    from scipy import stats

    t = r.params / r.se
    np.testing.assert_allclose(r.pvalue, 2 * stats.t.sf(np.abs(t), df), rtol=1e-10)
    ci = r.conf_int()
    half = stats.t.ppf(0.975, df) * r.se.to_numpy()
    np.testing.assert_allclose(ci["upper"] - r.params, half, rtol=1e-10)
    assert any("Bell-McCaffrey" in n for n in r.notes)
    assert r.tidy()["p"].equals(r.pvalue.rename("p"))


def test_cr2_without_dfadjust_uses_g_minus_1(data):
    x, y = _design(data)
    cov, _ = brute_cr2(x, y, data["g"].to_numpy())
    r = vcereg.regress("y ~ x1 + x2 + big", data, vce="hc2 g")
    np.testing.assert_allclose(r.cov.to_numpy(), cov, rtol=REL_REFERENCE)
    assert r.df_inference == 7 and r.df_terms is None
    assert r.vce_label == "CR2 clustered (g)"


def test_hc2_dfadjust_is_hc2_with_singleton_bm_df(data):
    x, y = _design(data)
    cov, df = brute_cr2(x, y, np.arange(len(data)))
    r = vcereg.regress("y ~ x1 + x2 + big | vce(hc2, dfadjust)", data)
    np.testing.assert_allclose(r.cov.to_numpy(), cov, rtol=REL_REFERENCE)
    np.testing.assert_allclose(r.df_terms.to_numpy(), df, rtol=REL_REFERENCE)
    hc2 = vcereg.regress("y ~ x1 + x2 + big | vce(hc2)", data)
    np.testing.assert_allclose(r.cov, hc2.cov, rtol=REL_IDENTITY)


def test_cluster_level_regressor_uses_pseudo_inverse(data):
    d = data.assign(only7=(data["g"] == 7).astype(float) * np.arange(len(data)))
    x = np.column_stack([_design(d)[0], d["only7"]])
    cov, df = brute_cr2(x, d["y"].to_numpy(), d["g"].to_numpy(), pinv=True)
    r = vcereg.regress("y ~ x1 + x2 + big + only7 | vce(hc2 g, dfadjust)", d)
    np.testing.assert_allclose(r.cov.to_numpy(), cov, rtol=1e-7, atol=1e-14 * np.abs(cov).max())
    np.testing.assert_allclose(r.df_terms.to_numpy(), df, rtol=1e-7)
    assert any("pseudo-inverse" in n for n in r.notes)


def test_cr2_with_weights_is_cr2_of_the_transformed_regression(data):
    w = np.linspace(0.5, 2.0, len(data))
    d = data.assign(w=w)
    x, y = _design(d)
    sw = np.sqrt(w)
    cov, df = brute_cr2(x * sw[:, None], y * sw, d["g"].to_numpy())
    r = vcereg.regress("y ~ x1 + x2 + big | vce(hc2 g, dfadjust) | weights(w)", d)
    np.testing.assert_allclose(r.cov.to_numpy(), cov, rtol=REL_REFERENCE)
    np.testing.assert_allclose(r.df_terms.to_numpy(), df, rtol=REL_REFERENCE)


def test_cr2_spellings_agree(data):
    a = vcereg.regress("y ~ x1 + x2 | vce(hc2 g, dfadjust)", data)
    b = vcereg.regress("y ~ x1 + x2", data).with_vce("cr2 g, dfadjust")
    c = vcereg.stata("regress y x1 x2, vce(hc2 g, dfadjust)", data)
    for other in (b, c):
        np.testing.assert_allclose(other.cov.to_numpy(), a.cov.to_numpy(), rtol=REL_IDENTITY)
        np.testing.assert_allclose(other.df_terms.to_numpy(), a.df_terms.to_numpy(), rtol=1e-10)


def test_cr2_refuses_clearly(data):
    with pytest.raises(VceOptionError, match="absorbed"):
        vcereg.regress("y ~ x1 | fe(g) | vce(hc2 g)", data.assign(h=data.index % 3))
    with pytest.raises(VceOptionError, match="cluster variable, or the option dfadjust"):
        vcereg.regress("y ~ x1 | vce(cr2)", data)
    with pytest.raises(DataError, match="at least 2 clusters"):
        vcereg.regress("y ~ x1 | vce(hc2 one)", data.assign(one=1))


def test_effective_clusters_against_the_paper_formula(data):
    """G* = G / (1 + Gamma), Gamma = mean((gamma_g - gamma_bar)^2) / gamma_bar^2,
    gamma_g = a'(X'X)^-1 X_g' Omega_g X_g (X'X)^-1 a with Omega_g = 11' (rho = 1)."""
    x, _ = _design(data)
    cl = data["g"].to_numpy()
    bread = np.linalg.inv(x.T @ x)
    want = []
    for j in range(x.shape[1]):
        a = np.eye(x.shape[1])[j]
        gam = []
        for c in np.unique(cl):
            xg = x[cl == c]
            omega = np.ones((len(xg), len(xg)))
            gam.append(a @ bread @ xg.T @ omega @ xg @ bread @ a)
        gam = np.array(gam)
        big = np.mean((gam - gam.mean()) ** 2) / gam.mean() ** 2
        want.append(len(gam) / (1 + big))
    got = effective_clusters(x, bread, cl.astype(np.int64))
    np.testing.assert_allclose(got, want, rtol=REL_REFERENCE)
    # and with rho = 0.5: Omega_g = 0.5 I + 0.5 11'
    want_half = []
    for j in range(x.shape[1]):
        a = np.eye(x.shape[1])[j]
        gam = np.array(
            [
                a
                @ bread
                @ x[cl == c].T
                @ (0.5 * np.eye((cl == c).sum()) + 0.5)
                @ x[cl == c]
                @ bread
                @ a
                for c in np.unique(cl)
            ]
        )
        want_half.append(len(gam) / (1 + np.mean((gam / gam.mean() - 1) ** 2)))
    got_half = effective_clusters(x, bread, cl.astype(np.int64), rho=0.5)
    np.testing.assert_allclose(got_half, want_half, rtol=REL_REFERENCE)
    r = vcereg.regress("y ~ x1 + x2 + big | vce(cluster g)", data)
    note = next(n for n in r.notes if n.startswith("effective number of clusters"))
    assert f"x1 {want[1]:.1f}" in note and "G = 8 in g" in note


def test_every_clustered_result_reports_g_star(data):
    for vce in ("cluster g", "hc2 g", "cluster g x2", "twoway g x2"):
        r = vcereg.regress(f"y ~ x1 + x2 | vce({vce})", data)
        assert any(n.startswith("effective number of clusters G*") for n in r.notes), vce


def test_twoway_is_cluster_with_two_variables(data):
    a = vcereg.regress("y ~ x1 | vce(twoway g x2)", data)
    b = vcereg.regress("y ~ x1 | vce(cluster g x2)", data)
    np.testing.assert_allclose(a.cov, b.cov, rtol=REL_IDENTITY)
    with pytest.raises(VceOptionError, match="two cluster variables"):
        vcereg.regress("y ~ x1 | vce(twoway g)", data)


def test_cr2_on_user_typed_data_with_missing_values(data):
    d = data.assign(
        x2=data["x2"].astype("Int16"),
        g=data["g"].map(lambda v: f"school {v}").astype("category"),
    )
    d.loc[[3, 40], "x2"] = pd.NA
    r = vcereg.regress("y ~ x1 + x2 + big | vce(hc2 g, dfadjust)", d)
    keep = d["x2"].notna().to_numpy()
    x, y = _design(data[keep])
    cov, df = brute_cr2(x, y, data["g"].to_numpy()[keep])
    assert r.nobs == len(data) - 2
    np.testing.assert_allclose(r.cov.to_numpy(), cov, rtol=REL_REFERENCE)
    np.testing.assert_allclose(r.df_terms.to_numpy(), df, rtol=REL_REFERENCE)
