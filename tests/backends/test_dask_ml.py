"""Logit, probit, cloglog and Poisson on Dask DataFrames: the same numbers as in memory
(each Newton step is one pass of sufficient statistics; tolerance 1e-10 relative: the
sums are added in another order), and clear refusals for what the backend does not do."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import vcereg
from vcereg.errors import DataError, NotSupportedError

dd = pytest.importorskip("dask.dataframe")


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 4000
    df = pd.DataFrame({
        "x": rng.normal(size=n), "z": rng.uniform(size=n), "g": rng.integers(0, 40, n),
        "t": rng.uniform(1, 2, n), "fw": rng.integers(1, 4, n), "w": rng.uniform(0.5, 2, n),
    })  # fmt: skip
    df["y"] = (rng.uniform(size=n) < 1 / (1 + np.exp(-(0.3 + df.x - df.z)))).astype(int)
    df["c"] = rng.poisson(df.t * np.exp(0.2 * df.x))
    df.loc[[5, 17], "x"] = np.nan  # dropped in both
    return df


LINES = [
    "logit y x z",
    "logit y x z [fw=fw], vce(cluster g)",
    "probit y x z i.g, vce(robust)",
    "poisson c x z, exposure(t) vce(cluster g)",
    "poisson c x z [pw=w]",
    "y ~ x + z | cloglog | vce(hc0)",
]


@pytest.mark.parametrize("line", LINES)
def test_same_as_in_memory(frame, line, sync_scheduler):
    a = vcereg.regress(line, frame)
    b = vcereg.regress(line, dd.from_pandas(frame, npartitions=5))
    np.testing.assert_allclose(b.params, a.params, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(b.cov.to_numpy(), a.cov.to_numpy(), rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(b.loglik, a.loglik, rtol=1e-12)
    np.testing.assert_allclose(b.ll_0, a.ll_0, rtol=1e-12)
    np.testing.assert_allclose(b.chi2, a.chi2, rtol=1e-9)
    assert (b.nobs, b.n_dropped, b.model_test) == (a.nobs, a.n_dropped, a.model_test)
    assert b.summary() == a.summary()


def test_on_a_distributed_cluster(frame, dask_client):
    a = vcereg.regress("logit y x z, vce(cluster g)", frame)
    b = vcereg.regress("logit y x z, vce(cluster g)", dd.from_pandas(frame, npartitions=3))
    np.testing.assert_allclose(b.se, a.se, rtol=1e-9)


def test_refusals(frame, sync_scheduler):
    ddf = dd.from_pandas(frame, npartitions=2)
    with pytest.raises(NotSupportedError, match="absorbed fixed effects"):
        vcereg.regress("y ~ x | logit | fe(g)", ddf)
    with pytest.raises(NotSupportedError, match="not available on a Dask"):
        vcereg.regress("nbreg c x", ddf)
    with pytest.raises(NotSupportedError, match="vce\\(opg\\)"):
        vcereg.regress("logit y x, vce(opg)", ddf)
    bad = frame.assign(d=(frame.x > 1).astype(int))
    bad.loc[bad.d == 1, "y"] = 0
    with pytest.raises(NotSupportedError, match="d != 0 predicts failure"):
        vcereg.regress("logit y x d", dd.from_pandas(bad, npartitions=2))
    with pytest.raises(DataError, match="outcome does not vary"):
        vcereg.regress("logit y x", dd.from_pandas(frame.assign(y=1), npartitions=2))
