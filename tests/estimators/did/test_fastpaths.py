"""The grouped computations against the slow, obvious ones they replace.

* Callaway-Sant'Anna without covariates on a balanced panel: the cohort-by-period path
  (:mod:`vcereg.estimators.did.cs_cohort`) against one 2x2 estimator per cell with its
  dense units x cells influence matrix (the path covariates take), every table;
* the aggregations' estimated-share term (computed in O(n) per aggregate) against R
  ``did``'s definition written out with dense matrices;
* Sun-Abraham on the cohort x period grid (:mod:`vcereg.estimators.did.grid`) against the
  demeaned dummy design and the variance registry, for each variance type and
  small-sample convention the grid evaluates;
* the data loading that reuses the design's codes: data as users have it (narrow integer
  and float periods, nullable cohorts, shuffled rows, missing outcomes) give the same.

Both sides of each comparison are exact computations of the same numbers, so they agree
to REL_IDENTITY (rounding); a spy checks that the fast path was taken.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

import vcereg
import vcereg.estimators.did.cs as cs_module
import vcereg.estimators.did.etwfe as etwfe_module
import vcereg.estimators.did.sunab as sunab_module
from vcereg.estimators.did import GroupTime, aggregate, make_panel
from vcereg.estimators.did.cellinf import DenseInfluence

from ...tolerances import REL_IDENTITY

TOL = dict(rtol=REL_IDENTITY, atol=1e-13)
KINDS = ("gt", "simple", "dynamic", "group", "calendar")


def panel(seed: int, n: int = 120, periods: int = 7, *, never: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cohorts = [0, 3, 4, 6] if never else [3, 4, 6, 7]
    g = np.repeat(rng.choice(cohorts, size=n), periods)
    year = np.tile(np.arange(1, periods + 1), n) + 2000
    effect = np.where((g > 0) & (year - 2000 >= g), 1.0 + 0.3 * (year - 2000 - g), 0.0)
    y = np.repeat(rng.normal(size=n), periods) + 0.2 * year + effect
    y = y + rng.normal(size=n * periods) * np.repeat(rng.uniform(0.5, 2, size=n), periods)
    return pd.DataFrame({
        "y": y, "id": np.repeat(np.arange(n), periods), "year": year,
        "g": np.where(g > 0, g + 2000, 0), "st": np.repeat(rng.integers(0, 9, size=n), periods),
        "w": np.repeat(rng.uniform(0.5, 2.0, size=n), periods),
    })  # fmt: skip


@pytest.fixture
def slow_cs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Yields a switch: append True to force the cell-by-cell path; records fast calls."""
    force: list[bool] = []
    real = cs_module.unconditional_balanced
    monkeypatch.setattr(cs_module, "unconditional_balanced", lambda p: not force and real(p))
    yield force


def _tables(
    r: vcereg.staggered.DidResults,
) -> dict[str, tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray]]:
    return {k: (t.terms, t.estimate, t.cov, t.se) for k, t in r.tables.items()}


def _same(fast: vcereg.staggered.DidResults, slow: vcereg.staggered.DidResults) -> None:
    a, b = _tables(fast), _tables(slow)
    assert list(a) == list(b)
    for kind in a:
        assert a[kind][0] == b[kind][0], kind
        for x, y in zip(a[kind][1:], b[kind][1:], strict=True):
            np.testing.assert_allclose(x, y, **TOL, err_msg=kind)


CS_CASES = [
    "never",
    "notyet",
    "notyet anticipation(1)",
    "universal",
    "notyet universal",
    "never balance(2)",
    "notyet reps(199) seed(3)",
]


@pytest.mark.parametrize("opts", CS_CASES)
@pytest.mark.parametrize("extra", ["", " | weights(w)", " | vce(cluster st)"])
def test_cs_cohort_path_equals_cell_by_cell(slow_cs: list[bool], opts: str, extra: str) -> None:
    df = panel(1)
    model = f"y ~ 1 | did(cs g, {opts}) | panel(id year){extra}"
    assert cs_module.unconditional_balanced  # the fixture's wrapper
    fast = vcereg.did(model, df)
    slow_cs.append(True)
    slow = vcereg.did(model, df)
    _same(fast, slow)
    assert fast.tables["gt"].terms  # the group-time table is built on demand


def test_cs_cohort_path_is_taken_and_without_never_treated(slow_cs: list[bool]) -> None:
    calls: list[int] = []
    real = cs_module.cohort_cells

    def spy(*a: object, **k: object) -> object:
        calls.append(1)
        return real(*a, **k)  # type: ignore[arg-type]

    cs_module.cohort_cells = spy  # type: ignore[assignment]
    try:
        df = panel(2, never=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fast = vcereg.did("y ~ 1 | did(cs g, notyet) | panel(id year)", df)
            slow_cs.append(True)
            slow = vcereg.did("y ~ 1 | did(cs g, notyet) | panel(id year)", df)
    finally:
        cs_module.cohort_cells = real  # type: ignore[assignment]
    assert calls == [1]
    _same(fast, slow)
    assert fast.notes == slow.notes


# --- the aggregations' share term against R's definition ---------------------------


def _reference(gt: GroupTime, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """R ``did``'s aggte: weights pg / sum(pg) of the cells, influence ``psi v + wif att``
    with ``wif[i, c] = (w_i 1{G_i = g_c} - pg_c) / S - sum_c'(...) pg_c / S^2``; the group
    table averages each cohort's cells with equal weights and its overall uses the
    cohort shares the same way. Returns (estimates with the overall first, psi)."""
    psi = gt.inf
    w, coh = gt.unit_weight, gt.unit_cohort
    pg = {g: np.mean(w * (coh == g)) for g in np.unique(gt.group)}

    def wavg(cells: np.ndarray, weights: np.ndarray, estimated: bool) -> tuple[float, np.ndarray]:
        s = weights.sum()
        est = float(weights @ gt.att[cells] / s)
        inf = psi[:, cells] @ (weights / s)
        if estimated:
            centred = np.column_stack([w * (coh == gt.group[c]) - pg[gt.group[c]] for c in cells])
            wif = centred / s - np.outer(centred.sum(axis=1), weights / s**2)
            inf = inf + wif @ gt.att[cells]
        return est, inf

    post = gt.valid & (gt.group <= gt.time)
    e = gt.time - gt.group
    cols: list[tuple[float, np.ndarray]] = []
    if kind == "dynamic":
        events = np.unique(e[gt.valid])
        cols = [wavg(np.flatnonzero(gt.valid & (e == ev)),
                     np.array([pg[g] for g in gt.group[gt.valid & (e == ev)]]), True)
                for ev in events]  # fmt: skip
        keep = events >= 0
        overall = (
            np.mean([c[0] for c, k in zip(cols, keep, strict=True) if k]),
            np.mean([c[1] for c, k in zip(cols, keep, strict=True) if k], axis=0),
        )
    elif kind == "calendar":
        cols = [wavg(np.flatnonzero(post & (gt.time == t)),
                     np.array([pg[g] for g in gt.group[post & (gt.time == t)]]), True)
                for t in np.unique(gt.time[post])]  # fmt: skip
        overall = (np.mean([c[0] for c in cols]), np.mean([c[1] for c in cols], axis=0))
    elif kind == "group":
        groups = [g for g in np.unique(gt.group) if (post & (gt.group == g)).any()]
        for g in groups:
            cells = np.flatnonzero(post & (gt.group == g))
            cols.append(wavg(cells, np.ones(cells.size), False))
        pgg = np.array([pg[g] for g in groups])
        est = np.array([c[0] for c in cols])
        inf = np.column_stack([c[1] for c in cols])
        centred = np.column_stack([w * (coh == g) - pg[g] for g in groups])
        wif = centred / pgg.sum() - np.outer(centred.sum(axis=1), pgg / pgg.sum() ** 2)
        overall = (float(pgg @ est / pgg.sum()), inf @ (pgg / pgg.sum()) + wif @ est)
    else:
        cells = np.flatnonzero(post)
        overall = wavg(cells, np.array([pg[g] for g in gt.group[cells]]), True)
    est = np.array([overall[0], *(c[0] for c in cols)])
    return est, np.column_stack([overall[1], *(c[1] for c in cols)])


@pytest.mark.parametrize("kind", ["simple", "dynamic", "group", "calendar"])
def test_aggregate_share_term_matches_definition(kind: str) -> None:
    rng = np.random.default_rng(5)
    n, periods = 60, np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    coh = rng.choice([2.0, 3.0, 5.0, np.inf], size=n)
    cells = [(g, t) for g in (2.0, 3.0, 5.0) for t in periods[1:]]
    group, time = np.array([c[0] for c in cells]), np.array([c[1] for c in cells])
    w = rng.uniform(0.5, 2.0, size=n)
    psi = rng.normal(size=(n, len(cells)))
    valid = np.ones(len(cells), dtype=bool)
    valid[3] = False  # a cell that could not be estimated is left out
    att = np.where(valid, rng.normal(size=len(cells)), np.nan)
    psi[:, ~valid] = 0.0
    gt = GroupTime(group, time, time - 1, periods, att, DenseInfluence(psi, w, coh),
                   group <= time, valid, w, coh, None, ())  # fmt: skip
    a = aggregate(gt, kind)  # type: ignore[arg-type]
    est, inf = _reference(gt, kind)
    np.testing.assert_allclose(np.concatenate([[a.overall], a.estimate])[: est.size], est, **TOL)
    np.testing.assert_allclose(a.joint[:, : est.size], inf, **TOL)


# --- Sun-Abraham on the grid -----------------------------------------------------------


@pytest.fixture
def slow_sa(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Append True to force the dense design; records whether the grid answered (for
    Sun-Abraham and extended TWFE)."""
    state: list[bool] = []
    real = sunab_module.grid_regression

    def switch(*a: object, **k: object) -> object:
        if state and state[-1]:
            return None
        out = real(*a, **k)  # type: ignore[arg-type]
        state.append(False if out is None else "grid")  # type: ignore[arg-type]
        return out

    monkeypatch.setattr(sunab_module, "grid_regression", switch)
    monkeypatch.setattr(etwfe_module, "grid_regression", switch)
    yield state


SA_VCE = ["", " | vce(cluster st)", " | vce(robust)", " | vce(hc0)", " | vce(ols)"]


@pytest.mark.parametrize("vce", SA_VCE)
@pytest.mark.parametrize("ssc", ["stata", "fixest", "statsmodels", "asymptotic"])
@pytest.mark.parametrize("method", ["sa", "etwfe", "etwfe never"])
def test_sa_grid_equals_dense_design(
    slow_sa: list[object], vce: str, ssc: str, method: str
) -> None:
    df = panel(4)
    est, _, opt = method.partition(" ")
    spec = vcereg.parse(f"y ~ 1 | did({est} g, {opt or 'dynamic'}) | panel(id year){vce}")
    spec = spec.replace(ssc=vcereg.spec.SmallSample.preset(ssc))
    fast = vcereg.did(spec, df)
    assert slow_sa == ["grid"]
    slow_sa.append(True)
    slow = vcereg.did(spec, df)
    _same(fast, slow)
    assert (fast.df_inference, fast.n_clusters, fast.vce_label, fast.nobs, fast.n_units) == (
        slow.df_inference, slow.n_clusters, slow.vce_label, slow.nobs, slow.n_units)  # fmt: skip


@pytest.mark.parametrize("opts", ["last", "anticipation(1)", "last anticipation(1)"])
def test_sa_grid_equals_dense_design_controls(slow_sa: list[object], opts: str) -> None:
    df = panel(6, never="last" not in opts)
    model = f"y ~ 1 | did(sa g, {opts}) | panel(id year)"
    fast = vcereg.did(model, df)
    assert slow_sa == ["grid"]
    slow_sa.append(True)
    _same(fast, vcereg.did(model, df))


def test_sa_user_bins_on_the_grid_and_off_it(slow_sa: list[object]) -> None:
    """eventstudyinteract's indicators: functions of the period go on the grid; an
    indicator that splits a cohort-period cell cannot, and the dense design is used."""
    df = panel(7)
    rel = df["year"] - df["g"]
    names = []
    for e in (-3, -2, 0, 1, 2):
        df[f"e{e + 5}"] = ((df["g"] > 0) & (rel == e)).astype(int)
        names.append(f"e{e + 5}")
    df["late"] = ((df["g"] > 0) & (rel >= 3)).astype(int)  # a bin of several periods
    line = (f"eventstudyinteract y {' '.join(names)} late, cohort(g) control_cohort(never) "
            "absorb(i.id i.year) vce(cluster id)")  # fmt: skip
    df["never"] = (df["g"] == 0).astype(int)
    fast = vcereg.did(line, df)
    assert slow_sa == ["grid"]
    slow_sa.append(True)
    _same(fast, vcereg.did(line, df))
    slow_sa.clear()
    df.loc[df.index[::2], "late"] = 0  # splits cells: not a function of cohort and period
    vcereg.did(line, df)
    assert slow_sa == [] or slow_sa == [False]


# --- data as users have it --------------------------------------------------------------


@pytest.mark.parametrize("method", ["cs", "sa"])
def test_loading_data_as_users_have_it(method: str) -> None:
    """Narrow integer and fractional periods, nullable cohorts with <NA> for never treated,
    shuffled rows and missing outcomes give the numbers of the plain frame."""
    df = panel(8)
    model = f"y ~ 1 | did({method} g, gt) | panel(id year)"
    base = vcereg.did(model, df)
    d = df.copy()
    d["year"] = (d["year"] - 2000).astype("int8")
    d["g"] = (d["g"] - 2000).clip(lower=0).astype("Int16").mask(d["g"] == 0)
    r = vcereg.did(model, d.sample(frac=1.0, random_state=1))
    np.testing.assert_allclose(r.params.to_numpy(), base.params.to_numpy(), **TOL)
    np.testing.assert_allclose(r.se.to_numpy(), base.se.to_numpy(), **TOL)
    d["year"] = d["year"] + 0.5  # periods that are not whole numbers
    d["g"] = d["g"] + 0.5
    r = vcereg.did(model, d)
    np.testing.assert_allclose(r.params.to_numpy(), base.params.to_numpy(), **TOL)
    # missing outcomes drop rows (an unbalanced panel: the general paths) as the rows' removal does
    gap = df.assign(y=df["y"].mask(df.index % 97 == 5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = vcereg.did(model, gap)
        b = vcereg.did(model, gap.dropna(subset=["y"]).reset_index(drop=True))
    np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), **TOL)
    np.testing.assert_allclose(a.se.to_numpy(), b.se.to_numpy(), **TOL)


def test_make_panel_uses_time_codes_only_when_they_follow_the_periods() -> None:
    """The design's codes of the period variable save a sort when they number the periods
    in ascending order; codes in another order (or that disagree with the values) are
    ignored, never trusted."""
    rng = np.random.default_rng(9)
    year = np.tile([2001, 2003, 2002, 2004], 5).astype(float)
    unit = np.repeat(np.arange(5), 4)
    cohort = np.repeat([2003.0, 0, 2004, 0, 2003], 4)
    y = rng.normal(size=year.size)
    base = make_panel(y, np.ones((20, 1)), None, unit, year, cohort)
    ascending = np.searchsorted([2001, 2002, 2003, 2004], year).astype(np.int64)
    for codes in (ascending, 3 - ascending, (ascending + 1) % 4, np.minimum(ascending, 2)):
        p = make_panel(y, np.ones((20, 1)), None, unit, year, cohort, time_codes=codes)
        np.testing.assert_array_equal(p.periods, base.periods)
        np.testing.assert_array_equal(p.period, base.period)


@pytest.mark.parametrize("method", ["sa", "etwfe"])
def test_units_dropped_by_the_panel_are_not_clusters(method: str) -> None:
    """Units treated from the first period are dropped; the clusters (and so G/(G-1) and
    t(G-1)) are the units left, exactly as when the user drops those rows first."""
    df = panel(10)
    df.loc[df["id"] < 10, "g"] = 2001
    with pytest.warns(vcereg.errors.DroppedRowsWarning):
        r = vcereg.did(f"y ~ 1 | did({method} g, gt) | panel(id year)", df)
    by_hand = vcereg.did(f"y ~ 1 | did({method} g, gt) | panel(id year)", df[df["g"] != 2001])
    assert r.n_clusters == by_hand.n_clusters == {"id": 110}
    assert r.df_inference == by_hand.df_inference == 109
    np.testing.assert_allclose(r.se.to_numpy(), by_hand.se.to_numpy(), **TOL)
