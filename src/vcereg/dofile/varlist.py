"""Stata variable lists in data commands ([U] 11.4 varlists): names, unique abbreviations
(Stata's default ``set varabbrev on``), wildcards ``*`` ``?`` ``~``, ranges ``a-d`` (in the
data's column order) and ``_all``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..errors import MissingVariableError, StataSyntaxError, closest

__all__ = ["expand_varlist", "split_words", "unabbreviate"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")


def split_words(text: str) -> list[str]:
    """Whitespace-separated words; ``"..."`` and `` `"..."' `` stay one word (unquoted).

    >>> split_words('a "b c" `"d e"\\' f')
    ['a', 'b c', 'd e', 'f']
    """
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
        elif text.startswith('`"', i):
            depth, j = 0, i
            while j < len(text):
                if text.startswith('`"', j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("\"'", j):
                    depth, j = depth - 1, j + 2
                    if depth == 0:
                        break
                else:
                    j += 1
            out.append(text[i + 2 : j - 2])
            i = j
        elif text[i] == '"':
            j = text.find('"', i + 1)
            j = len(text) if j < 0 else j
            out.append(text[i + 1 : j])
            i = j + 1
        else:
            j = i
            while j < len(text) and not text[j].isspace():
                j += 1
            out.append(text[i:j])
            i = j
    return out


def unabbreviate(name: str, columns: Sequence[str], what: str = "variable") -> str:
    """The column ``name`` names exactly or abbreviates uniquely; r(111) otherwise."""
    if name in columns:
        return name
    hits = [c for c in columns if c.startswith(name)]
    if len(hits) == 1 and _NAME.fullmatch(name):
        return hits[0]
    if len(hits) > 1:
        err = StataSyntaxError(
            f"{name} ambiguous abbreviation", hint=f"it matches {', '.join(hits[:6])}"
        )
        err.rc = 111
        raise err
    near = closest(name, columns)
    raise MissingVariableError(
        f"{what} {name} not found", hint=f"did you mean {near!r}?" if near else None
    )


def expand_varlist(text: str | Sequence[str], columns: Sequence[str]) -> list[str]:
    """The variables a varlist names, in order, each once.

    >>> expand_varlist("x* g-h _n1", ["x1", "g", "x2", "h", "_n1"])
    ['x1', 'x2', 'g', 'h', '_n1']
    """
    words = text.split() if isinstance(text, str) else list(text)
    cols = [str(c) for c in columns]
    out: list[str] = []
    for word in words:
        if word == "_all" or word == "*":
            out.extend(cols)
        elif any(ch in word for ch in "*?~"):
            pattern = re.compile(
                "".join(".*" if c in "*~" else "." if c == "?" else re.escape(c) for c in word)
            )
            hits = [c for c in cols if pattern.fullmatch(c)]
            if not hits:
                raise MissingVariableError(f"variable {word} not found")
            out.extend(hits)
        elif "-" in word and not word.startswith("-"):
            a, _, b = word.partition("-")
            i, j = cols.index(unabbreviate(a, cols)), cols.index(unabbreviate(b, cols))
            if j < i:
                raise StataSyntaxError(f"{word}: {b} comes before {a} in the data")
            out.extend(cols[i : j + 1])
        else:
            out.append(unabbreviate(word, cols))
    return list(dict.fromkeys(out))
