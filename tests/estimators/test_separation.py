"""Separation checks on random small problems against a brute-force linear programme with
explicit dummies (written here, independent of the package's checks), binary models,
the ``fe`` rule on its own, messages and options."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from vcereg.errors import SpecError, VceregWarning
from vcereg.estimators.separation import find_separation, parse_methods


def _dummies(codes):
    return [np.eye(c.max() + 1)[c] for c in codes]


def _lp(y, x, codes, kind):
    """Observations some certificate z = [1 X D] g separates: Poisson z >= 0 on y = 0 and
    z = 0 on y > 0; binary (2y - 1) z >= 0 everywhere. Maximise the count of z_i > 0."""
    a = np.column_stack([np.ones(len(y)), x, *_dummies(codes)])
    if kind == "binary":
        a = a * np.where(y > 0, 1.0, -1.0)[:, None]
        bound, eq = np.arange(len(y)), np.zeros(0, dtype=int)
    else:
        bound, eq = np.flatnonzero(y == 0), np.flatnonzero(y > 0)
    k, m = a.shape[1], bound.size
    res = linprog(
        np.r_[np.zeros(k), -np.ones(m)],
        A_ub=np.r_[np.c_[-a[bound], np.eye(m)], np.c_[-a[bound], np.zeros((m, m))]],
        b_ub=np.zeros(2 * m),
        A_eq=np.c_[a[eq], np.zeros((eq.size, m))] if eq.size else None,
        b_eq=np.zeros(eq.size) if eq.size else None,
        bounds=[(None, None)] * k + [(0, 1)] * m,
        method="highs",
    )
    assert res.status == 0
    out = np.zeros(len(y), dtype=bool)
    out[bound] = res.x[k:] > 0.5
    return out


def _problem(seed, kind, n_fe):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(12, 40))
    x = (rng.uniform(size=(n, int(rng.integers(1, 4)))) < 0.15).astype(float)
    codes = [rng.integers(0, int(rng.integers(2, 6)), n) for _ in range(n_fe)]
    eta = x @ rng.normal(0, 2, x.shape[1]) + sum(rng.normal(0, 1, c.max() + 1)[c] for c in codes)
    if kind == "binary":
        y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float)
    else:
        y = rng.poisson(np.exp(eta - 1.5)).astype(float)
    codes = [np.unique(c, return_inverse=True)[1].astype(np.int64) for c in codes]
    return y, x, codes


@pytest.mark.parametrize("n_fe", [0, 1, 2])
@pytest.mark.parametrize("kind", ["poisson", "binary"])
def test_random_problems_match_brute_force(kind, n_fe):
    found = 0
    for seed in range(25):
        y, x, codes = _problem(seed, kind, n_fe)
        truth = _lp(y, x, codes, kind)
        sep = find_separation(y, x, codes, kind=kind, singletons=False)
        np.testing.assert_array_equal(~sep.keep, truth, err_msg=f"seed {seed}")
        found += int(truth.any() and not truth.all())
    assert found >= 5  # the generator does produce separation


@pytest.mark.parametrize("kind", ["poisson", "binary"])
def test_rectifier_alone_matches_brute_force(kind):
    for seed in range(25):
        y, x, codes = _problem(100 + seed, kind, 2)
        sep = find_separation(y, x, codes, kind=kind, methods=("ir",), singletons=False)
        np.testing.assert_array_equal(~sep.keep, _lp(y, x, codes, kind), err_msg=f"{seed}")


def test_fe_rule_alone():
    rng = np.random.default_rng(5)
    a, b = rng.integers(0, 15, 60), rng.integers(0, 10, 60)
    y = rng.poisson(0.3, 60).astype(float)
    sep = find_separation(y, np.zeros((60, 0)), [a, b], methods=("fe",), singletons=False)
    keep = np.ones(60, dtype=bool)
    while True:  # drop groups whose remaining outcomes are all zero, until none is left
        bad = np.zeros(60, dtype=bool)
        for c in (a, b):
            total = np.bincount(c[keep], y[keep], minlength=c.max() + 1)
            seen = np.bincount(c[keep], minlength=c.max() + 1) > 0
            bad |= keep & (seen & (total == 0))[c]
        if not bad.any():
            break
        keep &= ~bad
    np.testing.assert_array_equal(sep.keep, keep)
    assert sep.fixed_effects and sep.by_method[0][0] == "fe"


def test_binary_complete_and_quasi_separation():
    x = np.array([[-2.0], [-1], [0], [0], [1], [2]])
    y = np.array([0.0, 0, 0, 1, 1, 1])
    sep = find_separation(y, x, [], kind="binary")
    assert sep.keep.tolist() == [False, False, True, True, False, False]  # quasi: ties stay
    assert sep.variables == (0,)
    y2 = np.array([0.0, 0, 0, 1, 1, 1])
    x2 = np.array([[-2.0], [-1], [-0.5], [0.5], [1], [2]])
    assert not find_separation(y2, x2, [], kind="binary").keep.any()  # complete


def test_binary_fixed_effect_groups_with_one_outcome():
    g = np.array([0, 0, 1, 1, 2, 2, 2])
    y = np.array([0.0, 0, 1, 1, 0, 1, 1])
    x = np.array([[0.3], [0.1], [0.5], [0.2], [0.4], [0.9], [0.0]])
    sep = find_separation(y, x, [g], kind="binary", singletons=False)
    assert sep.keep.tolist() == [False] * 4 + [True] * 3
    assert sep.by_method == (("fe", 4),)


def test_message_names_the_variables():
    y = np.array([0.0, 0, 0, 2, 3, 1])
    x = np.array([[1.0, 5], [0, 4], [0, 2], [0, 1], [0, 3], [0, 2]])
    sep = find_separation(y, x, [])
    assert sep.message(["trade", "dist"]) == (
        "1 separated observation dropped (simplex: 1); separated by trade"
    )
    assert find_separation(y[1:], x[1:], []).message() is None


def test_singletons_are_dropped_after_separation():
    a = np.array([0, 0, 1, 1, 2, 2])
    b = np.array([0, 1, 0, 1, 1, 2])
    y = np.array([1.0, 2, 0, 0, 3, 1])
    sep = find_separation(y, np.zeros((6, 0)), [a, b])
    # group 1 of a is all zero (2 obs); b = 2 then holds one observation, and a = 2 too
    assert sep.by_method == (("fe", 2),)
    assert sep.n_singletons >= 1
    assert not sep.keep[2:4].any()


def test_parse_methods():
    assert parse_methods(None) == ("fe", "simplex", "ir")
    assert parse_methods("relu fe") == ("fe", "ir")
    assert parse_methods("none") == ()
    with pytest.raises(SpecError, match="did you mean 'simplex'"):
        parse_methods("simplx")


def test_rectifier_cap_warns():
    """ppmlhdfe's set 07 takes the rectifier ~75 projections; capped at 5 it must say so."""
    d = pd.read_csv(Path(__file__).resolve().parents[1] / "data" / "ppmlhdfe_separation" / "07.csv")
    codes = [np.unique(d[c], return_inverse=True)[1].astype(np.int64) for c in ("id1", "id2")]
    x = d[["x1", "x2"]].to_numpy(float)
    with pytest.warns(VceregWarning, match="stopped after 5 iterations"):
        sep = find_separation(d["y"].to_numpy(float), x, codes, methods=("ir",), maxiter=5)
    assert not sep.converged
