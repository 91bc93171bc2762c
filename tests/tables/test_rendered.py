"""The paper's tables as a reader sees them: LaTeX compiled with pdflatex (article class),
Word converted to PDF by LibreOffice and read back with ``pdftotext -layout``, Excel
reopened with openpyxl and compared with the results at full precision, HTML in Chromium.

Table 2 is the six-model wage table of ``paper_data.py`` (OLS, firm FE, firm + year FE,
clustered, IV, few clusters; groups, spanning dependent variable, fixed-effect and
first-stage rows, diagnostics); Table 1 is ``describe`` by programme with a difference.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import vcereg
from vcereg.tables import RowKind

from .paper_data import LABELS, table2
from .test_html_browser import CHROMIUM, PNG_SIGNATURE, chromium, dark_fraction
from .test_latex_compile import PDFLATEX, _has_sty

SOFFICE = shutil.which("soffice")
PDFTOTEXT = shutil.which("pdftotext")
MINUS = "\u2212"

ARTICLE = r"""\documentclass{article}
\usepackage[T1]{fontenc}
\usepackage{booktabs,threeparttable,graphicx,siunitx}
\begin{document}
%s
\end{document}
"""


def table1(data: pd.DataFrame) -> vcereg.ETable:
    return vcereg.describe(
        data,
        ["lnwage", "educ", "exper", "female", "union", "industry", "hired"],
        by="programme",
        by_order=[1, 0],
        by_labels={1: "Programme firms", 0: "Other firms"},
        stats=["mean", "sd", "n"],
        labels={**LABELS, "industry": "Industry", "hired": "Hired on"},
        caption="Workers in programme and other firms",
    )


# --- LaTeX -------------------------------------------------------------------------------


def _pdflatex(tex: str, where: Path) -> str:
    if PDFLATEX is None:
        pytest.skip("pdflatex is not installed")
    if not _has_sty("siunitx"):
        pytest.skip("siunitx.sty is not installed (texlive-science)")
    (where / "doc.tex").write_text(ARTICLE % tex, encoding="utf-8")
    proc = subprocess.run(
        [PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    return (where / "doc.log").read_text(encoding="latin-1")


@pytest.mark.parametrize("siunitx", [False, True], ids=["c-columns", "siunitx"])
def test_table2_compiles_without_overfull_boxes(paper_models, tmp_path: Path, siunitx) -> None:
    log = _pdflatex(table2(paper_models, siunitx=siunitx).to_latex(), tmp_path)
    assert "Overfull" not in log and "Float too large" not in log
    assert "Invalid number" not in log and "Missing character" not in log
    if PDFTOTEXT:
        text = subprocess.run(
            [PDFTOTEXT, "-layout", str(tmp_path / "doc.pdf"), "-"], capture_output=True, text=True
        ).stdout
        assert "50,000" in text and "50.000" not in text  # counts are not decimals


def test_table1_and_a_fragment_compile(wage_data, paper_models, tmp_path: Path) -> None:
    fragment = vcereg.etable(paper_models[:2], latex_env="fragment").to_latex()
    one = table1(wage_data)
    body = (
        one.to_latex()
        + one.with_options(siunitx=True).to_latex()  # dates and counts centred, means aligned
        + "\\providecommand{\\sym}[1]{\\ensuremath{^{#1}}}\n"
        + "\\begin{tabular}{lcc}\n"
        + fragment
        + "\\end{tabular}\n"
    )
    log = _pdflatex(body, tmp_path)
    assert "Overfull" not in log


# --- Word through LibreOffice ------------------------------------------------------------


_TIMES_LIKE = ("Liberation Serif", "Tinos", "TeX Gyre Termes", "Nimbus Roman", "Times")


def word_font() -> str:
    """Times New Roman where LibreOffice has a font with its metrics (Liberation Serif...),
    else the font it substitutes, DejaVu Serif: the columns are then measured with the
    metrics of the font the PDF shows, which is what this test checks."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return "Times New Roman"
    found = subprocess.run(
        [fc_match, "-f", "%{family}", "Times New Roman"], capture_output=True, text=True
    ).stdout
    if any(name in found for name in _TIMES_LIKE):
        return "Times New Roman"
    if "DejaVu Serif" in found:
        return "DejaVu Serif"
    pytest.skip(f"LibreOffice would show Times New Roman as {found!r}, whose metrics are unknown")


def _docx_text(table: vcereg.ETable, where: Path, *pages: int) -> str:
    if SOFFICE is None or PDFTOTEXT is None:
        pytest.skip("LibreOffice (soffice) or pdftotext is not installed")
    font = word_font()
    path = table.with_options(font=font).save(where / "t.docx")
    subprocess.run(
        [SOFFICE, "--headless", f"-env:UserInstallation=file://{where / 'lo'}",
         "--convert-to", "pdf", "--outdir", str(where), str(path)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    fonts = subprocess.run(["pdffonts", str(where / "t.pdf")], capture_output=True, text=True)
    shown = "DejaVuSerif" if font == "DejaVu Serif" else ""
    assert shown in fonts.stdout.replace(" ", "")  # measured with the font that is shown
    span = ["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []
    out = subprocess.run(
        [PDFTOTEXT, "-layout", *span, str(where / "t.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


def _lines_have(lines: list[str], text: str) -> bool:
    squeezed = " ".join(text.split())
    return any(squeezed in " ".join(line.split()) for line in lines)


def test_word_table_lays_out_without_broken_labels_or_numbers(paper_models, tmp_path: Path) -> None:
    """Every label and every number of Table 2 stands whole on one line of the PDF."""
    t = table2(paper_models)
    lines = _docx_text(t, tmp_path).replace("\u2212", MINUS).splitlines()
    for row in t.table.rows():
        if row.label:
            assert _lines_have(lines, row.label), row.label
        for cell in row.cells:
            if cell.numeric and row.kind is not RowKind.HEADER:
                number = (cell.prefix + cell.core + cell.suffix).replace("-", MINUS)
                assert _lines_have(lines, number), number
    assert not any(line.strip() in ("***", "**", "*", "-", MINUS) for line in lines)
    for word in ("Experience", "Observations", "Education (years)"):
        assert not any(line.strip() == word[: len(word) // 2] for line in lines)


def test_word_long_table_repeats_its_header(wage_data, tmp_path: Path) -> None:
    """A table longer than a page continues under its header on the next page."""
    d = wage_data.iloc[:5000]
    r = vcereg.regress("lnwage ~ educ + C(firm)", d.assign(firm=d.firm % 70))
    t = vcereg.etable([r, r], titles=["First", "Second"])
    page2 = _docx_text(t, tmp_path, 2).splitlines()
    assert _lines_have(page2, "First Second") and _lines_have(page2, "(1) (2)")


# --- Excel -------------------------------------------------------------------------------


def test_excel_cells_are_the_results_at_full_precision(paper_models, tmp_path: Path) -> None:
    """Every coefficient and standard error cell of Table 2 reopens as the estimate."""
    openpyxl = pytest.importorskip("openpyxl")
    t = table2(paper_models)
    ws = openpyxl.load_workbook(t.save(tmp_path / "t.xlsx")).active
    first = 1 + 1  # caption
    compared = 0
    for i, row in enumerate(t.table.rows()):
        if row.kind not in (RowKind.COEF, RowKind.BELOW):
            continue
        for j, (model, cell) in enumerate(zip(paper_models, row.cells, strict=True)):
            got = ws.cell(first + i, j + 2).value
            if not cell.numeric:
                assert got is None
                continue
            want = model.params[row.key] if row.kind is RowKind.COEF else model.se[row.key]
            np.testing.assert_allclose(got, want, rtol=1e-15)  # openpyxl: 16 digits
            compared += 1
    assert compared >= 60


def test_excel_prints_on_one_page_without_hash_marks(paper_models, tmp_path: Path) -> None:
    """Table 2 printed on 3 pages; cells too narrow show ####. Needs LibreOffice Calc."""
    if SOFFICE is None or PDFTOTEXT is None:
        pytest.skip("LibreOffice (soffice) or pdftotext is not installed")
    path = table2(paper_models).save(tmp_path / "t.xlsx")
    subprocess.run(
        [SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo'}",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
        capture_output=True, timeout=300,
    )  # fmt: skip
    if not (tmp_path / "t.pdf").exists():
        pytest.skip("LibreOffice Calc is not installed (libreoffice-calc-nogui)")
    info = subprocess.run(["pdfinfo", str(tmp_path / "t.pdf")], capture_output=True, text=True)
    # the key column is padded to the longest key, which differs between poppler versions
    assert re.search(r"^Pages:\s+1$", info.stdout, re.M), info.stdout
    text = subprocess.run(
        [PDFTOTEXT, "-layout", str(tmp_path / "t.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert "###" not in text and "Education (years)" in text and f"{MINUS}0.054" in text


# --- HTML in Chromium --------------------------------------------------------------------


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_html_table2_in_chromium(paper_models, tmp_path: Path) -> None:
    page = table2(paper_models).save(tmp_path / "t.html")
    dom = chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert 'colspan="4" class="group">OLS</th>' in dom
    assert f"{MINUS}0.054" in dom and "<sup" in dom
    shot = tmp_path / "t.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1100,900", page.as_uri())
    data = shot.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and dark_fraction(data) > 0.001
