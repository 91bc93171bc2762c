"""Run a Stata do-file fragment: estimation commands and what follows them.

:func:`run_do` reads a fragment as :func:`vcereg.parse_do` does (comments, ``///``,
``xtset``/``tsset``), fits every estimation command on the data, and runs the commands that
act on the last fit (``test``, ``predict``, ``estimates store`` ...) through a registry of
handlers keyed by command word. A handler is a function ``(DoCommand, DoState) -> object``;
what it returns (anything printable, or ``None``) is the command's output in the log.

Adding a command: a module ``vcereg/commands/<name>.py`` (the layer above this one, so
it may use everything the package has), imported by ``vcereg/commands/__init__.py``::

    from ..dofile import DoCommand, DoState, register_command

    def _hello(cmd: DoCommand, state: DoState) -> str:
        return f"last model: {state.current(cmd).depvar}"

    register_command("hello", _hello, abbrev=3)     # "hel", "hell" and "hello"

The package ``vcereg`` imports ``vcereg.commands``, so every command is registered
whenever vcereg is imported.

``state.current(cmd)`` is the active estimates (Stata's ``e()``), with Stata's error when
there are none; ``state.data`` is the run's own copy of the data, which commands such as
``predict`` may extend; ``cmd.args`` and ``cmd.options`` are the text before and after the
top-level comma, and :func:`vcereg.stata_lang.options.option_values` style parsing of the
options is up to the handler (:meth:`DoCommand.option` covers the common ``name(value)``
case).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pandas as pd

from .api import DataLike, as_pandas, fit_spec, parse
from .errors import StataSyntaxError, VceregError, closest
from .results import Results
from .spec import PanelSpec, SmallSample
from .staggered import DidResults, fit_did
from .stata_lang.command import COMMANDS, is_stata_command, parse_line
from .stata_lang.do import logical_lines, panel_line
from .stata_lang.syntax import WORD, skip_ws, syntax_error, top_comma

__all__ = [
    "DoCommand",
    "DoRun",
    "DoState",
    "Handler",
    "is_registered",
    "register_command",
    "registered_commands",
    "run_do",
    "unregister_command",
]


@dataclass(frozen=True)
class DoCommand:
    """One non-estimation command line, split the way Stata's ``syntax`` sees it.

    ``word`` is the full command name (abbreviations expanded); ``args`` the text between the
    command word and the first top-level comma; ``options`` the text after it.
    """

    word: str
    args: str
    options: str
    line: str
    lineno: int

    def option(self, name: str, *, abbrev: int | None = None) -> str | None:
        """The text inside ``name(...)`` among the options, ``""`` for a bare ``name``, else
        ``None``. ``abbrev`` is Stata's minimal abbreviation length.

        >>> DoCommand("predict", "e", "resid", "predict e, resid", 1).option("residuals", abbrev=5)
        ''
        >>> DoCommand("margins", "", "dydx(x) at(x=1)", "", 1).option("dydx")
        'x'
        """
        for word, value in _option_items(self.options):
            n = len(word)
            short = abbrev is not None and abbrev <= n < len(name) and name.startswith(word)
            if word == name or short:
                return value if value is not None else ""
        return None

    def error(self, message: str, hint: str | None = None) -> StataSyntaxError:
        """A :class:`~vcereg.errors.StataSyntaxError` pointing at this line."""
        return syntax_error(self.line, message, 0, len(self.line), hint=hint)


def _option_items(text: str) -> Iterator[tuple[str, str | None]]:
    i = 0
    while i < len(text):
        i = skip_ws(text, i)
        m = WORD.match(text, i)
        if not m:
            i += 1
            continue
        i = m.end()
        if i < len(text) and text[i] == "(":
            depth, j = 0, i
            while j < len(text):
                depth += {"(": 1, ")": -1}.get(text[j], 0)
                if depth == 0:
                    break
                j += 1
            yield m.group(0), text[i + 1 : j].strip()
            i = j + 1
        else:
            yield m.group(0), None


@dataclass
class DoState:
    """What the commands of one run share: the data copy, the fits, stored estimates."""

    data: pd.DataFrame
    results: list[Results] = field(default_factory=list)
    stored: dict[str, Results] = field(default_factory=dict)
    active: Results | None = None
    did: DidResults | None = None  # the active DiD estimates (csdid, jwdid, ...), if last
    did_results: list[DidResults] = field(default_factory=list)

    def current(self, cmd: DoCommand) -> Results:
        """The active estimates; Stata's "last estimates not found" when there are none."""
        if self.active is None:
            raise cmd.error(
                f"{cmd.word}: last estimates not found",
                hint="run an estimation command (regress, areg, ...) before it",
            )
        return self.active


Handler = Callable[[DoCommand, DoState], object]


@dataclass(frozen=True)
class _Entry:
    handler: Handler
    abbrev: int


_HANDLERS: dict[str, _Entry] = {}


def register_command(word: str, handler: Handler, *, abbrev: int | None = None) -> None:
    """Make ``word`` (and its abbreviations down to ``abbrev`` letters) a do-file command."""
    if not WORD.fullmatch(word):
        raise ValueError(f"not a command word: {word!r}")
    _HANDLERS[word] = _Entry(handler, abbrev or len(word))


def unregister_command(word: str) -> None:
    """Remove a command added with :func:`register_command` (a no-op if absent)."""
    _HANDLERS.pop(word, None)


def is_registered(word: str) -> bool:
    """Is ``word`` (or an abbreviation of it) a registered do-file command?"""
    return _lookup(word) is not None


def registered_commands() -> tuple[str, ...]:
    """The non-estimation command words :func:`run_do` understands."""
    return tuple(sorted(_HANDLERS))


def _lookup(word: str) -> str | None:
    for name, entry in _HANDLERS.items():
        if word == name or (entry.abbrev <= len(word) < len(name) and name.startswith(word)):
            return name
    return None


@dataclass(frozen=True)
class DoRun:
    """The outcome of :func:`run_do`.

    Attributes
    ----------
    results
        Every estimation, in order.
    log
        ``(line number, command, output)`` for every command that printed something.
    data
        The run's copy of the data, with the columns that commands such as ``predict`` added.
    stored
        Estimates saved with ``estimates store NAME``.
    did
        Every DiD estimation (``csdid``, ``did_imputation``, ``eventstudyinteract``,
        ``did2s``, ``jwdid`` or a model string with ``did(...)``), in order.
    """

    results: tuple[Results, ...]
    log: tuple[tuple[int, str, object], ...]
    data: pd.DataFrame
    stored: dict[str, Results]
    did: tuple[DidResults, ...] = ()

    def __str__(self) -> str:
        parts = [f". {line}\n\n{output}" for _, line, output in self.log]
        return "\n\n".join(parts)


_PREFIX = re.compile(r"^\s*(?:quietly|quiet|quie|qui)\s*:?\s+")


def run_do(
    text: str,
    data: DataLike,
    *,
    panel: PanelSpec | None = None,
    ssc: str | SmallSample | None = None,
    level: float | None = None,
    safe: bool = True,
) -> DoRun:
    """Fit the estimation commands of a do-file fragment and run what follows them.

    Parameters
    ----------
    text
        Stata lines: estimation commands (see :func:`vcereg.parse_do`) or model strings
        (``y ~ x | vce(robust)``), ``xtset``/``tsset``, and the commands in
        :func:`registered_commands`, with comments and ``///``.
    data
        A pandas DataFrame (or one with ``to_pandas()``); never modified: commands that add
        variables add them to :attr:`DoRun.data`, a copy.
    panel, ssc, safe
        As in :func:`vcereg.stata`.
    level
        Confidence level in percent for every model (default: each line's own, else 95).

    Examples
    --------
    >>> import vcereg
    >>> d = vcereg.datasets.load("student-mat")
    >>> run = vcereg.run_do('''
    ... regress G3 absences age
    ... estimates store small
    ... regress G3 absences age studytime, vce(robust)
    ... ''', d)
    >>> len(run.results), sorted(run.stored)
    (2, ['small'])
    """
    if not isinstance(text, str):
        raise StataSyntaxError(f"expected the do-file as a string (got {type(text).__name__})")
    state = DoState(data=as_pandas(data, "run_do()").copy())
    preset = SmallSample.preset(ssc) if isinstance(ssc, str) else ssc
    log: list[tuple[int, str, object]] = []
    for n, _, raw in logical_lines(text.lstrip("\ufeff")):
        line = raw.strip()
        if not line:
            continue
        try:
            quiet = bool(_PREFIX.match(line))
            body = _PREFIX.sub("", line, count=1)
            m = WORD.match(body)
            word = m.group(0) if m else body.split()[0]
            if word in ("xtset", "tsset"):
                panel = panel_line(body, word, panel, len(word))
            elif is_stata_command(line) or "~" in body:
                spec = parse_line(line, panel) if is_stata_command(line) else parse(body)
                if preset is not None:
                    spec = spec.replace(ssc=preset)
                if level is not None:
                    spec = spec.replace(level=float(level))
                if spec.did is not None:  # DiD estimates: estat event, pretrend, ...
                    state.did, state.active = fit_did(spec, state.data, safe=safe), None
                    state.did_results.append(state.did)
                    continue
                state.active = fit_spec(spec, state.data, safe=safe)
                state.did = None
                state.results.append(state.active)
            elif (name := _lookup(word)) is not None:
                comma = top_comma(body, len(word))
                cmd = DoCommand(
                    name, body[len(word) : comma].strip(), body[comma + 1 :].strip(), body, n
                )
                output = _HANDLERS[name].handler(cmd, state)
                if output is not None and not quiet:
                    log.append((n, line, output))
            else:
                known = (*COMMANDS, "xtset", "tsset", *_HANDLERS)
                near = closest(word, known)
                raise syntax_error(
                    body,
                    f"unrecognized command: {word}",
                    0,
                    len(word),
                    hint=f"did you mean {near!r}?" if near else "known: " + ", ".join(known),
                )
        except VceregError as exc:
            raise type(exc)(
                f"line {n}: {exc.message}", source=exc.source, span=exc.span, hint=exc.hint
            ) from None
    return DoRun(
        tuple(state.results), tuple(log), state.data, dict(state.stored), tuple(state.did_results)
    )
