"""``xtile``, ``collapse``, ``count`` and ``assert`` ([D] pctile, [D] collapse,
[D] count, [D] assert).

``xtile newvar = exp, nquantiles(#)`` puts ``exp`` into # groups at the cut points of
``_pctile`` (value ``x`` is in group ``k`` when ``c(k-1) < x <= c(k)``). ``collapse``
replaces the data by one row per ``by()`` group (missing values form their own group):
``(mean) y (sd) sd_y=y (p50) x (count) n=x``; statistics ignore missing values; ``sum``
of nothing is 0; ``first``/``last`` follow the data's order. ``count`` prints the number
and leaves it in ``r(N)``, as ``summarize`` (:mod:`vcereg.commands.describe`) leaves
``r(N)``, ``r(mean)``, ``r(sd)``, ``r(min)``, ``r(max)`` and ``r(sum)``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..dofile import DoCommand, DoState, register_command
from ..dofile.frame import DataMeta
from ..dofile.varlist import expand_varlist
from ..dsl.expr import StataValue
from ._common import new_name, parts, row_mask, store, value
from .egen import group_codes
from .egen_funcs import group_stat, pctile

__all__: list[str] = []

_STAT = re.compile(r"\(\s*(\w+)\s*\)")


def _xtile(cmd: DoCommand, state: DoState) -> None:
    cmd.check_options((("nquantiles", 2),))
    p = parts(cmd)
    m = re.fullmatch(r"(?:(\w+)\s+)?([A-Za-z_]\w*)\s*=\s*(.+)", p.main, re.S)
    if m is None:
        raise cmd.error("expected xtile newvar = exp, nquantiles(#)").with_rc(198)
    name = new_name(state, cmd, m.group(2))
    rows = row_mask(state, p)
    x = value(state, cmd, m.group(3).strip()).values
    if x.dtype == object:
        raise cmd.error("xtile needs a numeric expression").with_rc(109)
    nq = int(float(cmd.option("nquantiles", abbrev=2) or 2))
    if nq < 2:
        raise cmd.error("nquantiles() must be at least 2").with_rc(198)
    use = rows & ~np.isnan(x)
    codes = np.where(use, 0, -1).astype(np.int64)
    cuts = np.array(
        [pctile(x, codes, 1, 100 * k / nq)[use][0] for k in range(1, nq)] if use.any() else []
    )
    group = 1 + (x[:, None] > cuts[None, :]).sum(axis=1) if len(cuts) else np.ones(len(x))
    out = np.where(use, group, np.nan)
    store(state, cmd, name, StataValue("num", out.astype(float), np.zeros(len(out), np.int8)),
          np.ones(len(out), bool), m.group(1), replace=False)  # fmt: skip


def _numbers(state: DoState, cmd: DoCommand, name: str) -> np.ndarray:
    s = state.data[name]
    if not pd.api.types.is_numeric_dtype(s.dtype):
        raise cmd.error(f"{name}: a string variable cannot be summarised").with_rc(109)
    return s.to_numpy(dtype=float, na_value=np.nan)


def _collapse_stat(stat: str, x: np.ndarray, codes: np.ndarray, g: int) -> np.ndarray:
    """One value per group (in group order)."""
    used = np.flatnonzero(codes >= 0)
    if stat in ("first", "last", "firstnm", "lastnm"):
        pick = used[~np.isnan(x[used])] if stat.endswith("nm") else used
        pick = pick if stat.startswith("first") else pick[::-1]
        _, where = np.unique(codes[pick], return_index=True)
        out = np.full(g, np.nan)
        out[codes[pick[where]]] = x[pick[where]]
        return out
    if stat == "percent":
        size = np.bincount(codes[used], minlength=g).astype(float)
        return 100 * size / max(len(used), 1)
    if stat in ("mean", "sd", "sum", "count", "max", "min", "rawsum"):
        per_row = group_stat({"sum": "total", "rawsum": "total"}.get(stat, stat), x, codes, g)
    elif stat == "iqr":
        per_row = pctile(x, codes, g, 75.0) - pctile(x, codes, g, 25.0)
    else:
        per_row = pctile(x, codes, g, 50.0 if stat == "median" else float(stat[1:]))
    _, where = np.unique(codes[used], return_index=True)
    out = np.full(g, np.nan)
    out[codes[used[where]]] = per_row[used[where]]
    return out


def _collapse(cmd: DoCommand, state: DoState) -> None:
    cmd.check_options(("by", "cw", "fast"))
    p = parts(cmd)
    cols = [str(c) for c in state.data.columns]
    by = expand_varlist(cmd.option("by") or "", cols)
    targets: list[tuple[str, str, str]] = []  # (stat, new name, source)
    stat = "mean"
    for tok in re.split(r"(\(\s*\w+\s*\))", p.main):
        if (m := _STAT.fullmatch(tok.strip())) is not None:
            stat = m.group(1)
            continue
        for word in re.sub(r"\s*=\s*", "=", tok).split():
            new, _, src = word.rpartition("=")
            for source in expand_varlist([src], cols):
                targets.append((stat, new or source, source))
    if not targets:
        raise cmd.error("expected collapse (stat) varlist [, by(varlist)]").with_rc(198)
    allowed = {"mean", "median", "sd", "sum", "rawsum", "count", "max", "min", "iqr",
               "percent", "first", "last", "firstnm", "lastnm"}  # fmt: skip
    for stat_, _, _ in targets:
        if stat_ not in allowed and not re.fullmatch(r"p([1-9]|[1-9]\d)", stat_):
            raise cmd.error(f"collapse: statistic ({stat_}) not supported").with_rc(198)
    rows = row_mask(state, p)
    if cmd.option("cw") is not None:
        for _, _, source in targets:
            rows &= ~np.isnan(_numbers(state, cmd, source))
    codes, g = group_codes(state, by, rows)
    used = np.flatnonzero(codes >= 0)
    _, where = np.unique(codes[used], return_index=True)
    first = used[where]
    out = pd.DataFrame({b: state.data[b].iloc[first].to_numpy() for b in by})
    meta = DataMeta(sortedby=tuple(by))
    for b in by:
        if b in state.meta.var_labels:
            meta.var_labels[b] = state.meta.var_labels[b]
        if b in state.meta.label_of:
            meta.label_of[b] = state.meta.label_of[b]
    meta.value_labels = dict(state.meta.value_labels)
    for stat_, new, source in targets:
        if new in out.columns:
            raise cmd.error(f"collapse: {new} given twice").with_rc(198)
        values = _collapse_stat(stat_, _numbers(state, cmd, source), codes, g)
        double = state.data[source].dtype == np.float64 or stat_ in ("sum", "rawsum")
        if stat_ == "count":
            out[new] = pd.Series(values).astype("Int32")
        else:
            out[new] = values if double else values.astype(np.float32)
        label = state.meta.var_labels.get(source, source)
        meta.var_labels[new] = f"({stat_}) {label}"
    state.data, state.meta = out, meta


def _count(cmd: DoCommand, state: DoState) -> str:
    p = parts(cmd)
    if p.main:
        raise cmd.error("count takes only if and in").with_rc(198)
    n = int(row_mask(state, p).sum())
    state.returned = {"N": float(n)}
    return f"  {n:,}"


def _assert(cmd: DoCommand, state: DoState) -> str | None:
    """``assert exp [if] [in]`` ([D] assert): r(9) when ``exp`` is false somewhere."""
    p = parts(cmd)
    if not p.main:
        raise cmd.error("assert: expected an expression").with_rc(198)
    rows = row_mask(state, p)
    v = value(state, cmd, p.main)
    if v.kind == "str":
        raise cmd.error("assert: type mismatch (a string is not a condition)").with_rc(109)
    false = rows & (v.values == 0)  # missing is true, as any nonzero number
    k = int(false.sum())
    if k and cmd.option("rc0") is None:
        raise cmd.error(
            f"assertion is false: {k} contradiction{'s' * (k != 1)} in {int(rows.sum())} "
            "observations"
        ).with_rc(9)
    return None


register_command("assert", _assert)
register_command("xtile", _xtile)
register_command("collapse", _collapse)
register_command("count", _count, abbrev=3)
