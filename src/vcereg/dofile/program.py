"""A do-file's block structure: the lines of ``forvalues``, ``foreach``, ``while``, ``if``/
``else`` and ``quietly``/``capture``/``noisily`` blocks, as [P] forvalues and [P] foreach
write them: the opening ``{`` ends the command's line, the closing ``}`` stands alone.

Lines are kept as text: macros are expanded when a line runs (each loop iteration anew).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import StataSyntaxError
from ..stata_lang.do import logical_lines

__all__ = ["Stmt", "parse_program"]

# words that may open a block (with Stata's abbreviations) after any prefixes
_OPENERS = re.compile(
    r"^\s*(?:(?:qui(?:e|et|etl|etly)?|noi(?:s|si|sil|sily)?|cap(?:t|tu|tur|ture)?)\s*:?\s*)*"
    r"(?:(foreach|forv(?:a|al|alu|alue|alues)?|while|if|else)\b.*)?\{\s*$",
    re.S,
)


@dataclass(frozen=True)
class Stmt:
    """One logical line (``first`` is its first physical line); a block has ``body``."""

    first: int
    text: str
    body: tuple[Stmt, ...] | None = None


def parse_program(text: str) -> list[Stmt]:
    """The statements of a do-file, blocks nested.

    >>> [s.text for s in parse_program("forvalues i = 1/2 {\\n  gen x`i' = `i'\\n}")]
    ['forvalues i = 1/2 {']
    """
    stack: list[tuple[Stmt, list[Stmt]]] = []
    top: list[Stmt] = []
    for first, _, code in logical_lines(text.lstrip("\ufeff")):
        line = code.strip()
        if not line:
            continue
        current = stack[-1][1] if stack else top
        if line == "}":
            if not stack:
                raise StataSyntaxError(f"line {first}: unexpected }}: no block is open")
            head, body = stack.pop()
            closed = Stmt(head.first, head.text, tuple(body))
            (stack[-1][1] if stack else top).append(closed)
            continue
        if line.endswith("{") and _OPENERS.match(line):
            stack.append((Stmt(first, line), []))
            continue
        if line.startswith("}"):
            msg = f"line {first}: '}}' must stand alone on its line (got {line!r})"
            raise StataSyntaxError(msg)
        current.append(Stmt(first, line))
    if stack:
        head = stack[-1][0]
        raise StataSyntaxError(f"line {head.first}: {{ is never closed: expected }}")
    return top
