"""``Results.boottest`` and the do-file ``boottest`` line.

Reference: the brute-force wild bootstrap of tests/vce/test_wild.py (refit OLS on every
one of the 2^G sign vectors). A restriction ``x1 = x2`` is checked by reparametrising:
with the columns ``[1, x1, x1 + x2]`` the coefficient of ``x1`` is ``b1 - b2``, and the
restricted and unrestricted models span the same spaces, so the bootstrap t statistics are
the same numbers; p-values agree to the draw.
"""

from __future__ import annotations

import numpy as np
import pytest

import vcereg
from tests.vce.test_wild import _brute_pvalue, _panel, _signs
from vcereg.errors import FewClustersWarning, NotSupportedError, SpecError, StataSyntaxError
from vcereg.postestimation.boottest import restriction


@pytest.fixture(scope="module")
def panel():
    return _panel(8, n=200)


@pytest.fixture(scope="module")
def fit(panel):
    with pytest.warns(FewClustersWarning, match=r"use the wild cluster bootstrap"):
        return vcereg.regress("y ~ x1 + x2 | vce(cluster cl)", panel)


def test_difference_of_coefficients_matches_brute_force(panel, fit):
    bt = fit.boottest("x1 = x2")
    assert bt.enumerated and bt.reps == 256
    x = np.c_[np.ones(len(panel)), panel["x1"], panel["x1"] + panel["x2"]]
    ref = _brute_pvalue(x, panel["y"].to_numpy(), panel["cl"].to_numpy(), 1, 0.0, True, _signs(8))
    assert bt.pvalue == ref
    # the statistic is the CRV1 t of b1 - b2, from the fit's own covariance
    cov = fit.cov.loc[["x1", "x2"], ["x1", "x2"]].to_numpy()
    diff = fit.params["x1"] - fit.params["x2"]
    se = np.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    assert bt.stat == pytest.approx(diff / se, rel=1e-10)


def test_nonzero_null_and_unrestricted(panel, fit):
    x = np.c_[np.ones(len(panel)), panel[["x1", "x2"]]]
    y, codes = panel["y"].to_numpy(), panel["cl"].to_numpy()
    for null in (True, False):
        bt = fit.boottest("x1 = 0.05", null=null)
        assert bt.pvalue == _brute_pvalue(x, y, codes, 1, 0.05, null, _signs(8))


def test_agrees_with_vce_wild_and_cluster_t(fit):
    wild = fit.with_vce("wild cl")
    bt = fit.boottest("x1")
    assert bt.pvalue == wild.pvalue["x1"]
    assert bt.conf_int == tuple(wild.conf_int().loc["x1"])
    assert bt.stat == pytest.approx(fit.tstat["x1"], rel=1e-10)
    assert fit.boottest("_cons").pvalue == wild.pvalue["Intercept"]


def test_absorbed_effects_and_explicit_cluster(panel):
    r = vcereg.regress("y ~ x1 + x2 | fe(fe)", panel)
    bt = r.boottest("x1 = 0", cluster="cl")
    ref = vcereg.regress("y ~ x1 + x2 | fe(fe) | vce(wild cl)", panel)
    assert bt.pvalue == ref.pvalue["x1"]


def test_random_draws_are_seeded(student):
    r = vcereg.regress("G3 ~ absences + age | vce(cluster Mjob)", student)
    a = r.boottest("absences", weights="webb", seed=3, reps=999)
    b = r.boottest("absences", weights="webb", seed=3, reps=999)
    assert (a.pvalue, a.conf_int) == (b.pvalue, b.conf_int)
    assert not a.enumerated and a.reps == 999 and a.seed == 3


def test_do_file_line(student):
    run = vcereg.run_do(
        """
        regress G3 absences age, vce(cluster Mjob)
        boottest absences, reps(999) seed(1) weight(webb)
        boottest {absences = age}
        """,
        student,
    )
    r = run.results[0]
    first, second = (out for _, _, out in run.log)
    assert first == r.boottest("absences", reps=999, seed=1, weights="webb")
    assert second.reps == 32 and second.enumerated  # Stata's default reps(999) >= 2^5
    assert "Prob>|t|" in str(first)


def test_do_file_errors(student):
    with pytest.raises(StataSyntaxError, match="did you mean weighttype"):
        vcereg.run_do("regress G3 absences, vce(cluster Mjob)\nboottest x, weighty(x)", student)
    with pytest.raises(StataSyntaxError, match="last estimates not found"):
        vcereg.run_do("boottest absences", student)


@pytest.mark.parametrize(
    ("text", "r_vec", "r_val"),
    [
        ("x1", [0, 1, 0], 0.0),
        ("x1 = x2", [0, 1, -1], 0.0),
        ("2*x1 - x2 = 1", [0, 2, -1], 1.0),
        ("x1*2 + 1e-3 = _cons", [-1, 2, 0], -1e-3),
        ("{x1 = -x2}", [0, 1, 1], 0.0),
        ("(x1 + x2 = 0.5)", [0, 1, 1], 0.5),
    ],
)
def test_restriction_uses_the_shared_parser(fit, text, r_vec, r_val):
    got, val = restriction(fit, text)  # over Intercept, x1, x2
    assert got.tolist() == r_vec and val == pytest.approx(r_val)
    big_r, r = fit._restrictions(text.strip("{}"))
    assert big_r[0].tolist() == r_vec and r[0] == pytest.approx(r_val)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("x1x = 0", "'x1x'"),
        ("x1 = x2 = 0", "'='"),
        ("1 = 0", "coefficient"),
        ("x1 = 0, x2 = 0", "one restriction at a time"),
    ],
)
def test_bad_restrictions(fit, text, match):
    with pytest.raises(SpecError, match=match) as err:
        fit.boottest(text)
    if text == "x1x = 0":
        assert err.value.hint == "did you mean 'x1'?"


def test_refusals(student, fit):
    with pytest.raises(SpecError, match="needs a cluster variable"):
        vcereg.regress("G3 ~ absences", student).boottest("absences")
    with pytest.raises(SpecError, match="reps"):
        fit.boottest("x1", reps=0)
    iv = vcereg.regress("G3 ~ age | iv(absences ~ failures)", student)
    with pytest.raises(NotSupportedError, match="instrumental"):
        iv.boottest("absences", cluster="Mjob")
    with pytest.raises(NotSupportedError, match="instrumental"):
        iv.with_vce("wild Mjob")
