"""Word and Excel tables opened again with python-docx and openpyxl: the cells hold what
the table IR holds, Excel's numbers are the estimates at full precision and display as the
table prints them, the layout options are set. (Rendered checks through LibreOffice are in
``test_rendered.py``.)"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from vcereg.errors import RenderError
from vcereg.tables import Cell, ETable, etable
from vcereg.tables.markup import plain
from vcereg.tables.render_xlsx import excel_format

docx = pytest.importorskip("docx", reason="python-docx is not installed")
openpyxl = pytest.importorskip("openpyxl", reason="openpyxl is not installed")

PADDING = "\u2007\u2008\u2004\u00a0"  # the spaces that line numbers up in Word


def word_text(text: str) -> str:
    """A Word cell's text as the other formats print it."""
    return text.strip(PADDING).replace("\u2212", "-")


@pytest.fixture()
def table(fake_models) -> ETable:
    return etable(
        fake_models,
        caption="Final grades",
        titles=["OLS", "Robust", "Cluster"],
        groups={"Without clusters": 2},
    )


def _expected(t: ETable) -> list[list[str]]:
    """Label + cell texts per grid row; a spanning cell fills the columns it covers."""
    out = []
    for row in t.table.rows():
        cells, last = [], ""
        for c in row.cells:
            last = c.text if c.span else last
            cells.append(last)
        out.append([row.label, *cells])
    return out


def test_docx_cells_equal_the_table(table: ETable, tmp_path: Path) -> None:
    doc = docx.Document(str(table.save(tmp_path / "t.docx")))
    (grid,) = doc.tables
    got = [[word_text(c.text) for c in row.cells] for row in grid.rows]
    assert got == _expected(table)
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0] == "Final grades"  # caption above
    assert paragraphs[1:] == [plain(n) for n in table.table.notes]  # notes below


def test_docx_layout_flags(table: ETable, tmp_path: Path) -> None:
    """Fixed measured widths, no wrapping, header rows repeated, rows kept together."""
    doc = docx.Document(str(table.save(tmp_path / "t.docx")))
    grid = doc.tables[0]
    xml = grid._tbl.xml
    assert '<w:tblLayout w:type="fixed"/>' in xml
    n_header = len(table.table.header)
    for i, row in enumerate(grid.rows):
        tr = row._tr.xml
        assert "<w:cantSplit/>" in tr
        assert ("<w:tblHeader/>" in tr) == (i < n_header)
        for cell in row.cells:
            assert "<w:noWrap/>" in cell._tc.xml
            assert all(p.paragraph_format.keep_with_next for p in cell.paragraphs)
    widths = [c.width for c in grid.rows[-1].cells]
    assert widths[0] > widths[1] > 0  # "Adj. R-squared" is wider than a number column


def test_docx_stars_are_superscript_and_minus_is_a_minus(fake_robust, tmp_path: Path) -> None:
    doc = docx.Document(str(etable(fake_robust).save(tmp_path / "t.docx")))
    age = next(r for r in doc.tables[0].rows if r.cells[0].text == "age")
    runs = age.cells[1].paragraphs[0].runs
    assert [
        (r.text.strip(PADDING), bool(r.font.superscript)) for r in runs if r.text.strip(PADDING)
    ] == [
        ("\u22120.621", False),
        ("***", True),
    ]


def test_docx_has_booktabs_rules_and_no_vertical_lines(table: ETable, tmp_path: Path) -> None:
    doc = docx.Document(str(table.save(tmp_path / "t.docx")))
    xml = doc.tables[0]._tbl.xml
    widths = re.findall(r'<w:(top|bottom|left|right) w:val="single" w:sz="(\d+)"', xml)
    assert {edge for edge, _ in widths} == {"top", "bottom"}
    first_row = doc.tables[0].rows[0].cells[0]._tc.xml
    assert 'w:top w:val="single" w:sz="12"' in first_row  # heavy top rule
    last_row = doc.tables[0].rows[-1].cells[0]._tc.xml
    assert 'w:bottom w:val="single" w:sz="12"' in last_row  # heavy bottom rule
    group = doc.tables[0].rows[1].cells[1]._tc.xml  # "Without clusters" over (1)-(2)
    assert '<w:gridSpan w:val="2"/>' in group and 'w:bottom w:val="single" w:sz="6"' in group


def excel_display(value: float, fmt: str) -> str:
    """What Excel shows for a number with our two-section formats (a small interpreter:
    quoted literals, 0 and #,##0 with decimals, _x padding, which shows as nothing)."""
    pos, neg = fmt.split(";")
    section = pos if value >= 0 else neg
    out, number_done = [], False
    for token in re.findall(r'"(?:[^"]|"")*"|_.|#,##0|0(?:\.0+)?', section):
        if token.startswith('"'):
            out.append(token[1:-1].replace('""', '"'))
        elif token.startswith("_"):
            continue
        elif token == "#,##0" or token.startswith("0"):
            assert not number_done, fmt
            number_done = True
            decimals = len(token.split(".")[1]) if "." in token else 0
            out.append(f"{abs(value):{',' if token == '#,##0' else ''}.{decimals}f}")
    return "".join(out).replace("\u2212", "-")


def test_xlsx_stores_full_precision_and_displays_the_table(fake_models, tmp_path: Path) -> None:
    """Every number cell holds the estimate itself (a t computed from the cells is the
    model's t, even when the standard error shows as 0.000) and displays as the table.

    Tolerance 1e-15 relative: openpyxl writes 16 significant digits ("%.16g"), one short of
    a double's round trip, and Excel computes with 15; rounding to the displayed digits
    (the defect) is off by up to 1e-3 relative."""
    t = etable(fake_models, caption="Final grades", digits=2)
    ws = openpyxl.load_workbook(t.save(tmp_path / "t.xlsx")).active
    assert ws.cell(1, 1).value == "Final grades"
    offset = 2
    rows = list(t.table.rows())
    checked = 0
    for i, row in enumerate(rows):
        for j, cell in enumerate(row.cells, start=2):
            if not cell.span:
                continue
            got = ws.cell(offset + i, j)
            if row.kind.value != "header" and cell.numeric:
                checked += 1
                assert isinstance(got.value, int | float)
                assert got.value == pytest.approx(cell.value, rel=1e-15, abs=0)  # unrounded
                assert excel_display(got.value, got.number_format) == cell.text
            else:
                assert (got.value or "") == cell.text.replace("\u00a0", " ")
    assert checked >= 20
    r = fake_models[1]
    for i, row in enumerate(rows):
        if row.key == "age" and row.kind.value == "coef":
            b, se = ws.cell(offset + i, 3).value, ws.cell(offset + i + 1, 3).value
            np.testing.assert_allclose([b, se], [r.params["age"], r.se["age"]], rtol=1e-15)
            np.testing.assert_allclose(b / se, r.tstat["age"], rtol=1e-14)
    notes = [ws.cell(rr, 1).value for rr in range(offset + len(rows), ws.max_row + 1)]
    assert notes == [plain(n) for n in t.table.notes]


def test_xlsx_page_setup_fonts_and_merges(fake_models, tmp_path: Path) -> None:
    t = etable(fake_models, caption="Final grades", groups={"Robust": [2, 3]})
    ws = openpyxl.load_workbook(t.save(tmp_path / "t.xlsx")).active
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows is not None and not ws.sheet_view.showGridLines
    fonts = {(c.font.name, c.font.size) for row in ws.iter_rows() for c in row if c.value}
    assert {name for name, _ in fonts} == {"Times New Roman"}  # title and notes too
    merged = [str(m) for m in ws.merged_cells.ranges]
    assert "C3:D3" in merged  # "Robust" over models 2 and 3 (row 1 caption, 2 depvar)


def test_excel_formats_align_and_use_a_minus_sign() -> None:
    coef = Cell("-1.20", numeric=True, stars="*", value=-1.2, digits=2)
    se = Cell("0.50", "(", ")", True, value=0.5, digits=2)
    assert excel_format(coef, 3, 1) == '0.00"*"_)_*_*;"−"0.00"*"_)_*_*'
    assert excel_format(se, 3, 1) == '"("0.00")"_*_*_*;"(""−"0.00")"_*_*_*'
    # equal padded widths: one star and two star-pads plus one paren-pad, against one
    # paren plus three star-pads: the decimal points line up in a right-aligned column
    assert excel_display(-1.2, excel_format(coef, 3, 1)) == "-1.20*"
    assert excel_format(Cell("Yes")) is None


def test_formats_by_name_and_text_printing(fake_models, tmp_path: Path) -> None:
    t = etable(fake_models, format="docx", file=tmp_path / "a.docx")
    assert (tmp_path / "a.docx").read_bytes()[:2] == b"PK"  # a zip container
    assert str(t) == t.to_text()  # a Word table prints as text
    etable(fake_models, format="excel", file=tmp_path / "a.bin")
    with open(tmp_path / "a.bin", "rb") as fh:
        assert openpyxl.load_workbook(fh).active.max_row > 5


def test_format_that_contradicts_the_file_name_is_an_error(fake_models, tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"format='xlsx' does not match .*'t\.docx'.*docx"):
        etable(fake_models, format="xlsx", file=tmp_path / "t.docx")
    assert not (tmp_path / "t.docx").exists()


def test_missing_directory_is_a_clear_error(fake_models, tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"directory .*missing_dir.* does not exist"):
        etable(fake_models, file=tmp_path / "missing_dir" / "t.docx")


def test_shared_notes_are_printed_once(fake_cluster) -> None:
    import dataclasses

    noted = dataclasses.replace(fake_cluster, notes=("only 2 clusters in school",))
    t = etable([noted, fake_cluster, noted], diagnostics="all")
    shared = [n for n in t.table.notes if "only 2 clusters" in n]
    assert shared == ["(1, 3) only 2 clusters in school"]
    t = etable([noted, noted], diagnostics="all")
    assert [n for n in t.table.notes if "only 2" in n] == ["only 2 clusters in school"]
