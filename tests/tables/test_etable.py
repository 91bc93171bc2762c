"""etable options and errors, on the statsmodels-backed fixtures (see conftest.py)."""

from __future__ import annotations

import dataclasses

import pytest

import vcereg
from vcereg.errors import RenderError
from vcereg.tables import ETable, PanelKind, RowKind, etable
from vcereg.tables.markup import plain

from .conftest import with_omitted

LEGEND = "* p<0.10, ** p<0.05, *** p<0.01"


def cells(table: ETable, key: str, kind: RowKind = RowKind.COEF) -> list[str]:
    row = next(r for r in table.table.rows() if r.key == key and r.kind is kind)
    return [c.text for c in row.cells]


def labels(table: ETable, kind: RowKind) -> list[str]:
    return [r.label for r in table.table.rows() if r.kind is kind]


def notes(table: ETable) -> list[str]:
    """The notes as the text formats print them (non-breaking spaces as spaces)."""
    return [plain(n).replace("\u00a0", " ") for n in table.table.notes]


def test_single_result_and_default_layout(fake_ols) -> None:
    t = etable(fake_ols)
    assert t.table.ncols == 1
    assert labels(t, RowKind.COEF) == ["absences", "Constant"]
    assert cells(t, "Intercept") == ["10.303***"]
    assert cells(t, "Intercept", RowKind.BELOW) == ["(0.283)"]
    assert [r.key for r in t.table.header] == ["depvar", "numbers"]
    assert labels(t, RowKind.STAT) == ["Observations", "R-squared", "Adj. R-squared"]
    assert notes(t) == [f"Standard errors in parentheses; {LEGEND}"]
    assert str(t) == t.to_text() == repr(t)
    assert t._repr_html_() == t.to_html()


def test_three_models(fake_models) -> None:
    t = etable(fake_models)
    assert labels(t, RowKind.COEF) == ["absences", "age", "C(school)[T.MS]", "Constant"]
    assert cells(t, "age") == ["", "-0.621***", "-0.666**"]
    assert cells(t, "nobs", RowKind.STAT) == ["395", "395", "395"]
    assert cells(t, "n_clusters:school", RowKind.STAT) == ["", "", "2"]
    assert notes(t)[0] == (
        "Standard errors in parentheses: conventional in (1); robust (HC1) in (2); "
        f"clustered by school in (3); {LEGEND}"
    )
    assert (
        notes(t)[1] == "(3) Only 2 clusters in school: cluster-robust inference may be unreliable"
    )
    assert notes(t)[2].startswith("(3) 2 clusters is too few")
    t = etable(fake_models, stats=["nobs", "vce"])
    assert cells(t, "vce", RowKind.STAT) == ["Conventional", "Robust (HC1)", "Clustered by school"]
    assert notes(t)[0] == f"Standard errors in parentheses; {LEGEND}"  # the row says which


def test_mapping_gives_titles(fake_ols, fake_robust) -> None:
    t = etable({"Baseline": fake_ols, "Robust": fake_robust}, model_numbers=False)
    assert [r.key for r in t.table.header] == ["depvar", "titles"]
    assert [c.text for c in t.table.header[1].cells] == ["Baseline", "Robust"]


@pytest.mark.parametrize(
    ("below", "expected", "note"),
    [
        ("se", "(0.026)", "Robust (HC1) standard errors in parentheses"),
        ("t", "(1.41)", "t statistics in parentheses, from robust (HC1) standard errors"),
        ("p", "(0.158)", "p-values in parentheses, from robust (HC1) standard errors"),
        ("ci", "[-0.014, 0.088]", "95% confidence intervals in brackets, from robust (HC1)"),
    ],
)
def test_below(fake_robust, below: str, expected: str, note: str) -> None:
    t = etable(fake_robust, below=below)
    assert cells(t, "absences", RowKind.BELOW) == [expected]
    assert notes(t)[0].startswith(note)


def test_below_none_and_no_stars(fake_robust) -> None:
    t = etable(fake_robust, below=None, stars=None)
    assert labels(t, RowKind.BELOW) == []
    assert cells(t, "age") == ["-0.621"]
    assert t.table.notes == ()


def test_stars_mapping(fake_robust) -> None:
    t = etable(fake_robust, stars={"+": 0.10, "*": 0.05, "**": 0.001})
    assert cells(t, "age") == ["-0.621*"]
    assert notes(t)[0].endswith("+ p<0.10, * p<0.05, ** p<0.001")
    assert notes(etable(fake_robust, stars={0.01: "†"}))[0].endswith("† p<0.01")


def test_keep_drop_order(fake_models) -> None:
    assert labels(etable(fake_models, keep="absences"), RowKind.COEF) == ["absences"]
    # exact name first: "age" does not pull in other terms containing "age"
    assert labels(etable(fake_models, keep=["age", r"^C\("]), RowKind.COEF) == [
        "age",
        "C(school)[T.MS]",
    ]
    assert labels(etable(fake_models, drop=["Intercept", "school"]), RowKind.COEF) == [
        "absences",
        "age",
    ]
    assert labels(etable(fake_models, keep="_cons"), RowKind.COEF) == ["Constant"]
    ordered = etable(fake_models, order=["age", "Intercept"])
    assert labels(ordered, RowKind.COEF) == ["age", "Constant", "absences", "C(school)[T.MS]"]
    first = etable(fake_models, intercept_last=False)
    assert labels(first, RowKind.COEF)[0] == "Constant"


def test_labels_apply_to_terms_depvar_and_cluster_rows(fake_models) -> None:
    t = etable(
        fake_models,
        labels={"absences": "Absences", "G3": "Final grade", "school": "School"},
        intercept_label="Intercept",
    )
    assert labels(t, RowKind.COEF) == ["Absences", "age", "C(school)[T.MS]", "Intercept"]
    depvar = next(r for r in t.table.header if r.key == "depvar")
    assert [(c.text, c.span) for c in depvar.cells] == [("Final grade", 3), ("", 0), ("", 0)]
    assert "Clusters" in labels(t, RowKind.STAT)  # one cluster variable: no "(School)"
    assert "clustered by School in (3)" in notes(t)[0]
    assert notes(t)[1].startswith("(3) Only 2 clusters in School")


def test_stats_labels_and_fixed_effects(fake_ols, fake_robust) -> None:
    fe = dataclasses.replace(fake_robust, fixed_effects=("school", "Mjob"), rsquared_within=0.02)
    t = etable([fake_ols, fe], stats={"N": "N", "r2_within": None, "fe": None, "ssc": None})
    assert labels(t, RowKind.STAT) == [
        "N",
        "Within R-squared",
        "school FE",
        "Mjob FE",
        "Small-sample adj.",
    ]
    assert cells(t, "fe:school", RowKind.STAT) == ["No", "Yes"]
    assert cells(t, "r2_within", RowKind.STAT) == ["", "0.020"]
    # within R-squared vanishes when no model has it
    assert "Within R-squared" not in labels(etable(fake_ols), RowKind.STAT)
    t2 = etable(fe, stats=[("fe", "Fixed effect: {}"), ("f", "F")], labels={"Mjob": "Mother's job"})
    assert labels(t2, RowKind.STAT) == ["Fixed effect: school", "Fixed effect: Mother's job", "F"]


def test_add_rows_and_extra_notes(fake_ols, fake_robust) -> None:
    t = etable(
        [fake_ols, fake_robust],
        add_rows={"Controls": ["No", "Yes"], "Bandwidth": [1000, 0.5]},
        notes="Source: UCI.",
    )
    extra = t.table.panel(PanelKind.EXTRA)
    assert extra is not None
    assert [[c.text for c in r.cells] for r in extra.rows] == [["No", "Yes"], ["1,000", "0.500"]]
    assert t.table.notes[-1] == "Source: UCI."
    t2 = etable([fake_ols, fake_robust], add_rows=[("Sample", ["all", "all"])], notes=False)
    assert t2.table.notes == ()


def test_show_omitted(fake_robust) -> None:
    r = with_omitted(fake_robust, "absences2")
    assert "absences2" not in labels(etable(r), RowKind.COEF)
    t = etable(r, show_omitted=True)
    assert cells(t, "absences2") == ["(omitted)"]
    assert cells(t, "absences2", RowKind.BELOW) == [""]
    assert (
        etable(r, diagnostics="all").table.notes[-1] == "absences2 omitted because of collinearity"
    )


def test_digits(fake_ols) -> None:
    t = etable(fake_ols, digits=5)
    assert cells(t, "absences") == ["0.01961"]
    assert cells(t, "r2", RowKind.STAT) == ["0.00117"]


def test_file_and_save(fake_models, tmp_path) -> None:
    t = etable(fake_models, file=tmp_path / "t.tex")
    assert (tmp_path / "t.tex").read_text() == t.to_latex()
    for name, method in [("a.txt", t.to_text), ("a.md", t.to_markdown)]:
        assert t.save(tmp_path / name).read_text() == method()
    page = t.save(tmp_path / "a.htm").read_text()
    assert page.startswith("<!DOCTYPE html>") and t.to_html() in page
    assert t.save(tmp_path / "x.out", format="md").read_text() == t.to_markdown()
    etable(fake_models, file=tmp_path / "t.dat", format="latex")
    assert (tmp_path / "t.dat").read_text() == t.to_latex()


def test_latex_caption_wraps_in_table(fake_ols) -> None:
    tex = etable(fake_ols, caption="Grades & absences", label="tab:g").to_latex()
    assert r"\begin{table}[htbp]" in tex
    assert r"\caption{Grades \& absences}" in tex and r"\label{tab:g}" in tex


# --- errors ------------------------------------------------------------------------


def test_unknown_format(fake_ols, tmp_path) -> None:
    t = etable(fake_ols)
    with pytest.raises(
        RenderError, match=r"(?s)unknown table format 'markdwn'.*did you mean 'markdown'"
    ):
        t.render("markdwn")
    with pytest.raises(RenderError, match=r"expected one of text, markdown, latex, html"):
        etable(fake_ols, format="pdf")
    with pytest.raises(RenderError, match=r"(?s)'t\.rtf'.*\.txt, \.md.*\.docx, \.xlsx"):
        t.save(tmp_path / "t.rtf")
    with pytest.raises(
        RenderError, match=r"(?s)docx is a binary file format.*save\('table.docx'\)"
    ):
        t.render("word")
    with pytest.raises(RenderError, match=r"did you mean '\.htm'"):
        t.save(tmp_path / "t.hmt")


@pytest.mark.parametrize("option", ["keep", "drop", "order"])
def test_pattern_matching_nothing(fake_models, option: str) -> None:
    with pytest.raises(RenderError) as err:
        etable(fake_models, **{option: ["absences", "absenses"]})
    message = str(err.value)
    assert f"{option}= pattern 'absenses' matches no term" in message
    assert "available terms: Intercept, absences, age, C(school)[T.MS]" in message
    assert "did you mean 'absences'?" in message


def test_bad_regex(fake_ols) -> None:
    with pytest.raises(RenderError, match="not a valid regular expression"):
        etable(fake_ols, keep="abs(")


@pytest.mark.parametrize("below", ["stderr", "SE2", 1])
def test_bad_below(fake_ols, below: object) -> None:
    with pytest.raises(RenderError, match=r"unknown below= value .*'se', 't', 'p', 'ci' or None"):
        etable(fake_ols, below=below)  # type: ignore[arg-type]
    with pytest.raises(RenderError, match="did you mean 'se'"):
        etable(fake_ols, below="sd")


@pytest.mark.parametrize(
    ("stars", "match"),
    [
        ((0.1, 1.5), "between 0 and 1"),
        ((0.1, 0.1), "repeats"),
        ({"*": 0.1, "**": "0.05"}, "between 0 and 1"),
        ({"": 0.1}, "non-empty string"),
        ("***", "expects p-value thresholds"),
        (0.05, "expects p-value thresholds"),
    ],
)
def test_bad_stars(fake_ols, stars: object, match: str) -> None:
    with pytest.raises(RenderError, match=match):
        etable(fake_ols, stars=stars)


def test_other_bad_options(fake_models, fake_ols) -> None:
    with pytest.raises(RenderError, match="titles= has 1 entries for 3 models"):
        etable(fake_models, titles=["A"])
    with pytest.raises(RenderError, match="row 'X' has 2 values for 3 models"):
        etable(fake_models, add_rows={"X": [1, 2]})
    with pytest.raises(RenderError, match="digits="):
        etable(fake_ols, digits=-1)
    with pytest.raises(RenderError, match="latex_env"):
        etable(fake_ols, latex_env="longtable")
    with pytest.raises(RenderError, match="needs latex_env"):
        etable(fake_ols, latex_env="tabular", caption="x")
    with pytest.raises(RenderError, match="at least one result"):
        etable([])
    with pytest.raises(RenderError, match="stats= expects"):
        etable(fake_ols, stats=[("r2", 3)])


def test_print_uses_the_requested_format() -> None:
    d = vcereg.datasets.load("student-mat")
    r = vcereg.regress("G3 ~ absences", d)
    table = vcereg.etable([r], format="markdown")
    assert str(table) == table.to_markdown()
    assert str(vcereg.etable([r])) == vcereg.etable([r]).to_text()
    assert str(vcereg.etable([r], format="latex")).lstrip().startswith(("%", "\\begin"))
