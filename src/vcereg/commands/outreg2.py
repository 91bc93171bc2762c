"""``outreg2`` (Wada 2005) mapped onto :func:`vcereg.etable`.

``outreg2 [names] using file, replace|append [options]`` writes the active fit (or the
named ones) as columns of the table in ``file``; ``append`` adds columns to the table this
run wrote to that file before (a file from an earlier run cannot be read back: r(602),
use ``replace``). Defaults are outreg2's: standard errors in parentheses, stars
``*** p<0.01 ** p<0.05 * p<0.1``, three decimals, observations and R-squared.

Options: ``se`` (default), ``tstat``, ``pvalue``, ``ci``, ``noparen`` is refused;
``bdec(#)``/``dec(#)``; ``label``; ``ctitle(text)``; ``keep()``, ``drop()``, ``nocons``;
``addtext(name, value, ...)``; ``title()``; ``addnote()``; ``nor2``, ``adjr2``, ``noobs``;
``word`` (also ``file.rtf``), ``excel`` (also ``file.xlsx``), ``tex`` (also ``file.tex``).
The file's own extension picks its format (``.doc`` is RTF, as outreg2 writes it).
"""

from __future__ import annotations

import re

from ..dofile import DoCommand, DoState, register_command
from ..dofile.varlist import split_words
from ..tables import etable
from ._tables import digits_of, labels_of, models, patterns, write_table

__all__: list[str] = []

_STARS = {"***": 0.01, "**": 0.05, "*": 0.10}
_KNOWN: tuple[str | tuple[str, int], ...] = (
    "replace", "append", "se", "tstat", "pvalue", "ci", "bdec", "dec", "sdec", "label",
    ("ctitle", 2), "keep", "drop", "nocons", "addtext", "title", "addnote", "nor2", "adjr2",
    "noobs", "word", "excel", "tex", "nonotes", "noaster", "sdec",
)  # fmt: skip


def _outreg2(cmd: DoCommand, state: DoState) -> str:
    cmd.check_options(_KNOWN)
    m = re.search(r"(?:^|\s)using\s+(\"[^\"]*\"|\S+)", cmd.args)
    if m is None:
        raise cmd.error("outreg2 needs using filename").with_rc(100)
    name = m.group(1).strip('"')
    if "." not in name.rsplit("/", 1)[-1]:
        name += ".txt"
    results, _ = models(cmd, state, split_words(cmd.args[: m.start()]) or ["."])
    path = state.path(cmd, name, write=True)
    replace, append = cmd.option("replace") is not None, cmd.option("append") is not None
    title = " ".join(split_words(cmd.option("ctitle") or "")) or None
    if append and path.exists() and path not in state.appended:
        raise cmd.error(
            f"outreg2: cannot append to {path.name}, written before this run",
            hint="use replace, then append within the do-file",
        ).with_rc(602)
    if path.exists() and not (replace or append):
        raise cmd.error(
            f"file {path.name} already exists", hint="add , replace or , append"
        ).with_rc(602)
    columns = [] if replace or not append else list(state.appended.get(path, []))
    columns += [(r, title) for r in results]
    state.appended[path] = columns
    below = "se"
    for flag, what in (("tstat", "t"), ("pvalue", "p"), ("ci", "ci")):
        if cmd.option(flag) is not None:
            below = what
    stats: list[str | tuple[str, str]] = []
    if cmd.option("noobs") is None:
        stats.append(("nobs", "Observations"))
    if cmd.option("nor2") is None:
        stats.append(("r2", "R-squared"))
    if cmd.option("adjr2") is not None:
        stats.append(("r2_adj", "Adj. R-squared"))
    drop = patterns(cmd.option("drop")) or []
    if cmd.option("nocons") is not None:
        drop.append("_cons")
    add = split_words((cmd.option("addtext") or "").replace(",", " , "))
    pairs = [p.strip() for p in " ".join(add).split(",") if p.strip()]
    rows = {pairs[i]: [pairs[i + 1]] * len(columns) for i in range(0, len(pairs) - 1, 2)}
    notes: bool | list[str] = cmd.option("nonotes") is None
    if cmd.option("addnote") and notes:
        notes = split_words(cmd.option("addnote") or "")
    table = etable(
        [r for r, _ in columns],
        titles=[t or r.depvar for r, t in columns],
        below=below,
        stars=None if cmd.option("noaster") is not None else _STARS,
        digits={
            "b": digits_of(cmd.option("bdec") or cmd.option("dec"), 3),
            "se": digits_of(cmd.option("sdec") or cmd.option("bdec") or cmd.option("dec"), 3),
        },
        labels=labels_of(state, [r for r, _ in columns])
        if cmd.option("label") is not None
        else None,
        intercept_label="Constant",
        keep=patterns(cmd.option("keep")),
        drop=drop or None,
        stats=stats,
        add_rows=rows or None,
        caption=" ".join(split_words(cmd.option("title") or "")) or None,
        notes=notes,
    )
    state.tables.append(table)
    written = [write_table(cmd, state, table, name, replace=True, append=False)]
    root = state.files.resolve() if state.files is not None else path.parent
    for flag, ext in (("word", ".rtf"), ("excel", ".xlsx"), ("tex", ".tex")):
        if cmd.option(flag) is not None and path.suffix.lower() != ext:
            sibling = str(path.relative_to(root).with_suffix(ext))
            written.append(write_table(cmd, state, table, sibling, replace=True, append=False))
    return "\n".join(f"(output written to {w.name})" for w in written)


register_command("outreg2", _outreg2)
