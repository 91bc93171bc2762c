"""The do-file runner: estimation lines, panel declarations, registered commands."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import vcereg
from vcereg.dofile import (
    DoCommand,
    DoState,
    register_command,
    registered_commands,
    unregister_command,
)
from vcereg.errors import StataSyntaxError, VceregError


@pytest.fixture(scope="module")
def student() -> pd.DataFrame:
    return vcereg.datasets.load("student-mat")


def _run(text: str, data: pd.DataFrame, **kwargs: object) -> vcereg.DoRun:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return vcereg.run_do(text, data, **kwargs)  # type: ignore[arg-type]


def test_fits_equal_the_single_line_api(student: pd.DataFrame) -> None:
    run = _run("reg G3 absences age, vce(robust)\nG3 ~ absences | vce(hc3)", student)
    first = vcereg.stata("reg G3 absences age, vce(robust)", student)
    second = vcereg.regress("G3 ~ absences | vce(hc3)", student)
    assert len(run.results) == 2
    pd.testing.assert_series_equal(run.results[0].params, first.params)
    pd.testing.assert_series_equal(run.results[1].se, second.se)


def test_xtset_applies_to_later_lines(student: pd.DataFrame) -> None:
    d = student.assign(id=student.index // 5)
    run = _run("xtset id\nxtreg G3 absences, fe", d)
    direct = vcereg.stata("xtreg G3 absences, fe", d, panel=vcereg.spec.PanelSpec("id", None))
    assert run.results[0].params["absences"] == pytest.approx(direct.params["absences"], 1e-12)


def test_estimates_store_restore_replay(student: pd.DataFrame) -> None:
    run = _run(
        "reg G3 absences\nest sto base\nreg G3 age\nestimates restore base\n"
        "estimates replay\nest dir",
        student,
    )
    assert list(run.stored) == ["base"]
    assert run.stored["base"] is run.results[0]
    (n1, line1, replay), (n2, _, listing) = run.log
    assert (n1, line1, n2) == (5, "estimates replay", 6)
    assert replay == run.results[0].summary()  # restore made the first fit active again
    assert str(listing).startswith("base: G3")


def test_registered_command_gets_words_options_and_the_active_fit(
    student: pd.DataFrame,
) -> None:
    seen: list[DoCommand] = []

    def nobs(cmd: DoCommand, state: DoState) -> str:
        seen.append(cmd)
        state.data = state.data.assign(flag=1)
        return f"N = {state.current(cmd).nobs}"

    register_command("nobsx", nobs, abbrev=4)
    assert "nobsx" in registered_commands()
    try:
        run = _run("reg G3 absences if age > 16\nnobs a b, lev(90) opt\nqui nobsx", student)
    finally:
        unregister_command("nobsx")
    assert "nobsx" not in registered_commands()
    assert [(c.word, c.args, c.options, c.lineno) for c in seen] == [
        ("nobsx", "a b", "lev(90) opt", 2),
        ("nobsx", "", "", 3),
    ]
    assert seen[0].option("level", abbrev=3) == "90" and seen[0].option("opt") == ""
    assert seen[0].option("missing") is None
    n_if = int((student["age"] > 16).sum())
    assert [out for _, _, out in run.log] == [f"N = {n_if}"]  # quietly: no output
    assert "flag" in run.data and "flag" not in student  # the user's frame is untouched


def test_errors_name_the_line_and_the_command(student: pd.DataFrame) -> None:
    with pytest.raises(StataSyntaxError, match="line 1: estimates: last estimates not found"):
        _run("est store a", student)
    with pytest.raises(StataSyntaxError, match="line 2: unrecognized command: frobnicate"):
        _run("reg G3 age\nfrobnicate x = 1", student)
    with pytest.raises(StataSyntaxError, match="estimation result nope not found"):
        _run("reg G3 age\nest restore nope", student)
    with pytest.raises(VceregError, match="line 2"):
        _run("reg G3 age\nreg G3 nosuchvar", student)
    with pytest.raises(StataSyntaxError, match="expected the do-file as a string"):
        vcereg.run_do(3, student)  # type: ignore[arg-type]


def test_ssc_and_level_apply_to_every_model(student: pd.DataFrame) -> None:
    run = _run("reg G3 absences, vce(cluster school)", student, ssc="fixest", level=90)
    direct = vcereg.regress("G3 ~ absences | vce(cluster school)", student, ssc="fixest", level=90)
    assert run.results[0].level == 90
    pd.testing.assert_frame_equal(run.results[0].conf_int(), direct.conf_int())
