"""What a user of the DiD estimators sees: the DSL and Stata entry points, do-files with
``estat``, the results (tidy, event study, tests), tables, plots, data as users have it,
and the errors."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import vcereg
from vcereg.errors import DataError, MissingVariableError, NotSupportedError, SpecError

from ..tolerances import REL_IDENTITY

DATA = Path(__file__).resolve().parents[1] / "data"
PANEL = "| panel(countyreal year)"

# each estimator: the DSL string and the Stata line that mean the same model
PAIRS = {
    "cs": (
        f"lemp ~ lpop | did(cs first_treat, notyet reg gt) {PANEL}",
        "csdid lemp lpop, ivar(countyreal) time(year) gvar(first_treat) notyet method(reg)",
    ),
    "bjs": (
        f"lemp ~ 1 | did(bjs first_treat, pretrends(2) minn(30)) {PANEL}",
        "did_imputation lemp countyreal year first_treat, allhorizons pretrends(2)",
    ),
    "etwfe": (
        f"lemp ~ lpop | did(etwfe first_treat, never gt) {PANEL}",
        "jwdid lemp lpop, ivar(countyreal) tvar(year) gvar(first_treat) never",
    ),
}


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(DATA / "mpdta.csv")


@pytest.mark.parametrize("method", list(PAIRS))
def test_dsl_and_stata_line_agree(mpdta: pd.DataFrame, method: str) -> None:
    dsl, line = PAIRS[method]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = vcereg.did(dsl, mpdta), vcereg.did(line, mpdta)
    assert a.terms == b.terms
    np.testing.assert_array_equal(a.params, b.params)
    np.testing.assert_array_equal(a.se, b.se)


def test_sun_abraham_stata_line_with_indicators_agrees(mpdta: pd.DataFrame) -> None:
    d = mpdta.assign(never=(mpdta["first_treat"] == 0).astype(int))
    rel = d["year"] - d["first_treat"]
    names = []
    for e in (-4, -3, -2, 0, 1, 2, 3):
        name = f"rel{'m' if e < 0 else 'p'}{abs(e)}"
        d[name] = ((d["first_treat"] > 0) & (rel == e)).astype("int8")
        names.append(name)
    line = (
        f"eventstudyinteract lemp {' '.join(names)}, cohort(first_treat) "
        "control_cohort(never) absorb(i.countyreal i.year) vce(cluster countyreal)"
    )
    a = vcereg.did(line, d)
    b = vcereg.did(f"lemp ~ 1 | did(sa first_treat) {PANEL}", d)
    np.testing.assert_allclose(a.params, b.params, rtol=REL_IDENTITY)
    np.testing.assert_allclose(a.se, b.se, rtol=REL_IDENTITY)


def test_dofile_estat(mpdta: pd.DataFrame) -> None:
    run = vcereg.run_do(
        """
        csdid lemp, ivar(countyreal) time(year) gvar(first_treat)
        estat event, window(-1 2)
        estat pretrend
        regress lemp lpop
        """,
        mpdta,
    )
    (cs,) = run.did
    assert len(run.results) == 1
    event = run.log[0][2]
    assert isinstance(event, pd.DataFrame)
    assert event.index.tolist() == [-1.0, 0.0, 1.0, 2.0]
    assert event["estimate"].tolist() == cs.event_study().loc[-1.0:2.0, "estimate"].tolist()
    assert "Prob > chi2 =    0.1681" in str(run.log[1][2])
    with pytest.raises(vcereg.errors.StataSyntaxError, match=r"after DiD|not available"):
        vcereg.run_do(
            "regress lemp lpop\nestat event",
            mpdta,
        )


def test_results_interface(mpdta: pd.DataFrame) -> None:
    r = vcereg.did(f"lemp ~ 1 | did(cs first_treat) {PANEL}", mpdta)
    tidy = r.tidy()
    assert list(tidy.columns[:6]) == ["estimate", "std_error", "t", "p", "ci_low", "ci_high"]
    assert tidy.index[0] == "ATT" and r.df_inference is None
    es = r.event_study(level=90)
    assert (es["cb_high"] - es["cb_low"] > es["ci_high"] - es["ci_low"]).all()
    wald = r.test("Tp0 = Tp1")
    assert wald.distribution == "chi2" and 0 < wald.pvalue < 1
    assert r.aggregate("group").terms == ("ATT", "G2004", "G2006", "G2007")
    assert r.aggregate("calendar").terms[0] == "ATT"
    with pytest.raises(SpecError, match="no 'cohort' aggregation"):
        r.aggregate("cohort")
    json.dumps(r.to_dict())
    assert "Callaway-Sant'Anna" in str(r) and "Tp3" in str(r)


def test_etable_columns(mpdta: pd.DataFrame) -> None:
    models = [
        vcereg.did(f"lemp ~ 1 | did({m} first_treat, simple) {PANEL}", mpdta)
        for m in ("cs", "sa", "bjs", "etwfe")
    ]
    table = vcereg.etable(models, titles=["CS", "SA", "BJS", "ETWFE"])
    text = table.to_text()
    assert "ATT" in text and "Observations" in text
    att = [f"{float(m.params['ATT']):.3f}" for m in models]
    for value in att:
        assert value.replace("0.", ".") in text or value in text
    assert "R-squared" not in text  # statistics a DiD result does not have vanish
    assert "\\begin{tabular}" in table.to_latex()


def test_plot(mpdta: pd.DataFrame) -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    r = vcereg.did(f"lemp ~ 1 | did(sa first_treat) {PANEL}", mpdta)
    fig = r.plot()
    ax = fig.axes[0]
    assert len(ax.containers) == 2  # pre and post error bars
    assert len(ax.collections) >= 2  # uniform bands
    x = sorted(float(v) for c in ax.containers for v in c.lines[0].get_xdata())
    assert x == r.event_study().index.tolist()
    fig.savefig(Path(matplotlib.get_cachedir()) / "did_plot_test.png")


def test_data_as_users_have_it(mpdta: pd.DataFrame) -> None:
    """int16 years, nullable integer cohorts with <NA> for never treated, string ids and a
    rescaled outcome give the same (or proportionally scaled) estimates."""
    base = vcereg.did(f"lemp ~ 1 | did(bjs first_treat) {PANEL}", mpdta)
    d = mpdta.copy()
    d["year"] = d["year"].astype("int16")
    d["first_treat"] = d["first_treat"].astype("Int64").mask(d["first_treat"] == 0)
    d["countyreal"] = "c" + d["countyreal"].astype(str)
    d["lemp"] = d["lemp"] * 1e6
    r = vcereg.did(f"lemp ~ 1 | did(bjs first_treat) {PANEL}", d)
    np.testing.assert_allclose(r.params, base.params * 1e6, rtol=1e-9)
    np.testing.assert_allclose(r.tstat, base.tstat, rtol=1e-9)
    assert d["lemp"].iloc[0] == mpdta["lemp"].iloc[0] * 1e6  # the user's frame untouched


def test_weights_and_if(mpdta: pd.DataFrame) -> None:
    d = mpdta.assign(w=np.exp(mpdta["lpop"]) / 10)
    r = vcereg.did(f"lemp ~ 1 | did(cs first_treat, reg gt) {PANEL} | weights(w)", d)
    # weighted 2x2: difference of weighted mean changes (weights of the base year)
    wide = d.pivot(index="countyreal", columns="year", values="lemp")
    first = d.groupby("countyreal").first()
    dy = wide[2004] - wide[2003]
    t, c = first["first_treat"] == 2004, first["first_treat"] == 0
    w = first["w"]
    att = (w[t] * dy[t]).sum() / w[t].sum() - (w[c] * dy[c]).sum() / w[c].sum()
    assert r.params["g2004_t2004"] == pytest.approx(att, rel=REL_IDENTITY)
    sub = vcereg.did(f"lemp ~ 1 | did(cs first_treat, gt) {PANEL} | if(lpop > 3)", mpdta)
    assert sub.n_units == int((mpdta.groupby("countyreal")["lpop"].first() > 3).sum())


def test_errors(mpdta: pd.DataFrame) -> None:
    with pytest.raises(MissingVariableError, match="first_treatt"):
        vcereg.did(f"lemp ~ 1 | did(cs first_treatt) {PANEL}", mpdta)
    with pytest.raises(SpecError, match="unknown DiD estimator") as err:
        vcereg.did(f"lemp ~ 1 | did(csd first_treat) {PANEL}", mpdta)
    assert "cs" in (err.value.hint or "")
    with pytest.raises(SpecError, match="no option 'notyt'") as err:
        vcereg.parse(f"lemp ~ 1 | did(cs first_treat, notyt) {PANEL}")
    assert "notyet" in (err.value.hint or "")
    with pytest.raises(NotSupportedError, match=r"vcereg\.did"):
        vcereg.regress(f"lemp ~ 1 | did(cs first_treat) {PANEL}", mpdta)
    with pytest.raises(NotSupportedError, match="drimp"):
        vcereg.did("csdid lemp lpop, ivar(countyreal) time(year) gvar(first_treat)", mpdta)
    with pytest.raises(SpecError, match="hc3"):
        vcereg.did(f"lemp ~ 1 | did(cs first_treat) {PANEL} | vce(hc3)", mpdta)
    bad = mpdta.copy()
    bad.loc[0, "first_treat"] = 2004  # the cohort changes within a county
    with pytest.raises(DataError, match="varies within 1 unit"):
        vcereg.did(f"lemp ~ 1 | did(cs first_treat) {PANEL}", bad)
    dup = pd.concat([mpdta, mpdta.iloc[:1]])
    with pytest.raises(DataError, match=r"more than once"):
        vcereg.did(f"lemp ~ 1 | did(bjs first_treat) {PANEL}", dup)
    with pytest.raises(SpecError, match="period variable"):
        vcereg.did("lemp ~ 1 | did(cs first_treat, id(countyreal))", mpdta)


def test_no_never_treated(mpdta: pd.DataFrame) -> None:
    d = mpdta[mpdta["first_treat"] > 0]
    sa = vcereg.did(f"lemp ~ 1 | did(sa first_treat) {PANEL}", d)
    assert "Control cohort" in sa.details and sa.details["Control cohort"] == "last"
    with pytest.warns(vcereg.VceregWarning, match="no never-treated units"):
        cs = vcereg.did(f"lemp ~ 1 | did(cs first_treat, gt) {PANEL}", d)
    assert cs.aggregate("gt").tidy()["period"].max() < 2007


@pytest.mark.parametrize(
    "model",
    [
        f"lemp ~ lpop | did(cs first_treat, notyet ipw universal anticipation(1) reps(99)) {PANEL}"
        " | vce(cluster countyreal)",
        f"lemp ~ 1 | did(bjs first_treat, horizons(0 1) pretrends(2)) {PANEL}",
        "csdid lemp, ivar(countyreal) time(year) gvar(first_treat) notyet",
    ],
)
def test_model_string_round_trip(model: str) -> None:
    spec = vcereg.parse(model)
    again = vcereg.parse(vcereg.to_dsl(spec))
    assert again.did == spec.did and again.vce.args == spec.vce.args
    with pytest.raises(NotSupportedError, match="DiD model"):
        vcereg.to_stata(spec)
