"""``esttab`` and ``estout`` (Jann 2005, 2007) mapped onto :func:`vcereg.etable`.

``esttab [names] [using file] [, options]`` tabulates the ``eststo`` list (or the named
stored estimates, ``*`` wildcards allowed, or the active fit). Its defaults are esttab's,
not etable's: t statistics under the coefficients, stars ``* p<0.05 ** p<0.01 *** p<0.001``,
only the number of observations below, ``_cons`` unlabelled. Options:

=====================================  ===============================================
``se``, ``t``, ``p``, ``ci``, ``not``  what goes under each coefficient (``wide``:
                                       beside it); ``se(3)`` also sets its decimals
``star(* .1 ** .05 *** .01)``,         the stars (``nostar``: none)
``b(fmt)``, ``se(fmt)``...             decimals, from ``3``, ``%9.3f`` or ``a3``
``label``, ``varlabels()``,            row labels from ``label variable`` (and value
``coeflabels()``                       labels of factor levels), or given
``keep()``, ``drop()``, ``order()``,   terms, with ``*`` wildcards
``noconstant``, ``indicate()``
``stats(N r2, labels() fmt())``,       statistics rows (``noobs`` drops N)
``r2``, ``ar2``, ``scalars()``
``mtitles[()]``, ``nomtitles``,        column titles (bare ``mtitles``: the model names),
``mgroups(, pattern())``,              groups of columns, numbers, dependent variables
``nonumbers``, ``[no]depvars``
``title()``, ``addnotes()``,           caption and notes (``nonotes``: no legend)
``nonotes``, ``beta``, ``fragment``
``using f.tex|.rtf|.csv|.html|.docx``  the file (``replace``, ``append``), in the
``|.xlsx|.md|.txt``                    allowed directory
=====================================  ===============================================

Accepted with no effect on the numbers: ``booktabs`` (rules are always booktabs),
``compress``, ``nogaps``, ``plain``, ``obslast``, ``nolines``, ``nobaselevels``,
``noomitted``. Refused: ``refcat()``, ``eqlabels()``, ``unstack``, ``margin``. ``estout``
is the same command with its own default of coefficients alone (``cells(b se)`` adds
standard errors).
"""

from __future__ import annotations

import re

from ..dofile import DoCommand, DoState, register_command
from ..dofile.varlist import split_words
from ..errors import NotSupportedError
from ..tables import etable
from ..tables.stats import resolve_statistic
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
    "booktabs", "compress", "nogaps", "plain", "obslast", "nolines", "nobaselevels",
    "noomitted", "noisily", "onecell", "gaps", "lines", "parentheses", "nonumber", "legend",
    "nomtitles",
)  # fmt: skip
_REFUSED = ("refcat", "eqlabels", "unstack", "margin", "estadd")
_KNOWN = (
    *_ACCEPTED, *_REFUSED, "se", "t", "p", "ci", "not", "star", "nostar", "b", "cells",
    "label", "varlabels", "coeflabels", "keep", "drop", "order", "noconstant", "stats",
    "scalars", "noobs", "r2", "ar2", "mtitles", "nonumbers", "title", "addnotes", "note",
    "nonotes", "replace", "append", "tex", "rtf", "csv", "html", "md", "z", "mgroups",
    "indicate", "wide", "beta", "depvars", "nodepvars", "fragment",
)  # fmt: skip


def _stats(cmd: DoCommand) -> list[str | tuple[str, str] | tuple[str, str, int]]:
    """``stats(N r2, labels("Obs." "R2") fmt(%9.0fc 2))``, ``r2``, ``ar2``, ``noobs``."""
    stats: list[str | tuple[str, str] | tuple[str, str, int]] = []
    text = cmd.option("stats") or cmd.option("scalars")
    if text is not None:
        names = re.split(r"\b(?:labels?|fmt|layout|star|pchar)\s*\(", text)[0]
        m = re.search(r"labels?\s*\(([^()]*)\)", text)
        labels = split_words(m.group(1)) if m else []
        f = re.search(r"fmt\s*\(([^()]*)\)", text)
        fmts = f.group(1).split() if f else []
        for i, name in enumerate(names.split(",")[0].split()):
            stat = resolve_statistic(STAT_NAMES.get(name, name))
            label = labels[i] if i < len(labels) else stat.label
            fmt = fmts[min(i, len(fmts) - 1)] if fmts else None  # the last fmt repeats
            stats.append((stat.name, label, digits_of(fmt, 3)) if fmt else (stat.name, label))
    elif cmd.option("noobs") is None:
        stats.append(("nobs", "N"))
    for flag, name in (("r2", "r2"), ("ar2", "r2_adj")):
        if cmd.option(flag) is not None and all(s != name and s[0] != name for s in stats):
            stats.append(name)
    return stats


def _groups(cmd: DoCommand, n_models: int) -> list[tuple[str, list[int]]] | None:
    """``mgroups("OLS" "IV", pattern(1 0 1 0))`` → ``[("OLS", [1, 2]), ("IV", [3, 4])]``."""
    text = cmd.option("mgroups", abbrev=2)
    if text is None:
        return None
    head, _, rest = text.partition(",")
    labels = split_words(head)
    m = re.search(r"pattern\(([^()]*)\)", rest)
    flags = [int(w) for w in m.group(1).split()] if m else [1] + [0] * (n_models - 1)
    starts = [i + 1 for i, f in enumerate(flags) if f]
    if len(starts) != len(labels) or len(flags) != n_models:
        raise cmd.error(
            f"mgroups(): {len(labels)} label(s) and pattern() with {len(starts)} start(s) "
            f"over {len(flags)} of {n_models} models do not match"
        ).with_rc(198)
    ends = [*[s - 1 for s in starts[1:]], n_models]
    return [(lab, list(range(a, b + 1))) for lab, a, b in zip(labels, starts, ends, strict=True)]


def _indicate(cmd: DoCommand) -> dict[str, list[str]] | None:
    """``indicate("Controls = x3 x4" "FE = i.year")`` → ``{"Controls": ["x3", "x4"], ...}``."""
    text = cmd.option("indicate")
    if text is None:
        return None
    out = {}
    for item in split_words(text):
        label, eq, terms = item.partition("=")
        if not eq:
            raise cmd.error(f'indicate(): expected "label = terms" (got {item!r})').with_rc(198)
        out[label.strip()] = patterns(terms) or []
    return out


def table_options(cmd: DoCommand, state: DoState, *, estout: bool = False) -> dict[str, object]:
    """The :func:`vcereg.etable` arguments an esttab/estout line asks for."""
    cmd.check_options(_KNOWN)
    for name in _REFUSED:
        if cmd.option(name) is not None:
            raise NotSupportedError(
                f"{cmd.word}: option {name}() is not supported",
                hint="see docs/stata.md: the table options mapped onto vcereg.etable",
            )
    below: str | None = None if estout else "t"
    cells = cmd.option("cells")
    digits: dict[str, int] = {}
    if cells is not None:
        below = next((b for b in ("se", "t", "p", "ci") if re.search(rf"\b{b}\b", cells)), None)
        if m := re.search(r"\bb\s*\([^()]*fmt\(\s*([^()\s]+)", cells):
            digits["b"] = digits_of(m.group(1), 3)
    for flag in ("se", "t", "z", "p", "ci"):
        value = cmd.option(flag)
        if value is not None:
            below = "t" if flag == "z" else flag
            if value:
                digits["t" if flag == "z" else flag] = digits_of(value, 3)
    if cmd.option("not") is not None:
        below = None
    if cmd.option("b") is not None:
        digits["b"] = digits_of(cmd.option("b"), 3)
    stars: dict[str, float] | None = stars_of(cmd, cmd.option("star"), _ESTTAB_STARS)
    if cmd.option("nostar") is not None or (estout and cmd.option("star") is None):
        stars = None
    options: dict[str, object] = {"below": below, "stars": stars, "digits": digits or 3}
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
    elif any(n in state.titles for n in names) and cmd.option("nomtitles") is None:
        options["titles"] = [state.titles.get(n, n) for n in names]  # eststo, title()
    options["groups"] = _groups(cmd, len(results))
    options["indicate"] = _indicate(cmd)
    options["model_numbers"] = cmd.option("nonumbers", abbrev=5) is None
    options["beside"] = cmd.option("wide") is not None
    options["beta"] = cmd.option("beta") is not None
    if cmd.option("nodepvars") is not None:
        options["depvar"] = False
    elif cmd.option("depvars") is not None:
        options["depvar"] = "each"
    if cmd.option("fragment") is not None:
        options["latex_env"] = "fragment"
    if cmd.option("title") is not None:
        options["caption"] = " ".join(split_words(cmd.option("title") or ""))
    options["legend"] = cmd.option("nonotes") is None
    extra = cmd.option("addnotes") or cmd.option("note")
    options["notes"] = split_words(extra) if extra else True
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
