"""``egen`` ([D] egen) against pandas written here, on messy data (missing values in the
variable and in the groups, ties, unsorted groups). Results are stored as float, so the
references are rounded to float too; ``double`` results are compared at 1e-12."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from vcereg.errors import VceregError

from .conftest import run


def _pctile(values: list[float], p: float) -> float:
    """[R] summarize's percentile: P = N p/100; the mean of the P-th and (P+1)-th smallest
    when P is whole, else the (floor(P)+1)-th smallest."""
    xs = sorted(v for v in values if not math.isnan(v))
    n = len(xs)
    if not n:
        return math.nan
    pos = n * p / 100
    if pos == int(pos):
        k = int(pos)
        return (xs[k - 1] + xs[k]) / 2 if k < n else xs[-1]
    return xs[int(pos)]


def _by(messy: pd.DataFrame) -> pd.Series:
    return messy["g"].fillna(-999)  # missing g is a group of its own in Stata's by


@pytest.mark.parametrize(
    ("fcn", "ref"),
    [
        ("mean", lambda s: s.mean()),
        ("sd", lambda s: s.std(ddof=1)),
        ("total", lambda s: s.sum()),
        ("sum", lambda s: s.sum()),
        ("count", lambda s: float(s.count())),
        ("min", lambda s: s.min()),
        ("max", lambda s: s.max()),
        ("median", lambda s: _pctile(s.tolist(), 50)),
    ],
)
def test_group_statistics(messy: pd.DataFrame, fcn: str, ref: object) -> None:
    out = run(f"egen double v = {fcn}(x), by(g)\nbysort g: egen double u = {fcn}(x)", messy).data
    want = messy.groupby(_by(messy))["x"].transform(ref)  # type: ignore[arg-type]
    got = out.sort_values("id")["v"].to_numpy()
    np.testing.assert_allclose(got, want.loc[messy.sort_values("id").index].to_numpy(), rtol=1e-12)
    assert out["id"].tolist() != sorted(out["id"].tolist())  # by() keeps the data's order
    np.testing.assert_allclose(out.sort_values("id")["u"].to_numpy(), got, rtol=1e-12)


def test_egen_default_storage_is_float_and_if_gives_missing(messy: pd.DataFrame) -> None:
    out = run("egen m = mean(x) if g != 2, by(g)", messy).data
    assert out["m"].dtype == np.float32
    sub = messy[messy["g"] != 2]
    want = sub.groupby(_by(sub))["x"].transform("mean").astype(np.float32)
    np.testing.assert_array_equal(out.loc[sub.index, "m"].to_numpy(), want.to_numpy())
    assert out.loc[messy["g"] == 2, "m"].isna().all()


def test_total_of_nothing_is_zero_unless_missing_option() -> None:
    d = pd.DataFrame({"g": [1, 1, 2], "x": [np.nan, np.nan, 3.0]})
    out = run("egen a = total(x), by(g)\negen b = total(x), by(g) missing", d).data
    assert out["a"].tolist() == [0.0, 0.0, 3.0]
    assert out["b"].fillna(-1).tolist() == [-1.0, -1.0, 3.0]


@pytest.mark.parametrize("p", [10, 25, 33.3, 50, 90])
def test_pctile(messy: pd.DataFrame, p: float) -> None:
    out = run(f"egen double q = pctile(x), p({p}) by(g)", messy).data
    want = messy.groupby(_by(messy))["x"].transform(lambda s: _pctile(s.tolist(), p))
    np.testing.assert_allclose(out["q"].to_numpy(), want.to_numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    ("option", "method", "ascending"),
    [
        ("", "average", True),
        ("field", "min", False),
        ("track", "min", True),
        ("unique", "first", True),
    ],
)
def test_rank(messy: pd.DataFrame, option: str, method: str, ascending: bool) -> None:
    out = run(f"egen r = rank(x), by(g) {option}", messy).data
    want = messy.groupby(_by(messy))["x"].rank(method=method, ascending=ascending)  # type: ignore[arg-type]
    np.testing.assert_array_equal(out["r"].to_numpy(), want.astype(np.float32).to_numpy())


def test_std(messy: pd.DataFrame) -> None:
    out = run("egen z = std(x)\negen z2 = std(x), mean(100) std(15)", messy).data
    x = messy["x"].astype(np.float32).astype(float)  # exp is stored as float first (_gstd)
    z = (x - x.mean()) / x.std(ddof=1)
    np.testing.assert_array_equal(out["z"].to_numpy(), z.astype(np.float32).to_numpy())
    np.testing.assert_array_equal(
        out["z2"].to_numpy(), (z * 15 + 100).astype(np.float32).to_numpy()
    )


def test_group_and_tag(messy: pd.DataFrame) -> None:
    out = run(
        "egen gid = group(g s)\negen gm = group(g s), missing\negen tg = tag(g s)", messy
    ).data
    text = messy["s"].fillna("")
    ok = messy["g"].notna() & (text != "")
    keys = sorted({(g, s) for g, s, o in zip(messy["g"], text, ok, strict=True) if o})
    number = {k: i + 1.0 for i, k in enumerate(keys)}
    want = [number[(g, s)] if o else None for g, s, o in zip(messy["g"], text, ok, strict=True)]
    assert [None if math.isnan(v) else v for v in out["gid"]] == want
    assert out["gm"].notna().all() and out["gm"].max() == len(
        set(zip(messy["g"].fillna(1e9), text, strict=True))
    )
    first = ok & ~pd.DataFrame({"g": messy["g"], "s": text}).duplicated()
    assert out["tg"].tolist() == first.astype(int).tolist() and str(out["tg"].dtype) == "Int8"


def test_row_functions(messy: pd.DataFrame) -> None:
    d = messy.assign(y=messy["x"].shift(3), z=messy["w"].astype(float))
    out = run("egen double a = rowmean(x y z)\negen double b = rowtotal(x y z)\n"
              "egen double c = rowmax(x y)\negen double e = rowmin(x y)\n"
              "egen n = rownonmiss(x y z)\negen double f = rowtotal(x y), missing",
              d).data  # fmt: skip
    cols = d[["x", "y", "z"]]
    np.testing.assert_allclose(out["a"], cols.mean(axis=1), rtol=1e-15)
    np.testing.assert_allclose(out["b"], cols.sum(axis=1), rtol=1e-15)
    np.testing.assert_allclose(out["c"], d[["x", "y"]].max(axis=1), rtol=0)
    np.testing.assert_allclose(out["e"], d[["x", "y"]].min(axis=1), rtol=0)
    assert out["n"].tolist() == cols.notna().sum(axis=1).astype(float).tolist()
    np.testing.assert_allclose(out["f"], d[["x", "y"]].sum(axis=1, min_count=1), rtol=1e-15)


def test_cut(messy: pd.DataFrame) -> None:
    out = run("egen c = cut(x), at(0 8 10 12 100)\negen i = cut(x), at(0 8 10 12 100) icodes\n"
              "egen q = cut(x), group(4)", messy).data  # fmt: skip
    edges = [0, 8, 10, 12, 100]
    ref = pd.cut(messy["x"], edges, right=False, labels=edges[:-1]).astype(float)
    np.testing.assert_array_equal(out["c"].to_numpy(), ref.to_numpy())
    icodes = pd.cut(messy["x"], edges, right=False, labels=False).astype(float)
    np.testing.assert_array_equal(out["i"].to_numpy(), icodes.to_numpy())
    counts = out["q"].value_counts().sort_index()
    assert list(counts.index) == [0.0, 1.0, 2.0, 3.0] and counts.max() - counts.min() <= 6


def test_egen_errors(messy: pd.DataFrame) -> None:
    with pytest.raises(VceregError, match=r"unknown egen function nope\(\)"):
        run("egen a = nope(x)", messy)
    with pytest.raises(VceregError, match=r"may not be combined with by; r\(190\)"):
        run("egen a = rowmean(x w), by(g)", messy)
