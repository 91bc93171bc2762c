"""Properties every registered variance estimator must have, including user-registered
ones: the test is parametrised over the registry, so a new plug-in is tested at once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vcereg
from tests.tolerances import REL_IDENTITY
from vcereg.spec import VceSpec
from vcereg.vce import available
from vcereg.vce.base import resolve


def _panel(seed: int = 0, n: int = 240) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.integers(0, 48, n)
    h = rng.integers(0, 45, n)
    x1 = rng.normal(size=n) + 0.3 * g / 48
    x2 = rng.normal(size=n)
    e = rng.normal(size=n) * (1 + np.abs(x1)) + rng.normal(size=48)[g]
    return pd.DataFrame(
        {
            "y": 1 + 0.5 * x1 - x2 + e,
            "x1": x1,
            "x2": x2,
            "g": g,
            "h": h,
            "w": rng.uniform(0.5, 2, n),
            "t": rng.permutation(n),
        }
    )


# Time-series requests need an ordered, unique time variable, not the cluster variable g.
_EXAMPLES = {"hac": "hac t", "dk": "dk t"}


def _vce_string(name: str) -> str:
    """A valid request for a registered name: estimators that need variables get 'g'."""
    if name in _EXAMPLES:
        return _EXAMPLES[name]
    est, _ = resolve(VceSpec(name=name, args=("g",)) if _needs_args(name) else VceSpec(name))
    return f"{est.name} g" if _needs_args(name) else est.name


def _needs_args(name: str) -> bool:
    try:
        resolve(VceSpec(name=name))
    except vcereg.errors.VceOptionError:
        return True
    return False


NAMES = sorted(available())


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return _panel()


@pytest.mark.parametrize("name", NAMES)
def test_shape_symmetry_psd(data, name):
    r = vcereg.regress(f"y ~ x1 + x2 | vce({_vce_string(name)})", data)
    v = r.cov.to_numpy()
    assert v.shape == (3, 3)
    np.testing.assert_allclose(v, v.T, rtol=REL_IDENTITY, atol=0)
    assert np.linalg.eigvalsh(v).min() >= -1e-12 * np.abs(v).max()
    assert (r.se > 0).all()


@pytest.mark.parametrize("name", NAMES)
def test_invariant_to_row_order(data, name):
    vce = _vce_string(name)
    a = vcereg.regress(f"y ~ x1 + x2 | vce({vce})", data)
    perm = data.sample(frac=1.0, random_state=3)
    b = vcereg.regress(f"y ~ x1 + x2 | vce({vce})", perm)
    np.testing.assert_allclose(a.cov, b.cov, rtol=1e-9)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-10)


@pytest.mark.parametrize("name", NAMES)
def test_invariant_to_cluster_relabelling(data, name):
    vce = _vce_string(name)
    relabelled = data.assign(g=data["g"].map(lambda v: f"c{(v * 7919) % 1000:03d}"))
    a = vcereg.regress(f"y ~ x1 + x2 | vce({vce})", data)
    b = vcereg.regress(f"y ~ x1 + x2 | vce({vce})", relabelled)
    np.testing.assert_allclose(a.cov, b.cov, rtol=REL_IDENTITY)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("c", [-3.0, 0.01, 250.0])
def test_scaling_y_scales_cov_by_c_squared(data, name, c):
    vce = _vce_string(name)
    a = vcereg.regress(f"y ~ x1 + x2 | vce({vce})", data)
    b = vcereg.regress(f"y ~ x1 + x2 | vce({vce})", data.assign(y=c * data["y"]))
    np.testing.assert_allclose(b.cov, c * c * a.cov, rtol=1e-9)


def _printed(r: vcereg.Results) -> dict[str, np.ndarray]:
    """Every number the summary prints (coefficient table, header, ANOVA table)."""
    ci = r.conf_int()
    return {
        "b": r.params.to_numpy(),
        "se": r.se.to_numpy(),
        "t": r.tstat.to_numpy(),
        "p": r.pvalue.to_numpy(),
        "lower": ci["lower"].to_numpy(),
        "upper": ci["upper"].to_numpy(),
        "F": np.array([r.fstat, r.f_pvalue, *r.f_df]),
        "fit": np.array([r.rsquared, r.rsquared_adj, r.nobs, r.df_resid, r.df_model]),
        "rmse": np.array([r.rmse]),
        "ss": np.array([r.rss, r.tss, r.ess]),
        "df": np.array([np.nan if r.df_inference is None else r.df_inference]),
    }


def _expected(a: dict[str, np.ndarray], column: str, c: float) -> dict[str, np.ndarray]:
    """What rescaling one variable by c must do to the printed numbers."""
    e = {k: v.copy() for k, v in a.items()}
    j = {"y": slice(None), "x1": 1, "x2": 2}[column]  # terms: Intercept, x1, x2
    f = c if column == "y" else 1 / c
    e["b"][j] *= f
    e["se"][j] *= abs(f)
    e["t"][j] *= np.sign(c)
    lo, up = a["lower"][j] * f, a["upper"][j] * f
    e["lower"][j], e["upper"][j] = (lo, up) if c > 0 else (up, lo)
    if column == "y":
        e["rmse"] *= abs(c)
        e["ss"] *= c * c
    return e


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("column", ["y", "x1", "x2"])
@pytest.mark.parametrize("c", [-3.0, 0.01, 250.0, 1e6])
def test_rescaling_a_variable_changes_only_its_own_numbers(data, name, column, c):
    """y -> c·y or x_j -> c·x_j: coefficients, standard errors and CIs scale as units do;
    t, p, F and its df, R-squared, adjusted R-squared, N and df are unchanged; Root MSE and
    the sums of squares scale with y. Tolerance 1e-9: the same exact problem in other
    units, so only rounding (condition number ~10 here) separates the two fits."""
    vce = _vce_string(name)
    est, _ = resolve(VceSpec(name=name, args=("g",)) if _needs_args(name) else VceSpec(name))
    if "seed" in est.options:  # a bootstrap: the same draws for both fits
        vce += ", seed(1)"
    a = _printed(vcereg.regress(f"y ~ x1 + x2 | vce({vce})", data))
    b = _printed(
        vcereg.regress(f"y ~ x1 + x2 | vce({vce})", data.assign(**{column: c * data[column]}))
    )
    for key, want in _expected(a, column, c).items():
        np.testing.assert_allclose(b[key], want, rtol=1e-9, atol=1e-300, err_msg=key)


@pytest.mark.parametrize("name", NAMES)
def test_with_vce_equals_refit(data, name):
    vce = _vce_string(name)
    a = vcereg.regress("y ~ x1 + x2", data).with_vce(vce)
    b = vcereg.regress(f"y ~ x1 + x2 | vce({vce})", data)
    np.testing.assert_allclose(a.cov, b.cov, rtol=REL_IDENTITY)
    assert a.vce_label == b.vce_label


def test_hc1_equals_crv1_with_singleton_clusters_up_to_factor(data):
    """pyfixest's identity: CRV1 with one observation per cluster is HC1 times (N-1)/N."""
    d = data.assign(obs=np.arange(len(data)))
    hc1 = vcereg.regress("y ~ x1 + x2 | vce(robust)", d)
    crv = vcereg.regress("y ~ x1 + x2 | vce(cluster obs)", d)
    # CRV1 factor G/(G-1)(N-1)/(N-K) with G = N equals HC1's N/(N-K): identical
    np.testing.assert_allclose(crv.cov, hc1.cov, rtol=REL_IDENTITY)


def test_user_registered_estimator_is_usable_and_listed(data):
    def doubled(ctx):
        """Twice the conventional covariance."""
        s2 = float(ctx.resid @ ctx.resid) / ctx.df_resid
        return 2 * s2 * ctx.bread

    vcereg.register_vce(doubled, name="doubled")
    try:
        assert "doubled" in available()
        r = vcereg.regress("y ~ x1 + x2 | vce(doubled)", data)
        base = vcereg.regress("y ~ x1 + x2", data)
        np.testing.assert_allclose(r.cov, 2 * base.cov, rtol=REL_IDENTITY)
    finally:
        vcereg.unregister_vce("doubled")
    with pytest.raises(vcereg.errors.UnknownVceError):
        vcereg.regress("y ~ x1 + x2 | vce(doubled)", data)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), name=st.sampled_from(NAMES))
def test_psd_on_random_data(seed, name):
    d = _panel(seed, n=120)
    r = vcereg.regress(f"y ~ x1 + x2 | vce({_vce_string(name)})", d)
    v = r.cov.to_numpy()
    assert np.linalg.eigvalsh(v).min() >= -1e-10 * np.abs(v).max()
