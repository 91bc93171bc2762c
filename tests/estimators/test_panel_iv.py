"""Instruments with random effects or the between estimator are refused (issue 20, item 2).

Before, ``panel(id t) | iv(x ~ z)`` and ``panel(id t, be) | iv(x ~ z)`` returned the model with
x exogenous under an "instrumented" label. Stata's xtivreg, re (G2SLS, EC2SLS) and be need
their own variance components; with no published Stata output on data available here to
check them against, vcereg refuses them with an error that names the alternatives. The
within 2SLS (panel(id, fe) | iv) stays, checked against pyfixest's fixed-effects IV
(tolerance REL_REFERENCE).
"""

from __future__ import annotations

import numpy as np
import pyfixest as pf
import pytest

import vcereg
from tests.tolerances import REL_REFERENCE
from vcereg.errors import NotSupportedError
from vcereg.spec import PanelSpec


@pytest.fixture(scope="module")
def data(grunfeld):
    d = grunfeld.sort_values(["firm", "year"]).reset_index(drop=True)
    d["z"] = d.groupby("firm")["value"].shift(1)
    return d.dropna().reset_index(drop=True)


@pytest.mark.parametrize(
    ("option", "match"), [("", "random effects"), (", re", "random effects"), (", be", "between")]
)
def test_random_effects_and_between_with_instruments_are_refused(data, option, match):
    with pytest.raises(NotSupportedError, match=match) as err:
        vcereg.regress(f"invest ~ capital | panel(firm year{option}) | iv(value ~ z)", data)
    assert "panel(id, fe) | iv(w ~ z)" in str(err.value)


def test_xtivreg_line_says_what_to_write(data):
    with pytest.raises(NotSupportedError, match="xtivreg is not supported") as err:
        vcereg.stata(
            "xtivreg invest capital (value = z), re", data, panel=PanelSpec("firm", "year")
        )
    assert "panel(id, fe) | iv(w ~ z)" in str(err.value)


def test_within_2sls_still_works(data):
    r = vcereg.regress("invest ~ capital | panel(firm year, fe) | iv(value ~ z)", data)
    ref = pf.feols("invest ~ capital | firm | value ~ z", data)
    names = ["capital", "value"]
    np.testing.assert_allclose(r.params[names], ref.coef()[names], rtol=REL_REFERENCE)
    assert r.instrumented == ("value",)
