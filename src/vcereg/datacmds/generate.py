"""``generate`` and ``replace`` ([D] generate), with ``by`` ([D] by).

``generate [type] newvar = exp [if] [in]`` evaluates ``exp`` with Stata's semantics
(:func:`vcereg.dsl.expr.evaluate_value`) on the rows ``if``/``in`` select; the others are
missing. Within ``by``, ``_n``, ``_N``, subscripts and ``sum()`` work per group.
``replace var = exp`` changes the selected rows; when ``exp`` subscripts ``var`` itself
(``replace x = x[_n-1] if missing(x)``), it is evaluated observation by observation as
Stata does, so later rows see the values already replaced (carrying a value forward fills
a whole run of missing values).

Their output is Stata's: ``(5 missing values generated)``, ``(12 real changes made)``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..dofile import DoCommand, DoState, register_command
from ..dofile.frame import ties_within
from ..dofile.varlist import unabbreviate
from ..dsl.expr import Expression, StataValue, evaluate, evaluate_value
from ..dsl.expr_parse import Call, Index, Node, SysVar, children
from ..dsl.expr_values import Groups, Val
from ..errors import VceregWarning, warn
from ._common import expression, groups, new_name, parse_type, parts, row_mask, store, to_series

__all__ = ["order_warning"]

_GEN = re.compile(r"(?:([A-Za-z]\w*)\s+)?([A-Za-z_]\w*)(?:\s*:\s*(\w+))?\s*=\s*(.*)", re.S)


def _nodes(node: Node) -> list[Node]:
    out, stack = [], [node]
    while stack:
        cur = stack.pop()
        out.append(cur)
        stack.extend(children(cur))
    return out


def order_warning(state: DoState, cmd: DoCommand, expr: Expression) -> None:
    """Warn when a ``by`` result depends on the order of rows that the sort keys leave
    tied (Stata's own order of ties is random; vcereg keeps the previous order)."""
    if not cmd.by:
        return
    uses = any(
        (isinstance(n, SysVar) and n.name == "_n")
        or isinstance(n, Index)
        or (isinstance(n, Call) and n.func == "sum")
        for n in _nodes(expr.node)
    )
    keys = [*cmd.by, *cmd.by_sort]
    if uses and ties_within(state.data, state.meta, keys):
        warn(
            f"line {cmd.lineno}: {cmd.line!r} depends on the order of observations within "
            f"{' '.join(keys)}, which the sort leaves tied: Stata's result would be random; "
            "vcereg keeps the data's previous order (as sort, stable). Add a variable that "
            f"orders them: bysort {' '.join(cmd.by)} (sortvar): ...",
            VceregWarning,
        )


def _place(state: DoState, cmd: DoCommand, name: str) -> None:
    """``generate ..., before(var)`` / ``after(var)``: where the new column goes."""
    anchor = cmd.option("before") or cmd.option("after")
    if not anchor:
        return
    cols = [str(c) for c in state.data.columns if c != name]
    target = unabbreviate(anchor.strip(), cols)
    at = cols.index(target) + (cmd.option("after") is not None)
    state.data = state.data[[*cols[:at], name, *cols[at:]]]


def _generate(cmd: DoCommand, state: DoState) -> str | None:
    cmd.check_options(("before", "after"))
    p = parts(cmd)
    m = _GEN.fullmatch(p.main)
    if m is None or not m.group(4).strip():
        raise cmd.error("expected generate [type] newvar = exp").with_rc(198)
    word, name, label, text = m.groups()
    stype = None
    if word is not None:
        stype = parse_type(word)
        if stype is None:
            raise cmd.error(f"{word} is not a storage type (byte int long float double str#)")
        stype = None if stype == "str" else stype
    new_name(state, cmd, name)
    grp = groups(state, cmd)
    regex: list[tuple[str, ...] | None] = [None] * len(state.data)
    rows = row_mask(state, p, grp, regex)
    expr = expression(cmd, text.strip())
    v = evaluate_value(expr, state.data, state.env(grp, active=rows, regex=regex))
    missing = store(state, cmd, name, v, rows, stype, replace=False)
    _place(state, cmd, name)
    if label:
        if label not in state.meta.value_labels:
            state.meta.value_labels[label] = {}
        state.meta.label_of[name] = label
    order_warning(state, cmd, expr)
    if missing:
        return f"({missing} missing value{'s' * (missing != 1)} generated)"
    return None


def _self_subscripted(expr: Expression | None, name: str) -> bool:
    return expr is not None and any(
        isinstance(n, Index) and n.name == name for n in _nodes(expr.node)
    )


def _val(values: np.ndarray, codes: np.ndarray, kind: str) -> Val:
    if kind == "str":
        return Val("str", values, values == "", "replaced values")
    return Val("num", values, np.isnan(values), "replaced values", 1 + codes.astype(np.int64))


def _sequential(
    state: DoState, cmd: DoCommand, name: str, expr: Expression, cond: Expression | None,
    base: np.ndarray, grp: Groups | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Stata's observation-by-observation ``replace`` when ``exp`` (or ``if``) subscripts
    the variable being replaced: iterate until no row changes (each pass settles at least
    one more row, so at most one pass per observation)."""
    n, kind = len(state.data), "str" if base.dtype == object else "num"
    stype = "double" if kind == "num" and state.data[name].dtype != np.float32 else "float"
    cur, codes = base.copy(), state.meta.codes(name, n).copy()
    rows = np.ones(n, bool)
    for _ in range(n + 1):
        env = state.env(grp)
        env.sequential = (name, _val(cur, codes, kind))
        rows = evaluate(cond, state.data, env).mask if cond is not None else np.ones(n, bool)
        env.active = rows
        v = evaluate_value(expr, state.data, env)
        if kind == "num":
            stored, _ = to_series(np.where(rows, v.values, base), stype, state.data.index)
            new = stored.to_numpy(dtype=float, na_value=np.nan)
            new_codes = np.where(rows, v.codes, state.meta.codes(name, n))
            same = ((new == cur) | (np.isnan(new) & np.isnan(cur))) & (new_codes == codes)
        else:
            new = np.where(rows, v.values, base)
            new_codes = codes
            same = new == cur
        cur, codes = new, new_codes
        if same.all():
            break
    return cur, codes, rows


def _replace(cmd: DoCommand, state: DoState) -> str:
    cmd.check_options(("nopromote",))
    promote = cmd.option("nopromote", abbrev=5) is None
    p = parts(cmd)
    m = re.fullmatch(r"([A-Za-z_]\w*)\s*=\s*(.+)", p.main, re.S)
    if m is None:
        raise cmd.error("expected replace oldvar = exp").with_rc(198)
    name = unabbreviate(m.group(1), [str(c) for c in state.data.columns])
    grp = groups(state, cmd)
    expr = expression(cmd, m.group(2).strip())
    cond = expression(cmd, p.if_) if p.if_ else None
    if _self_subscripted(expr, name) or _self_subscripted(cond, name):
        if p.in_ is not None:
            raise cmd.error("replace with in and a subscripted variable is not supported")
        s = state.data[name]
        if pd.api.types.is_numeric_dtype(s.dtype):
            base = s.to_numpy(dtype=float, na_value=np.nan)
        else:
            base = s.astype(object).where(s.notna(), "").to_numpy(dtype=object)
        values, codes, rows = _sequential(state, cmd, name, expr, cond, base, grp)
        kind = "str" if base.dtype == object else "num"
        done = StataValue(kind, values, codes.astype(np.int8))
        changed = store(state, cmd, name, done, rows, None, replace=True, promote=promote)
    else:
        regex: list[tuple[str, ...] | None] = [None] * len(state.data)
        rows = row_mask(state, p, grp, regex)
        v = evaluate_value(expr, state.data, state.env(grp, active=rows, regex=regex))
        changed = store(state, cmd, name, v, rows, None, replace=True, promote=promote)
    order_warning(state, cmd, expr)
    return f"({changed} real change{'s' * (changed != 1)} made)"


register_command("generate", _generate, abbrev=1, byable=True)
register_command("replace", _replace, byable=True)
