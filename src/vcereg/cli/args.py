"""The command line's arguments: the options, their types and the parser."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from .. import __version__, datasets

__all__ = ["EXTENSIONS", "UsageError", "build_parser", "split_names"]

_FORMATS = {"txt": "text", "md": "markdown", "tex": "latex", "htm": "html", "word": "docx",
            "excel": "xlsx"}  # fmt: skip
_FORMAT_NAMES = ("text", "markdown", "latex", "html", "json", "docx", "xlsx")
#: output file extensions and their formats
EXTENSIONS = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".tex": "latex",
              ".docx": "docx", ".xlsx": "xlsx",
              ".html": "html", ".htm": "html", ".json": "json"}  # fmt: skip


class UsageError(Exception):
    """A command-line problem found after argparse (exit status 2)."""


def _format(text: str) -> str:
    key = _FORMATS.get(text.lower().lstrip("."), text.lower().lstrip("."))
    if key not in _FORMAT_NAMES:
        raise argparse.ArgumentTypeError(
            f"unknown format {text!r}; expected one of {', '.join(_FORMAT_NAMES)}"
        )
    return key


def _stars(text: str) -> tuple[float, ...] | None:
    if text.strip().lower() in ("none", "no", "off", ""):
        return None
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if not values or not all(0 < v < 1 for v in values):
        raise argparse.ArgumentTypeError(
            f"expected p-value thresholds such as 0.1,0.05,0.01 or 'none' (got {text!r})"
        )
    return values


def split_names(values: Sequence[str] | None) -> list[str] | None:
    """``--keep a,b --keep 'C(g, Sum)'`` → names; commas inside brackets do not split."""
    if not values:
        return None
    out: list[str] = []
    for value in values:
        depth, start = 0, 0
        for i, ch in enumerate(value):
            depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(ch, 0)
            if ch == "," and depth == 0:
                out.append(value[start:i].strip())
                start = i + 1
        out.append(value[start:].strip())
    return [v for v in out if v]


_OPTIONS: tuple[tuple[str, tuple[str, ...], dict[str, Any]], ...] = (
    ("data", ("-d", "--data"), {"metavar": "FILE",
        "help": "data file: .csv .tsv .txt (separator sniffed), .parquet, .dta, .xlsx"}),
    ("data", ("--example",), {"metavar": "NAME",
        "help": f"use a bundled data set: {', '.join(datasets.available())}"}),
    ("data", ("--sep",), {"help": "field separator of a text data file (default: sniffed)"}),
    ("data", ("--sheet",), {"help": "Excel sheet name or 0-based number"}),
    ("data", ("--encoding",), {"default": "utf-8-sig", "help": "text encoding of the data"}),
    ("data", ("--dask",), {"action": "store_true",
        "help": "open Parquet (file, directory or glob) lazily with Dask: larger than memory"}),
    ("data", ("--scheduler",), {"metavar": "ADDRESS",
        "help": "run the Dask passes on this scheduler, e.g. tcp://host:8786 (implies --dask)"}),
    ("models", ("--do",), {"metavar": "FILE",
        "help": "file of model lines: DSL or Stata, xtset, comments, ///; '-' reads stdin"}),
    ("models", ("--allow-files",), {"metavar": "DIR",
        "help": "let the --do file read and write files inside DIR (use, merge, esttab using, "
        "save); without it every file access is refused"}),
    ("models", ("--ssc",), {"choices": ("stata", "fixest", "statsmodels"),
        "help": "small-sample conventions (default: stata)"}),
    ("models", ("--level",), {"type": float, "help": "confidence level in percent (default 95)"}),
    ("models", ("--test",), {"action": "append", "metavar": "HYPOTHESIS",
        "help": "Wald test after each model, e.g. 'x1 = x2' or 'x1 = 0, x2 = 0' (repeatable)"}),
    ("output", ("-f", "--format"), {"type": _format, "help": ", ".join(_FORMAT_NAMES)}),
    ("output", ("-o", "--out"), {"metavar": "FILE",
        "help": "write the output here; format from the extension: " + " ".join(EXTENSIONS)}),
    ("output", ("--json",), {"action": "store_true", "help": "machine-readable results"}),
    ("output", ("--table",), {"action": "store_true", "help": "a table even for one model"}),
    ("output", ("--keep",), {"action": "append", "metavar": "TERMS",
        "help": "terms or regular expressions to show (repeat or comma-separate)"}),
    ("output", ("--drop",), {"action": "append", "metavar": "TERMS", "help": "terms to hide"}),
    ("output", ("--labels",), {"metavar": "JSON", "help": 'JSON file {"term": "label"}'}),
    ("output", ("--below",), {"choices": ("se", "t", "p", "ci", "none"),
        "help": "under each coefficient (default se)"}),
    ("output", ("--digits",), {"type": int, "help": "decimals (default 3)"}),
    ("output", ("--stars",), {"type": _stars, "default": (0.10, 0.05, 0.01),
        "help": "p-value thresholds, e.g. 0.1,0.05,0.01, or 'none'"}),
    ("output", ("--title",), {"action": "append", "help": "column title (once per model)"}),
    ("output", ("--plot",), {"metavar": "FILE", "help": "write a coefficient plot (.png .svg)"}),
    ("output", ("--predict",), {"metavar": "FILE", "help": "write the data with predictions "
        "(a do-file's predict columns, else xb and resid): .csv .tsv .parquet .dta .xlsx"}),
    ("output", ("-q", "--quiet"), {"action": "store_true", "help": "no warnings or progress"}),
)  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``vcereg``."""
    p = argparse.ArgumentParser(
        prog="vcereg",
        description="Stata-style linear regression with honest standard errors.",
        epilog='example: vcereg "G3 ~ absences | vce(cluster school)" --example student-mat',
    )
    p.add_argument("models", nargs="*", metavar="MODEL",
                   help="'y ~ x | vce(robust)' or a Stata line 'regress y x, vce(robust)'; "
                   "an 'xtset id t' argument applies to the Stata lines after it")  # fmt: skip
    groups = {name: p.add_argument_group(name) for name in ("data", "models", "output")}
    for group, flags, kwargs in _OPTIONS:
        groups[group].add_argument(*flags, **kwargs)
    p.add_argument("--list-vce", action="store_true", help="list the variance estimators")
    p.add_argument("--version", action="version", version=f"vcereg {__version__}")
    return p
