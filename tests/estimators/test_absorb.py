"""vcereg.estimators.absorb against independent references.

References: pandas group means, OLS/WLS on full dummy matrices (statsmodels, numpy lstsq),
pyfixest ``feols`` (its MAP demeaner run to 1e-13), ``numpy.linalg.matrix_rank`` of the
dummy matrix, and a slow pure-Python singleton loop.
"""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest
import statsmodels.api as sm

from tests.tolerances import REL_IDENTITY
from tests.tolerances import REL_REFERENCE as RTOL
from vcereg.errors import DataError, EstimationError
from vcereg.estimators import absorb
from vcereg.estimators.absorb import absorbed_dof, demean, drop_singletons

pytestmark = [
    pytest.mark.filterwarnings("ignore:The inplace keyword"),  # pandas 3 vs pyfixest internals
    pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient"),  # full dummies
]

PF_MAP = pf.MapDemeaner(fixef_tol=1e-13)  # pyfixest's default 1e-6 is too loose for 1e-8


def _codes(s: pd.Series) -> np.ndarray:
    return pd.factorize(s)[0].astype(np.int64)


def _dummies(*codes: np.ndarray) -> np.ndarray:
    blocks = []
    for c in codes:
        d = np.zeros((c.size, int(c.max()) + 1))
        d[np.arange(c.size), c] = 1.0
        blocks.append(d[:, d.any(axis=0)])
    return np.hstack(blocks)


def _panel(seed: int = 0, blocks: int = 3, firms: int = 15, years: int = 6, n: int = 400):
    """Unbalanced firm-year panel whose bipartite graph has ``blocks`` components."""
    rng = np.random.default_rng(seed)
    block = rng.integers(0, blocks, n)
    firm = block * firms + rng.integers(0, firms, n)
    year = block * years + rng.integers(0, years, n)
    a, g = rng.standard_normal(blocks * firms), rng.standard_normal(blocks * years)
    x1 = rng.standard_normal(n) + a[firm]  # regressors correlated with the effects
    x2 = rng.standard_normal(n) + g[year]
    y = 1.5 * x1 - 0.7 * x2 + a[firm] + g[year] + 0.3 * rng.standard_normal(n)
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2, "firm": firm, "year": year})


def _fwl_slopes(df: pd.DataFrame, yname: str, xnames: list[str], fes: list[str]) -> np.ndarray:
    res = demean(df[[yname, *xnames]].to_numpy(), [_codes(df[f]) for f in fes])
    return np.linalg.lstsq(res.values[:, 1:], res.values[:, 0], rcond=None)[0]


def _dummy_slopes(df: pd.DataFrame, yname: str, xnames: list[str], fes: list[str]) -> np.ndarray:
    exog = np.hstack([df[xnames].to_numpy(), _dummies(*[_codes(df[f]) for f in fes])])
    return np.asarray(sm.OLS(df[yname].to_numpy(), exog).fit().params[: len(xnames)])


# ---- (1) one fixed effect: exact group-mean subtraction --------------------------------


def test_one_fe_equals_pandas_groupby(petersen: pd.DataFrame) -> None:
    res = demean(petersen[["y", "x"]].to_numpy(), [_codes(petersen["firmid"])])
    expected = petersen[["y", "x"]] - petersen.groupby("firmid")[["y", "x"]].transform("mean")
    np.testing.assert_allclose(res.values, expected.to_numpy(), rtol=0, atol=1e-12)
    assert res.iterations == 1 and res.converged


def test_layout_shape_and_input_untouched() -> None:
    df = _panel(1)
    codes = [_codes(df["firm"]), _codes(df["year"])]
    data = df[["y", "x1", "x2"]].to_numpy()
    before = data.copy()
    c_res = demean(np.ascontiguousarray(data), codes).values
    f_res = demean(np.asfortranarray(data), codes).values
    np.testing.assert_array_equal(data, before)
    np.testing.assert_allclose(c_res, f_res, rtol=0, atol=1e-13)
    one = demean(data[:, 1], codes).values  # 1-D in, 1-D out
    assert one.shape == (len(df),)
    np.testing.assert_allclose(one, c_res[:, 1], rtol=0, atol=1e-9)


def test_no_fixed_effects_is_identity() -> None:
    x = np.arange(6.0).reshape(3, 2)
    res = demean(x, [])
    np.testing.assert_array_equal(res.values, x)
    assert res.iterations == 0


# ---- (2) two fixed effects: slopes from FWL equal pyfixest and full dummies ------------

CASES = [
    ("petersen", "y", ["x"], ["firmid", "year"]),
    ("grunfeld", "invest", ["value", "capital"], ["firm", "year"]),
    ("panel", "y", ["x1", "x2"], ["firm", "year"]),
]


@pytest.mark.parametrize(("name", "yname", "xnames", "fes"), CASES, ids=[c[0] for c in CASES])
def test_two_fe_slopes(
    name: str,
    yname: str,
    xnames: list[str],
    fes: list[str],
    petersen: pd.DataFrame,
    grunfeld: pd.DataFrame,
) -> None:
    df = {"petersen": petersen, "grunfeld": grunfeld, "panel": _panel(2)}[name]
    ours = _fwl_slopes(df, yname, xnames, fes)
    fml = f"{yname} ~ {' + '.join(xnames)} | {' + '.join(fes)}"
    fit = pf.feols(fml, df, demeaner=PF_MAP, fixef_rm="none")
    np.testing.assert_allclose(ours, fit.coef().to_numpy(), rtol=RTOL)
    # full dummies only on small data: the first 100 firms of Petersen's 500
    small = df[df[fes[0]].isin(df[fes[0]].unique()[:100])]
    np.testing.assert_allclose(
        _fwl_slopes(small, yname, xnames, fes), _dummy_slopes(small, yname, xnames, fes), rtol=RTOL
    )


@pytest.mark.parametrize("method", ["cg", "direct"])
@pytest.mark.parametrize("tol", [1e-10, 1e-14])
def test_weakly_connected_chain_converges_to_exact(tol: float, method: str) -> None:
    # firm i is seen only in years i and i+1: a path graph, the worst case for plain MAP.
    # A tolerance below rounding level must stop at the noise floor, not amplify noise.
    rng = np.random.default_rng(3)
    firm = np.repeat(np.arange(120), 6)
    year = firm + np.tile([0, 0, 0, 1, 1, 1], 120)
    x = rng.standard_normal((firm.size, 2)) + np.sqrt(year)[:, None]
    res = demean(x, [firm, year], tol=tol, method=method)  # type: ignore[arg-type]
    d = _dummies(firm, year)
    exact = x - d @ np.linalg.lstsq(d, x, rcond=None)[0]
    np.testing.assert_allclose(res.values, exact, rtol=0, atol=1e-9 * x.std())
    # the direct solve needs no sweeps: one check that nothing is left
    assert res.converged and (res.iterations > 5 if method == "cg" else res.iterations == 1)


@pytest.mark.parametrize("weighted", [False, True])
def test_direct_solve_equals_dummy_regression_with_three_effects(weighted: bool) -> None:
    """Largest effect by group means, the two small ones through the Schur complement;
    several connected components (a singular Schur complement); weights."""
    rng = np.random.default_rng(8)
    n = 900
    firm = rng.integers(0, 150, n)
    year = rng.integers(0, 12, n)
    region = np.where(firm < 75, rng.integers(0, 4, n), 4 + rng.integers(0, 3, n))
    x = rng.standard_normal((n, 3)) * [1.0, 1e4, 1e-3] + firm[:, None] * 0.1
    w = rng.uniform(0.5, 2.0, n) if weighted else None
    res = demean(x, [firm, year, region], weights=w, method="direct")
    d = _dummies(firm, year, region)
    sw = np.sqrt(w) if w is not None else np.ones(n)
    coef = np.linalg.lstsq(d * sw[:, None], x * sw[:, None], rcond=None)[0]
    exact = x - d @ coef
    sd = x.std(axis=0)  # columns on scales 1, 1e4 and 1e-3: compare each in its own units
    np.testing.assert_allclose(res.values / sd, exact / sd, rtol=0, atol=1e-10)
    assert res.iterations == 1
    cg = demean(x, [firm, year, region], weights=w, method="cg", tol=1e-13)
    np.testing.assert_allclose(res.values / sd, cg.values / sd, rtol=0, atol=1e-10)


def test_direct_solve_refused_when_every_other_effect_is_large() -> None:
    a = np.arange(8000) % 4000
    b = (np.arange(8000) * 7) % 3500
    with pytest.raises(EstimationError, match="at most 2,000 levels"):
        demean(np.ones((8000, 1)), [a, b], method="direct")


def test_three_fe_slopes_match_pyfixest() -> None:
    df = _panel(4, blocks=1, firms=30, years=8, n=500)
    df["region"] = np.random.default_rng(4).integers(0, 5, len(df))
    fes = ["firm", "year", "region"]
    ours = _fwl_slopes(df, "y", ["x1", "x2"], fes)
    fit = pf.feols("y ~ x1 + x2 | firm + year + region", df, demeaner=PF_MAP, fixef_rm="none")
    np.testing.assert_allclose(ours, fit.coef().to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(ours, _dummy_slopes(df, "y", ["x1", "x2"], fes), rtol=RTOL)


# ---- (3) absorbed degrees of freedom: rank of the dummy matrix, pyfixest's _df_k --------


def _rank(*codes: np.ndarray) -> int:
    return int(np.linalg.matrix_rank(_dummies(*codes)))


def test_dof_one_fe_counts_present_levels() -> None:
    firm = np.array([0, 0, 3, 3, 5, 7, 7], dtype=np.int64)  # codes with gaps
    dof = absorbed_dof([firm])
    assert dof.levels == (4,) and dof.redundant == (0,)
    assert dof.df_a == dof.df_a_nonnested == _rank(firm) == 4


@pytest.mark.parametrize("blocks", [1, 2, 4])
def test_dof_two_fe_is_exact(blocks: int) -> None:
    df = _panel(5, blocks=blocks)
    firm, year = _codes(df["firm"]), _codes(df["year"])
    dof = absorbed_dof([firm, year])
    assert dof.redundant == (0, blocks)  # mobility groups
    assert dof.df_a == _rank(firm, year)


def test_dof_three_fe_exact_when_connected_and_pairwise_redundancy() -> None:
    rng = np.random.default_rng(6)
    n = 600
    block = rng.integers(0, 2, n)
    firm = block * 20 + rng.integers(0, 20, n)  # within block
    year = block * 7 + rng.integers(0, 7, n)  # within block: 2 groups with firm
    region = rng.integers(0, 9, n)  # crosses blocks: connects everything
    dof = absorbed_dof([firm, region, year])
    assert dof.redundant == (0, 1, 2)  # year: max(groups with firm, groups with region)
    assert dof.df_a == _rank(firm, region, year)
    generic = [region, firm % 20, rng.integers(0, 5, n)]  # one component: 1 redundant each
    assert absorbed_dof(generic).redundant == (0, 1, 1)
    assert absorbed_dof(generic).df_a == _rank(*generic)


def test_dof_three_fe_is_conservative_like_reghdfe() -> None:
    # all four cells of a 2x2 design; the third effect pools (0,1) with (1,0). Every pair
    # is connected (1 redundant each) but D3 meets span[D1 D2] in 2 dimensions.
    a = np.tile([0, 0, 1, 1], 3)
    b = np.tile([0, 1, 0, 1], 3)
    c = np.tile([0, 2, 2, 1], 3)
    dof = absorbed_dof([a, b, c])
    assert dof.redundant == (0, 1, 1)
    assert dof.df_a == 5 > _rank(a, b, c) == 4


def test_dof_random_three_fe_never_below_rank() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        n = int(rng.integers(5, 40))
        codes = [_codes(pd.Series(rng.integers(0, k, n))) for k in (6, 4, 3)]
        assert absorbed_dof(codes).df_a >= _rank(*codes)
        assert absorbed_dof(codes[:2]).df_a == _rank(*codes[:2])


def test_dof_matches_pyfixest_df_k(petersen: pd.DataFrame) -> None:
    firm, year = _codes(petersen["firmid"]), _codes(petersen["year"])
    fit = pf.feols("y ~ x | firmid + year", petersen, vcov="iid", demeaner=PF_MAP)
    df_a = absorbed_dof([firm, year]).df_a
    assert df_a == fit._df_k - fit._k == 500 + 10 - 1
    assert fit._df_t == len(petersen) - 1 - df_a  # residual df: N - K - df_a
    # firm nested in the cluster: reghdfe and pyfixest ("nonnested") count only the years
    fit = pf.feols("y ~ x | firmid + year", petersen, vcov={"CRV1": "firmid"}, demeaner=PF_MAP)
    dof = absorbed_dof([firm, year], clusters=[firm])
    assert dof.nested == (True, False) and dof.redundant == (500, 0)
    assert dof.df_a == fit._df_k - fit._k == 10
    assert dof.df_a_nonnested == 509 and dof.df_a_nested == 500


def test_dof_disconnected_differs_from_pyfixest_by_groups_minus_one() -> None:
    # pyfixest subtracts one level per extra effect; reghdfe (and we) the mobility groups
    df = _panel(8, blocks=3)
    fit = pf.feols("y ~ x1 + x2 | firm + year", df, demeaner=PF_MAP, fixef_rm="none")
    dof = absorbed_dof([_codes(df["firm"]), _codes(df["year"])])
    assert (fit._df_k - fit._k) - dof.df_a == 3 - 1


def test_dof_nested_within_coarser_cluster() -> None:
    rng = np.random.default_rng(9)
    firm = rng.integers(0, 40, 300)
    state = firm % 7  # every firm lies in one state
    year = rng.integers(0, 5, 300)
    dof = absorbed_dof([year, firm], clusters=[rng.integers(0, 3, 300), state])
    assert dof.nested == (False, True)
    assert dof.redundant == (0, dof.levels[1]) and dof.df_a == dof.levels[0]
    assert dof.df_a_nonnested == _rank(year, firm)


# ---- (4) singletons ------------------------------------------------------------------


def _singletons_reference(codes: list[np.ndarray]) -> np.ndarray:
    keep = [True] * len(codes[0])
    changed = True
    while changed:
        changed = False
        for c in codes:
            counts: dict[int, int] = {}
            for i, k in enumerate(c):
                if keep[i]:
                    counts[int(k)] = counts.get(int(k), 0) + 1
            for i, k in enumerate(c):
                if keep[i] and counts[int(k)] == 1:
                    keep[i] = False
                    changed = True
    return np.array(keep)


def test_drop_singletons_matches_slow_loop() -> None:
    rng = np.random.default_rng(10)
    cascades = 0
    for _ in range(150):
        n = int(rng.integers(1, 60))
        g = int(rng.integers(1, 4))
        codes = [rng.integers(0, int(rng.integers(1, n + 2)), n).astype(np.int64) for _ in range(g)]
        got = drop_singletons(codes)
        np.testing.assert_array_equal(got, _singletons_reference(codes))
        one_pass = np.all([np.bincount(c)[c] > 1 for c in codes], axis=0)
        cascades += int(got.sum() < one_pass.sum())
        for c in codes:  # nothing left alone
            assert np.all(np.bincount(c[got])[c[got]] >= 2)
    assert cascades > 5  # the iteration mattered in some draws


def test_drop_singletons_edge_cases() -> None:
    assert drop_singletons([]).shape == (0,)
    assert drop_singletons([np.zeros(0, dtype=np.int64)]).shape == (0,)
    assert not drop_singletons([np.array([0], dtype=np.int64)]).any()


# ---- (5) weights ---------------------------------------------------------------------


def test_weighted_one_fe_equals_weighted_group_means(petersen: pd.DataFrame) -> None:
    w = np.random.default_rng(11).uniform(0.2, 3.0, len(petersen))
    res = demean(petersen[["y", "x"]].to_numpy(), [_codes(petersen["firmid"])], w)
    df = petersen[["y", "x"]].mul(w, axis=0).assign(w=w, firmid=petersen["firmid"])
    sums = df.groupby("firmid")[["y", "x", "w"]].transform("sum")
    means = sums[["y", "x"]].div(sums["w"], axis=0)
    expected = petersen[["y", "x"]].to_numpy() - means.to_numpy()
    np.testing.assert_allclose(res.values, expected, rtol=0, atol=1e-12)


def test_weighted_two_fe_equals_wls_on_dummies_and_pyfixest() -> None:
    df = _panel(12, blocks=2)
    df["w"] = np.random.default_rng(12).uniform(0.2, 3.0, len(df))
    codes = [_codes(df["firm"]), _codes(df["year"])]
    data, w = df[["y", "x1", "x2"]].to_numpy(), df["w"].to_numpy()
    res = demean(data, codes, w)
    d, sw = _dummies(*codes), np.sqrt(w)[:, None]
    exact = data - d @ np.linalg.lstsq(d * sw, data * sw, rcond=None)[0]
    np.testing.assert_allclose(res.values, exact, rtol=0, atol=1e-9 * data.std())
    slopes = np.linalg.lstsq(res.values[:, 1:] * sw, res.values[:, 0] * sw[:, 0], rcond=None)[0]
    fit = pf.feols("y ~ x1 + x2 | firm + year", df, weights="w", demeaner=PF_MAP)
    np.testing.assert_allclose(slopes, fit.coef().to_numpy(), rtol=RTOL)


# ---- (6) failures ---------------------------------------------------------------------


def test_non_convergence_raises() -> None:
    df = _panel(13)
    with pytest.raises(EstimationError, match=r"1 iterations \(tol=1e-10\)"):
        demean(
            df[["x1"]].to_numpy(), [_codes(df["firm"]), _codes(df["year"])], maxiter=1,
            method="cg",
        )  # fmt: skip


def test_bad_inputs_raise_data_error() -> None:
    x = np.zeros((4, 1))
    with pytest.raises(DataError, match="with 4 rows"):
        demean(x, [np.zeros(3, dtype=np.int64)])
    with pytest.raises(DataError, match=">= 0"):
        demean(x, [np.array([0, -1, 0, 1])])
    with pytest.raises(DataError, match="weights"):
        demean(x, [np.zeros(4, dtype=np.int64)], np.array([1.0, -1.0, 1.0, 1.0]))


def test_invariant_to_row_order_and_relabelling() -> None:
    df = _panel(14)
    codes = [_codes(df["firm"]), _codes(df["year"])]
    data = df[["x1", "x2"]].to_numpy()
    base = demean(data, codes).values
    perm = np.random.default_rng(14).permutation(len(df))
    relabel = [(c.max() - c)[perm] for c in codes]
    np.testing.assert_allclose(
        demean(data[perm], relabel).values, base[perm], rtol=0, atol=REL_IDENTITY * 100
    )


def test_docstring_examples() -> None:
    assert doctest.testmod(absorb).failed == 0


def test_demean_does_not_depend_on_the_number_of_threads(monkeypatch):
    # large enough for the threaded paths (group sums, the blocked Schur product)
    rng = np.random.default_rng(7)
    n = 1_200_000
    firm, year = rng.integers(0, n // 20, n), rng.integers(0, 300, n)
    x = rng.normal(size=(n, 3)) + rng.normal(size=n // 20)[firm][:, None]
    out = {}
    for threads in ("1", "2"):
        monkeypatch.setenv("VCEREG_NUM_THREADS", threads)
        out[threads] = demean(x, [firm, year]).values
    np.testing.assert_array_equal(out["1"], out["2"])


def test_columns_projected_by_the_direct_solve_stay_projected() -> None:
    """Regression: with tol=1e-12 (the absorbed-FE estimator's) a column the direct solve
    had projected up to rounding failed the orthogonality check by rounding noise, and CG
    started from that noise threw it off by hundreds (cohort-by-relative-period dummies of
    a staggered DiD, 5,000 units x 20 periods). Every column must match the CG-only
    projection."""
    units, periods = 5000, 20
    rng = np.random.default_rng(2024)
    starts = np.linspace(4, periods - 2, 5).round().astype(int)
    cohort = rng.choice(np.concatenate([[0], starts]), size=units, p=[0.4] + [0.12] * 5)
    g = np.repeat(cohort, periods)
    unit = np.repeat(np.arange(units), periods)
    t = np.tile(np.arange(periods), units)
    effect = np.where((g > 0) & (t + 1 >= g), 1.0 + 0.1 * (t + 1 - g), 0.0)
    y = np.repeat(rng.normal(size=units), periods) + 0.05 * (t + 1) + effect
    y = y + rng.normal(size=units * periods)
    rel = t + 1 - g
    cells = sorted({(c, e) for c, e in zip(g, rel, strict=True) if c > 0 and e != -1})
    x = np.column_stack([y] + [((g == c) & (rel == e)).astype(float) for c, e in cells[:4]])
    fes = [unit, t]
    auto = demean(x, fes, tol=1e-12).values
    cg = demean(x, fes, tol=1e-12, method="cg").values
    np.testing.assert_allclose(auto, cg, atol=1e-9)
