"""The do-file runner: capture and _rc ([P] capture), quietly/noisily ([P] quietly), macros
([P] macro), loops ([P] forvalues, [P] foreach, [P] while), if/else ([P] if), comments,
refused commands and the file policy."""

from __future__ import annotations

import os
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import vcereg
from vcereg.errors import NotSupportedError, StataSyntaxError, VceregError


@pytest.fixture(scope="module")
def student() -> pd.DataFrame:
    return vcereg.datasets.load("student-mat")


def run(text: str, data: pd.DataFrame | None = None, **kw: object) -> vcereg.DoRun:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = pd.DataFrame({"x": [1.0, 2.0, 3.0]}) if data is None else data
        return vcereg.run_do(text, frame, **kw)  # type: ignore[arg-type]


def outputs(r: vcereg.DoRun) -> list[str]:
    return [str(o) for _, _, o in r.log]


def test_the_issue_example_runs_unchanged(student: pd.DataFrame) -> None:
    r = run("""
gen lg3 = ln(G3 + 1)
gen male = sex == "M"
reg lg3 absences male age, vce(cluster school)
eststo m1
reghdfe G3 absences, absorb(school) vce(robust)
esttab m1, se
""", student)  # fmt: skip
    by_hand = student.assign(
        lg3=np.log(student["G3"] + 1).astype(np.float32),
        male=(student["sex"] == "M").astype(np.float32),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = vcereg.stata("reg lg3 absences male age, vce(cluster school)", by_hand)
    pd.testing.assert_series_equal(r.results[0].params, ref.params, rtol=1e-12)
    pd.testing.assert_series_equal(r.results[0].se, ref.se, rtol=1e-12)
    assert len(r.results) == 2 and "m1" in r.stored
    table = vcereg.etable([ref], below="se", stars={"*": 0.05, "**": 0.01, "***": 0.001},
                          stats=[("nobs", "N")], intercept_label="_cons")  # fmt: skip
    assert outputs(r)[-1] == str(table)


# --- capture, _rc, quietly, noisily -----------------------------------------------------
def test_capture_suppresses_the_error_and_sets_rc() -> None:
    r = run("capture gen x = 1\ndi _rc\ncapture gen y = nosuch\ndi _rc\ncap noi gen z = 1\n"
            "di _rc\ncapture frobnicate\ndi _rc\n"
            "capture {\n gen a = 1\n gen a = 2\n}\ndi _rc")  # fmt: skip
    assert outputs(r) == ["110", "111", "0", "199", "110"]
    assert "a" in r.data and "z" in r.data


def test_capture_of_an_estimation_error(student: pd.DataFrame) -> None:
    r = run("capture reg G3 nosuchvar\ndi _rc\nreg G3 absences\ndi _rc", student)
    assert outputs(r) == ["111", "111"] and len(r.results) == 1  # _rc keeps the last capture


def test_quietly_and_noisily() -> None:
    r = run("qui count\nquietly {\n count\n noisily count\n}\ncount")
    assert outputs(r) == ["  3", "  3"]


# --- comments and macros -----------------------------------------------------------------
def test_nested_block_comments() -> None:
    r = run("/* outer /* inner */ still comment */ count\n/* a\n /* b */\n*/ di 1")
    assert outputs(r) == ["  3", "1"]
    with pytest.raises(StataSyntaxError, match="unterminated"):
        run("/* /* */ count")


def test_macros() -> None:
    r = run("local a 5\nlocal b = `a' * 2\nglobal g hello\nlocal i 2\nlocal x2 two\n"
            "di `b'\ndi \"$g ${g}!\"\ndi \"`x`i''\"\ndi \"[`undefined']\"\n"
            "local n : word count a b c\ndi `n'\nlocal ++i\ndi `i'\nlocal half = 1/2\n"
            "di \"`half'\"\nlocal s `\"say \"hi\"\"'\ndi `\"`s'\"'")  # fmt: skip
    assert outputs(r) == ["10", "hello hello!", "two", "[]", "3", "3", ".5", 'say "hi"']


# --- loops and if -------------------------------------------------------------------------
def test_forvalues_foreach_and_nested_loops() -> None:
    r = run("forvalues i = 1/3 {\n gen v`i' = `i'\n}\nforeach v of varlist v* {\n"
            " replace `v' = `v' * 10\n}\nforvalues i = 0(5)10 {\n foreach w in a b {\n"
            "  di \"`i'`w'\"\n }\n}\nforeach n of numlist 1 2.5 {\n di `n'\n}")  # fmt: skip
    assert r.data["v3"].tolist() == [30.0] * 3
    assert [o for o in outputs(r) if "real" not in o] == [
        "0a",
        "0b",
        "5a",
        "5b",
        "10a",
        "10b",
        "1",
        "2.5",
    ]


def test_continue_break_while_if_else() -> None:
    r = run("forvalues i = 1/6 {\n if `i' == 2 {\n  continue\n }\n if `i' == 4 {\n"
            "  continue, break\n }\n di `i'\n}\nlocal k 0\nwhile `k' < 3 {\n local ++k\n}\n"
            "if `k' > 5 {\n di \"big\"\n}\nelse if `k' == 3 {\n di \"three\"\n}\nelse {\n"
            " di \"small\"\n}")  # fmt: skip
    assert outputs(r) == ["1", "3", "three"]


def test_errors_inside_loops_name_the_line_and_iteration() -> None:
    with pytest.raises(VceregError, match=r"line 2 \(i = 2\): variable v already defined"):
        run("forvalues i = 1/3 {\n gen v = `i'\n}")
    with pytest.raises(StataSyntaxError, match="never closed"):
        run("forvalues i = 1/3 {\n di 1")


def test_exit_stops_and_tempvars_are_dropped() -> None:
    r = run("tempvar t\ngen `t' = 1\ngen y = `t' + 1\nexit\ngen z = 1")
    assert list(r.data.columns) == ["x", "y"]


def test_loops_are_bounded() -> None:
    with pytest.raises(StataSyntaxError, match="too long"):
        run("forvalues i = 1/100000000 {\n di 1\n}")


# --- refused commands and files -------------------------------------------------------------
@pytest.mark.parametrize(
    "line",
    ["shell echo hi", "! echo hi", "winexec calc", "python: print(1)", "mata: 1",
     "program define f", "ssc install estout", "cd /", "erase x.dta", "net install x"],
)  # fmt: skip
def test_code_running_commands_are_refused(
    line: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[object] = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: calls.append(a))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NotSupportedError, match="refused"):
        run(line, files=tmp_path)
    assert calls == [] and list(tmp_path.iterdir()) == []


def test_files_are_refused_without_a_directory(tmp_path: Path) -> None:
    pd.DataFrame({"a": [1, 2]}).to_csv(tmp_path / "d.csv", index=False)
    with pytest.raises(NotSupportedError, match=r"file access is off.*r\(603\)"):
        run(f"use {tmp_path / 'd.csv'}")
    with pytest.raises(NotSupportedError, match="outside the allowed directory"):
        run("use ../d.csv", files=tmp_path / "sub")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "link.csv").symlink_to(tmp_path / "d.csv")
    with pytest.raises(NotSupportedError, match="outside the allowed directory"):
        run("use link.csv", files=tmp_path / "sub")
    assert run("use d.csv", files=tmp_path).data["a"].tolist() == [1, 2]


def test_do_files_run_inside_the_directory_with_a_depth_limit(tmp_path: Path) -> None:
    (tmp_path / "step.do").write_text("gen from_step = `1' * 2\n")
    r = run("do step 21\ndi from_step[1]", files=tmp_path)
    assert outputs(r) == ["42"]
    (tmp_path / "loop.do").write_text("do loop\n")
    with pytest.raises(StataSyntaxError, match="nested more than"):
        run("do loop", files=tmp_path)


def test_save_use_merge_and_tempfiles(tmp_path: Path) -> None:
    left = pd.DataFrame({"id": [3, 1, 2, 4], "a": [30.0, 10.0, 20.0, 40.0]})
    right = pd.DataFrame({"id": [1, 2, 2, 5], "b": ["x", "y", "z", "w"]})
    right.to_csv(tmp_path / "right.csv", index=False)
    with pytest.raises(VceregError, match=r"do not uniquely identify.*using data; r\(459\)"):
        run("merge 1:1 id using right.csv", left, files=tmp_path)
    r = run("tempfile keep\npreserve\nkeep if id < 3\nsave `keep'\nrestore\n"
            "merge 1:m id using right.csv\nsave out.dta", left, files=tmp_path)  # fmt: skip
    ref = left.merge(right, on="id", how="outer", indicator=True).sort_values(
        "id", kind="mergesort"
    )
    codes = ref["_merge"].map({"left_only": 1, "right_only": 2, "both": 3}).tolist()
    assert r.data["id"].tolist() == ref["id"].tolist() and r.data["_merge"].tolist() == codes
    assert (tmp_path / "out.dta").is_file() and r.written == (tmp_path / "out.dta",)
    with pytest.raises(VceregError, match=r"already exists; r\(602\)"):
        run("save out.dta", left, files=tmp_path)


def test_merge_keep_assert_and_extended_missing(tmp_path: Path) -> None:
    left = pd.DataFrame({"id": [1, 2, 3], "a": [10.0, 20.0, 30.0]})
    pd.DataFrame({"id": [1, 2, 9], "b": [1, 2, 9]}).to_csv(tmp_path / "r.csv", index=False)
    r = run("replace a = .c in 2\nmerge 1:1 id using r.csv, keep(master match) nogen\n"
            "gen is_c = a == .c", left, files=tmp_path)  # fmt: skip
    assert r.data["id"].tolist() == [1, 2, 3] and r.data["is_c"].tolist() == [0.0, 1.0, 0.0]
    with pytest.raises(VceregError, match=r"assertion 'match' is false for 2 observation"):
        run("merge 1:1 id using r.csv, assert(match)", left, files=tmp_path)
    with pytest.raises(VceregError, match=r"option update not allowed"):
        run("merge 1:1 id using r.csv, update", left, files=tmp_path)


def test_estimation_if_cannot_see_extended_missing(student: pd.DataFrame) -> None:
    with pytest.raises(NotSupportedError, match=r"cannot tell \.a-\.z apart"):
        run("replace absences = .a in 1\nreg G3 age if absences != .a", student)
    r = run(
        "replace absences = .a in 1\ngen byte touse = absences != .a\nreg G3 age if touse", student
    )
    assert r.results[0].nobs == len(student) - 1
