"""Control words of a do-file: macros ([P] macro), loops ([P] forvalues, [P] foreach,
[P] while), ``if``/``else`` blocks ([P] if), ``continue``, ``exit`` and
``tempvar``/``tempfile``; the session commands (``display``, ``set``, ``preserve``,
``do``, ...) are in :mod:`vcereg.dofile.session`.

Loops are bounded (:data:`MAX_ITERATIONS`, :data:`MAX_WHILE`), as is the nesting of
``do`` files (:data:`MAX_DEPTH`), so a do-file cannot run forever or recurse without end.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..dsl.expr import evaluate_value, parse_expression
from ..dsl.stata_format import macro_number
from ..errors import StataSyntaxError
from ..spec import Dialect
from .macros import expand
from .program import Stmt
from .session import MAX_DEPTH, Flow, Session
from .varlist import expand_varlist, split_words

if TYPE_CHECKING:
    from .runner import Prefix
    from .state import DoState

__all__ = ["CONTROL", "MAX_DEPTH", "MAX_ITERATIONS", "MAX_WHILE", "Control", "Flow"]

#: Most iterations of a ``forvalues``/``foreach`` loop and of a ``while`` loop.
MAX_ITERATIONS, MAX_WHILE = 10_000_000, 100_000
#: control word -> (full name, shortest abbreviation)
CONTROL = {
    "local": ("local", 3), "global": ("global", 2), "tempvar": ("tempvar", 7),
    "tempname": ("tempname", 8), "tempfile": ("tempfile", 8), "forvalues": ("forvalues", 4),
    "foreach": ("foreach", 7), "while": ("while", 5), "if": ("if", 2), "else": ("else", 4),
    "continue": ("continue", 8), "exit": ("exit", 4), "display": ("display", 2),
    "do": ("do", 2), "run": ("run", 3), "include": ("include", 7), "set": ("set", 3),
    "version": ("version", 4), "clear": ("clear", 5), "preserve": ("preserve", 8),
    "restore": ("restore", 8), "log": ("log", 3), "cmdlog": ("cmdlog", 6),
    "macro": ("macro", 2), "timer": ("timer", 5), "about": ("about", 5),
}  # fmt: skip
_ASSIGN = re.compile(r"\s*([A-Za-z_]\w{0,31})\s*(.*)$", re.S)
_INCR = re.compile(r"\s*(\+\+|--)\s*([A-Za-z_]\w{0,31})\s*$")


def _word(word: str) -> str:
    for name, (full, least) in CONTROL.items():
        if least <= len(word) <= len(full) and full.startswith(word):
            return name
    return word


def numlist(text: str) -> list[float]:
    """Stata's numlist: ``1/5``, ``0(5)20``, ``10 20 30``, ``1 3 to 9`` ([U] 11.1.8).

    >>> numlist("1/3 10(5)20 2.5")
    [1.0, 2.0, 3.0, 10.0, 15.0, 20.0, 2.5]
    """
    out: list[float] = []
    for tok in re.findall(r"[^\s,]+", text.replace(" to ", " ")):
        m = re.fullmatch(r"(-?[\d.]+)(?:/(-?[\d.]+)|\((-?[\d.]+)\)(-?[\d.]+))?", tok)
        if m is None:
            raise StataSyntaxError(f"invalid numlist: {tok!r}", hint="e.g. 1/10, 0(5)100, 1 2 3")
        a = float(m.group(1))
        if m.group(2) is None and m.group(3) is None:
            out.append(a)
            continue
        step = float(m.group(3)) if m.group(3) else (1.0 if float(m.group(2)) >= a else -1.0)
        b = float(m.group(4) if m.group(3) else m.group(2))
        if step == 0 or (b - a) / step > MAX_ITERATIONS:
            raise StataSyntaxError(f"numlist {tok!r} is empty or too long")
        count = int(np.floor((b - a) / step + 1e-9)) + 1
        out.extend(round(a + k * step, 12) for k in range(max(count, 0)))
    return out


class Control(Session):
    """The control words, mixed into the runner (:class:`vcereg.dofile.runner.Runner`)."""

    state: DoState
    log: list[tuple[int, str, object]]
    quiet: int

    def __init__(self) -> None:
        self.loops: list[str] = []  # "i = 3" of the enclosing loops, for error messages
        self.if_taken: bool | None = None
        self.depth = 0

    # --- helpers ------------------------------------------------------------------------
    def where(self) -> str:
        return f" ({', '.join(self.loops)})" if self.loops else ""

    def scalar(self, text: str) -> tuple[float | str, int]:
        """The value of a Stata expression in the first observation (and its missing code)."""
        expr = parse_expression(text, Dialect.STATA)
        state = self.state
        data = state.data
        if len(data) == 0:  # no observations: variables are missing, constants still count
            if expr.variables:
                return np.nan, 0
            data = pd.DataFrame(index=[0])
        value = evaluate_value(expr, data, state.env(first_only=True))
        v = value.values[0]
        return (str(v), 0) if value.kind == "str" else (float(v), int(value.codes[0]))

    def evaluate_macro(self, text: str) -> str:
        value, code = self.scalar(text)
        if isinstance(value, str):
            return value
        return macro_number(value, chr(96 + code) if code else "")

    def extended(self, text: str) -> str:
        """`` `: word count list' ``, `` `: word # of list' ``, `` `: variable label x' ``."""
        m = re.fullmatch(r"word\s+count\s*(.*)", text, re.S)
        if m:
            return str(len(split_words(m.group(1))))
        m = re.fullmatch(r"word\s+(\d+)\s+of\s*(.*)", text, re.S)
        if m:
            words = split_words(m.group(2))
            k = int(m.group(1))
            return words[k - 1] if 1 <= k <= len(words) else ""
        m = re.fullmatch(r"var(?:iable)?\s+label\s+(\w+)", text)
        if m:
            return self.state.meta.var_labels.get(m.group(1), "")
        m = re.fullmatch(r"list\s+sizeof\s+(\w+)", text)
        if m:
            return str(len(split_words(self.state.locals.get(m.group(1), ""))))
        raise StataSyntaxError(f"extended macro function not supported: `:{text}'")

    def expand(self, text: str) -> str:
        s = self.state
        return expand(text, s.locals, s.globals, self.evaluate_macro, self.extended)

    # --- dispatch -------------------------------------------------------------------------
    def control(self, stmt: Stmt, word: str, body: str) -> None:
        name = _word(word)
        rest = body[len(word) :]
        if name in ("if", "else", "forvalues", "foreach", "while"):
            raise StataSyntaxError(
                f"{name} needs a block: end the line with {{ and close it with }}"
            )
        getattr(self, f"do_{name}")(stmt, rest.strip(), body)

    def block(self, stmt: Stmt, prefix: Prefix, head: str) -> None:
        assert stmt.body is not None
        m = re.match(r"\s*(\w+)", head)
        word = _word(m.group(1)) if m else ""
        rest = head[m.end() :].strip() if m else ""
        if word == "forvalues":
            self.forvalues(stmt, rest)
        elif word == "foreach":
            self.foreach(stmt, rest)
        elif word == "while":
            self.loop_while(stmt, rest)
        elif word in ("if", "else"):
            self.conditional(stmt, word, rest)
        else:  # { ... } under quietly/capture/noisily: the prefixes apply to the whole block
            self.run(stmt.body)

    # --- loops ----------------------------------------------------------------------------
    def iterate(self, stmt: Stmt, name: str, values: list[str]) -> None:
        assert stmt.body is not None
        if len(values) > MAX_ITERATIONS:
            raise StataSyntaxError(f"a loop of {len(values):,} iterations is too long")
        saved = self.state.locals.get(name)
        try:
            for value in values:
                self.state.locals[name] = value
                self.loops.append(f"{name} = {value}")
                try:
                    self.run(stmt.body)
                except Flow as f:
                    if f.kind == "break":
                        break
                    if f.kind != "continue":
                        raise
                finally:
                    self.loops.pop()
        finally:
            if saved is not None:
                self.state.locals[name] = saved

    def forvalues(self, stmt: Stmt, rest: str) -> None:
        m = re.fullmatch(r"([A-Za-z_]\w*)\s*=\s*(.+)", rest)
        if m is None:
            raise StataSyntaxError("expected forvalues name = range, e.g. forvalues i = 1/10 {")
        values = [macro_number(v) for v in numlist(m.group(2))]
        self.iterate(stmt, m.group(1), values)

    def foreach(self, stmt: Stmt, rest: str) -> None:
        m = re.fullmatch(r"([A-Za-z_]\w*)\s+(in|of\s+\w+)\s*(.*)", rest, re.S)
        if m is None:
            raise StataSyntaxError("expected foreach name in list, or foreach name of varlist list")
        name, how, items = m.group(1), m.group(2).split(), m.group(3)
        kind = how[1] if len(how) > 1 else "in"
        cols = [str(c) for c in self.state.data.columns]
        if kind == "in" or kind == "newlist":
            values = split_words(items)
        elif kind == "local":
            values = split_words(self.state.locals.get(items.strip(), ""))
        elif kind == "global":
            values = split_words(self.state.globals.get(items.strip(), ""))
        elif kind == "varlist":
            values = expand_varlist(items, cols)
        elif kind == "numlist":
            values = [macro_number(v) for v in numlist(items)]
        else:
            raise StataSyntaxError(
                f"foreach ... of {kind}: expected local, global, varlist, newlist or numlist"
            )
        self.iterate(stmt, name, values)

    def truth(self, text: str) -> bool:
        value, _ = self.scalar(text)
        if isinstance(value, str):
            raise StataSyntaxError(f"type mismatch: {text!r} is a string, not a condition").with_rc(
                109
            )
        return bool(value != 0)  # missing is true in Stata, as any nonzero number

    def loop_while(self, stmt: Stmt, rest: str) -> None:
        assert stmt.body is not None
        raw = re.sub(r"^.*?\bwhile\b", "", stmt.text, count=1, flags=re.S).strip()
        raw = raw.removesuffix("{").strip()
        count = 0
        while self.truth(self.expand(raw)):  # the condition's macros anew each time
            count += 1
            if count > MAX_WHILE:
                raise StataSyntaxError(f"while loop stopped after {MAX_WHILE:,} iterations")
            try:
                self.run(stmt.body)
            except Flow as f:
                if f.kind == "break":
                    break
                if f.kind != "continue":
                    raise

    def conditional(self, stmt: Stmt, word: str, rest: str) -> None:
        assert stmt.body is not None
        if word == "else":
            if self.if_taken is None:
                raise StataSyntaxError("else without if")
            if self.if_taken:
                return
            if rest.startswith("if "):
                rest = rest[3:]
            elif rest:
                raise StataSyntaxError(f"expected else {{ or else if exp {{ (got else {rest})")
            else:
                self.run(stmt.body)
                self.if_taken = True
                return
        taken = self.truth(rest)
        if taken:
            self.run(stmt.body)
        self.if_taken = taken

    # --- simple control words -------------------------------------------------------------
    def assign(self, rest: str, table: dict[str, str]) -> None:
        if (inc := _INCR.match(rest)) is not None:
            old = table.get(inc.group(2), "0")
            step = 1 if inc.group(1) == "++" else -1
            table[inc.group(2)] = macro_number(float(old or 0) + step)
            return
        m = _ASSIGN.match(rest)
        if m is None:
            raise StataSyntaxError("expected local name [=exp | text]")
        name, value = m.group(1), m.group(2).strip()
        if value.startswith("="):
            table[name] = self.evaluate_macro(value[1:])
        elif value.startswith(":"):
            table[name] = self.extended(value[1:].strip())
        elif value.startswith('`"') and value.endswith("\"'"):
            table[name] = value[2:-2]
        elif len(value) >= 2 and value[0] == value[-1] == '"':
            table[name] = value[1:-1]
        else:
            table[name] = value

    def do_local(self, stmt: Stmt, rest: str, body: str) -> None:
        self.assign(rest, self.state.locals)

    def do_global(self, stmt: Stmt, rest: str, body: str) -> None:
        self.assign(rest, self.state.globals)

    def do_tempvar(self, stmt: Stmt, rest: str, body: str) -> None:
        for name in rest.split():
            var = self.state.tempname()
            self.state.tempvars.append(var)
            self.state.locals[name] = var

    def do_tempname(self, stmt: Stmt, rest: str, body: str) -> None:
        for name in rest.split():
            self.state.locals[name] = self.state.tempname("_name")

    def do_tempfile(self, stmt: Stmt, rest: str, body: str) -> None:
        for name in rest.split():  # held in memory: tempfiles need no file access
            self.state.locals[name] = f"__tempfile__/{self.state.tempname('file')}"

    def do_continue(self, stmt: Stmt, rest: str, body: str) -> None:
        if not self.loops:
            raise StataSyntaxError("continue outside a loop")
        raise Flow("break" if rest.replace(" ", "") == ",break" else "continue")

    def do_exit(self, stmt: Stmt, rest: str, body: str) -> None:
        code = rest.split(",")[0].strip()
        if code and code != "0":
            if not code.isdigit():
                raise StataSyntaxError(f"exit expects a return code (got {code!r})")
            raise StataSyntaxError(f"exit {code}").with_rc(int(code))
        raise Flow("exit")
