"""Layering rules from DESIGN.md, checked by walking imports with ``ast``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "vcereg"
MODULES = sorted(p for p in PKG.rglob("*.py"))


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module imported, imported inside a function?) for every import in a file."""
    tree = ast.parse(path.read_text())
    out: list[tuple[str, bool]] = []

    def visit(node: ast.AST, in_func: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_func or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                out.extend((a.name, in_func) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = "." * child.level + (child.module or "")
                out.append((base, in_func))
                out.extend(
                    (f"{base}.{a.name}" if child.level else base, in_func) for a in child.names
                )
            visit(child, inner)

    visit(tree, False)
    return out


def _rel(path: Path) -> str:
    return path.relative_to(PKG).as_posix()


def test_only_design_imports_formulaic():
    offenders = [
        _rel(p) for p in MODULES if any(m.split(".")[0] == "formulaic" for m, _ in _imports(p))
    ]
    assert offenders == ["design.py"]


def test_variance_estimators_do_not_import_each_other_or_estimation():
    for p in (PKG / "vce").glob("*.py"):
        if p.name in ("__init__.py", "base.py", "kernels.py"):
            continue
        for mod, _ in _imports(p):
            assert not mod.startswith(("..design", "..estimators", "..api")), (p.name, mod)
            siblings = {".hc", ".cluster", ".hac", ".bootstrap"} - {"." + p.stem}
            assert mod.split(" ")[0] not in siblings, (p.name, mod)


def test_kernels_are_numpy_only():
    mods = {m for m, _ in _imports(PKG / "vce" / "kernels.py")}
    third_party = {m.split(".")[0] for m in mods if not m.startswith(".")}
    assert third_party <= {"__future__", "numpy"}
    assert {m for m in mods if m.startswith(".")} <= {
        ".._types",
        ".._types.FloatArray",
        ".._types.IntArray",
    }


# An optional extra may be imported where it is used, so the core works without it.
_OPTIONAL = {"matplotlib", "matplotlib.pyplot", "pyarrow", "openpyxl", "polars"}


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_no_function_local_imports(path):
    local = [
        m
        for m, inside in _imports(path)
        if inside and m.split(".")[0] not in {o.split(".")[0] for o in _OPTIONAL}
    ]
    assert not local, f"function-local imports in {_rel(path)}: {local}"


def test_no_eval_or_exec_in_the_package():
    for p in MODULES:
        tree = ast.parse(p.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"eval", "exec", "compile"}, _rel(p)
