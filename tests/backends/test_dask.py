"""Dask DataFrames on a LocalCluster give the in-memory Results.

Reference: the in-memory fit of the same model on the same (pandas) data, which the rest
of the suite checks against Stata, statsmodels, pyfixest and linearmodels; and the NIST
StRD certified values directly. Tolerance: REL_IDENTITY (1e-10) for parameters and
standard errors: the same estimators on the same numbers, the sums only ordered
differently (per partition, then a tree); see tests/tolerances.py.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import vcereg
from tests.conftest import DATA
from tests.test_nist import CERT, _model, lre
from tests.tolerances import REL_IDENTITY
from vcereg.backends.dask import predict
from vcereg.cli import main
from vcereg.errors import (
    DroppedRowsWarning,
    EmptySampleError,
    EstimationError,
    MissingVariableError,
    NotSupportedError,
)

dd = pytest.importorskip("dask.dataframe")
pytestmark = pytest.mark.usefixtures("dask_client")


def _data(n: int = 3000, seed: int = 7) -> pd.DataFrame:
    """Data as users have it: int8/int16 columns, nullable dtypes with missing values,
    a regressor at 1e9, text and categorical columns, weights, two cluster variables."""
    rng = np.random.default_rng(seed)
    g = rng.integers(0, 60, n)
    d = pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "big": rng.uniform(1e8, 1e9, n),
            "small": rng.integers(-100, 100, n).astype("int8"),
            "mid": rng.integers(0, 3000, n).astype("int16"),
            "nx": pd.array(rng.integers(0, 50, n), dtype="Int64"),
            "g": g,
            "firm": rng.integers(0, 45, n),
            "region": pd.Categorical(rng.choice(["north", "south", "east", "west"], n)),
            "sector": pd.array(rng.choice(["a", "b", "c"], n), dtype="string"),
            "w": rng.uniform(0.2, 3.0, n),
            "fw": rng.integers(1, 4, n),
            "flag": rng.random(n) > 0.5,
        }
    )
    y = (
        2.0
        + d.x1
        + 1e-9 * d.big
        + 0.01 * d.small
        + 0.3 * (d.region == "south")
        + 0.5 * (d.sector.astype(object) == "b")
        + rng.normal(size=60)[g]
        + rng.normal(size=n) * (1 + np.abs(d.x1))
    )
    d["y"] = y
    d.loc[rng.choice(n, 90, replace=False), "x1"] = np.nan
    d.loc[rng.choice(n, 60, replace=False), "nx"] = pd.NA
    d.loc[rng.choice(n, 60, replace=False), "sector"] = pd.NA
    # Sorted by mid, so 'if(mid >= 800)' leaves the first partition (of 4) empty.
    return d.sort_values("mid", kind="stable").reset_index(drop=True)


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return _data()


@pytest.fixture(scope="module")
def ddata(data: pd.DataFrame):
    return dd.from_pandas(data, npartitions=4)


def _fit_both(model: str, data: pd.DataFrame, ddata) -> tuple[vcereg.Results, vcereg.Results]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return vcereg.regress(model, data), vcereg.regress(model, ddata)


def _assert_same(a: vcereg.Results, b: vcereg.Results) -> None:
    assert b.terms == a.terms and b.omitted == a.omitted
    assert b.nobs == a.nobs and b.df_resid == a.df_resid
    assert b.df_inference == a.df_inference and dict(b.n_clusters) == dict(a.n_clusters)
    assert b.vce_label == a.vce_label and b.rows == a.rows
    np.testing.assert_allclose(b.params, a.params, rtol=REL_IDENTITY, atol=0)
    np.testing.assert_allclose(b.se, a.se, rtol=REL_IDENTITY, atol=0)
    np.testing.assert_allclose(b.cov, a.cov, rtol=REL_IDENTITY, atol=1e-300)
    for stat in ("rsquared", "rsquared_adj", "rmse", "fstat"):
        np.testing.assert_allclose(getattr(b, stat), getattr(a, stat), rtol=REL_IDENTITY)


NUMERIC = "y ~ x1 + big + small + mid + nx"
CATEGORICAL = "y ~ x1 + big + C(region) + sector + flag + C(small > 0)"

CASES = [
    (NUMERIC, "ols"),
    (NUMERIC, "robust"),
    (NUMERIC, "hc2"),
    (NUMERIC, "hc3"),
    (NUMERIC, "cluster g"),
    (NUMERIC, "cluster g firm"),
    (CATEGORICAL, "ols"),
    (CATEGORICAL, "hc2"),
    (CATEGORICAL, "cluster g firm"),
    (CATEGORICAL + " | weights(w) | if(mid >= 800)", "hc2"),
    (CATEGORICAL + " | weights(w) | if(mid >= 800)", "cluster g firm"),
    (NUMERIC + " | weights(fw, fweight)", "hc2"),
    (NUMERIC + " | weights(fw, fweight) | if(mid >= 800)", "cluster g"),
    (NUMERIC + " | weights(w, pweight)", "cluster g firm"),
]


@pytest.mark.parametrize(("model", "vce"), CASES, ids=[f"{m} | {v}" for m, v in CASES])
def test_same_results_as_in_memory(model, vce, data, ddata):
    a, b = _fit_both(f"{model} | vce({vce})", data, ddata)
    _assert_same(a, b)


@pytest.mark.parametrize(
    "line",
    [
        "regress y x1 big i.region c.x1#i.region if mid >= 800 [aw=w], vce(cluster g firm)",
        "regress y x1 i.region nx [pw=w]",
        "regress y x1 small i.flag [fw=fw], vce(hc3)",
    ],
)
def test_stata_lines_same_results(line, data, ddata):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = vcereg.stata(line, data), vcereg.stata(line, ddata)
    _assert_same(a, b)


def test_stata_if_note_counts_rows_over_all_partitions(data, ddata):
    """Stata's `if` keeps rows whose compared value is missing (missing is +infinity);
    the note counts them over the whole data, as in memory."""
    line = "regress y mid small if x1 > 0"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = vcereg.stata(line, data), vcereg.stata(line, ddata)
    assert any("keeps 90 row(s)" in n for n in a.notes)
    assert b.notes == a.notes
    _assert_same(a, b)


def test_collinear_term_is_omitted_the_same_way(data, ddata):
    d = data.assign(x1_twice=data.x1 * 2)
    a, b = _fit_both("y ~ x1 + big + x1_twice | vce(robust)", d, dd.from_pandas(d, npartitions=4))
    assert b.omitted == ("x1_twice",)
    _assert_same(a, b)


def test_one_way_cluster_matches_statsmodels(data, ddata):
    """An independent reference as well: statsmodels' CRV1 with Stata's factors."""
    sm = pytest.importorskip("statsmodels.api")
    b = vcereg.regress("y ~ x1 + mid + small | vce(cluster g)", ddata)
    d = data.dropna(subset=["x1"])
    x = sm.add_constant(d[["x1", "mid", "small"]].astype(float))
    ref = sm.OLS(d["y"], x).fit(cov_type="cluster", cov_kwds={"groups": d["g"]}, use_t=True)
    np.testing.assert_allclose(b.params.to_numpy(), ref.params.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(b.se.to_numpy(), ref.bse.to_numpy(), rtol=1e-8)


def test_dropped_rows_are_reported_once_with_totals(data, ddata):
    with pytest.warns(DroppedRowsWarning) as caught:
        b = vcereg.regress("y ~ x1 + nx + sector | vce(robust)", ddata)
    a = vcereg.regress("y ~ x1 + nx + sector | vce(robust)", data)
    assert b.rows == a.rows and b.n_dropped == a.n_dropped > 0
    texts = [str(w.message) for w in caught if issubclass(w.category, DroppedRowsWarning)]
    assert texts == list(a.rows.messages())


@pytest.mark.parametrize("name", sorted(CERT))
def test_nist_certified_values_on_partitions(name, sync_scheduler):
    """TSQR over partitions is as accurate as the in-memory solver: within 1e-10 of the
    certified values wherever the in-memory solver is (all but Filip and Wampler5, whose
    conditioning limits both), else as many correct digits (within 0.5), and never below
    test_nist's floors (7 digits on Filip, 6 elsewhere)."""
    c = CERT[name]
    formula, d, _, _ = _model(name)
    a = vcereg.regress(formula, d)
    b = vcereg.regress(formula, dd.from_pandas(d, npartitions=3))
    mem_b, dask_b = (
        lre(a.params.to_numpy(), c["coefficients"]),
        lre(b.params.to_numpy(), c["coefficients"]),
    )
    mem_se = lre(a.se.to_numpy(), c["coefficient_std_devs"])
    dask_se = lre(b.se.to_numpy(), c["coefficient_std_devs"])
    floor = 7.0 if name == "Filip" else 6.0
    assert dask_b >= min(10.0, mem_b - 0.5) and dask_b >= floor, (name, dask_b, mem_b)
    assert dask_se >= min(10.0, mem_se - 0.5) or (name == "Filip" and dask_se >= floor)
    assert lre(np.array([b.rmse]), np.array([c["residual_std_dev"]])) >= floor


def test_results_hold_no_dask_collections_or_long_arrays(data, ddata):
    b = vcereg.regress("y ~ x1 + big + C(region) | vce(cluster g firm)", ddata)
    assert b._fit is None and b._design is None and b._data is None
    for value in vars(b).values():
        assert type(value).__module__.split(".")[0] != "dask"
        if isinstance(value, np.ndarray | pd.Series | pd.DataFrame):
            assert len(value) < 100
    assert "Number of obs" in b.summary() or str(b.nobs) in b.summary()
    assert b.to_dict()["nobs"] == b.nobs
    with pytest.raises(EstimationError, match="refit"):
        b.with_vce("robust")


@pytest.mark.parametrize(
    ("model", "match"),
    [
        ("y ~ x1 | vce(cr3 g)", "vce\\(cr3\\) is not available on a Dask"),
        ("y ~ x1 | vce(wild g)", "vce\\(wild\\) is not available on a Dask"),
        ("y ~ x1 | vce(cr2 g)", "vce\\(cr2\\) is not available on a Dask"),
        ("y ~ x1 | fe(g)", "absorbed fixed effects"),
        ("y ~ x1 | iv(big ~ mid)", "only linear regression"),
        ("regress y x1 in 1/100", "'in' ranges"),
        ("regress y x1 ib(freq).region", "ib\\(last\\)"),
        ("y ~ center(x1) + C(region)", "fitted on each partition"),
        ("y ~ center(x1)", "fitted on each partition"),
    ],
)
def test_unsupported_requests_are_refused_clearly(model, match, ddata):
    with pytest.raises(NotSupportedError, match=match):
        vcereg.regress(model, ddata)


def test_bad_input_fails_before_reading_partitions(ddata):
    with pytest.raises(MissingVariableError, match="did you mean 'big'"):
        vcereg.regress("y ~ bog", ddata)
    with pytest.raises(EmptySampleError):
        vcereg.regress("y ~ x1 | if(mid > 100000)", ddata)


def test_read_parquet_glob_and_cli(tmp_path, data, dask_client, capsys):
    pytest.importorskip("pyarrow")
    d = data[["y", "x1", "big", "g"]]
    for i, chunk in enumerate(np.array_split(np.arange(len(d)), 3)):
        d.iloc[chunk].to_parquet(tmp_path / f"part{i}.parquet")
    lazy = vcereg.io.read(str(tmp_path / "*.parquet"), engine="dask")
    assert type(lazy).__module__.startswith("dask")
    model = "y ~ x1 + big | vce(cluster g)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = vcereg.regress(model, d), vcereg.regress(model, lazy)
    _assert_same(a, b)
    address = dask_client.scheduler.address
    code = main([model, "--data", str(tmp_path / "*.parquet"), "--scheduler", address, "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    got = out["models"][0]["coefficients"]["x1"]
    assert got["std_error"] == pytest.approx(float(a.se["x1"]), rel=REL_IDENTITY)
    with pytest.raises(vcereg.errors.DataError, match="no file matches"):
        vcereg.io.read(str(tmp_path / "nothing*.parquet"), engine="dask")
    with pytest.raises(vcereg.errors.DataError, match="engine must be"):
        vcereg.io.read(str(tmp_path / "part0.parquet"), engine="spark")


def test_petersen_two_way_cluster_matches_in_memory():
    d = pd.read_csv(DATA / "petersen.csv")
    a = vcereg.regress("y ~ x | vce(cluster firmid year)", d)
    b = vcereg.regress("y ~ x | vce(cluster firmid year)", dd.from_pandas(d, npartitions=5))
    _assert_same(a, b)


@pytest.mark.parametrize("collinear", [False, True], ids=["gram", "ill-conditioned"])
def test_big_problems_take_the_in_memory_route(collinear):
    """Above 1e5 rows the in-memory solver factorises the Gram matrix when its condition
    number allows (below 1e6) and uses QR otherwise; with partitions over 1e5 rows the
    second case needs one more pass for their R factors. Either way the same numbers: to
    1e-10 when well-conditioned; when not, the coefficients still to 1e-10 (both refine
    them on the data), the standard errors to 100 eps kappa^2, the forward-error bound of
    a covariance built from two backward-stable factorisations (kappa: condition number
    of the column-scaled design)."""
    rng = np.random.default_rng(3)
    n = 220_000
    x = rng.normal(size=n)
    d = pd.DataFrame(
        {
            "x": x,
            "z": x + (1e-3 if collinear else 1.0) * rng.normal(size=n),
            "g": rng.integers(0, 500, n),
        }
    )
    d["y"] = 1 + d.x - d.z + rng.normal(size=n)
    lazy = dd.from_pandas(d, npartitions=2)
    xs = np.column_stack([np.ones(n), d.x, d.z])
    kappa = np.linalg.cond(xs / np.linalg.norm(xs, axis=0))
    assert bool(kappa**2 > 1e6) == collinear  # the in-memory solver's switch to QR
    for vce in ("robust", "cluster g"):
        a, b = _fit_both(f"y ~ x + z | vce({vce})", d, lazy)
        if not collinear:
            _assert_same(a, b)
            continue
        np.testing.assert_allclose(b.params, a.params, rtol=REL_IDENTITY)
        np.testing.assert_allclose(b.se, a.se, rtol=100 * np.finfo(float).eps * kappa**2)


def test_fitted_values_and_residuals_are_lazy_series(data, ddata):
    """Reference: x'b and y - x'b computed here with pandas from the coefficients, NaN
    outside the estimation sample; and the residuals' sum of squares is the fit's RSS."""
    model = "y ~ x1 + mid + C(region) | vce(cluster g) | if(mid >= 800)"
    b = vcereg.regress(model, ddata)
    xb = predict(b, ddata)
    resid = predict(b, ddata, what="residuals")
    assert type(xb).__module__.startswith("dask")
    xb, resid = xb.compute(), resid.compute()
    p = b.params
    region = data.region.astype(str)
    ref = (
        p["Intercept"]
        + p["x1"] * data.x1
        + p["mid"] * data.mid
        + sum(p[f"C(region)[T.{lv}]"] * (region == lv) for lv in ("north", "south", "west"))
    ).where(data.mid >= 800)
    pd.testing.assert_series_equal(xb, ref, check_names=False, rtol=1e-12)
    assert resid.notna().sum() == b.nobs
    assert float((resid**2).sum()) == pytest.approx(b.rss, rel=1e-12)
    with pytest.raises(vcereg.errors.SpecError, match="'xb' or 'residuals'"):
        predict(b, ddata, what="fitted")  # type: ignore[arg-type]


def test_tests_and_lincom_after_a_dask_fit(data, ddata):
    """Post-estimation that needs only coefficients and covariance works on Dask fits."""
    model = "y ~ x1 + mid + C(region) | vce(cluster g firm)"
    a, b = _fit_both(model, data, ddata)
    hypothesis = "x1 = 0, mid = 0"
    assert b.test(hypothesis).stat == pytest.approx(a.test(hypothesis).stat, rel=REL_IDENTITY)
    pd.testing.assert_frame_equal(b.lincom("x1 + 2*mid"), a.lincom("x1 + 2*mid"), rtol=1e-10)


@pytest.mark.parametrize("case", [1, 5, 9, 10, 12], ids=lambda i: f"{CASES[i][0]} | {CASES[i][1]}")
def test_partitions_are_processed_in_row_blocks(case, data, ddata, sync_scheduler, monkeypatch):
    # A worker handles a big partition in blocks of TASK_ROWS rows (its memory stays
    # bounded); blocks of 200 rows of these 750-row partitions must change nothing.
    from vcereg.backends.dask import partition

    monkeypatch.setattr(partition, "TASK_ROWS", 200)
    model, vce = CASES[case]
    a, b = _fit_both(f"{model} | vce({vce})", data, ddata)
    _assert_same(a, b)


def test_partition_designs_do_not_warn(data):
    """A partition's design reports nothing itself: the client sums the row accounting
    over all partitions and warns once. (Worker threads each wrapped their build in
    warnings.catch_warnings, which is not thread-safe: one partition's count leaked.)"""
    from vcereg.design import build

    spec = vcereg.parse("y ~ x1 + nx + C(region) | if(mid >= 800)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        d = build(spec, data, partition=True)
    assert d.rows.n_dropped > 0 and caught == []


def test_dropped_rows_with_categoricals_on_threads_report_totals(data):
    """The categorical levels pass builds every partition on Dask's threaded scheduler;
    exactly one warning with the totals, as in memory."""
    import dask

    model = "y ~ x1 + nx + C(region) | vce(robust)"
    a = vcereg.regress(model, data)
    threads = dask.config.set(scheduler="threads", num_workers=4)
    with threads, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vcereg.regress(model, dd.from_pandas(data, npartitions=8))
    texts = [str(w.message) for w in caught if issubclass(w.category, DroppedRowsWarning)]
    assert texts == list(a.rows.messages())


@pytest.mark.parametrize("weights", ["", " | weights(w)"])
def test_hc0_is_hc0(data, ddata, weights):
    """vce(hc0) on Dask data: the in-memory HC0 and statsmodels' HC0 (no leverage, no
    factor); HC2 differs here by ~1% (a mix-up of the leverage power shows)."""
    sm = pytest.importorskip("statsmodels.api")
    model = "y ~ x1 + mid + small" + weights
    a, b = _fit_both(model + " | vce(hc0)", data, ddata)
    _assert_same(a, b)
    d = data.dropna(subset=["x1"])
    x = sm.add_constant(d[["x1", "mid", "small"]].astype(float))
    fit = sm.WLS(d["y"], x, weights=d["w"]) if weights else sm.OLS(d["y"], x)
    ref = fit.fit(cov_type="HC0")
    np.testing.assert_allclose(b.se.to_numpy(), ref.bse.to_numpy(), rtol=1e-8)
    hc2 = fit.fit(cov_type="HC2").bse.to_numpy()
    assert np.max(np.abs(hc2 / ref.bse.to_numpy() - 1)) > 1e-3


@pytest.mark.parametrize("weights", ["", " | weights(w)"])
def test_exact_fit_is_flagged_as_in_memory(weights, sync_scheduler):
    """Issue 20.5: the exact-fit rule on the partitions' sums (y'y from pass 1, with the
    analytic weights normalised as in pass 2) agrees with the in-memory fit."""
    rng = np.random.default_rng(7)
    d = pd.DataFrame({"x": rng.normal(size=400), "z": rng.normal(size=400) * 1e6})
    d["w"] = rng.uniform(0.2, 3.0, 400)
    d["g"] = np.arange(400) % 25
    d["y"] = 1e6 + 3 * d.x - 0.7e-6 * d.z
    a, b = _fit_both(f"y ~ x + z{weights} | vce(cluster g)", d, dd.from_pandas(d, npartitions=4))
    assert np.all(a.se.to_numpy() == 0) and np.all(b.se.to_numpy() == 0)
    assert b.pvalue.isna().all() and any(n.startswith("exact fit") for n in b.notes)
