"""LIML, Fuller, k-class and GMM against linearmodels' IVLIML and IVGMM (version 7.1).

Convention mapping (vcereg → linearmodels):

- default ssc (Stata ``ivregress ..., small``) = ``debiased=True``; ``ssc="asymptotic"``
  (``ivregress`` without ``small``) = ``debiased=False``.
- ``vce(ols)``/``robust``/``cluster g`` = ``cov_type="unadjusted"``/``"robust"``/
  ``"clustered"``; GMM ``wmatrix=robust|unadjusted|cluster g`` = ``weight_type=...``.
- LIML robust/cluster scores use ``P_Z X`` with the bread ``(X'(I - k M_Z) X)^{-1}``, as
  linearmodels does. Fuller's k = lambda - a / (N - L), L all instruments (linearmodels).
- With clusters, linearmodels' p-values use t(N - K); Stata and vcereg t(G - 1), so only
  coefficients and covariances are compared there.

Tolerance: REL_REFERENCE (1e-8), see tests/tolerances.py; measured agreement is ~1e-12.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from linearmodels.iv import IV2SLS, IVGMM, IVLIML

import vcereg
from tests.conftest import DATA
from tests.tolerances import REL_REFERENCE as RTOL
from vcereg.spec import PanelSpec


@pytest.fixture(scope="module")
def hsng() -> pd.DataFrame:
    d = pd.read_csv(DATA / "hsng.csv")
    for k, level in enumerate(sorted(d["region"].unique())[1:], start=2):
        d[f"reg{k}"] = (d["region"] == level).astype(float)
    return d


LM = "rent ~ 1 + pcturban + [hsngval ~ faminc + reg2 + reg3 + reg4]"
MODEL = "rent ~ pcturban | iv(hsngval ~ faminc reg2 reg3 reg4{opt}) | vce({vce})"
NAMES = ["Intercept", "pcturban", "hsngval"]
VCES = [
    ("ols", "unadjusted", False),
    ("robust", "robust", False),
    ("cluster division", "clustered", True),
]
SSCS = [(None, True), ("asymptotic", False)]


def _fit(hsng, opt, vce, ssc):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", vcereg.errors.VceregWarning)
        return vcereg.regress(MODEL.format(opt=opt, vce=vce), hsng, ssc=ssc)


def _clusters(hsng):
    return {"clusters": pd.factorize(hsng["division"])[0]}


def _compare(r, ref, clustered):
    np.testing.assert_allclose(r.params[NAMES], ref.params.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(r.cov.loc[NAMES, NAMES], ref.cov.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(r.se[NAMES], ref.std_errors.to_numpy(), rtol=RTOL)
    if not clustered:
        np.testing.assert_allclose(r.pvalue[NAMES], ref.pvalues.to_numpy(), rtol=1e-6)


@pytest.mark.parametrize(("ours", "cov_type", "clustered"), VCES)
@pytest.mark.parametrize(("ssc", "debiased"), SSCS)
@pytest.mark.parametrize(
    ("opt", "kw"),
    [
        (", method=liml", {}),
        (", method=fuller, fuller=1", {"fuller": 1}),
        (", method=fuller, fuller=4", {"fuller": 4}),
        (", method=kclass, kappa=0.5", {"kappa": 0.5}),
    ],
)
def test_kclass_matches_linearmodels(hsng, ours, cov_type, clustered, ssc, debiased, opt, kw):
    r = _fit(hsng, opt, ours, ssc)
    extra = _clusters(hsng) if clustered else {}
    ref = IVLIML.from_formula(LM, hsng, **kw).fit(cov_type=cov_type, debiased=debiased, **extra)
    _compare(r, ref, clustered)
    if "liml" in opt:
        assert r._iv.kappa == pytest.approx(float(ref.kappa), rel=RTOL)


@pytest.mark.parametrize(("wm", "weight_type", "clustered"), VCES)
@pytest.mark.parametrize(("ssc", "debiased"), SSCS)
@pytest.mark.parametrize("center", [False, True])
def test_gmm_matches_linearmodels(hsng, wm, weight_type, clustered, ssc, debiased, center):
    opt = f", method=gmm, wmatrix={'unadjusted' if wm == 'ols' else wm}"
    opt += ", center" if center else ""
    r = _fit(hsng, opt, wm, ssc)
    extra = _clusters(hsng) if clustered else {}
    ref = IVGMM.from_formula(LM, hsng, weight_type=weight_type, center=center, **extra).fit(
        cov_type=weight_type, debiased=debiased, **extra
    )
    _compare(r, ref, clustered)
    j = r.estat("overid")
    assert j.loc["Hansen J", "stat"] == pytest.approx(ref.j_stat.stat, rel=RTOL)
    assert j.loc["Hansen J", "pvalue"] == pytest.approx(ref.j_stat.pval, rel=1e-6)


def test_iterated_gmm_matches_linearmodels(hsng):
    r = _fit(hsng, ", method=gmm, wmatrix=robust, igmm", "robust", None)
    ref = IVGMM.from_formula(LM, hsng, weight_type="robust").fit(
        cov_type="robust", debiased=True, iter_limit=1000, tol=1e-20
    )
    np.testing.assert_allclose(r.params[NAMES], ref.params.to_numpy(), rtol=1e-8)
    assert r._iv.iterations > 2


def test_gmm_default_vce_follows_wmatrix(hsng):
    r = vcereg.regress("rent ~ pcturban | iv(hsngval ~ faminc reg2 reg3 reg4, method=gmm)", hsng)
    assert r.vce_name == "robust"
    r = vcereg.stata("ivregress gmm rent pcturban (hsngval = faminc i.region)", hsng)
    assert r.vce_name == "robust" and r.df_inference is None  # Stata: z without small


def test_liml_equals_2sls_when_just_identified(hsng):
    m = "rent ~ pcturban | iv(hsngval ~ faminc{opt})"
    a = vcereg.regress(m.format(opt=""), hsng)
    b = vcereg.regress(m.format(opt=", method=liml"), hsng)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-10)
    np.testing.assert_allclose(a.cov, b.cov, rtol=1e-9)


def test_unsupported_variance_for_liml_is_refused(hsng):
    with pytest.raises(vcereg.errors.VceOptionError, match="not defined for LIML"):
        _fit(hsng, ", method=liml", "hc3", None)


@pytest.mark.parametrize("vce", ["ols", "robust", "cluster division"])
def test_with_vce_equals_refit(hsng, vce):
    base = _fit(hsng, ", method=gmm, wmatrix=robust", "robust", None)
    refit = _fit(hsng, ", method=gmm, wmatrix=robust", vce, None)
    np.testing.assert_allclose(base.with_vce(vce).cov, refit.cov, rtol=1e-12)


def test_weighted_liml_and_gmm_match_linearmodels(hsng):
    d = hsng.assign(w=np.linspace(0.5, 2.0, len(hsng)))
    for opt, cls, kw in [(", method=liml", IVLIML, {}), (", method=gmm", IVGMM, {})]:
        r = vcereg.regress(
            f"rent ~ pcturban | iv(hsngval ~ faminc reg2 reg3 reg4{opt}) | weights(w)"
            " | vce(robust)",
            d,
        )
        ref = cls.from_formula(LM, d, weights=d["w"] * len(d) / d["w"].sum(), **kw).fit(
            cov_type="robust", debiased=True
        )
        np.testing.assert_allclose(r.params[NAMES], ref.params.to_numpy(), rtol=RTOL)
        np.testing.assert_allclose(r.cov.loc[NAMES, NAMES], ref.cov.to_numpy(), rtol=RTOL)


def test_2sls_path_unchanged(hsng):
    r = _fit(hsng, "", "robust", None)
    ref = IV2SLS.from_formula(LM, hsng).fit(cov_type="robust", debiased=True)
    _compare(r, ref, False)


# --- absorbed fixed effects (ivreghdfe-style: partial the effects out, then estimate) ---


@pytest.fixture(scope="module")
def grunfeld() -> pd.DataFrame:
    d = pd.read_csv(DATA / "grunfeld.csv")
    return d.assign(sqrt_value=np.sqrt(d["value"]), lag=d["year"] % 3)


FE_NAMES = ["capital", "value"]


@pytest.mark.parametrize(
    ("vce", "cov_type", "clusters"),
    [
        ("ols", "unadjusted", None),
        ("robust", "robust", None),
        ("cluster year", "clustered", "year"),
    ],
)
def test_liml_with_absorbed_effects_matches_dummies(grunfeld, vce, cov_type, clusters):
    """By Frisch-Waugh-Lovell, LIML with absorbed firm effects equals LIML with firm
    dummies among the exogenous regressors (coefficients, and covariances with K counting
    the dummies). Clusters are years, in which firms are not nested."""
    r = _quiet_fit(
        f"invest ~ capital | fe(firm) | iv(value ~ sqrt_value lag, method=liml) | vce({vce})",
        grunfeld,
    )
    kw = {"clusters": grunfeld[clusters].to_numpy()} if clusters else {}
    ref = IVLIML.from_formula(
        "invest ~ capital + C(firm) + [value ~ sqrt_value + lag]", grunfeld
    ).fit(cov_type=cov_type, debiased=True, **kw)
    np.testing.assert_allclose(r.params[FE_NAMES], ref.params[FE_NAMES], rtol=RTOL)
    np.testing.assert_allclose(
        r.cov.loc[FE_NAMES, FE_NAMES], ref.cov.loc[FE_NAMES, FE_NAMES], rtol=RTOL
    )


@pytest.mark.parametrize("alpha", [1, 4])
def test_fuller_with_absorbed_effects_matches_dummies(grunfeld, alpha):
    """Fuller's k = lambda - a/(N - L): the absorbed firm levels are instruments too, so L
    counts them, as linearmodels does with the firm dummies among the exogenous regressors
    (11 firms, N = 220: leaving them out moves k by ~2e-4 and the slopes by ~1e-5)."""
    r = _quiet_fit(
        f"invest ~ capital | fe(firm) | iv(value ~ sqrt_value lag, method=fuller, fuller={alpha})",
        grunfeld,
    )
    ref = IVLIML.from_formula(
        "invest ~ capital + C(firm) + [value ~ sqrt_value + lag]", grunfeld, fuller=alpha
    ).fit(cov_type="unadjusted", debiased=True)
    assert r._iv.kappa == pytest.approx(float(ref.kappa), rel=1e-10)
    np.testing.assert_allclose(r.params[FE_NAMES], ref.params[FE_NAMES], rtol=RTOL)
    np.testing.assert_allclose(
        r.cov.loc[FE_NAMES, FE_NAMES], ref.cov.loc[FE_NAMES, FE_NAMES], rtol=RTOL
    )


@pytest.mark.parametrize(
    ("wm", "weight_type", "clusters"),
    [
        ("unadjusted", "unadjusted", None),
        ("robust", "robust", None),
        ("cluster year", "clustered", "year"),
    ],
)
def test_gmm_with_absorbed_effects_is_gmm_on_demeaned_data(grunfeld, wm, weight_type, clusters):
    """ivreghdfe's definition: GMM on data with the firm means removed (demeaned here with
    pandas), no constant; compared without small-sample factors (debiased=False)."""
    vce = {"unadjusted": "ols"}.get(wm, wm)
    r = _quiet_fit(
        f"invest ~ capital | fe(firm) | iv(value ~ sqrt_value lag, method=gmm, wmatrix={wm})"
        f" | vce({vce})",
        grunfeld,
        ssc="asymptotic",
    )
    cols = ["invest", "capital", "value", "sqrt_value", "lag"]
    dm = grunfeld[cols] - grunfeld.groupby("firm")[cols].transform("mean")
    kw = {"clusters": grunfeld[clusters].to_numpy()} if clusters else {}
    ref = IVGMM.from_formula(
        "invest ~ 0 + capital + [value ~ sqrt_value + lag]", dm, weight_type=weight_type, **kw
    ).fit(cov_type=weight_type, debiased=False, **kw)
    np.testing.assert_allclose(r.params[FE_NAMES], ref.params[FE_NAMES], rtol=RTOL)
    np.testing.assert_allclose(
        r.cov.loc[FE_NAMES, FE_NAMES], ref.cov.loc[FE_NAMES, FE_NAMES], rtol=RTOL
    )


def _quiet_fit(model, data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", vcereg.errors.VceregWarning)
        return vcereg.regress(model, data, **kw)


@pytest.mark.parametrize("center", [False, True])
def test_gmm_with_frequency_weights_equals_expanded_rows(hsng, center):
    """Reference: linearmodels' unweighted GMM on the data with each row repeated f times."""
    d = hsng.assign(f=np.arange(len(hsng)) % 3 + 1)
    opt = ", method=gmm, wmatrix=robust" + (", center" if center else "")
    r = _quiet_fit(
        MODEL.format(opt=opt, vce="robust") + " | weights(f, fweight)", d, ssc="asymptotic"
    )
    big = d.loc[d.index.repeat(d["f"])].reset_index(drop=True)
    ref = IVGMM.from_formula(LM, big, weight_type="robust", center=center).fit(
        cov_type="robust", debiased=False
    )
    np.testing.assert_allclose(r.params[NAMES], ref.params.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(r.cov.loc[NAMES, NAMES], ref.cov.to_numpy(), rtol=RTOL)
    j = r.estat("overid").at["Hansen J", "stat"]
    assert j == pytest.approx(ref.j_stat.stat, rel=RTOL)


def test_gmm_conventional_variance_with_a_robust_weight_matrix(hsng):
    """vce(ols) after GMM is Stata's efficient-GMM variance (X'Z W Z'X)^{-1} with the
    weight matrix of the estimate (ivregress keeps its GMM e(V) for vce(unadjusted); the
    same as ivreg2's gmm2s, see tests/stata_lang/test_ivreg2.py), not linearmodels'
    homoskedastic sandwich s^2 (X'ZWZ'X)^{-1} X'ZW Z'Z WZ'X (X'ZWZ'X)^{-1}, which is
    another number here."""
    r = _fit(hsng, ", method=gmm, wmatrix=robust", "ols", "asymptotic")
    n = len(hsng)
    x = np.column_stack([np.ones(n), hsng["pcturban"], hsng["hsngval"]])  # NAMES order
    z = np.column_stack([np.ones(n), hsng[["pcturban", "faminc", "reg2", "reg3", "reg4"]]])
    y = hsng["rent"].to_numpy()
    pz = z @ np.linalg.solve(z.T @ z, z.T)
    h = z * (y - x @ np.linalg.solve(x.T @ pz @ x, x.T @ pz @ y))[:, None]  # 2SLS moments
    q = z.T @ x
    efficient = np.linalg.inv(q.T @ np.linalg.solve(h.T @ h, q))
    np.testing.assert_allclose(r.cov.loc[NAMES, NAMES], efficient, rtol=RTOL)
    ref = IVGMM.from_formula(LM, hsng, weight_type="robust").fit(
        cov_type="unadjusted", debiased=False
    )
    assert np.max(np.abs(r.cov.loc[NAMES, NAMES].to_numpy() / ref.cov.to_numpy() - 1)) > 1e-3


@pytest.mark.parametrize("opt", ["", ", method=liml", ", method=gmm, wmatrix=robust"])
def test_newey_west_after_iv_matches_linearmodels_kernel(hsng, opt):
    """vce(hac t, lags(2)) (the inference engineer's Newey-West, registry plug-in) after
    2SLS, LIML and GMM = linearmodels cov_type="kernel", Bartlett, bandwidth 2, with the
    rows in time order; no small-sample factor (ssc="asymptotic", debiased=False)."""
    d = hsng.assign(t=np.arange(len(hsng)))
    r = _fit(d, opt, "hac t, lags(2)", "asymptotic")
    cls, kw = IV2SLS, {}
    if "liml" in opt:
        cls = IVLIML
    elif "gmm" in opt:
        cls, kw = IVGMM, {"weight_type": "robust"}
    ref = cls.from_formula(LM, d, **kw).fit(
        cov_type="kernel", kernel="bartlett", bandwidth=2, debiased=False
    )
    np.testing.assert_allclose(r.params[NAMES], ref.params.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(r.cov.loc[NAMES, NAMES], ref.cov.to_numpy(), rtol=RTOL)


@pytest.mark.parametrize("kernel", ["bartlett", "parzen"])
def test_gmm_with_a_hac_weight_matrix_matches_linearmodels(hsng, kernel):
    """wmatrix(hac t, lags 2) = linearmodels weight_type="kernel", bandwidth 2, rows in time
    order; the default variance follows the weight matrix (Newey-West, same kernel)."""
    d = hsng.assign(t=np.arange(len(hsng)))
    r = _quiet_fit(
        "rent ~ pcturban | iv(hsngval ~ faminc reg2 reg3 reg4, method=gmm, "
        f"wmatrix=hac t lags=2 kernel={kernel})",
        d,
        ssc="asymptotic",
    )
    assert r.vce_name == "hac"
    ref = IVGMM.from_formula(LM, d, weight_type="kernel", kernel=kernel, bandwidth=2).fit(
        cov_type="kernel", kernel=kernel, bandwidth=2, debiased=False
    )
    np.testing.assert_allclose(r.params[NAMES], ref.params.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(r.cov.loc[NAMES, NAMES], ref.cov.to_numpy(), rtol=RTOL)
    j = r.estat("overid").at["Hansen J", "stat"]
    assert j == pytest.approx(ref.j_stat.stat, rel=RTOL)


def test_stata_gmm_hac_line_equals_the_dsl(hsng):
    d = hsng.assign(t=np.arange(len(hsng)))
    a = vcereg.stata(
        "ivregress gmm rent pcturban (hsngval = faminc reg2 reg3 reg4), wmatrix(hac nwest 2)",
        d,
        panel=PanelSpec(None, "t"),
    )
    b = _quiet_fit(
        "rent ~ pcturban | iv(hsngval ~ faminc reg2 reg3 reg4, method=gmm, "
        "wmatrix=hac t lags=2 kernel=bartlett)",
        d,
        ssc="asymptotic",
    )
    np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(a.cov.to_numpy(), b.cov.to_numpy(), rtol=1e-12)
