"""Published Stata output (tests/reference/stata_published.json): the exact command, and the
numbers compared at the precision Stata prints them."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import vcereg
from tests.conftest import DATA

REF = json.loads((Path(__file__).parents[1] / "reference" / "stata_published.json").read_text())


def _half_ulp(text: str) -> float:
    """Half a unit in the last printed digit of a Stata number such as '.0003284'."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 0.5 * 10.0**-decimals


def test_ivregress_hsng_matches_the_manual():
    ref = REF["ivregress_hsng"]
    r = vcereg.stata(ref["command"], pd.read_csv(DATA / "hsng.csv"))
    assert r.nobs == ref["nobs"]
    assert r.df_inference is None  # z statistics without `small`
    assert r.fstat * r.f_df[0] == pytest.approx(ref["wald_chi2"], abs=0.005)
    assert r.rsquared == pytest.approx(ref["r2"], abs=5e-5)
    assert r.rmse == pytest.approx(ref["rmse"], abs=5e-4)
    names = {v: k for k, v in r.display_names.items()}
    for term, (b, se) in ref["coef"].items():
        assert float(r.params[names[term]]) == pytest.approx(float(b), abs=_half_ulp(b))
        assert float(r.se[names[term]]) == pytest.approx(float(se), abs=_half_ulp(se))


@pytest.mark.parametrize("vce", list(REF["petersen"]["se_x"]))
def test_petersen_published_standard_errors(petersen, vce):
    ref = REF["petersen"]
    r = vcereg.regress(f"y ~ x | vce({vce})", petersen)
    assert float(r.params["x"]) == pytest.approx(float(ref["coef_x"]), abs=_half_ulp(ref["coef_x"]))
    se = ref["se_x"][vce]
    assert float(r.se["x"]) == pytest.approx(float(se), abs=_half_ulp(se))
