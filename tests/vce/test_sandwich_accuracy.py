"""Sandwich covariances on a near-collinear design with large residuals, against exact
rational arithmetic.

The data are the differential test's failing example (hypothesis seed 20261814): a
boolean x0, xn = x0 plus noise of 1e-3, its square, and an int32 response at the type's
extremes. Forming the meat ``M = sum u_i^2 x_i x_i'`` first and computing ``B M B`` lost
seven digits of one standard error (relative error 1.1e-7); putting the bread on each
score before the sum (``vce.kernels.hc_sandwich``) keeps them. Reference: the same
formulas in ``fractions.Fraction`` (exact; every float is a rational). Tolerance 1e-10
relative: the fit itself is computed in floating point, with condition number ~500.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

import vcereg

X0 = [0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 1, 1, 0, 1, 0, 0, 1, 0, 0, 1]
XN = [
    0.00010252827339064652, -0.0001877373436347415, 0.9984918980239489, 0.9948071508442484,
    0.9980367357700547, 0.994592076507152, 0.993284457870651, 1.001113893384055,
    0.9945027758528244, 0.0057992340982784395, 0.0035509471185667532, 0.9901001065685007,
    1.0013484954936054, -0.005459398375227902, 0.0001638103024893576, 0.00021621206703983722,
    0.9901466220229801, 0.9988433082381751, -0.0012675307305540348, 1.0047670553471122,
    0.9941455101772076, 1.0036572605305918, -0.005445801548909927, 0.9983583356045875,
    -0.004164843967347064, 0.0071789796458336394, 1.00281569833486, 0.012050100854128604,
    0.00318092434048918, 1.0041872400234846,
]  # fmt: skip
LOW = -2147483648
Y = [LOW] * 30
for i, v in {3: 2019878976, 7: 2087031332, 11: 1525051280, 17: 2078529868, 19: 1336556339,
             21: 1411462246}.items():  # fmt: skip
    Y[i] = v


def _data() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "x0": np.array(X0, dtype=bool),
            "xn": np.array(XN),
            "y": np.array(Y, dtype=np.int32),
            "g": np.arange(30) % 6,
        }
    )


def _inverse(a: list[list[Fraction]]) -> list[list[Fraction]]:
    n = len(a)
    m = [row[:] + [Fraction(int(i == j)) for j in range(n)] for i, row in enumerate(a)]
    for c in range(n):
        p = next(r for r in range(c, n) if m[r][c] != 0)
        m[c], m[p] = m[p], m[c]
        piv = m[c][c]
        m[c] = [v / piv for v in m[c]]
        for r in range(n):
            if r != c and m[r][c] != 0:
                f = m[r][c]
                m[r] = [a - f * b for a, b in zip(m[r], m[c], strict=True)]
    return [row[n:] for row in m]


def _exact_se(vce: str) -> list[float]:
    pairs = zip(X0, XN, strict=True)
    rows = [[Fraction(1), Fraction(a), Fraction(b), Fraction(b) ** 2] for a, b in pairs]
    y = [Fraction(v) for v in Y]
    n, k = len(rows), 4
    xtx = [[sum(r[i] * r[j] for r in rows) for j in range(k)] for i in range(k)]
    b_inv = _inverse(xtx)
    xty = [sum(r[i] * v for r, v in zip(rows, y, strict=True)) for i in range(k)]
    beta = [sum(b_inv[i][j] * xty[j] for j in range(k)) for i in range(k)]
    u = [v - sum(r[j] * beta[j] for j in range(k)) for r, v in zip(rows, y, strict=True)]
    if vce == "cluster":
        scores = {}
        for i, r in enumerate(rows):
            s = scores.setdefault(i % 6, [Fraction(0)] * k)
            for j in range(k):
                s[j] += r[j] * u[i]
        vecs, weights = list(scores.values()), [Fraction(1)] * 6
        factor = Fraction(6, 5) * Fraction(n - 1, n - k)
    else:
        vecs = rows
        weights = [ui * ui for ui in u]
        factor = Fraction(n, n - k)
        if vce == "hc2":
            lev = [_quad(r, b_inv, r) for r in rows]
            weights = [w / (1 - h) for w, h in zip(weights, lev, strict=True)]
            factor = Fraction(1)
    vw = list(zip(vecs, weights, strict=True))
    meat = [[sum(w * v[i] * v[j] for v, w in vw) for j in range(k)] for i in range(k)]
    return [float(factor * _quad(b_inv[i], meat, b_inv[i])) ** 0.5 for i in range(k)]


def _quad(a: list[Fraction], m: list[list[Fraction]], b: list[Fraction]) -> Fraction:
    """a' M b (B is symmetric, so row i of B is its column i)."""
    return sum((a[i] * m[i][j] * b[j] for i in range(len(a)) for j in range(len(b))), Fraction(0))


@pytest.mark.parametrize(
    ("vce", "spelled"), [("robust", "robust"), ("hc2", "hc2"), ("cluster", "cluster g")]
)
def test_near_collinear_sandwich_matches_exact_arithmetic(vce: str, spelled: str) -> None:
    res = vcereg.regress(f"y ~ x0 + xn + I(xn ** 2) | vce({spelled})", _data())
    np.testing.assert_allclose(res.se.to_numpy(), _exact_se(vce), rtol=1e-10, atol=0)
