"""linalg: the design-only least squares (zero response) and the blocked weighted Gram.

The ML fits ask ``least_squares(X, 0)`` for a factor of the design alone (leverage, the
bread, the rank pattern). A zero response used to fail the Gram-matrix Cholesky (its last
pivot is 0) and fall back to a QR; now the Gram path factors the design block. References
are numpy's inverse of X'X and its rank, independent of the package's factorisations;
tolerance 1e-9 relative: the scaled Gram matrices here have condition numbers below 1e3,
so both sides carry rounding of order eps * cond.
"""

from __future__ import annotations

import numpy as np
import pytest

from vcereg.linalg import least_squares, weighted_gram


def _design(n: int, scales: list[float]) -> np.ndarray:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(n, len(scales))) * np.array(scales)
    x[:, 0] = 1.0
    return np.asfortranarray(x)


@pytest.mark.parametrize("scales", [[1.0, 1.0, 1.0, 1.0], [1.0, 1e-6, 1e5, 1e9]])
@pytest.mark.parametrize("n", [500, 50_000])  # QR path below 2,000 rows, Gram path above
def test_zero_response_gives_the_design_bread(n: int, scales: list[float]) -> None:
    x = _design(n, scales)
    ls = least_squares(x, np.zeros(n))
    want = np.linalg.inv(x.T @ x)
    np.testing.assert_allclose(ls.bread(), want, rtol=1e-9, atol=0)
    assert ls.keep.all() and ls.rank == x.shape[1]
    np.testing.assert_array_equal(ls.beta, np.zeros(x.shape[1]))
    h = ls.leverage(x[:200])
    np.testing.assert_allclose(h, np.einsum("ij,jk,ik->i", x[:200], want, x[:200]), rtol=1e-9)


@pytest.mark.parametrize("n", [500, 50_000])
def test_zero_response_drops_the_collinear_column(n: int) -> None:
    x = _design(n, [1.0, 1.0, 1e5])
    x = np.asfortranarray(np.column_stack([x, 2.0 * x[:, 1] - x[:, 2] / 1e5]))
    ls = least_squares(x, np.zeros(n))
    assert ls.keep.tolist() == [True, True, True, False]
    assert np.linalg.matrix_rank(x) == 3


def test_weighted_gram_matches_the_dense_product() -> None:
    rng = np.random.default_rng(3)
    a = rng.normal(size=(150_000, 4)) * np.array([1.0, 1e-6, 1e5, 1e9])  # several row blocks
    w = rng.uniform(0.1, 3.0, size=a.shape[0])
    np.testing.assert_allclose(weighted_gram(a, w), (a * w[:, None]).T @ a, rtol=1e-12)
