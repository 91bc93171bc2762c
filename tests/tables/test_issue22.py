"""One test per defect of the tables issue (issue 22), on the paper's six-model Table 2 and
Table 1 of a simulated 50,000-row wage panel (``paper_data.py``). Each failed before its
fix. The rendered checks (pdflatex, LibreOffice, Chromium) are in ``test_rendered.py``."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import vcereg
from vcereg.errors import RenderError
from vcereg.tables import Latex, RowKind, etable
from vcereg.tables.markup import plain

from .paper_data import LABELS, table2

docx = pytest.importorskip("docx", reason="python-docx is not installed")
openpyxl = pytest.importorskip("openpyxl", reason="openpyxl is not installed")

MINUS = "\u2212"


def texts(t: vcereg.ETable) -> list[str]:
    return [plain(n).replace("\u00a0", " ") for n in t.table.notes]


def row(t: vcereg.ETable, key: str, kind: RowKind | None = None) -> list[str]:
    found = next(r for r in t.table.rows() if r.key == key and (kind is None or r.kind is kind))
    return [c.text for c in found.cells]


# --- Word -----------------------------------------------------------------------------


def test_word_columns_are_measured_not_equal(paper_models, tmp_path: Path) -> None:
    """Every column had the same width, so labels broke mid-word ("Experien/ce")."""
    doc = docx.Document(str(table2(paper_models).save(tmp_path / "t.docx")))
    widths = [c.width for c in doc.tables[0].rows[-1].cells]
    assert len(set(widths)) > 1
    label_pt = widths[0] / 12700  # EMU per point
    assert label_pt > 7.5 * len("Education (years)") * 0.5  # the longest label fits on a line


def test_word_negative_numbers_use_a_minus_sign_and_stars_are_superscript(
    paper_models, tmp_path: Path
) -> None:
    """Negative numbers split from their ASCII hyphen ("-" / "0.159***"); stars wrapped."""
    doc = docx.Document(str(table2(paper_models).save(tmp_path / "t.docx")))
    female = next(r for r in doc.tables[0].rows if r.cells[0].text == "Female")
    runs = female.cells[1].paragraphs[0].runs
    number = next(r.text for r in runs if any(ch.isdigit() for ch in r.text))
    assert MINUS + "0." in number and "-" not in number
    assert any(r.font.superscript and r.text == "***" for r in runs)
    assert "<w:noWrap/>" in female.cells[1]._tc.xml


def test_word_header_repeats_and_rows_keep_together(paper_models, tmp_path: Path) -> None:
    """A long table broke across pages without repeating its header."""
    doc = docx.Document(str(table2(paper_models).save(tmp_path / "t.docx")))
    grid = doc.tables[0]
    n_header = len(table2(paper_models).table.header)
    flags = ["<w:tblHeader/>" in r._tr.xml for r in grid.rows]
    assert flags == [True] * n_header + [False] * (len(grid.rows) - n_header)
    assert all("<w:cantSplit/>" in r._tr.xml for r in grid.rows)
    assert doc.paragraphs[0].paragraph_format.keep_with_next  # the caption stays with it


# --- Excel ----------------------------------------------------------------------------


def test_excel_keeps_full_precision(paper_models, tmp_path: Path) -> None:
    """A standard error of 0.0004 was stored as 0, so a t from the cells divided by zero."""
    ws = openpyxl.load_workbook(table2(paper_models).save(tmp_path / "t.xlsx")).active
    r = paper_models[0]
    values = {c.value: c for col in ws.iter_cols() for c in col if isinstance(c.value, float)}
    se = r.se["educ"]
    assert round(se, 3) != se  # the displayed digits are not the value
    stored = min(values, key=lambda v: abs(v - se))
    assert stored == pytest.approx(se, rel=1e-15)
    b = min(values, key=lambda v: abs(v - r.params["educ"]))
    assert b / stored == pytest.approx(r.tstat["educ"], rel=1e-13)
    assert values[stored].number_format.startswith('"("0.000")"')


def test_excel_decimals_line_up(paper_models, tmp_path: Path) -> None:
    """Coefficient and SE decimals did not line up: every aligned cell of a column now pads
    to the same stars and parenthesis, and is right-aligned."""
    ws = openpyxl.load_workbook(table2(paper_models).save(tmp_path / "t.xlsx")).active
    for col in ws.iter_cols(min_col=2, max_col=7):
        shapes = set()
        for c in col:
            fmt = c.number_format
            if isinstance(c.value, float) and ('"("' in fmt or "_)" in fmt):
                pos = fmt.split(";")[0]
                stars = pos.count("*") - pos.count("_*")  # literal stars
                shapes.add((stars + pos.count("_*"), pos.count(")")))
                assert c.alignment.horizontal == "right"
        assert len(shapes) == 1, shapes  # same right-hand width everywhere in the column


def test_excel_page_setup_and_one_typeface(paper_models, tmp_path: Path) -> None:
    """No page set-up (Table 2 printed on 3 pages); title and notes in another font."""
    ws = openpyxl.load_workbook(table2(paper_models).save(tmp_path / "t.xlsx")).active
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows
    fonts = {c.font.name for r in ws.iter_rows() for c in r if c.value is not None}
    assert fonts == {"Times New Roman"}


# --- LaTeX ----------------------------------------------------------------------------


def test_latex_siunitx_columns_align_and_keep_counts_as_text(paper_models) -> None:
    """``siunitx=True`` did not align decimals (a parenthesis at the column's edge) and read
    "50,000" as the decimal 50.000."""
    tex = table2(paper_models, siunitx=True).to_latex()
    spec = re.search(r"\\begin\{tabular\}\{(.*)\}\n", tex).group(1)
    assert spec.count("S[") == 6 and spec.count("table-align-text-pre=false") == 6
    assert r"\multicolumn{1}{c}{50,000}" in tex
    assert re.search(r"\{\(\}0\.\d{3}\{\)\}", tex)  # "(" and ")" braced as text


def test_latex_stars_are_superscripts(paper_models) -> None:
    tex = table2(paper_models).to_latex()
    assert r"0.079\sym{***}" in tex and r"\providecommand{\sym}" in tex
    assert "0.079***" not in tex


def test_latex_labels_can_be_raw_latex(paper_models) -> None:
    """Labels were always escaped, so $\\ln w_{it}$ or $R^2$ were impossible."""
    t = table2(
        paper_models,
        labels={**LABELS, "lnwage": r"$\ln w_{it}$"},
        stats=["nobs", ("r2", r"$R^2$", 2)],
        escape=False,
    )
    tex = t.to_latex()
    assert r"\multicolumn{6}{c}{$\ln w_{it}$}" in tex and r"$R^2$ &" in tex
    assert "ln wᵢₜ" in t.to_text() and "R² " in t.to_text()  # plain text elsewhere
    one = etable(paper_models[0], labels={"educ": Latex(r"$\beta$ educ"), "exper": "a_b"})
    assert r"$\beta$ educ" in one.to_latex() and r"a\_b" in one.to_latex()


def test_describe_keeps_its_caption(wage_data: pd.DataFrame) -> None:
    """``describe()`` dropped ``caption=`` in LaTeX."""
    tex = vcereg.describe(wage_data, ["lnwage"], caption="Table 1", label="tab:one").to_latex()
    assert r"\caption{Table 1}" in tex and r"\label{tab:one}" in tex


def test_group_headers_span_their_columns(paper_models) -> None:
    """Group headers sat over one column instead of spanning."""
    tex = table2(paper_models).to_latex()
    assert r"\multicolumn{4}{c}{OLS}" in tex
    assert r"\cmidrule(lr){2-5} \cmidrule(lr){6-6} \cmidrule(lr){7-7}" in tex
    assert r"\multicolumn{6}{c}{Log wage}" in tex


# --- notes ----------------------------------------------------------------------------


def test_g_star_only_when_clusters_are_few(paper_models) -> None:
    """Every clustered column got a G* note, even with 500 clusters (19 lines of notes)."""
    notes = texts(table2(paper_models))
    assert not any("(4)" in n or "(5)" in n for n in notes if "G*" in n)  # 500 firms
    (few,) = [n for n in notes if "G*" in n]
    assert few.startswith("(6) Only 20 clusters in Region (effective number G* ")
    assert len(notes) <= 4
    # all of them, as the models have them, on request
    assert sum("effective number of clusters G*" in n for n in texts(
        table2(paper_models, diagnostics="all"))) == 3  # fmt: skip


def test_g_star_note_when_effective_clusters_are_few(wage_data: pd.DataFrame) -> None:
    """Many clusters, but one carries the variation of a regressor: G* matters."""
    d = wage_data.copy()
    d["rare"] = (d["firm"] == 7).astype(float)  # varies in one firm of 500
    r = vcereg.regress("lnwage ~ educ + rare | vce(cluster firm)", d)
    (note,) = [n for n in texts(etable(r, labels={"rare": "Firm 7", "firm": "Firm"})) if "G*" in n]
    assert note.startswith("Effective number of clusters in Firm below 42")
    assert "Firm 7 1.0" in note and "Education" not in note and "educ" not in note


def test_notes_use_labels_and_only_shown_terms(paper_models) -> None:
    """Notes used raw term names, ignored ``labels=`` and mentioned dropped terms."""
    model = paper_models[5]  # 20 clusters: a G* note per coefficient in the model's notes
    raw = " ".join(model.notes)
    assert "educ" in raw and "union" in raw
    t = etable(model, labels=LABELS, drop=["union"], stats=["nobs"])
    notes = " ".join(texts(t))
    assert "Region" in notes and "region" not in notes
    assert "union" not in notes.lower()


def test_legend_without_diagnostics(paper_models) -> None:
    """``notes=False`` removed both; now each has its own switch."""
    t = table2(paper_models, diagnostics=False, notes="Source: simulated.")
    assert texts(t)[0].startswith("Standard errors in parentheses")
    assert not any("clusters" in n for n in texts(t)[1:] if "Only" in n)
    assert texts(t)[-1] == "Source: simulated."
    assert texts(table2(paper_models, legend=False))[0].startswith("(6) Only 20 clusters")


def test_notes_wrap_at_the_table_width(paper_models) -> None:
    """Notes were hard-wrapped at 80 characters, not at the table's width."""
    text = table2(paper_models).to_text()
    lines = text.splitlines()
    width = len(next(line for line in lines if line.startswith("====")))
    notes = lines[len(lines) - 1 - lines[::-1].index("=" * width) + 1 :]
    assert all(len(n) <= width for n in notes) and max(len(n) for n in notes) > 80
    tex = table2(paper_models).to_latex()
    assert r"\begin{tablenotes}" in tex and r"\multicolumn{7}{l}{\footnotesize" not in tex


def test_one_first_stage_f(paper_models) -> None:
    """The first_f row showed the cluster-robust F while a note printed the conventional
    one, both called "F"."""
    iv = paper_models[4]
    t = table2(paper_models)
    (value,) = [v for v in row(t, "first_f:training") if v]
    robust = iv.iv_stats["first_f:training"]
    assert value == f"{robust:.1f}"
    (note,) = [n for n in iv.notes if n.startswith("first stage for training")]
    conventional = float(re.search(r"= ([\d.]+)", note).group(1))
    assert abs(conventional - robust) > 1  # two different statistics
    notes = " ".join(texts(t))
    assert "first stage for" not in notes.lower() and f"{conventional:.1f}" not in notes


# --- Table 1 ----------------------------------------------------------------------------


def test_categorical_levels_keep_their_names(wage_data: pd.DataFrame) -> None:
    """``labels={"industry": "Industry"}`` turned five level rows into five "Industry"."""
    t = vcereg.describe(wage_data, ["industry"], labels={"industry": "Industry",
                        "industry=Public": "Public sector"}, stats=["mean"])  # fmt: skip
    labels = [r.label for r in t.table.body()]
    assert labels == ["Industry", "Finance", "Manufacturing", "Public sector", "Retail", "Services"]
    assert [r.indent for r in t.table.body()] == [0, 1, 1, 1, 1, 1]


def test_group_order_and_labels(wage_data: pd.DataFrame) -> None:
    """Groups were sorted by value and the difference was always control minus treated."""
    t = vcereg.describe(wage_data, ["lnwage"], by="programme", by_order=[1, 0],
                        by_labels={1: "Programme", 0: "Other firms"}, stats=["mean"])  # fmt: skip
    assert [c.text for c in t.table.header[0].cells][:2] == ["Programme", "Other firms"]
    d = wage_data
    diff = d.lnwage[d.programme == 1].mean() - d.lnwage[d.programme == 0].mean()
    assert diff > 0 and row(t, "lnwage")[2] == f"{diff:.2f}"
    assert texts(t)[0].startswith("Difference: Programme minus Other firms")


def test_dates_are_summarised_as_dates(wage_data: pd.DataFrame) -> None:
    """Datetime columns were summarised as nanoseconds since 1970."""
    t = vcereg.describe(wage_data, ["hired"], stats=["mean", "sd", "min", "max", "n"])
    mean, sd, lo, hi, n = row(t, "hired")
    h = wage_data["hired"]
    assert lo == h.min().date().isoformat() and hi == h.max().date().isoformat()
    assert mean == (h.min() + (h - h.min()).mean()).date().isoformat()
    assert float(sd) == pytest.approx(h.std() / pd.Timedelta(days=1), abs=0.005)
    assert n == "50,000"


# --- cells and labels -------------------------------------------------------------------


def test_statistic_labels_are_printed_as_given(paper_models) -> None:
    """A label gained a suffix nobody asked for ("Clusters (Firm)")."""
    t = etable(paper_models[3], stats=[("n_clusters", "Clusters")], labels=LABELS)
    assert [r.label for r in t.table.body() if r.kind is RowKind.STAT] == ["Clusters"]
    two = etable(paper_models[3:6], stats=[("n_clusters", "Clusters")], labels=LABELS)
    assert [r.label for r in two.table.body() if r.kind is RowKind.STAT] == [
        "Clusters (Firm)",
        "Clusters (Region)",
    ]  # two variables must be told apart


def test_missing_statistics_are_blank(paper_models) -> None:
    t = table2(paper_models)
    first = row(t, "first_f:training")
    assert first.count("") == 5 and "-" not in first
    assert row(t, "n_clusters:firm")[:3] == ["", "", ""]
    assert " - " not in t.to_text()


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_minus_signs_in_typeset_formats(paper_models, fmt: str) -> None:
    out = table2(paper_models).render(fmt)
    assert MINUS + "0.054" in out and "-0.054" not in out


def test_missing_directory_and_contradicting_format(paper_models, tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"directory .*missing_dir.* does not exist"):
        etable(paper_models[0], file=tmp_path / "missing_dir" / "t.docx")
    with pytest.raises(RenderError, match=r"format='xlsx' does not match the file name 't\.docx'"):
        etable(paper_models[0], format="xlsx", file=tmp_path / "t.docx")
    assert list(tmp_path.iterdir()) == []


def test_beta_was_ignored(wage_data: pd.DataFrame) -> None:
    """``regress, beta`` was accepted and silently ignored."""
    r = vcereg.stata("regress lnwage educ exper, beta", wage_data)
    assert "Beta" in r.summary() and "conf. interval" not in r.summary()
    assert np.isfinite(r.beta["educ"]) and np.isnan(r.beta["Intercept"])
