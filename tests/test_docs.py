"""The documentation builds, and its examples run.

* ``mkdocs build --strict`` succeeds (skipped, visibly, without mkdocs installed);
* every ```python block of a page runs, the page's blocks in order in one fresh process
  (a fresh namespace), with a temporary directory as the working directory;
* every ```console line ``$ vcereg ...`` (and ```bash line ``vcereg ...``) runs through the
  installed command and exits 0. A block right after ``<!-- file: NAME -->`` is written to
  ``NAME`` in that directory first, so examples can use their own input files;
* a block right after ``<!-- test: skip -->`` is not run;
* the numbers the getting-started page quotes are what vcereg computes, and the variance
  and command-line pages cover every registered estimator and every option.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

import vcereg
from vcereg.cli import build_parser

from .cli.conftest import vcereg_command

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
DATA = Path(__file__).parent / "data"
_FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)
_MARKER = re.compile(r"<!--\s*(file|test):\s*(\S+)\s*-->\s*\n$")


@dataclass(frozen=True)
class Block:
    lang: str
    code: str
    line: int  # of the opening fence, 1-based
    file: str | None  # from <!-- file: NAME -->
    skip: bool


def blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    out = []
    for m in _FENCE.finditer(text):
        before = _MARKER.search(text[: m.start()][-200:])
        kind, value = (before.group(1), before.group(2)) if before else ("", "")
        out.append(
            Block(
                lang=m.group(1).lower(),
                code=m.group(2),
                line=text[: m.start()].count("\n") + 1,
                file=value if kind == "file" else None,
                skip=kind == "test" and value == "skip",
            )
        )
    return out


def commands(block: Block) -> list[str]:
    """The vcereg command lines of a console (``$ vcereg``) or bash (``vcereg``) block."""
    lines = block.code.replace("\\\n", " ").splitlines()
    if block.lang == "console":
        found = [ln[2:] for ln in lines if ln.startswith("$ ")]
    elif block.lang in ("bash", "sh", "shell"):
        found = lines
    else:
        return []
    return [ln.split(" #")[0].strip() for ln in found if ln.strip().startswith("vcereg ")]


PAGES = sorted(DOCS.glob("*.md"))
PYTHON_PAGES = [p for p in PAGES if any(b.lang == "python" and not b.skip for b in blocks(p))]
CONSOLE = [
    (page, block.line, cmd)
    for page in PAGES
    for block in blocks(page)
    if not block.skip
    for cmd in commands(block)
]


@pytest.fixture()
def workdir(tmp_path: Path) -> Path:
    """A scratch directory with the data files the examples mention."""
    shutil.copy(vcereg.datasets.path("student-mat"), tmp_path / "student-mat.csv")
    shutil.copy(DATA / "petersen.csv", tmp_path / "petersen.csv")
    shutil.copy(DATA / "mpdta.csv", tmp_path / "mpdta.csv")
    return tmp_path


def _env() -> dict[str, str]:
    return {**os.environ, "MPLBACKEND": "Agg", "COLUMNS": "100"}


def _write_files(page: Path, where: Path) -> None:
    for block in blocks(page):
        if block.file is not None:
            (where / block.file).write_text(block.code, encoding="utf-8")


def test_pages_exist() -> None:
    names = {p.name for p in PAGES}
    assert {"index.md", "dsl.md", "variance.md", "cli.md", "api.md"} <= names
    assert PYTHON_PAGES and CONSOLE


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs", reason="mkdocs is not installed: docs build not checked")
    pytest.importorskip("mkdocstrings", reason="mkdocstrings is not installed")
    site = tmp_path / "site"
    p = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q",
         "-f", str(ROOT / "mkdocs.yml"), "-d", str(site)],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr + p.stdout
    for page in ("index.html", "dsl/index.html", "variance/index.html", "cli/index.html"):
        assert (site / page).is_file(), page
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    assert "regress" in api and "coefplot" in api and "Fit a linear regression" in api


@pytest.mark.parametrize("page", PYTHON_PAGES, ids=[p.name for p in PYTHON_PAGES])
def test_python_examples_run(page: Path, workdir: Path) -> None:
    _write_files(page, workdir)
    parts = [
        f"# --- {page.name}, block at line {b.line}\n{b.code}"
        for b in blocks(page)
        if b.lang == "python" and not b.skip
    ]
    script = workdir / f"_doc_{page.stem}.py"
    script.write_text("\n\n".join(parts), encoding="utf-8")
    p = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True, text=True, cwd=workdir, env=_env(), timeout=600,
    )  # fmt: skip
    assert p.returncode == 0, f"{page.name}: an example failed\n{p.stderr[-3000:]}"


@pytest.mark.parametrize(
    ("page", "line", "command"), CONSOLE, ids=[f"{c[0].name}:{c[1]}" for c in CONSOLE]
)
def test_console_examples_run(page: Path, line: int, command: str, workdir: Path) -> None:
    _write_files(page, workdir)
    argv = shlex.split(command)
    p = subprocess.run(
        [*vcereg_command(), *argv[1:]],
        capture_output=True, text=True, cwd=workdir, env=_env(), timeout=300,
    )  # fmt: skip
    assert p.returncode == 0, f"{page.name}:{line}: {command}\n{p.stderr}"
    assert "Traceback" not in p.stderr


def test_getting_started_numbers_are_computed() -> None:
    """The numbers the narrative quotes, recomputed (the code blocks only print them)."""
    text = (DOCS / "index.md").read_text(encoding="utf-8")
    d = vcereg.datasets.load("student-mat")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ols = vcereg.regress("G3 ~ absences", d)
        cl = vcereg.regress("G3 ~ absences | vce(cluster school)", d)
        sm = vcereg.regress("G3 ~ absences | vce(cluster school)", d, ssc="statsmodels")
    assert f"{ols.params['absences']:.4f}" == "0.0196" and "**0.0196**" in text
    assert f"{ols.pvalue['absences']:.3f}" == "0.497" and "**p = 0.497**" in text
    assert f"{cl.pvalue['absences']:.3f}" == "0.143" and "**p = 0.143**" in text
    assert cl.df_inference == 1 and "**G − 1 = 1**" in text
    assert f"{cl.se['absences']:.4f}" == "0.0045" and "(0.0045)" in text
    assert round(ols.se["absences"] / cl.se["absences"]) == 6 and "*six times smaller*" in text
    assert f"{sm.pvalue['absences']:.5f}" == "0.00001" and "p ≈ 0.00001" in text
    assert "**12.71**" in text and "Cameron & Miller 2015" in text


def test_variance_page_covers_every_estimator() -> None:
    text = (DOCS / "variance.md").read_text(encoding="utf-8")
    for name, aliases in vcereg.available_vce().items():
        assert f"\n## `{name}`\n" in text, f"docs/variance.md has no section for vce({name})"
        for alias in aliases:
            assert f"`{alias}`" in text, f"alias {alias!r} of {name} is not in docs/variance.md"
    for preset in ("stata", "fixest", "statsmodels"):
        assert f'`"{preset}"`' in text


def test_cli_page_covers_every_option() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for action in build_parser()._actions:
        for flag in action.option_strings:
            if flag.startswith("--"):
                assert f"`{flag}" in text, f"docs/cli.md does not mention {flag}"


EXAMPLES = {
    "student_cluster.py": ["p = 0.143   t(1)", "warning: only 2 clusters in school"],
    "petersen_panel.py": ["(0.0286)", "(0.0284)", "(0.0506)", "(0.0334)", "(0.0536)"],
    "paper_table.py": ["Training programme", "Programme firms", "wrote "],
}


def test_every_example_is_checked() -> None:
    assert sorted(p.name for p in (ROOT / "examples").glob("*.py")) == sorted(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_examples_run_from_the_repo_root(name: str, tmp_path: Path) -> None:
    args = [str(tmp_path / "out")] if name == "paper_table.py" else []
    p = subprocess.run(
        [sys.executable, f"examples/{name}", *args],
        capture_output=True, text=True, cwd=ROOT, env=_env(), timeout=300,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr
    for fragment in EXAMPLES[name]:
        assert fragment in p.stdout, fragment
    if name == "paper_table.py":
        tex = (tmp_path / "out" / "table2.tex").read_text(encoding="utf-8")
        assert r"\begin{threeparttable}" in tex and r"\label{tab:wages}" in tex
        assert "Training programme" in tex
        for ext in ("txt", "md", "html", "docx", "xlsx"):
            assert (tmp_path / "out" / f"table1.{ext}").stat().st_size > 0
