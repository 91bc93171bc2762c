"""The cached two-way projection (IRLS demeaning) against an exact dense dummy regression
(numpy lstsq on [D1 D2] with sqrt(w) rows), through a sequence of changing weights as IRLS
produces them, and on the degenerate shapes: nested effects (the small effect explained
entirely by the large one), levels without weight, widely spread weights."""

from __future__ import annotations

import numpy as np
import pytest

from vcereg.estimators.absorb_twoway import TwoWayDemeaner


def _exact(x, codes, w):
    d = np.column_stack([np.eye(c.max() + 1)[c] for c in codes])
    sw = np.sqrt(w)
    coef = np.linalg.lstsq(d * sw[:, None], x * sw[:, None], rcond=None)[0]
    return x - d @ coef


def _scale(x, w):
    return float(np.sqrt((w[:, None] * x**2).sum(axis=0).max() / w.sum()))


@pytest.mark.parametrize("spread", [0.3, 3.0])
def test_sequence_of_weights_matches_exact(spread):
    rng = np.random.default_rng(3)
    n = 3000
    c1, c2 = rng.integers(0, 150, n), rng.integers(0, 40, n)
    x = np.asfortranarray(rng.normal(size=(n, 3)) + c2[:, None] * 0.1)
    tw = TwoWayDemeaner([c1, c2])
    w = np.exp(rng.normal(0, spread, n))
    pcg_used = 0
    for _ in range(6):
        w = w * np.exp(rng.normal(0, 0.2, n))
        out = x.copy(order="F")
        pcg_used += tw.project(out, w)
        ref = _exact(x, [c1, c2], w)
        assert np.abs(out - ref).max() <= 1e-10 * _scale(x, w) * np.sqrt(w.max() / w.min())
    assert pcg_used > 0  # the cached factor was used, not rebuilt every time


def test_loose_tolerance_stays_in_the_span():
    """A loose tolerance (early IRLS steps) changes the answer only by something in the
    span of the dummies: what is subtracted is always D2 b + D1 a."""
    rng = np.random.default_rng(4)
    n = 2000
    c1, c2 = rng.integers(0, 100, n), rng.integers(0, 30, n)
    x = np.asfortranarray(rng.normal(size=(n, 2)))
    tw = TwoWayDemeaner([c1, c2])
    w = np.exp(rng.normal(0, 1, n))
    tw.project(x.copy(order="F"), w)
    w2 = w * np.exp(rng.normal(0, 0.5, n))
    out = x.copy(order="F")
    tw.project(out, w2, tol=1e-3)
    d = np.column_stack([np.eye(c.max() + 1)[c] for c in (c1, c2)])
    removed = x - out
    in_span = d @ np.linalg.lstsq(d, removed, rcond=None)[0]
    assert np.abs(removed - in_span).max() < 1e-10


def test_small_effect_explained_by_the_large_one():
    """Every level of c2 sits inside one level of c1 (nested): S is zero, nothing is left
    for c2, and a stale factor must not turn rounding noise into a solution."""
    rng = np.random.default_rng(5)
    c1 = np.repeat(np.arange(40), 5)
    c2 = c1 // 2  # nested in c1
    x = np.asfortranarray(rng.normal(size=(200, 2)))
    tw = TwoWayDemeaner([c1, c2])
    for _ in range(3):
        w = np.exp(rng.normal(0, 1, 200))
        out = x.copy(order="F")
        tw.project(out, w, tol=1e-4)
        np.testing.assert_allclose(out, _exact(x, [c1, c2], w), atol=1e-12)


def test_levels_without_weight_and_pinned_weights():
    rng = np.random.default_rng(6)
    n = 1500
    c1, c2 = rng.integers(0, 80, n), rng.integers(0, 25, n)
    x = np.asfortranarray(rng.normal(size=(n, 2)))
    w = np.where(rng.uniform(size=n) < 0.3, 0.0, 1.0)  # a zero-weight sample
    w[c2 == 3] = 0.0  # a level with no weight at all
    out = x.copy(order="F")
    TwoWayDemeaner([c1, c2]).project(out, w)
    keep = w > 0
    ref = _exact(x[keep], [c1[keep], c2[keep]], w[keep])
    np.testing.assert_allclose(out[keep], ref, atol=1e-11)
    pinned = np.where(rng.uniform(size=n) < 0.5, 1.0 / np.sqrt(np.finfo(float).eps), 1.0)
    out = x.copy(order="F")
    TwoWayDemeaner([c1, c2]).project(out, pinned)
    np.testing.assert_allclose(out, _exact(x, [c1, c2], pinned), atol=1e-7)


def test_applicable():
    a, b = np.arange(10) % 5, np.arange(10) % 2
    assert TwoWayDemeaner.applicable([a, b])
    assert not TwoWayDemeaner.applicable([a])
    assert not TwoWayDemeaner.applicable([a, b, b])
    assert not TwoWayDemeaner.applicable([np.arange(5000), np.arange(5000) % 2500])
