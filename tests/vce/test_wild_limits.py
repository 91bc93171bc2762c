"""Resource limits of the wild cluster bootstrap: memory stays bounded for any number of
clusters (measured with tracemalloc, not timed), and impossible requests are refused
before anything is allocated."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest

import vcereg
from vcereg.errors import VceOptionError
from vcereg.vce.wild_kernels import (
    bootstrap_draws,
    chunk_size,
    cluster_moments,
    plan_weights,
)


@pytest.mark.parametrize("g", [2, 50, 10_000, 100_000, 3_000_000, 40_000_000])
@pytest.mark.parametrize("n_restrictions", [1, 10, 50])
def test_work_blocks_are_bounded_for_any_number_of_clusters(g, n_restrictions):
    """One (G x draws) block holds at most ~4 million doubles (or one draw when G alone
    is more), whatever the number of coefficients bootstrapped."""
    b = chunk_size(n_restrictions, g)
    assert b >= 1
    assert b * g <= max(4_000_000, g)


def _moments(n: int, g: int, k: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(n), rng.normal(size=(n, k - 1))])
    codes = rng.integers(0, g, n)
    codes[:g] = np.arange(g)  # every cluster present
    y = x @ np.ones(k) + rng.normal(size=n)
    bread = np.linalg.inv(x.T @ x)
    beta = bread @ x.T @ y
    return cluster_moments(x, y - x @ beta, codes, bread, beta), k


def test_peak_memory_does_not_grow_with_draw_blocks():
    """G = 60,000 clusters, four coefficients, 300 draws: the old minimum block of 256
    draws needed (J x G x 256) doubles per array, ~500 MB; bounded blocks stay far below."""
    moments, k = _moments(120_000, 60_000, 4)
    plan = plan_weights("webb", 60_000, 300, seed=1)
    tracemalloc.start()
    try:
        draws = bootstrap_draws(moments, np.eye(k), plan, null=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(draws) == k and draws[0].reps == 300
    assert peak < 250 * 2**20, f"peak {peak / 2**20:.0f} MiB"


@pytest.mark.parametrize("reps", ["100000000000", "1e11"])
def test_impossible_reps_are_refused_clearly(student, reps):
    model = f"G3 ~ absences | vce(wild Mjob, reps({reps}) seed(1) weights(webb))"
    with pytest.raises(VceOptionError, match=r"reps\(100000000000\) would keep .* GiB"):
        vcereg.regress(model, student)
    r = vcereg.regress("G3 ~ absences", student)
    with pytest.raises(VceOptionError, match="use at most"):
        r.boottest("absences", cluster="Mjob", reps=10**11, weights="webb", seed=1)


def test_exponent_reps_are_the_integer(student):
    a = vcereg.regress("G3 ~ absences | vce(wild Mjob, reps(1e3) seed(1) weights(webb))", student)
    b = vcereg.regress("G3 ~ absences | vce(wild Mjob, reps(1000) seed(1) weights(webb))", student)
    pd.testing.assert_series_equal(a.pvalue, b.pvalue)
    with pytest.raises(VceOptionError, match="integer >= 1"):
        vcereg.regress("G3 ~ absences | vce(wild Mjob, reps(12.5))", student)
