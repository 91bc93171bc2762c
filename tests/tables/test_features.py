"""What esttab, modelsummary and fixest's etable users take for granted: column groups,
the dependent variable's mean and SD, per-statistic digits, t/p/CI below or beside,
indicate rows, standardized coefficients, stacked panels, note switches, raw LaTeX,
fragments; and the plots (coefplot order, marginsplot).

References: statsmodels (standardized regression, DescrStatsW), pandas, and Stata's
definitions quoted in each test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.weightstats import DescrStatsW

import vcereg
from vcereg.errors import RenderError
from vcereg.tables import PanelKind, RowKind, etable, stack
from vcereg.tables.markup import latex_to_text, plain


def row(t: vcereg.ETable, key: str) -> list[str]:
    return [c.text for c in next(r for r in t.table.rows() if r.key == key).cells]


@pytest.fixture(scope="module")
def student() -> pd.DataFrame:
    d = vcereg.datasets.load("student-mat")
    d["w"] = 1.0 + (d.index % 3)
    return d


# --- standardized coefficients ------------------------------------------------------------


@pytest.mark.parametrize("weights", [None, "w"])
def test_beta_equals_the_regression_on_standardized_variables(student, weights) -> None:
    """Stata's Beta: the coefficients of y/sd(y) on x/sd(x), with the model's (analytic)
    weights; checked against statsmodels WLS on the standardized variables, 1e-10."""
    d = student
    spec = "G3 ~ absences + age + studytime" + (
        f" | weights({weights}, aweight)" if weights else ""
    )
    r = vcereg.regress(spec, d)
    w = d[weights].to_numpy(float) if weights else np.ones(len(d))
    w = w * len(w) / w.sum()

    def z(v: pd.Series) -> np.ndarray:
        x = v.to_numpy(float)
        m = np.sum(w * x) / np.sum(w)
        return x / np.sqrt(np.sum(w * (x - m) ** 2) / (len(x) - 1))

    X = sm.add_constant(np.column_stack([z(d[c]) for c in ("absences", "age", "studytime")]))
    ref = sm.WLS(z(d["G3"]), X, weights=w).fit().params[1:]
    np.testing.assert_allclose(r.beta[["absences", "age", "studytime"]], ref, rtol=1e-10)
    assert np.isnan(r.beta["Intercept"])


def test_beta_is_invariant_to_rescaling_a_regressor(student) -> None:
    d = student.assign(absences_k=student.absences * 1e6)
    a = vcereg.regress("G3 ~ absences + age", d).beta["absences"]
    b = vcereg.regress("G3 ~ absences_k + age", d).beta["absences_k"]
    assert a == pytest.approx(b, rel=1e-10)


def test_beta_in_tables_and_with_absorbed_effects(student) -> None:
    r = vcereg.regress("G3 ~ absences + age | vce(robust)", student)
    t = etable(r, beta=True, digits=4)
    assert row(t, "absences")[0].startswith(f"{r.beta['absences']:.4f}")
    se = r.se["absences"] * r.beta["absences"] / r.params["absences"]
    assert row(t, "absences")[0] != row(etable(r), "absences")[0]
    below = next(x for x in t.table.rows() if x.key == "absences" and x.kind is RowKind.BELOW)
    assert below.cells[0].text == f"({se:.4f})"
    assert "Intercept" not in [x.key for x in t.table.rows()]
    assert "Standardized coefficients" in plain(t.table.notes[0])
    fe = vcereg.regress("G3 ~ absences + age | fe(school)", student)
    within = vcereg.regress("G3 ~ absences + age + C(school)", student)
    # the same slopes, the same sample: the same standardized coefficient
    assert fe.beta["age"] == pytest.approx(within.beta["age"], rel=1e-8)
    with pytest.raises(RenderError, match=r"beta=True: model \(2\) has no standardized"):
        etable([r, r.margins(dydx="age")], beta=True)


# --- the dependent variable ----------------------------------------------------------------


def test_ymean_and_ysd_match_summarize(student) -> None:
    """esttab's ``estadd ysumm``: mean and SD of y on the estimation sample, weighted."""
    d = student.assign(G3=student.G3.where(student.index % 10 != 0))  # some y missing
    r = vcereg.regress("G3 ~ absences | weights(w, aweight)", d)
    ok = d.G3.notna()
    ref = DescrStatsW(d.G3[ok], weights=d.w[ok] * ok.sum() / d.w[ok].sum(), ddof=1)
    assert r.depvar_mean == pytest.approx(ref.mean, rel=1e-12)
    assert r.depvar_sd == pytest.approx(ref.std, rel=1e-12)
    fe = vcereg.regress("G3 ~ absences | fe(school)", d)  # the demeaned y is not the y
    assert fe.depvar_mean == pytest.approx(d.G3.mean(), rel=1e-12)
    t = etable([r, fe], stats=["ymean", ("ysd", "SD", 1)])
    assert row(t, "ymean") == [f"{r.depvar_mean:.3f}", f"{fe.depvar_mean:.3f}"]
    assert row(t, "ysd") == [f"{r.depvar_sd:.1f}", f"{fe.depvar_sd:.1f}"]


# --- cells ---------------------------------------------------------------------------------


def test_digits_by_kind_and_statistic(fake_models) -> None:
    t = etable(fake_models, digits={"b": 2, "se": 4, "r2": 1, "nobs": 0}, stats=["nobs", "r2"])
    assert row(t, "age")[1] == "-0.62***"
    below = next(r for r in t.table.rows() if r.key == "age" and r.kind is RowKind.BELOW)
    assert below.cells[1].text == f"({fake_models[1].se['age']:.4f})"
    assert row(t, "r2") == [f"{m.rsquared:.1f}" for m in fake_models]
    t = etable(fake_models, stats=[("r2", "R2", 4)], digits={"stats": 1})
    assert row(t, "r2")[0] == f"{fake_models[0].rsquared:.4f}"
    with pytest.raises(RenderError, match=r"digits= key 'bb' is neither"):
        etable(fake_models, digits={"bb": 2})
    with pytest.raises(RenderError, match="integer from 0 to 12"):
        etable(fake_models, digits={"b": 13})


@pytest.mark.parametrize("below", ["se", "t", "p", "ci"])
def test_beside_puts_the_statistic_in_the_cell(fake_robust, below: str) -> None:
    under = etable(fake_robust, below=below)
    beside = etable(fake_robust, below=below, beside=True)
    top = row(under, "age")[0]
    sub = next(r for r in under.table.rows() if r.key == "age" and r.kind is RowKind.BELOW)
    assert row(beside, "age") == [f"{top} {sub.cells[0].text}"]
    assert not [r for r in beside.table.rows() if r.kind is RowKind.BELOW]
    assert "beside the coefficients" in plain(beside.table.notes[0])


def test_indicate_rows(student) -> None:
    a = vcereg.regress("G3 ~ absences + C(Mjob)", student)
    b = vcereg.regress("G3 ~ absences", student)
    t = etable([a, b], indicate={"Mother's job": r"^C\(Mjob\)"})
    assert row(t, "indicate:Mother's job") == ["Yes", "No"]
    assert not [r for r in t.table.rows() if "Mjob" in r.key and r.kind is RowKind.COEF]
    t = etable([a, b], indicate=[("Job", ["Mjob"], ("✓", ""))])
    assert row(t, "indicate:Job") == ["✓", ""]
    with pytest.raises(RenderError, match="indicate= pattern 'Fjob' matches no term"):
        etable([a, b], indicate={"Father": "Fjob"})


# --- header --------------------------------------------------------------------------------


def test_groups_and_depvar_spans(fake_models) -> None:
    t = etable(fake_models, groups=[("A", [1]), ("B", [2, 3])])
    groups = next(r for r in t.table.header if r.key == "groups")
    assert [(c.text, c.span) for c in groups.cells] == [("A", 1), ("B", 2), ("", 0)]
    assert groups.ruled
    each = etable(fake_models, depvar="each")
    assert [r.key for r in each.table.header] == ["numbers", "depvar"]
    assert [r.key for r in etable(fake_models, depvar=False).table.header] == ["numbers"]
    html = t.to_html()
    assert 'colspan="2" class="group">B</th>' in html
    groups_line = t.to_markdown().splitlines()[2]  # a spanning header stands in its first column
    assert [c.strip() for c in groups_line.split("|")[1:-1]] == ["", "A", "B", ""]
    bad_groups = [
        ({"A": 4}, "outside 1..3"),
        ({"A": [1, 3]}, "not consecutive"),
        ({"A": 2, "B": [2]}, "overlaps"),
        ({"A": "x"}, "number of models"),
    ]
    for bad, match in bad_groups:
        with pytest.raises(RenderError, match=match):
            etable(fake_models, groups=bad)


# --- notes ---------------------------------------------------------------------------------


def test_note_switches(fake_models) -> None:
    base = etable(fake_models)
    assert len(base.table.notes) >= 2
    assert etable(fake_models, legend=False).table.notes == base.table.notes[1:]
    assert etable(fake_models, diagnostics=False).table.notes == base.table.notes[:1]
    assert etable(fake_models, notes=False).table.notes == ()
    assert etable(fake_models, notes=["a", "b"]).table.notes[-2:] == ("a", "b")
    everything = etable(fake_models, diagnostics="all").table.notes
    assert any("2 clusters is too few" in n for n in everything)
    with pytest.raises(RenderError, match="diagnostics="):
        etable(fake_models, diagnostics="some")


# --- LaTeX ---------------------------------------------------------------------------------


def test_fragment_is_rows_only(fake_models) -> None:
    tex = etable(fake_models, latex_env="fragment").to_latex()
    body = tex.splitlines()[1:]
    assert body[0] == r"\toprule" and body[-1] == r"\bottomrule"
    assert r"\begin{tabular}" not in tex and r"\sym" not in tex and r"\ensuremath{^{***}}" in tex
    with pytest.raises(RenderError, match="needs latex_env='table'"):
        etable(fake_models, latex_env="fragment", caption="x")


def test_latex_to_text() -> None:
    assert latex_to_text(r"$\ln w_{it}$") == "ln wᵢₜ"
    assert latex_to_text(r"\textit{Panel A:} $\alpha \times \beta^2$") == "Panel A: α × β²"
    assert latex_to_text(r"50\% \& $x_{max}, y_{b}$") == "50% & xₘₐₓ, y_b"


# --- panels --------------------------------------------------------------------------------


def test_stack_shares_columns(student) -> None:
    tables = {}
    for s, name in (("F", "Panel A: Women"), ("M", "Panel B: Men")):
        g = student[student.sex == s]
        models = [vcereg.regress(f, g) for f in ("G3 ~ absences", "G3 ~ absences + age")]
        tables[name] = etable(models, stats=["nobs"], keep="absences")
    t = stack(tables, caption="By sex", notes="Source: UCI.")
    titles = [p.title for p in t.table.panels]
    assert titles == ["Panel A: Women", "", "Panel B: Men", ""]
    assert [p.kind for p in t.table.panels] == [PanelKind.COEFFICIENTS, PanelKind.STATISTICS] * 2
    text = t.to_text()
    assert text.index("Panel A: Women") < text.index("Panel B: Men")
    assert r"\textit{Panel B: Men}" in t.to_latex() and r"\caption{By sex}" in t.to_latex()
    assert t.table.notes[-1] == "Source: UCI."
    assert sum("Standard errors" in plain(n) for n in t.table.notes) == 1
    with pytest.raises(RenderError, match="has 1 columns; the first has 2"):
        stack([tables["Panel A: Women"], etable(vcereg.regress("G3 ~ age", student))])


# --- describe -------------------------------------------------------------------------------


def test_describe_digits_and_spans(student) -> None:
    t = vcereg.describe(student, ["G3"], by="sex", stats=["mean", "sd"], digits={"mean": 1})
    assert row(t, "G3")[:2] == [
        f"{student.G3[student.sex == 'F'].mean():.1f}",
        f"{student.G3[student.sex == 'F'].std():.2f}",
    ]
    assert r"\multicolumn{2}{c}{F}" in t.to_latex() and r"\cmidrule(lr){2-3}" in t.to_latex()


# --- plots -----------------------------------------------------------------------------------


def test_coefplot_order_and_marginsplot(student) -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    r = vcereg.regress("G3 ~ absences + age + studytime", student)
    fig = vcereg.coefplot(r, order=["studytime"])
    assert [x.get_text() for x in fig.axes[0].get_yticklabels()] == ["studytime", "absences", "age"]
    m = r.margins(at={"absences": [0, 10, 20]}, over="sex")
    fig = vcereg.marginsplot(m, labels={"absences": "Absences"})
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Absences"
    lines = [line for line in ax.get_lines() if line.get_linestyle() == "-"]
    assert sorted(tuple(line.get_xdata()) for line in lines) == [(0, 10, 20), (0, 10, 20)]
    ys = sorted(y for line in lines for y in line.get_ydata())
    np.testing.assert_allclose(ys, sorted(m["estimate"]), rtol=1e-12)
    effects = vcereg.marginsplot(r.margins(dydx=["absences", "age"]))
    ticks = [x.get_text() for x in effects.axes[0].get_xticklabels()]
    assert ticks == ["absences", "age"]
    with pytest.raises(RenderError, match="x='age' is not set"):
        vcereg.marginsplot(m, x="age")
