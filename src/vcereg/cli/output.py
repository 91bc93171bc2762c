"""What the command line writes: the summary, a table, JSON, the do-file's log, files."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .. import __version__
from .._lazy import lazy_import
from .args import EXTENSIONS, UsageError, split_names

if TYPE_CHECKING:
    from .. import plot, tables
    from ..commands import predict
    from ..dofile import DoRun
    from ..postestimation.hypotheses import WaldResult
    from ..results import Results
else:
    plot = lazy_import("vcereg.plot")  # --plot
    predict = lazy_import("vcereg.commands.predict")  # --predict
    tables = lazy_import("vcereg.tables")

__all__ = ["emit_log", "output_format", "read_labels", "write_outputs"]

_BINARY = ("docx", "xlsx")


def read_labels(path: str) -> dict[str, str]:
    try:
        labels = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"no such labels file: {path!r}") from None
    except ValueError as exc:  # not JSON, or not UTF-8
        raise UsageError(f"--labels {path}: not valid JSON ({exc})") from None
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        raise UsageError(f'--labels {path}: expected a JSON object {{"term": "label"}}')
    return {str(k): v for k, v in labels.items()}


def output_format(args: argparse.Namespace) -> str:
    ext = Path(args.out).suffix.lower() if args.out is not None else ""
    given = "json" if args.json else args.format
    if given is not None:
        implied = EXTENSIONS.get(ext)
        if implied is not None and implied != given:  # the file would be unreadable
            suffix = next(e for e, f in EXTENSIONS.items() if f == given)
            raise UsageError(
                f"--out {args.out!r} is a {implied} file name but the format is {given}; "
                f"name the file *{suffix} or drop the format"
            )
        return str(given)
    if args.out is None:
        return "text"
    if ext not in EXTENSIONS:
        raise UsageError(
            f"cannot tell the format of --out {args.out!r} (expected an extension among "
            f"{', '.join(EXTENSIONS)}); add --format"
        )
    return EXTENSIONS[ext]


def write_outputs(
    args: argparse.Namespace,
    fmt: str,
    results: list[Results],
    run: DoRun | None,
    labels: dict[str, str] | None,
    out: TextIO,
) -> None:
    """Write the results as the options ask: the summary of one model or a table (text to
    ``out``, or a file), JSON, a plot, predictions, and the ``--test`` results."""
    titles = args.title
    tests = [(i, h, r.test(h)) for i, r in enumerate(results, 1) for h in args.test or []]
    keep, drop = split_names(args.keep), split_names(args.drop)
    if args.predict:
        predict.write_predictions(predict.predictions_frame(results, run), args.predict)
    if args.plot:
        fig = plot.coefplot(results, keep=keep, drop=drop, labels=labels, titles=titles,
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
        return
    table_options = (args.table, args.do, args.out, args.format, keep, drop, labels, titles,
                     args.below, args.digits)  # fmt: skip
    if len(results) == 1 and all(o is None or o is False for o in table_options):
        _emit(results[0].summary(), None, out)
        emit_log(run, out)
        _tests(tests, out)
        return
    table = tables.etable(
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
    emit_log(run, out)
    _tests(tests, out)


def _tests(tests: list[tuple[int, str, WaldResult]], out: TextIO) -> None:
    """The ``--test`` results, after the table (Stata's ``test`` output)."""
    for i, hypothesis, result in tests:
        out.write(f"\n. test {hypothesis}    (model {i})\n\n{result}\n")


def emit_log(run: DoRun | None, out: TextIO) -> None:
    """The output of a do-file's post-estimation commands, as Stata's log shows it."""
    if run is not None and run.log:
        out.write("\n" + str(run).rstrip("\n") + "\n")


def _emit(text: str, path: str | None, out: TextIO) -> None:
    text = text.rstrip("\n") + "\n"
    if path is None:
        out.write(text)
    else:
        Path(path).write_text(text, encoding="utf-8")
