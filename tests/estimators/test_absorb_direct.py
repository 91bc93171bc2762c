"""The projection in the space of the small effects' levels (estimators/absorb_direct.py):
conjugate gradients on the Schur complement, the dense Cholesky with reference levels and
the pivoted fallback, against full dummy regressions (numpy ``lstsq``) and each other.

Tolerance: every route solves the same projection exactly up to rounding; on these
problems (condition numbers of the reduced system below ~1e4) they agree to ~1e-13 of a
column's scale, so 1e-10 leaves room while any wrong term (a missing block of Z'WZ, a
dropped level, a wrong weight) moves results by 1e-3 or more.
"""

from __future__ import annotations

import numpy as np
import pytest

from vcereg.errors import EstimationError
from vcereg.estimators import absorb
from vcereg.estimators import absorb_direct as ad
from vcereg.estimators.absorb import demean

TOL = 1e-10


def _dummies(*codes: np.ndarray) -> np.ndarray:
    blocks = []
    for c in codes:
        d = np.zeros((c.size, int(c.max()) + 1))
        d[np.arange(c.size), c] = 1.0
        blocks.append(d[:, d.any(axis=0)])
    return np.hstack(blocks)


def _exact(x: np.ndarray, codes: list[np.ndarray], w: np.ndarray | None) -> np.ndarray:
    d = _dummies(*codes)
    sw = np.ones(len(x)) if w is None else np.sqrt(w)
    coef = np.linalg.lstsq(d * sw[:, None], x * sw[:, None], rcond=None)[0]
    return x - d @ coef


def _problem(seed: int, n: int = 1500, three: bool = False, blocks: int = 1):
    rng = np.random.default_rng(seed)
    block = rng.integers(0, blocks, n)
    firm = block * 60 + rng.integers(0, 60, n)
    year = block * 15 + rng.integers(0, 15, n)
    codes = [firm, year]
    if three:
        codes.append(rng.integers(0, 6, n))
    # columns on very different scales, correlated with the effects
    x = rng.standard_normal((n, 3)) * [1.0, 1e5, 1e-4]
    x += np.sqrt(firm)[:, None] * [1.0, 1e5, 1e-4] + (year % 4)[:, None]
    return x, [np.unique(c, return_inverse=True)[1] for c in codes]


WEIGHTS = {
    "none": lambda rng, n: None,
    "uniform": lambda rng, n: rng.uniform(0.5, 2.0, n),
    "spread": lambda rng, n: np.exp(rng.normal(0.0, 3.0, n)),  # weights over 1e8
}


@pytest.mark.parametrize("three", [False, True], ids=["two", "three"])
@pytest.mark.parametrize("weights", list(WEIGHTS))
@pytest.mark.parametrize("blocks", [1, 3], ids=["connected", "3 components"])
def test_every_route_equals_the_dummy_regression(three: bool, weights: str, blocks: int) -> None:
    x, codes = _problem(1, three=three, blocks=blocks)
    w = WEIGHTS[weights](np.random.default_rng(2), len(x))
    exact = _exact(x, codes, w)
    sd = x.std(axis=0)
    auto = demean(x, codes, weights=w, tol=1e-12)
    dense = demean(x, codes, weights=w, tol=1e-12, method="direct")
    np.testing.assert_allclose(auto.values / sd, exact / sd, rtol=0, atol=TOL)
    np.testing.assert_allclose(dense.values / sd, exact / sd, rtol=0, atol=TOL)
    # solved in the reduced space, passing the check against the data: no sweeps after
    assert auto.iterations == dense.iterations == 1


def test_the_reduced_matrix_is_the_schur_complement() -> None:
    x, codes = _problem(9, n=600, three=True)
    w = np.random.default_rng(9).uniform(0.5, 2.0, len(x))
    system, _ = _system(x, codes, w)
    d1, z = _dummies(codes[0]), _dummies(*codes[1:])
    zw, d1w = z * w[:, None], d1 * w[:, None]
    schur = z.T @ zw - (z.T @ d1w) @ np.linalg.solve(d1.T @ d1w, d1w.T @ z)
    np.testing.assert_allclose(system.dense(), schur, rtol=0, atol=1e-10 * np.abs(schur).max())


def _system(x: np.ndarray, codes: list[np.ndarray], w: np.ndarray | None):
    """The reduced system as direct_project sets it up (largest effect first here)."""
    sizes = [int(c.max()) + 1 for c in codes]
    small = list(range(1, len(codes)))
    offsets = np.cumsum([0, *(sizes[g] for g in small)])
    system = ad._reduced(codes, w, 0, small, sizes, offsets, x.shape[1])
    means1 = ad.group_sums(codes[0], sizes[0], x, w) * system.inv_n1[:, None]
    rhs = -(system.cross.T @ means1)
    for i, g in enumerate(small):
        rhs[offsets[i] : offsets[i + 1]] += ad.group_sums(codes[g], sizes[g], x, w)
    return system, rhs


@pytest.mark.parametrize("three", [False, True], ids=["two", "three"])
def test_cg_solves_the_reduced_system(three: bool) -> None:
    x, codes = _problem(3, three=three)
    w = np.random.default_rng(3).uniform(0.5, 2.0, len(x))
    system, rhs = _system(x - x.mean(axis=0), codes, w)
    coef = ad._cg(system, rhs, dense_ns=None)
    assert coef is not None
    schur = system.dense()
    np.testing.assert_allclose(schur @ coef, rhs, rtol=0, atol=1e-9 * np.abs(rhs).max())
    # the operator is the dense matrix: S v computed both ways
    v = np.random.default_rng(4).standard_normal(rhs.shape)
    np.testing.assert_allclose(
        system.matvec(v), schur @ v, rtol=0, atol=1e-10 * np.abs(schur).max()
    )


def test_reference_cholesky_on_connected_effects_and_pivoted_on_disconnected() -> None:
    for blocks, connected in ((1, True), (3, False)):
        x, codes = _problem(5, blocks=blocks)
        system, rhs = _system(x - x.mean(axis=0), codes, None)
        schur = system.dense()
        ref = ad._reference_solve(schur, rhs, system.blocks)
        piv = ad._pivoted_solve(schur, rhs)
        assert piv is not None
        assert (ref is not None) == connected  # a second null direction: no plain factor
        for sol in (s for s in (ref, piv) if s is not None):
            np.testing.assert_allclose(schur @ sol, rhs, rtol=0, atol=1e-9 * np.abs(rhs).max())
        if ref is not None:  # the two solutions differ by a constant: the same residual
            diff = ref - piv
            spread = diff - diff.mean(axis=0)
            np.testing.assert_allclose(spread, 0.0, rtol=0, atol=1e-10 * np.abs(piv).max())


def test_slow_cg_gives_way_to_the_dense_solve() -> None:
    # firm i is seen only in years i and i+1: a path graph, CG needs many iterations
    rng = np.random.default_rng(6)
    firm = np.repeat(np.arange(300), 6)
    year = firm + np.tile([0, 0, 0, 1, 1, 1], 300)
    x = rng.standard_normal((firm.size, 2)) + np.sqrt(year)[:, None]
    system, rhs = _system(x - x.mean(axis=0), [firm, year], None)
    assert ad._cg(system, rhs, dense_ns=1e5) is None  # predicted slower than the dense solve
    res = demean(x, [firm, year], tol=1e-12)
    exact = _exact(x, [firm, year], None)
    np.testing.assert_allclose(res.values, exact, rtol=0, atol=TOL * x.std())


def test_level_nested_in_the_largest_effect() -> None:
    # year 15 occurs only within firm 0: no variation left for it after firm means
    x, (firm, year) = _problem(7)
    year = year.copy()
    year[firm == 0] = 15
    res = demean(x, [firm, year], tol=1e-12)
    exact = _exact(x, [firm, year], None)
    sd = x.std(axis=0)
    np.testing.assert_allclose(res.values / sd, exact / sd, rtol=0, atol=TOL)


def test_row_blocks_of_the_sparse_products_change_nothing(monkeypatch) -> None:
    rng = np.random.default_rng(8)
    n = 300_000
    firm, year = rng.integers(0, n // 10, n), rng.integers(0, 500, n)
    x = rng.normal(size=(n, 4)) + rng.normal(size=n // 10)[firm][:, None]
    out = {}
    for threads in ("1", "2"):
        monkeypatch.setenv("VCEREG_NUM_THREADS", threads)
        out[threads] = demean(x, [firm, year]).values
    np.testing.assert_array_equal(out["1"], out["2"])


def test_small_effects_too_many_for_the_dense_solve(monkeypatch) -> None:
    """More levels besides the largest effect than the dense solve takes, and a sparse
    block between the two small effects (limits lowered so the reference stays cheap):
    CG alone, in the reduced space."""
    monkeypatch.setattr(absorb, "_DIRECT_MAX_LEVELS", 20)
    monkeypatch.setattr(ad, "_DENSE_CELLS", 50)
    x, codes = _problem(10, three=True)
    assert (codes[1].max() + 1) * (codes[2].max() + 1) > ad._DENSE_CELLS
    res = demean(x, codes, tol=1e-12)
    assert res.iterations == 1  # solved in the reduced space, no sweeps after
    with pytest.raises(EstimationError, match="at most 20 levels"):
        demean(x, codes, method="direct")
    exact = _exact(x, codes, None)
    sd = x.std(axis=0)
    np.testing.assert_allclose(res.values / sd, exact / sd, rtol=0, atol=TOL)


def test_cg_reaches_rounding_level_or_says_it_stalled() -> None:
    # each small effect's constant is in the null space: rounding there is projected out,
    # so connected effects converge; several components leave null directions CG cannot
    # know, and it stops (the dense solve or the sweeps take over)
    for blocks, converges in ((1, True), (3, False)):
        x, codes = _problem(10, three=True, blocks=blocks)
        system, rhs = _system(x - x.mean(axis=0), codes, None)
        assert (ad._cg(system, rhs, dense_ns=None) is not None) == converges
