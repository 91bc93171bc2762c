"""Columns with spaces in vce(cluster ...), fe(...) and weights(...): written in
backquotes or as Q('...'), and fitted exactly as the same model on renamed columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import vcereg
from tests.tolerances import REL_IDENTITY


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(3)
    n = 120
    plain = pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "x": rng.normal(size=n),
            "g": rng.integers(0, 12, n),
            "w": rng.uniform(0.5, 2, n),
        }
    )
    spaced = plain.rename(columns={"g": "my g", "w": "my w"})
    return plain, spaced


@pytest.mark.parametrize("quote", ["`my {}`", "Q('my {}')", 'Q("my {}")'])
@pytest.mark.parametrize(
    "section", ["vce(cluster {g})", "fe({g})", "weights({w})", "fe({g}) | vce(cluster {g})"]
)
def test_names_with_spaces(frames, quote, section):
    plain, spaced = frames
    ours = vcereg.regress(
        "y ~ x | " + section.format(g=quote.format("g"), w=quote.format("w")), spaced
    )
    ref = vcereg.regress("y ~ x | " + section.format(g="g", w="w"), plain)
    np.testing.assert_allclose(ours.params.to_numpy(), ref.params.to_numpy(), rtol=REL_IDENTITY)
    np.testing.assert_allclose(ours.cov.to_numpy(), ref.cov.to_numpy(), rtol=REL_IDENTITY)


def test_unquoted_space_says_how_to_quote(frames):
    _, spaced = frames
    with pytest.raises(vcereg.errors.VceregError, match="my g"):
        vcereg.regress("y ~ x | vce(cluster my g)", spaced)
    with pytest.raises(vcereg.errors.SpecError, match="backquotes"):
        vcereg.regress("y ~ x | vce(cluster my-g)", spaced)
