"""The replication do-file in ``examples/replication.do`` runs unchanged from the command
line and writes the same LaTeX and Word table as the same steps done by hand in Python.

The by-hand version is written here from the do-file's meaning, in pandas: it stores what
Stata stores as ``float`` in single precision (``gen`` without a type, ``egen``), as Stata
does, and otherwise calls :func:`vcereg.stata` and :func:`vcereg.etable` directly.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import vcereg

ROOT = Path(__file__).resolve().parents[1]


def _vcereg() -> list[str]:
    exe = shutil.which("vcereg")
    return [exe] if exe else [sys.executable, "-m", "vcereg.cli"]


def _by_hand(csv: Path) -> vcereg.ETable:
    d = pd.read_csv(csv, sep=";")  # the UCI file separates with ;
    d.columns = [c.lower() for c in d.columns]
    d["lg3"] = np.log(d["g3"] + 1).astype(np.float32)
    d["male"] = (d["sex"] == "M").astype(np.float32)
    d["urban"] = (d["address"] == "U").astype(np.int8)
    d["absences"] = d["absences"].where(d["absences"] <= 40)
    a = d["absences"].astype(np.float32).astype(float)
    d["z_abs"] = ((a - a.mean()) / a.std(ddof=1)).astype(np.float32)
    d["studies_more"] = d["studytime"].map({1: 0, 2: 0, 3: 1, 4: 1})
    d["age_grp"] = pd.cut(d["age"], [15, 17, 19, 23], right=False, labels=False)
    d["mother_job"] = d["mjob"].map({j: i + 1 for i, j in enumerate(sorted(d["mjob"].unique()))})
    d = d[d["g3"] != 0]
    controls = "age male urban studies_more"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits = [
            vcereg.stata("regress lg3 z_abs, vce(robust)", d),
            vcereg.stata(f"regress lg3 z_abs {controls}, vce(robust)", d),
            vcereg.stata(f"regress lg3 z_abs {controls} i.mother_job, vce(robust)", d),
            vcereg.stata(f"reghdfe lg3 z_abs {controls}, absorb(school age_grp) vce(robust)", d),
        ]
    labels = {"lg3": "log(final grade + 1)", "male": "Male", "urban": "Urban address",
              "z_abs": "Absences (std.)", "studies_more": "Studies 5+ hours a week"}  # fmt: skip
    return vcereg.etable(
        fits,
        titles=["Baseline", "Controls", "Mother's job", "Fixed effects"],
        below="se",
        stars={"*": 0.10, "**": 0.05, "***": 0.01},
        labels=labels,
        intercept_label="Constant",
        keep=["z_abs", "age", "male", "urban", "studies_more"],
        stats=[("nobs", "Observations", 0), ("r2", "R-squared", 3)],
        caption="Absences and final grades",
        notes=["Robust standard errors."],
    )


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("replication")
    shutil.copy(vcereg.datasets.path("student-mat"), where / "student-mat.csv")
    shutil.copy(ROOT / "examples" / "replication.do", where / "replication.do")
    p = subprocess.run(
        [*_vcereg(), "--do", "replication.do", "--allow-files", ".", "-q"],
        capture_output=True, text=True, cwd=where, timeout=600,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert "(output written to table1.tex)" in p.stdout and "studies_more: 0 missing" in p.stdout
    return where


def test_latex_table_equals_the_by_hand_table(ran: Path) -> None:
    want = _by_hand(ran / "student-mat.csv")
    assert (ran / "table1.tex").read_text(encoding="utf-8") == want.to_latex()


def test_word_table_equals_the_by_hand_table(ran: Path) -> None:
    docx = pytest.importorskip("docx")
    want = _by_hand(ran / "student-mat.csv")

    def cells(doc: object) -> list[list[str]]:
        return [[c.text for c in row.cells] for row in doc.tables[0].rows]  # type: ignore[attr-defined]

    (ran / "want.docx").write_bytes(want.to_docx())
    got = cells(docx.Document(str(ran / "table1.docx")))
    assert got == cells(docx.Document(str(ran / "want.docx")))
    assert any("Absences (std.)" in row[0] for row in got)


def test_without_file_access_the_do_file_is_refused(tmp_path: Path) -> None:
    shutil.copy(ROOT / "examples" / "replication.do", tmp_path / "replication.do")
    p = subprocess.run(
        [*_vcereg(), "--do", "replication.do", "-q"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert p.returncode == 2 and "file access is off" in p.stderr and "--allow-files" in p.stderr
    assert list(tmp_path.iterdir()) == [tmp_path / "replication.do"]
