"""Real Stata 13 output on the simulated panel (tests/reference/stata_simulated_panel.json,
extracted from linearmodels' stored Stata results by make_stata_panel_reference.py): the
same command through vcereg.stata must give Stata's coefficients and covariance.

Stata printed with %13.12g: up to 11 decimals for numbers >= 1e-4 (absolute precision
5e-12), but only 7 significant digits for smaller ones, shown in e-notation (relative
precision 5e-7). Each covariance entry is compared within that printing precision plus
the project's 1e-8 relative policy (tests/tolerances.py); coefficients print with 11+
significant digits and get the 1e-8 policy alone. The model F (printed with 11
significant digits, so 5e-11 relative) and its denominator df (Stata's ``e(df_r)``: G - 1
with clusters) also get the 1e-8 policy; the numerator df is the 5 regressors."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import vcereg
from tests.conftest import DATA
from tests.tolerances import REL_REFERENCE as RTOL
from vcereg.spec import PanelSpec

REF_FILE = Path(__file__).parents[1] / "reference" / "stata_simulated_panel.json"
REF = json.loads(REF_FILE.read_text())
# xtreg, re and xtreg, be are checked in tests/estimators/test_panel.py
CASES = {k: v for k, v in REF["results"].items() if k.startswith(("fixed_effect", "pooled"))}


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return pd.read_csv(DATA / "simulated_panel.csv")


@pytest.mark.parametrize("key", sorted(CASES))
def test_matches_stata(panel, key):
    ref = CASES[key]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", vcereg.VceregWarning)
        r = vcereg.stata(ref["command"], panel, panel=PanelSpec("firm_id", "year"))
    names = {v: k for k, v in r.display_names.items()}
    shown = [n for n in ref["cov_names"] if n in names]
    assert shown == ref["cov_names"]  # xtreg, fe reports _cons too (issue 20.10)
    ours_b = [float(r.params[names[n]]) for n in shown]
    np.testing.assert_allclose(ours_b, [ref["coef"][n] for n in shown], rtol=RTOL)
    idx = [ref["cov_names"].index(n) for n in shown]
    stata_v = np.asarray(ref["cov"])[np.ix_(idx, idx)]
    ours_v = r.cov.loc[[names[n] for n in shown], [names[n] for n in shown]].to_numpy()
    printed = np.where(np.abs(stata_v) < 1e-4, 5e-7 * np.abs(stata_v), 5e-12)
    assert np.all(np.abs(ours_v - stata_v) <= printed + RTOL * np.abs(stata_v)), (
        np.abs(ours_v - stata_v) / (printed + RTOL * np.abs(stata_v))
    ).max()
    assert r.nobs == ref["stats"]["N"]
    assert r.fstat == pytest.approx(ref["stats"]["F"], rel=RTOL)
    assert r.f_df is not None
    assert (r.f_df[0], r.f_df[1]) == (5, ref["stats"]["df_r"])
    if "r2_w" in ref["stats"]:
        assert r.rsquared_within == pytest.approx(ref["stats"]["r2_w"], rel=1e-9)
        # xtreg's sigma_e is our Root MSE: sqrt(RSS / (N - k - panels))
        assert r.rmse == pytest.approx(ref["stats"]["sigma_e"], rel=1e-9)
    else:
        assert r.rsquared == pytest.approx(ref["stats"]["r2"], rel=1e-9)
        assert r.rmse == pytest.approx(ref["stats"]["rmse"], rel=1e-9)
