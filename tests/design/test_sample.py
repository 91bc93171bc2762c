"""Group codes: the O(N) integer path must give pandas' sorted factorize codes exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vcereg.design.sample import codes, missing_mask

INT_TYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]


@pytest.mark.parametrize("dtype", INT_TYPES)
def test_integer_codes_match_sorted_factorize(dtype: type) -> None:
    info = np.iinfo(dtype)
    rng = np.random.default_rng(0)
    cases = [
        rng.integers(0, min(100, info.max), 1000).astype(dtype),  # compact: the fast path
        np.array([info.min, info.max, info.min, 0], dtype=dtype),  # full range: wrap-around risk
        np.array([info.max - 1, info.max, info.max], dtype=dtype),  # near the top
    ]
    for values in cases:
        got = codes(pd.Series(values))
        expected = pd.factorize(pd.Series(values), sort=True)[0]
        np.testing.assert_array_equal(got, expected)
        assert got.dtype == np.int64


@pytest.mark.parametrize(
    "series",
    [
        pd.Series(["b", "a", "b"]),
        pd.Series([3, 1, 3], dtype="Int16"),
        pd.Series([2.5, -1.0, 2.5]),
        pd.Series([10**12, 5, 10**12]),  # sparse range: the hash-table path
    ],
    ids=["text", "nullable", "float", "sparse-range"],
)
def test_other_columns_match_sorted_factorize(series: pd.Series) -> None:
    np.testing.assert_array_equal(codes(series), pd.factorize(series, sort=True)[0])


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        (pd.Series([1, 2, 3], dtype=np.int8), [False, False, False]),
        (pd.Series([1, 2, 3], dtype=np.uint64), [False, False, False]),
        (pd.Series([True, False, True]), [False, False, False]),
        (pd.Series([1.0, np.nan, np.inf], dtype=np.float32), [False, True, True]),
        (pd.Series([1.0, -np.inf, 2.0]), [False, True, False]),
        (pd.Series([1, None, 3], dtype="Int16"), [False, True, False]),
        (pd.Series([1.5, None, np.inf], dtype="Float64"), [False, True, True]),
        (pd.Series([1.0, None, 2.0], dtype="float64[pyarrow]"), [False, True, False]),
        (pd.Series(["a", None, "c"]), [False, True, False]),
    ],
    ids=["int8", "uint64", "bool", "float32", "float64", "Int16", "Float64", "pyarrow", "text"],
)
def test_missing_mask_on_every_dtype(series: pd.Series, expected: list[bool]) -> None:
    assert missing_mask(series).tolist() == expected
