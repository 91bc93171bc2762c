"""How a table names a model's variance: ``conventional``, ``robust (HC1)``, ``clustered
by Firm``, with the cluster variables in the table's labels."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ._protocol import ResultLike

__all__ = ["and_join", "column_refs", "model_refs", "vce_phrase"]

_PARENS = re.compile(r"(?P<head>.*?)\s*\((?P<vars>[^()]*)\)(?P<tail>.*)")


def and_join(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 2:
        return " and ".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[1].isupper():  # an acronym: OLS, HC1, CR2
        return text
    return text[:1].lower() + text[1:]


def vce_phrase(r: ResultLike, rename: Callable[[str], str], *, capital: bool = False) -> str:
    """The variance of ``r`` in words.

    >>> class R:  # a clustered result as the tables see it
    ...     vce_label, n_clusters = "2-way clustered (firm, year)", {"firm": 50, "year": 10}
    >>> vce_phrase(R(), str.title)
    'two-way clustered by Firm and Year'
    """
    label = r.vce_label
    if label in ("OLS", "ols", "Conventional"):
        phrase = "conventional"
    else:
        phrase = _lower_first(label)
        clusters = list(r.n_clusters)
        m = _PARENS.fullmatch(label)
        if clusters and m and [v.strip() for v in m["vars"].split(",")] == clusters:
            head = _lower_first(m["head"]).replace("2-way", "two-way")
            by = and_join([rename(v) for v in clusters])
            phrase = f"{head} by {by}{m['tail']}"
    return phrase[:1].upper() + phrase[1:] if capital else phrase


def column_refs(models: Sequence[int]) -> str:
    """Columns in running text: ``(1)–(4)``, ``(5) and (6)``.

    >>> column_refs([1, 2, 3, 4]), column_refs([5, 6]), column_refs([1, 3, 4, 5])
    ('(1)–(4)', '(5) and (6)', '(1) and (3)–(5)')
    """
    runs = [f"({p})".replace("–", ")–(") for p in model_refs(models).split(", ")]
    return and_join(runs)


def model_refs(models: Sequence[int]) -> str:
    """Model numbers, runs of three or more as ranges: ``1–4, 6``.

    >>> model_refs([1, 2, 3, 4, 6]), model_refs([5, 6])
    ('1–4, 6', '5, 6')
    """
    parts: list[str] = []
    i = 0
    while i < len(models):
        j = i
        while j + 1 < len(models) and models[j + 1] == models[j] + 1:
            j += 1
        if j - i >= 2:
            parts.append(f"{models[i]}–{models[j]}")
            i = j + 1
        else:
            parts.append(str(models[i]))
            i += 1
    return ", ".join(parts)
