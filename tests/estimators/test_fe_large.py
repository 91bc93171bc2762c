"""Absorbed fixed effects at the size where vcereg's own loops run in threads (at least
_threads.MIN_PARALLEL_ROWS rows) and the direct two-effect solve is used, against an
independent implementation (pyfixest), not only against vcereg on one thread.

250,000 rows, 5,000 firms x 20 years (not nested), analytic weights, CRV1 by firm.
Tolerance 1e-9 relative: both sides demean to 1e-12 (pyfixest's fixef_tol set so), and
the observed agreement is ~1e-15.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest

import vcereg
from vcereg import _threads

N = 250_000


@pytest.fixture(scope="module")
def big() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    firm = rng.integers(0, 5000, N)
    year = rng.integers(0, 20, N)
    x1 = rng.normal(size=N) + 0.1 * firm / 5000
    x2 = rng.normal(size=N) * (1 + 0.5 * (year % 3))
    y = 1 + 0.5 * x1 - 0.3 * x2 + np.sin(firm) + 0.05 * year + rng.normal(size=N)
    w = rng.uniform(0.5, 2.0, N)
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2, "firm": firm, "year": year, "w": w})


@pytest.mark.parametrize("weights", [False, True], ids=["unweighted", "aweights"])
def test_threaded_fixed_effects_match_pyfixest(big, weights, monkeypatch):
    monkeypatch.setenv("VCEREG_NUM_THREADS", "2")
    assert N >= _threads.MIN_PARALLEL_ROWS and _threads.n_threads() == 2
    model = "y ~ x1 + x2 | fe(firm year) | vce(cluster firm)"
    r = vcereg.regress(model + (" | weights(w)" if weights else ""), big)
    ref = pf.feols(
        "y ~ x1 + x2 | firm + year",
        big,
        vcov={"CRV1": "firm"},
        weights="w" if weights else None,
        fixef_tol=1e-12,
    )
    np.testing.assert_allclose(r.params[["x1", "x2"]], ref.coef().to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(r.se[["x1", "x2"]], ref.se().to_numpy(), rtol=1e-9)
    assert r.nobs == N
