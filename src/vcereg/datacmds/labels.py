"""Labels: ``label variable``, ``label define``, ``label values``, ``label drop``,
``label list``, ``encode`` and ``decode`` ([D] label, [D] encode).

Variable labels become the row labels of ``esttab ..., label`` and ``etable, varlabel``
(and of :attr:`vcereg.DoRun.labels`). ``encode`` numbers the distinct strings 1, 2, ...
in sorted (byte) order, ``""`` staying missing, and attaches them as a value label
(reusing and extending ``label(name)`` when it exists); ``decode`` turns a labelled
variable back into strings, ``""`` where a value has no label.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..dofile import DoCommand, DoState, register_command
from ..dofile.varlist import expand_varlist, split_words
from ..dsl.expr import StataValue
from ..dsl.stata_format import format_number
from ._common import new_name, parts, row_mask, store

__all__: list[str] = []

_SUB = {"variable": 3, "define": 3, "values": 3, "drop": 4, "list": 1, "copy": 4, "dir": 3}


def _label(cmd: DoCommand, state: DoState) -> str | None:
    words = cmd.args.split(None, 1)
    if not words:
        raise cmd.error("label: expected variable, define, values, drop or list").with_rc(198)
    sub = next((s for s, k in _SUB.items() if s.startswith(words[0]) and len(words[0]) >= k), None)
    rest = words[1] if len(words) > 1 else ""
    meta, cols = state.meta, [str(c) for c in state.data.columns]
    if sub == "variable":
        m = re.fullmatch(r"\s*(\S+)\s*(.*)", rest, re.S)
        if m is None:
            raise cmd.error('expected label variable varname "label"').with_rc(198)
        name = expand_varlist([m.group(1)], cols)[0]
        text = split_words(m.group(2))
        meta.var_labels[name] = " ".join(text)
        if not meta.var_labels[name]:
            del meta.var_labels[name]
        return None
    if sub == "define":
        _define(cmd, state, rest)
        return None
    if sub == "values":
        names = rest.split()
        if not names:
            raise cmd.error("expected label values varlist [lblname]").with_rc(198)
        target = names[-1] if len(names) > 1 and names[-1] not in cols else None
        lbl = names[-1] if target is not None else None
        for name in expand_varlist(names[:-1] if target else names, cols):
            if not pd.api.types.is_numeric_dtype(state.data[name].dtype):
                raise cmd.error(f"may not label strings: {name} is a string variable").with_rc(181)
            if lbl is None or lbl == ".":
                meta.label_of.pop(name, None)
            else:
                meta.label_of[name] = lbl
        return None
    if sub == "drop":
        for name in rest.split():
            if name == "_all":
                meta.value_labels.clear()
            elif meta.value_labels.pop(name, None) is None:
                raise cmd.error(f"value label {name} not found").with_rc(111)
        return None
    if sub in ("list", "dir"):
        names = rest.split() or sorted(meta.value_labels)
        out = []
        for name in names:
            out.append(f"{name}:")
            for k, v in sorted(meta.value_labels.get(name, {}).items()):
                out.append(f"{format_number(k):>12} {v}")
        return "\n".join(out)
    raise cmd.error(f"label {words[0]}: not supported").with_rc(198)


def _define(cmd: DoCommand, state: DoState, rest: str) -> None:
    words = split_words(rest)
    if not words:
        raise cmd.error('expected label define lblname # "label" ...').with_rc(198)
    name, pairs = words[0], words[1:]
    if len(pairs) % 2:
        raise cmd.error("label define: expected pairs of a value and its label").with_rc(198)
    table = state.meta.value_labels.get(name)
    flags = cmd.options.split()
    if table is not None and not {"add", "modify", "replace"} & set(flags):
        raise cmd.error(f"label {name} already defined").with_rc(110)
    table = {} if table is None or "replace" in flags else dict(table)
    for code, text in zip(pairs[::2], pairs[1::2], strict=True):
        try:
            key = float(code)
        except ValueError:
            raise cmd.error(f"label define: {code!r} is not a number").with_rc(198) from None
        if key in table and "modify" not in flags and "replace" not in flags:
            raise cmd.error(f"label define: {code} already labelled in {name}").with_rc(180)
        table[key] = text
    state.meta.value_labels[name] = table


def _encode(cmd: DoCommand, state: DoState) -> str | None:
    cmd.check_options(("generate", ("label", 1), "noextend"))
    p = parts(cmd)
    source = expand_varlist(p.main.split(), [str(c) for c in state.data.columns])
    target = cmd.option("generate", abbrev=3)
    if len(source) != 1 or not target:
        raise cmd.error("expected encode varname, generate(newvar)").with_rc(198)
    s = state.data[source[0]]
    if pd.api.types.is_numeric_dtype(s.dtype):
        raise cmd.error(f"{source[0]} is not a string variable").with_rc(108)
    new = new_name(state, cmd, target.strip())
    rows = row_mask(state, p)
    text = s.astype(object).where(s.notna(), "").astype(str).to_numpy(dtype=object)
    lname = (cmd.option("label", abbrev=1) or new).strip()
    table = dict(state.meta.value_labels.get(lname, {}))
    known = {v: k for k, v in table.items()}
    for word in sorted(set(text[rows & (text != "")]), key=lambda t: t.encode()):
        if word not in known:
            if cmd.option("noextend") is not None:
                raise cmd.error(f"{word!r} has no code in label {lname} (noextend)").with_rc(459)
            code = max(table, default=0.0) + 1
            table[code], known[word] = word, code
    codes = np.array(
        [known.get(t, np.nan) if r and t else np.nan for t, r in zip(text, rows, strict=True)]
    )
    v = StataValue("num", codes, np.zeros(len(codes), np.int8))
    store(state, cmd, new, v, np.ones(len(codes), bool), "long", replace=False)
    state.meta.value_labels[lname] = table
    state.meta.label_of[new] = lname
    return None


def _decode(cmd: DoCommand, state: DoState) -> str | None:
    cmd.check_options(("generate",))
    p = parts(cmd)
    source = expand_varlist(p.main.split(), [str(c) for c in state.data.columns])
    target = cmd.option("generate", abbrev=3)
    if len(source) != 1 or not target:
        raise cmd.error("expected decode varname, generate(newvar)").with_rc(198)
    name = source[0]
    lname = state.meta.label_of.get(name)
    if lname is None:
        raise cmd.error(f"{name} not labeled").with_rc(182)
    new = new_name(state, cmd, target.strip())
    rows = row_mask(state, p)
    table = state.meta.value_labels.get(lname, {})
    x = state.data[name].to_numpy(dtype=float, na_value=np.nan)
    out = np.array(
        [
            table.get(float(v), "") if r and not np.isnan(v) else ""
            for v, r in zip(x, rows, strict=True)
        ],
        dtype=object,
    )
    store(
        state,
        cmd,
        new,
        StataValue("str", out, np.zeros(len(out), np.int8)),
        np.ones(len(out), bool),
        None,
        replace=False,
    )
    return None


register_command("label", _label, abbrev=2)
register_command("encode", _encode)
register_command("decode", _decode)
