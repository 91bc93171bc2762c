"""margins(): hand-derived AMEs and delta-method SEs, and marginaleffects' avg_slopes on
statsmodels fits.

Every margin of a linear model is g'b, so the hand derivations below write g from the
textbook formula and check both g'b and sqrt(g'Vg) with the fit's own covariance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

import vcereg
from vcereg.errors import DataError, MissingVariableError

# Our derivatives are central differences with one Richardson step: exact for
# polynomials up to degree four and ~1e-12 relative for log; the issue asks 1e-6.
EXACT = 1e-9
MARGINALEFFECTS = 1e-6


def _se(r: vcereg.Results, g: dict[str, float]) -> float:
    vec = np.array([g.get(t, 0.0) for t in r.terms])
    return float(np.sqrt(vec @ r.cov.to_numpy() @ vec))


def _check(m: pd.DataFrame, row: str, r: vcereg.Results, g: dict[str, float]) -> None:
    est = sum(r.params[t] * v for t, v in g.items())
    assert m.loc[row, "estimate"] == pytest.approx(est, rel=EXACT, abs=1e-12)
    assert m.loc[row, "std_error"] == pytest.approx(_se(r, g), rel=EXACT)


@pytest.mark.parametrize("vce", ["ols", "robust", "cluster Mjob"])
def test_quadratic_ame_is_b1_plus_2_b2_mean_x(student, vce):
    r = vcereg.regress("G3 ~ absences + I(absences**2) + age", student, vce=vce)
    m = r.margins(dydx="absences")
    assert list(m.columns) == list(r.tidy().columns)
    _check(m, "absences", r, {"absences": 1.0, "I(absences ** 2)": 2 * student["absences"].mean()})
    t = m.loc["absences", "estimate"] / m.loc["absences", "std_error"]
    p = 2 * stats.t.sf(abs(t), r.df_inference) if r.df_inference else 2 * stats.norm.sf(abs(t))
    assert m.loc["absences", "p"] == pytest.approx(p, rel=1e-12)
    if vce.startswith("cluster"):
        assert r.df_inference == student["Mjob"].nunique() - 1


def test_log_cube_and_interaction(student):
    d = student.assign(h=student["health"].astype("int8"))
    r = vcereg.regress("G3 ~ np.log(age) + I(absences**3) + absences + C(sex):absences + h", d)
    m = r.margins(dydx=["age", "absences", "h"])
    _check(m, "age", r, {"np.log(age)": float((1 / d["age"]).mean())})
    share_m = float((d["sex"] == "M").mean())
    _check(
        m,
        "absences",
        r,
        {
            "absences": 1.0,
            "I(absences ** 3)": float((3 * d["absences"] ** 2).mean()),
            "C(sex)[T.M]:absences": share_m,
        },
    )
    _check(m, "h", r, {"h": 1.0})


def test_factor_dydx_is_the_change_from_the_base_level(student):
    r = vcereg.regress("G3 ~ absences * C(Mjob, contr.treatment(base='health'))", student)
    m = r.margins(dydx="Mjob")
    levels = sorted(set(student["Mjob"]) - {"health"})
    assert list(m.index) == [f"{lev}.Mjob" for lev in levels]
    mean_abs = student["absences"].mean()
    for lev in levels:
        term = f"C(Mjob, contr.treatment(base='health'))[T.{lev}]"
        _check(m, f"{lev}.Mjob", r, {term: 1.0, f"absences:{term}": mean_abs})


def test_stata_factor_syntax(student):
    r = vcereg.stata("regress G3 c.absences##i.sex age", student)
    m = r.margins(dydx=["sex", "absences"])
    names = dict(zip(r.terms, r.terms, strict=True))
    dummy = next(t for t in names if "sex" in t and ":" not in t)
    inter = next(t for t in names if "sex" in t and ":" in t)
    _check(m, "M.sex", r, {dummy: 1.0, inter: student["absences"].mean()})
    _check(m, "absences", r, {"absences": 1.0, inter: float((student["sex"] == "M").mean())})


def test_predictive_margins_at_values(student):
    r = vcereg.regress("G3 ~ absences + I(absences**2) + C(school)", student)
    m = r.margins(at={"absences": [0, 10, 20]})
    share = float((student["school"] == "MS").mean())
    for v in (0, 10, 20):
        _check(
            m,
            f"absences={v}",
            r,
            {"Intercept": 1.0, "absences": v, "I(absences ** 2)": v * v, "C(school)[T.MS]": share},
        )
    overall = r.margins()
    assert overall.loc["_cons", "estimate"] == pytest.approx(student["G3"].mean(), rel=1e-12)
    # dydx at values: b1 + 2 b2 v
    at = r.margins(dydx="absences", at={"absences": [5, 15]})
    _check(at, "absences @ absences=15", r, {"absences": 1.0, "I(absences ** 2)": 30.0})


def test_atmeans_and_over(student):
    r = vcereg.regress("G3 ~ np.log(age) + absences + C(sex)", student)
    m = r.margins(dydx="age", atmeans=True)
    _check(m, "age", r, {"np.log(age)": 1 / student["age"].mean()})
    pm = r.margins(atmeans=True)
    g = {
        "Intercept": 1.0,
        "np.log(age)": np.log(student["age"].mean()),
        "absences": student["absences"].mean(),
        "C(sex)[T.M]": float((student["sex"] == "M").mean()),
    }
    _check(pm, "_cons", r, g)
    by = r.margins(dydx="age", over="school")
    for school, grp in student.groupby("school"):
        _check(by, f"age | school={school}", r, {"np.log(age)": float((1 / grp["age"]).mean())})


def test_weighted_fit_averages_with_its_weights(student):
    r = vcereg.regress(
        "G3 ~ absences + I(absences**2) | weights(Medu)", student[student["Medu"] > 0]
    )
    d = student[student["Medu"] > 0]
    wmean = float(np.average(d["absences"], weights=d["Medu"]))
    _check(
        r.margins(dydx="absences"), "absences", r, {"absences": 1.0, "I(absences ** 2)": 2 * wmean}
    )


def test_absorbed_effects(grunfeld):
    r = vcereg.regress("invest ~ value + I(value**2) | fe(firm)", grunfeld)
    _check(
        r.margins(dydx="value"),
        "value",
        r,
        {"value": 1.0, "I(value ** 2)": 2 * grunfeld["value"].mean()},
    )
    pm = r.margins()  # x b + _cons averaged over the sample: the margin is mean(y)
    assert pm.loc["_cons", "estimate"] == pytest.approx(grunfeld["invest"].mean(), rel=1e-10)
    # over(): each firm's own x, and the effects only through _cons (Stata's predict(xb));
    # tests/postestimation/test_margins_absorbed.py checks the standard errors
    by = r.margins(over="firm")
    b = r.params
    for firm, grp in grunfeld.groupby("firm"):
        want = b["Intercept"] + b["value"] * grp["value"].mean()
        want += b["I(value ** 2)"] * (grp["value"] ** 2).mean()
        assert by.loc[f"_cons | firm={firm}", "estimate"] == pytest.approx(want, rel=1e-10)


def test_bad_requests_are_clear(student):
    r = vcereg.regress("G3 ~ absences + C(Mjob)", student)
    with pytest.raises(MissingVariableError, match="did you mean 'absences'"):
        r.margins(dydx="absence")
    with pytest.raises(DataError, match="astronaut"):
        r.margins(at={"Mjob": ["astronaut"]})
    with pytest.raises(DataError, match="numeric"):
        r.margins(at={"absences": "many"})


def test_matches_marginaleffects_avg_slopes(student):
    me = pytest.importorskip("marginaleffects")
    # marginaleffects 0.6 breaks on categorical columns with polars 2, so numeric terms only.
    formula = "G3 ~ absences + I(absences**2) + np.log(age) + studytime + studytime:absences"
    sm = smf.ols(formula, student).fit(cov_type="HC1")
    # Its default step for the Jacobian in b (eps_vcov) costs it 3 digits of the SE;
    # 1e-4 brings its own error below 1e-6 (it is linear in b, so larger steps are exact).
    theirs = me.avg_slopes(sm, eps_vcov=1e-4).to_pandas().set_index("term")
    ours = vcereg.regress(formula, student, vce="robust").margins(
        dydx=["absences", "age", "studytime"]
    )
    for term in ("absences", "age", "studytime"):
        assert ours.loc[term, "estimate"] == pytest.approx(
            theirs.loc[term, "estimate"], rel=MARGINALEFFECTS
        )
        # d log(age)/d age is the one derivative that is not linear in x: marginaleffects'
        # finite difference in x leaves 2.2e-6 of relative error in its SE there (0.6.0 with
        # pandas 3 / statsmodels 0.15); the exact value is checked below at 1e-12 instead.
        rel = 1e-5 if term == "age" else MARGINALEFFECTS
        assert ours.loc[term, "std_error"] == pytest.approx(theirs.loc[term, "std_error"], rel=rel)
    # exact: the AME of age is b * mean(1/age), so its SE is mean(1/age) * se(b)
    exact = sm.bse["np.log(age)"] * float(np.mean(1.0 / student["age"]))
    assert ours.loc["age", "std_error"] == pytest.approx(exact, rel=1e-12)


def test_user_dtypes_and_scales(student):
    d = student.assign(
        big=student["absences"].astype("Int64") * 10_000_000 + 1_000_000_000,
        age16=student["age"].astype("int16"),
    )
    d.loc[d.index[::11], "big"] = pd.NA
    r = vcereg.regress("G3 ~ np.log(big) + C(age16)", d)
    inside = d["big"].notna()
    m = r.margins(dydx=["big", "age16"])
    big = d.loc[inside, "big"].astype(float)
    _check(m, "big", r, {"np.log(big)": float((1 / big).mean())})
    _check(m, "16.age16", r, {"C(age16)[T.16]": 1.0})


def test_time_series_variables_by_their_stata_names(grunfeld):
    d = grunfeld.assign(fid=pd.factorize(grunfeld["firm"])[0])
    r = vcereg.stata(
        "regress invest L.value c.value#c.value", d, panel=vcereg.spec.PanelSpec("fid", "year")
    )
    m = r.margins(dydx=["L.value", "value"])
    assert list(m.index) == ["L.value", "value"]
    _check(m, "L.value", r, {"L1__value": 1.0})  # the lag is its own variable, as in Stata
    inside = r.predict().notna()
    sq = next(t for t in r.terms if "value" in t and "L1" not in t)
    _check(m, "value", r, {sq: 2 * float(d.loc[inside, "value"].mean())})
    at = r.margins(at={"L.value": [100.0]})
    assert list(at.index) == ["L.value=100"]
