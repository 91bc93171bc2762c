"""Do-file ``predict``/``margins`` lines, the CLI's ``--predict`` and margins in etable."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import vcereg
from vcereg.cli import main
from vcereg.commands.margins import numlist
from vcereg.errors import DataError, StataSyntaxError


def _run(text: str, data: pd.DataFrame) -> vcereg.DoRun:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return vcereg.run_do(text, data)


def test_predict_lines_add_columns_to_a_copy(student):
    d = student.copy()
    d.loc[d.index[:3], "G3"] = np.nan  # outside the sample, but xb can be computed
    before = d.copy()
    run = _run(
        "regress G3 c.absences##c.absences i.sex\n"
        "predict yhat\npredict double e, r\npredict s, stdp\npredict ein if e(sample), xb",
        d,
    )
    pd.testing.assert_frame_equal(d, before)  # the user's data is untouched
    r = run.results[0]
    out = run.data
    np.testing.assert_allclose(out["yhat"], r.predict(d), rtol=1e-12)
    assert out["yhat"].iloc[:3].notna().all()  # Stata: predict xb fills every computable row
    assert out["ein"].iloc[:3].isna().all()  # if e(sample): the estimation sample only
    assert out["e"].iloc[:3].isna().all()  # no y, no residual
    inside = out["ein"].notna()
    np.testing.assert_allclose((out["yhat"] + out["e"])[inside], d["G3"][inside], atol=1e-12)
    np.testing.assert_allclose(out["s"], r.predict(d, what="stdp"), rtol=1e-12)


def test_predict_line_errors(student):
    with pytest.raises(StataSyntaxError, match="already defined"):
        _run("regress G3 absences\npredict G1", student)
    with pytest.raises(StataSyntaxError, match="only one of"):
        _run("regress G3 absences\npredict a, xb stdp", student)
    with pytest.raises(StataSyntaxError, match="last estimates not found"):
        _run("predict a", student)
    with pytest.raises(DataError, match="absorbed"):
        _run("regress G3 absences\npredict a, xbd", student)


def test_margins_lines_equal_the_python_api(student):
    run = _run(
        "regress G3 c.absences##c.absences i.sex age, vce(robust)\n"
        "margins, dydx(absences sex)\n"
        "margins, at(absences=(0 10(10)30) age=17) atmeans\n"
        "margins, dydx(*) over(school) level(90)",
        student,
    )
    r = run.results[0]
    (_, _, ame_out), (_, _, at_out), (_, _, over_out) = run.log
    ame, at, over = ame_out.table, at_out.table, over_out.table
    assert "Average marginal effects" in str(ame_out) and "ci_high" in str(ame_out)
    pd.testing.assert_frame_equal(ame, r.margins(dydx=["absences", "sex"]))
    expected = r.margins(at={"absences": [0, 10, 20, 30], "age": 17}, atmeans=True)
    pd.testing.assert_frame_equal(at, expected)
    assert list(at.index) == [f"absences={v}, age=17" for v in (0, 10, 20, 30)]
    assert over.attrs["level"] == 90 and "absences | school=MS" in over.index


def test_margins_line_errors(student):
    with pytest.raises(StataSyntaxError, match="post"):
        _run("regress G3 absences\nmargins, dydx(absences) post", student)
    with pytest.raises(StataSyntaxError, match="marginlist"):
        _run("regress G3 absences i.sex\nmargins sex", student)


def test_numlist():
    assert numlist("1/3 10(5)20 2.5") == [1, 2, 3, 10, 15, 20, 2.5]
    assert numlist("3/1") == [3, 2, 1]
    with pytest.raises(DataError):
        numlist("1(0)3")
    with pytest.raises(DataError):
        numlist("ten")


def test_cli_predict_writes_the_data_with_predictions(tmp_path: Path, student, capsys):
    data = tmp_path / "d.csv"
    student.to_csv(data, index=False)
    out = tmp_path / "pred.csv"
    assert main(["G3 ~ absences + C(sex)", "--data", str(data), "--predict", str(out), "-q"]) == 0
    written = pd.read_csv(out)
    r = vcereg.regress("G3 ~ absences + C(sex)", student)
    np.testing.assert_allclose(written["xb"], r.predict(), rtol=1e-12)
    np.testing.assert_allclose(written["resid"], r.predict(what="residuals"), atol=1e-12)
    do = tmp_path / "m.do"
    do.write_text("regress G3 absences\npredict fit\npredict res, residuals\n")
    out2 = tmp_path / "pred.parquet"
    pytest.importorskip("pyarrow")
    assert main(["--do", str(do), "--data", str(data), "--predict", str(out2), "-q"]) == 0
    written2 = pd.read_parquet(out2)
    assert {"fit", "res"} <= set(written2.columns) and "xb" not in written2.columns
    capsys.readouterr()
    assert main(["G3 ~ absences", "--data", str(data), "--predict", str(tmp_path / "x.foo")]) == 1
    assert ".csv" in capsys.readouterr().err


def test_etable_shows_margins_next_to_the_model(student):
    r = vcereg.regress("G3 ~ absences + I(absences**2) + C(sex) | vce(robust)", student)
    m = r.margins(dydx=["absences", "sex"])
    text = vcereg.etable([r, m], digits=4).to_text()
    ame = m.loc["absences", "estimate"]
    assert f"{ame:.4f}" in text and f"({m.loc['absences', 'std_error']:.4f})" in text
    assert "M.sex" in text
    with pytest.raises(vcereg.errors.RenderError, match="tidy"):
        vcereg.etable(pd.DataFrame({"estimate": [1.0]}))


def test_do_file_predict_leaves_unseen_levels_missing(student):
    run = _run('regress G3 absences i.Mjob if Mjob != "health"\npredict yhat', student)
    health = (student["Mjob"] == "health").to_numpy()
    assert run.data["yhat"][health].isna().all() and run.data["yhat"][~health].notna().all()
    with pytest.raises(DataError, match="health"):
        run.results[0].predict(student)
