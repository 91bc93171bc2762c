"""Variable names in ``vce(...)``, ``fe(...)`` and ``weights(...)``, including names that
are not identifiers: a column such as ``"my firm"`` is written ```my firm``` (backquotes)
or ``Q('my firm')``, the spelling formulas use.
"""

from __future__ import annotations

import re

__all__ = ["QUOTED", "split_names"]

#: A backquoted name or ``Q('...')`` / ``Q("...")``.
QUOTED = re.compile(r"`([^`]+)`|Q\(\s*'([^']+)'\s*\)|Q\(\s*\"([^\"]+)\"\s*\)")
_TOKEN = re.compile(QUOTED.pattern + r"|(\S+)")


def split_names(text: str) -> list[tuple[str, int, bool]]:
    """Whitespace-separated words of ``text`` as (name, offset, quoted), with quoted names
    unwrapped.

    >>> split_names("cluster `my firm` Q('my year') g")
    [('cluster', 0, False), ('my firm', 8, True), ('my year', 18, True), ('g', 31, False)]
    """
    out: list[tuple[str, int, bool]] = []
    for m in _TOKEN.finditer(text):
        quoted = next((g for g in m.groups()[:3] if g is not None), None)
        if quoted is not None:
            out.append((quoted, m.start(), True))
        else:
            out.append((m.group(4), m.start(), False))
    return out
