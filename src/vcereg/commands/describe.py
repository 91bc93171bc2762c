"""``summarize`` and ``tabstat``: descriptive statistics in a do-file (:func:`vcereg.describe`).

``summarize [varlist] [if] [in] [aw=w|fw=w] [, detail]`` gives N, mean, sd, min and max
(with ``detail`` also p25, median and p75); ``tabstat varlist [if] [in] [aw=w|fw=w] [, by(g)
statistics(mean sd n ...) ]`` the statistics asked for, by group. Both return the table,
which the run's log prints.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dofile import DoCommand, DoState, register_command
from ..dsl.expr import evaluate, parse_expression
from ..errors import closest
from ..spec import Dialect
from ..stata_lang.qualifiers import parse_in, parse_weight, split_qualifiers
from ..stata_lang.syntax import WORD
from ..tables import ETable, describe

__all__: list[str] = []

_SUMMARIZE = ("n", "mean", "sd", "min", "max")
_DETAIL = ("n", "mean", "sd", "min", "p25", "median", "p75", "max")


def _subset(cmd: DoCommand, data: pd.DataFrame) -> tuple[list[str], pd.DataFrame, str | None, str]:
    """(variables, rows kept by if/in, weight variable, weight type) of ``cmd.args``."""
    text = cmd.args
    names: list[str] = []
    keep = np.ones(len(data), dtype=bool)
    weight, wtype = None, "aweight"
    for kind, a, b in split_qualifiers(text, 0, len(text)):
        if kind == "varlist":
            names = text[a:b].split()
        elif kind == "if":
            expr = parse_expression(text[a + 2 : b].strip(), Dialect.STATA)
            keep &= evaluate(expr, data).mask
        elif kind == "in":
            rows = parse_in(text, a, b)
            lo = rows.first - 1 if rows.first > 0 else len(data) + rows.first
            hi = rows.last if rows.last > 0 else len(data) + rows.last + 1
            window = np.zeros(len(data), dtype=bool)
            window[lo:hi] = True
            keep &= window
        else:
            w = parse_weight(text, a, b)
            if w.kind.value not in ("aweight", "fweight"):
                raise cmd.error(f"{cmd.word} allows aweights and fweights (got {w.kind.value})")
            weight, wtype = w.var, w.kind.value
    for name in names:
        if not WORD.fullmatch(name) or name not in data.columns:
            near = closest(name, [str(c) for c in data.columns])
            raise cmd.error(
                f"variable {name} not found", hint=f"did you mean {near!r}?" if near else None
            )
    if not names or names == ["_all"]:
        names = [str(c) for c in data.columns if pd.api.types.is_numeric_dtype(data[c])]
    return names, data.loc[keep], weight, wtype


def _returned(data: pd.DataFrame, name: str) -> dict[str, float]:
    """Stata's r() after ``summarize`` (unweighted): of the last variable summarised."""
    x = pd.to_numeric(data[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    x = x[~np.isnan(x)]
    n = len(x)
    sd = float(x.std(ddof=1)) if n > 1 else np.nan
    return {"N": float(n), "sum": float(x.sum()), "mean": float(x.mean()) if n else np.nan,
            "sd": sd, "Var": sd * sd, "min": float(x.min()) if n else np.nan,
            "max": float(x.max()) if n else np.nan}  # fmt: skip


def _summarize(cmd: DoCommand, state: DoState) -> ETable:
    names, data, weight, kind = _subset(cmd, state.data)
    state.returned = _returned(data, names[-1]) if names and weight is None else {}
    stats = _DETAIL if cmd.option("detail", abbrev=1) is not None else _SUMMARIZE
    return describe(data, names, stats=stats, weights=weight, weight_type=kind, digits=3)


def _tabstat(cmd: DoCommand, state: DoState) -> ETable:
    names, data, weight, kind = _subset(cmd, state.data)
    chosen = cmd.option("statistics", abbrev=1)
    stats = chosen.split() if chosen else ["mean"]  # tabstat's default is the mean
    by = cmd.option("by")
    if by is not None and (by not in data.columns):
        raise cmd.error(f"by({by}): variable not found")
    return describe(
        data,
        names,
        by=by or None,
        stats=stats,
        weights=weight,
        weight_type=kind,
        digits=3,
        diff=False,
    )


register_command("summarize", _summarize, abbrev=2)
register_command("tabstat", _tabstat)
