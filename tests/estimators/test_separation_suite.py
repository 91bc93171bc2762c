"""ppmlhdfe's 18 separation data sets (tests/data/ppmlhdfe_separation, MIT): the public
correctness suite for separation in Poisson models with and without fixed effects.

Every set must give exactly its ``separated`` column, by the default checks and by the
iterative rectifier alone; an independent reference (a linear programme with explicit
dummies, written here) confirms the column; and the fit on the remaining sample converges
and equals an ordinary Poisson fit with dummies (statsmodels GLM) at 1e-6 (REL_SUITE:
both are solved to ~1e-10; the sets are tiny and some nearly collinear after the drop).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.optimize import linprog

from vcereg.estimators.glm import fit_glm_arrays
from vcereg.estimators.glm_fe import fit_glm_fe
from vcereg.estimators.separation import find_separation

DIR = Path(__file__).resolve().parents[1] / "data" / "ppmlhdfe_separation"
SETS = sorted(p.stem for p in DIR.glob("*.csv"))
REL_SUITE = 1e-6


def _load(name: str) -> tuple[pd.DataFrame, list[str], list[str]]:
    d = pd.read_csv(DIR / f"{name}.csv")
    return d, [c for c in d if c.startswith("x")], [c for c in d if c.startswith("id")]


def _arrays(d: pd.DataFrame, xs: list[str], ids: list[str]):
    codes = [pd.factorize(d[c])[0].astype(np.int64) for c in ids]
    x = d[xs].to_numpy(float).reshape(len(d), len(xs))
    return d["y"].to_numpy(float), x, codes


def _lp_reference(d: pd.DataFrame, xs: list[str], ids: list[str]) -> np.ndarray:
    """Separated observations by brute force: the constant, x and every dummy as columns;
    maximise sum(s) with 0 <= s_i <= z_i on y = 0, z = 0 on y > 0 (z = [1 X D] g)."""
    cols = [np.ones(len(d))] + [d[c].to_numpy(float) for c in xs]
    for c in ids:
        codes = pd.factorize(d[c])[0]
        cols += list(np.eye(codes.max() + 1)[codes].T)
    a = np.column_stack(cols)
    y = d["y"].to_numpy()
    zero, pos = np.flatnonzero(y == 0), np.flatnonzero(y > 0)
    k, m = a.shape[1], zero.size
    cost = np.r_[np.zeros(k), -np.ones(m)]
    a_ub = np.r_[np.c_[-a[zero], np.eye(m)], np.c_[-a[zero], np.zeros((m, m))]]
    a_eq = np.c_[a[pos], np.zeros((pos.size, m))]
    bounds = [(None, None)] * k + [(0, 1)] * m
    res = linprog(
        cost,
        A_ub=a_ub,
        b_ub=np.zeros(2 * m),
        A_eq=a_eq,
        b_eq=np.zeros(pos.size),
        bounds=bounds,
        method="highs",
    )
    assert res.status == 0
    out = np.zeros(len(d), dtype=bool)
    out[zero] = res.x[k:] > 0.5
    return out


@pytest.mark.parametrize("name", SETS)
def test_reference_agrees_with_the_published_column(name):
    d, xs, ids = _load(name)
    assert (_lp_reference(d, xs, ids) == d["separated"].astype(bool)).all()


@pytest.mark.parametrize("methods", [("fe", "simplex", "ir"), ("ir",), ("fe", "ir")])
@pytest.mark.parametrize("name", SETS)
def test_exact_separated_set(name, methods):
    d, xs, ids = _load(name)
    y, x, codes = _arrays(d, xs, ids)
    sep = find_separation(y, x, codes, methods=methods, singletons=False)
    assert ((~sep.keep) == d["separated"].astype(bool)).all()
    assert sep.n_separated == int(d["separated"].sum())


@pytest.mark.parametrize("name", [s for s in SETS if not _load(s)[2]])
def test_simplex_alone_without_fixed_effects(name):
    d, xs, ids = _load(name)
    y, x, codes = _arrays(d, xs, ids)
    sep = find_separation(y, x, codes, methods=("simplex",), singletons=False)
    assert ((~sep.keep) == d["separated"].astype(bool)).all()


def test_the_check_can_fail():
    """A wrong check (the fe rule alone, or no check) misses separated observations, so
    the exact-set test is not vacuous."""
    d, xs, ids = _load("07")
    y, x, codes = _arrays(d, xs, ids)
    assert find_separation(y, x, codes, methods=("fe",), singletons=False).n_separated == 0
    assert d["separated"].sum() == 4


@pytest.mark.parametrize("name", SETS)
def test_fit_after_separation_matches_poisson_with_dummies(name):
    d, xs, ids = _load(name)
    y, x, codes = _arrays(d, xs, ids)
    sep = find_separation(y, x, codes)  # default: singletons dropped too
    truth = d["separated"].astype(bool).to_numpy()
    assert not sep.keep[truth].any()  # every separated observation is gone
    keep = sep.keep
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if ids:
            fit = fit_glm_fe(x[keep], y[keep], [c[keep] for c in codes], tol=1e-12, itol=1e-13)
            params, kept = fit.params, fit.keep
        else:
            xc = np.column_stack([np.ones(int(keep.sum())), x[keep]])
            kept = _independent(xc)
            fit = fit_glm_arrays(xc[:, kept], y[keep], family="poisson", tol=1e-12, ltol=1e-14)
            params = np.zeros(xc.shape[1])
            params[kept] = fit.params
            params, kept = params[1:], kept[1:]
    # reference: statsmodels GLM Poisson with the constant, the kept regressors and dummies
    sub = d[keep]
    dummies = [pd.get_dummies(sub[c].astype(str), drop_first=True, dtype=float) for c in ids]
    kept_x = [c for c, k in zip(xs, kept, strict=True) if k]
    fe_part = np.column_stack([np.ones(len(sub)), *[dm.to_numpy() for dm in dummies]])
    design = pd.concat([sub[kept_x], *dummies], axis=1)
    design.insert(0, "const", 1.0)
    rank = np.linalg.matrix_rank
    # the kept regressors are identified next to the effects (statsmodels' pinv copes with
    # redundant dummies), and what was omitted is collinear on the remaining sample
    assert rank(design.to_numpy()) == rank(fe_part) + len(kept_x)
    assert rank(np.c_[fe_part, sub[xs].to_numpy()]) == rank(design.to_numpy())
    ref = sm.GLM(sub["y"], design, family=sm.families.Poisson()).fit(tol=1e-13, maxiter=500)
    assert ref.converged
    np.testing.assert_allclose(
        params[kept], ref.params[kept_x].to_numpy(), rtol=REL_SUITE, atol=REL_SUITE
    )
    dev = fit.deviance
    np.testing.assert_allclose(dev, ref.deviance, rtol=REL_SUITE, atol=1e-9)


def _independent(x: np.ndarray) -> np.ndarray:
    keep = np.ones(x.shape[1], dtype=bool)
    for j in range(x.shape[1]):
        trial = keep.copy()
        trial[j + 1 :] = False
        if np.linalg.matrix_rank(x[:, trial]) < trial.sum():
            keep[j] = False
    return keep
