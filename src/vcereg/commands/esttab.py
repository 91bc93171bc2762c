"""``esttab`` and ``estout`` (Jann 2005, 2007) mapped onto :func:`vcereg.etable`.

``esttab [names] [using file] [, options]`` tabulates the ``eststo`` list (or the named
stored estimates, ``*`` wildcards allowed, or the active fit). Its defaults are esttab's,
not etable's: t statistics under the coefficients, stars ``* p<0.05 ** p<0.01 *** p<0.001``,
only the number of observations below, ``_cons`` unlabelled. Options:

=====================================  ===============================================
``se``, ``t``, ``p``, ``ci``, ``not``  what goes under each coefficient
``star(* .1 ** .05 *** .01)``,         the stars (``nostar``: none)
``b(fmt)``, ``se(fmt)``...             decimals, from ``3``, ``%9.3f`` or ``a3``
``label``, ``varlabels()``,            row labels from ``label variable`` (and value
``coeflabels()``                       labels of factor levels), or given
``keep()``, ``drop()``, ``order()``,   terms, with ``*`` wildcards
``noconstant``
``stats(N r2 r2_a, labels())``,        statistics rows (``noobs`` drops N)
``r2``, ``ar2``, ``scalars()``
``mtitles[()]``, ``nomtitles``,        column titles (bare ``mtitles``: the model names)
``nonumbers``, ``title()``
``addnotes()``, ``nonotes``            notes
``using f.tex|.rtf|.csv|.html|.docx``  the file (``replace``, ``append``), in the
``|.xlsx|.md|.txt``                    allowed directory
=====================================  ===============================================

Accepted with no effect on the numbers: ``booktabs``, ``fragment``, ``compress``,
``nogaps``, ``plain``, ``wide``, ``obslast``, ``nolines``, ``nodepvars``, ``depvars``,
``nobaselevels``, ``noomitted``. ``estout`` is the same command with its own default of
coefficients alone (``cells(b se)`` adds standard errors).
"""

from __future__ import annotations

import re

from ..dofile import DoCommand, DoState, register_command
from ..dofile.varlist import split_words
from ..errors import NotSupportedError
from ..tables import etable
from ._tables import (
    STAT_NAMES,
    digits_of,
    explicit_labels,
    labels_of,
    models,
    patterns,
    stars_of,
    write_table,
)

__all__ = ["table_options"]

_ESTTAB_STARS = {"*": 0.05, "**": 0.01, "***": 0.001}
_ACCEPTED = (
    "booktabs", "fragment", "compress", "nogaps", "plain", "wide", "obslast", "nolines",
    "nodepvars", "depvars", "nobaselevels", "noomitted", "noisily", "onecell", "gaps",
    "lines", "parentheses", "nonumber", "legend", "nolegend",
)  # fmt: skip
_REFUSED = ("mgroups", "indicate", "refcat", "eqlabels", "unstack", "margin", "beta")
_KNOWN = (
    *_ACCEPTED, *_REFUSED, "se", "t", "p", "ci", "not", "star", "nostar", "b", "cells",
    "label", "varlabels", "coeflabels", "keep", "drop", "order", "noconstant", "stats",
    "scalars", "noobs", "r2", "ar2", "mtitles", "nomtitles", "nonumbers", "title",
    "addnotes", "note", "nonotes", "replace", "append", "tex", "rtf", "csv", "html", "md",
    "z",
)  # fmt: skip


def _stats(cmd: DoCommand) -> list[tuple[str, str | None]]:
    stats: list[tuple[str, str | None]] = []
    text = cmd.option("stats") or cmd.option("scalars")
    if text is not None:
        names = re.split(r"\b(?:labels?|fmt|layout|star|pchar)\s*\(", text)[0]
        names = names.split(",")[0].split()
        m = re.search(r"labels?\s*\(([^()]*)\)", text)
        labels = split_words(m.group(1)) if m else []
        for i, name in enumerate(names):
            label = labels[i] if i < len(labels) else None
            stats.append((STAT_NAMES.get(name, name), label))
    elif cmd.option("noobs") is None:
        stats.append(("nobs", "N"))
    for flag, name in (("r2", "r2"), ("ar2", "r2_adj")):
        if cmd.option(flag) is not None and all(s != name for s, _ in stats):
            stats.append((name, None))
    return stats


def table_options(cmd: DoCommand, state: DoState, *, estout: bool = False) -> dict[str, object]:
    """The :func:`vcereg.etable` arguments an esttab/estout line asks for."""
    cmd.check_options(_KNOWN)
    for name in _REFUSED:
        if cmd.option(name) is not None:
            raise NotSupportedError(
                f"{cmd.word}: option {name}() is not supported yet",
                hint="see docs/stata.md: the table options mapped onto vcereg.etable",
            )
    below: str | None = None if estout else "t"
    cells = cmd.option("cells")
    if cells is not None:
        below = next((b for b in ("se", "t", "p", "ci") if re.search(rf"\b{b}\b", cells)), None)
    for flag in ("se", "t", "z", "p", "ci"):
        if cmd.option(flag) is not None:
            below = "t" if flag == "z" else flag
    if cmd.option("not") is not None:
        below = None
    stars: dict[str, float] | None = stars_of(cmd, cmd.option("star"), _ESTTAB_STARS)
    if cmd.option("nostar") is not None or (estout and cmd.option("star") is None):
        stars = None
    digits = digits_of(cmd.option("b"), 3)
    if cells is not None and (m := re.search(r"fmt\(\s*([^()\s]+)", cells)):
        digits = digits_of(m.group(1), digits)
    options: dict[str, object] = {"below": below, "stars": stars, "digits": digits}
    results, names = models(cmd, state, split_words(re.split(r"(?:^|\s)using\s", cmd.args)[0]))
    labels: dict[str, str] = {}
    label_on = cmd.option("label", abbrev=3) is not None
    if label_on:
        labels = labels_of(state, results)
    labels |= explicit_labels(cmd.option("varlabels") or cmd.option("coeflabels"))
    options["labels"] = labels
    options["intercept_label"] = "Constant" if label_on else "_cons"
    drop = patterns(cmd.option("drop")) or []
    if cmd.option("noconstant", abbrev=5) is not None:
        drop.append("_cons")
    options |= {"keep": patterns(cmd.option("keep")), "drop": drop or None}
    options["order"] = patterns(cmd.option("order"))
    options["stats"] = _stats(cmd)
    titles = cmd.option("mtitles", abbrev=3)
    if titles is not None:
        options["titles"] = split_words(titles) if titles else names
    options["model_numbers"] = cmd.option("nonumbers", abbrev=5) is None
    if cmd.option("title") is not None:
        options["caption"] = " ".join(split_words(cmd.option("title") or ""))
    notes: bool | list[str] = cmd.option("nonotes") is None
    extra = cmd.option("addnotes") or cmd.option("note")
    if extra and notes:
        notes = split_words(extra)
    options["notes"] = notes
    options["_results"] = results
    return options


def _esttab(cmd: DoCommand, state: DoState, estout: bool = False) -> str:
    opts = table_options(cmd, state, estout=estout)
    results = opts.pop("_results")
    table = etable(results, **opts)  # type: ignore[arg-type]
    state.tables.append(table)
    m = re.search(r"\busing\s+(\"[^\"]*\"|\S+)", cmd.args)
    if m is None:
        return str(table)
    fmt = next((f for f in ("tex", "rtf", "csv", "html", "md") if cmd.option(f) is not None), None)
    fmt = {"tex": "latex", "md": "markdown"}.get(fmt or "", fmt)
    path = write_table(
        cmd, state, table, m.group(1).strip('"'),
        replace=cmd.option("replace") is not None, append=cmd.option("append") is not None,
        fmt=fmt,
    )  # fmt: skip
    return f"(output written to {path.name})"


def _estout(cmd: DoCommand, state: DoState) -> str:
    return _esttab(cmd, state, estout=True)


register_command("esttab", _esttab)
register_command("estout", _estout)
