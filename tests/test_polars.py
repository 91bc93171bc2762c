"""Polars DataFrames are accepted at the API boundary and give the pandas numbers."""

from __future__ import annotations

import numpy as np
import pytest

import vcereg

pl = pytest.importorskip("polars")


def test_polars_frame_gives_the_same_results(student):
    frame = pl.from_pandas(student)
    a = vcereg.regress("G3 ~ absences + C(Mjob) | vce(cluster Mjob)", frame)
    b = vcereg.regress("G3 ~ absences + C(Mjob) | vce(cluster Mjob)", student)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-12)
    np.testing.assert_allclose(a.cov, b.cov, rtol=1e-12)
    s = vcereg.stata("reg G3 absences i.Medu, vce(robust)", frame)
    assert s.nobs == len(student)


def test_polars_nulls_are_counted_as_missing(student):
    frame = pl.from_pandas(student).with_columns(
        pl.when(pl.col("age") > 20).then(None).otherwise(pl.col("absences")).alias("absences")
    )
    r = vcereg.regress("G3 ~ absences", frame)
    assert r.rows.dropped_missing == int((student["age"] > 20).sum())
