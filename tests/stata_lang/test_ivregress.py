"""Stata IV lines: ``ivregress liml|gmm`` and ivreg2-style ``ivreghdfe`` options give the
same model as the DSL spelling (whose numbers are tested against linearmodels in
tests/estimators/test_kclass_gmm.py), round-trip through ``to_stata``, and combine with
``small``, ``noconstant``, ``vce()``, aweights and factor variables."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from linearmodels.iv import IVGMM, IVLIML

import vcereg
from tests.conftest import DATA
from tests.tolerances import REL_REFERENCE as RTOL
from vcereg.spec import PanelSpec
from vcereg.stata_lang import parse, unparse


@pytest.fixture(scope="module")
def hsng() -> pd.DataFrame:
    d = pd.read_csv(DATA / "hsng.csv")
    for k, level in enumerate(sorted(d["region"].unique())[1:], start=2):
        d[f"reg{k}"] = (d["region"] == level).astype(float)
    return d.assign(w=np.linspace(1.0, 2.0, len(d)))


def _fit(line, data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", vcereg.errors.VceregWarning)
        return vcereg.regress(line, data, **kw)


LINES = [
    "ivregress liml y x (d = z1 z2), small",
    "ivregress liml y x (d = z1 z2), noconstant vce(cluster g)",
    "ivregress gmm y x (d = z1 z2)",
    "ivregress gmm y x (d = z1 z2), wmatrix(cluster g) center igmm vce(robust)",
    "ivregress gmm y x (d = z1 z2), wmatrix(unadjusted) small",
    "ivreghdfe y x (d = z1 z2), absorb(a) fuller(4) vce(cluster a)",
    "ivreghdfe y x (d = z1 z2), absorb(a) gmm2s vce(cluster a)",
    "ivreghdfe y x (d = z1 z2), absorb(a) kclass(0.5)",
    "ivreghdfe y x (d = z1 z2), absorb(a) liml",
]


@pytest.mark.parametrize("line", LINES)
def test_round_trip(line):
    spec = parse(line)
    again = parse(unparse(spec))
    assert again.iv == spec.iv and again.vce.name == spec.vce.name
    assert vcereg.parse(vcereg.to_dsl(spec)).iv == spec.iv


def test_parsed_methods():
    assert parse(LINES[0]).iv.method == "liml"
    gmm = parse(LINES[3]).iv
    assert (gmm.method, gmm.wmatrix.name, gmm.wmatrix.args, gmm.center, gmm.igmm) == (
        "gmm",
        "cluster",
        ("g",),
        True,
        True,
    )
    assert parse(LINES[5]).iv.fuller == 4.0
    assert parse(LINES[6]).iv.wmatrix.args == ("a",)  # gmm2s: weight matrix from the vce


def test_gmm_options_need_gmm():
    with pytest.raises(vcereg.errors.StataSyntaxError, match="GMM only"):
        parse("ivregress liml y (d = z), wmatrix(robust)")


def test_liml_line_with_factor_variables_and_weights_matches_linearmodels(hsng):
    r = _fit("ivregress liml rent pcturban (hsngval = faminc i.region) [aw=w], small", hsng)
    ref = IVLIML.from_formula(
        "rent ~ 1 + pcturban + [hsngval ~ faminc + reg2 + reg3 + reg4]", hsng, weights=hsng["w"]
    ).fit(cov_type="unadjusted", debiased=True)
    names = ["_cons", "pcturban", "hsngval"]
    got = r.params.rename(lambda t: r.display_names.get(t, t))
    np.testing.assert_allclose(got[names], ref.params.to_numpy(), rtol=RTOL)
    assert r.df_inference == len(hsng) - 3


def test_gmm_line_noconstant_matches_linearmodels(hsng):
    r = _fit("ivregress gmm rent pcturban (hsngval = faminc reg2 reg3 reg4), noconstant", hsng)
    ref = IVGMM.from_formula(
        "rent ~ 0 + pcturban + [hsngval ~ faminc + reg2 + reg3 + reg4]", hsng
    ).fit(cov_type="robust", debiased=False)
    np.testing.assert_allclose(r.params.to_numpy(), ref.params.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(r.cov.to_numpy(), ref.cov.to_numpy(), rtol=RTOL)
    assert r.df_inference is None  # Stata without small: z statistics


def test_stata_and_dsl_spellings_agree(hsng):
    a = _fit(
        "ivregress gmm rent pcturban (hsngval = faminc reg2 reg3 reg4), "
        "wmatrix(cluster division) small",
        hsng,
    )
    b = _fit(
        "rent ~ pcturban | iv(hsngval ~ faminc reg2 reg3 reg4, method=gmm, "
        "wmatrix=cluster division)",
        hsng,
    )
    assert a.vce_name == b.vce_name == "cluster"
    np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(a.cov.to_numpy(), b.cov.to_numpy(), rtol=1e-12)


def test_ivregress_vce_hac_kernel_lags(hsng):
    """ivregress's vce(hac nwest 2) after tsset is the registry's vce(hac t, lags(2))
    (Bartlett), whose IV covariance is tested against linearmodels' kernel covariance."""
    d = hsng.assign(t=np.arange(len(hsng)))
    line = "ivregress 2sls rent pcturban (hsngval = faminc reg2 reg3 reg4), vce(hac nwest 2) small"
    a = vcereg.stata(line, d, panel=PanelSpec(None, "t"))
    b = _fit("rent ~ pcturban | iv(hsngval ~ faminc reg2 reg3 reg4) | vce(hac t, lags(2))", d)
    assert a.vce_name == "hac"
    np.testing.assert_allclose(a.cov.to_numpy(), b.cov.to_numpy(), rtol=1e-12)
    with pytest.raises(vcereg.errors.StataSyntaxError, match="number of lags"):
        vcereg.stata(line.replace("nwest 2", "nwest"), d, panel=PanelSpec(None, "t"))
    with pytest.raises(vcereg.errors.StataSyntaxError, match="tsset"):
        vcereg.stata(line, d)
