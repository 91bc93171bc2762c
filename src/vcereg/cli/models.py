"""The models to fit: from the arguments and from a ``--do`` file.

A do-file with commands other than model lines needs the do-file runner (imported then).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .._lazy import lazy_import
from ..errors import DataError, StataSyntaxError, VceregError
from ..spec import ModelSpec
from .args import UsageError

# the parsers when there is a model to parse (not for --help or --version); the do-file
# runner for a do-file only
if TYPE_CHECKING:
    from .. import api, dofile, stata_lang
    from ..dofile import runner
    from ..stata_lang import do as stata_do
else:
    api = lazy_import("vcereg.api")
    dofile = lazy_import("vcereg.dofile")
    runner = lazy_import("vcereg.dofile.runner")
    stata_lang = lazy_import("vcereg.stata_lang")
    stata_do = lazy_import("vcereg.stata_lang.do")

__all__ = ["Model", "collect_models", "is_post_estimation", "read_do"]

_PANEL = ("xtset", "tsset")


@dataclass(frozen=True)
class Model:
    spec: ModelSpec
    where: str  # "models.do: line 7", "model 2" or "" (a single model)


def _logical_lines(text: str) -> list[tuple[int, int, str]]:
    """Stata's reading of a do-file, plus ``#`` comment lines for DSL model files."""
    text = re.sub(r"(?m)^[ \t]*#.*$", "", text)
    return [(a, b, code.strip()) for a, b, code in stata_do.logical_lines(text) if code.strip()]


def _is_dsl(line: str) -> bool:
    words = line.split()
    return not stata_lang.is_stata_command(line) and words[0] not in _PANEL and "~" in line


def _models_from_file(text: str, name: str) -> list[Model]:
    """DSL lines are parsed one by one; the other commands go to :func:`vcereg.stata_lang.parse_do`
    (which knows ``xtset`` and reports Stata errors by line) at their original line numbers."""
    physical = stata_do.blank_block_comments(text).split("\n")
    stata_text = [""] * len(physical)
    entries: list[tuple[int, str | None]] = []
    for first, last, code in _logical_lines(text):
        if _is_dsl(code):
            entries.append((first, code))
            continue
        stata_text[first - 1 : last] = physical[first - 1 : last]
        if code.split()[0] not in _PANEL:
            entries.append((first, None))
    try:
        stata_specs = iter(stata_lang.parse_do("\n".join(stata_text)))
    except VceregError as exc:
        exc.add_note(name)
        raise
    models: list[Model] = []
    for n, dsl_line in entries:
        where = f"{name}: line {n}"
        try:
            spec = api.parse(dsl_line) if dsl_line is not None else next(stata_specs)
        except VceregError as exc:
            exc.add_note(where)
            raise
        except StopIteration:
            raise StataSyntaxError(f"{where}: expected an estimation command") from None
        models.append(Model(spec, where))
    return models


def _models_from_args(lines: Sequence[str]) -> list[Model]:
    if any(line.split()[:1] in (["xtset"], ["tsset"]) for line in lines):
        return _models_from_file("\n".join(lines), "arguments")  # xtset applies to later lines
    models: list[Model] = []
    for i, line in enumerate(lines, 1):
        where = f"model {i}" if len(lines) > 1 else ""
        try:
            models.append(Model(api.parse(line), where))
        except VceregError as exc:
            if where:
                exc.add_note(where)
            raise
    return models


def read_do(args: argparse.Namespace) -> tuple[str, str] | None:
    """(text, name) of the --do file, or None."""
    if args.do is None:
        return None
    if args.do == "-":
        return sys.stdin.read(), "<stdin>"
    path = Path(args.do)
    if path.exists() and not path.is_file():
        what = "a directory" if path.is_dir() else "not a regular file"
        raise UsageError(f"--do {args.do}: expected a do-file or models file (got {what})")
    if not path.is_file():
        raise FileNotFoundError(f"no such models file: {args.do!r}")
    try:
        return path.read_text(encoding="utf-8-sig"), args.do  # a BOM from Windows editors
    except UnicodeDecodeError as exc:
        raise DataError(f"{args.do}: not UTF-8 text ({exc.reason})") from None


def is_post_estimation(text: str) -> bool:
    """Does a do-file need the runner: commands other than estimation lines, model strings
    and ``xtset`` (data commands, ``test``, ``eststo:``, macros, loops, ``esttab``...)?"""
    for _, _, code in _logical_lines(text):
        prefix, body = runner.read_prefixes(code)
        word = (body.split() or [""])[0].rstrip(",")
        plain = stata_lang.is_stata_command(body) or word in _PANEL or _is_dsl(body)
        if dofile.is_registered(word) or prefix.by or prefix.eststo is not None or not plain:
            return True
    return False


def collect_models(args: argparse.Namespace, do: tuple[str, str] | None) -> list[Model]:
    """The models to fit. A do-file with post-estimation commands is left to
    :func:`vcereg.run_do`, which needs the data (see :func:`vcereg.cli.fit.load_and_fit`)."""
    models: list[Model] = []
    if do is not None and not is_post_estimation(do[0]):
        models += _models_from_file(*do)
    models += _models_from_args(args.models)
    if not models and do is None:
        raise UsageError("no model given: pass a model such as 'y ~ x', or --do FILE")
    return models
