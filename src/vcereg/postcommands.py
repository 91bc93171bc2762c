"""Stata's ``predict`` and ``margins`` lines in a do-file, and the CLI's ``--predict``.

Importing this module registers the two commands with :mod:`vcereg.dofile` (the package
does on import). ``predict NAME[, xb|residuals|stdp|xbd|d]`` adds the column ``NAME`` to
the run's copy of the data, over every row where it can be computed, as Stata does
(``predict NAME if e(sample)`` keeps the estimation sample only);
``margins[, dydx(varlist) at(var=numlist ...) atmeans over(var) level(#)]`` returns the
margins table of :meth:`vcereg.Results.margins`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .dofile import DoCommand, DoRun, DoState, register_command
from .errors import DataError
from .postestimation import PREDICTIONS, model_variables
from .results import Results

__all__ = ["numlist", "predictions_frame", "write_predictions"]

# Stata's minimal abbreviations of predict's options
_PREDICT_ABBREV = {"xb": 2, "residuals": 1, "stdp": 4, "xbd": 3, "d": 1}
_TYPES = {"byte", "int", "long", "float", "double"}
_PREDICTED = "vcereg_predicted"  # attrs key: columns the do-file's predict lines added
_MARGINS_OPTIONS = ("dydx", "at", "atmeans", "over", "level")
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def _predict(cmd: DoCommand, state: DoState) -> None:
    res = state.current(cmd)
    head, _, cond = cmd.args.partition(" if ")
    words = [w for w in head.split() if w not in _TYPES]
    if len(words) != 1 or not re.fullmatch(r"[A-Za-z_]\w*", words[0]):
        raise cmd.error("expected predict NAME[, xb|residuals|stdp|xbd|d]")
    name = words[0]
    if cond and re.sub(r"\s+", "", cond) != "e(sample)":
        raise cmd.error(f"predict: only 'if e(sample)' is supported (got 'if {cond.strip()}')")
    if name in state.data.columns:
        raise cmd.error(f"variable {name} already defined", hint="drop it or pick another name")
    chosen = [k for k in PREDICTIONS if cmd.option(k, abbrev=_PREDICT_ABBREV[k]) is not None]
    if len(chosen) > 1:
        raise cmd.error(f"predict: only one of {', '.join(chosen)} may be given")
    what = chosen[0] if chosen else "xb"
    values = res.predict(what=what) if cond else res.predict(state.data, what=what)
    state.data[name] = values.reindex(state.data.index)
    state.data.attrs[_PREDICTED] = [*state.data.attrs.get(_PREDICTED, []), name]


def numlist(text: str) -> list[float]:
    """Stata's numlist: ``10 20 30``, ``10(10)30``, ``1/4``.

    >>> numlist("1/3 10(5)20 2.5")
    [1.0, 2.0, 3.0, 10.0, 15.0, 20.0, 2.5]
    """
    out: list[float] = []
    for tok in text.replace(",", " ").split():
        step = re.fullmatch(rf"({_NUMBER})\(({_NUMBER})\)({_NUMBER})", tok)
        span = re.fullmatch(rf"({_NUMBER})/({_NUMBER})", tok)
        if step:
            a, s, b = (float(g) for g in step.groups())
            if s == 0 or (b - a) / s < 0:
                raise DataError(f"numlist {tok!r}: the step does not lead from {a:g} to {b:g}")
            n = int(np.floor((b - a) / s + 1e-9)) + 1
            out += [a + i * s for i in range(n)]
        elif span:
            a, b = (float(g) for g in span.groups())
            out += [
                float(v) for v in np.arange(a, b + 0.5 * np.sign(b - a or 1), np.sign(b - a) or 1)
            ]
        elif re.fullmatch(_NUMBER, tok):
            out.append(float(tok))
        else:
            raise DataError(f"invalid numlist element {tok!r}")
    return out


def _at(text: str, cmd: DoCommand) -> dict[str, object]:
    out: dict[str, object] = {}
    pos = 0
    for m in re.finditer(r"([A-Za-z_]\w*)\s*=\s*(\([^)]*(?:\)[^)\s]*)*\)|\S+)", text):
        if text[pos : m.start()].strip():
            break
        value = m.group(2)
        body = value[1:-1] if value.startswith("(") and value.endswith(")") else value
        out[m.group(1)] = numlist(body)
        pos = m.end()
    if text[pos:].strip() or not out:
        raise cmd.error(f"margins: cannot read at({text}); expected at(var=numlist ...)")
    return out


def _option_words(text: str) -> list[str]:
    """The option names of ``text``: what is left outside every parenthesis."""
    depth, kept = 0, []
    for ch in text:
        depth += ch == "("
        kept.append(ch if depth == 0 else " ")
        depth -= ch == ")"
    return "".join(kept).split()


def _known(word: str) -> bool:
    return any(o.startswith(word) and len(word) >= 2 for o in _MARGINS_OPTIONS)


def _margins(cmd: DoCommand, state: DoState) -> pd.DataFrame:
    res = state.current(cmd)
    unknown = [w for w in _option_words(cmd.options) if not _known(w)]
    if unknown:
        hint = "margins, post is not needed: pass the margins table to vcereg.etable"
        raise cmd.error(
            f"margins: option {unknown[0]} not supported; expected {', '.join(_MARGINS_OPTIONS)}",
            hint=hint if unknown[0].startswith("post") else None,
        )
    if cmd.args.strip():
        raise cmd.error(
            f"margins: marginlist {cmd.args.strip()!r} is not supported",
            hint="use margins, dydx(var) or margins, at(var=(...))",
        )
    dydx_text = cmd.option("dydx")
    dydx: list[str] | None = None
    if dydx_text is not None:
        words = [re.sub(r"^(?:i|c)\.", "", w) for w in dydx_text.split()]
        dydx = list(model_variables(res)) if words in (["*"], ["_all"]) else words
    at_text = cmd.option("at")
    level = cmd.option("level")
    return res.margins(
        dydx,
        at=_at(at_text, cmd) if at_text else None,
        over=cmd.option("over") or None,
        atmeans=cmd.option("atmeans") is not None,
        level=float(level) if level else None,
    )


def predictions_frame(results: Sequence[Results], run: DoRun | None) -> pd.DataFrame:
    """The data with predictions: a do-file's own ``predict`` columns when it ran any;
    otherwise, per model, ``xb`` and ``resid`` (and ``xbd`` with absorbed effects), suffixed
    ``_1``, ``_2``... when there are several models."""
    if run is not None and run.data.attrs.get(_PREDICTED):
        return run.data
    data = results[0]._data if results else None
    if data is None:
        raise DataError("the results do not keep their data; nothing to add predictions to")
    out = data.copy()
    for k, res in enumerate(results, start=1):
        tag = "" if len(results) == 1 else f"_{k}"
        out[f"xb{tag}"] = res.predict(data)
        if res.fixed_effects:
            out[f"xbd{tag}"] = res.predict(data, what="xbd")
        if res.depvar in data.columns:
            out[f"resid{tag}"] = res.predict(data, what="residuals")
    return out


def write_predictions(frame: pd.DataFrame, path: str) -> None:
    """Write ``frame`` by the file's extension: .csv, .tsv, .parquet, .dta, .xlsx."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix in (".csv", ".txt"):
        frame.to_csv(target, index=False)
    elif suffix == ".tsv":
        frame.to_csv(target, sep="\t", index=False)
    elif suffix == ".parquet":
        frame.to_parquet(target, index=False)
    elif suffix == ".dta":
        frame.to_stata(target, write_index=False)
    elif suffix == ".xlsx":
        frame.to_excel(target, index=False)
    else:
        raise DataError(
            f"--predict {path}: unknown file type {suffix or '(none)'!r}",
            hint="use .csv, .tsv, .parquet, .dta or .xlsx",
        )


register_command("predict", _predict, abbrev=4)
register_command("margins", _margins, abbrev=3)
