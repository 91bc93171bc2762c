"""Command-line messages found by the issue-8 probe: each names the real problem."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tests.cli.conftest import Run

EX = ("--example", "student-mat")


def test_device_as_data_is_not_called_missing(run: Run) -> None:
    p = run("y ~ x", "--data", "/dev/null")
    assert p.returncode != 0
    assert "device or pipe" in p.stderr and "did you mean" not in p.stderr
    assert "Traceback" not in p.stderr


def test_directory_as_do_file(run: Run, tmp_path: Path) -> None:
    p = run("--do", str(tmp_path), *EX)
    assert p.returncode == 2
    assert "directory" in p.stderr and "no such" not in p.stderr


def test_header_only_csv(run: Run, tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_text("y,x\n")
    p = run("y ~ x", "--data", "h.csv")
    assert p.returncode != 0
    assert "has a header (y, x) but no data rows" in p.stderr


def test_bogus_encoding(run: Run, tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("y,x\n1,2\n2,3\n3,5\n")
    p = run("y ~ x", "--data", "d.csv", "--encoding", "bogus")
    assert p.returncode != 0
    assert "unknown text encoding 'bogus'" in p.stderr and "Traceback" not in p.stderr


def test_do_file_with_a_bom(run_process: Run, tmp_path: Path) -> None:
    (tmp_path / "m.do").write_bytes("\ufeffregress G3 absences\n".encode())
    p = run_process("--do", "m.do", *EX)
    assert p.returncode == 0, p.stderr
    assert "absences" in p.stdout


def test_stata_dot_missing_in_csv_is_missing_and_said(run: Run, tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("y,x\n1,.\n2,3\n3,.a\n4,5\n5,6.5\n6,7\n")
    p = run("y ~ x", "--data", "d.csv")
    assert p.returncode == 0, p.stderr
    assert "Stata's missing value '.'" in p.stderr and "x: 2" in p.stderr
    assert "Number of obs   =         4" in p.stdout


def test_dta_int16_year_squared_is_not_wrapped(run: Run, tmp_path: Path) -> None:
    """The issue's CLI case: a Stata int (int16) year squared wrapped around (exit 0)."""
    rng = np.random.default_rng(0)
    year = rng.integers(1990, 2021, 200).astype("int16")
    y = 0.3 * year.astype(float) + 0.01 * (year.astype(float) - 2000) ** 2 + rng.normal(size=200)
    pd.DataFrame({"y": y, "year": year}).to_stata(tmp_path / "d.dta", write_index=False)
    p = run("y ~ year + I(year**2)", "--data", "d.dta")
    assert p.returncode == 0, p.stderr
    xx = np.column_stack([np.ones(200), year.astype(float), year.astype(float) ** 2])
    beta, *_ = np.linalg.lstsq(xx, y, rcond=None)
    r2 = 1 - np.sum((y - xx @ beta) ** 2) / np.sum((y - y.mean()) ** 2)
    line = next(ln for ln in p.stdout.splitlines() if "R-squared" in ln and "Adj" not in ln)
    assert abs(float(line.split("=")[-1]) - r2) < 1e-4  # printed with 4 decimals
