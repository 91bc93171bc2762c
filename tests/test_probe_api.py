"""API-level defects found by the issue-8 probe: argument checking, byte-order marks,
zero standard errors and wide numbers in tables, CSV missing values."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import vcereg
from vcereg.errors import RenderError, SpecError, VceregError, VceregWarning


@pytest.fixture(scope="module")
def d() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 40
    return pd.DataFrame({"y": rng.normal(size=n), "x": rng.normal(size=n)})


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [({"level": "abc"}, "level="), ({"vce": 5}, "vce="), ({"ssc": 5}, "ssc=")],
)
def test_bad_argument_types_raise_our_errors(d, kwargs, named):
    with pytest.raises(SpecError, match=named):
        vcereg.regress("y ~ x", d, **kwargs)


def test_etable_of_non_results_is_a_render_error(d):
    with pytest.raises(RenderError, match="expects fitted results"):
        vcereg.etable([1, "a"])
    with pytest.raises(RenderError, match="model 2"):
        vcereg.etable([vcereg.regress("y ~ x", d), "a"])


def test_round_with_huge_digits_is_an_expression_error(d):
    with pytest.raises(VceregError, match="round"):
        vcereg.regress("y ~ x | if(round(x, 10**10) > 0)", d)


@pytest.mark.parametrize("model", ["\ufeffy ~ x", "\ufeffregress y x"])
def test_byte_order_mark_is_ignored(d, model):
    r = vcereg.regress(model, d)
    np.testing.assert_allclose(r.params.to_numpy(), vcereg.regress("y ~ x", d).params.to_numpy())


def test_do_text_with_byte_order_mark():
    assert vcereg.stata_lang.parse_do("\ufeffregress y x\n")[0].formula == "y ~ x"


def test_zero_standard_error_gives_missing_t_p_and_stars():
    """A constant outcome: every SE is 0 and Stata prints '.' for t, P>|t| and F (the
    constant's t was +inf with p = 0 and three stars)."""
    x = np.arange(10.0) * 0.37
    r = vcereg.regress("y ~ x", pd.DataFrame({"x": x, "y": 3.0}))
    assert (r.se == 0).all()
    assert r.tstat.isna().all() and r.pvalue.isna().all()
    assert np.isnan(r.fstat) and r.f_df[0] == 1
    text = r.summary()
    row = next(line for line in text.splitlines() if line.strip().startswith("_cons |"))
    assert row.split()[4:6] == [".", "."]
    assert "*" not in str(vcereg.etable(r)).split("Observations")[0]


def test_huge_t_and_f_use_exponent_format():
    x = np.arange(10.0)
    # residuals 2e-11 of y's size: above the exact-fit rule (1e-12, tests/test_exact_fit.py)
    y = 2 * x + 1 + 3e-10 * np.sin(x)
    r = vcereg.regress("y ~ x", pd.DataFrame({"x": x, "y": y}))
    assert r.fstat > 1e20
    text = r.summary()
    row = next(line for line in text.splitlines() if line.strip().startswith("x |"))
    assert len(row) <= 78 and "e+" in row.split()[4]
    f_line = next(line for line in text.splitlines() if "F(1, 8)" in line)
    assert "e+" in f_line and len(f_line) <= 78


def test_intercept_only_model_is_said(d):
    r = vcereg.regress("y ~", d)
    assert list(r.terms) == ["Intercept"]
    assert "intercept-only model" in r.summary()


def test_csv_stata_missing_dot(tmp_path: Path):
    path = tmp_path / "d.csv"
    path.write_text("y,x,s\n1,.,a\n2,3,.\n3,.z,b\n4,5,c\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = vcereg.io.read(path)
    assert pd.api.types.is_float_dtype(frame["x"])
    assert frame["x"].isna().tolist() == [True, False, True, False]
    assert frame["s"].tolist()[1] == "."  # text stays text
    assert any(issubclass(w.category, VceregWarning) and "x: 2" in str(w.message) for w in caught)


def test_result_methods_check_their_arguments(d):
    r = vcereg.regress("y ~ x", d)
    with pytest.raises(SpecError, match="level"):
        r.conf_int("abc")
    with pytest.raises(SpecError, match="with_vce"):
        r.with_vce(5)


def test_level_as_a_proportion_means_percent(d):
    """level=0.95 gave 0.95% intervals; conf_int() already read 0.95 as 95%."""
    a = vcereg.regress("y ~ x", d, level=0.95)
    b = vcereg.regress("y ~ x", d, level=95)
    assert a.level == 95.0
    pd.testing.assert_frame_equal(a.conf_int(), b.conf_int())
