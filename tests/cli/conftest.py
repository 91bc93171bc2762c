"""Run the installed ``vcereg`` console script in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest


def vcereg_command() -> list[str]:
    """The console script next to this interpreter, else on PATH, else ``python -m``."""
    script = Path(sys.executable).with_name("vcereg")
    if script.is_file():
        return [str(script)]
    found = shutil.which("vcereg")
    return [found] if found else [sys.executable, "-m", "vcereg.cli"]


Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture()
def run(tmp_path: Path) -> Run:
    """``run(*args, input=None, cwd=tmp_path)`` → CompletedProcess (text, captured)."""

    def _run(
        *args: str, input: str | None = None, cwd: Path | None = None, cmd: Sequence[str] = ()
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "COLUMNS": "100"}
        return subprocess.run(
            [*(cmd or vcereg_command()), *args],
            capture_output=True,
            text=True,
            input=input,
            cwd=cwd or tmp_path,
            env=env,
            timeout=300,
        )

    return _run
