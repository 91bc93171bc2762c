"""``import vcereg`` stays light, and a plain regression imports only what it uses.

The checks run in fresh interpreters (this one has imported everything already); the
timing is measured in bench/bench_import.py, not here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import types

import pytest

import vcereg
from vcereg import _lazy
from vcereg.dofile import registry

# Optional extras and heavy dependencies, and the package's own optional parts
THIRD_PARTY = ("scipy.stats", "dask", "distributed", "matplotlib", "openpyxl", "docx")
OPTIONAL_PARTS = (
    "vcereg.estimators.ivdiag",  # IV diagnostics and tests
    "vcereg.estimators.ivtests",
    "vcereg.estimators.ivmodel",
    "vcereg.estimators.gmm",
    "vcereg.estimators.stock_yogo",
    "vcereg.estimators.did",  # difference-in-differences
    "vcereg.staggered",
    "vcereg.dofile",  # do-files, their commands and the data commands
    "vcereg.commands",
    "vcereg.datacmds",
    "vcereg.backends.dask",  # Dask DataFrames
    "vcereg.plot",  # matplotlib
    "vcereg.tables.render_docx",  # Word, Excel
    "vcereg.tables.render_xlsx",
    "vcereg.estimators.glm",  # maximum likelihood
    "vcereg.estimators.glm_model",
    "vcereg.estimators.nbreg",
)

_PROBE = textwrap.dedent(
    """
    import json, sys, warnings
    stages = {}
    def loaded():
        return sorted(m for m in sys.modules if m.split(".")[0] in WATCH)
    WATCH = {"vcereg", "scipy", "dask", "distributed", "matplotlib", "openpyxl", "docx",
             "formulaic", "pandas", "tabulate"}
    import vcereg
    stages["import"] = loaded()
    d = vcereg.datasets.load("student-mat")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = vcereg.regress("G3 ~ absences + C(school) | vce(cluster Mjob)", d)
        r.summary(); r.tidy(); vcereg.etable([r, r]).to_text()
        vcereg.regress("G3 ~ absences | absorb(Mjob) | vce(robust)", d).summary()
    stages["ols"] = loaded()
    print(json.dumps(stages))
    """
)


@pytest.fixture(scope="module")
def stages() -> dict[str, list[str]]:
    p = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=300, check=True
    )
    out: dict[str, list[str]] = json.loads(p.stdout)
    return out


def _under(modules: list[str], prefixes: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes)]


def test_import_vcereg_loads_nothing_heavy(stages: dict[str, list[str]]) -> None:
    loaded = stages["import"]
    assert _under(loaded, (*THIRD_PARTY, *OPTIONAL_PARTS)) == []
    assert _under(loaded, ("formulaic", "pandas", "scipy")) == []
    # the package itself: the exceptions and the deferring helper, nothing else
    assert sorted(m for m in loaded if m.startswith("vcereg")) == [
        "vcereg",
        "vcereg._lazy",
        "vcereg.errors",
    ]


def test_a_plain_regression_loads_only_what_it_uses(stages: dict[str, list[str]]) -> None:
    loaded = stages["ols"]
    assert "vcereg.estimators.ols" in loaded and "formulaic" in loaded  # it did fit
    assert _under(loaded, OPTIONAL_PARTS) == []
    assert _under(loaded, THIRD_PARTY) == []  # scipy.stats too: t and F come from special


def test_the_command_line_parser_needs_no_pandas() -> None:
    code = (
        "import sys, vcereg.cli; vcereg.cli.build_parser(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pandas', 'numpy', 'scipy')))"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert p.stdout.strip() == "[]"


def test_do_file_commands_are_registered_however_the_runner_is_reached() -> None:
    """The registry loads its plugins (vcereg.commands, vcereg.datacmds) on first use,
    also when the runner is imported directly rather than as vcereg.run_do."""
    code = textwrap.dedent(
        """
        import sys
        from vcereg.dofile.registry import is_registered
        assert "vcereg.commands" not in sys.modules
        print(is_registered("summarize"), is_registered("esttab"), is_registered("generate"))
        """
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert p.stdout.split() == ["True", "True", "True"]


# --- the public names and the mechanism, in this process -------------------------------
def test_every_public_name_resolves_to_its_definition() -> None:
    for name in vcereg.__all__:
        assert getattr(vcereg, name) is not None, name
    assert set(vcereg.__all__) <= set(dir(vcereg))
    assert vcereg.to_dsl is vcereg.dsl.unparse and vcereg.to_stata is vcereg.stata_lang.unparse
    assert vcereg.available_vce is vcereg.vce.available
    assert vcereg.regress is vcereg.api.regress and vcereg.Results is vcereg.results.Results
    assert isinstance(vcereg.io, types.ModuleType) and vcereg.io.read is not None
    with pytest.raises(AttributeError, match="has no attribute 'regres'"):
        vcereg.regres  # noqa: B018


def test_lazy_module_imports_on_first_attribute_access() -> None:
    name = "vcereg_lazy_probe_module"
    sys.modules.pop(name, None)
    stand_in = _lazy.LazyModule("json")
    assert "not loaded" in repr(stand_in)
    assert stand_in.dumps([1]) == "[1]" and "loaded" in repr(stand_in)
    assert _lazy.lazy_import("json") is sys.modules["json"]  # already imported: the module
    missing = _lazy.LazyModule(name)
    with pytest.raises(ModuleNotFoundError):
        missing.anything  # noqa: B018


def test_plugins_load_once_and_retry_after_a_failure() -> None:
    group = "vcereg.test-plugins"
    _lazy.register_plugins(group, "vcereg_no_such_plugin_module")
    with pytest.raises(ModuleNotFoundError):
        _lazy.load_plugins(group)
    with pytest.raises(ModuleNotFoundError):  # not marked as loaded after the failure
        _lazy.load_plugins(group)
    _lazy._PLUGINS[group] = ("json",)
    _lazy.load_plugins(group)
    _lazy._PLUGINS[group] = ("vcereg_no_such_plugin_module",)
    _lazy.load_plugins(group)  # loaded already: nothing is imported again
    del _lazy._PLUGINS[group]


def test_a_users_command_replaces_a_built_in() -> None:
    """The built-ins are loaded before a user's registration, so the user's wins."""
    registry.lookup("summarize")  # the built-ins are in
    saved = registry._HANDLERS["summarize"]
    registry.register_command("summarize", lambda cmd, state: "mine", abbrev=2)
    try:
        d = vcereg.datasets.load("student-mat")
        assert "mine" in str(vcereg.run_do("summarize G3", d))
    finally:
        registry._HANDLERS["summarize"] = saved
