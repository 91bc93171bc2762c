"""Input that used to be accepted silently (or failed deep inside numpy) now gets a clear
error or warning: confidence levels outside Stata's 10-99.99, lags as long as the data,
malformed wild-bootstrap options, repeated panel periods for xtscc, degenerate IV
designs (an instrument identical to the regressor, the dependent variable instrumented,
more instruments than rows), the HAC weight matrix's lags= spelling, and Dask frames
where only pandas works."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import vcereg
from tests.conftest import DATA
from vcereg.errors import (
    CollinearityWarning,
    DataError,
    SpecError,
    VceOptionError,
    VceregError,
)


def _quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", vcereg.errors.VceregWarning)
        return fn(*args, **kw)


# --- confidence levels ------------------------------------------------------------------


@pytest.mark.parametrize("level", [5, 9.99, 99.995, 100, 0.05, -1])
def test_levels_outside_stata_range_are_refused_everywhere(student, level):
    r = vcereg.regress("G3 ~ absences + age", student)
    calls = [
        lambda: vcereg.regress("G3 ~ absences", student, level=level),
        lambda: r.conf_int(level=level),
        lambda: r.lincom("absences", level=level),
        lambda: r.tidy(level=level),
        lambda: r.margins("absences", level=level),
        lambda: _quiet(r.boottest, "absences", cluster="Mjob", level=level),
    ]
    for call in calls:
        with pytest.raises(SpecError, match=r"between 10 and 99\.99"):
            call()


@pytest.mark.parametrize(("level", "percent"), [(10, 10.0), (0.9, 90.0), (99.99, 99.99)])
def test_levels_inside_the_range_work(student, level, percent):
    r = vcereg.regress("G3 ~ absences", student, level=level)
    assert r.level == pytest.approx(percent)
    assert np.isfinite(r.conf_int(level=level).to_numpy()).all()


# --- lags ---------------------------------------------------------------------------


def test_hac_and_dk_lags_must_be_shorter_than_the_data(grunfeld):
    gm = grunfeld[grunfeld["firm"] == "General Motors"]  # 20 years
    with pytest.raises(VceOptionError, match=r"lags\(20\) must be smaller .*\(T = 20\)"):
        vcereg.regress("invest ~ value | vce(hac year, lags(20))", gm)
    assert vcereg.regress("invest ~ value | vce(hac year, lags(19))", gm).se.notna().all()
    with pytest.raises(VceOptionError, match=r"vce\(dk\): lags\(25\) .* at most lags\(19\)"):
        vcereg.regress("invest ~ value | vce(dk year, lags(25))", grunfeld)
    with pytest.raises(VceOptionError, match=r"lags\(20\) must be smaller"):
        vcereg.stata("xtset firm year\nnewey invest value, lag(20)", grunfeld)
    d = grunfeld.assign(z=grunfeld["capital"] ** 0.5)
    with pytest.raises(VceOptionError, match=r"wmatrix\(hac\): lags\(30\)"):
        vcereg.regress(
            "invest ~ 1 | iv(value ~ capital z, method=gmm, wmatrix=hac year firm, lags=30)", d
        )


def test_hac_weight_matrix_lags_as_documented(grunfeld):
    """docs/iv.md: wmatrix=hac t [panel] with lags= and kernel=, also as options of their
    own after a comma."""
    d = grunfeld.assign(z=grunfeld["capital"] ** 0.5)
    iv = "invest ~ 1 | iv(value ~ capital z, method=gmm, wmatrix=hac year firm{})"
    a = _quiet(vcereg.regress, iv.format(" lags=2 kernel=parzen"), d)
    b = _quiet(vcereg.regress, iv.format(", lags=2, kernel=parzen"), d)
    assert a.spec.iv == b.spec.iv and b.spec.iv.wmatrix.option("lags") == "2"
    np.testing.assert_allclose(a.cov, b.cov, rtol=1e-12)
    with pytest.raises(SpecError, match="go with the HAC weight matrix"):
        vcereg.regress("invest ~ 1 | iv(value ~ capital z, method=gmm, lags=2)", d)


# --- wild bootstrap options ------------------------------------------------------------


@pytest.mark.parametrize(
    ("vce", "match"),
    [
        ("wild Mjob, weights()", r"weights\(\) needs a weight type"),
        ("wild Mjob, weighttype()", r"weighttype\(\) needs a weight type"),
        ("wild Mjob, nonull(3)", r"nonull takes no value"),
    ],
)
def test_malformed_wild_options_are_refused(student, vce, match):
    with pytest.raises(VceOptionError, match=match):
        vcereg.regress(f"G3 ~ absences | vce({vce})", student)
    with pytest.raises(VceOptionError, match=match):
        vcereg.stata(f"regress G3 absences, vce({vce})", student)


# --- xtscc ----------------------------------------------------------------------------


def test_xtscc_refuses_repeated_periods_within_a_panel(grunfeld):
    line = "xtset firm year\nxtscc invest value capital, lag(2)"
    assert vcereg.stata(line, grunfeld).se.notna().all()
    doubled = pd.concat([grunfeld, grunfeld.iloc[:3]], ignore_index=True)
    for extra in ("", " fe"):
        with pytest.raises(DataError, match=r"3 observation.* repeat a time value of 'year'"):
            vcereg.stata(line + extra, doubled)


# --- degenerate IV designs ----------------------------------------------------------------


def test_instrument_identical_to_the_regressor(student):
    d = student.assign(z=student["absences"].astype(float))
    with pytest.warns(CollinearityWarning, match="fit absences exactly"):
        r = vcereg.regress("G3 ~ age | iv(absences ~ z) | vce(robust)", d)
    fs = _quiet(r.estat, "firststage")
    for row in ("F absences", "Cragg-Donald Wald F", "Kleibergen-Paap rk Wald F"):
        assert fs.at[row, "stat"] == np.inf
    assert r.first_stage.at["absences", "partial_r2"] == 1.0
    assert not re.search(r"\d{10,}", r.summary())  # no 37-digit F anywhere
    ols = vcereg.regress("G3 ~ age + absences | vce(robust)", student)
    np.testing.assert_allclose(r.params[list(ols.terms)], ols.params, rtol=1e-9)  # IV = OLS


def test_instrumenting_the_dependent_variable_is_refused(student):
    with pytest.raises(SpecError, match="dependent variable 'G3' cannot be instrumented"):
        vcereg.regress("G3 ~ age | iv(G3 ~ absences)", student)
    with pytest.raises(SpecError, match="cannot be instrumented"):
        vcereg.stata("ivregress 2sls G3 age (G3 = absences)", student)


def test_more_instruments_than_observations_warn(student):
    rng = np.random.default_rng(0)
    cols = [f"z{i}" for i in range(120)]
    d = pd.DataFrame(rng.normal(size=(50, 122)), columns=[*cols, "x", "y"])
    with pytest.warns(CollinearityWarning, match="121 instruments .* for 50 observations"):
        _quiet_weak(vcereg.regress, f"y ~ 1 | iv(x ~ {' '.join(cols)})", d)
    d2 = student.assign(z2=student["Medu"] * 2.0)
    with pytest.warns(
        CollinearityWarning, match="instrument.* omitted because of collinearity: z2"
    ):
        _quiet_weak(vcereg.regress, "G3 ~ age | iv(absences ~ Medu z2 Fedu)", d2)


def _quiet_weak(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", vcereg.errors.WeakInstrumentsWarning)
        return fn(*args)


# --- Dask frames where pandas is needed ------------------------------------------------------


def test_dask_frames_get_a_clear_message(student):
    dd = pytest.importorskip("dask.dataframe")
    ddf = dd.from_pandas(student, npartitions=2)
    with pytest.raises(DataError, match="run_do\\(\\) does not take a Dask DataFrame") as exc:
        vcereg.run_do("regress G3 absences", ddf)
    assert "compute()" in str(exc.value)
    with pytest.raises(VceregError, match=r"dask.*DataFrame") as exc2:
        vcereg.describe(ddf)
    assert "compute()" in str(exc2.value)


def test_hsng_data_unchanged():
    """The data are never modified in place by the checks above."""
    d = pd.read_csv(DATA / "hsng.csv")
    before = d.copy()
    _quiet(vcereg.regress, "rent ~ pcturban | iv(hsngval ~ faminc)", d, level=90)
    pd.testing.assert_frame_equal(d, before)
