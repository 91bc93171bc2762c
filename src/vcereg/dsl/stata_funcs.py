"""Stata's functions for the Stata dialect of the expression language ([FN] Functions).

Each function takes the evaluated arguments and returns a value over every row; nothing
is evaluated with Python's ``eval``. Missing values follow [U] 12.2.1: a numeric argument
that is missing gives ``.`` (``round``, ``int``, ``floor`` and ``ceil`` keep ``.a``-``.z``,
as the manual says ``round(.a) = .a``), ``min``/``max`` ignore missing arguments, a string's
missing value is ``""``. String positions count from 1; ``substr``, ``strlen`` and
``strpos`` count bytes (UTF-8), the ``u``-functions characters, as in Stata 14 and later.
``sum()`` is the running sum within the ``by`` group over the rows the command evaluates,
missing counting as 0.

Regular expressions (``regexm``, ``regexr``, ``regexs``) use Python's :mod:`re`, which
reads Stata's common patterns the same way (classes, anchors, groups, ``+ * ?``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import scipy.special as sc

from ..errors import ExpressionError
from .expr_parse import Call
from .expr_values import Arr, Evaluator, Val
from .stata_dates import DATE_FUNCS, parse_dates
from .stata_format import format_number

__all__ = ["call_stata"]

Func = Callable[[Evaluator, Call, list[Val]], Val]
_FUNCS: dict[str, Func] = {}
_MATH = {
    "abs": np.abs, "exp": np.exp, "sqrt": np.sqrt, "ln": np.log, "log": np.log,
    "log10": np.log10, "sign": np.sign, "sin": np.sin, "cos": np.cos, "tan": np.tan,
    "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "normal": sc.ndtr,
    "invnormal": sc.ndtri, "invlogit": sc.expit, "logit": sc.logit,
    "lnfactorial": lambda x: np.where(x == np.floor(x), sc.gammaln(x + 1), np.nan),
    "float": lambda x: x.astype(np.float32).astype(float),  # Stata's float storage
}  # fmt: skip
_KEEP_MISSING = {"floor": np.floor, "ceil": np.ceil, "int": np.trunc}


def _fn(*names: str) -> Callable[[Func], Func]:
    def register(f: Func) -> Func:
        for name in names:
            _FUNCS[name] = f
        return f

    return register


def call_stata(ev: Evaluator, node: Call) -> Val:
    """Evaluate one call of a Stata function (its arity was checked by the parser)."""
    name = node.func
    vals = [ev.ev(a) for a in node.args]
    if name in _MATH:
        x = ev.num(vals[0], node.args[0])
        with np.errstate(all="ignore"):
            return ev.number(_MATH[name](np.asarray(x, dtype=float)), node)
    if name in _KEEP_MISSING:
        x = ev.num(vals[0], node.args[0])
        return ev.number(_KEEP_MISSING[name](x), node, vals[0].rank)
    if name in DATE_FUNCS:
        xs = [ev.num(v, a) for v, a in zip(vals, node.args, strict=True)]
        with np.errstate(all="ignore"):
            return ev.number(DATE_FUNCS[name](*xs), node)
    return _FUNCS[name](ev, node, vals)


def _strs(ev: Evaluator, node: Call, vals: list[Val], i: int) -> Arr:
    v = vals[i]
    if v.kind != "str":
        ev.fail(f"{node.func}() expected a string as argument {i + 1} (got {v.what})", node.args[i])
    return np.broadcast_to(v.data, (ev.n,))


def _scalar_or_rows(ev: Evaluator, values: Arr) -> Arr:
    return np.broadcast_to(np.asarray(values, dtype=float), (ev.n,))


def _string_result(ev: Evaluator, node: Call, out: list[str] | list[object] | Arr) -> Val:
    data = np.asarray(out, dtype=object)
    if data.ndim == 0:
        data = np.full(ev.n, data.item(), dtype=object)
    return ev.string(data, np.zeros(len(data), bool), f"string {ev.text(node)!r}")


def _map(ev: Evaluator, node: Call, vals: list[Val], f: Callable[[str], object]) -> list[object]:
    """Apply ``f`` once per distinct string (strings repeat a lot in data)."""
    codes, uniques = pd.factorize(_strs(ev, node, vals, 0))
    done = np.empty(len(uniques), dtype=object)
    done[:] = [f(s) for s in uniques]
    return list(done[codes]) if len(codes) else []


# --- logic and missing values -------------------------------------------------------
@_fn("missing")
def _missing(ev: Evaluator, node: Call, vals: list[Val]) -> Val:
    na = np.logical_or.reduce([np.broadcast_to(v.na, (ev.n,)) for v in vals])
    return ev.cond(na)


@_fn("inlist")
def _inlist(ev: Evaluator, node: Call, vals: list[Val]) -> Val:
    hits = [ev.compare("==", vals[0], v, node).data for v in vals[1:]]
    return ev.cond(np.logical_or.reduce([np.broadcast_to(h, (ev.n,)) for h in hits]))


@_fn("inrange")
def _inrange(ev: Evaluator, node: Call, vals: list[Val]) -> Val:
    if len({v.kind == "str" for v in vals}) > 1:
        got = ", ".join(v.what for v in vals)
        ev.fail(f"inrange() expected three numbers or three strings (got {got})", node)
    z, lo, hi = (v.data if v.kind == "str" else ev.num(v, node) for v in vals)
    with np.errstate(invalid="ignore"):
        above, below = np.asarray(lo <= z, dtype=bool), np.asarray(z <= hi, dtype=bool)
    return ev.cond((above | vals[1].na) & (below | vals[2].na) & ~vals[0].na)


@_fn("cond")
def _cond(ev: Evaluator, node: Call, vals: list[Val]) -> Val:
    test = vals[0]
    if test.kind == "str":
        ev.fail(f"cond() expected a number or condition first (got {test.what})", node.args[0])
    true = test.data if test.kind == "bool" else (test.data != 0)
    missing = np.asarray(test.na) & (len(vals) == 4)
    a, b = vals[1], vals[2]
    c = vals[3] if len(vals) == 4 else a
    if len({v.kind == "str" for v in (a, b, c)}) > 1:
        ev.fail("cond() expected the results to be all numbers or all strings", node)
    if a.kind == "str":
        data = np.where(missing, c.data, np.where(true, a.data, b.data))
        return _string_result(ev, node, data)
    xs = [ev.num(v, n) for v, n in zip((a, b, c), node.args[1:] + node.args[1:2], strict=False)]
    data = np.where(missing, xs[2], np.where(true, xs[0], xs[1]))
    rank = np.where(missing, c.rank, np.where(true, a.rank, b.rank))
    return ev.number(data, node, rank)


# --- numbers --------------------------------------------------------------------------
@_fn("round")
def _round(ev: Evaluator, node: Call, vals: list[Val]) -> Val:
    x = ev.num(vals[0], node.args[0])
    y = np.abs(ev.num(vals[1], node.args[1])) if len(vals) > 1 else np.asarray(1.0)
    with np.errstate(all="ignore"):  # to units of y, halves away from zero; y = 0 keeps x
        rounded = np.sign(x) * np.floor(np.abs(x) / y + 0.5) * y
    out = np.where(y == 0, x, rounded)
    rank = np.where(np.isnan(y), 1, vals[0].rank)  # round(.a, .) is ., round(.a) is .a
    return ev.number(np.where(np.isnan(y), np.nan, out), node, rank)


@_fn("mod")
def _mod(ev: Evaluator, node: Call, vals: list[Val]) -> Val:
    x, y = (ev.num(v, a) for v, a in zip(vals, node.args, strict=True))
    with np.errstate(all="ignore"):
        return ev.number(np.where(y == 0, np.nan, x - y * np.floor(x / y)), node)


@_fn("atan2")
def _atan2(ev: Evaluator, node: Call, vals: list[Val]) -> Val:
    y, x = (ev.num(v, a) for v, a in zip(vals, node.args, strict=True))
    return ev.number(np.arctan2(y, x), node)


@_fn("comb")
def _comb(ev: Evaluator, node: Call, vals: list[Val]) -> Val:
    n, k = (ev.num(v, a) for v, a in zip(vals, node.args, strict=True))
    with np.errstate(all="ignore"):
        ok = (n == np.floor(n)) & (k == np.floor(k)) & (k >= 0) & (k <= n)
        return ev.number(np.where(ok, np.round(sc.comb(n, k)), np.nan), node)


@_fn("min", "max")
def _minmax(ev: Evaluator, node: Call, vals: list[Val]) -> Val:
    xs = [_scalar_or_rows(ev, ev.num(v, a)) for v, a in zip(vals, node.args, strict=True)]
    f = np.fmin if node.func == "min" else np.fmax  # missing arguments are ignored
    return ev.number(f.reduce(xs) if len(xs) > 1 else xs[0], node)


@_fn("clip")
def _clip(ev: Evaluator, node: Call, vals: list[Val]) -> Val:
    x, lo, hi = (ev.num(v, a) for v, a in zip(vals, node.args, strict=True))
    lo, hi = np.where(np.isnan(lo), -np.inf, lo), np.where(np.isnan(hi), np.inf, hi)
    out = np.where(lo > hi, np.nan, np.minimum(np.maximum(x, lo), hi))
    return ev.number(out, node)


@_fn("normalden")
def _normalden(ev: Evaluator, node: Call, vals: list[Val]) -> Val:
    if len(vals) == 2:
        ev.fail("normalden() takes 1 or 3 arguments (got 2)", node)
    x, m, s = [ev.num(v, a) for v, a in zip(vals, node.args, strict=True)] + (
        [np.asarray(0.0), np.asarray(1.0)] if len(vals) == 1 else []
    )
    with np.errstate(all="ignore"):
        z = (x - m) / s
        return ev.number(
            np.where(s > 0, np.exp(-0.5 * z * z) / (s * np.sqrt(2 * np.pi)), np.nan), node
        )


@_fn("sum")
def _sum(ev: Evaluator, node: Call, vals: list[Val]) -> Val:
    """Running sum within the by group, over the evaluated rows, missing as 0."""
    x = _scalar_or_rows(ev, ev.num(vals[0], node.args[0]))
    x = np.where(np.isnan(x), 0.0, x)
    if ev.env.active is not None:
        x = np.where(np.broadcast_to(ev.env.active, (ev.n,))[: ev.n], x, 0.0)
    start = ev.groups().start[: ev.n]
    # summed group by group from its first row, as Stata does (no cancellation)
    running = pd.Series(x).groupby(start, sort=False).cumsum().to_numpy(dtype=float)
    return ev.number(running, node)


# --- strings --------------------------------------------------------------------------
def _bytes_slice(s: str, start: int, length: float) -> str:
    raw = s.encode()
    if start < 0:
        start = len(raw) + start + 1
    if start < 1 or start > len(raw) or length <= 0:
        return ""
    stop = len(raw) if np.isnan(length) else start - 1 + int(length)
    return raw[start - 1 : stop].decode(errors="ignore")


def _chars(text: str, start: float, length: float) -> str:
    begin = int(start) if start > 0 else len(text) + int(start) + 1
    stop = len(text) if np.isnan(length) else begin - 1 + int(length)
    ok = 1 <= begin <= len(text) and (np.isnan(length) or length > 0)
    return text[begin - 1 : stop] if ok else ""


@_fn("substr", "usubstr")
def _substr(ev: Evaluator, node: Call, vals: list[Val]) -> Val:
    a = _scalar_or_rows(ev, ev.num(vals[1], node.args[1]))
    b = _scalar_or_rows(ev, ev.num(vals[2], node.args[2]))
    if not vals[1].data.ndim and not vals[2].data.ndim and len(a):  # constant positions
        start, length = float(a[0]), float(b[0])
        one = vals[:1]
        if np.isnan(start):
            return _string_result(ev, node, [""] * ev.n)
        if node.func == "usubstr":
            return _string_result(ev, node, _map(ev, node, one, lambda t: _chars(t, start, length)))
        return _string_result(
            ev, node, _map(ev, node, one, lambda t: _bytes_slice(t, int(start), length))
        )
    s = _strs(ev, node, vals, 0)
    out = []
    for text, start, length in zip(s, a, b, strict=True):
        if np.isnan(start):
            out.append("")
        elif node.func == "usubstr":
            out.append(_chars(text, float(start), float(length)))
        else:
            out.append(_bytes_slice(text, int(start), length))
    return _string_result(ev, node, out)


@_fn("strpos", "ustrpos", "strrpos")
def _strpos(ev: Evaluator, node: Call, vals: list[Val]) -> Val:
    s, t = _strs(ev, node, vals, 0), _strs(ev, node, vals, 1)
    out = np.zeros(ev.n)
    for i, (a, b) in enumerate(zip(s, t, strict=True)):
        if node.func == "ustrpos":
            out[i] = a.find(b) + 1
        else:
            raw, sub = a.encode(), b.encode()
            out[i] = (raw.rfind(sub) if node.func == "strrpos" else raw.find(sub)) + 1
    return ev.number(out, node)


_ASCII_UP = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ASCII_LOW = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _proper(s: str) -> str:
    """Capitalise letters that follow a non-letter, lowercase the others ([FN] strproper)."""
    out, prev_letter = [], False
    for ch in s:
        out.append(ch.upper() if not prev_letter else ch.lower())
        prev_letter = ch.isalpha()
    return "".join(out)


_STRING_MAPS: dict[str, Callable[[str], object]] = {
    "strlen": lambda s: len(s.encode()),
    "length": lambda s: len(s.encode()),
    "ustrlen": len,
    "upper": lambda s: s.translate(_ASCII_UP),
    "strupper": lambda s: s.translate(_ASCII_UP),
    "ustrupper": str.upper,
    "lower": lambda s: s.translate(_ASCII_LOW),
    "strlower": lambda s: s.translate(_ASCII_LOW),
    "ustrlower": str.lower,
    "trim": lambda s: s.strip(" "),
    "strtrim": lambda s: s.strip(" "),
    "ustrtrim": str.strip,
    "ltrim": lambda s: s.lstrip(" "),
    "strltrim": lambda s: s.lstrip(" "),
    "rtrim": lambda s: s.rstrip(" "),
    "strrtrim": lambda s: s.rstrip(" "),
    "itrim": lambda s: re.sub(" {2,}", " ", s),
    "stritrim": lambda s: re.sub(" {2,}", " ", s),
    "proper": _proper,
    "strproper": _proper,
    "strreverse": lambda s: s[::-1],
    "reverse": lambda s: s[::-1],
    "wordcount": lambda s: len(s.split()),
}


_COUNTS = frozenset(("strlen", "length", "ustrlen", "wordcount"))


def _string_map(ev: Evaluator, node: Call, vals: list[Val]) -> Val:
    out = _map(ev, node, vals, _STRING_MAPS[node.func])
    if node.func in _COUNTS:
        return ev.number(np.asarray(out, dtype=float), node)
    return _string_result(ev, node, [str(o) for o in out])


for _name in _STRING_MAPS:
    _FUNCS[_name] = _string_map


@_fn("subinstr", "usubinstr")
def _subinstr(ev: Evaluator, node: Call, vals: list[Val]) -> Val:
    s, old, new = (_strs(ev, node, vals, i) for i in range(3))
    count = _scalar_or_rows(ev, ev.num(vals[3], node.args[3]))
    out = []
    for a, b, c, k in zip(s, old, new, count, strict=True):
        n = -1 if np.isnan(k) else int(k)
        out.append(a if not b else a.replace(b, c, n) if n != 0 else a)
    return _string_result(ev, node, out)


@_fn("word")
def _word(ev: Evaluator, node: Call, vals: list[Val]) -> Val:
    s, k = _strs(ev, node, vals, 0), _scalar_or_rows(ev, ev.num(vals[1], node.args[1]))
    out = []
    for text, i in zip(s, k, strict=True):
        words = text.split()
        j = -1 if np.isnan(i) or i == 0 else int(i) - 1 if i > 0 else len(words) + int(i)
        out.append(words[j] if 0 <= j < len(words) else "")
    return _string_result(ev, node, out)


@_fn("real")
def _real(ev: Evaluator, node: Call, vals: list[Val]) -> Val:
    number = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")

    def one(s: str) -> tuple[float, int]:
        s = s.strip()
        if number.fullmatch(s):
            return float(s), 1
        m = re.fullmatch(r"\.([a-z]?)", s)
        return np.nan, (1 + ord(m.group(1)) - 96 if m and m.group(1) else 1)

    pairs = [one(s) for s in _strs(ev, node, vals, 0)]
    data = np.asarray([p[0] for p in pairs], dtype=np.float64)
    rank = np.asarray([p[1] for p in pairs], dtype=np.int64)
    return ev.number(data, node, rank)


@_fn("string", "strofreal")
def _string(ev: Evaluator, node: Call, vals: list[Val]) -> Val:
    if len(vals) == 3:
        ev.fail(f"{node.func}() takes 1 or 2 arguments (got 3)", node)
    x = _scalar_or_rows(ev, ev.num(vals[0], node.args[0]))
    fmt = "%9.0g"
    if len(vals) == 2:
        f = vals[1]
        if f.kind != "str" or f.data.ndim:
            ev.fail(f'{node.func}() expected a format such as "%9.2f"', node.args[1])
        fmt = str(f.data)
    rank = np.broadcast_to(vals[0].rank, (ev.n,))
    codes = ["" if r <= 1 else chr(95 + int(r)) for r in rank]
    try:
        out = [format_number(v, fmt, missing="." + c) for v, c in zip(x, codes, strict=True)]
    except ExpressionError as exc:  # an invalid format: point at it
        ev.fail(exc.message, node.args[1] if len(vals) > 1 else node, exc.hint)
    return _string_result(ev, node, out)


@_fn("char")
def _char(ev: Evaluator, node: Call, vals: list[Val]) -> Val:
    x = _scalar_or_rows(ev, ev.num(vals[0], node.args[0]))
    ok = (x >= 1) & (x <= 255) & (x == np.floor(np.nan_to_num(x)))
    return _string_result(ev, node, [chr(int(v)) if o else "" for v, o in zip(x, ok, strict=True)])


def _pattern(ev: Evaluator, node: Call, text: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as exc:
        ev.fail(f"{node.func}(): invalid regular expression {text!r} ({exc})", node)


@_fn("regexm", "ustrregexm")
def _regexm(ev: Evaluator, node: Call, vals: list[Val]) -> Val:
    s, p = _strs(ev, node, vals, 0), _strs(ev, node, vals, 1)
    hits = np.zeros(ev.n, bool)
    groups: list[tuple[str, ...] | None] = [None] * ev.n
    compiled: dict[str, re.Pattern[str]] = {}
    for i, (text, pat) in enumerate(zip(s, p, strict=True)):
        rx = compiled.setdefault(pat, _pattern(ev, node, pat))
        m = rx.search(text)
        if m is not None:
            hits[i] = True
            groups[i] = (m.group(0), *(g or "" for g in m.groups()))
    if ev.env.regex is not None:
        ev.env.regex[:] = groups
    return ev.cond(hits)


@_fn("regexs")
def _regexs(ev: Evaluator, node: Call, vals: list[Val]) -> Val:
    k = _scalar_or_rows(ev, ev.num(vals[0], node.args[0]))
    found = ev.env.regex or [None] * ev.n
    out = []
    for i, j in enumerate(k):
        g = found[i] if i < len(found) else None
        ok = g is not None and not np.isnan(j) and 0 <= int(j) < len(g)
        out.append(g[int(j)] if ok and g is not None else "")
    return _string_result(ev, node, out)


@_fn("regexr")
def _regexr(ev: Evaluator, node: Call, vals: list[Val]) -> Val:
    s, p, r = (_strs(ev, node, vals, i) for i in range(3))
    out = []
    for text, pat, new in zip(s, p, r, strict=True):
        out.append(_pattern(ev, node, pat).sub(new.replace("\\", "\\\\"), text, count=1))
    return _string_result(ev, node, out)


@_fn("strmatch")
def _strmatch(ev: Evaluator, node: Call, vals: list[Val]) -> Val:
    s, p = _strs(ev, node, vals, 0), _strs(ev, node, vals, 1)
    cache: dict[str, re.Pattern[str]] = {}
    hits = np.zeros(ev.n, bool)
    for i, (text, pat) in enumerate(zip(s, p, strict=True)):
        if pat not in cache:  # only * and ? are special
            body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pat)
            cache[pat] = re.compile(body, re.S)
        hits[i] = cache[pat].fullmatch(text) is not None
    return ev.cond(hits)


@_fn("date", "daily", "monthly", "quarterly")
def _date(ev: Evaluator, node: Call, vals: list[Val]) -> Val:
    s, mask = _strs(ev, node, vals, 0), _strs(ev, node, vals, 1)
    top = None
    if len(vals) == 3:
        t = ev.num(vals[2], node.args[2])
        top = None if t.ndim or np.isnan(t) else float(t)
    per = {"date": 0, "daily": 0, "monthly": 12, "quarterly": 4}[node.func]
    if len(set(mask)) > 1:
        ev.fail(f'{node.func}() expects one mask for every row, e.g. "DMY"', node.args[1])
    return ev.number(
        parse_dates(np.asarray(s, object), str(mask[0]) if len(mask) else "", per, top), node
    )
