"""Every cell of the Stock-Yogo (2005) tables the package carries (4 sizes x 30 rows x 2
columns, for 2SLS and LIML: 480 cells) against an independent copy of ivreg2's
(tests/reference/stock_yogo_ivreg2.json, from livreg2.mata's s_cdsy). The values are
printed with two decimals, so they must agree exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vcereg.estimators import stock_yogo

REF = json.loads((Path(__file__).parents[1] / "reference" / "stock_yogo_ivreg2.json").read_text())[
    "tables"
]


@pytest.mark.parametrize("estimator", ["2sls", "liml"])
@pytest.mark.parametrize("size", [10, 15, 20, 25])
def test_every_cell_matches_ivreg2s_copy(estimator, size):
    table = (stock_yogo.SIZES if estimator == "2sls" else stock_yogo.LIML_SIZES)[size]
    ref = REF[f"{'ivsize' if estimator == '2sls' else 'limlsize'}{size}"]
    assert len(table) == len(ref) == 30
    for l2, (row, want) in enumerate(zip(table, ref, strict=True), start=1):
        assert list(row) == want, (estimator, size, l2)
        for k2 in (1, 2):
            got = stock_yogo.critical_value(size, k2=k2, l2=l2, estimator=estimator)
            assert got == want[k2 - 1], (estimator, size, l2, k2)


def test_outside_the_table():
    assert stock_yogo.critical_value(10, k2=3, l2=5) is None
    assert stock_yogo.critical_value(10, k2=1, l2=31) is None
    assert stock_yogo.critical_value(10, k2=2, l2=1) is None
    assert stock_yogo.critical_value(10, k2=1, l2=4, estimator="fuller") is None
