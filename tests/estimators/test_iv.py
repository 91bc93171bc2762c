"""2SLS against linearmodels' IV2SLS (which follows Stata's ivregress conventions).

Mapping: vcereg's default (Stata ``ivregress ..., small``) = linearmodels
``debiased=True``; ``ssc="asymptotic"`` (Stata ``ivregress`` without ``small``) =
``debiased=False``. The data is Stata's hsng example (``[R] ivregress``):
``ivregress 2sls rent pcturban (hsngval = faminc i.region)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from linearmodels.iv import IV2SLS

import vcereg
from tests.conftest import DATA
from tests.tolerances import REL_REFERENCE as RTOL


@pytest.fixture(scope="module")
def hsng() -> pd.DataFrame:
    d = pd.read_csv(DATA / "hsng.csv")
    # i.region as explicit dummies (base: the first region, as Stata's i.region)
    for k, level in enumerate(sorted(d["region"].unique())[1:], start=2):
        d[f"reg{k}"] = (d["region"] == level).astype(float)
    return d


MODEL = "rent ~ pcturban | iv(hsngval ~ faminc reg2 reg3 reg4)"
LM_FORMULA = "rent ~ 1 + pcturban + [hsngval ~ faminc + reg2 + reg3 + reg4]"


@pytest.mark.parametrize(
    ("ours", "cov_type", "kw"),
    [
        ("ols", "unadjusted", {}),
        ("robust", "robust", {}),
        ("cluster division", "clustered", {"clusters": "division"}),
    ],
)
@pytest.mark.parametrize(("ssc", "debiased"), [(None, True), ("asymptotic", False)])
def test_matches_linearmodels(hsng, ours, cov_type, kw, ssc, debiased):
    r = vcereg.regress(f"{MODEL} | vce({ours})", hsng, ssc=ssc)
    opts = {k: pd.factorize(hsng[v])[0] for k, v in kw.items()}
    ref = IV2SLS.from_formula(LM_FORMULA, hsng).fit(cov_type=cov_type, debiased=debiased, **opts)
    names = ["Intercept", "pcturban", "hsngval"]
    np.testing.assert_allclose(r.params[names], ref.params.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(r.cov.loc[names, names], ref.cov.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(r.tstat[names], ref.tstats.to_numpy(), rtol=RTOL)
    assert (r.df_inference is None) == (not debiased)
    if cov_type == "clustered" and debiased:
        # Stata (and vcereg) use t(G-1) with clusters; linearmodels keeps t(N-K)
        assert r.df_inference == hsng["division"].nunique() - 1
    else:
        np.testing.assert_allclose(r.pvalue[names], ref.pvalues.to_numpy(), rtol=1e-6)


def test_first_stage_is_reported_and_weak_instruments_flagged(hsng):
    r = vcereg.regress(MODEL, hsng)
    assert any(n.startswith("first stage for hsngval") for n in r.notes)
    ref = IV2SLS.from_formula(LM_FORMULA, hsng).fit(cov_type="unadjusted")
    diag = ref.first_stage.diagnostics
    fs = r.first_stage.loc["hsngval"]  # numbers, not parsed back from the note (issue 8)
    assert fs["partial_r2"] == pytest.approx(float(diag["partial.rsquared"].iloc[0]), rel=RTOL)
    # linearmodels' unadjusted first-stage F is the Wald chi2/q with s^2 = RSS/N; ours is
    # the classical F with RSS/(N - L): they differ by exactly (N - L)/N.
    n, n_inst = len(hsng), 6
    assert fs["f"] == pytest.approx(float(diag["f.stat"].iloc[0]) * (n - n_inst) / n, rel=RTOL)
    assert r.model_label.startswith("Instrumental variables")


def test_underidentified_is_a_clear_error(hsng):
    with pytest.raises(vcereg.errors.EstimationError, match="underidentified"):
        vcereg.regress("rent ~ pcturban + faminc | iv(hsngval ~ faminc)", hsng)


def test_iv_with_vce_keeps_first_stage_notes(hsng):
    r = vcereg.regress(MODEL, hsng).with_vce("hc3")
    assert any(n.startswith("first stage") for n in r.notes)
