"""Do-file ``test``/``lincom`` lines and the CLI's ``--test``: the same numbers as the
Python API (whose maths is checked against statsmodels in tests/postestimation)."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import vcereg
from vcereg.cli import main
from vcereg.errors import HypothesisError, StataSyntaxError


@pytest.fixture(scope="module")
def student() -> pd.DataFrame:
    return vcereg.datasets.load("student-mat")


def _run(text: str, data: pd.DataFrame) -> vcereg.DoRun:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return vcereg.run_do(text, data)


def test_test_and_lincom_lines(student):
    run = _run(
        "reg G3 absences studytime i.Mjob, vce(robust)\n"
        "test absences = studytime\n"
        "te health.Mjob other.Mjob\n"
        "test (absences = 0) (studytime = 0)\n"
        "test absences = 0, studytime = 0\n"
        "lincom absences + 2*studytime, level(90)\n",
        student,
    )
    fit = run.results[0]
    outputs = [o for _, _, o in run.log]
    assert outputs[0].stat == pytest.approx(fit.test("absences = studytime").stat, rel=1e-12)
    assert outputs[1].df == (2, fit.df_inference)
    assert outputs[2].stat == pytest.approx(outputs[3].stat, rel=1e-12)
    assert outputs[3].stat == pytest.approx(fit.test("absences studytime").stat, rel=1e-12)
    want = fit.lincom("absences + 2*studytime", level=90)
    assert f"{want.iloc[0]['ci_low']:.6f}"[:6] in outputs[4]
    assert "F(  1,   388)" in str(outputs[0])


def test_test_needs_a_model_and_valid_input(student):
    with pytest.raises(StataSyntaxError, match="last estimates not found"):
        _run("test x = 0", student)
    with pytest.raises(HypothesisError, match="line 2: unknown coefficient 'age'"):
        _run("reg G3 absences\ntest age = 0", student)
    with pytest.raises(StataSyntaxError, match="option 'mtest' is not supported"):
        _run("reg G3 absences\ntest absences, mtest", student)
    with pytest.raises(StataSyntaxError, match="lincom takes level"):
        _run("reg G3 absences\nlincom absences, mtest", student)


def test_cli_test_option(student, capsys):
    code = main(
        ["G3 ~ absences + studytime", "--example", "student-mat", "--test", "absences = studytime"]
    )
    assert code == 0
    printed = capsys.readouterr().out
    fit = vcereg.regress("G3 ~ absences + studytime", student)
    res = fit.test("absences = studytime")
    assert "test absences = studytime" in printed and f"{res.stat:8.2f}" in printed
    main(
        ["G3 ~ absences", "G3 ~ absences + studytime", "--example", "student-mat",
         "--test", "absences = 0", "--json"]
    )  # fmt: skip
    tests = json.loads(capsys.readouterr().out)["tests"]
    assert [t["model"] for t in tests] == [1, 2]
    assert tests[1]["stat"] == pytest.approx(fit.test("absences = 0").stat, rel=1e-12)
    assert main(["G3 ~ absences", "--example", "student-mat", "--test", "age = 0"]) == 2
    assert "unknown coefficient 'age'" in capsys.readouterr().err
