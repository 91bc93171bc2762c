"""Multi-model regression tables: :func:`etable`, the Python side of Stata's ``esttab``,
``outreg2`` and ``etable``.

Options map onto esttab's: ``titles`` (``mtitles``), ``groups`` (``mgroups``),
``model_numbers`` (``nonumbers``), ``depvar`` (``depvars``), ``keep``/``drop``/``order``,
``labels`` (``coeflabels``, ``label``), ``below`` (``se``/``t``/``p``/``ci``), ``beside``
(``wide``), ``beta``, ``stars`` (``star()``, ``nostar``), ``digits`` (``b()``, ``se()``,
per-statistic formats), ``stats`` (``stats(N r2, labels() fmt())``), ``indicate``,
``add_rows`` (``addtext``/``estadd local``), ``notes`` (``addnotes``), ``legend``
(``nonotes``), ``caption`` (``title``), ``latex_env="fragment"`` (``fragment``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import cast

from ..errors import RenderError
from ._build import build_table
from ._options import choose_latex_env, parse_below, parse_stars
from ._protocol import ResultLike
from ._spec import (
    TableSpec,
    parse_add_rows,
    parse_depvar,
    parse_diagnostics,
    parse_digits,
    parse_groups,
    parse_indicate,
    parse_stats,
)
from .markup import Latex
from .output import ETable, OutputFormat, parse_format
from .stats import StatValue
from .tidy import as_result

__all__ = ["DEFAULT_STATS", "ETable", "OutputFormat", "etable", "parse_format"]

DEFAULT_STATS = (
    "nobs", "r2", "r2_adj", "r2_within", "r2_p", "ll", "n_separated", "n_clusters", "fe"
)  # fmt: skip
"""Footer rows when ``stats`` is not given; rows that do not apply to any model vanish.
The standard-error type is in the notes (add ``"vce"`` for a row)."""


def _results(results: object) -> tuple[tuple[ResultLike, ...], tuple[str, ...] | None]:
    """Models and, for a mapping ``{title: result}``, the titles."""
    if isinstance(results, Mapping):
        return _checked(tuple(as_result(m) for m in results.values())), tuple(
            str(k) for k in results
        )
    if isinstance(results, Sequence) and not isinstance(results, str):
        models = tuple(cast("Sequence[ResultLike]", results))
    else:
        models = (cast(ResultLike, results),)
    if not models:
        raise RenderError("etable() needs at least one result")
    return _checked(tuple(as_result(m) for m in models)), None


def _checked(models: tuple[ResultLike, ...]) -> tuple[ResultLike, ...]:
    """Each model must be a fitted result, not e.g. a number or a string."""
    for i, m in enumerate(models, 1):
        if not all(hasattr(m, a) for a in ("params", "terms", "se", "depvar")):
            raise RenderError(
                f"etable() expects fitted results (got {type(m).__name__} {repr(m)[:40]} "
                f"as model {i})",
                hint="pass what vcereg.regress() returns, e.g. etable([r1, r2])",
            )
    return models


def _names(value: str | Iterable[str] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return (value,) if isinstance(value, str) else tuple(value)


def _user_notes(notes: object) -> tuple[str, ...]:
    if isinstance(notes, bool) or notes is None:
        return ()
    if isinstance(notes, str):
        return (notes,)
    if isinstance(notes, Iterable) and all(isinstance(n, str) for n in notes):
        return tuple(notes)
    raise RenderError(f"notes= expects True, False, a string or a list of strings (got {notes!r})")


def _as_latex(spec: TableSpec) -> TableSpec:
    """``escape=False``: every text the user gave is LaTeX."""

    def raw(text: str | None) -> str | None:
        return Latex(text) if text else text

    return replace(
        spec,
        titles=tuple(Latex(t) for t in spec.titles) if spec.titles else spec.titles,
        groups=tuple((Latex(g), f, n) for g, f, n in spec.groups),
        labels={k: Latex(v) for k, v in spec.labels.items()},
        indicate=tuple((Latex(lab), p, y, n) for lab, p, y, n in spec.indicate),
        stats=tuple((name, raw(lab), d) for name, lab, d in spec.stats),
        add_rows=tuple((Latex(lab), v) for lab, v in spec.add_rows),
        intercept_label=Latex(spec.intercept_label),
        extra_notes=tuple(Latex(n) for n in spec.extra_notes),
        caption=raw(spec.caption),
    )


def etable(
    results: ResultLike | Sequence[ResultLike] | Mapping[str, ResultLike],
    *,
    titles: Sequence[str] | None = None,
    groups: Mapping[str, int | Sequence[int]]
    | Sequence[tuple[str, int | Sequence[int]]]
    | None = None,
    model_numbers: bool = True,
    depvar: bool | str = True,
    keep: str | Iterable[str] | None = None,
    drop: str | Iterable[str] | None = None,
    order: str | Iterable[str] | None = None,
    labels: Mapping[str, str] | None = None,
    below: str | None = "se",
    beside: bool = False,
    beta: bool = False,
    stars: object = (0.10, 0.05, 0.01),
    digits: int | Mapping[str, int] = 3,
    indicate: Mapping[str, str | Sequence[str]] | Sequence[tuple[object, ...]] | None = None,
    stats: Iterable[str | tuple[str, str] | tuple[str, str, int]]
    | Mapping[str, str | None]
    | None = None,
    add_rows: Mapping[str, Sequence[StatValue]]
    | Sequence[tuple[str, Sequence[StatValue]]]
    | None = None,
    show_omitted: bool = False,
    intercept_last: bool = True,
    intercept_label: str = "Constant",
    notes: bool | str | Sequence[str] = True,
    legend: bool = True,
    diagnostics: bool | str = True,
    caption: str | None = None,
    label: str | None = None,
    escape: bool = True,
    latex_env: str | None = None,
    siunitx: bool = False,
    format: str | None = None,
    file: str | os.PathLike[str] | None = None,
) -> ETable:
    r"""Build a regression table of one or more models.

    Parameters
    ----------
    results
        One result, a sequence of results (one column each), or a mapping
        ``{title: result}`` (its keys become the column titles). A DataFrame with the
        columns of ``tidy()`` (``r.margins(...)``) is a column too.
    titles
        Column titles, one per model (esttab ``mtitles``).
    groups
        Headers spanning several models (esttab ``mgroups``): ``{"OLS": 2, "IV": 2}``
        (consecutive counts from the left) or ``{"OLS": [1, 2], "IV": [3, 4]}`` (model
        numbers), or a list of ``(label, models)`` pairs; ruled underneath in every format.
    model_numbers
        Print ``(1) (2) ...`` (esttab ``nonumbers`` is ``False``).
    depvar
        The dependent variables: ``True`` (``"span"``) one header cell over each run of
        models with the same one, ``"each"`` one per model, ``False`` none.
    keep, drop
        Terms to keep or drop: a name or a list. Each entry matches a term (or its display
        name) exactly, else is searched for as a regular expression. An entry matching
        nothing is an error.
    order
        Terms (names or patterns) to put first, in this order; the rest follow.
    labels
        ``{term or variable: label}``: coefficient rows, dependent variables, and the
        variables named in fixed-effect, cluster and note texts.
    below
        Under (or beside) each coefficient: ``"se"``, ``"t"`` (t or z statistic), ``"p"``
        (p-value), ``"ci"`` (confidence interval at the result's level) or ``None``.
    beside
        Print that statistic in the coefficient's cell, ``0.081*** (0.002)``, instead of
        on a row below (esttab ``wide``, in one column).
    beta
        Standardized coefficients b·sd(x)/sd(y) (Stata's ``regress, beta``; esttab
        ``beta``) instead of b; standard errors and intervals are scaled alike, t and p
        are those of b.
    stars
        p-value thresholds ``(0.10, 0.05, 0.01)`` (``*``, ``**``, ``***``), a mapping
        ``{symbol: threshold}``, or ``None``/``False`` for no stars.
    digits
        Decimals: one number for coefficients, standard errors, intervals and decimal
        statistics (t statistics keep 2 and p-values 3), or a mapping by cell kind and
        statistic, e.g. ``{"b": 3, "se": 3, "r2": 2}`` (esttab ``b(3) se(3)
        stats(r2, fmt(2))``). Kinds: ``b``, ``se``, ``t``, ``p``, ``ci``, ``stats``.
    indicate
        Rows that say whether a model includes a group of terms, which are then not
        shown (esttab ``indicate``): ``{"Controls": ["age", "^educ"]}``, or a list of
        ``(label, patterns)`` / ``(label, patterns, (yes, no))``; default texts Yes/No.
    stats
        Footer statistics by registered name (see :func:`register_statistic`), as names,
        ``(name, label)`` or ``(name, label, digits)`` tuples, or a mapping
        ``{name: label}``. Default :data:`DEFAULT_STATS`; rows that apply to no model are
        left out. Built in: ``nobs``, ``r2``, ``r2_adj``, ``r2_within``, ``f``,
        ``f_pvalue``, ``rmse``, ``ymean`` and ``ysd`` (mean and SD of the dependent
        variable on the estimation sample), ``n_clusters``, ``fe``, ``vce``, ``ssc``,
        ``first_f``, ``cd_f``, ``kp_f``, ``sargan``, ``hansen_j`` and their p-values.
    add_rows
        Extra rows under the coefficients: ``{label: values}`` or ``[(label, values)]``,
        one value per model (strings kept, integers as counts, floats with ``digits``).
    show_omitted
        Show terms omitted for collinearity (as ``(omitted)``).
    intercept_last, intercept_label
        Put the constant last (unless ``order`` places it); its label.
    notes
        Your notes (esttab ``addnotes``): a string or a list, printed after the automatic
        ones. ``False`` prints no automatic notes at all (legend and diagnostics).
    legend
        The first note: what is under the coefficients, the standard errors, the stars
        (esttab ``nonotes`` is ``legend=False``).
    diagnostics
        The models' notes: ``True`` those that bear on the table (few clusters, a small
        effective number of clusters, omitted terms, weak instruments, bootstrap
        p-values...) in the table's labels, ``"all"`` every note as the model has it,
        ``False`` none.
    caption, label
        Table caption (esttab ``title``) and cross-reference label (LaTeX ``\label``,
        HTML ``id``).
    escape
        ``False``: labels, titles, groups, notes and caption are LaTeX, written verbatim in
        LaTeX output (``r"$\ln w_{it}$"``) and shown as plain text elsewhere. A single text
        can be marked with :class:`vcereg.tables.Latex` instead.
    latex_env
        ``"tabular"`` (notes in a ``threeparttable`` at the table's width), ``"table"``
        (a float with caption and label), ``"threeparttable"`` (the same), or
        ``"fragment"`` (the rows only, for your own ``tabular``; esttab ``fragment``).
        Default: ``"table"`` with a caption or label, else ``"tabular"``.
    siunitx
        LaTeX ``S`` columns aligned on the decimal point (``\usepackage{siunitx}``).
    format
        Output format of ``str()``/``print()`` and of ``file`` (``text``, ``markdown``,
        ``latex``, ``html``, ``docx``, ``xlsx``); by default from the file extension.
    file
        Also write the table to this path (``.txt``, ``.md``, ``.tex``, ``.html``,
        ``.docx``, ``.xlsx``).

    Returns
    -------
    ETable
        The table; ``str()`` gives the text rendering.

    Raises
    ------
    RenderError
        For an invalid option, an unknown statistic or format, a pattern matching no term,
        or a file that cannot be written.

    Examples
    --------
    >>> import vcereg
    >>> d = vcereg.datasets.load("student-mat")
    >>> m = [vcereg.regress(f, d) for f in ("G3 ~ absences", "G3 ~ absences + age")]
    >>> t = etable(m, labels={"absences": "Absences"}, digits={"b": 2, "se": 2, "r2": 2},
    ...            stats=["nobs", ("r2", "R²")])
    >>> [r.label for r in t.table.rows() if r.label]
    ['Absences', 'age', 'Constant', 'Observations', 'R²']
    """
    models, mapping_titles = _results(results)
    out_format = parse_format(format) if format is not None else None
    titles_t = (titles,) if isinstance(titles, str) else titles
    spec = TableSpec(
        titles=tuple(titles_t) if titles_t is not None else mapping_titles,
        groups=parse_groups(groups, len(models)),
        model_numbers=model_numbers,
        depvar=parse_depvar(depvar),
        stars=parse_stars(stars),
        below=parse_below(below),
        beside=bool(beside),
        beta=bool(beta),
        digits=parse_digits(digits),
        keep=_names(keep),
        drop=_names(drop),
        order=_names(order),
        indicate=parse_indicate(indicate),
        labels=dict(labels or {}),
        stats=parse_stats(stats, DEFAULT_STATS),
        add_rows=parse_add_rows(add_rows),
        show_omitted=show_omitted,
        intercept_last=intercept_last,
        intercept_label=intercept_label,
        legend=legend and notes is not False,
        diagnostics=parse_diagnostics(diagnostics if notes is not False else False),
        extra_notes=_user_notes(notes),
        caption=caption,
        label=label,
    )
    if escape is False:
        spec = _as_latex(spec)
    env = choose_latex_env(latex_env, caption, label)
    table = ETable(build_table(models, spec), env, siunitx, out_format or OutputFormat.TEXT)
    if file is not None:
        table.save(file, out_format.value if out_format else None)
    return table
