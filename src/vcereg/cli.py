"""The ``vcereg`` command line.

::

    vcereg "G3 ~ absences | vce(cluster school)" --example student-mat
    vcereg "G3 ~ absences" "regress G3 absences, vce(robust)" --data student-mat.csv -f latex
    vcereg --do models.do --data panel.dta --out table.tex

One model prints Stata's regression output; several models (or any table option) print one
table. Formula code is always checked by safe mode. Exit status: 0 success, 2 usage or
model-syntax error, 1 data or estimation error. Warnings go to stderr as ``warning: ...``.
See ``docs/cli.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from . import __version__, datasets, io
from .api import fit_spec, parse
from .backends import dask as dask_backend
from .commands.predict import predictions_frame, write_predictions
from .dofile import DoRun, is_registered, run_do
from .dofile.runner import read_prefixes
from .errors import DataError, SpecError, StataSyntaxError, VceregError
from .plot import coefplot
from .postestimation.hypotheses import WaldResult
from .progress import Progress
from .results import Results
from .spec import ModelSpec, SmallSample
from .stata_lang import is_stata_command, parse_do
from .stata_lang.do import blank_block_comments, logical_lines
from .tables import etable
from .vce import available

__all__ = ["build_parser", "main"]

_FORMATS = {"txt": "text", "md": "markdown", "tex": "latex", "htm": "html", "word": "docx",
            "excel": "xlsx"}  # fmt: skip
_FORMAT_NAMES = ("text", "markdown", "latex", "html", "json", "docx", "xlsx")
_BINARY = ("docx", "xlsx")
_EXTENSIONS = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".tex": "latex",
               ".docx": "docx", ".xlsx": "xlsx",
               ".html": "html", ".htm": "html", ".json": "json"}  # fmt: skip
_PANEL = ("xtset", "tsset")
_DEV_WARNINGS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class UsageError(Exception):
    """A command-line problem found after argparse (exit status 2)."""


@dataclass(frozen=True)
class _Model:
    spec: ModelSpec
    where: str  # "models.do: line 7", "model 2" or "" (a single model)


# --- arguments -----------------------------------------------------------------------
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


def _split_names(values: Sequence[str] | None) -> list[str] | None:
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
        "help": "write the output here; format from the extension: " + " ".join(_EXTENSIONS)}),
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


# --- models --------------------------------------------------------------------------
def _logical_lines(text: str) -> list[tuple[int, int, str]]:
    """Stata's reading of a do-file, plus ``#`` comment lines for DSL model files."""
    text = re.sub(r"(?m)^[ \t]*#.*$", "", text)
    return [(a, b, code.strip()) for a, b, code in logical_lines(text) if code.strip()]


def _is_dsl(line: str) -> bool:
    words = line.split()
    return not is_stata_command(line) and words[0] not in _PANEL and "~" in line


def _models_from_file(text: str, name: str) -> list[_Model]:
    """DSL lines are parsed one by one; the other commands go to :func:`vcereg.stata_lang.parse_do`
    (which knows ``xtset`` and reports Stata errors by line) at their original line numbers."""
    physical = blank_block_comments(text).split("\n")
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
        stata_specs = iter(parse_do("\n".join(stata_text)))
    except VceregError as exc:
        exc.add_note(name)
        raise
    models: list[_Model] = []
    for n, dsl_line in entries:
        where = f"{name}: line {n}"
        try:
            spec = parse(dsl_line) if dsl_line is not None else next(stata_specs)
        except VceregError as exc:
            exc.add_note(where)
            raise
        except StopIteration:
            raise StataSyntaxError(f"{where}: expected an estimation command") from None
        models.append(_Model(spec, where))
    return models


def _models_from_args(lines: Sequence[str]) -> list[_Model]:
    if any(line.split()[:1] in (["xtset"], ["tsset"]) for line in lines):
        return _models_from_file("\n".join(lines), "arguments")  # xtset applies to later lines
    models: list[_Model] = []
    for i, line in enumerate(lines, 1):
        where = f"model {i}" if len(lines) > 1 else ""
        try:
            models.append(_Model(parse(line), where))
        except VceregError as exc:
            if where:
                exc.add_note(where)
            raise
    return models


def _read_do(args: argparse.Namespace) -> tuple[str, str] | None:
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


def _post_estimation(text: str) -> bool:
    """Does a do-file need the runner: commands other than estimation lines, model strings
    and ``xtset`` (data commands, ``test``, ``eststo:``, macros, loops, ``esttab``...)?"""
    for _, _, code in _logical_lines(text):
        prefix, body = read_prefixes(code)
        word = (body.split() or [""])[0].rstrip(",")
        plain = is_stata_command(body) or word in _PANEL or _is_dsl(body)
        if is_registered(word) or prefix.by or prefix.eststo is not None or not plain:
            return True
    return False


def _collect_models(args: argparse.Namespace, do: tuple[str, str] | None) -> list[_Model]:
    """The models to fit. A do-file with post-estimation commands is left to
    :func:`vcereg.run_do`, which needs the data (see :func:`_load_and_fit`)."""
    models: list[_Model] = []
    if do is not None and not _post_estimation(do[0]):
        models += _models_from_file(*do)
    models += _models_from_args(args.models)
    if not models and do is None:
        raise UsageError("no model given: pass a model such as 'y ~ x', or --do FILE")
    return models


def _load_data(args: argparse.Namespace) -> Any:
    if args.data is not None and args.example is not None:
        raise UsageError("give either --data or --example, not both")
    if args.example is not None:
        return datasets.load(args.example)
    if args.data is None:
        if args.do is not None:  # the do-file may load its own data (use, import)
            return pd.DataFrame()
        raise UsageError("no data: pass --data FILE or --example NAME")
    if args.dask or args.scheduler:
        return io.read(args.data, engine="dask")
    sheet = int(args.sheet) if args.sheet is not None and args.sheet.isdigit() else args.sheet
    return io.read(args.data, sep=args.sep, sheet=sheet, encoding=args.encoding)


def _lines(caught: list[warnings.WarningMessage], prefix: str) -> list[str]:
    """One line per warning meant for users (deprecations are for developers)."""
    return [
        prefix + " ".join(str(w.message).split())
        for w in caught
        if not issubclass(w.category, _DEV_WARNINGS)
    ]


def _load_and_fit(
    models: list[_Model], args: argparse.Namespace, do: tuple[str, str] | None
) -> tuple[list[Results], list[str], dict[str, str], DoRun | None]:
    """Read the data and fit every model; returns the results, the warning lines, the
    data's variable labels (Stata .dta files), which become default term labels, and the
    run of a do-file with post-estimation commands (its fits come first)."""
    results: list[Results] = []
    messages: list[str] = []
    ssc = SmallSample.preset(args.ssc) if args.ssc else None
    run: DoRun | None = None
    with Progress(label="reading data", enabled=not args.quiet) as progress:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            data = _load_data(args)
        messages += _lines(caught, "")
        if do is not None and _post_estimation(do[0]):
            progress.set_label("running " + do[1])
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    run = run_do(do[0], data, ssc=ssc, level=args.level, files=args.allow_files)
                except VceregError as exc:
                    exc.add_note(do[1])
                    raise
            results += run.results
            messages += _lines(caught, f"{do[1]}: ")
        progress.total = len(models)
        progress.set_label("fitting")
        for model in models:
            spec = model.spec if ssc is None else model.spec.replace(ssc=ssc)
            spec = spec if args.level is None else spec.replace(level=args.level)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    results.append(fit_spec(spec, data))  # safe mode: the default, always
                except VceregError as exc:
                    if model.where:
                        exc.add_note(model.where)
                    raise
            progress.advance()
            messages += _lines(caught, f"{model.where}: " if model.where else "")
    found = getattr(data, "attrs", {}).get("labels") or {}
    var_labels = {str(k): str(v) for k, v in found.items() if v}
    return results, list(dict.fromkeys(messages)), var_labels, run


# --- output --------------------------------------------------------------------------
def _read_labels(path: str) -> dict[str, str]:
    try:
        labels = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"no such labels file: {path!r}") from None
    except ValueError as exc:  # not JSON, or not UTF-8
        raise UsageError(f"--labels {path}: not valid JSON ({exc})") from None
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        raise UsageError(f'--labels {path}: expected a JSON object {{"term": "label"}}')
    return {str(k): v for k, v in labels.items()}


def _output_format(args: argparse.Namespace) -> str:
    ext = Path(args.out).suffix.lower() if args.out is not None else ""
    given = "json" if args.json else args.format
    if given is not None:
        implied = _EXTENSIONS.get(ext)
        if implied is not None and implied != given:  # the file would be unreadable
            suffix = next(e for e, f in _EXTENSIONS.items() if f == given)
            raise UsageError(
                f"--out {args.out!r} is a {implied} file name but the format is {given}; "
                f"name the file *{suffix} or drop the format"
            )
        return str(given)
    if args.out is None:
        return "text"
    if ext not in _EXTENSIONS:
        raise UsageError(
            f"cannot tell the format of --out {args.out!r} (expected an extension among "
            f"{', '.join(_EXTENSIONS)}); add --format"
        )
    return _EXTENSIONS[ext]


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.list_vce:
        for name, aliases in sorted(available().items()):
            print(f"{name:<10} {', '.join(aliases)}".rstrip(), file=out)
        return 0
    fmt = _output_format(args)
    if args.digits is not None and not 0 <= args.digits <= 12:
        raise UsageError(f"--digits must be from 0 to 12 (got {args.digits})")
    labels = _read_labels(args.labels) if args.labels else None
    do = _read_do(args)
    models = _collect_models(args, do)
    titles = args.title
    with dask_backend.scheduler(args.scheduler):
        results, messages, var_labels, run = _load_and_fit(models, args, do)
    if not results and run is not None and (run.log or run.written):
        _emit_log(run, out)  # a data step alone: its log is the output
        return 0
    if not results:
        raise UsageError("no model given: the do-file has no estimation command")
    if titles is not None and len(titles) != len(results):
        raise UsageError(f"--title given {len(titles)} time(s) for {len(results)} model(s)")
    var_labels = {**var_labels, **(run.labels if run is not None else {})}  # label variable
    if var_labels:
        labels = {**var_labels, **(labels or {})}  # --labels wins over the file's labels
    for message in [] if args.quiet else messages:
        print(f"warning: {message}", file=err)
    tests = [(i, h, r.test(h)) for i, r in enumerate(results, 1) for h in args.test or []]
    keep, drop = _split_names(args.keep), _split_names(args.drop)
    if args.predict:
        write_predictions(predictions_frame(results, run), args.predict)
    if args.plot:
        fig = coefplot(results, keep=keep, drop=drop, labels=labels, titles=titles,
                       level=results[0].level)  # fmt: skip
        try:
            fig.savefig(args.plot, dpi=150)
        except ValueError as exc:  # matplotlib: unsupported file format
            raise UsageError(f"--plot {args.plot}: {exc}") from None
    if fmt == "json":
        names = titles or [None] * len(results)
        dicts = [{"title": t, **r.to_dict()} for r, t in zip(results, names, strict=True)]
        payload: dict[str, object] = {"vcereg": __version__, "models": dicts}
        if run is not None:
            payload["commands"] = [
                {"line": n, "command": c, "output": str(o)} for n, c, o in run.log
            ]
        if tests:
            payload["tests"] = [
                {"model": i, "hypothesis": h, "distribution": t.distribution, "stat": t.stat,
                 "pvalue": t.pvalue, "df": list(t.df), "dropped": t.dropped}
                for i, h, t in tests
            ]  # fmt: skip
        _emit(json.dumps(payload, indent=2, allow_nan=False), args.out, out)
        return 0
    table_options = (args.table, args.do, args.out, args.format, keep, drop, labels, titles,
                     args.below, args.digits)  # fmt: skip
    if len(results) == 1 and all(o is None or o is False for o in table_options):
        _emit(results[0].summary(), None, out)
        _emit_log(run, out)
        _emit_tests(tests, out)
        return 0
    table = etable(
        results, titles=titles, keep=keep, drop=drop, labels=labels, stars=args.stars,
        below=None if args.below == "none" else (args.below or "se"),
        digits=3 if args.digits is None else args.digits,
    )  # fmt: skip
    if fmt in _BINARY:
        if args.out is None:
            raise UsageError(f"a {fmt} table is a file: add --out table.{fmt}")
        table.save(args.out, fmt)
    else:
        _emit(table.render(fmt), args.out, out)
    _emit_log(run, out)
    _emit_tests(tests, out)
    return 0


def _emit_tests(tests: list[tuple[int, str, WaldResult]], out: TextIO) -> None:
    """The ``--test`` results, after the table (Stata's ``test`` output)."""
    for i, hypothesis, result in tests:
        out.write(f"\n. test {hypothesis}    (model {i})\n\n{result}\n")


def _emit_log(run: DoRun | None, out: TextIO) -> None:
    """The output of a do-file's post-estimation commands, as Stata's log shows it."""
    if run is not None and run.log:
        out.write("\n" + str(run).rstrip("\n") + "\n")


def _emit(text: str, path: str | None, out: TextIO) -> None:
    text = text.rstrip("\n") + "\n"
    if path is None:
        out.write(text)
    else:
        Path(path).write_text(text, encoding="utf-8")


def _report(err: TextIO, exc: BaseException) -> None:
    notes = getattr(exc, "__notes__", None) or []
    prefix = "".join(f"{n}: " for n in reversed(notes))
    message = _ANSI.sub("", str(exc))  # third-party messages may carry terminal colours
    print(f"vcereg: error: {prefix}{message}", file=err)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 data/estimation, 2 usage)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse printed the usage and message (or --help/--version)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return _run(args, sys.stdout, sys.stderr)
    except (SpecError, UsageError) as exc:
        _report(sys.stderr, exc)
        return 2
    except BrokenPipeError:  # e.g. `vcereg ... | head`: stop quietly, also at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (VceregError, OSError) as exc:
        _report(sys.stderr, exc)
        return 1
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
