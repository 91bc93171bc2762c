"""The lean design path (plain numeric formulas, one look-up per column) against the
general path it short-cuts: the same Design, field by field, and the same warnings, on
data as users have it (missing values and infinities, integer columns of every width,
float32, text and float cluster ids, every weight kind with zero weights, absorbed
effects, no constant, partitions). Exact equality: both read the same numbers."""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pandas as pd
import pytest

import vcereg
from vcereg.design.build import Design, build
from vcereg.design.lean import lean_design
from vcereg.errors import DroppedRowsWarning

build_module = importlib.import_module("vcereg.design.build")


def _data(seed: int = 0, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    d = pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "x1": rng.normal(size=n) * 1e6,
            "x2": rng.integers(-100, 100, n).astype(np.int16),
            "x3": rng.integers(0, 200, n).astype(np.uint8),
            "x4": rng.normal(size=n).astype(np.float32),
            "x5": rng.integers(0, 5, n).astype(np.int8),
            "w": rng.uniform(0.5, 2.0, n),
            "fw": rng.integers(1, 4, n).astype(np.int32),
            "g": rng.integers(0, 20, n),
            "s": rng.choice(["a", "b", "c", "d"], n).astype(object),
            "gf": rng.integers(0, 9, n).astype(float),
            "f": rng.integers(0, 30, n),
            "t": rng.permutation(n) * 2 + 1990,  # a time variable, rows not in time order
        }
    )
    d.loc[[3, 7], "y"] = np.nan
    d.loc[[8], "x1"] = np.inf
    d.loc[[9], "x4"] = np.nan
    d.loc[[11, 12], "w"] = 0.0
    d.loc[[13], "s"] = None
    d.loc[[14], "gf"] = np.nan
    return d


def _general(spec: object, data: pd.DataFrame, **kw: object) -> tuple[Design, list[str]]:
    saved = build_module.lean_design
    build_module.lean_design = lambda *a, **k: None  # type: ignore[assignment]
    try:
        return _with_warnings(spec, data, **kw)
    finally:
        build_module.lean_design = saved


def _with_warnings(spec: object, data: pd.DataFrame, **kw: object) -> tuple[Design, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        design = build(spec, data, **kw)  # type: ignore[arg-type]
    return design, [f"{w.category.__name__}: {w.message}" for w in caught]


def _same(a: Design, b: Design) -> None:
    for name in ("y", "x", "weights", "z"):
        va, vb = getattr(a, name), getattr(b, name)
        assert (va is None) == (vb is None), name
        if va is not None:
            np.testing.assert_array_equal(va, vb, err_msg=name)
            assert va.dtype == vb.dtype, name
    assert a.x.flags.f_contiguous and b.x.flags.f_contiguous
    for name in ("terms", "depvar", "has_intercept", "weight_kind", "rows", "notes"):
        assert getattr(a, name) == getattr(b, name), name
    for name in ("z_terms", "factor_names", "levels"):
        assert getattr(a, name) == getattr(b, name), name
    for name in ("groups", "absorb"):
        ga, gb = getattr(a, name), getattr(b, name)
        assert list(ga) == list(gb), name
        for k in ga:
            np.testing.assert_array_equal(ga[k], gb[k], err_msg=f"{name}[{k}]")
    pd.testing.assert_index_equal(a.index, b.index)
    ra, rb = a.rebuild, b.rebuild
    assert ra is not None and rb is not None
    assert (ra.rhs, ra.lhs) == (rb.rhs, rb.lhs) == (None, None)
    assert (ra.rhs_terms, ra.rhs_vars, ra.lhs_vars) == (rb.rhs_terms, rb.rhs_vars, rb.lhs_vars)
    # the environment only serves formula code, which plain designs have none of (the
    # general path adds a C() that remembers integer columns' labels)
    assert set(ra.env) - {"C"} == set(rb.env) - {"C"}


CASES = [
    ("y ~ x1 + x2 + x3 + x4 + x5", ()),
    ("y ~ x1 + x2 | vce(cluster g)", ("g",)),
    ("y ~ x1 + x4 | vce(cluster s)", ("s",)),
    ("y ~ x1 + x5 | vce(cluster gf s)", ("gf", "s")),
    ("y ~ 0 + x1 + x2", ()),
    ("y ~ x2 + x1 - 1 | weights(w)", ()),
    ("y ~ x1 | weights(w, pweight) | vce(cluster g)", ("g",)),
    ("y ~ x1 + x3 | weights(fw, fweight)", ()),
    ("y ~ x1 + x2 | fe(f s) | vce(cluster g)", ("g",)),
    ("y ~ x1 | fe(gf)", ()),
    ("x2 ~ x3 + x5", ()),
    ("y ~ x1 + x2 | vce(hac t, lags(2))", ("t",)),  # time codes in time order
]


@pytest.mark.parametrize(("model", "extra"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("partition", [False, True])
def test_lean_equals_general(model: str, extra: tuple[str, ...], partition: bool) -> None:
    spec = vcereg.parse(model)
    d = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert lean_design(spec, d, extra=extra, safe=True, levels=None, partition=partition)
    lean, w_lean = _with_warnings(spec, d, extra=extra, partition=partition)
    general, w_general = _general(spec, d, extra=extra, partition=partition)
    _same(lean, general)
    assert w_lean == w_general


def test_lean_without_dropped_rows_equals_general() -> None:
    d = _data().replace(np.inf, np.nan).dropna().loc[lambda f: f["w"] > 0]
    spec = vcereg.parse("y ~ x1 + x2 | weights(w) | vce(cluster s)")
    lean, w_lean = _with_warnings(spec, d, extra=("s",))
    general, w_general = _general(spec, d, extra=("s",))
    _same(lean, general)
    assert w_lean == w_general == []


@pytest.mark.parametrize(
    "model",
    [
        "y ~ x1 + np.log(x3 + 1)",  # formula code
        "y ~ x1 + C(x5)",  # a categorical term
        "y ~ x1 | if(x2 > 0)",  # a sample filter
        "y ~ x1 | fe(f#g)",  # an interaction of effects
        "y ~ x1 + b",  # a boolean column
        "y ~ x1 + t",  # a nullable integer column
    ],
)
def test_other_models_take_the_general_path(model: str) -> None:
    d = _data().assign(b=lambda f: f["x2"] > 0, t=lambda f: f["x5"].astype("Int64"))
    spec = vcereg.parse(model)
    assert lean_design(spec, d, extra=(), safe=True, levels=None, partition=False) is None


def test_errors_are_the_general_paths() -> None:
    d = _data()
    with pytest.raises(vcereg.errors.DataError, match="time variable 'ts' must hold whole"):
        build(vcereg.parse("y ~ x1 | vce(hac ts, lags(2))"), d.assign(ts=d["s"]), extra=("ts",))
    with pytest.raises(vcereg.errors.MissingVariableError, match="'x9' not found"):
        build(vcereg.parse("y ~ x1 + x9"), d)
    dup = pd.concat([d[["y", "x1"]], d[["x1"]]], axis=1)
    with pytest.raises(vcereg.errors.DataError, match="appears 2 times"):
        build(vcereg.parse("y ~ x1"), dup)
    with pytest.raises(vcereg.errors.DataError, match="negative"):
        build(vcereg.parse("y ~ x1 | weights(x2)"), d)
    with pytest.raises(vcereg.errors.EmptySampleError):
        build(vcereg.parse("y ~ x1"), d.assign(y=np.nan))


def test_regression_through_both_paths_is_identical() -> None:
    d = _data(3)
    model = "y ~ x1 + x2 + x4 | weights(w) | vce(cluster s)"
    with pytest.warns(DroppedRowsWarning):
        lean = vcereg.regress(model, d)
    saved = build_module.lean_design
    build_module.lean_design = lambda *a, **k: None  # type: ignore[assignment]
    try:
        with pytest.warns(DroppedRowsWarning):
            general = vcereg.regress(model, d)
    finally:
        build_module.lean_design = saved
    pd.testing.assert_series_equal(lean.params, general.params, check_exact=True)
    pd.testing.assert_frame_equal(lean.cov, general.cov, check_exact=True)
    assert lean.notes == general.notes


def test_big_data_blocks_equal_general() -> None:
    """Columns copied and checked in blocks (and threads): non-finite values in late
    blocks, a magnitude error found by the blocks' extremes."""
    rng = np.random.default_rng(5)
    n = 300_000
    d = pd.DataFrame(
        {"y": rng.normal(size=n), "x1": rng.normal(size=n), "g": rng.integers(0, 50, n)}
    )
    d["x2"] = rng.integers(0, 9, n).astype(np.int16)
    d.loc[[250_000], "x1"] = np.nan
    d.loc[[140_000], "y"] = -np.inf
    spec = vcereg.parse("y ~ x1 + x2 | vce(cluster g)")
    lean, w_lean = _with_warnings(spec, d, extra=("g",))
    general, w_general = _general(spec, d, extra=("g",))
    _same(lean, general)
    assert w_lean == w_general and lean.rows.dropped_missing == 2
    clean = d.dropna().replace(-np.inf, 0.0)
    _same(_with_warnings(spec, clean, extra=("g",))[0], _general(spec, clean, extra=("g",))[0])
    huge = clean.assign(x1=lambda f: f["x1"].where(f.index != 200_000, 1e160))
    with pytest.raises(vcereg.errors.EstimationError, match="x1 reaches 1e"):
        build(spec, huge, extra=("g",))
