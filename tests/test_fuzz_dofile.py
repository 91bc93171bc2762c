"""Random do-files: a result or a VceregError, never another exception, never code run,
never a file written outside the allowed directory.

(The package never calls ``eval``/``exec``: tests/test_architecture.py checks its source.)
Lines are built from the words of the data commands, control words, prefixes, macros,
expressions and refused commands. The default run is small (a test, not a campaign);
``-m slow`` runs a larger one.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vcereg

WORDS = [
    "gen", "generate", "replace", "egen", "keep", "drop", "sort", "gsort", "rename", "order",
    "label", "label variable", "label define", "label values", "encode", "decode",
    "destring", "tostring", "recode", "xtile", "collapse", "preserve", "restore", "tempvar",
    "local", "global", "forvalues", "foreach", "while", "if", "else", "continue", "display",
    "di", "capture", "cap", "quietly", "noisily", "by g:", "bysort g (t):", "eststo:",
    "reg y x", "esttab", "esttab using t.tex", "outreg2 using o.doc,", "etable", "use",
    "save", "merge 1:1 id using", "import delimited", "do", "shell", "!", "python:", "mata:",
    "program", "cd", "erase", "set obs", "set type double", "summarize", "count", "exit",
    "clonevar", "est store", "xtset g t", "predict", "test x", "clear",
]  # fmt: skip
FRAGMENTS = [
    "x", "y", "g", "t", "s", "id", "z", "new", "=", "==", ">", "<", ".", ".a", "&", "|", "!",
    "+", "-", "*", "/", "^", "(", ")", "[", "]", ",", "1", "0", "2", "-1", "1/3", "_n", "_N",
    "x[_n-1]", "sum(x)", "mean(x)", "rank(x)", "group(g)", "if", "in", "1/5", "`i'", "$g",
    "`=1+1'", '"a"', '"b c"', "`\"q\"'", "substr(s,1,2)", "regexm(s, \"a\")", "ln(x)",
    "missing(x)", "cond(x>0,1,2)", "by(g)", "se", "replace", "nogen", "force", "clear",
    "{", "}", "///", "/*", "*/", "//", "of varlist x y", "in a b", "= 1/3 {", "../etc/passwd",
    "/etc/passwd", "__import__('os')", "eval(", "float(0.1)", "mdy(1,2,2000)", "label(l)",
]  # fmt: skip


def _data() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 30
    x = rng.normal(size=n)
    x[::7] = np.nan
    return pd.DataFrame({
        "id": np.arange(n), "g": rng.integers(0, 3, n), "t": rng.integers(0, 5, n), "x": x,
        "y": rng.normal(size=n), "s": rng.choice(["a", "b", ""], n),
    })  # fmt: skip


DATA = _data()
_line = st.tuples(st.sampled_from(WORDS), st.lists(st.sampled_from(FRAGMENTS), max_size=8)).map(
    lambda p: " ".join([p[0], *p[1]])
)
_atoms = st.sampled_from(
    ["x", "y", "g", "t", "s", "id", "_n", "_N", ".", ".b", "0", "1", "-2.5", "1e300", '"a"',
     '""', "x[_n-1]", "y[_N]", "_pi"]
)  # fmt: skip
_funcs = st.sampled_from(
    ["ln", "exp", "sqrt", "abs", "round", "floor", "int", "missing", "sum", "string", "real",
     "upper", "strlen", "trim", "year", "mdy", "cond", "inlist", "inrange", "min", "max",
     "substr", "strpos", "regexm", "mod", "float", "word", "subinstr", "date"]
)  # fmt: skip
expressions = st.recursive(
    _atoms,
    lambda inner: st.one_of(
        st.tuples(
            inner,
            st.sampled_from(["+", "-", "*", "/", "^", "==", "<", ">=", "&", "|", "!="]),
            inner,
        ).map(" ".join),
        st.tuples(_funcs, st.lists(inner, min_size=1, max_size=3)).map(
            lambda p: f"{p[0]}({', '.join(p[1])})"
        ),
        inner.map(lambda e: f"!({e})"),
    ),
    max_leaves=6,
)
_statements = st.one_of(
    expressions.map(lambda e: f"gen v = {e}"),
    expressions.map(lambda e: f"bysort g (t): gen v = {e}"),
    expressions.map(lambda e: f"replace x = {e} if {e}"),
    expressions.map(lambda e: f"egen v = mean({e}), by(g)"),
    expressions.map(lambda e: f"keep if {e}"),
    expressions.map(lambda e: f"display {e}"),
    expressions.map(lambda e: f"local m = {e}"),
    expressions.map(lambda e: f"reg y x if {e}"),
)
do_files = st.lists(_line, min_size=1, max_size=6).map("\n".join) | st.lists(
    _statements, min_size=1, max_size=4
).map("\n".join)


class _Ran(Exception):
    pass


def _check(text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise _Ran(repr(args)[:80])

    for target, name in ((os, "system"), (os, "popen"), (subprocess, "Popen"), (subprocess, "run")):
        monkeypatch.setattr(target, name, refuse)
    allowed = tmp_path / "allowed"
    allowed.mkdir(exist_ok=True)
    before = {p for p in tmp_path.rglob("*") if p.is_file()}
    with warnings.catch_warnings(), contextlib.suppress(vcereg.VceregError):
        warnings.simplefilter("ignore")
        vcereg.run_do(text, DATA, files=allowed)
    new = {p for p in tmp_path.rglob("*") if p.is_file()} - before
    assert all(p.is_relative_to(allowed) for p in new), new


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(text=do_files)
def test_random_do_files_raise_only_vcereg_errors(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _check(text, tmp_path, monkeypatch)


@pytest.mark.slow
@settings(
    max_examples=10_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(text=do_files)
def test_random_do_files_many(text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _check(text, tmp_path, monkeypatch)
