"""Building one piece of a larger data set: given levels, empty pieces, nullable text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

import vcereg
from vcereg.design import build
from vcereg.design.build import STATEFUL
from vcereg.errors import EmptySampleError


@pytest.fixture
def data() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 120
    return pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "x": rng.normal(size=n),
            "g": rng.choice(["a", "b", "c"], n),
            "h": rng.integers(1, 4, n),
        }
    )


def test_given_levels_give_every_piece_the_same_columns(data):
    spec = vcereg.parse("y ~ x + g + C(h)")
    whole = build(spec, data)
    assert dict(whole.levels) == {"g": ("a", "b", "c"), "C(h)": (1, 2, 3)}
    piece = data[(data.g == "a") & (data.h == 1)]  # one level of each
    part = build(spec, piece, levels=whole.levels, partition=True)
    assert part.terms == whole.terms
    rows = np.flatnonzero(((data.g == "a") & (data.h == 1)).to_numpy())
    np.testing.assert_array_equal(part.x, whole.x[rows])


def test_empty_piece_keeps_its_row_accounting(data):
    spec = vcereg.parse("y ~ x + g | if(x > 100)")
    with pytest.raises(EmptySampleError):
        build(spec, data)
    part = build(spec, data, partition=True)
    assert part.rows.n_input == len(data) and part.rows.excluded_if == len(data)
    assert len(part.y) == 0


def test_piece_leaves_analytic_weights_unnormalised(data):
    d = data.assign(w=np.linspace(1, 3, len(data)))
    spec = vcereg.parse("y ~ x | weights(w)")
    np.testing.assert_allclose(build(spec, d, partition=True).weights, d.w)
    full = build(spec, d).weights
    assert full is not None and full.sum() == pytest.approx(len(d))


def test_data_fitted_transforms_are_listed(data):
    assert build(vcereg.parse("y ~ center(x)"), data).levels[STATEFUL] == ("center(x)",)


@pytest.mark.parametrize("dtype", ["string[python]", "string[pyarrow]"])
def test_nullable_text_columns_are_categories(data, dtype):
    """Reference: statsmodels (patsy) on the plain text column."""
    r = vcereg.regress("y ~ x + g", data.assign(g=data.g.astype(dtype)))
    ref = smf.ols("y ~ x + g", data.assign(g=data.g.astype(object))).fit()
    assert set(r.terms) == set(ref.params.index)
    np.testing.assert_allclose(r.params[ref.params.index], ref.params, rtol=1e-10)
