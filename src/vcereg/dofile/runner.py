"""Run a Stata do-file: data commands, estimation commands and what follows them.

Each logical line (comments removed, ``///`` joined, :mod:`vcereg.stata_lang.do`) has its
macros expanded when it runs (:mod:`vcereg.dofile.macros`), then its prefixes read:
``quietly``, ``noisily``, ``capture`` ([P] quietly, [P] capture), ``by``/``bysort``
([D] by) and ``eststo [name]:``. What remains is an estimation command (fitted on the
run's data), a model string, a control word (``local``, ``forvalues``, ``if``, ...,
:mod:`vcereg.dofile.control`) or a registered command (:mod:`vcereg.dofile.registry`).

An error stops the run with the line, the command and Stata's return code, unless
``capture`` caught it: then ``_rc`` holds the code and the run goes on. Commands that
could run code or touch the machine (``shell``, ``!``, ``python``, ``mata``, ``program``,
``ssc``, ``cd``, ``erase``, ...) are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from ..api import DataLike, as_pandas, fit_spec, parse
from ..errors import NotSupportedError, StataSyntaxError, VceregError, closest
from ..spec import PanelSpec, SmallSample
from ..staggered import fit_did
from ..stata_lang.command import COMMANDS, is_stata_command, parse_line
from ..stata_lang.do import panel_line
from ..stata_lang.syntax import WORD, syntax_error, top_comma
from .control import CONTROL, Control, Flow
from .frame import DataMeta, sort_order
from .program import Stmt
from .registry import DoCommand, handler, is_byable, lookup, registered_commands
from .state import DoRun, DoState
from .varlist import expand_varlist

__all__ = ["run_do"]

_QUIETLY = ("quietly", 3)
_NOISILY = ("noisily", 3)
_CAPTURE = ("capture", 3)
_REFUSED = frozenset((
    "shell", "xshell", "winexec", "unix", "python", "mata", "program", "ado", "ssc", "net",
    "adopath", "sysdir", "erase", "rm", "copy", "mkdir", "rmdir", "cd", "chdir", "plugin",
    "java", "javacall", "window", "doedit", "translate", "file", "findit", "update",
    "adoupdate", "webuse", "sysuse", "graph", "twoway", "scatter", "histogram", "pause",
))  # fmt: skip


def _abbrev(word: str, full: tuple[str, int]) -> bool:
    name, least = full
    return least <= len(word) <= len(name) and name.startswith(word)


@dataclass(frozen=True)
class Prefix:
    """The prefixes of one line."""

    quiet: bool = False
    noisily: bool = False
    capture: bool = False
    by: tuple[str, ...] = ()
    by_sort: tuple[str, ...] = ()
    sort: bool = False
    eststo: str | None = None  # "" for ``eststo:`` without a name
    title: str | None = None  # eststo's title(), the model's column title in esttab


_EXTENDED = re.compile(r"(?<![\w.])\.[a-z](?!\w)")
_BY = re.compile(r"(by|bys|byso|bysor|bysort)\s+([^:]*?)\s*:")
_ESTSTO = re.compile(r"eststo(?:\s+([A-Za-z_]\w*))?\s*(,[^:]*)?:")


def read_prefixes(text: str) -> tuple[Prefix, str]:
    """The prefixes of a line and the command after them.

    >>> p, rest = read_prefixes("cap noi bysort g (t): gen n = _n")
    >>> p.capture, p.noisily, p.by, p.by_sort, p.sort, rest
    (True, True, ('g',), ('t',), True, 'gen n = _n')
    """
    p = Prefix()
    while True:
        text = text.lstrip()
        m = WORD.match(text)
        if m is None:
            return p, text
        word, rest = m.group(0), text[m.end() :]
        after = rest.lstrip()
        plain = after[:1] not in ("=", "+", "-")
        if _abbrev(word, _QUIETLY) and plain:
            p, text = replace(p, quiet=True), after.removeprefix(":")
        elif _abbrev(word, _NOISILY) and plain:
            p, text = replace(p, noisily=True), after.removeprefix(":")
        elif _abbrev(word, _CAPTURE) and plain:
            p, text = replace(p, capture=True), after.removeprefix(":")
        elif (b := _BY.match(text)) is not None:
            spec = b.group(2)
            spec, _, opts = spec.partition(",")
            sort = b.group(1) != "by" or "sort" in opts.split()
            inner = re.search(r"\(([^()]*)\)", spec)
            keys = spec[: inner.start()] if inner else spec
            p = replace(
                p,
                by=tuple(keys.split()),
                by_sort=tuple(inner.group(1).split()) if inner else (),
                sort=sort,
            )
            text = text[b.end() :]
        elif (e := _ESTSTO.match(text)) is not None:
            title = re.search(r"title\((?:\s*\"([^\"]*)\"|([^()]*))\)", e.group(2) or "")
            p = replace(
                p,
                eststo=e.group(1) or "",
                title=(title.group(1) or title.group(2)).strip() if title else None,
            )
            text = text[e.end() :]
        else:
            return p, text


def _rc_message(exc: VceregError, where: str) -> VceregError:
    new = type(exc)(
        f"{where}: {exc.message}; r({exc.rc})", source=exc.source, span=exc.span, hint=exc.hint
    )
    new.rc = exc.rc
    setattr(new, "_do_line", True)  # noqa: B010 - marks an error already placed on its line
    return new


class Runner(Control):
    """Executes statements on a :class:`DoState`; see :func:`run_do`."""

    def __init__(
        self, state: DoState, panel: PanelSpec | None, ssc: SmallSample | None,
        level: float | None, safe: bool,
    ) -> None:  # fmt: skip
        super().__init__()
        self.state, self.panel, self.ssc, self.level, self.safe = state, panel, ssc, level, safe
        self.log: list[tuple[int, str, object]] = []
        self.quiet = 0  # depth of quietly (and capture) blocks
        self.noisy = 0

    # --- statements ---------------------------------------------------------------------
    def run(self, stmts: list[Stmt] | tuple[Stmt, ...]) -> None:
        self.if_taken = None
        for stmt in stmts:
            self.statement(stmt)

    def statement(self, stmt: Stmt) -> None:
        try:
            self.execute(stmt)
        except (Flow, KeyboardInterrupt):
            raise
        except VceregError as exc:
            if getattr(exc, "_do_line", False):
                raise
            raise _rc_message(exc, f"line {stmt.first}{self.where()}") from None

    def execute(self, stmt: Stmt) -> None:
        text = self.expand(stmt.text)
        prefix, body = read_prefixes(text)
        if not body.strip() and stmt.body is None:
            return
        quiet = (prefix.quiet or prefix.capture) and not prefix.noisily
        self.quiet += quiet
        self.noisy += prefix.noisily
        try:
            if prefix.capture:
                try:
                    self.command(stmt, prefix, body)
                    self.state.rc = 0
                except VceregError as exc:
                    self.state.rc = exc.rc
            else:
                self.command(stmt, prefix, body)
        finally:
            self.quiet -= quiet
            self.noisy -= prefix.noisily

    def emit(self, lineno: int, line: str, output: object) -> None:
        if output is not None and (not self.quiet or self.noisy):
            self.log.append((lineno, line, output))

    # --- one command --------------------------------------------------------------------
    def command(self, stmt: Stmt, prefix: Prefix, body: str) -> None:
        body = body.strip()
        if stmt.body is not None:
            self.block(stmt, prefix, body.removesuffix("{").strip())
            return
        m = WORD.match(body)
        word = m.group(0) if m else body.split()[0]
        if word in ("xtset", "tsset"):
            self.panel = panel_line(body, word, self.panel, len(word))
        elif word in _REFUSED or body.startswith("!"):
            what = "!" if body.startswith("!") else word
            raise NotSupportedError(
                f"{what} is refused: a do-file run by vcereg cannot run programs or change "
                "the machine",
                hint="prepare that step outside the do-file",
            )
        elif word in CONTROL or any(_abbrev(word, c) for c in CONTROL.values()):
            self.control(stmt, word, body)
        elif is_stata_command(body) or ("~" in body and lookup(word) is None):
            self.estimate(prefix, body)
        elif (name := lookup(word)) is not None:
            self.registered(stmt, prefix, name, word, body)
        else:
            known = (*COMMANDS, "xtset", "tsset", *registered_commands(), *CONTROL)
            near = closest(word, known)
            err = syntax_error(
                body, f"unrecognized command: {word}", 0, len(word),
                hint=f"did you mean {near!r}?" if near else "see docs/stata.md for the commands",
            )  # fmt: skip
            err.rc = 199
            raise err

    def estimate(self, prefix: Prefix, body: str) -> None:
        if prefix.by:
            raise NotSupportedError(
                "by: with an estimation command is not supported",
                hint="fit each group with its own line (e.g. a foreach loop with if)",
            )
        spec = parse_line(body, self.panel) if is_stata_command(body) else parse(body)
        if (
            spec.sample is not None
            and self.state.meta.missing
            and _EXTENDED.search(spec.sample.expr)
        ):
            raise NotSupportedError(
                "an estimation's if cannot tell .a-.z apart (the fit sees NaN)",
                hint="mark the rows first: gen byte touse = ...; then regress ... if touse",
            )
        if self.ssc is not None:
            spec = spec.replace(ssc=self.ssc)
        if self.level is not None:
            spec = spec.replace(level=float(self.level))
        state = self.state
        if spec.did is not None:  # DiD estimates: estat event, pretrend, ...
            state.did, state.active = fit_did(spec, state.data, safe=self.safe), None
            state.did_results.append(state.did)
            return
        state.active = fit_spec(spec, state.data, safe=self.safe)
        state.did = None
        state.results.append(state.active)
        if prefix.eststo is not None:
            name = prefix.eststo or f"est{len(state.eststo) + 1}"
            state.stored[name] = state.active
            state.eststo = [*(n for n in state.eststo if n != name), name]
            if prefix.title:
                state.titles[name] = prefix.title

    def registered(self, stmt: Stmt, prefix: Prefix, name: str, word: str, body: str) -> None:
        state = self.state
        if prefix.eststo is not None:
            raise StataSyntaxError("eststo: expects an estimation command after the colon")
        by: tuple[str, ...] = ()
        sort_by: tuple[str, ...] = ()
        if prefix.by:
            if not is_byable(name):
                err = StataSyntaxError(f"{name} may not be combined with by")
                err.rc = 190
                raise err
            cols = [str(c) for c in state.data.columns]
            by = tuple(expand_varlist(list(prefix.by), cols))
            sort_by = tuple(expand_varlist(list(prefix.by_sort), cols)) if prefix.by_sort else ()
            self.by_order(by, sort_by, prefix.sort)
        comma = top_comma(body, len(word))
        cmd = DoCommand(
            name, body[len(word) : comma].strip(), body[comma + 1 :].strip(), body,
            stmt.first, by, sort_by,
        )  # fmt: skip
        self.emit(stmt.first, stmt.text if stmt.text == body else body, handler(name)(cmd, state))

    def by_order(self, by: tuple[str, ...], sort_by: tuple[str, ...], sort: bool) -> None:
        """Sort for ``bysort``; check the order for ``by`` ([D] by: r(5) not sorted)."""
        state, keys = self.state, [*by, *sort_by]
        if sort:
            state.take_rows(sort_order(state.data, state.meta, keys))
            state.meta.sortedby = tuple(keys)
        elif tuple(state.meta.sortedby[: len(keys)]) != tuple(keys):
            from_data = sort_order(state.data, state.meta, keys)
            if (from_data != range(len(from_data))).any():
                err = StataSyntaxError(
                    "not sorted", hint=f"use bysort {' '.join(by)}: or sort first"
                )
                err.rc = 5
                raise err


def run_do(
    text: str,
    data: DataLike,
    *,
    panel: PanelSpec | None = None,
    ssc: str | SmallSample | None = None,
    level: float | None = None,
    safe: bool = True,
    files: str | Path | None = None,
) -> DoRun:
    """Run a do-file fragment: its data step, estimation commands and tables.

    Parameters
    ----------
    text
        Stata lines: data commands (``generate``, ``replace``, ``egen``, ``keep``, ...),
        estimation commands or model strings, ``eststo``/``esttab`` and the other commands
        in :func:`vcereg.dofile.registered_commands`, macros and loops, with comments and
        ``///``. See ``docs/stata.md`` for everything supported and what is refused.
    data
        A pandas DataFrame (or one with ``to_pandas()``); never modified: the do-file works
        on a copy, returned as :attr:`DoRun.data`.
    panel, ssc, safe
        As in :func:`vcereg.stata`.
    level
        Confidence level in percent for every model (default: each line's own, else 95).
    files
        A directory the do-file may read and write files in (``use``, ``merge``,
        ``esttab using``...); ``None`` (the default) refuses every file access.

    Examples
    --------
    >>> import vcereg
    >>> d = vcereg.datasets.load("student-mat")
    >>> run = vcereg.run_do('''
    ... gen lg3 = ln(G3 + 1)
    ... gen male = sex == "M"
    ... reg lg3 absences male age, vce(robust)
    ... estimates store small
    ... ''', d)
    >>> len(run.results), sorted(run.stored), "lg3" in d
    (1, ['small'], False)
    """
    if not isinstance(text, str):
        raise StataSyntaxError(f"expected the do-file as a string (got {type(text).__name__})")
    frame = as_pandas(data, "run_do()")
    state = DoState(data=frame.copy(), meta=DataMeta.from_attrs(frame))
    state.files = Path(files) if files is not None else None
    preset = SmallSample.preset(ssc) if isinstance(ssc, str) else ssc
    runner = Runner(state, panel, preset, level, safe)
    runner.run_file(text)
    runner.finish()
    return DoRun(
        tuple(state.results), tuple(runner.log), state.data, dict(state.stored),
        did=tuple(state.did_results), labels=dict(state.meta.var_labels),
        tables=tuple(state.tables), written=tuple(state.written),
    )  # fmt: skip
