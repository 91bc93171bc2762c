"""The LaTeX output compiles with pdflatex (booktabs, threeparttable, siunitx)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from vcereg.tables import etable

from .conftest import with_omitted

PDFLATEX = shutil.which("pdflatex")

pytestmark = pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed")

PREAMBLE = r"""\documentclass{article}
\usepackage[T1]{fontenc}
\usepackage{booktabs}
\usepackage{threeparttable}
\usepackage{graphicx}
"""


def _has_sty(name: str) -> bool:
    kpsewhich = shutil.which("kpsewhich")
    if kpsewhich is None:
        return True  # let pdflatex report it
    found = subprocess.run([kpsewhich, f"{name}.sty"], capture_output=True, text=True)
    return bool(found.stdout.strip())


def compile_tex(body: str, tmp_path: Path, *, siunitx: bool = False) -> str:
    """Compile ``body`` in a minimal article; returns the pdflatex log."""
    preamble = PREAMBLE
    if siunitx:
        if not _has_sty("siunitx"):
            pytest.skip("siunitx.sty is not installed (Debian package texlive-science)")
        preamble += "\\usepackage{siunitx}\n"
    source = tmp_path / "doc.tex"
    source.write_text(
        f"{preamble}\\begin{{document}}\n{body}\n\\end{{document}}\n", encoding="utf-8"
    )
    assert PDFLATEX is not None
    proc = subprocess.run(
        [PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", source.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    log = proc.stdout
    assert proc.returncode == 0, log[-3000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000
    return log


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"latex_env": "table", "caption": "Grades_&_50%", "label": "tab:a"},
        {"latex_env": "threeparttable", "caption": "Grades", "siunitx": True},
        {"siunitx": True, "below": "ci", "stars": {"+": 0.1, "*": 0.05}},
        {"latex_env": "threeparttable", "below": "t", "titles": ["A~B", "x^2", "$#{}\\"]},
    ],
    ids=["tabular", "table", "threeparttable-siunitx", "siunitx-ci", "escapes"],
)
def test_pdflatex_compiles(fake_models, tmp_path: Path, options: dict[str, object]) -> None:
    models = [fake_models[0], fake_models[1], with_omitted(fake_models[2], "x_dup")]
    tex = etable(
        models, show_omitted=True, add_rows={"Controls & more": ["No", "Yes", "Yes"]}, **options
    ).to_latex()  # type: ignore[arg-type]
    log = compile_tex(tex, tmp_path, siunitx=bool(options.get("siunitx")))
    assert "siunitx Warning" not in log and "Invalid number" not in log
    assert "Missing character" not in log


@pytest.mark.parametrize("name", ["etable.tex", "etable_threeparttable.tex"])
def test_golden_latex_compiles(tmp_path: Path, name: str) -> None:
    tex = (Path(__file__).parent / "golden" / name).read_text(encoding="utf-8")
    compile_tex(tex, tmp_path, siunitx="siunitx" in tex.splitlines()[0])
