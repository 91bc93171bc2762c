"""Checking ``etable`` options once, where they enter, and choosing the rows to show.

Every problem raises :class:`~vcereg.errors.RenderError` naming the bad value and the
valid ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from numbers import Real
from typing import TypeVar

from ..errors import RenderError, closest
from .format import StarSpec

__all__ = [
    "DEFAULT_STARS",
    "Below",
    "LatexEnv",
    "choose_latex_env",
    "match_terms",
    "parse_below",
    "parse_latex_env",
    "parse_stars",
    "select_terms",
]

_E = TypeVar("_E", bound=StrEnum)

DEFAULT_STARS: StarSpec = (("*", 0.10), ("**", 0.05), ("***", 0.01))


class Below(StrEnum):
    """What is printed under each coefficient."""

    SE = "se"
    T = "t"
    P = "p"
    CI = "ci"


class LatexEnv(StrEnum):
    """The LaTeX environment wrapping the table."""

    TABULAR = "tabular"
    TABLE = "table"
    THREEPARTTABLE = "threeparttable"
    FRAGMENT = "fragment"


def _choice(enum: type[_E], value: object, option: str, *, none: bool = False) -> _E:
    valid = [e.value for e in enum]
    if isinstance(value, str) and value.lower() in valid:
        return enum(value.lower())
    # option values are short, so accept looser near-misses than the default cutoff
    near = closest(value, valid, cutoff=0.5) if isinstance(value, str) else None
    listed = ", ".join(repr(v) for v in valid) + (" or None" if none else "")
    raise RenderError(
        f"unknown {option}= value {value!r}; expected one of {listed}",
        hint=f"did you mean {near!r}?" if near else None,
    )


def parse_below(value: object) -> Below | None:
    """``below=``: ``"se"``, ``"t"``, ``"p"``, ``"ci"`` or ``None`` (nothing below)."""
    if value is None:
        return None
    return _choice(Below, value, "below", none=True)


def parse_latex_env(value: object) -> LatexEnv:
    """``latex_env=``: ``"tabular"``, ``"table"``, ``"threeparttable"`` or ``"fragment"``."""
    return _choice(LatexEnv, value, "latex_env")


def choose_latex_env(latex_env: str | None, caption: str | None, label: str | None) -> LatexEnv:
    """``latex_env=`` given the caption and label: a float when they are given."""
    if latex_env is None:
        return LatexEnv.TABLE if caption or label else LatexEnv.TABULAR
    env = parse_latex_env(latex_env)
    if env in (LatexEnv.TABULAR, LatexEnv.FRAGMENT) and (caption or label):
        raise RenderError(
            f"a caption or label needs latex_env='table' (a {env.value} cannot hold them)"
        )
    return env


def _threshold(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 < float(value) < 1:
        raise RenderError(f"a star threshold must be a p-value between 0 and 1 (got {value!r})")
    return float(value)


def _symbol(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RenderError(f"a star symbol must be a non-empty string (got {value!r})")
    return value


def parse_stars(value: object) -> StarSpec:
    """``stars=``: thresholds, a symbol → threshold mapping, or ``None``/``False``.

    ``(0.10, 0.05, 0.01)`` gives ``*``, ``**``, ``***``; ``{"+": 0.10, "*": 0.05}`` uses
    your symbols (``{0.10: "+"}`` works too); ``None``, ``False`` or ``()`` print no stars,
    ``True`` the default. The result is sorted loosest first.

    >>> parse_stars({"+": 0.1, "*": 0.05})
    (('+', 0.1), ('*', 0.05))
    """
    if value is None or value is False:
        return ()
    if value is True:
        return DEFAULT_STARS
    pairs: list[tuple[str, float]]
    if isinstance(value, Mapping):
        pairs = [
            (_symbol(k), _threshold(v)) if isinstance(k, str) else (_symbol(v), _threshold(k))
            for k, v in value.items()
        ]
    elif isinstance(value, Sequence) and not isinstance(value, str):
        thresholds = sorted((_threshold(v) for v in value), reverse=True)
        pairs = [("*" * (i + 1), t) for i, t in enumerate(thresholds)]
    else:
        raise RenderError(
            f"stars= expects p-value thresholds like (0.10, 0.05, 0.01), a mapping "
            f"{{symbol: threshold}}, or None (got {value!r})"
        )
    pairs.sort(key=lambda pair: -pair[1])
    thresholds_seen = [t for _, t in pairs]
    symbols = [s for s, _ in pairs]
    if len(set(thresholds_seen)) != len(pairs) or len(set(symbols)) != len(pairs):
        raise RenderError(f"stars= repeats a threshold or a symbol (got {value!r})")
    return tuple(pairs)


def _patterns(value: str | Iterable[str] | None, option: str) -> list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    for item in items:
        if not isinstance(item, str):
            raise RenderError(f"{option}= expects names or regular expressions (got {item!r})")
    return items


def match_terms(
    pattern: str, terms: Sequence[str], names: Mapping[str, str], option: str
) -> list[str]:
    """Terms selected by ``pattern``: exact term or display name first, then regex search."""
    exact = [t for t in terms if t == pattern or names.get(t) == pattern]
    if exact:
        return exact
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise RenderError(
            f"{option}= pattern {pattern!r} is not a valid regular expression ({exc})"
        ) from None
    found = [t for t in terms if regex.search(t)]
    if not found:
        near = closest(pattern, terms)
        raise RenderError(
            f"{option}= pattern {pattern!r} matches no term; available terms: {', '.join(terms)}",
            hint=f"did you mean {near!r}?" if near else None,
        )
    return found


def select_terms(
    terms: Sequence[str],
    names: Mapping[str, str],
    *,
    keep: str | Iterable[str] | None,
    drop: str | Iterable[str] | None,
    order: str | Iterable[str] | None,
    intercepts: Iterable[str],
    intercept_last: bool,
) -> list[str]:
    """Apply ``keep``, ``drop`` and ``order`` to the union of terms.

    ``order`` moves the matched terms to the top in the order given; with
    ``intercept_last`` the intercept then goes to the bottom unless ``order`` placed it.
    """
    selected = list(terms)
    keep_items = _patterns(keep, "keep")
    if keep_items:
        chosen = {t for p in keep_items for t in match_terms(p, terms, names, "keep")}
        selected = [t for t in selected if t in chosen]
    dropped = {t for p in _patterns(drop, "drop") for t in match_terms(p, terms, names, "drop")}
    selected = [t for t in selected if t not in dropped]
    front: list[str] = []
    for pattern in _patterns(order, "order"):
        front += [t for t in match_terms(pattern, terms, names, "order") if t in selected]
    front = list(dict.fromkeys(front))
    rest = [t for t in selected if t not in front]
    if intercept_last:
        cons = [t for t in rest if t in set(intercepts)]
        rest = [t for t in rest if t not in cons] + cons
    return front + rest
