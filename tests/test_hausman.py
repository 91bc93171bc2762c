"""vcereg.hausman and vcereg.mundlak.

References:
- the textbook formula computed here from the two covariance matrices;
- Stata 13's published e(b) and e(V) of ``xtreg, fe`` and ``xtreg, re`` on the unbalanced
  simulated panel (tests/reference/stata_simulated_panel.json): Stata's ``hausman`` is a
  function of these stored results only, so the statistic computed from them is what
  Stata reports. Covariances are printed with 7 significant digits (the smallest
  entries), so the statistic is compared at 1e-5 relative.
- linearmodels 7.1 ``RandomEffectsResults.hausman`` (including sigmamore/sigmaless; its
  ``s2`` is our Root MSE squared: e(rmse) after re, e(sigma_e) after fe), at 1e-8;
- for Mundlak: linearmodels RandomEffects on the regressors plus their panel means with
  the clustered covariance (``debiased=True, group_debias=True``, Stata's factor): adding
  means leaves the within and between residuals, hence theta, unchanged. At 1e-8.
- Stata 16's printed ``xtreg, fe`` on Grunfeld's 10 firms (stata_grunfeld_xtreg.json).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from linearmodels import PanelOLS, RandomEffects
from scipy import stats

import vcereg
from tests.conftest import DATA
from tests.tolerances import REL_REFERENCE
from vcereg.errors import SpecError, VceregWarning
from vcereg.spec import PanelSpec

REFDIR = Path(__file__).parent / "reference"
SIM = json.loads((REFDIR / "stata_simulated_panel.json").read_text())["results"]
X = ["x1", "x2", "x3", "x4", "x5"]


@pytest.fixture(scope="module")
def sim() -> pd.DataFrame:
    return pd.read_csv(DATA / "simulated_panel.csv")


@pytest.fixture(scope="module")
def grunfeld10(grunfeld) -> pd.DataFrame:
    return grunfeld[grunfeld.firm != "American Steel"].reset_index(drop=True)


def _pair(data: pd.DataFrame, suffix: str = "") -> tuple[vcereg.Results, vcereg.Results]:
    rhs = " ".join(f"{x}{suffix}" for x in X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VceregWarning)
        fe = vcereg.stata(f"xtreg y{suffix} {rhs}, fe", data, panel=PanelSpec("firm_id", "year"))
        re = vcereg.stata(f"xtreg y{suffix} {rhs}, re", data, panel=PanelSpec("firm_id", "year"))
    return fe, re


def _by_hand(b: np.ndarray, bb: np.ndarray, vb: np.ndarray, vbb: np.ndarray) -> float:
    d = b - bb
    return float(d @ np.linalg.solve(vb - vbb, d))


@pytest.mark.parametrize("suffix", ["", "_light", "_heavy"])
def test_hausman_matches_direct_computation_and_stata_estimates(sim, suffix):
    fe, re = _pair(sim, suffix)
    h = vcereg.hausman(fe, re)
    names = [f"{x}{suffix}" for x in X]
    direct = _by_hand(
        fe.params[names].to_numpy(),
        re.params[names].to_numpy(),
        fe.cov.loc[names, names].to_numpy(),
        re.cov.loc[names, names].to_numpy(),
    )
    assert h.stat == pytest.approx(direct, rel=1e-10) and h.df == 5
    assert h.pvalue == pytest.approx(stats.chi2.sf(direct, 5), rel=1e-10)
    # from Stata's own stored e(b), e(V)
    sfe, sre = (
        SIM[f"fixed_effect-conventional-|{suffix}"],
        SIM[f"random_effect-conventional-|{suffix}"],
    )
    idx_fe = [sfe["cov_names"].index(n) for n in names]
    idx_re = [sre["cov_names"].index(n) for n in names]
    stata_stat = _by_hand(
        np.array([sfe["coef"][n] for n in names]),
        np.array([sre["coef"][n] for n in names]),
        np.asarray(sfe["cov"])[np.ix_(idx_fe, idx_fe)],
        np.asarray(sre["cov"])[np.ix_(idx_re, idx_re)],
    )
    assert h.stat == pytest.approx(stata_stat, rel=1e-5)
    assert list(h.table.index) == names and "chi2(5)" in h.summary()


@pytest.mark.parametrize("option", [None, "sigmamore", "sigmaless"])
def test_hausman_matches_linearmodels(grunfeld10, option):
    fe = vcereg.regress("invest ~ value + capital | panel(firm year, fe)", grunfeld10)
    re = vcereg.regress("invest ~ value + capital | panel(firm year)", grunfeld10)
    idx = grunfeld10.set_index(["firm", "year"])
    lm_re = RandomEffects(idx["invest"], idx[["value", "capital"]].assign(const=1.0)).fit()
    lm_fe = PanelOLS(idx["invest"], idx[["value", "capital"]], entity_effects=True).fit()
    flags = {"sigmamore": option == "sigmamore", "sigmaless": option == "sigmaless"}
    theirs = lm_re.hausman(lm_fe, **flags)
    ours = vcereg.hausman(fe, re, **flags)
    assert ours.stat == pytest.approx(theirs.statistic.stat, rel=REL_REFERENCE)
    assert ours.df == theirs.statistic.df
    assert ours.pvalue == pytest.approx(theirs.statistic.pval, rel=1e-6)


def test_hausman_warns_that_the_classic_test_is_invalid_with_clusters(sim):
    fe, re = _pair(sim)
    with pytest.warns(VceregWarning, match="invalid with robust or clustered"):
        h = vcereg.hausman(fe.with_vce("cluster firm_id"), re.with_vce("cluster firm_id"))
    assert any("mundlak" in n for n in h.notes) and "invalid with robust" in h.summary()
    with pytest.raises(SpecError, match="cannot be combined"):
        vcereg.hausman(fe, re, sigmamore=True, sigmaless=True)


def test_mundlak_matches_linearmodels_with_means_added(sim):
    d = sim.dropna(subset=["y_heavy", *(f"{x}_heavy" for x in X)]).copy()
    cols = [f"{x}_heavy" for x in X]
    for c in cols:
        d[f"m_{c}"] = d.groupby("firm_id")[c].transform("mean")
    idx = d.set_index(["firm_id", "year"])
    exog = idx[cols + [f"m_{c}" for c in cols]].assign(const=1.0)
    lm = RandomEffects(idx["y_heavy"], exog).fit(
        cov_type="clustered", cluster_entity=True, debiased=True, group_debias=True
    )
    means = [f"m_{c}" for c in cols]
    gamma = lm.params[means].to_numpy()
    wald = float(gamma @ np.linalg.solve(lm.cov.loc[means, means].to_numpy(), gamma))
    _, re = _pair(sim, "_heavy")
    m = vcereg.mundlak(re)
    np.testing.assert_allclose(m.gamma.to_numpy(), gamma, rtol=REL_REFERENCE)
    np.testing.assert_allclose(m.cov.to_numpy(), lm.cov.loc[means, means], rtol=REL_REFERENCE)
    assert m.stat == pytest.approx(wald, rel=REL_REFERENCE) and m.df == 5
    assert m.n_clusters == re.panel.n_panels  # type: ignore[union-attr]
    assert "cluster-robust" in m.summary()
    with pytest.raises(SpecError, match="random-effects result"):
        vcereg.mundlak(_pair(sim)[0])


def test_grunfeld_fe_matches_stata_16_output(grunfeld10):
    ref = json.loads((REFDIR / "stata_grunfeld_xtreg.json").read_text())
    r = vcereg.stata(ref["command"], grunfeld10, panel=PanelSpec("firm", "year"))
    st, p = ref["stats"], r.panel
    assert p is not None and r.nobs == st["N"] and p.n_panels == st["N_g"]
    for name in ("value", "capital", "_cons"):
        # printed with 7 significant digits (%9.0g): half a unit in the last place
        term = "Intercept" if name == "_cons" else name  # reported since issue 20.10
        assert r.params[term] == pytest.approx(ref["coef"][name], rel=1e-6)
        assert r.se[term] == pytest.approx(ref["se"][name], rel=1e-5)
    low, high = r.conf_int().loc["Intercept"]
    assert (low, high) == pytest.approx(tuple(ref["ci"]["_cons"]), rel=1e-5)
    # %9.0g / %10.0g prints: 8 digits for sigma_u, sigma_e, rho; float data in Stata
    assert p.sigma_u == pytest.approx(st["sigma_u"], rel=1e-6)
    assert p.sigma_e == pytest.approx(st["sigma_e"], rel=1e-6)
    assert p.rho == pytest.approx(st["rho"], rel=1e-6)
    # two- and four-decimal displays
    assert r.fstat == pytest.approx(st["F"], abs=0.005)
    assert p.f_u == pytest.approx(st["F_f"], abs=0.005)
    assert p.f_u_df == tuple(st["F_f_df"])
    for ours, name in [
        (p.r2_within, "r2_w"),
        (p.r2_between, "r2_b"),
        (p.r2_overall, "r2_o"),
        (p.corr_u_xb, "corr"),
    ]:
        assert ours == pytest.approx(st[name], abs=5e-5), name


def test_do_file_hausman_after_estimates_store(grunfeld10):
    run = vcereg.run_do(
        """
        xtset firm year
        quietly xtreg invest value capital, fe
        estimates store fe
        quietly xtreg invest value capital, re
        estimates store re
        hausman fe re, sigmamore
        hausman fe
        """,
        grunfeld10,
    )
    (_, line, more), (_, _, plain) = run.log
    fe, re = run.stored["fe"], run.stored["re"]
    assert line.strip() == "hausman fe re, sigmamore"
    assert more.stat == pytest.approx(vcereg.hausman(fe, re, sigmamore=True).stat, rel=1e-12)
    assert plain.stat == pytest.approx(vcereg.hausman(fe, re).stat, rel=1e-12)
    assert "fe" in str(plain) and more.sigma == "efficient"
    with pytest.raises(vcereg.errors.StataSyntaxError, match="estimation result rx not found"):
        vcereg.run_do("xtset firm year\nxtreg invest value, fe\nhausman rx", grunfeld10)
