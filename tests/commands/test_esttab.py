"""``eststo``/``esttab``/``estout``, ``outreg2`` and ``etable`` in do-files: each is the
:func:`vcereg.etable` call its options describe (checked on the table IR), and the files
they write open as what they claim to be (LaTeX compiles, Word/Excel reopen, RTF converts,
CSV parses)."""

from __future__ import annotations

import csv
import shutil
import subprocess
import warnings
from pathlib import Path

import pandas as pd
import pytest

import vcereg
from vcereg.errors import NotSupportedError, VceregError
from vcereg.tables import etable

from ..tables.test_latex_compile import compile_tex

DO = """
label variable absences "Absences"
eststo a: reg G3 absences age, vce(robust)
eststo b: reg G3 absences age studytime
"""


@pytest.fixture(scope="module")
def student() -> pd.DataFrame:
    return vcereg.datasets.load("student-mat")


@pytest.fixture(scope="module")
def fits(student: pd.DataFrame) -> list[vcereg.Results]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [vcereg.stata("reg G3 absences age, vce(robust)", student),
                vcereg.stata("reg G3 absences age studytime", student)]  # fmt: skip


def run(text: str, data: pd.DataFrame, **kw: object) -> vcereg.DoRun:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return vcereg.run_do(DO + text, data, **kw)  # type: ignore[arg-type]


ESTTAB = {"below": "t", "stars": {"*": 0.05, "**": 0.01, "***": 0.001},
          "stats": [("nobs", "N")], "intercept_label": "_cons"}  # fmt: skip


@pytest.mark.parametrize(
    ("options", "kwargs"),
    [
        ("", {}),
        ("se", {"below": "se"}),
        ("p b(%9.2f)", {"below": "p", "digits": {"b": 2}}),
        ("se(4) b(2)", {"below": "se", "digits": {"b": 2, "se": 4}}),
        ("ci nostar", {"below": "ci", "stars": None}),
        (
            "se star(* 0.10 ** 0.05 *** 0.01)",
            {"below": "se", "stars": {"*": 0.1, "**": 0.05, "***": 0.01}},
        ),
        ("label", {"labels": {"absences": "Absences"}, "intercept_label": "Constant"}),
        ("keep(abs* age)", {"keep": ["^abs.*$", "age"]}),
        ("drop(age) noconstant", {"drop": ["age", "_cons"]}),
        (
            "stats(N r2 r2_a, labels(Obs R2 R2a)) r2",
            {"stats": [("nobs", "Obs"), ("r2", "R2"), ("r2_adj", "R2a")]},
        ),
        (
            "stats(N r2, fmt(%9.0fc 2))",
            {"stats": [("nobs", "Observations", 0), ("r2", "R-squared", 2)]},
        ),
        (
            'mgroups("OLS", pattern(1 0)) wide beta',
            {"groups": [("OLS", [1, 2])], "beside": True, "beta": True},
        ),
        ('indicate("Age = age") nodepvars', {"indicate": {"Age": ["age"]}, "depvar": False}),
        (
            'mtitles("One" "Two") nonumbers title("T")',
            {"titles": ["One", "Two"], "model_numbers": False, "caption": "T"},
        ),
        ("mtitles", {"titles": ["a", "b"]}),
        ('addnotes("Source: UCI")', {"notes": ["Source: UCI"]}),
        ("nonotes", {"legend": False}),
    ],
)
def test_esttab_is_etable_with_esttab_defaults(
    student: pd.DataFrame, fits: list[vcereg.Results], options: str, kwargs: dict[str, object]
) -> None:
    r = run(f"esttab, {options}", student)
    want = etable(fits, **(ESTTAB | kwargs))  # type: ignore[arg-type]
    assert r.tables[-1].table == want.table  # type: ignore[attr-defined]
    assert r.log[-1][2] == str(want)


def test_esttab_names_and_the_active_model(
    student: pd.DataFrame, fits: list[vcereg.Results]
) -> None:
    r = run("esttab b, se\nreg G3 age\neststo clear\nesttab, se", student)
    assert r.tables[0].table == etable([fits[1]], **(ESTTAB | {"below": "se"})).table  # type: ignore[attr-defined]
    assert len(r.tables[1].table.header[0].cells) == 1  # type: ignore[attr-defined]
    with pytest.raises(VceregError, match=r"estimation result zz not found; r\(111\)"):
        run("esttab zz", student)
    with pytest.raises(VceregError, match=r"option sse not allowed; r\(198\)"):
        run("esttab, sse", student)
    with pytest.raises(NotSupportedError, match=r"refcat\(\) is not supported"):
        run('esttab, refcat(age "Ref")', student)
    with pytest.raises(VceregError, match=r"mgroups\(\): 1 label\(s\) and pattern\(\) with 2"):
        run('esttab, mgroups("A", pattern(1 1))', student)


def test_esttab_files(student: pd.DataFrame, tmp_path: Path) -> None:
    r = run("esttab using t.tex, se replace\nesttab using t.rtf, se\nesttab using t.csv, se\n"
            "esttab using t.docx, se\nesttab using t.xlsx, se\nesttab using t.html, se",
            student, files=tmp_path)  # fmt: skip
    table = r.tables[0]
    assert (tmp_path / "t.tex").read_text() == table.to_latex()  # type: ignore[attr-defined]
    compile_tex((tmp_path / "t.tex").read_text(), tmp_path) if shutil.which("pdflatex") else None
    rows = list(csv.reader((tmp_path / "t.csv").open()))
    ir = table.table  # type: ignore[attr-defined]
    assert rows[: len(list(ir.rows()))] == [
        [row.label, *(c.text for c in row.cells)] for row in ir.rows()
    ]
    docx = pytest.importorskip("docx")
    doc = docx.Document(str(tmp_path / "t.docx"))
    cells = [
        [c.text.replace("\u2007", "").strip() for c in row.cells] for row in doc.tables[0].rows
    ]
    assert cells[2][0] == "absences" and cells[2][1] == rows[2][1]
    openpyxl = pytest.importorskip("openpyxl")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert any(c.value == "absences" for c in sheet["A"])
    assert set(r.written) == {
        tmp_path / f"t.{e}" for e in ("tex", "rtf", "csv", "docx", "xlsx", "html")
    }
    with pytest.raises(VceregError, match=r"already exists; r\(602\)"):
        run("esttab using t.tex", student, files=tmp_path)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_rtf_opens_in_a_word_processor(
    student: pd.DataFrame, fits: list[vcereg.Results], tmp_path: Path
) -> None:
    r_se = float(fits[0].se["absences"])
    run('label variable age "Âge (années)"\nesttab using t.rtf, se label', student, files=tmp_path)
    cmd = ["soffice", "--headless", "--convert-to", "txt:Text", "--outdir", str(tmp_path)]
    subprocess.run([*cmd, str(tmp_path / "t.rtf")], capture_output=True, timeout=180, check=True)
    text = (tmp_path / "t.txt").read_text(encoding="utf-8", errors="replace")
    se = f"({r_se:.3f})"
    assert "Absences" in text and "Âge (années)" in text and se in text


def test_outreg2_replace_then_append(
    student: pd.DataFrame, fits: list[vcereg.Results], tmp_path: Path
) -> None:
    r = run("est restore a\noutreg2 using o.tex, replace ctitle(First)\n"
            "est restore b\n"
            "outreg2 using o.tex, append ctitle(Second) addtext(Controls, YES) bdec(2)",
            student, files=tmp_path)  # fmt: skip
    want = etable(
        fits,
        titles=["First", "Second"],
        below="se",
        stars={"***": 0.01, "**": 0.05, "*": 0.1},
        digits={"b": 2, "se": 2},
        intercept_label="Constant",
        stats=[("nobs", "Observations"), ("r2", "R-squared")],
        add_rows={"Controls": ["YES", "YES"]},
    )
    assert r.tables[-1].table == want.table  # type: ignore[attr-defined]
    assert (tmp_path / "o.tex").read_text() == want.to_latex()
    with pytest.raises(VceregError, match=r"written before this run; r\(602\)"):
        run("outreg2 using o.tex, append", student, files=tmp_path)


def test_etable_command(student: pd.DataFrame, fits: list[vcereg.Results], tmp_path: Path) -> None:
    r = run("etable, estimates(a b) mstat(N) mstat(r2) showstars varlabel column(estimates) "
            "export(e.docx, replace)", student, files=tmp_path)  # fmt: skip
    want = etable(
        fits,
        titles=["a", "b"],
        model_numbers=False,
        below="se",
        stars={"*": 0.05, "**": 0.01},
        stats=["nobs", "r2"],
        labels={"absences": "Absences"},
        intercept_label="Intercept",
        notes=False,
    )
    assert r.tables[-1].table == want.table  # type: ignore[attr-defined]
    assert (tmp_path / "e.docx").is_file()
    r = run("etable\netable, append", student)
    assert len(r.tables[-1].table.header[0].cells) == 2  # type: ignore[attr-defined]


def test_eststo_titles_and_value_labels_of_factor_levels(student: pd.DataFrame) -> None:
    r = run('eststo c, title("Third"): reg G3 absences\nesttab c, se\n'
            'encode Mjob, gen(mj)\nreg G3 i.mj\nesttab ., se label', student)  # fmt: skip
    header = [c.text for row in r.tables[0].table.header for c in row.cells]  # type: ignore[attr-defined]
    assert "Third" in header
    labels = [row.label for row in r.tables[1].table.rows()]  # type: ignore[attr-defined]
    assert {"health", "other", "services", "teacher"} <= set(labels)  # 2.mj ... as their labels
