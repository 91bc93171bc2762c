"""The registry of do-file commands and the parsed line a handler receives.

A handler is a function ``(DoCommand, DoState) -> object``; what it returns (anything
printable, or ``None``) is the command's output in the log. Adding a command: a module
``vcereg/commands/<name>.py`` (the layer above this one, so it may use everything the
package has), imported by ``vcereg/commands/__init__.py``::

    from ..dofile import DoCommand, DoState, register_command

    def _hello(cmd: DoCommand, state: DoState) -> str:
        return f"last model: {state.current(cmd).depvar}"

    register_command("hello", _hello, abbrev=3)     # "hel", "hell" and "hello"

The package ``vcereg`` imports ``vcereg.commands`` and ``vcereg.datacmds``, so every
command is registered whenever vcereg is imported. A command that accepts Stata's ``by``
prefix is registered with ``byable=True``; it finds the ``by`` variables in ``cmd.by``
(the data is already sorted by them, and by ``cmd.by_sort`` after them).

``state.current(cmd)`` is the active estimates (Stata's ``e()``), with Stata's error when
there are none; ``state.data`` is the run's own copy of the data, which commands such as
``predict`` may extend; ``cmd.args`` and ``cmd.options`` are the text before and after the
top-level comma (:meth:`DoCommand.option` parses the common ``name(value)`` case).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import StataSyntaxError, closest
from ..stata_lang.syntax import WORD, skip_ws, syntax_error

if TYPE_CHECKING:
    from .state import DoState

__all__ = [
    "DoCommand",
    "Handler",
    "is_byable",
    "is_registered",
    "lookup",
    "register_command",
    "registered_commands",
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
    by: tuple[str, ...] = ()
    by_sort: tuple[str, ...] = ()

    def option(self, name: str, *, abbrev: int | None = None) -> str | None:
        """The text inside ``name(...)`` among the options, ``""`` for a bare ``name``, else
        ``None``. ``abbrev`` is Stata's minimal abbreviation length.

        >>> DoCommand("predict", "e", "resid", "predict e, resid", 1).option("residuals", abbrev=5)
        ''
        >>> DoCommand("margins", "", "dydx(x) at(x=1)", "", 1).option("dydx")
        'x'
        """
        for word, value in option_items(self.options):
            n = len(word)
            short = abbrev is not None and abbrev <= n < len(name) and name.startswith(word)
            if word == name or short:
                return value if value is not None else ""
        return None

    def check_options(self, known: Iterable[str | tuple[str, int]]) -> None:
        """r(198) for an option not in ``known``, with the closest valid one as a hint. An
        entry ``(name, k)`` may be abbreviated to ``k`` letters, a plain name to 3."""
        table = [(k, min(3, len(k))) if isinstance(k, str) else k for k in known]
        for word, _ in option_items(self.options):
            if not any(word == k or (len(word) >= n and k.startswith(word)) for k, n in table):
                near = closest(word, [k for k, _ in table])
                raise self.error(
                    f"option {word} not allowed", hint=f"did you mean {near}?" if near else None
                ).with_rc(198)

    def error(self, message: str, hint: str | None = None) -> StataSyntaxError:
        """A :class:`~vcereg.errors.StataSyntaxError` pointing at this line."""
        return syntax_error(self.line, message, 0, len(self.line), hint=hint)


def option_items(text: str) -> Iterator[tuple[str, str | None]]:
    """``(word, text inside its parentheses or None)`` for each option, in order."""
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


Handler = Callable[[DoCommand, "DoState"], object]


@dataclass(frozen=True)
class _Entry:
    handler: Handler
    abbrev: int
    byable: bool


_HANDLERS: dict[str, _Entry] = {}


def register_command(
    word: str, handler: Handler, *, abbrev: int | None = None, byable: bool = False
) -> None:
    """Make ``word`` (and its abbreviations down to ``abbrev`` letters) a do-file command;
    ``byable``: it accepts the ``by varlist:`` prefix."""
    if not WORD.fullmatch(word):
        raise ValueError(f"not a command word: {word!r}")
    _HANDLERS[word] = _Entry(handler, abbrev or len(word), byable)


def unregister_command(word: str) -> None:
    """Remove a command added with :func:`register_command` (a no-op if absent)."""
    _HANDLERS.pop(word, None)


def is_registered(word: str) -> bool:
    """Is ``word`` (or an abbreviation of it) a registered do-file command?"""
    return lookup(word) is not None


def registered_commands() -> tuple[str, ...]:
    """The non-estimation command words :func:`run_do` understands."""
    return tuple(sorted(_HANDLERS))


def lookup(word: str) -> str | None:
    """The registered command that ``word`` names or abbreviates, else ``None``."""
    for name, entry in _HANDLERS.items():
        if word == name or (entry.abbrev <= len(word) < len(name) and name.startswith(word)):
            return name
    return None


def handler(name: str) -> Handler:
    """The handler of the registered command ``name`` (a full name from :func:`lookup`)."""
    return _HANDLERS[name].handler


def is_byable(name: str) -> bool:
    """Does the registered command ``name`` accept the ``by`` prefix?"""
    return _HANDLERS[name].byable
