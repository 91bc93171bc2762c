"""The installed ``vcereg`` command, run in a subprocess: outputs, files, exit codes."""

from __future__ import annotations

import json
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import vcereg
from vcereg.cli import main

from .conftest import Run

DATA = Path(__file__).resolve().parents[1] / "data"
CLUSTER = "G3 ~ absences | vce(cluster school)"
ROBUST = "regress G3 absences studytime, vce(robust)"
FEW = "only 2 clusters in school"


def _fit(model: str, data: pd.DataFrame, **kwargs: object) -> vcereg.Results:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return vcereg.regress(model, data, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def pair(student: pd.DataFrame) -> list[vcereg.Results]:
    return [_fit(CLUSTER, student), _fit(ROBUST, student)]


def _clean(stderr: str) -> None:
    assert "Traceback" not in stderr
    assert "Warning:" not in stderr  # no Python-format warnings ("FewClustersWarning: ...")


# --- outputs -------------------------------------------------------------------------
def test_one_model_prints_the_summary(run: Run, student: pd.DataFrame) -> None:
    p = run(CLUSTER, "--example", "student-mat")
    assert p.returncode == 0, p.stderr
    assert p.stdout.rstrip("\n") == _fit(CLUSTER, student).summary().rstrip("\n")
    assert "adjusted for 2 clusters in school" in p.stdout
    lines = p.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"warning: {FEW}")
    _clean(p.stderr)


def test_data_file_with_sniffed_separator(run: Run, tmp_path: Path) -> None:
    shutil.copy(vcereg.datasets.path("student-mat"), tmp_path / "student-mat.csv")
    p = run("G3 ~ absences", "--data", "student-mat.csv")
    assert p.returncode == 0, p.stderr
    assert "Number of obs   =       395" in p.stdout and p.stderr == ""


@pytest.mark.parametrize(
    ("fmt", "marker"),
    [("text", "Observations"), ("markdown", "|:--"), ("latex", r"\begin{tabular}"),
     ("html", "<table")],
)  # fmt: skip
def test_two_models_each_format(
    run: Run, pair: list[vcereg.Results], fmt: str, marker: str
) -> None:
    p = run(CLUSTER, ROBUST, "--example", "student-mat", "--format", fmt)
    assert p.returncode == 0, p.stderr
    assert marker in p.stdout
    assert p.stdout.rstrip("\n") == vcereg.etable(pair).render(fmt).rstrip("\n")
    assert p.stderr.splitlines() == [f"warning: model 1: {FEW}" + p.stderr.split(FEW)[1].rstrip()]
    _clean(p.stderr)


@pytest.mark.parametrize(
    ("ext", "fmt"),
    [(".txt", "text"), (".md", "markdown"), (".tex", "latex"), (".html", "html"),
     (".htm", "html"), (".markdown", "markdown")],
)  # fmt: skip
def test_out_format_from_extension(
    run: Run, tmp_path: Path, pair: list[vcereg.Results], ext: str, fmt: str
) -> None:
    target = tmp_path / f"table{ext}"
    p = run(CLUSTER, ROBUST, "--example", "student-mat", "--out", target.name, "-q")
    assert p.returncode == 0, p.stderr
    assert p.stdout == "" and p.stderr == ""
    expected = vcereg.etable(pair).render(fmt)
    assert target.read_text(encoding="utf-8").rstrip("\n") == expected.rstrip("\n")


def test_out_json_extension(run: Run, tmp_path: Path) -> None:
    p = run(CLUSTER, "--example", "student-mat", "--out", "r.json", "-q")
    assert p.returncode == 0, p.stderr
    assert json.loads((tmp_path / "r.json").read_text())["models"][0]["nobs"] == 395


def test_table_options_render(run: Run, tmp_path: Path, student: pd.DataFrame) -> None:
    (tmp_path / "labels.json").write_text(json.dumps({"failures": "Past failures"}))
    args = ["--drop", "studytime", "--keep", "absences,failures", "--labels", "labels.json",
            "--below", "ci", "--digits", "2", "--stars", "none", "--title", "OLS",
            "--title", "Robust"]  # fmt: skip
    models = ["G3 ~ absences + studytime + failures"] * 2
    models[1] += " | vce(robust)"
    p = run(*models, "--example", "student-mat", *args)
    assert p.returncode == 0, p.stderr
    expected = vcereg.etable(
        [_fit(m, student) for m in models], keep=["absences", "failures"], drop=["studytime"],
        labels={"failures": "Past failures"}, below="ci", digits=2, stars=None,
        titles=["OLS", "Robust"],
    )  # fmt: skip
    assert p.stdout.rstrip("\n") == expected.to_text().rstrip("\n")
    assert "Past failures" in p.stdout and "studytime" not in p.stdout and "*" not in p.stdout


def test_single_model_table_and_stars(run: Run, student: pd.DataFrame) -> None:
    p = run("G3 ~ failures", "--example", "student-mat", "--table", "--stars", "0.05,0.01")
    assert p.returncode == 0, p.stderr
    expected = vcereg.etable(_fit("G3 ~ failures", student), stars=(0.05, 0.01))
    assert p.stdout.rstrip("\n") == expected.to_text().rstrip("\n")


# --- JSON ----------------------------------------------------------------------------
def _check_json(model: dict[str, object], r: vcereg.Results) -> None:
    terms = list(r.terms)
    coefs = model["coefficients"]
    assert isinstance(coefs, dict)
    assert model["terms"] == terms and list(coefs) == terms
    tidy = r.tidy()
    for col in ("estimate", "std_error", "t", "p", "ci_low", "ci_high"):
        got = [coefs[t][col] for t in terms]
        np.testing.assert_allclose(got, tidy[col].to_numpy(), rtol=1e-12, atol=0)
    vcov = model["vcov"]
    assert isinstance(vcov, dict) and vcov["terms"] == terms
    np.testing.assert_allclose(vcov["matrix"], r.cov.to_numpy(), rtol=1e-12, atol=0)
    assert model["nobs"] == r.nobs and model["df_resid"] == r.df_resid
    assert model["df_inference"] == r.df_inference
    np.testing.assert_allclose([model["r2"], model["rmse"]], [r.rsquared, r.rmse], rtol=1e-12)
    f = model["f"]
    assert isinstance(f, dict)
    np.testing.assert_allclose([f["stat"], f["p"]], [r.fstat, r.f_pvalue], rtol=1e-12)
    assert model["vce"] == {"name": r.vce_name, "label": r.vce_label, "ssc": r.ssc_name}
    assert model["n_clusters"] == dict(r.n_clusters)
    assert model["notes"] == list(r.notes)


def test_json_matches_regress(run: Run, pair: list[vcereg.Results]) -> None:
    p = run(CLUSTER, ROBUST, "--example", "student-mat", "--json", "--title", "a", "--title", "b")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["vcereg"] == vcereg.__version__
    assert [m["title"] for m in out["models"]] == ["a", "b"]
    for model, r in zip(out["models"], pair, strict=True):
        _check_json(model, r)
    assert out["models"][0]["df_inference"] == 1.0
    np.testing.assert_allclose(out["models"][0]["coefficients"]["absences"]["p"], 0.143, atol=5e-4)


def test_json_with_ssc_preset_and_level(run: Run, student: pd.DataFrame) -> None:
    p = run(CLUSTER, "--example", "student-mat", "--json", "--ssc", "statsmodels", "--level", "90")
    assert p.returncode == 0, p.stderr
    (model,) = json.loads(p.stdout)["models"]
    _check_json(model, _fit(CLUSTER, student, ssc="statsmodels", level=90))
    assert model["df_inference"] is None and model["level"] == 90


# --- do-files ------------------------------------------------------------------------
DO_FILE = """\
* models for the paper
G3 ~ absences                       // the DSL, one model per line
regress G3 absences studytime, ///
    vce(robust)
/* a block
   comment */
# a comment line
G3 ~ absences | vce(cluster school)
"""


def test_do_file_with_dsl_stata_and_comments(
    run: Run, tmp_path: Path, student: pd.DataFrame
) -> None:
    (tmp_path / "models.txt").write_text(DO_FILE)
    p = run("--do", "models.txt", "--example", "student-mat", "--json")
    assert p.returncode == 0, p.stderr
    models = json.loads(p.stdout)["models"]
    expected = ["G3 ~ absences", ROBUST, CLUSTER]
    assert len(models) == 3
    for model, line in zip(models, expected, strict=True):
        _check_json(model, _fit(line, student))
    assert p.stderr.splitlines() == [
        f"warning: models.txt: line 8: {FEW}" + p.stderr.split(FEW)[1].rstrip()
    ]


def test_do_file_table_and_xtset(run: Run, tmp_path: Path) -> None:
    shutil.copy(DATA / "petersen.csv", tmp_path / "petersen.csv")
    (tmp_path / "panel.do").write_text(
        "xtset firmid year\nreg y x, vce(cluster firmid)\ny ~ x | vce(cluster firmid year)\n"
    )
    p = run("--do", "panel.do", "--data", "petersen.csv", "--format", "markdown")
    assert p.returncode == 0, p.stderr
    assert "Clusters (firmid)" in p.stdout and "two-way clustered by firmid and year" in p.stdout
    assert p.stderr.startswith("warning: panel.do: line 3: only 10 clusters in year")


def test_do_file_with_post_estimation_commands(run: Run, tmp_path: Path) -> None:
    (tmp_path / "post.do").write_text(
        "reg G3 absences\nestimates store base\nreg G3 age, robust\nestimates replay base\n"
    )
    p = run("--do", "post.do", "--example", "student-mat")
    assert p.returncode == 0, p.stderr
    assert "(1)" in p.stdout and "(2)" in p.stdout  # both fits in the table
    log = p.stdout[p.stdout.index(". estimates replay base") :]
    assert "Number of obs   =       395" in log and "absences |" in log
    p = run("--do", "post.do", "--example", "student-mat", "--json")
    (cmd,) = json.loads(p.stdout)["commands"]
    assert cmd["line"] == 4 and cmd["command"] == "estimates replay base"


def test_word_and_excel_outputs(run: Run, tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    openpyxl = pytest.importorskip("openpyxl")
    for name in ("t.docx", "t.xlsx"):
        p = run(CLUSTER, ROBUST, "--example", "student-mat", "-o", name)
        assert p.returncode == 0 and p.stdout == "", p.stderr
    cells = [c.text for c in docx.Document(str(tmp_path / "t.docx")).tables[0].rows[2].cells]
    assert cells[0] == "absences"
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert any(isinstance(c.value, float) for row in ws.iter_rows() for c in row)
    p = run(CLUSTER, "--example", "student-mat", "-f", "docx")
    assert p.returncode == 2 and "add --out table.docx" in p.stderr
    # a format that contradicts the file name would write an unreadable file
    p = run(CLUSTER, "--example", "student-mat", "-o", "out.xlsx", "--format", "docx")
    assert p.returncode == 2 and "'out.xlsx' is a xlsx file name but the format is docx" in p.stderr
    assert not (tmp_path / "out.xlsx").exists()


def test_do_file_summarize(run: Run, tmp_path: Path) -> None:
    (tmp_path / "d.do").write_text("summarize G3 absences\nreg G3 absences\n")
    p = run("--do", "d.do", "--example", "student-mat")
    assert p.returncode == 0, p.stderr
    assert ". summarize G3 absences" in p.stdout and "Mean" in p.stdout


def test_do_file_from_stdin(run: Run) -> None:
    p = run("--do", "-", "--example", "student-mat", input="G3 ~ absences\nreg G3 failures\n")
    assert p.returncode == 0, p.stderr
    assert "(1)" in p.stdout and "(2)" in p.stdout and "failures" in p.stdout


# --- plots, version, listing ---------------------------------------------------------
def test_plot(run: Run, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    p = run(CLUSTER, ROBUST, "--example", "student-mat", "--plot", "coef.png", "-q")
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "coef.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Observations" in p.stdout


def test_version_and_list(run: Run) -> None:
    p = run("--version")
    assert p.returncode == 0 and p.stdout.strip() == f"vcereg {vcereg.__version__}"
    p = run("--list-vce")
    assert p.returncode == 0
    names = [line.split()[0] for line in p.stdout.splitlines()]
    assert names == sorted(vcereg.available_vce())


def test_module_fallback(run: Run) -> None:
    p = run("--version", cmd=[sys.executable, "-m", "vcereg.cli"])
    assert p.returncode == 0 and "vcereg" in p.stdout


def test_dropped_rows_warning_is_one_line(run: Run, tmp_path: Path) -> None:
    d = pd.DataFrame({"y": [1.0, 2.0, 3.5, np.nan, 5.0, 4.0], "x": [1, 2, 3, 4, 5, 7.0]})
    d.to_csv(tmp_path / "d.csv", index=False)
    p = run("y ~ x", "--data", "d.csv")
    assert p.returncode == 0, p.stderr
    lines = p.stderr.splitlines()
    assert lines and all(line.startswith("warning: ") for line in lines)
    assert "Number of obs   =         5" in p.stdout
    _clean(p.stderr)


# --- bad invocations -----------------------------------------------------------------
EX = ("--example", "student-mat")
BAD = [
    # (arguments, exit code, fragments expected in stderr)
    (("--bogus",), 2, ["unrecognized arguments: --bogus"]),
    (("G3 ~ absences +", *EX), 2, ["could not parse the formula", "^"]),
    (("G3 ~ absences | vce(clustr school)", *EX), 2, ["did you mean 'cluster'?", "^^^"]),
    (("regress G3 absences, vce(clustr school)", *EX), 2, ["did you mean", "^"]),
    (("G3 ~ absences | vcee(robust)", *EX), 2, ["did you mean vce(...)?"]),
    (("G3 ~ absences", "--data", "missing.csv"), 1, ["no such data file: 'missing.csv'"]),
    (("G3 ~ absencs", *EX), 1, ["not found", "did you mean 'absences'?"]),
    (("G3 ~ absences", *EX, "--format", "pdf"), 2, ["unknown format 'pdf'"]),
    (("G3 ~ absences", *EX, "--out", "t.xyz"), 2, ["cannot tell the format"]),
    (("--do", "missing.txt", *EX), 1, ["no such models file"]),
    (EX, 2, ["no model given"]),
    (("G3 ~ absences", "--example", "nope"), 1, ["no bundled data set 'nope'", "student-mat"]),
    (("G3 ~ absences",), 2, ["no data: pass --data FILE or --example NAME"]),
    (("G3 ~ absences", *EX, "--data", "x.csv"), 2, ["either --data or --example"]),
    (("G3 ~ absences", *EX, "--stars", "2"), 2, ["p-value thresholds"]),
    (("G3 ~ absences", *EX, "--title", "a", "--title", "b"), 2, ["--title given 2"]),
    (("G3 ~ absences", *EX, "--keep", "nothing"), 1, ["matches no term"]),
    (("G3 ~ absences", *EX, "--labels", "none.json"), 1, ["no such labels file"]),
    (("G3 ~ absences", *EX, "--ssc", "r"), 2, ["invalid choice: 'r'"]),
    (("tobit G3 absences", *EX), 2, ["tobit is not supported", "^^^^^"]),
    (("y", "~", "x", *EX), 2, ["model 1", "expected a formula with '~'"]),
]


@pytest.mark.parametrize(("args", "code", "fragments"), BAD, ids=[" ".join(b[0]) for b in BAD])
def test_bad_invocations(run: Run, args: tuple[str, ...], code: int, fragments: list[str]) -> None:
    p = run(*args)
    assert p.returncode == code, p.stderr
    for fragment in fragments:
        assert fragment in p.stderr
    assert p.stdout == ""
    _clean(p.stderr)


def test_unsafe_formula_is_refused_and_not_run(run: Run, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    p = run(f"G3 ~ {{__import__('os').system('touch {marker}')}}", *EX)
    assert p.returncode == 2
    assert "safe mode does not allow" in p.stderr and "^" in p.stderr
    assert not marker.exists()
    _clean(p.stderr)


def test_bad_json_labels_and_bad_do_line(run: Run, tmp_path: Path) -> None:
    (tmp_path / "labels.json").write_text("[1, 2")
    p = run("G3 ~ absences", *EX, "--labels", "labels.json")
    assert p.returncode == 2 and "not valid JSON" in p.stderr
    (tmp_path / "m.do").write_text("G3 ~ absences\nfrobnicate z = 1\n")
    p = run("--do", "m.do", *EX)
    assert p.returncode == 2
    assert "m.do: line 2" in p.stderr and "unrecognized command: frobnicate" in p.stderr
    _clean(p.stderr)


def test_main_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"vcereg {vcereg.__version__}"
    assert main(["--nope"]) == 2
    assert "unrecognized arguments" in capsys.readouterr().err
    assert main(["G3 ~ absences", "--example", "student-mat", "--json", "-q"]) == 0
    (model,) = json.loads(capsys.readouterr().out)["models"]
    assert model["nobs"] == 395


def test_stata_variable_labels_become_default_term_labels(
    run: Run, tmp_path: Path, student: pd.DataFrame
) -> None:
    d = student[["G3", "absences", "age"]]
    d.to_stata(
        tmp_path / "s.dta",
        write_index=False,
        variable_labels={"G3": "Final grade", "absences": "School absences"},
    )
    (tmp_path / "labels.json").write_text('{"age": "Age in years"}')
    p = run("G3 ~ absences + age", "--data", "s.dta", "--table", "--labels", "labels.json")
    assert p.returncode == 0, p.stderr
    assert "Final grade" in p.stdout and "School absences" in p.stdout
    assert "Age in years" in p.stdout  # --labels adds to (and overrides) the file's labels
