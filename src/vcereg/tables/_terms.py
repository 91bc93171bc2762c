"""Which coefficient rows a table shows, and what they are called."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ._options import match_terms, select_terms
from ._protocol import ResultLike
from ._spec import TableSpec

__all__ = ["display_names", "indicated_terms", "is_intercept", "shown_terms", "term_label"]

_INTERCEPTS = ("Intercept", "(Intercept)", "const", "_cons")


def display_names(results: Sequence[ResultLike]) -> dict[str, str]:
    """Term → display name over all models (the first model's wins)."""
    names: dict[str, str] = {}
    for r in results:
        for term, name in r.display_names.items():
            names.setdefault(term, name)
    return names


def is_intercept(term: str, names: Mapping[str, str]) -> bool:
    """The constant, whatever the package called it."""
    return term in _INTERCEPTS or names.get(term) == "_cons"


def term_label(term: str, names: Mapping[str, str], spec: TableSpec) -> str:
    """The row label of ``term``: the user's label (by term or display name), else the
    display name; the intercept's label for the constant."""
    shown = names.get(term, term)
    if term in spec.labels:
        return spec.labels[term]
    if shown in spec.labels:
        return spec.labels[shown]
    return spec.intercept_label if is_intercept(term, names) else shown


def _union(results: Sequence[ResultLike]) -> list[str]:
    return list(dict.fromkeys(t for r in results for t in r.terms))


def indicated_terms(results: Sequence[ResultLike], spec: TableSpec) -> list[tuple[str, list[str]]]:
    """``(indicator label, terms it stands for)`` per ``indicate`` row; a pattern that
    matches no term is an error, as in ``keep``/``drop``."""
    union, names = _union(results), display_names(results)
    out = []
    for label, patterns, _, _ in spec.indicate:
        found = [t for p in patterns for t in match_terms(p, union, names, "indicate")]
        out.append((label, list(dict.fromkeys(found))))
    return out


def shown_terms(results: Sequence[ResultLike], spec: TableSpec) -> list[str]:
    """The coefficient rows in order, after keep/drop/order; the terms an ``indicate``
    row stands for are left out."""
    names = display_names(results)
    shown = [
        t
        for t in _union(results)
        if any(t in r.terms and (spec.show_omitted or t not in r.omitted) for r in results)
    ]
    terms = select_terms(
        shown,
        names,
        keep=spec.keep,
        drop=spec.drop,
        order=spec.order,
        intercepts=[t for t in shown if is_intercept(t, names)],
        intercept_last=spec.intercept_last,
    )
    hidden = {t for _, ts in indicated_terms(results, spec) for t in ts}
    return [t for t in terms if t not in hidden]
