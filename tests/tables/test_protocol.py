"""The tables read results only through ResultLike, and only format.py formats numbers."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import pandas as pd

import vcereg
from vcereg.tables import ResultLike

TABLES = Path(vcereg.tables.__file__).parent


def test_fixture_and_real_results_satisfy_protocol(
    fake_cluster, student_data: pd.DataFrame
) -> None:
    assert isinstance(fake_cluster, ResultLike)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", vcereg.errors.FewClustersWarning)
        real = vcereg.regress("G3 ~ absences | vce(cluster school)", student_data)
    assert isinstance(real, ResultLike)


def _numeric_format_specs(path: Path) -> list[str]:
    """f-string format specs that format numbers (precision, type or grouping)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            spec = "".join(
                str(v.value) for v in node.format_spec.values if isinstance(v, ast.Constant)
            )
            if any(ch in spec for ch in ".,%efgdn"):
                found.append(f"{path.name}:{node.lineno}: {spec}")
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("round", "format"):
            found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_only_format_module_formats_numbers() -> None:
    offenders = [
        hit
        for path in sorted(TABLES.glob("*.py"))
        if path.name != "format.py"
        for hit in _numeric_format_specs(path)
    ]
    assert offenders == []


def test_tables_do_not_import_results() -> None:
    for path in TABLES.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert node.module not in ("results", "vcereg.results"), path.name
                assert not (node.level >= 2 and node.module == "results"), path.name
