"""``destring``, ``tostring`` and ``recode`` ([D] destring, [D] recode).

``destring`` turns strings that hold numbers into numbers (``""`` and ``"."`` become
missing); a variable with other characters is left alone with a note, unless ``force``
(they become missing) or ``ignore("chars")`` removes them. New variables get the smallest
integer type that holds them, else ``double`` (destring compresses). ``tostring`` writes
numbers with ``%12.0g`` (or ``format()``) and refuses, with a note, a variable that would
not convert back exactly, unless ``force``. ``recode`` applies the first matching rule of
``(1 2 = 1) (3/5 = 2) (min/0 = .) (missing = 9) (nonmissing = 0) (else = 0)``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..dofile import DoCommand, DoState, register_command
from ..dofile.varlist import expand_varlist, split_words
from ..dsl.expr import StataValue
from ..dsl.stata_format import format_number
from ._common import INT_RANGE, current_type, new_name, parts, row_mask, store

__all__: list[str] = []

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eEdD][+-]?\d+)?")


def _targets(cmd: DoCommand, state: DoState, names: list[str]) -> list[str]:
    gen, replace = cmd.option("generate", abbrev=3), cmd.option("replace") is not None
    if (gen is None) == (not replace):
        raise cmd.error(f"{cmd.word}: specify generate() or replace").with_rc(198)
    if gen is None:
        return names
    new = gen.split()
    if len(new) != len(names):
        raise cmd.error(f"{cmd.word}: generate() needs one new name per variable").with_rc(198)
    return [new_name(state, cmd, n) for n in new]


def _smallest(x: np.ndarray) -> str:
    finite = x[~np.isnan(x)]
    if len(finite) and (finite == np.trunc(finite)).all():
        for kind, (lo, hi, _) in INT_RANGE.items():
            if finite.min() >= lo and finite.max() <= hi:
                return kind
    return "double" if len(finite) else "byte"


def _destring(cmd: DoCommand, state: DoState) -> str | None:
    cmd.check_options(
        ("generate", "replace", ("ignore", 1), "force", "float", "percent", "dpcomma")
    )
    names = expand_varlist(cmd.args, [str(c) for c in state.data.columns])
    targets = _targets(cmd, state, names)
    ignore = cmd.option("ignore", abbrev=1)
    chars = "".join(split_words(ignore)) if ignore else ""
    force, percent = cmd.option("force") is not None, cmd.option("percent") is not None
    dpcomma = cmd.option("dpcomma") is not None
    notes = []
    for name, target in zip(names, targets, strict=True):
        s = state.data[name]
        how = "replace" if target == name else "generate"
        if pd.api.types.is_numeric_dtype(s.dtype):
            notes.append(f"{name} already numeric; no {how}")
            continue
        text = s.astype(object).where(s.notna(), "").astype(str)
        for ch in chars + ("%" if percent else ""):
            text = text.str.replace(ch, "", regex=False)
        if dpcomma:
            text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        words = [t.strip() for t in text]
        ok = np.array([t in ("", ".") or bool(_NUMBER.fullmatch(t)) for t in words], dtype=bool)
        if not ok.all() and not force:
            notes.append(f"{name}: contains nonnumeric characters; no {how}")
            continue
        x = np.array(
            [
                float(t.translate(_EXPONENT)) if good and t not in ("", ".") else np.nan
                for t, good in zip(words, ok, strict=True)
            ]
        )
        x = x / 100 if percent else x
        kind = _smallest(x)
        if kind == "double" and cmd.option("float") is not None:
            kind = "float"
        state.meta.missing.pop(target, None)
        state.meta.types.pop(target, None)
        v = StataValue("num", x, np.zeros(len(x), np.int8))
        store(state, cmd, target, v, np.ones(len(x), bool), kind, replace=False)
        bad = int((~ok).sum())
        done = "replaced" if target == name else f"{target} generated"
        extra = f"; {bad} nonnumeric value(s) set to missing (force)" if bad else ""
        notes.append(f"{name}: {done} as {kind}{extra}")
    return "\n".join(notes) or None


def _tostring(cmd: DoCommand, state: DoState) -> str | None:
    cmd.check_options(("generate", "replace", "format", "force"))
    names = expand_varlist(cmd.args, [str(c) for c in state.data.columns])
    targets = _targets(cmd, state, names)
    fmt = (cmd.option("format", abbrev=3) or "%12.0g").strip()
    force = cmd.option("force") is not None
    notes = []
    for name, target in zip(names, targets, strict=True):
        s = state.data[name]
        how = "replace" if target == name else "generate"
        if not pd.api.types.is_numeric_dtype(s.dtype):
            notes.append(f"{name} already string; no {how}")
            continue
        x = s.to_numpy(dtype=float, na_value=np.nan)
        codes = state.meta.codes(name, len(x))
        text = [
            format_number(v, fmt, missing="." + (chr(96 + c) if c else ""))
            for v, c in zip(x, codes, strict=True)
        ]
        back = np.array(
            [float(t.replace(",", "")) if _NUMBER.fullmatch(t) else np.nan for t in text]
        )
        stored = back.astype(np.float32) if current_type(state, name) == "float" else back
        exact = (stored == x) | (np.isnan(x) & np.isnan(back))
        if not exact.all() and not force:
            notes.append(f"{name} cannot be converted reversibly; no {how}")
            continue
        state.meta.missing.pop(target, None)
        state.meta.types.pop(target, None)
        out = np.array(text, dtype=object)
        store(state, cmd, target, StataValue("str", out, np.zeros(len(out), np.int8)),
              np.ones(len(out), bool), None, replace=False)  # fmt: skip
        state.meta.label_of.pop(target, None)
        notes.append(f"{name} was numeric now string" if target == name else f"{target} generated")
    return "\n".join(notes) or None


def _rule_value(token: str) -> tuple[float, int]:
    m = re.fullmatch(r"\.([a-z]?)", token)
    if m:
        return np.nan, ord(m.group(1)) - 96 if m.group(1) else 0
    return float(token), 0


def _matches(spec: str, x: np.ndarray, codes: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Rows whose value matches one element of a rule's left-hand side."""
    return np.asarray(_match(spec, x, codes, lo, hi), dtype=bool)


def _match(spec: str, x: np.ndarray, codes: np.ndarray, lo: float, hi: float) -> object:
    na = np.isnan(x)
    if spec in ("missing", "miss"):
        return na
    if spec in ("nonmissing", "nonmiss"):
        return ~na
    if "/" in spec:
        a, b = spec.split("/", 1)
        low = lo if a == "min" else float(a)
        high = hi if b == "max" else float(b)
        return ~na & (x >= low) & (x <= high)
    if spec in ("min", "max"):
        return ~na & (x == (lo if spec == "min" else hi))
    value, code = _rule_value(spec)
    return na & (codes == code) if np.isnan(value) else x == value


def _recode(cmd: DoCommand, state: DoState) -> str | None:
    cmd.check_options(("generate", "copyrest"))
    p = parts(cmd)
    head = p.main
    rules = re.findall(r"\(([^()]*)\)", head)
    names = expand_varlist(head.split("(")[0], [str(c) for c in state.data.columns])
    if not rules or not names:
        raise cmd.error("expected recode varlist (rule) [(rule) ...]").with_rc(198)
    gen = cmd.option("generate", abbrev=3)
    targets = [new_name(state, cmd, t) for t in gen.split()] if gen else names
    if len(targets) != len(names):
        raise cmd.error("recode: generate() needs one new name per variable").with_rc(198)
    rows = row_mask(state, p)
    out = []
    for name, target in zip(names, targets, strict=True):
        s = state.data[name]
        if not pd.api.types.is_numeric_dtype(s.dtype):
            raise cmd.error(f"recode only changes numeric variables ({name} is a string)").with_rc(
                109
            )
        x = s.to_numpy(dtype=float, na_value=np.nan)
        codes = state.meta.codes(name, len(x))
        lo, hi = (np.nanmin(x), np.nanmax(x)) if (~np.isnan(x)).any() else (np.nan, np.nan)
        new, new_codes = x.copy(), codes.copy()
        done = ~rows
        labels: dict[float, str] = {}
        for rule in rules:
            lhs, eq, rhs = rule.partition("=")
            if not eq:
                raise cmd.error(f"recode rule ({rule}) needs =").with_rc(198)
            words = split_words(rhs)
            if not words:
                raise cmd.error(f"recode rule ({rule}): nothing after =").with_rc(198)
            value, code = _rule_value(words[0])
            if len(words) > 1:
                labels[value] = words[1]
            hit = np.zeros(len(x), bool)
            for spec in lhs.split():
                hit |= ~done & (True if spec in ("else", "*") else _matches(spec, x, codes, lo, hi))
            new, new_codes = np.where(hit, value, new), np.where(hit, code, new_codes)
            done |= hit
        v = StataValue("num", new, new_codes.astype(np.int8))
        if target == name:
            changed = store(state, cmd, name, v, rows, None, replace=True)
        else:  # out-of-sample rows are missing unless copyrest
            state.data[target] = s.copy()
            state.meta.types[target] = current_type(state, name)
            if cmd.option("copyrest") is None:
                v = StataValue("num", np.where(rows, new, np.nan), v.codes)
            changed = store(state, cmd, target, v, np.ones(len(x), bool), None, replace=True)
        if labels:
            table = state.meta.value_labels.setdefault(target, {})
            table.update(labels)
            state.meta.label_of[target] = target
        out.append(f"({target}: {changed} change{'s' * (changed != 1)} made)")
    return "\n".join(out)


_EXPONENT = str.maketrans({"d": "e", "D": "e"})

register_command("destring", _destring)
register_command("tostring", _tostring)
register_command("recode", _recode)
