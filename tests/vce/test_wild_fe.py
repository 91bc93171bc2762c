"""The wild cluster bootstrap with absorbed fixed effects not nested in the clusters is exact
(issue 20, item 9).

Before, the bootstrap worked on the demeaned data without projecting its residuals off the
effects again, which is exact only when every effect lies inside one cluster (p = 0.111
against 0.131 in the issue's example with G = 10). Reference: the brute-force bootstrap of
tests/vce/test_wild.py on the regression with the effects as dummies, refitted on every one
of the 2^10 Rademacher sign vectors (the same draws, enumerated): the counts of |t*| > |t|
must agree exactly, for WCR and WCU, one and two absorbed effects, with weights, and for
``boottest`` and ``lincom`` of a combination.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import vcereg
from tests.vce.test_wild import _brute_pvalue, _signs

G = 10


def _data(seed: int = 7, n: int = 240) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cl = rng.integers(0, G, n)
    firm = rng.integers(0, 12, n)  # crosses the clusters
    year = rng.integers(0, 5, n)
    x1 = rng.normal(size=n) + rng.normal(size=G)[cl] + 0.5 * rng.normal(size=12)[firm]
    x2 = rng.normal(size=n)
    y = (
        0.1 * x1 + 0.05 * x2 + rng.normal(size=G)[cl] + rng.normal(size=12)[firm]
        + 0.3 * year + rng.normal(size=n) * (1 + 0.5 * np.abs(x2))
    )  # fmt: skip
    w = rng.uniform(0.5, 2.0, n)
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2, "cl": cl, "firm": firm, "year": year, "w": w})


def _dummy_design(d: pd.DataFrame, effects: list[str], weighted: bool):
    dummies = [pd.get_dummies(d[e], dtype=float).to_numpy() for e in effects]
    for k in range(1, len(dummies)):  # one level of every further effect is redundant
        dummies[k] = dummies[k][:, 1:]
    x = np.c_[d[["x1", "x2"]].to_numpy(), *dummies]
    y = d["y"].to_numpy()
    if weighted:
        sw = np.sqrt(d["w"].to_numpy())
        x, y = x * sw[:, None], y * sw
    return x, y


@pytest.mark.parametrize("null", [True, False], ids=["WCR", "WCU"])
@pytest.mark.parametrize(
    ("effects", "weighted"),
    [(["firm"], False), (["firm", "year"], False), (["firm"], True)],
    ids=["one", "two", "weighted"],
)
def test_matches_the_dummy_regression_bootstrap_to_the_draw(effects, weighted, null):
    d = _data()
    model = f"y ~ x1 + x2 | fe({' '.join(effects)})" + (" | weights(w)" if weighted else "")
    vce = "wild cl" + ("" if null else ", nonull")
    r = vcereg.regress(model, d, vce=vce)
    assert any("projected off the fixed effects" in n for n in r.notes)
    x, y = _dummy_design(d, effects, weighted)
    codes = d["cl"].to_numpy()
    for j, term in enumerate(["x1", "x2"]):
        ref = _brute_pvalue(x, y, codes, j, 0.0, null, _signs(G))
        assert r.pvalue[term] * 2**G == pytest.approx(ref * 2**G, abs=1e-9), term


def test_boottest_and_lincom_of_a_combination():
    d = _data()
    r = vcereg.regress("y ~ x1 + x2 | fe(firm) | vce(cluster cl)", d)
    x, y = _dummy_design(d, ["firm"], False)
    xr = np.c_[x[:, 0], x[:, 1] - x[:, 0], x[:, 2:]]
    ref = _brute_pvalue(xr, y, d["cl"].to_numpy(), 0, 0.0, True, _signs(G))
    bt = r.boottest("x1 + x2 = 0")
    assert bt.pvalue * 2**G == pytest.approx(ref * 2**G, abs=1e-9)
    wild = r.with_vce("wild cl")
    assert wild.lincom("x1 + x2")["p"].iloc[0] == pytest.approx(bt.pvalue, abs=1e-12)


def test_nested_effects_need_no_projection():
    d = _data()
    d["inner"] = d["cl"] * 3 + d["firm"] % 3  # nested in the clusters
    r = vcereg.regress("y ~ x1 + x2 | fe(inner) | vce(wild cl)", d)
    assert not any("projected" in n for n in r.notes)
    x, y = _dummy_design(d, ["inner"], False)
    ref = _brute_pvalue(x, y, d["cl"].to_numpy(), 0, 0.0, True, _signs(G))
    assert r.pvalue["x1"] == pytest.approx(ref, abs=1e-12)
