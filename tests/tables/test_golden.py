"""Golden-file tests of every output format, from the real ``vcereg.regress``.

The table: three models on the bundled student data (395 rows),

1. ``G3 ~ absences`` (conventional standard errors),
2. ``G3 ~ absences + age | vce(robust)`` (HC1),
3. ``G3 ~ absences + age + C(school) | vce(cluster school)`` (2 clusters),

rendered as text, Markdown, LaTeX (bare ``tabular``; ``threeparttable`` with ``siunitx``)
and HTML, plus ``render_summary`` of each model. The expected outputs live in
``tests/tables/golden/``.

To regenerate them after an intended change, run::

    VCEREG_REGEN_GOLDEN=1 pytest tests/tables/test_golden.py

and review the diff of ``tests/tables/golden/`` before committing.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pandas as pd
import pytest

import vcereg
from vcereg.tables import ETable, etable, render_summary

GOLDEN = Path(__file__).parent / "golden"
REGEN = os.environ.get("VCEREG_REGEN_GOLDEN") == "1"
MODELS = (
    "G3 ~ absences",
    "G3 ~ absences + age | vce(robust)",
    "G3 ~ absences + age + C(school) | vce(cluster school)",
)


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if REGEN:
        path.write_text(text, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"golden file {path} is missing; create it with VCEREG_REGEN_GOLDEN=1")
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from its golden file (see module docstring)"


@pytest.fixture(scope="module")
def results(student_data: pd.DataFrame) -> list[vcereg.Results]:
    with warnings.catch_warnings():  # model 3 has 2 clusters: warned, and noted in the table
        warnings.simplefilter("ignore", vcereg.errors.FewClustersWarning)
        return [vcereg.regress(m, student_data) for m in MODELS]


@pytest.fixture(scope="module")
def table(results: list[vcereg.Results]) -> ETable:
    return etable(results, labels={"absences": "Absences", "age": "Age", "G3": "Final grade"})


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("etable.txt", "to_text"),
        ("etable.md", "to_markdown"),
        ("etable.tex", "to_latex"),
        ("etable.html", "to_html"),
    ],
)
def test_golden_formats(table: ETable, name: str, method: str) -> None:
    check_golden(name, getattr(table, method)())


def test_golden_latex_threeparttable(results: list[vcereg.Results]) -> None:
    t = etable(
        results,
        latex_env="threeparttable",
        siunitx=True,
        caption="Final grade and absences",
        label="tab:grades",
        below="t",
    )
    check_golden("etable_threeparttable.tex", t.to_latex())


@pytest.mark.parametrize("i", [0, 1, 2])
def test_golden_summary(results: list[vcereg.Results], i: int) -> None:
    check_golden(f"summary_{i + 1}.txt", render_summary(results[i]))
