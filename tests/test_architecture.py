"""Layering rules from DESIGN.md, checked by walking imports with ``ast``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "vcereg"
MODULES = sorted(p for p in PKG.rglob("*.py"))


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module imported, imported inside a function?) for every import in a file; a
    deferred import (``vcereg._lazy``) counts as a module-level import of its module."""
    tree = ast.parse(path.read_text())
    out: list[tuple[str, bool]] = [(m, False) for m in _deferred(path)]

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


# --- deferred imports (vcereg._lazy) -------------------------------------------------
# ``lazy_import("m")``, ``attach(__name__, {"name": "m" or "m:attr"})`` and
# ``register_plugins(group, "m", ...)`` import ``m`` later. They are imports all the same:
# the layering and formulaic rules apply to them, and they must not hide a cycle.
_DEFERRING = {"lazy_import", "attach", "register_plugins"}


def _deferring_calls(tree: ast.AST) -> list[tuple[ast.Call, bool]]:
    """(call of a _lazy declaration, made inside a function or class?)."""
    out: list[tuple[ast.Call, bool]] = []

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Call):
                f = child.func
                name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", "")
                if name in _DEFERRING:
                    out.append((child, nested))
            scope = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
            visit(child, nested or isinstance(child, scope))

    visit(tree, False)
    return out


def _declared(call: ast.Call) -> list[ast.expr]:
    """The argument nodes that name the deferred modules."""
    f = call.func
    name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", "")
    if name == "lazy_import":
        return call.args[:1]
    if name == "register_plugins":
        return call.args[1:]
    mapping = call.args[1] if len(call.args) > 1 else None  # attach
    return list(mapping.values) if isinstance(mapping, ast.Dict) else [call]


def _deferred(path: Path) -> list[str]:
    """The modules ``path`` imports through vcereg._lazy (absolute names)."""
    out: list[str] = []
    for call, _ in _deferring_calls(ast.parse(path.read_text())):
        for node in _declared(call):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                out.append(node.value.partition(":")[0])
    return out


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_deferred_imports_are_declared_at_module_level(path):
    """A deferred import inside a function would be a function-local import in disguise,
    and one whose module is not a string constant could not be checked."""
    for call, nested in _deferring_calls(ast.parse(path.read_text())):
        assert not nested, f"{_rel(path)}:{call.lineno}: declare deferred imports at module level"
        for node in _declared(call):
            ok = isinstance(node, ast.Constant) and isinstance(node.value, str)
            assert ok, f"{_rel(path)}:{call.lineno}: name deferred modules with string constants"


def test_attached_names_do_not_shadow_submodules():
    """A package attribute deferred with ``attach`` must not share a submodule's name: the
    import system would bind the submodule there when something imports it first."""
    for init in PKG.rglob("__init__.py"):
        subs = {p.stem for p in init.parent.glob("*.py")} | {
            p.name for p in init.parent.iterdir() if (p / "__init__.py").is_file()
        }
        for call, _ in _deferring_calls(ast.parse(init.read_text())):
            mapping = call.args[1] if len(call.args) > 1 else None
            if not isinstance(mapping, ast.Dict):
                continue
            for key, value in zip(mapping.keys, mapping.values, strict=True):
                assert isinstance(key, ast.Constant) and isinstance(value, ast.Constant)
                if ":" in str(value.value):
                    assert key.value not in subs, f"{_rel(init)}: {key.value} is a submodule"


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
            forbidden = ("..design", "..estimators", "..api")
            forbidden += tuple(f"vcereg.{m.removeprefix('..')}" for m in forbidden)
            assert not mod.startswith(forbidden), (p.name, mod)
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
    {"errors", "_types", "_threads", "_lazy"},
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
    out.extend(m.split(".")[1] for m in _deferred(path) if m.startswith("vcereg."))
    return out


def test_every_unit_has_a_layer():
    units = {_unit(p) for p in MODULES}
    assert units <= set(_RANK), f"add to LAYERS: {sorted(units - set(_RANK))}"


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_imports_never_point_up(path):
    own = _unit(path)
    upward = [t for t in _targets(path) if t != own and _RANK.get(t, len(LAYERS)) < _RANK[own]]
    assert not upward, f"{_rel(path)} ({own}) imports from a higher layer: {upward}"


# --- import cycles ---------------------------------------------------------------------
def _module_name(path: Path) -> str:
    parts = ["vcereg", *path.relative_to(PKG).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


_NAMES = {_module_name(p): p for p in MODULES}


def _runtime_imports(path: Path) -> set[str]:
    """The package's modules ``path`` imports when it is executed: module-level imports
    outside ``if TYPE_CHECKING:`` blocks, resolved to module names."""
    me = _module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found: set[str] = set()

    def add(name: str) -> None:
        while name and name not in _NAMES:
            name = name.rpartition(".")[0]
        if name:
            found.add(name)

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                for a in node.names:
                    add(a.name) if a.name.startswith("vcereg") else None
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    full = ".".join(base + ([node.module] if node.module else []))
                elif (node.module or "").startswith("vcereg"):
                    full = str(node.module)
                else:
                    continue
                for a in node.names:  # ``from pkg import submodule`` imports the submodule
                    add(f"{full}.{a.name}" if f"{full}.{a.name}" in _NAMES else full)
            elif isinstance(node, ast.If):
                test = ast.unparse(node.test)
                visit(node.orelse if test.endswith("TYPE_CHECKING") else node.body + node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body + node.orelse + node.finalbody)
                for h in node.handlers:
                    visit(h.body)

    visit(ast.parse(path.read_text()).body)
    return found


def _ancestors(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def _import_graph(*, deferred: bool) -> dict[str, set[str]]:
    """module -> the modules its execution runs (their packages' ``__init__`` included,
    except the packages it is itself inside, which are already being imported)."""
    graph: dict[str, set[str]] = {}
    for name, path in _NAMES.items():
        targets = _runtime_imports(path)
        if deferred:
            targets |= {m for m in _deferred(path) if m.startswith("vcereg")}
        inside = _ancestors(name)
        edges: set[str] = set()
        for t in targets:
            edges |= {t, *_ancestors(t)} - inside - {name}
        graph[name] = edges & set(_NAMES)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph``, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycles_even_through_deferred_imports():
    """Deferring an import must not be a way to hide a cycle: the graph of module-level
    imports plus the deferred ones (vcereg._lazy) has none."""
    assert _cycle(_import_graph(deferred=False)) is None
    cycle = _cycle(_import_graph(deferred=True))
    assert cycle is None, "import cycle through a deferred import: " + " -> ".join(cycle or [])


def test_cycle_check_can_fail():
    graph = _import_graph(deferred=True)
    graph["vcereg.errors"] = graph["vcereg.errors"] | {"vcereg.api"}  # an upward edge
    assert _cycle(graph) is not None
