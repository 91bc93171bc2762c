"""Word and Excel tables: written, opened again, and compared cell by cell with the text
table (python-docx and openpyxl read them back; LibreOffice converts the .docx to PDF
when it is installed)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from vcereg.tables import ETable, etable
from vcereg.tables.render_xlsx import excel_number

docx = pytest.importorskip("docx", reason="python-docx is not installed")
openpyxl = pytest.importorskip("openpyxl", reason="openpyxl is not installed")


def _grid(table: ETable) -> list[list[str]]:
    """The table's rows as label + cell texts, as the other formats print them."""
    return [[row.label, *(c.text for c in row.cells)] for row in table.table.rows()]


@pytest.fixture()
def table(fake_models) -> ETable:
    return etable(fake_models, caption="Final grades", titles=["OLS", "Robust", "Cluster"])


def test_docx_cells_equal_the_text_table(table: ETable, tmp_path: Path) -> None:
    path = table.save(tmp_path / "t.docx")
    doc = docx.Document(str(path))
    (grid,) = doc.tables
    # numbers are padded with figure spaces (U+2007) to line up on the decimal point
    cells = [[c.text.strip("\u2007") for c in row.cells] for row in grid.rows]
    assert cells == _grid(table)
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0] == "Final grades"  # caption above
    assert paragraphs[1:] == list(table.table.notes)  # notes below
    for row in table.table.rows():  # every text row of the text rendering is in the grid
        assert row.label in table.to_text()


def test_docx_has_booktabs_rules_and_no_vertical_lines(table: ETable, tmp_path: Path) -> None:
    doc = docx.Document(str(table.save(tmp_path / "t.docx")))
    xml = doc.tables[0]._tbl.xml
    widths = re.findall(r'<w:(top|bottom|left|right) w:val="single" w:sz="(\d+)"', xml)
    assert {edge for edge, _ in widths} == {"top", "bottom"}
    first_row = doc.tables[0].rows[0].cells[0]._tc.xml
    assert 'w:top w:val="single" w:sz="12"' in first_row  # heavy top rule
    last_row = doc.tables[0].rows[-1].cells[0]._tc.xml
    assert 'w:bottom w:val="single" w:sz="12"' in last_row  # heavy bottom rule


def test_xlsx_numbers_are_numbers_and_display_like_the_text(table: ETable, tmp_path: Path) -> None:
    path = table.save(tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(path).active
    assert ws.cell(1, 1).value == "Final grades"
    rows = list(table.table.rows())
    offset = 3  # caption, blank row
    numbers = 0
    for i, row in enumerate(rows):
        for j, cell in enumerate(row.cells, start=2):
            got = ws.cell(offset + i, j)
            expected = excel_number(cell) if row.kind.value != "header" else None
            if expected is None:
                assert (got.value or "") == cell.text
            else:
                numbers += 1
                assert isinstance(got.value, int | float)  # openpyxl reads 395.0 back as 395
                assert got.value == pytest.approx(float(cell.core.replace(",", "")), abs=0)
                assert got.number_format == expected[1]
                shown = _excel_display(got.value, got.number_format)
                assert shown == cell.text
    assert numbers > 10
    notes = [ws.cell(r, 1).value for r in range(offset + len(rows) + 1, ws.max_row + 1)]
    assert notes == list(table.table.notes)


def _excel_display(value: float, fmt: str) -> str:
    """What Excel shows for a number with our two-section formats (a small interpreter)."""
    pos, neg = fmt.split(";")
    section = pos if value >= 0 else neg
    m = re.fullmatch(r'(?:"([^"]*)")?(-?)(#,##0|0)(?:\.(0+))?(?:"([^"]*)")?', section)
    assert m, section
    pre, minus, body, decimals, suf = m.groups()
    number = f"{abs(value):{',' if body == '#,##0' else ''}.{len(decimals or '')}f}"
    return f"{pre or ''}{minus}{number}{suf or ''}"


def test_excel_number_formats() -> None:
    from vcereg.tables import Cell

    assert excel_number(Cell("-1.20", "(", ")", True)) == (-1.2, '"("0.00")";"("-0.00")"')
    assert _excel_display(-1.2, '"("0.00")";"("-0.00")"') == "(-1.20)"
    assert excel_number(Cell("12,345", numeric=False)) == (12345.0, "#,##0;-#,##0")
    assert excel_number(Cell("[0.1, 0.2]")) is None and excel_number(Cell("Yes")) is None


def test_formats_by_name_and_text_printing(fake_models, tmp_path: Path) -> None:
    t = etable(fake_models, format="docx", file=tmp_path / "a.docx")
    assert (tmp_path / "a.docx").read_bytes()[:2] == b"PK"  # a zip container
    assert str(t) == t.to_text()  # a Word table prints as text
    etable(fake_models, format="excel", file=tmp_path / "a.bin")
    with open(tmp_path / "a.bin", "rb") as fh:
        assert openpyxl.load_workbook(fh).active.max_row > 5


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_docx_converts_to_pdf(table: ETable, tmp_path: Path) -> None:
    path = table.save(tmp_path / "t.docx")
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert (tmp_path / "t.pdf").read_bytes()[:5] == b"%PDF-"


def test_shared_notes_are_printed_once(fake_cluster) -> None:
    import dataclasses

    noted = dataclasses.replace(fake_cluster, notes=("only 2 clusters in school",))
    t = etable([noted, fake_cluster, noted])
    shared = [n for n in t.table.notes if "only 2 clusters" in n]
    assert shared == ["(1, 3) only 2 clusters in school"]
    t = etable([noted, noted])
    assert [n for n in t.table.notes if "only 2" in n] == ["only 2 clusters in school"]
