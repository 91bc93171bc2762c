"""Session commands of a do-file: ``display``, ``set``, ``clear``, ``preserve``/
``restore``, ``version``, ``log``, ``macro drop``, and ``do``/``run``/``include`` of
another do-file inside the allowed directory (at most :data:`MAX_DEPTH` deep).
Mixed into the runner with :class:`vcereg.dofile.control.Control`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..dsl.stata_format import format_number
from ..errors import StataSyntaxError
from .frame import DataMeta
from .program import Stmt, parse_program
from .registry import DoCommand
from .varlist import split_words

if TYPE_CHECKING:
    from .state import DoState

__all__ = ["MAX_DEPTH", "Flow", "Session"]

#: Most nested ``do`` files.
MAX_DEPTH = 16
_DISPLAY = re.compile(
    r'`".*?"\'|"[^"]*"|%-?\d*\.?\d*[fge]c?|_n(?:ewline)?\b|_(?:c|col|s|skip)\(\d+\)'
    r"|as\s+\w+|[^\s\"]+"
)


class Flow(Exception):
    """``continue``, ``continue, break`` and ``exit`` unwinding the statement stack."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class Session:
    """The session commands, mixed into the runner."""

    state: DoState
    quiet: int
    depth: int

    # implemented by the runner and by Control
    def run(self, stmts: list[Stmt] | tuple[Stmt, ...]) -> None:
        raise NotImplementedError

    def emit(self, lineno: int, line: str, output: object) -> None:
        raise NotImplementedError

    def scalar(self, text: str) -> tuple[float | str, int]:
        raise NotImplementedError

    def do_display(self, stmt: Stmt, rest: str, body: str) -> None:
        self.emit(stmt.first, body, self.display(rest))

    def display(self, text: str) -> str:
        """``display``: strings as they are, expressions evaluated, ``%fmt`` applies to the
        next expression, ``_n`` starts a new line ([P] display)."""
        out: list[str] = []
        exprs: list[str] = []
        fmt = ["%10.0g"]

        def flush() -> None:
            if exprs:
                value, code = self.scalar(" ".join(exprs))
                if isinstance(value, str):
                    out.append(value)
                else:
                    miss = "." + (chr(96 + code) if code else "")
                    out.append(format_number(value, fmt[0], missing=miss))
                exprs.clear()
                fmt[0] = "%10.0g"

        for m in _DISPLAY.finditer(text):
            tok = m.group(0)
            if tok.startswith(('`"', '"')):
                flush()
                out.append(tok[2:-2] if tok.startswith("`") else tok[1:-1])
            elif tok.startswith("%"):
                flush()
                fmt[0] = tok
            elif re.fullmatch(r"_n(?:ewline)?", tok):
                flush()
                out.append("\n")
            elif tok.startswith(("_c(", "_col(", "_s(", "_skip(")) or tok.startswith("as "):
                flush()
            else:
                exprs.append(tok)
        flush()
        return "".join(out)

    def do_set(self, stmt: Stmt, rest: str, body: str) -> None:
        words = rest.split()
        if words[:1] == ["type"] and len(words) > 1 and words[1] in ("float", "double"):
            self.state.default_type = words[1]
        elif words[:1] == ["obs"] and len(words) > 1:
            self.set_obs(words[1])
        elif words[:1] == ["seed"]:
            self.note(stmt, body, "(set seed accepted: vcereg has no random-number functions)")
        elif words[:1] in (["more"], ["linesize"], ["varabbrev"], ["matsize"], ["maxvar"],
                           ["scheme"], ["trace"], ["level"], ["rmsg"], ["emptycells"]):  # fmt: skip
            if words[:1] == ["level"] and len(words) > 1:
                raise StataSyntaxError("set level is not supported; use level() on each model")
        else:
            raise StataSyntaxError(f"set {' '.join(words[:1])}: not supported")

    def set_obs(self, text: str) -> None:
        if not text.isdigit() or int(text) > 2_000_000_000:
            raise StataSyntaxError(f"set obs expects a number of observations (got {text!r})")
        n = int(text)
        data = self.state.data
        if n < len(data):
            raise StataSyntaxError(f"set obs {n}: the data already has {len(data)} observations")
        extra = pd.DataFrame(index=range(len(data), n), columns=data.columns)
        self.state.data = pd.concat([data, extra]) if len(data) else data.reindex(range(n))
        for k, codes in self.state.meta.missing.items():
            self.state.meta.missing[k] = np.concatenate([codes, np.zeros(n - len(codes), np.int8)])

    def note(self, stmt: Stmt, body: str, text: str) -> None:
        self.emit(stmt.first, body, text)

    def do_version(self, stmt: Stmt, rest: str, body: str) -> None:
        """Accepted: vcereg follows the current Stata's rules."""

    def do_timer(self, stmt: Stmt, rest: str, body: str) -> None:
        """Accepted and ignored: timing is not part of the results."""

    def do_about(self, stmt: Stmt, rest: str, body: str) -> None:
        """Accepted and ignored."""

    def do_log(self, stmt: Stmt, rest: str, body: str) -> None:
        if rest.split()[:1] == ["using"]:
            self.note(stmt, body, "(log not written: the run's log is DoRun.log)")

    do_cmdlog = do_log

    def do_macro(self, stmt: Stmt, rest: str, body: str) -> None:
        words = rest.split()
        if words[:1] != ["drop"]:
            raise StataSyntaxError("macro: only macro drop is supported")
        for name in words[1:]:
            if name == "_all":
                self.state.globals.clear()
            self.state.globals.pop(name.lstrip("_"), None)
            self.state.locals.pop(name.lstrip("_"), None)

    def do_clear(self, stmt: Stmt, rest: str, body: str) -> None:
        state = self.state
        state.data = pd.DataFrame()
        state.meta = DataMeta()
        if rest.strip() == "all":
            state.active = None
            state.stored.clear()
            state.eststo.clear()

    def do_preserve(self, stmt: Stmt, rest: str, body: str) -> None:
        if self.state.preserved is not None:
            raise StataSyntaxError("already preserved").with_rc(621)
        self.state.preserved = (self.state.data.copy(), self.state.meta.copy())

    def do_restore(self, stmt: Stmt, rest: str, body: str) -> None:
        state, opts = self.state, rest.replace(",", " ").split()
        if state.preserved is None:
            raise StataSyntaxError("nothing to restore").with_rc(622)
        if "not" not in opts:
            data, meta = state.preserved
            state.data, state.meta = data.copy(), meta.copy()
        if "preserve" not in opts:
            state.preserved = None

    def do_do(self, stmt: Stmt, rest: str, body: str) -> None:
        self.include(stmt, rest, scope=True, quiet=False)

    def do_run(self, stmt: Stmt, rest: str, body: str) -> None:
        self.include(stmt, rest, scope=True, quiet=True)

    def do_include(self, stmt: Stmt, rest: str, body: str) -> None:
        self.include(stmt, rest, scope=False, quiet=False)

    def include(self, stmt: Stmt, rest: str, *, scope: bool, quiet: bool) -> None:
        """Run another do-file of the allowed directory (``do`` and ``run``: own locals)."""
        from_cmd = _command(stmt, "do", rest)
        words = split_words(rest.split(",")[0])
        path = self.state.path(from_cmd, words[0] if words else "", suffix=".do")
        if self.depth >= MAX_DEPTH:
            raise StataSyntaxError(f"do files nested more than {MAX_DEPTH} deep")
        if not path.is_file():
            raise StataSyntaxError(f"file {path.name} not found").with_rc(601)
        text = path.read_text(encoding="utf-8-sig")
        saved = dict(self.state.locals)
        if scope:
            self.state.locals = {str(k): v for k, v in enumerate(words[1:], 1)}
            self.state.locals["0"] = " ".join(words[1:])
        self.depth += 1
        try:
            self.run_file(text, quiet=quiet)
        finally:
            self.depth -= 1
            if scope:
                self.state.locals = saved

    def run_file(self, text: str, *, quiet: bool = False) -> None:
        program = parse_program(text)
        self.quiet += quiet
        try:
            self.run(program)
        except Flow as f:
            if f.kind != "exit":
                raise StataSyntaxError("continue outside a loop") from None
        finally:
            self.quiet -= quiet

    def finish(self) -> None:
        """End of the run: preserved data comes back, temporary variables go ([P] preserve)."""
        state = self.state
        if state.preserved is not None:
            state.data, state.meta = state.preserved
            state.preserved = None
        temp = [v for v in state.tempvars if v in state.data.columns]
        if temp:
            state.data = state.data.drop(columns=temp)
            state.meta.drop(temp)


def _command(stmt: Stmt, word: str, rest: str) -> DoCommand:
    return DoCommand(word, rest, "", stmt.text, stmt.first)
