"""``estat firststage|overid|endogenous`` lines in a do-file: the same tables as
``Results.estat`` on the model fitted by the line before (those are tested against
linearmodels in tests/estimators/test_ivdiag.py)."""

from __future__ import annotations

import pandas as pd
import pytest

import vcereg
from tests.conftest import DATA

DO = """ivregress liml rent pcturban (hsngval = faminc i.region), small
estat first
estat overid
estat endogenous
"""


@pytest.fixture(scope="module")
def hsng() -> pd.DataFrame:
    return pd.read_csv(DATA / "hsng.csv")


def test_estat_lines_print_the_result_tables(hsng):
    run = vcereg.run_do(DO.replace("estat endogenous\n", ""), hsng)
    model = vcereg.stata("ivregress liml rent pcturban (hsngval = faminc i.region), small", hsng)
    outputs = {line.split()[1]: out for _, line, out in run.log if line.startswith("estat")}
    pd.testing.assert_frame_equal(outputs["first"], model.estat("firststage"))
    pd.testing.assert_frame_equal(outputs["overid"], model.estat("overid"))
    assert "Anderson-Rubin" in outputs["overid"].index


def test_estat_endogenous_after_liml_is_a_clear_error(hsng):
    with pytest.raises(vcereg.errors.StataSyntaxError, match="available after 2SLS and GMM"):
        vcereg.run_do(DO, hsng)


def test_estat_after_ols_and_unknown_subcommands(hsng):
    with pytest.raises(vcereg.errors.StataSyntaxError, match="instrumental-variables"):
        vcereg.run_do("regress rent pcturban\nestat firststage\n", hsng)
    with pytest.raises(vcereg.errors.StataSyntaxError, match="expected one of"):
        vcereg.run_do("regress rent pcturban\nestat bogus\n", hsng)
    with pytest.raises(vcereg.errors.StataSyntaxError, match="last estimates not found"):
        vcereg.run_do("estat overid\n", hsng)
