"""Each DiD estimator against the slow, obvious computation on small simulated panels.

The references here are written from the papers' definitions with dense matrices (unit and
period dummies, explicit inverses, loops over cells and clusters), nothing shared with the
package: they agree to REL_IDENTITY (1e-10), the rounding of two exact computations.
Panels are balanced and unbalanced (random rows removed), with never-treated units or only
not-yet-treated ones, with anticipation and weights where the estimator takes them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import vcereg
from vcereg.estimators.did import att_gt, if_cov, make_panel

from ...tolerances import REL_IDENTITY

TOL = dict(rtol=REL_IDENTITY, atol=1e-12)


def simulate(seed: int, n: int = 40, periods: int = 6, *, drop: float = 0.0,
             never: bool = True, covariate: bool = False) -> pd.DataFrame:  # fmt: skip
    rng = np.random.default_rng(seed)
    cohorts = [0, 3, 4, 6] if never else [3, 4, 6]
    g = rng.choice(cohorts, size=n)
    unit = np.repeat(np.arange(n), periods)
    year = np.tile(np.arange(1, periods + 1), n)
    gg = np.repeat(g, periods)
    x = np.repeat(rng.normal(size=n), periods)
    effect = np.where((gg > 0) & (year >= gg), 1.0 + 0.5 * (year - gg), 0.0)
    y = (
        np.repeat(rng.normal(size=n), periods)
        + 0.3 * year
        + (0.4 * x * year if covariate else 0.0)
        + effect
        + rng.normal(size=n * periods)
    )
    df = pd.DataFrame({"y": y, "id": unit, "year": year, "g": gg, "x": x,
                       "w": rng.uniform(0.5, 2.0, size=n).repeat(periods)})  # fmt: skip
    if drop:
        df = df[rng.uniform(size=len(df)) > drop].reset_index(drop=True)
    return df


# --- Callaway-Sant'Anna --------------------------------------------------------------


def cs_unconditional(
    df: pd.DataFrame, control: str, anticipation: int = 0
) -> dict[tuple[int, int], tuple[float, float]]:
    """ATT(g,t) = difference of mean changes, varying base (g - 1 - anticipation after
    treatment); its influence function n/n_T (dY - mean_T) for treated, -n/n_C (dY -
    mean_C) for controls."""
    wide = df.pivot(index="id", columns="year", values="y")
    g = df.groupby("id")["g"].first().reindex(wide.index).to_numpy()
    years = list(wide.columns)
    n = len(wide)
    out = {}
    for c in sorted(set(g) - {0}):
        for j in range(1, len(years)):
            t = years[j]
            base = years[j - 1] if t < c - anticipation else c - 1 - anticipation
            if base not in years:
                continue
            dy = (wide[t] - wide[base]).to_numpy()
            treated = g == c
            notyet = (g > max(t, base) + anticipation) & (g != c)
            ctrl = (g == 0) if control == "never" else (g == 0) | notyet
            att = dy[treated].mean() - dy[ctrl].mean()
            psi = np.zeros(n)
            psi[treated] = n / treated.sum() * (dy[treated] - dy[treated].mean())
            psi[ctrl] = -n / ctrl.sum() * (dy[ctrl] - dy[ctrl].mean())
            out[(c, t)] = (att, np.sqrt((psi**2).sum()) / n)
    return out


@pytest.mark.parametrize("anticipation", [0, 1])
@pytest.mark.parametrize("control", ["never", "notyet"])
@pytest.mark.parametrize("seed", [1, 2])
def test_cs_unconditional_cells(seed: int, control: str, anticipation: int) -> None:
    df = simulate(seed)
    opts = f"{control} gt anticipation({anticipation})"
    r = vcereg.did(f"y ~ 1 | did(cs g, {opts}) | panel(id year)", df).tidy()
    ref = cs_unconditional(df, control, anticipation)
    got = {(int(a), int(b)): (e, s) for a, b, e, s in
           zip(r["cohort"], r["period"], r["estimate"], r["std_error"], strict=True)}  # fmt: skip
    assert set(got) == set(ref)
    for key, (att, se) in ref.items():
        np.testing.assert_allclose(got[key], (att, se), **TOL)


def test_cs_dr_with_covariate_by_hand() -> None:
    """Doubly robust 2x2 with a covariate, written out: WLS on controls, a logit by
    statsmodels, the Hajek-weighted residual means."""
    sm = pytest.importorskip("statsmodels.api")
    df = simulate(5, n=80, covariate=True)
    r = vcereg.did("y ~ x | did(cs g, dr gt) | panel(id year)", df).tidy()
    wide = df.pivot(index="id", columns="year", values="y")
    first = df.groupby("id").first()
    g, x = first["g"].to_numpy(), first["x"].to_numpy()
    for (c, t), row in r.set_index(["cohort", "period"]).iterrows():
        if c > t:
            continue
        dy = (wide[t] - wide[c - 1]).to_numpy()
        keep = (g == c) | (g == 0)
        d = (g[keep] == c).astype(float)
        xx = sm.add_constant(x[keep])
        ps = sm.Logit(d, xx).fit(disp=0, tol=1e-14, maxiter=200).predict(xx)
        b = np.linalg.lstsq(xx[d == 0], dy[keep][d == 0], rcond=None)[0]
        res = dy[keep] - xx @ b
        w_c = ps * (1 - d) / (1 - ps)
        att = (d * res).sum() / d.sum() - (w_c * res).sum() / w_c.sum()
        assert row["estimate"] == pytest.approx(att, rel=1e-9, abs=1e-12)


def test_cs_unbalanced_rows_by_hand() -> None:
    """Unbalanced panel kept (the unbalanced option): cross-section means per cell."""
    df = simulate(3, drop=0.15)
    r = vcereg.did("y ~ 1 | did(cs g, unbalanced gt) | panel(id year)", df).tidy()
    for (c, t), row in r.set_index(["cohort", "period"]).iterrows():
        base = t - 1 if t < c else c - 1
        sub = df[df["year"].isin([t, base]) & ((df["g"] == c) | (df["g"] == 0))]
        m = sub.groupby([sub["g"] == c, sub["year"] == t])["y"].mean()
        att = (m[(True, True)] - m[(True, False)]) - (m[(False, True)] - m[(False, False)])
        assert row["estimate"] == pytest.approx(att, rel=REL_IDENTITY, abs=1e-12)


def test_cs_weighted_influence_matches_numerical_derivative() -> None:
    """The analytic influence function of a weighted DR cell equals n times the derivative
    of the estimate with respect to each unit's weight (the infinitesimal jackknife),
    computed here by central differences (accuracy ~1e-7)."""
    df = simulate(8, n=50, covariate=True)
    first = df.groupby("id").first()
    unit = pd.factorize(df["id"])[0]

    def cell(weights: np.ndarray) -> tuple[float, np.ndarray]:
        w = weights[unit]
        p = make_panel(df["y"].to_numpy(), np.column_stack([np.ones(len(df)), df["x"]]), w,
                       unit, df["year"].to_numpy(float), df["g"].to_numpy(float))  # fmt: skip
        gt = att_gt(p, method="dr")
        j = int(np.flatnonzero((gt.group == 3) & (gt.time == 4))[0])
        return float(gt.att[j]), gt.inf[:, j]

    w0 = first["w"].to_numpy()
    _, psi = cell(w0)
    h = 1e-6
    n = w0.size
    for i in (0, 7, 23):
        up, down = w0.copy(), w0.copy()
        up[i] += h
        down[i] -= h
        deriv = (cell(up)[0] - cell(down)[0]) / (2 * h)
        # psi_i = n w_i d(att)/d(w_i): the estimate does not depend on the weights' scale
        assert psi[i] == pytest.approx(deriv * n * w0[i], rel=1e-5, abs=1e-6)


# --- regression-based estimators -----------------------------------------------------


def dummies(codes: np.ndarray, drop_first: bool = False) -> np.ndarray:
    levels = np.unique(codes)
    out = (codes[:, None] == levels[None, :]).astype(float)
    return out[:, 1:] if drop_first else out


def crv1(x: np.ndarray, u: np.ndarray, cl: np.ndarray, k: int) -> np.ndarray:
    n = x.shape[0]
    bread = np.linalg.inv(x.T @ x)
    meat = np.zeros((x.shape[1], x.shape[1]))
    for c in np.unique(cl):
        s = x[cl == c].T @ u[cl == c]
        meat += np.outer(s, s)
    g = np.unique(cl).size
    return g / (g - 1) * (n - 1) / (n - k) * bread @ meat @ bread


@pytest.mark.parametrize(("drop", "anticipation"), [(0.0, 0), (0.1, 0), (0.0, 1)])
def test_sun_abraham_dense(drop: float, anticipation: int) -> None:
    df = simulate(11, n=60, drop=drop)
    df = df[df.groupby("id")["id"].transform("size") > 1]  # no singletons: same N as reghdfe
    model = f"y ~ 1 | did(sa g, gt anticipation({anticipation})) | panel(id year)"
    r = vcereg.did(model, df).tidy()
    g, t = df["g"].to_numpy(), df["year"].to_numpy()
    rel = t - g
    ref = -1 - anticipation
    cells = sorted({(c, e) for c, e in zip(g, rel, strict=True) if c > 0 and e != ref})
    d = np.column_stack([((g == c) & (rel == e)).astype(float) for c, e in cells])
    fe = np.hstack([dummies(df["id"].to_numpy()), dummies(t, drop_first=True)])
    x = np.hstack([d, fe])
    b, *_ = np.linalg.lstsq(x, df["y"].to_numpy(), rcond=None)
    u = df["y"].to_numpy() - x @ b
    # reghdfe's K: the interactions plus the period effects (units nested in the clusters)
    k = d.shape[1] + np.unique(t).size
    xt = x - fe @ np.linalg.lstsq(fe, x, rcond=None)[0]  # FWL: the demeaned interactions
    v = crv1(xt[:, : d.shape[1]], u, df["id"].to_numpy(), k)
    names = [f"g{c:g}_{'Tm' if e < 0 else 'Tp'}{abs(e):g}" for c, e in cells]
    np.testing.assert_allclose(r.loc[names, "estimate"], b[: d.shape[1]], **TOL)
    np.testing.assert_allclose(r.loc[names, "std_error"], np.sqrt(np.diag(v)), **TOL)


@pytest.mark.parametrize(("drop", "never"), [(0.0, True), (0.1, True), (0.0, False)])
def test_imputation_dense(drop: float, never: bool) -> None:
    df = simulate(13, n=50, drop=drop, never=never)
    r = vcereg.did("y ~ 1 | did(bjs g) | panel(id year)", df)
    g, t, y = df["g"].to_numpy(), df["year"].to_numpy(), df["y"].to_numpy()
    treated = (g > 0) & (t >= g)
    z = np.hstack([dummies(df["id"].to_numpy()), dummies(t, drop_first=True)])
    z0, z1 = z[~treated], z[treated]
    ok = np.abs(z1 @ np.linalg.pinv(z0) @ z0 - z1).max(axis=1) < 1e-8  # imputable rows
    theta = np.linalg.pinv(z0) @ y[~treated]
    tau = y[treated] - z1 @ theta
    cl = df["id"].to_numpy()
    for name, sel in [("ATT", ok)] + [
        (f"Tp{h}", ok & (t[treated] - g[treated] == h)) for h in range(6)
    ]:
        if name not in r.params.index:
            continue
        w1 = sel / sel.sum()
        est = w1 @ tau
        v0 = -z0 @ np.linalg.pinv(z0.T @ z0) @ (z1.T @ w1)  # imputation weights
        v = np.zeros(len(df))
        v[treated], v[~treated] = w1, v0
        resid = np.zeros(len(df))
        resid[~treated] = y[~treated] - z0 @ theta
        # tau minus its cohort-period average, weighted as did_imputation
        cell = pd.Series(list(zip(g[treated], t[treated], strict=True)))
        tr_rows = np.flatnonzero(treated)
        for key in cell.unique():
            m = (cell == key).to_numpy() & sel
            if not m.any():
                continue
            wsum = pd.Series(w1[m]).groupby(cl[tr_rows][m]).transform("sum").to_numpy()
            sw = wsum * w1[m] / (wsum * w1[m]).sum()
            resid[tr_rows[m]] = tau[m] - (sw * tau[m]).sum()
        eps = pd.Series(v * resid).groupby(cl).sum().to_numpy()
        assert r.params[name] == pytest.approx(est, rel=REL_IDENTITY, abs=1e-12)
        assert r.se[name] == pytest.approx(np.sqrt((eps**2).sum()), rel=1e-9)


@pytest.mark.parametrize("drop", [0.0, 0.1])
def test_two_stage_dense(drop: float) -> None:
    df = simulate(17, n=50, drop=drop)
    df["z"] = np.random.default_rng(4).normal(size=len(df))  # a time-varying covariate
    r = vcereg.did("y ~ z | did(did2s g, static) | panel(id year)", df)
    g, t, y = df["g"].to_numpy(), df["year"].to_numpy(), df["y"].to_numpy()
    treated = (g > 0) & (t >= g)
    x1 = np.hstack([dummies(df["id"].to_numpy()), dummies(t, drop_first=True), df[["z"]]])
    x10 = np.where(treated[:, None], 0.0, x1)
    theta = np.linalg.pinv(x10) @ np.where(treated, 0.0, y)
    ytil = y - x1 @ theta
    x2 = treated[:, None].astype(float)
    beta = np.linalg.lstsq(x2, ytil, rcond=None)[0]
    u2 = ytil - x2 @ beta
    u1 = np.where(treated, 0.0, ytil)
    gamma = np.linalg.pinv(x10.T @ x10) @ (x1.T @ x2)
    b_inv = np.linalg.inv(x2.T @ x2)
    psi = (x10 @ gamma) * u1[:, None] - x2 * u2[:, None]
    sums = pd.DataFrame(psi).groupby(df["id"].to_numpy()).sum().to_numpy()
    cov = b_inv @ sums.T @ sums @ b_inv
    assert r.params["ATT"] == pytest.approx(beta[0], rel=REL_IDENTITY)
    assert r.se["ATT"] == pytest.approx(np.sqrt(cov[0, 0]), rel=1e-9)


def test_etwfe_dense() -> None:
    df = simulate(19, n=60)
    r = vcereg.did("y ~ 1 | did(etwfe g, gt) | panel(id year)", df).tidy()
    g, t = df["g"].to_numpy(), df["year"].to_numpy()
    cells = sorted({(c, s) for c, s in zip(g, t, strict=True) if c > 0 and s >= c})
    d = np.column_stack([((g == c) & (t == s)).astype(float) for c, s in cells])
    fe = np.hstack([dummies(df["id"].to_numpy()), dummies(t, drop_first=True)])
    x = np.hstack([d, fe])
    b, *_ = np.linalg.lstsq(x, df["y"].to_numpy(), rcond=None)
    u = df["y"].to_numpy() - x @ b
    xt = x - fe @ np.linalg.lstsq(fe, x, rcond=None)[0]
    v = crv1(xt[:, : d.shape[1]], u, df["id"].to_numpy(), d.shape[1] + np.unique(t).size)
    names = [f"g{c:g}_t{s:g}" for c, s in cells]
    np.testing.assert_allclose(r.loc[names, "estimate"], b[: d.shape[1]], **TOL)
    np.testing.assert_allclose(r.loc[names, "std_error"], np.sqrt(np.diag(v)), **TOL)
    # the overall ATT weights cells by their observations
    counts = d.sum(axis=0)
    att = counts @ b[: d.shape[1]] / counts.sum()
    full = vcereg.did("y ~ 1 | did(etwfe g, simple) | panel(id year)", df)
    assert full.params["ATT"] == pytest.approx(att, rel=REL_IDENTITY)


def test_etwfe_equals_imputation_without_covariates() -> None:
    """Wooldridge (2021): with not-yet-treated controls, no covariates and a balanced panel
    the extended TWFE cell effects are the imputation estimator's cohort-period averages
    (unbalanced, the treated rows also inform the unit effects and the two differ)."""
    df = simulate(23, n=70)
    et = vcereg.did("y ~ 1 | did(etwfe g, dynamic) | panel(id year)", df)
    bjs = vcereg.did("y ~ 1 | did(bjs g) | panel(id year)", df)
    common = [t for t in et.terms if t in bjs.terms]
    np.testing.assert_allclose(et.params[common], bjs.params[common], **TOL)


def test_cs_covariance_from_influence_functions() -> None:
    psi = np.random.default_rng(0).normal(size=(30, 3))
    cl = np.repeat(np.arange(10), 3)
    s = np.stack([psi[cl == c].sum(axis=0) for c in range(10)])
    np.testing.assert_allclose(if_cov(psi, cl), s.T @ s / 900, **TOL)


@pytest.mark.parametrize("method", ["cs", "sa", "bjs", "did2s", "etwfe"])
def test_recovers_simulated_effects_at_scale(method: str) -> None:
    """5,000 units x 20 periods, effects 1 + 0.1 e at event time e >= 0 and none before:
    every event-time estimate lies within 5 standard errors of the truth (the sizes where
    the absorbed-FE solver once returned estimates off by hundreds)."""
    units, periods = 5000, 20
    rng = np.random.default_rng(2024)
    starts = np.linspace(4, periods - 2, 5).round().astype(int)
    g = np.repeat(rng.choice(np.concatenate([[0], starts]), size=units, p=[0.4] + [0.12] * 5),
                  periods)  # fmt: skip
    t = np.tile(np.arange(1, periods + 1), units)
    e = t - g
    y = np.repeat(rng.normal(size=units), periods) + 0.05 * t + rng.normal(size=g.size)
    y = y + np.where((g > 0) & (e >= 0), 1.0 + 0.1 * e, 0.0)
    df = pd.DataFrame({"y": y, "id": np.repeat(np.arange(units), periods), "t": t, "g": g})
    es = vcereg.did(f"y ~ 1 | did({method} g) | panel(id t)", df).event_study()
    truth = np.where(es.index >= 0, 1.0 + 0.1 * es.index, 0.0)
    if method in ("cs",):  # varying base: pre-periods are one-period changes, also zero
        truth = np.where(es.index >= 0, truth, 0.0)
    z = np.abs(es["estimate"] - truth) / es["std_error"]
    assert z.max() < 5, es.assign(z=z)
