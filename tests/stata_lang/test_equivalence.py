"""Each supported Stata command gives the same numbers as the equivalent DSL model.

The independent-implementation checks of each command's conventions live in
vce/test_reference.py (statsmodels, pyfixest), estimators/test_fe.py (pyfixest, statsmodels dummies,
linearmodels), test_iv.py (linearmodels) and the real Stata output tests."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import vcereg
from tests.conftest import DATA
from vcereg.spec import PanelSpec

PAIRS = [
    ("mtcars", "regress mpg wt hp", "mpg ~ wt + hp", None),
    ("mtcars", "reg mpg wt hp, vce(robust)", "mpg ~ wt + hp | vce(robust)", None),
    ("mtcars", "reg mpg wt hp, r", "mpg ~ wt + hp | vce(hc1)", None),
    ("mtcars", "reg mpg wt i.cyl, vce(hc3)", "mpg ~ wt + C(cyl) | vce(hc3)", None),
    ("mtcars", "reg mpg wt hp, vce(hc2)", "mpg ~ wt + hp | vce(hc2)", None),
    ("mtcars", "reg mpg wt hp, cluster(cyl)", "mpg ~ wt + hp | vce(cluster cyl)", None),
    ("mtcars", "reg mpg wt hp, vce(cl cyl gear)", "mpg ~ wt + hp | vce(cluster cyl gear)", None),
    (
        "mtcars",
        "reg mpg wt hp [aw=disp], vce(cluster cyl)",
        "mpg ~ wt + hp | weights(disp) | vce(cluster cyl)",
        None,
    ),
    ("mtcars", "reg mpg wt hp [fw=gear]", "mpg ~ wt + hp | weights(gear, fweight)", None),
    (
        "mtcars",
        "reg mpg wt hp [pw=disp]",
        "mpg ~ wt + hp | weights(disp, pweight) | vce(robust)",
        None,
    ),
    ("mtcars", "reg mpg wt hp if am == 1", "mpg ~ wt + hp | if(am == 1)", None),
    ("mtcars", "reg mpg wt hp in 1/20", None, None),
    ("mtcars", "reg mpg wt hp, noconstant", "mpg ~ wt + hp - 1", None),
    ("mtcars", "reg mpg c.wt##c.wt", "mpg ~ wt + I(wt ** 2)", None),
    ("mtcars", "reg mpg i.am##c.wt", "mpg ~ C(am) + wt + C(am):wt", None),
    (
        "grunfeld",
        "areg invest value capital, absorb(firm)",
        "invest ~ value + capital + C(firm)",
        None,
    ),
    (
        "grunfeld",
        "areg invest value capital, absorb(firm) vce(cluster firm)",
        "invest ~ value + capital + C(firm) | vce(cluster firm)",
        None,
    ),
    (
        "grunfeld",
        "reghdfe invest value capital, absorb(firm year) vce(cluster firm)",
        "invest ~ value + capital | fe(firm year) | vce(cluster firm)",
        None,
    ),
    (
        "grunfeld",
        "reghdfe invest value capital, absorb(firm year)",
        "invest ~ value + capital | fe(firm year)",
        None,
    ),
    (
        "hsng",
        "ivregress 2sls rent pcturban (hsngval = faminc i.region), small",
        "rent ~ pcturban | iv(hsngval ~ faminc C(region))",
        None,
    ),
    (
        "hsng",
        "ivregress 2sls rent pcturban (hsngval = faminc i.region), vce(robust)",
        "rent ~ pcturban | iv(hsngval ~ faminc C(region)) | vce(robust)",
        "asymptotic",
    ),
    ("panel", "xtreg y x1 x2, fe", "y ~ x1 + x2 | fe(firm_id)", None),
]


@pytest.fixture(scope="module")
def frames(mtcars, grunfeld) -> dict[str, pd.DataFrame]:
    return {
        "mtcars": mtcars,
        "grunfeld": grunfeld,
        "hsng": pd.read_csv(DATA / "hsng.csv"),
        "panel": pd.read_csv(DATA / "simulated_panel.csv"),
    }


@pytest.mark.parametrize(("data", "line", "model", "ssc"), PAIRS, ids=[p[1] for p in PAIRS])
def test_stata_line_equals_dsl(frames, data, line, model, ssc):
    d = frames[data]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", vcereg.VceregWarning)
        ours = vcereg.stata(line, d, panel=PanelSpec("firm_id", "year"))
        if model is None:  # `in 1/20`: the DSL has no row range; compare with a slice
            model, d = line.replace("reg mpg wt hp in 1/20", "mpg ~ wt + hp"), d.iloc[:20]
        dsl = vcereg.regress(model, d, ssc=ssc)
    common = [t for t in ours.terms if t in dsl.terms]
    if "absorb(" in line and "fe(" not in model:  # areg's _cons against a dummy's base level
        common.remove("Intercept")
    assert set(ours.terms) - {"Intercept"} <= set(common) | {"Intercept"}
    np.testing.assert_allclose(ours.params[common], dsl.params[common], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.se[common], dsl.se[common], rtol=1e-9, atol=1e-12)
    assert ours.nobs == dsl.nobs


def test_regress_routes_stata_lines(mtcars):
    a = vcereg.regress("reg mpg wt, vce(robust)", mtcars)
    b = vcereg.regress("mpg ~ wt | vce(robust)", mtcars)
    np.testing.assert_allclose(a.cov, b.cov)
    assert a.display_names["Intercept"] == "_cons"


def test_stata_missing_semantics_in_if_are_reproduced_and_reported(mtcars):
    d = mtcars.assign(hp=mtcars["hp"].where(mtcars.index % 5 != 0))
    with pytest.warns(vcereg.VceregWarning, match="Stata treats missing as larger"):
        r = vcereg.stata("reg mpg wt if hp > 100", d)
    # Stata keeps rows with missing hp in the `if` (missing > 100), then drops them
    # listwise only if hp is in the model; it is not, so they stay.
    expected = d[(d["hp"] > 100) | d["hp"].isna()]
    assert r.nobs == len(expected)
    assert any("missing" in n for n in r.notes)
