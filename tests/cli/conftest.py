"""Run the ``vcereg`` command line: in this process (fast), or as the installed console
script in a subprocess (the entry point itself, ``python -m``, encodings, terminals).

In-process runs call :func:`vcereg.cli.main` the way the interpreter would run the script:
its own stdout, stderr and stdin, the working directory and ``COLUMNS``, Python's default
warning filters with warnings printed to stderr, and an uncaught exception printed as a
traceback with exit status 1. What differs from a subprocess is only what the package has
already imported and cached (checked by the subprocess tests kept in ``test_cli.py``).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TextIO

import pytest

from vcereg.cli import main


def vcereg_command() -> list[str]:
    """The console script next to this interpreter, else on PATH, else ``python -m``."""
    script = Path(sys.executable).with_name("vcereg")
    if script.is_file():
        return [str(script)]
    found = shutil.which("vcereg")
    return [found] if found else [sys.executable, "-m", "vcereg.cli"]


Run = Callable[..., subprocess.CompletedProcess[str]]

# Python's warning filters when no -W option or PYTHONWARNINGS is given (docs: "Default
# Warning Filter"), most recent first as warnings.filters lists them
_DEFAULT_FILTERS: list[tuple[str, type[Warning], str]] = [
    ("ignore", ResourceWarning, ""),
    ("ignore", ImportWarning, ""),
    ("ignore", PendingDeprecationWarning, ""),
    ("ignore", DeprecationWarning, ""),
    ("default", DeprecationWarning, "__main__"),
]


def _show(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """warnings.showwarning as the interpreter has it: to the current stderr."""
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


@contextlib.contextmanager
def _as_a_process(cwd: Path, stdin: str | None, env: Mapping[str, str]) -> Iterator[None]:
    saved_env = {k: os.environ.get(k) for k in env}
    saved_cwd, saved_stdin = os.getcwd(), sys.stdin
    os.environ.update(env)
    os.chdir(cwd)
    sys.stdin = io.StringIO(stdin or "")
    try:
        with warnings.catch_warnings():
            warnings.resetwarnings()
            for action, category, module in reversed(_DEFAULT_FILTERS):
                warnings.filterwarnings(action, category=category, module=module)
            warnings.showwarning = _show
            yield
    finally:
        sys.stdin = saved_stdin
        os.chdir(saved_cwd)
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_in_process(
    args: Sequence[str],
    *,
    cwd: Path,
    input: str | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``vcereg ARGS`` in this process; the result as :func:`subprocess.run` gives it."""
    out, err = io.StringIO(), io.StringIO()
    with (
        _as_a_process(cwd, input, {"COLUMNS": "100", **(env or {})}),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            code = main(list(args))
        except Exception:  # the interpreter's report of an uncaught exception
            traceback.print_exc(file=sys.stderr)
            code = 1
    return subprocess.CompletedProcess(["vcereg", *args], code, out.getvalue(), err.getvalue())


def run_subprocess(
    args: Sequence[str],
    *,
    cwd: Path,
    input: str | None = None,
    env: Mapping[str, str] | None = None,
    cmd: Sequence[str] = (),
) -> subprocess.CompletedProcess[str]:
    """The installed ``vcereg`` (or ``cmd``) in a subprocess."""
    return subprocess.run(
        [*(cmd or vcereg_command()), *args],
        capture_output=True,
        text=True,
        input=input,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "100", **(env or {})},
        timeout=300,
    )


@pytest.fixture()
def run(tmp_path: Path) -> Run:
    """``run(*args, input=None, cwd=tmp_path)`` → CompletedProcess (text, captured), run in
    this process; with ``cmd=[...]`` that command runs in a subprocess instead."""

    def _run(
        *args: str, input: str | None = None, cwd: Path | None = None, cmd: Sequence[str] = ()
    ) -> subprocess.CompletedProcess[str]:
        if cmd:
            return run_subprocess(args, cwd=cwd or tmp_path, input=input, cmd=cmd)
        return run_in_process(args, cwd=cwd or tmp_path, input=input)

    return _run


@pytest.fixture()
def run_process(tmp_path: Path) -> Run:
    """``run_process(*args, input=None, cwd=tmp_path)``: the installed console script."""

    def _run(
        *args: str, input: str | None = None, cwd: Path | None = None, cmd: Sequence[str] = ()
    ) -> subprocess.CompletedProcess[str]:
        return run_subprocess(args, cwd=cwd or tmp_path, input=input, cmd=cmd)

    return _run
