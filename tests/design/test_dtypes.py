"""Formula arithmetic happens in float64 whatever the column dtype (issue 8).

Reference: the same model on the same data converted to float64 by the test (numpy
double arithmetic, as Stata computes), compared at REL_REFERENCE.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import vcereg
from tests.tolerances import REL_REFERENCE

DTYPES = [
    "int8", "int16", "int32", "int64", "uint8", "uint16", "Int16", "Int64", "UInt8",
    "float32", "Float64", "int16[pyarrow]", "uint8[pyarrow]",
]  # fmt: skip


def _frame(dtype: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(8)
    n = 60
    year = rng.integers(1990, 2020, n) if "8" not in dtype else rng.integers(20, 120, n)
    small = rng.integers(1, 120, n)
    g = rng.integers(1, 4, n)
    y = 0.5 * year + 0.01 * year.astype(float) ** 2 + small + rng.normal(size=n)
    exact = pd.DataFrame({"y": y, "year": year, "small": small, "g": g}).astype(float)
    exact["g"] = g  # only used as a category: labels stay integers
    if "pyarrow" in dtype:
        pytest.importorskip("pyarrow")
    typed = exact.astype({"year": dtype, "small": dtype, "g": dtype})
    return typed, exact


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "model",
    [
        "y ~ year + I(year**2)",
        "y ~ year + I(year * small) + np.log(small)",
        "y ~ year:small + C(g)",
        "y ~ year + C(g > 1) + C(g)",
        "regress y c.year#c.year c.year#c.small i.g",
    ],
)
def test_formula_arithmetic_is_float64(dtype, model):
    typed, exact = _frame(dtype)
    ours = vcereg.regress(model, typed)
    ref = vcereg.regress(model, exact)
    if "loat" not in dtype:  # C(g) labels keep integers
        assert list(ours.params.index) == list(ref.params.index)
    np.testing.assert_allclose(ours.params, ref.params, rtol=REL_REFERENCE)
    np.testing.assert_allclose(ours.rsquared, ref.rsquared, rtol=REL_REFERENCE)


def test_int16_square_does_not_wrap():
    """The issue's case: year squared in int16 wrapped around (R-squared 0.0099 vs 0.94)."""
    typed, exact = _frame("int16")
    x = exact["year"].to_numpy()
    xx = np.column_stack([np.ones_like(x), x, x * x])
    beta, *_ = np.linalg.lstsq(xx, exact["y"].to_numpy(), rcond=None)
    r = vcereg.regress("y ~ year + I(year**2)", typed)
    np.testing.assert_allclose(r.params.to_numpy(), beta, rtol=1e-6)


def test_bool_arithmetic_counts():
    """numpy adds booleans as logical or; Stata adds 0/1 numbers."""
    rng = np.random.default_rng(1)
    d = pd.DataFrame({"a": rng.random(50) > 0.5, "b": rng.random(50) > 0.5})
    d["y"] = d["a"].astype(float) + d["b"] + rng.normal(size=50)
    r = vcereg.regress("y ~ I(a + b)", d)
    ref = vcereg.regress("y ~ s", d.assign(s=d["a"].astype(float) + d["b"].astype(float)))
    np.testing.assert_allclose(r.params.to_numpy(), ref.params.to_numpy(), rtol=REL_REFERENCE)


def test_if_keeps_exact_integers():
    """``if()`` compares the column as it is: 2**53 + 1 is not 2**53 in int64."""
    big = 2**53
    d = pd.DataFrame({"id": np.array([big, big + 1] * 10, dtype="int64"), "x": np.arange(20.0)})
    d["y"] = d["x"] * 2 + np.sin(np.arange(20))
    r = vcereg.regress(f"y ~ x | if(id == {big + 1})", d)
    assert r.nobs == 10


def test_input_not_modified():
    typed, _ = _frame("int16")
    before = typed.copy()
    vcereg.regress("y ~ I(year**2)", typed)
    pd.testing.assert_frame_equal(typed, before)
