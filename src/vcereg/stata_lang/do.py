"""Stata do-file fragments: comments, ``///`` continuations and ``xtset``/``tsset`` lines.

:func:`parse_do` reads a fragment line by line: ``xtset id time`` (or ``tsset time``)
declares the panel for the estimation commands after it, which are parsed by
:func:`vcereg.stata_lang.command.parse_line`; :func:`logical_lines` is also what lets
:func:`vcereg.stata_lang.parse` accept one command with comments.
"""

from __future__ import annotations

import re

from ..errors import StataSyntaxError, VceregError, closest
from ..spec import ModelSpec, PanelSpec
from .command import COMMANDS, is_stata_command, parse_line
from .syntax import WORD, skip_ws, syntax_error, top_comma, unsupported

__all__ = ["blank_block_comments", "logical_lines", "panel_line", "parse_do"]


def parse_do(text: str) -> list[ModelSpec]:
    """Parse a do-file fragment: estimation commands, ``xtset``/``tsset``, comments.

    ``xtset id time`` (or ``tsset time``) declares the panel for the commands after it;
    ``//``, ``/* */`` and ``*`` comments, blank lines and ``///`` continuations are handled.
    Any other command (``use``, ``gen``, ...) is an error naming it and its line.

    Examples
    --------
    >>> specs = parse_do('''
    ... xtset firm year
    ... * the baseline
    ... reg y x, vce(cluster firm)   // clustered
    ... xtreg y x L.x, ///
    ...     fe vce(robust)
    ... ''')
    >>> [(s.command, s.formula, s.vce.args) for s in specs]
    [('regress', 'y ~ x', ('firm',)), ('xtreg', 'y ~ x + L1__x', ('firm',))]
    """
    if not isinstance(text, str):
        raise StataSyntaxError(f"expected the do-file as a string (got {type(text).__name__})")
    text = text.lstrip("\ufeff")  # a byte-order mark from a Windows editor
    panel: PanelSpec | None = None
    specs: list[ModelSpec] = []
    for n, _, line in logical_lines(text):
        if not line.strip():
            continue
        try:
            start = skip_ws(line, 0)
            m = WORD.match(line, start)
            word = m.group(0) if m else line[start:].split()[0]
            if word in ("xtset", "tsset"):
                panel = panel_line(line, word, panel, start + len(word))
            elif is_stata_command(line) or closest(word, COMMANDS):
                specs.append(parse_line(line, panel))
            else:
                raise unsupported(
                    line,
                    f"{word!r} is not an estimation command; parse_do reads "
                    f"{', '.join(COMMANDS)}, xtset and tsset lines",
                    start,
                    start + len(word),
                    hint="vcereg.run_do runs the whole do-file: data commands (gen, keep, "
                    "...), models, and the commands after them (test, esttab, ...)",
                )
        except VceregError as exc:
            raise type(exc)(
                f"line {n}: {exc.message}", source=exc.source, span=exc.span, hint=exc.hint
            ) from None
    return specs


_UNITS = frozenset((
    "clear", "generic", "yearly", "halfyearly", "quarterly", "monthly", "weekly", "daily",
    "clocktime", "noquery",
))  # fmt: skip


def panel_line(line: str, word: str, panel: PanelSpec | None, at: int) -> PanelSpec | None:
    """The panel declared by an ``xtset``/``tsset`` line (``None`` after ``clear``)."""
    comma = top_comma(line, at)
    names = line[at:comma].split()
    for m in re.finditer(r"(\w+)\s*(?:\(([^()]*)\))?", line[comma + 1 :]):
        a, b = comma + 1 + m.start(), comma + 1 + m.end()
        if m.group(1) == "clear":
            return None
        if m.group(1) == "delta" and (m.group(2) or "").strip() not in ("1", ""):
            raise unsupported(line, f"{word} with delta({m.group(2)}) is not supported", a, b)
        if m.group(1) not in _UNITS | {"delta", "format"}:
            raise syntax_error(line, f"option {m.group(1)} not allowed with {word}", a, b)
    bad = next((x for x in names if not WORD.fullmatch(x)), None)
    if bad or len(names) > 2:
        raise syntax_error(
            line, f"expected {word} panelvar timevar (got {' '.join(names)!r})", at, comma
        )
    if not names:
        return panel
    if len(names) == 2:
        return PanelSpec(names[0], names[1])
    return PanelSpec(names[0], None) if word == "xtset" else PanelSpec(None, names[0])


def logical_lines(text: str) -> list[tuple[int, int, str]]:
    """(first line, last line, command text) with comments removed and ``///`` joined.

    >>> logical_lines("* note\\nreg y x, ///\\n  robust // done\\n")
    [(1, 1, ''), (2, 3, 'reg y x,    robust '), (4, 4, '')]
    """
    blanked = blank_block_comments(text)
    out: list[tuple[int, int, str]] = []
    buf, first, comment, n = "", 0, False, 0
    for n, raw in enumerate(blanked.split("\n"), 1):
        raw = raw.rstrip("\r")
        if comment or (not buf and raw.lstrip().startswith("*")):
            code, cont = "", raw.rstrip().endswith("///")
            comment = cont
        else:
            code, cont = _cut_comment(raw)
        first = first or n
        buf += code
        if cont:
            buf += " "
            continue
        out.append((first, n, buf))
        buf, first = "", 0
    if first:
        out.append((first, n, buf))
    return out


def blank_block_comments(text: str) -> str:
    """``text`` with every ``/* ... */`` comment blanked (newlines kept); comments nest, as
    in Stata: ``/* a /* b */ c */`` is one comment.

    >>> blank_block_comments("x /* a /* b */ c */ y")
    'x                   y'
    """
    if "/*" not in text:
        return text
    out, depth, i, opened = [], 0, 0, 0
    while i < len(text):
        if text.startswith("/*", i):
            depth, opened = depth + 1, opened if depth else i
            out.append("  ")
            i += 2
        elif depth and text.startswith("*/", i):
            depth -= 1
            out.append("  ")
            i += 2
        else:
            out.append(text[i] if not depth or text[i] == "\n" else " ")
            i += 1
    if depth:
        n = text[:opened].count("\n") + 1
        raise StataSyntaxError(f"line {n}: unterminated /* comment: expected */")
    return "".join(out)


def _cut_comment(line: str) -> tuple[str, bool]:
    quote = False
    for i, ch in enumerate(line):
        if ch == '"':
            quote = not quote
        elif not quote and line.startswith("//", i) and (i == 0 or line[i - 1].isspace()):
            return line[:i], line.startswith("///", i)
    return line, False
