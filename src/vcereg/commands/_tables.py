"""What ``esttab``, ``outreg2`` and ``etable`` share: which stored models a name list
means, row labels from the data's labels, star and digit options, and writing a table in
the format its file name asks for (``.tex``, ``.rtf``, ``.csv``, ``.html``, ``.docx``,
``.xlsx``, ``.md``, ``.txt``) inside the run's allowed directory.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from ..dofile import DoCommand, DoState
from ..dofile.varlist import split_words
from ..errors import closest
from ..results import Results
from ..tables import ETable
from ..tables.render_csv import render_csv
from ..tables.render_rtf import render_rtf

__all__ = [
    "digits_of",
    "labels_of",
    "models",
    "pattern",
    "stars_of",
    "write_table",
]

#: esttab/etable statistic names -> vcereg.etable's
STAT_NAMES = {
    "N": "nobs", "r2": "r2", "r2_a": "r2_adj", "ar2": "r2_adj", "F": "f", "rmse": "rmse",
    "N_clust": "n_clusters", "p": "f_pvalue", "r2_w": "r2_within", "r2_within": "r2_within",
}  # fmt: skip
_FORMATS = {
    ".tex": "latex", ".rtf": "rtf", ".doc": "rtf", ".csv": "csv", ".html": "html",
    ".htm": "html", ".docx": "docx", ".xlsx": "xlsx", ".md": "markdown", ".txt": "text",
    ".smcl": "text", ".out": "text",
}  # fmt: skip


def models(cmd: DoCommand, state: DoState, names: Iterable[str]) -> tuple[list[Results], list[str]]:
    """Results (and their names) for a name list; ``*`` wildcards, ``.`` is the active
    model. With no names: the ``eststo`` list, else the active model."""
    wanted = list(names)
    if not wanted:
        if state.eststo:
            return [state.stored[n] for n in state.eststo], list(state.eststo)
        return [state.current(cmd)], ["."]
    out: list[Results] = []
    labels: list[str] = []
    for name in wanted:
        if name == ".":
            out.append(state.current(cmd))
            labels.append(".")
            continue
        regex = re.compile(pattern(name))
        hits = (
            [n for n in state.stored if regex.fullmatch(n)]
            if name != "_all"
            else list(state.stored)
        )
        if not hits:
            near = closest(name, state.stored)
            raise cmd.error(
                f"estimation result {name} not found",
                hint=f"did you mean {near!r}?"
                if near
                else "store it with eststo or estimates store",
            ).with_rc(111)
        for n in hits:
            out.append(state.stored[n])
            labels.append(n)
    return out, labels


def pattern(name: str) -> str:
    """A Stata wildcard name (``x*``, ``?.g``) as an anchored regular expression."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in name)
    return f"^{body}$"


def patterns(text: str | None) -> list[str] | None:
    """``keep(x* _cons)`` → regular expressions etable understands (exact names stay)."""
    if text is None:
        return None
    words = split_words(text.replace(",", " "))
    return [w if not any(c in w for c in "*?") else pattern(w) for w in words]


def labels_of(state: DoState, results: list[Results]) -> dict[str, str]:
    """Row labels from ``label variable`` (and a factor level's value label)."""
    meta = state.meta
    out = dict(meta.var_labels)
    for res in results:
        for term in res.terms:
            shown = res.display_names.get(term, term)
            m = re.fullmatch(r"(\d+)b?\.([A-Za-z_]\w*)", shown)
            if m is not None and m.group(2) in meta.label_of:
                table = meta.value_labels.get(meta.label_of[m.group(2)], {})
                text = table.get(float(m.group(1)))
                if text is not None:
                    out[shown] = text
    return out


def explicit_labels(text: str | None) -> dict[str, str]:
    """``varlabels(x "Label" _cons "Constant")`` → ``{x: Label, _cons: Constant}``."""
    if not text:
        return {}
    words = split_words(text)
    words = [w for w in words if not w.startswith(",")]
    return dict(zip(words[::2], words[1::2], strict=False))


def stars_of(cmd: DoCommand, text: str | None, default: dict[str, float]) -> dict[str, float]:
    """``star(* 0.10 ** 0.05 *** 0.01)`` → ``{"*": 0.10, ...}``."""
    if text is None:
        return default
    words = text.split()
    if len(words) % 2:
        raise cmd.error(
            "star(): expected symbol-threshold pairs, e.g. star(* 0.10 ** 0.05)"
        ).with_rc(198)
    try:
        return {s: float(t) for s, t in zip(words[::2], words[1::2], strict=True)}
    except ValueError:
        raise cmd.error(f"star(): thresholds must be numbers (got {text!r})").with_rc(198) from None


def digits_of(text: str | None, default: int) -> int:
    """Decimals from a format: ``3``, ``%9.3f``, ``a3`` (3 significant: shown as 3 decimals)."""
    if text is None or not text.strip():
        return default
    m = re.search(r"(?:%-?\d*\.(\d+)[fgec]|^a?(\d+)$)", text.strip())
    if m is None:
        return default
    return min(int(m.group(1) or m.group(2)), 12)


def write_table(
    cmd: DoCommand, state: DoState, table: ETable, name: str, *, replace: bool, append: bool,
    fmt: str | None = None,
) -> Path:  # fmt: skip
    """Write ``table`` to ``name`` in the allowed directory, in the format the extension
    (or ``fmt``) says; r(602) if the file exists without ``replace`` or ``append``."""
    path = state.path(cmd, name, write=True)
    kind = fmt or _FORMATS.get(path.suffix.lower())
    if kind is None:
        raise cmd.error(
            f"{cmd.word}: cannot tell the table format of {path.name!r}",
            hint="use .tex, .rtf, .csv, .html, .docx, .xlsx, .md or .txt",
        ).with_rc(198)
    if path.exists() and not (replace or append):
        raise cmd.error(f"file {path.name} already exists", hint="add , replace").with_rc(602)
    if kind in ("docx", "xlsx"):
        if append and path.exists():
            raise cmd.error(f"{cmd.word}: append is not possible for a {kind} file").with_rc(198)
        table.save(path, kind)
    else:
        text = _render(table, kind)
        if append and path.exists():
            text = path.read_text(encoding="utf-8") + "\n" + text
        path.write_text(text, encoding="utf-8")
    if path not in state.written:
        state.written.append(path)
    return path


def _render(table: ETable, kind: str) -> str:
    if kind == "rtf":
        return render_rtf(table.table)
    if kind == "csv":
        return render_csv(table.table)
    return table.render(kind)
