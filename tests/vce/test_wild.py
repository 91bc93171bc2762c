"""The wild cluster bootstrap against ``wildboottest`` 0.3.2 and a brute-force loop.

References and tolerances:

- ``wildboottest.wildboottest.WildboottestCL`` (bootstrap_type "11" = CRV1 t statistics,
  its "fnw11" fast algorithm): under full enumeration (Grunfeld, first 10 firms: 2^10 =
  1,024 sign vectors, the same order as ours) every bootstrap t statistic agrees to
  REL_REFERENCE (both are exact linear algebra on the same numbers), and so do the
  p-values, to the draw. The only draws where the two may differ are the exact ties
  v = +-1 of the restricted bootstrap, which reproduce |t| and are not counted by
  ``mean(|t*| > |t|)``; wildboottest counts them or not by rounding, so its count is
  corrected for them (identified by |t*| equal to |t| to 1e-9).
- With random weights the two use different random numbers: agreement within Monte
  Carlo error, 4.5 standard deviations of the difference of two independent estimates.
- A brute-force loop (refit OLS on every bootstrap sample, textbook CRV1) for WLS and
  for absorbed fixed effects (as a dummy regression) and for the interval endpoints.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from wildboottest.wildboottest import WildboottestCL, wildboottest

import vcereg
from tests.tolerances import REL_REFERENCE
from vcereg.errors import (
    CollinearityWarning,
    DataError,
    DroppedRowsWarning,
    FewClustersWarning,
    VceOptionError,
)
from vcereg.progress import Progress
from vcereg.vce import bootstrap
from vcereg.vce.bootstrap import set_progress
from vcereg.vce.wild_kernels import bootstrap_draws, cluster_moments, plan_weights

TIE = 1e-9


@pytest.fixture(scope="module")
def grunfeld10(grunfeld: pd.DataFrame) -> pd.DataFrame:
    firms = grunfeld["firm"].unique()[:10]
    out = grunfeld[grunfeld["firm"].isin(firms)].reset_index(drop=True)
    out["fid"] = pd.factorize(out["firm"], sort=True)[0]
    return out


def _wb(x: np.ndarray, y: np.ndarray, codes: np.ndarray, j: int, null: bool) -> WildboottestCL:
    r = np.zeros(x.shape[1])
    r[j] = 1.0
    boot = WildboottestCL(X=x, Y=y, cluster=codes, R=r, B=9999, seed=1, parallel=False)
    boot.get_scores(bootstrap_type="11", impose_null=null)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot.get_weights(weights_type="rademacher")
    boot.get_numer()
    boot.get_denom()
    boot.get_tboot()
    boot.get_vcov()
    boot.get_tstat()
    boot.get_pvalue(pval_type="two-tailed")
    return boot


def _count_without_ties(t_boot: np.ndarray, t: float) -> tuple[int, int]:
    a, b = np.abs(t_boot), abs(t)
    ties = np.abs(a - b) <= TIE * b
    return int(((a > b) & ~ties).sum()), int(ties.sum())


@pytest.mark.parametrize("null", [True, False], ids=["WCR", "WCU"])
def test_every_draw_equals_wildboottest_under_full_enumeration(grunfeld10, null):
    d = grunfeld10
    x = sm.add_constant(d[["value", "capital"]]).to_numpy(float)
    y = d["invest"].to_numpy(float)
    codes = d["fid"].to_numpy(np.int64)
    bread = np.linalg.inv(x.T @ x)
    beta = bread @ x.T @ y
    moments = cluster_moments(x, y - x @ beta, codes, bread, beta)
    plan = plan_weights("rademacher", 10, 9999, seed=1)
    assert plan.enumerated and plan.reps == 1024
    ours = bootstrap_draws(moments, np.eye(3), plan, null=null)
    n, k, g = x.shape[0], x.shape[1], 10
    ssc = (n - 1) / (n - k) * g / (g - 1)
    for j in range(3):
        ref = _wb(x, y, codes, j, null)
        assert ref.B == 1024
        # atol: under WCU the draws v = +-1 give t* = 0 up to rounding (X'u_hat = 0)
        np.testing.assert_allclose(
            ours[j].tstats(0.0, ssc), ref.t_boot, rtol=REL_REFERENCE, atol=1e-12
        )
        count, ties = _count_without_ties(ref.t_boot, float(np.ravel(ref.t_stat)[0]))
        assert ties == (2 if null else 0)  # v = +-1 reproduce |t| under WCR
        assert ours[j].pvalue(0.0) * 1024 == count


def test_regress_pvalues_equal_wildboottest_to_the_draw(grunfeld10):
    d = grunfeld10
    r = vcereg.regress("invest ~ value + capital | vce(wild firm)", d)
    assert r.n_clusters == {"firm": 10}
    x = sm.add_constant(d[["value", "capital"]]).to_numpy(float)
    y, codes = d["invest"].to_numpy(float), d["fid"].to_numpy(np.int64)
    for j, term in enumerate(["Intercept", "value", "capital"]):
        ref = _wb(x, y, codes, j, True)
        count, _ = _count_without_ties(ref.t_boot, float(np.ravel(ref.t_stat)[0]))
        assert r.pvalue[term] * 1024 == count
        # the package's own p-value differs at most by its rounding of the two ties
        assert abs(r.pvalue[term] - ref.pvalue) <= 2 / 1024
    # the standard errors shown are CRV1
    crv1 = vcereg.regress("invest ~ value + capital | vce(cluster firm)", d)
    np.testing.assert_allclose(r.se, crv1.se, rtol=1e-12)
    assert "all 1,024 Rademacher sign vectors enumerated" in r.summary()


def _panel(g: int, n: int = 600, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cl = rng.integers(0, g, n)
    x1 = rng.normal(size=n) + rng.normal(size=g)[cl]
    x2 = rng.normal(size=n)
    y = 1 + 0.1 * x1 + 0.05 * x2 + rng.normal(size=g)[cl] + rng.normal(size=n)
    w = rng.uniform(0.5, 2.0, n)
    fe = cl * 2 + rng.integers(0, 2, n)  # nested in the clusters
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2, "cl": cl, "w": w, "fe": fe})


@pytest.mark.parametrize(
    ("kind", "wb_kind"),
    [("rademacher", "rademacher"), ("webb", "webb"), ("mammen", "mammen"), ("normal", "norm")],
)
@pytest.mark.parametrize("null", [True, False], ids=["WCR", "WCU"])
def test_random_weights_agree_with_wildboottest_within_monte_carlo_error(kind, wb_kind, null):
    d = _panel(20)
    vce = f"wild cl, reps(9999) seed(5) weights({kind})" + (" nonull" if not null else "")
    r = vcereg.regress("y ~ x1 + x2", d, vce=vce)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = wildboottest(
            sm.OLS(d["y"], sm.add_constant(d[["x1", "x2"]])),
            B=9999,
            cluster=d["cl"].to_numpy(),
            weights_type=wb_kind,
            impose_null=null,
            seed=11,
            show=False,
            parallel=False,
        )
    for term, name in [("Intercept", "const"), ("x1", "x1"), ("x2", "x2")]:
        p, q = float(r.pvalue[term]), float(ref.loc[name, "p-value"])
        sd = np.sqrt(2 * max(p * (1 - p), 1e-4) / 9999)
        assert abs(p - q) <= 4.5 * sd, (term, p, q)


def _brute_pvalue(x, y, codes, j, r0, null, signs):
    """Refit OLS on every bootstrap sample; CRV0 t statistics (the factor cancels)."""
    g = codes.max() + 1

    def crv_t(xm, ym, value):
        a = np.linalg.inv(xm.T @ xm)
        b = a @ xm.T @ ym
        u = ym - xm @ b
        s = np.array([xm[codes == c].T @ u[codes == c] for c in range(g)])
        v = a @ s.T @ s @ a
        return (b[j] - value) / np.sqrt(v[j, j]), b

    t, b = crv_t(x, y, r0)
    if null:
        keep = [i for i in range(x.shape[1]) if i != j]
        xr = x[:, keep]
        yr = y - r0 * x[:, j]
        br = np.linalg.lstsq(xr, yr, rcond=None)[0]
        fitted, u = xr @ br + r0 * x[:, j], yr - xr @ br
    else:
        fitted, u = x @ b, y - x @ b
    tb = np.array([crv_t(x, fitted + u * v[codes], r0 if null else b[j])[0] for v in signs])
    count, _ = _count_without_ties(tb, t)
    return count / len(signs)


def _signs(g):
    return np.array(list(itertools.product((-1.0, 1.0), repeat=g)))


@pytest.mark.parametrize("null", [True, False], ids=["WCR", "WCU"])
def test_wls_matches_a_brute_force_bootstrap(null):
    d = _panel(8, n=200)
    vce = "wild cl" + ("" if null else ", nonull")
    r = vcereg.regress("y ~ x1 + x2 | weights(w)", d, vce=vce)
    sw = np.sqrt(d["w"].to_numpy())
    x = np.c_[np.ones(len(d)), d[["x1", "x2"]].to_numpy()] * sw[:, None]
    y = d["y"].to_numpy() * sw
    codes = d["cl"].to_numpy()
    for j, term in enumerate(["Intercept", "x1", "x2"]):
        ref = _brute_pvalue(x, y, codes, j, 0.0, null, _signs(8))
        assert r.pvalue[term] == ref


def test_absorbed_fixed_effects_match_a_dummy_regression_bootstrap():
    d = _panel(8, n=200)
    r = vcereg.regress("y ~ x1 + x2 | fe(fe) | vce(wild cl)", d)
    dummies = pd.get_dummies(d["fe"], dtype=float).to_numpy()
    x = np.c_[d[["x1", "x2"]].to_numpy(), dummies]
    y, codes = d["y"].to_numpy(), d["cl"].to_numpy()
    for j, term in enumerate(["x1", "x2"]):
        assert r.pvalue[term] == _brute_pvalue(x, y, codes, j, 0.0, True, _signs(8))


def test_interval_is_the_set_of_nulls_not_rejected():
    d = _panel(8, n=200)
    r = vcereg.regress("y ~ x1 + x2 | vce(wild cl)", d)
    x = np.c_[np.ones(len(d)), d[["x1", "x2"]].to_numpy()]
    y, codes = d["y"].to_numpy(), d["cl"].to_numpy()
    ci = r.conf_int()
    for j, term in enumerate(["x1", "x2"], start=1):
        lo, hi = ci.loc[term]
        se = float(r.se[term])
        eps = 1e-6 * se
        signs = _signs(8)
        assert _brute_pvalue(x, y, codes, j, lo - eps, True, signs) <= 0.05
        assert _brute_pvalue(x, y, codes, j, lo + eps, True, signs) > 0.05
        assert _brute_pvalue(x, y, codes, j, hi - eps, True, signs) > 0.05
        assert _brute_pvalue(x, y, codes, j, hi + eps, True, signs) <= 0.05
    assert (r.conf_int(90)["upper"] - r.conf_int(90)["lower"] < ci["upper"] - ci["lower"]).all()


def test_every_spelling_gives_the_same_answer(student):
    spellings = [
        vcereg.regress("G3 ~ absences + age | vce(wild Mjob, seed(7) weights(webb))", student),
        vcereg.regress("G3 ~ absences + age", student, vce="wild Mjob, seed(7) weights(webb)"),
        vcereg.regress("G3 ~ absences + age", student).with_vce(
            "wildboot Mjob, seed(7) weighttype(webb)"
        ),
        vcereg.stata(
            "regress G3 absences age, vce(wild Mjob, seed(7) weights(webb) reps(9999))", student
        ),
    ]
    for other in spellings[1:]:
        np.testing.assert_array_equal(other.pvalue, spellings[0].pvalue)
        np.testing.assert_array_equal(other.conf_int(), spellings[0].conf_int())
    assert spellings[0].vce_name == "wild"


def test_deterministic_given_a_seed_and_reported_without_one(student):
    f = "G3 ~ absences + age + studytime"
    a = vcereg.regress(f, student, vce="wild Fjob, seed(1) reps(499) weights(webb)")
    b = vcereg.regress(f, student, vce="wild Fjob, seed(1) reps(499) weights(webb)")
    c = vcereg.regress(f, student, vce="wild Fjob, seed(2) reps(499) weights(webb)")
    np.testing.assert_array_equal(a.tidy(), b.tidy())
    assert not np.array_equal(a.tidy(), c.tidy())
    # Rademacher with 2^5 = 32 <= 499: enumerated, so the seed does not matter
    e1 = vcereg.regress(f, student, vce="wild Fjob, seed(1) reps(499)")
    e2 = vcereg.regress(f, student, vce="wild Fjob, seed(2) reps(499)")
    np.testing.assert_array_equal(e1.tidy(), e2.tidy())
    unseeded = vcereg.regress(f, student, vce="wild Fjob, reps(499) weights(webb)")
    assert "drawn; pass seed(#) to fix it" in " ".join(unseeded.notes)


def test_student_example_enumerates_four_draws_and_says_why_it_is_weak(student):
    with pytest.warns(FewClustersWarning, match="only 2 clusters"):
        r = vcereg.regress("G3 ~ absences | vce(wild school)", student)
    text = r.summary()
    assert "all 4 Rademacher sign vectors enumerated (deterministic)" in text
    assert "can only be 0 or 0.5" in " ".join(r.notes)
    assert set(r.pvalue.round(12)) <= {0.0, 0.5}
    table = vcereg.etable(r).to_markdown()
    assert "wild cluster bootstrap" in table


def test_users_data_types_and_scales(student):
    d = student[["G3", "absences", "age", "Mjob"]].copy()
    d["Mjob"] = pd.factorize(d["Mjob"])[0].astype("int8")
    base = vcereg.regress("G3 ~ absences + age | vce(wild Mjob, seed(3))", d)
    odd = d.copy()
    odd["absences"] = (odd["absences"] * 1e9).astype("float64")
    odd["age"] = odd["age"].astype("Int16")
    odd.loc[0, "G3"] = np.nan
    full = d.iloc[1:]
    ref = vcereg.regress("G3 ~ absences + age | vce(wild Mjob, seed(3))", full)
    with pytest.warns(DroppedRowsWarning):
        got = vcereg.regress("G3 ~ absences + age | vce(wild Mjob, seed(3))", odd)
    assert got.n_dropped == 1
    np.testing.assert_array_equal(got.pvalue, ref.pvalue)
    np.testing.assert_allclose(
        got.conf_int().loc["absences"] * 1e9, ref.conf_int().loc["absences"], rtol=1e-6
    )
    assert base.pvalue.notna().all()


def test_omitted_terms_have_no_pvalue(student):
    d = student.assign(abs2=student["absences"] * 2)
    with pytest.warns(CollinearityWarning):
        r = vcereg.regress("G3 ~ absences + abs2 | vce(wild Mjob)", d)
    assert np.isnan(r.pvalue["abs2"]) and np.isnan(r.conf_int().loc["abs2", "lower"])
    assert not np.isnan(r.pvalue["absences"])


@pytest.mark.parametrize(
    ("vce", "match"),
    [
        ("wild Mjob, reps(abc)", "reps"),
        ("wild Mjob, reps(0)", "reps"),
        ("wild Mjob, weights(webbb)", "did you mean 'webb'"),
        ("wild Mjob, seed(-1)", "seed"),
        ("wild Mjob, rep(9)", "did you mean 'reps'"),
        ("wild", "takes 1 to 1"),
    ],
)
def test_bad_options_are_clear(student, vce, match):
    with pytest.raises(VceOptionError, match=match):
        vcereg.regress("G3 ~ absences", student, vce=vce)


def test_one_cluster_is_refused(student):
    with pytest.raises(DataError, match="at least 2 clusters"):
        vcereg.regress("G3 ~ absences | if(school == 'GP') | vce(wild school)", student)


def test_few_clusters_warning_says_how_to_bootstrap(student):
    with pytest.warns(FewClustersWarning, match=r"vce\(wild school"):
        vcereg.regress("G3 ~ absences | vce(cluster school)", student)


def test_long_runs_report_progress(student):
    calls: list[tuple[int, str]] = []
    steps: list[int] = []

    class Fake:
        def __init__(self, total: int, label: str) -> None:
            calls.append((total, label))

        def __enter__(self) -> Fake:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def advance(self, label: str | None = None) -> None:
            steps.append(1)

    try:
        set_progress(Fake)
        r = vcereg.regress("G3 ~ absences + age", student, vce="wild Fjob, reps(20000) seed(1)")
        r2 = vcereg.regress("G3 ~ absences + age | vce(cluster Fjob)", student)
        r2.boottest("age", reps=20000, weights="webb", seed=1)
    finally:
        set_progress(lambda total, label: Progress(total=total, label=label))
    assert r.pvalue.notna().all()
    (total, label), (total2, label2) = calls
    assert label == "wild bootstrap (Fjob)" and label2 == "boottest (Fjob)"
    assert total + total2 == len(steps)  # every block advances the indicator once
    # what the interface layer installs is the command-line indicator
    assert isinstance(bootstrap._progress[0](1, "x"), Progress)


def test_fixed_effects_not_nested_in_the_clusters_are_reported(student):
    loose = vcereg.regress("G3 ~ absences | fe(Mjob) | vce(wild Fjob, seed(1))", student)
    nested = vcereg.regress("G3 ~ absences | fe(Mjob) | vce(wild Mjob, seed(1))", student)
    assert any("Mjob not nested in Fjob" in n for n in loose.notes)
    assert not any("not nested" in n for n in nested.notes)


def test_random_draws_do_not_depend_on_the_work_blocks():
    plan = plan_weights("webb", 7, 1000, seed=4)
    whole = np.hstack(list(plan.chunks(4096)))
    for size in (1, 256, 300, 999):
        np.testing.assert_array_equal(np.hstack(list(plan.chunks(size))), whole)
    assert whole.shape == (7, 1000)


# --- the weights themselves, checked exactly (the wildboottest comparison above allows
# 4.5 Monte Carlo SDs, wider than the gap between weight types) -----------------------

_SUPPORT = {
    "rademacher": ([-1.0, 1.0], [0.5, 0.5]),
    "webb": (
        [-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)],
        [1 / 6] * 6,
    ),
    # Mammen (1993): -(sqrt5-1)/2 with probability (sqrt5+1)/(2 sqrt5), else (sqrt5+1)/2
    "mammen": (
        [-(np.sqrt(5) - 1) / 2, (np.sqrt(5) + 1) / 2],
        [(np.sqrt(5) + 1) / (2 * np.sqrt(5)), (np.sqrt(5) - 1) / (2 * np.sqrt(5))],
    ),
}


@pytest.mark.parametrize("kind", list(_SUPPORT))
def test_weight_draws_take_exactly_the_published_values(kind):
    """Every draw is one of the published support points (exact to rounding); the
    support has mean 0 and variance 1 (Mammen: third moment 1); each point's frequency
    in 600,000 draws is within 5 binomial standard errors (< 0.003) of its probability."""
    values, probs = (np.array(a) for a in _SUPPORT[kind])
    assert abs(probs @ values) < 1e-15 and abs(probs @ values**2 - 1) < 1e-15
    if kind == "mammen":
        assert abs(probs @ values**3 - 1) < 1e-14
    plan = plan_weights(kind, 60, 10_000, seed=3)
    w = np.hstack(list(plan.chunks(1000)))
    assert w.shape == (60, 10_000)
    nearest = np.abs(w[..., None] - values).argmin(axis=-1)
    np.testing.assert_allclose(w, values[nearest], rtol=0, atol=1e-15)
    freq = np.bincount(nearest.ravel(), minlength=len(values)) / w.size
    se = np.sqrt(probs * (1 - probs) / w.size)
    assert np.all(np.abs(freq - probs) < 5 * se), (freq, probs)


def test_normal_draws_have_mean_zero_and_variance_one():
    w = np.hstack(list(plan_weights("normal", 60, 10_000, seed=3).chunks(4096)))
    se = 1 / np.sqrt(w.size)
    assert abs(w.mean()) < 5 * se and abs(w.var() - 1) < 5 * np.sqrt(2) * se
    assert abs((w**3).mean()) < 5 * np.sqrt(15) * se  # symmetric, unlike Mammen


@pytest.mark.parametrize("kind", ["webb", "mammen", "normal"])
@pytest.mark.parametrize("null", [True, False], ids=["WCR", "WCU"])
def test_random_draws_match_a_brute_force_bootstrap(kind, null):
    """The package's own draws (same seed) fed to a loop that refits OLS on every
    bootstrap sample: the p-values agree exactly, so the fast algorithm does the
    bootstrap the draws describe."""
    d = _panel(12, n=300)
    reps, seed = 199, 17
    vce = f"wild cl, reps({reps}) seed({seed}) weights({kind})" + ("" if null else " nonull")
    r = vcereg.regress("y ~ x1 + x2", d, vce=vce)
    codes = d["cl"].to_numpy()
    draws = np.hstack(list(plan_weights(kind, 12, reps, seed).chunks(50))).T  # (reps, G)
    x = np.c_[np.ones(len(d)), d[["x1", "x2"]].to_numpy()]
    y = d["y"].to_numpy()
    for j, term in enumerate(["Intercept", "x1", "x2"]):
        assert r.pvalue[term] == _brute_pvalue(x, y, codes, j, 0.0, null, draws), term
