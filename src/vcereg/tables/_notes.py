"""The notes under a regression table: the legend (what is in parentheses, the stars), the
models' diagnostics, the user's notes.

Diagnostics (``diagnostics=True``) are those that bear on reading the table, written with
the table's labels and only about the rows it shows: few clusters; an effective number of
clusters G* below :data:`~vcereg.vce.cluster.FEW_CLUSTERS` for a shown coefficient; a
shown term omitted for collinearity in some model; how p-values were obtained (wild
bootstrap, per-coefficient degrees of freedom), weak instruments and other notes of the
models. Row accounting (dropped rows, singletons) is in the Observations row and is left
out; so is the conventional first-stage F (the ``first_f`` statistic row uses each model's
variance). ``diagnostics="all"`` prints every model note as the model has it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..vce.cluster import FEW_CLUSTERS
from ._options import Below
from ._protocol import ResultLike
from ._spec import Diagnostics, TableSpec
from ._terms import display_names, is_intercept, term_label
from ._vcetext import column_refs, model_refs, vce_phrase
from .format import fmt_count, fmt_fixed, fmt_level, fmt_threshold
from .markup import Latex, latex_escape

__all__ = ["classify", "table_notes"]

_KINDS = (
    ("g_star", re.compile(r"^effective number of clusters G\*")),
    ("few_clusters", re.compile(r"^only [\d,]+ clusters in ")),
    ("first_stage", re.compile(r"^first stage for ")),
    ("omitted", re.compile(r"^omitted because of collinearity")),
    ("sample", re.compile(r"row\(s\) dropped|singleton observation\(s\) dropped")),
    ("f_test", re.compile(r"^F test: ")),
)


def classify(note: str) -> str:
    """The kind of a model note (``"other"`` when the tables have no rule for it).

    >>> classify("only 12 clusters in state: ..."), classify("x omitted"), classify("F test: 1")
    ('few_clusters', 'other', 'f_test')
    """
    return next((kind for kind, pattern in _KINDS if pattern.search(note)), "other")


def _tag(models: Sequence[int], n: int) -> str:
    return "" if n == 1 or len(models) == n else f"({model_refs(models)}) "


def _legend(results: Sequence[ResultLike], spec: TableSpec, stat_keys: Sequence[str]) -> str:
    phrases = [vce_phrase(r, spec.rename) for r in results]
    kinds = list(dict.fromkeys(p for p in phrases if p))
    uniform = len(kinds) <= 1
    se = kinds[0] if uniform and kinds else ""
    where = "in brackets" if spec.below is Below.CI else "in parentheses"
    if spec.beside:
        where += " beside the coefficients"
    if spec.below is Below.SE:
        what = "Standard errors"
    elif spec.below is Below.T:
        what = f"{'z' if all(r.df_inference is None for r in results) else 't'} statistics"
    elif spec.below is Below.P:
        what = "p-values"
    elif spec.below is Below.CI:
        levels = list(dict.fromkeys(fmt_level(r.level) for r in results))
        what = f"{'/'.join(levels)}% confidence intervals"
    else:
        what = ""
    parts = ["Standardized coefficients b·sd(x)/sd(y)."] if spec.beta else []
    if what:
        sentence = f"{what} {where}"
        shows_vce = any(k == "vce" for k in stat_keys)
        if uniform and se and se != "conventional":
            if " by " in se:  # clustered by Firm
                sentence = (
                    f"{what} {se} {where}"
                    if spec.below is Below.SE
                    else (f"{sentence}, from standard errors {se}")
                )
            elif spec.below is Below.SE:
                sentence = f"{se[:1].upper()}{se[1:]} standard errors {where}"
            else:
                sentence += f", from {se} standard errors"
        elif not uniform and not shows_vce:
            owners: dict[str, list[int]] = {}
            for i, p in enumerate(phrases, 1):
                owners.setdefault(p, []).append(i)
            listed = "; ".join(f"{p} in {column_refs(m)}" for p, m in owners.items() if p)
            sentence += f": {listed}" if spec.below is Below.SE else f"; standard errors {listed}"
        parts.append(sentence)
    text = latex_escape(" ".join(parts))
    if spec.stars:
        legend = ", ".join(
            rf"\sym{{{latex_escape(s)}}}~$p<{fmt_threshold(t)}$" for s, t in spec.stars
        )
        text = f"{text}; {legend}" if text else legend
    return Latex(text) if text else ""


def _relabel(note: str, labels: Mapping[str, str]) -> str:
    """``note`` with the variables and terms that have labels replaced by them."""
    names = sorted((k for k in labels if k and labels[k] != k), key=len, reverse=True)
    if not names:
        return note
    pattern = re.compile(r"(?<![\w.])(" + "|".join(re.escape(k) for k in names) + r")(?![\w(\[])")
    pieces: list[str] = []
    pos = 0
    for m in pattern.finditer(note):
        pieces += [note[pos : m.start()], labels[m.group(1)]]
        pos = m.end()
    pieces.append(note[pos:])
    if any(isinstance(p, Latex) for p in pieces):
        return Latex("".join(latex_escape(p) for p in pieces))
    return "".join(pieces)


_CSS = "Carter, Schnepel & Steigerwald 2017"


def _clusters(r: ResultLike, terms: Sequence[str], spec: TableSpec) -> list[str]:
    """Few clusters, or a few effective clusters (G*) for a shown coefficient: one note
    per cluster variable, with the G* of the table's coefficients."""
    g_star = getattr(r, "effective_clusters", None)
    names = display_names([r])
    stars: list[tuple[str, float]] = []
    if isinstance(g_star, pd.Series):
        stars = [
            (term_label(t, names, spec), float(g_star[t]))
            for t in terms
            if t in g_star.index and not is_intercept(t, names) and np.isfinite(g_star[t])
        ]
    out = []
    for var, g in r.n_clusters.items():
        mine = stars if isinstance(g_star, pd.Series) and g_star.name == var else []
        shown = spec.rename(var)
        if g < FEW_CLUSTERS:
            spread = ""
            if mine:
                lo, hi = min(v for _, v in mine), max(v for _, v in mine)
                span = fmt_fixed(lo, 1) if lo == hi else f"{fmt_fixed(lo, 1)}–{fmt_fixed(hi, 1)}"
                across = " across the coefficients" if len(mine) > 1 else ""
                spread = f" (effective number G* {span}{across}; {_CSS})"
            out.append(
                f"Only {fmt_count(g)} clusters in {shown}{spread}: cluster-robust inference "
                "may be unreliable"
            )
            continue
        low = [(label, v) for label, v in mine if v < FEW_CLUSTERS]
        if low:
            values = ", ".join(f"{label} {fmt_fixed(v, 1)}" for label, v in low)
            out.append(
                f"Effective number of clusters in {shown} below {FEW_CLUSTERS} (G*, {_CSS}): "
                f"{values}; cluster-robust inference may be unreliable for these coefficients"
            )
    return out


def _diagnostics(
    r: ResultLike, spec: TableSpec, terms: Sequence[str], stat_keys: Sequence[str]
) -> list[str]:
    out = _clusters(r, terms, spec)
    if not spec.show_omitted:
        names = display_names([r])
        gone = [term_label(t, names, spec) for t in terms if t in r.omitted]
        if gone:
            out.append(f"{', '.join(gone)} omitted because of collinearity")
    shows_f = any(k in ("f", "f_pvalue") for k in stat_keys)
    for note in r.notes:
        kind = classify(note)
        if kind == "other" or (kind == "f_test" and shows_f):
            text = _relabel(note, spec.labels)
            out.append(type(text)(text[:1].upper() + text[1:]))
    return out


def table_notes(
    results: Sequence[ResultLike],
    spec: TableSpec,
    terms: Sequence[str],
    stat_keys: Sequence[str],
) -> tuple[str, ...]:
    """The notes in order: legend, diagnostics (a note several models share is printed
    once, tagged with their numbers), the user's notes."""
    notes: list[str] = []
    if spec.legend:
        legend = _legend(results, spec, stat_keys)
        if legend:
            notes.append(legend)
        if any(k.startswith("first_f") for k in stat_keys):
            notes.append(
                "First-stage F: Wald test of the excluded instruments, with each model's "
                "standard errors"
            )
    owners: dict[str, list[int]] = {}
    for i, r in enumerate(results, 1):
        if spec.diagnostics is Diagnostics.ALL:
            found = list(r.notes)
        elif spec.diagnostics is Diagnostics.AUTO:
            found = _diagnostics(r, spec, terms, stat_keys)
        else:
            found = []
        for note in found:
            owners.setdefault(note, []).append(i)
    for note, models in owners.items():
        tag = _tag(models, len(results))
        notes.append(
            type(note)(latex_escape(tag) + note) if isinstance(note, Latex) else tag + note
        )
    return tuple(dict.fromkeys([*notes, *spec.extra_notes]))
