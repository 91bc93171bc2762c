"""Stata 17's ``etable`` ([TABLES] etable) mapped onto :func:`vcereg.etable`.

``etable [, estimates(names) options]`` tabulates the named stored estimates, or the
active fit; ``append`` adds the active fit to the previous ``etable``'s models. Stata's
defaults: standard errors in parentheses, the number of observations, no stars, no notes,
columns headed by the dependent variable. Options: ``cstat(_r_b[, nformat(%9.3f)])``,
``cstat(_r_se|_r_z|_r_p|_r_ci)``; ``mstat(N|r2|r2_a|F|rmse|N_clust)`` (repeatable);
``showstars``, ``showstarsnote``, ``stars(.1 "*" .05 "**" .01 "***")``; ``varlabel``;
``column(depvar|estimates|index|title|command)``; ``keep()``, ``drop()``; ``title()``;
``note()`` (repeatable); ``export(file[, replace])`` to ``.docx``, ``.xlsx``, ``.tex``,
``.html``, ``.md``, ``.txt``, ``.rtf``, ``.csv``.
"""

from __future__ import annotations

import re

from ..dofile import DoCommand, DoState, register_command
from ..dofile.registry import option_items
from ..dofile.varlist import split_words
from ..tables import etable
from ._tables import STAT_NAMES, digits_of, labels_of, models, patterns, write_table

__all__: list[str] = []

_BELOW = {"_r_se": "se", "_r_z": "t", "_r_p": "p", "_r_ci": "ci"}
_KNOWN = (
    "estimates", "cstat", "mstat", "showstars", "showstarsnote", "stars", "varlabel",
    "column", "keep", "drop", "title", "note", "export", "append", "showeq", "noshowstars",
    "center", "replay",
)  # fmt: skip


def _etable(cmd: DoCommand, state: DoState) -> str:
    cmd.check_options(_KNOWN)
    names = split_words(cmd.option("estimates", abbrev=3) or "")
    results, labels = models(cmd, state, names) if names else ([state.current(cmd)], ["."])
    if cmd.option("append") is not None:
        results = [*state.etable_models, *results]
    state.etable_models = list(results)
    below, digits = "se", 3
    stats: list[str | tuple[str, str]] = []
    notes: list[str] = []
    for word, value in option_items(cmd.options):
        if word == "cstat" and value:
            stat, _, rest = value.partition(",")
            stat = stat.strip()
            if stat == "_r_b":
                m = re.search(r"nformat\(\s*([^()\s]+)", rest)
                digits = digits_of(m.group(1), digits) if m else digits
            elif stat in _BELOW:
                below = _BELOW[stat]
            else:
                raise cmd.error(f"etable: cstat({stat}) is not supported").with_rc(198)
        elif word == "mstat" and value:
            stat = value.split(",")[0].strip()
            stats.append(STAT_NAMES.get(stat, stat))
        elif word == "note" and value is not None:
            notes.append(" ".join(split_words(value)))
    stars = None
    if cmd.option("showstars") is not None or cmd.option("stars") is not None:
        words = split_words(cmd.option("stars") or '.05 "*" .01 "**"')
        stars = {s: float(t) for t, s in zip(words[::2], words[1::2], strict=False)}
    column = (cmd.option("column") or "depvar").strip()
    titles = None
    if column.startswith("estimates"):
        titles = labels if names else ["Active"]
    elif column.startswith("command"):
        titles = [r.spec.command or "regress" for r in results]
    export = cmd.option("export")
    table = etable(
        results,
        titles=titles,
        model_numbers=column.startswith("index") or column == "depvar",
        below=below,
        stars=stars,
        digits=digits,
        labels=labels_of(state, results) if cmd.option("varlabel") is not None else None,
        intercept_label="Intercept",
        keep=patterns(cmd.option("keep")),
        drop=patterns(cmd.option("drop")),
        stats=stats or [("nobs", "Number of observations")],
        caption=" ".join(split_words(cmd.option("title") or "")) or None,
        notes=notes if notes else (cmd.option("showstarsnote") is not None),
    )
    state.tables.append(table)
    if export is None:
        return str(table)
    file, _, opts = export.partition(",")
    path = write_table(
        cmd, state, table, file.strip().strip('"'),
        replace="replace" in opts.split(), append=False,
    )  # fmt: skip
    return f"(collection exported to file {path.name})"


register_command("etable", _etable)
