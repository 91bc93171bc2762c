"""Safe mode bounds what a formula may allocate or compute (issue 8): each construct is
refused quickly (well under a second) with a FormulaError that names it."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import vcereg
from vcereg.errors import FormulaError


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 300
    return pd.DataFrame(
        {"y": rng.normal(size=n), "x": rng.normal(size=n), "id": np.arange(n), "g": np.arange(n)}
    )


BOMBS = [
    ("y ~ {[0] * 10**9}", "repetition"),
    ("y ~ I((0,) * 10**9)", "repetition"),
    ("y ~ I(10**9 * [0])", "repetition"),
    ("y ~ I(x + len([0] * 10**9))", "calling 'len'"),
    ("y ~ poly(x, 10**6)", "poly"),
    ("y ~ poly(x, degree=1000000)", "poly"),
    ("y ~ bs(x, df=10**6)", "bs"),
    ("y ~ bs(x, df=100000)", "bs"),
    ("y ~ bs(x, knots=list(range(10**7)))", "knots"),
    ("y ~ I(x + (1 << 10**9))", "shift"),
    ("y ~ I(x * (10**64) ** 64 ** 2)", "constant power"),
    ("y ~ C(id):C(g)", "columns"),
    ("y ~ (a+b+c+d+e+f+g+h+i+j+k+l+m+n+o+p+q+r)**18", "interactions"),
    ("y ~ x + " + "x*" * 60_000 + "x", "characters"),
]


@pytest.mark.parametrize(("formula", "named"), BOMBS, ids=[b[1] for b in BOMBS])
def test_resource_bombs_are_refused_quickly(data, formula, named):
    start = time.perf_counter()
    with pytest.raises(FormulaError, match=named):
        vcereg.regress(formula, data)
    assert time.perf_counter() - start < 5.0  # the parse guard fires at 2 s


def test_reasonable_bases_still_work(data):
    assert len(vcereg.regress("y ~ poly(x, 3)", data).terms) == 4
    assert len(vcereg.regress("y ~ bs(x, df=5)", data).terms) == 6
    small = data.iloc[:12]
    with pytest.raises(FormulaError, match="poly"):
        vcereg.regress("y ~ poly(x, 20)", small)  # more columns than rows


def test_security_file_exists_and_states_the_limits():
    text = (Path(__file__).parents[2] / "SECURITY.md").read_text()
    for word in ("safe mode", "not", "poly", "repetition", "safe=False"):
        assert word in text
