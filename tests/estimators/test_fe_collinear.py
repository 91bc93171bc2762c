"""Regressors in the span of the absorbed effects are omitted, whatever their scale and dtype
(issue 20, item 1).

A column constant within an absorbed group (or a sum of group constants over two effects)
demeans to rounding residue when it holds decimals. Ranked on unit-normalised columns the
residue looked like a regressor and got a noise coefficient with a plausible standard error.

References: the same model without the collinear column, fitted by pyfixest (which drops it
too) and by a dummy-variable regression in statsmodels (explicit ``C(id)``). The slope of
the remaining regressor is the same number whichever way it is computed, so the tolerance
is tests.tolerances.REL_REFERENCE (two backward-stable least-squares solvers).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest
import statsmodels.formula.api as smf

import vcereg
from tests.tolerances import REL_REFERENCE as RTOL
from vcereg.estimators import absorb
from vcereg.estimators.fe import WITHIN_TOL, varies_within
from vcereg.spec import PanelSpec


def _data(n_id: int = 40, t: int = 6, seed: int = 10) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({"id": np.repeat(np.arange(n_id), t), "t": np.tile(np.arange(t), n_id)})
    d["x"] = rng.normal(size=len(d))
    d["z"] = (rng.normal(size=n_id) + 3)[d.id]
    d["y"] = 1 + 0.5 * d.x + rng.normal(size=n_id)[d.id] + rng.normal(size=len(d))
    return d


def _fit(model: str, d: pd.DataFrame, **kw: object) -> vcereg.Results:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", vcereg.errors.CollinearityWarning)
        return vcereg.regress(model, d, **kw)


def _stata(line: str, d: pd.DataFrame, **kw: object) -> vcereg.Results:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", vcereg.errors.CollinearityWarning)
        return vcereg.stata(line, d, **kw)


def test_issue_repro_z_is_omitted_and_x_matches_pyfixest() -> None:
    d = _data()
    with pytest.warns(vcereg.errors.CollinearityWarning, match="z"):
        r = vcereg.regress("y ~ x + z | fe(id) | vce(cluster id)", d)
    assert r.omitted == ("z",)
    ref = pf.feols("y ~ x | id", d, vcov={"CRV1": "id"})
    np.testing.assert_allclose(r.params["x"], ref.coef()["x"], rtol=RTOL)
    np.testing.assert_allclose(r.se["x"], ref.se()["x"], rtol=RTOL)
    assert r.df_model == 1  # the F test has one numerator df, not two
    assert any("collinearity: z" in n for n in r.notes)


@pytest.mark.parametrize("scale", [1e-6, 1e-3, 1.0, 1e3, 1e6, 1e9])
@pytest.mark.parametrize(
    "line",
    [
        "areg y x z, absorb(id)",
        "reghdfe y x z, absorb(id)",
        "xtreg y x z, fe",
    ],
)
def test_every_route_every_scale_equals_the_dummy_regression(scale: float, line: str) -> None:
    d = _data()
    d["z"] = d["z"] * scale
    r = _stata(line, d, panel=PanelSpec("id", "t"))
    assert "z" in r.omitted
    ref = smf.ols("y ~ x + C(id)", d).fit()  # z is exactly collinear: left out of the reference
    np.testing.assert_allclose(r.params["x"], ref.params["x"], rtol=RTOL)
    if line.startswith("areg"):  # areg's conventional s.e. is the dummy regression's
        np.testing.assert_allclose(r.se["x"], ref.bse["x"], rtol=RTOL)
        assert r.df_resid == ref.df_resid


@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e9])
def test_panel_fe_and_fe_dsl_routes(scale: float) -> None:
    d = _data().assign(z=lambda f: f.z * scale)
    a = _fit("y ~ x + z | panel(id t, fe)", d)
    b = _fit("y ~ x + z | fe(id) | vce(robust)", d)
    ref = pf.feols("y ~ x | id", d, vcov="hetero")
    assert a.omitted == b.omitted == ("z",)
    np.testing.assert_allclose(b.se["x"], ref.se()["x"], rtol=RTOL)
    np.testing.assert_allclose(a.params["x"], ref.coef()["x"], rtol=RTOL)


@pytest.mark.parametrize("dtype", ["int8", "int16", "float32"])
def test_user_dtypes(dtype: str) -> None:
    d = _data()
    codes = np.random.default_rng(3).integers(-100, 100, size=40)
    values = codes.astype(dtype) if dtype != "float32" else (codes / 7).astype("float32")
    d["z"] = values[d.id]
    r = _fit("y ~ x + z | fe(id)", d)
    assert r.omitted == ("z",)
    ref = pf.feols("y ~ x | id", d)
    np.testing.assert_allclose(r.se["x"], ref.se()["x"], rtol=RTOL)


def _two_way(n_id: int, t: int) -> pd.DataFrame:
    d = _data(n_id, t, seed=5)
    rng = np.random.default_rng(6)
    d = d.sample(frac=0.9, random_state=1).reset_index(drop=True)  # unbalanced
    d["combo"] = (rng.normal(size=n_id) * 2.7)[d.id] + (rng.normal(size=t) / 3)[d.t]
    d["z_t"] = (rng.normal(size=t) + 0.1)[d.t]
    return d


@pytest.mark.parametrize("method", ["direct", "cg"])
@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e9])
def test_two_effects_and_a_combination_of_effects(
    method: str, scale: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    if method == "cg":  # the accelerated sweeps leave a different residue than the solve
        monkeypatch.setattr(absorb, "_DIRECT_MAX_LEVELS", 0)
    d = _two_way(40, 6)
    d[["combo", "z", "z_t"]] *= scale
    r = _fit("y ~ x + combo + z + z_t | fe(id t) | vce(cluster id)", d)
    assert r.omitted == ("combo", "z", "z_t")
    ref = pf.feols("y ~ x | id + t", d, vcov={"CRV1": "id"})
    np.testing.assert_allclose(r.params["x"], ref.coef()["x"], rtol=RTOL)
    np.testing.assert_allclose(r.se["x"], ref.se()["x"], rtol=RTOL)


def test_weights_and_iv() -> None:
    d = _data().assign(w=lambda f: 0.5 + (f.index % 7) / 3)
    d["q"] = d["x"] + np.random.default_rng(2).normal(size=len(d))
    r = _fit("y ~ z | fe(id) | iv(x ~ q) | weights(w)", d.assign(z=d.z / 3))
    assert r.omitted == ("z",)
    ref = pf.feols("y ~ 1 | id | x ~ q", d, weights="w")
    np.testing.assert_allclose(r.params["x"], ref.coef()["x"], rtol=RTOL)
    np.testing.assert_allclose(r.se["x"], ref.se()["x"], rtol=RTOL)


@pytest.mark.parametrize("share", [1e-7, 1e-6, 1e-4])
def test_small_within_variation_is_kept(share: float) -> None:
    """``w = z + share * v`` varies within groups by a tiny fraction of its size (reghdfe
    drops it below ~3e-5). Since z is absorbed, its coefficient is the coefficient of v
    divided by ``share``, and its s.e. likewise: pyfixest on v is the reference. Tolerance
    1e-6: the demeaned w carries the rounding of z (~1e-15 of |z|) against within
    variation ``share`` of it, so about 1e-8 of relative error at the smallest share."""
    d = _data()
    v = np.random.default_rng(8).normal(size=len(d))
    d["v"] = v
    d["w"] = d["z"] + share * v
    r = _fit("y ~ x + w | fe(id) | vce(cluster id)", d)
    assert r.omitted == ()
    ref = pf.feols("y ~ x + v | id", d, vcov={"CRV1": "id"})
    np.testing.assert_allclose(r.params["w"] * share, ref.coef()["v"], rtol=1e-6)
    np.testing.assert_allclose(r.se["w"] * share, ref.se()["v"], rtol=1e-6)
    np.testing.assert_allclose(r.se["x"], ref.se()["x"], rtol=1e-6)


def test_hausman_df_counts_only_varying_regressors() -> None:
    d = _data()
    fe = _fit("y ~ x + z | panel(id t, fe)", d)
    re = _fit("y ~ x + z | panel(id t)", d)
    h = vcereg.hausman(fe, re)
    assert h.df == 1


def test_varies_within_is_scale_free_and_uses_weights() -> None:
    before = np.array([[1.0, 1.0], [1.0, 3.0], [2.0, 2.0], [2.0, 2.0]])
    after = np.array([[1e-16, -1.0], [-1e-16, 1.0], [0.0, 0.0], [0.0, 0.0]])
    for s in (1e-6, 1.0, 1e9):
        assert varies_within(before * s, after * s).tolist() == [False, True]
    # a residue just above the threshold counts, just below does not
    col = np.ones((4, 1))
    edge = np.array([[1.0], [-1.0], [1.0], [-1.0]]) * WITHIN_TOL  # same norm as col, times tol
    assert varies_within(col, edge * 1.1).tolist() == [True]
    assert varies_within(col, edge * 0.9).tolist() == [False]
    # weights enter both norms: a zero weight hides a row's residue
    w = np.array([0.0, 0.0, 1.0, 1.0])
    assert varies_within(before, after, w).tolist() == [False, False]
