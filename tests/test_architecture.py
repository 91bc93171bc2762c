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
    assert sorted(offenders) == ["design/build.py", "design/formula.py"]


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
        ".._threads",  # the stdlib thread pool, no third-party code
        ".._threads.run_parallel",
        ".._types",
        ".._types.FloatArray",
        ".._types.IntArray",
    }


# An optional extra may be imported where it is used, so the core works without it.
_OPTIONAL = {"matplotlib", "matplotlib.pyplot", "pyarrow", "openpyxl", "polars", "docx"}
_OPTIONAL |= {"dask", "distributed"}


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


# DESIGN.md's layers, top to bottom. A module may import from its own layer or any layer
# below, never from one above. Within the front ends the Stata language may use the model
# language (its ``if`` expressions), not the reverse.
LAYERS: list[set[str]] = [
    {"__init__", "cli"},
    {"commands", "datacmds"},
    {"dofile"},
    {"api", "io", "datasets", "progress"},
    {"results", "tables", "plot", "postestimation", "staggered"},
    {"backends"},
    {"estimators"},
    {"design"},
    {"stata_lang"},
    {"dsl"},
    {"vce"},
    {"linalg", "inference", "spec"},
    {"errors", "_types", "_threads"},
]
_RANK = {unit: i for i, layer in enumerate(LAYERS) for unit in layer}


def _unit(path: Path) -> str:
    """The top-level module or subpackage a file belongs to."""
    first = path.relative_to(PKG).parts[0]
    return first.removesuffix(".py")


def _targets(path: Path) -> list[str]:
    """The units of the package that ``path`` imports from (absolute or relative)."""
    pkg_parts = list(path.relative_to(PKG).parent.parts)
    out: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = pkg_parts[: len(pkg_parts) - (node.level - 1)]
            full = base + (node.module.split(".") if node.module else [])
            # ``from .. import errors`` names the unit in the imported names
            out.extend([full[0]] if full else [a.name.split(".")[0] for a in node.names])
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("vcereg."):
            out.append(node.module.split(".")[1])  # type: ignore[union-attr]
        elif isinstance(node, ast.Import):
            out.extend(a.name.split(".")[1] for a in node.names if a.name.startswith("vcereg."))
    return out


def test_every_unit_has_a_layer():
    units = {_unit(p) for p in MODULES}
    assert units <= set(_RANK), f"add to LAYERS: {sorted(units - set(_RANK))}"


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_imports_never_point_up(path):
    own = _unit(path)
    upward = [t for t in _targets(path) if t != own and _RANK.get(t, len(LAYERS)) < _RANK[own]]
    assert not upward, f"{_rel(path)} ({own}) imports from a higher layer: {upward}"
