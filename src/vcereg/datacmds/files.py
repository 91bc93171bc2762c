"""Data in and out of a do-file: ``use``, ``import delimited``, ``import excel``, ``merge``,
``append``, ``save`` and ``export delimited`` ([D] use, [D] import delimited, [D] merge,
[D] save).

Every path goes through :meth:`vcereg.dofile.DoState.path`: file access is refused unless
the caller allowed a directory, and paths outside it are refused. ``tempfile`` names are
kept in memory and need no file access. ``import delimited`` lowercases variable names as
Stata does (``case(preserve)`` keeps them). ``merge`` checks that the keys identify rows
as ``1:1``/``m:1``/``1:m`` promise (r(459) otherwise), matches missing keys to missing
keys as Stata does, keeps the master's values of shared variables, and adds ``_merge``
(1 master only, 2 using only, 3 matched) unless ``nogenerate``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import io
from ..dofile import DataMeta, DoCommand, DoState, register_command
from ..dofile.frame import sort_order
from ..dofile.varlist import expand_varlist, split_words
from ..errors import DataError
from ._common import parts, row_mask

__all__: list[str] = []

_MEMORY = "__tempfile__/"


def _memory(state: DoState) -> dict[str, tuple[pd.DataFrame, DataMeta]]:
    return state.memfiles


def _split_using(cmd: DoCommand) -> tuple[str, str]:
    """(text before ``using``, the file name after it)."""
    m = re.search(r"(?:^|\s)using\s+(\"[^\"]*\"|\S+)", cmd.args)
    if m is None:
        return cmd.args, ""
    return cmd.args[: m.start()].strip(), m.group(1).strip('"')


def _read(
    state: DoState,
    cmd: DoCommand,
    name: str,
    sep: str | None = None,
    sheet: str | int | None = None,
) -> tuple[pd.DataFrame, DataMeta]:
    if name.startswith(_MEMORY):
        if name not in _memory(state):
            raise cmd.error(f"file {name} not found").with_rc(601)
        data, meta = _memory(state)[name]
        return data.copy(), meta.copy()
    path = state.path(cmd, name)
    if not path.is_file() and not Path(name).suffix:
        path = state.path(cmd, name, suffix=".dta")
    if not path.is_file():
        raise cmd.error(f"file {path.name} not found").with_rc(601)
    frame = io.read(path, sep=sep, sheet=sheet)
    meta = DataMeta.from_attrs(frame)
    for label_name, table in (frame.attrs.get("value_labels") or {}).items():
        meta.value_labels[str(label_name)] = {float(k): str(v) for k, v in table.items()}
    return frame.reset_index(drop=True), meta


def _use(cmd: DoCommand, state: DoState) -> None:
    cmd.check_options(("clear", "nolabel"))
    head, using = _split_using(cmd)
    if not using:
        using, head = (split_words(cmd.args) or [""])[0], ""
    data, meta = _read(state, cmd, using)
    if head:  # use varlist [if] [in] using file
        p = parts(cmd, head)
        keep = (
            expand_varlist(p.main, [str(c) for c in data.columns]) if p.main else list(data.columns)
        )
        tmp = DoState(data=data, meta=meta, files=state.files)
        rows = row_mask(tmp, p)
        data, meta = data.loc[rows, keep].reset_index(drop=True), meta
        meta.take(np.flatnonzero(rows))
        meta.drop([c for c in meta.types if c not in keep])
    state.data, state.meta = data, meta


def _import(cmd: DoCommand, state: DoState) -> None:
    words = cmd.args.split(None, 1)
    kind = words[0] if words else ""
    rest = words[1] if len(words) > 1 else ""
    name = re.sub(r"^using\s+", "", rest).strip()
    name = (split_words(name) or [""])[0]
    cmd.check_options(("clear", "delimiters", "case", "varnames", "encoding", "sheet", "firstrow"))
    if (cmd.option("varnames") or "1").strip() != "1":
        raise cmd.error("import: only varnames(1), names in the first row, is supported")
    if (cmd.option("encoding") or "utf-8").strip().strip('"').lower() not in ("utf-8", "utf8"):
        raise cmd.error("import: only UTF-8 files are supported (encoding())")
    if kind.startswith("delim"):
        sep = cmd.option("delimiters", abbrev=5)
        sep = split_words(sep)[0] if sep else None
        sep = "\t" if sep == "tab" else sep
        frame, meta = _read(state, cmd, name, sep=sep)
        if (cmd.option("case") or "lower").strip() == "lower":
            frame.columns = [str(c).lower() for c in frame.columns]
    elif kind == "excel":
        if cmd.option("firstrow") is None:
            raise cmd.error(
                "import excel: add firstrow (columns named A, B, ... are not supported)"
            )
        sheet = cmd.option("sheet")
        frame, meta = _read(state, cmd, name, sheet=split_words(sheet)[0] if sheet else 0)
    else:
        raise cmd.error(f"import {kind}: only import delimited and import excel are supported")
    state.data, state.meta = frame, meta


def _save(cmd: DoCommand, state: DoState) -> str:
    name = (split_words(cmd.args) or [""])[0]
    if name.startswith(_MEMORY):
        _memory(state)[name] = (state.data.copy(), state.meta.copy())
        return f"file {name} saved"
    path = state.path(cmd, name, write=True, suffix=".dta")
    if path.exists() and cmd.option("replace") is None:
        raise cmd.error(f"file {path.name} already exists", hint="add , replace").with_rc(602)
    if not len(state.data.columns):
        raise cmd.error("no variables defined").with_rc(111)
    try:
        _write(state.data, path, state.meta)
    except (ValueError, OSError) as exc:  # what the writer could not store, said as such
        raise DataError(f"save: cannot write {path.name}: {exc}").with_rc(603) from None
    state.written.append(path)
    return f"file {path.name} saved"


def _write(data: pd.DataFrame, path: Path, meta: DataMeta) -> None:
    suffix = path.suffix.lower()
    if suffix == ".dta":
        labels = {k: v[:80] for k, v in meta.var_labels.items() if k in data.columns}
        data.to_stata(path, write_index=False, variable_labels=labels, version=118)
    elif suffix in (".csv", ".txt", ".tsv"):
        data.to_csv(path, index=False, sep="\t" if suffix == ".tsv" else ",")
    elif suffix == ".parquet":
        data.to_parquet(path, index=False)
    else:
        raise DataError(
            f"save: cannot write {path.name!r}", hint="use .dta, .csv, .tsv, .txt or .parquet"
        ).with_rc(198)


def _export(cmd: DoCommand, state: DoState) -> str:
    words = cmd.args.split(None, 1)
    if not words or not words[0].startswith("delim"):
        raise cmd.error("export: only export delimited is supported")
    sub = DoCommand(cmd.word, words[1] if len(words) > 1 else "", cmd.options, cmd.line, cmd.lineno)
    head, using = _split_using(sub)
    cols = [str(c) for c in state.data.columns]
    names = expand_varlist(head, cols) if head else cols
    path = state.path(cmd, using or head, write=True, suffix=".csv")
    if path.exists() and cmd.option("replace") is None:
        raise cmd.error(f"file {path.name} already exists", hint="add , replace").with_rc(602)
    try:
        state.data[names].to_csv(path, index=False)
    except OSError as exc:
        raise DataError(f"export: cannot write {path.name}: {exc}").with_rc(603) from None
    state.written.append(path)
    return f"file {path.name} saved"


def _keys_unique(data: pd.DataFrame, keys: list[str]) -> bool:
    return not data.duplicated(subset=keys).any()


_MERGE_CODES = {"master": 1, "using": 2, "match": 3, "matched": 3, "1": 1, "2": 2, "3": 3}


def _results(cmd: DoCommand, text: str) -> list[int]:
    """``keep(master match)`` / ``assert(match)`` words as ``_merge`` codes (abbreviable)."""
    out = []
    for word in text.split():
        code = next(
            (
                c
                for w, c in _MERGE_CODES.items()
                if w.startswith(word) and len(word) >= min(3, len(w))
            ),
            None,
        )
        if code is None:
            raise cmd.error(f"merge: {word!r} is not master, using or match").with_rc(198)
        out.append(code)
    return out


def _merge(cmd: DoCommand, state: DoState) -> str:
    m = re.fullmatch(r"\s*(1:1|m:1|1:m|m:m)\s+(.+?)\s+using\s+(\"[^\"]*\"|\S+)\s*", cmd.args)
    if m is None:
        raise cmd.error("expected merge 1:1|m:1|1:m varlist using filename").with_rc(198)
    how, keyspec, name = m.group(1), m.group(2), m.group(3).strip('"')
    cmd.check_options(("keep", "keepusing", "generate", "nogenerate", "noreport", "assert"))
    if how == "m:m":
        raise cmd.error("merge m:m is refused: it pairs rows by their order, rarely what is meant",
                        hint="use joinby or a 1:m/m:1 merge").with_rc(198)  # fmt: skip
    master = state.data.reset_index(drop=True)
    keys = expand_varlist(keyspec, [str(c) for c in master.columns])
    using, umeta = _read(state, cmd, name)
    missing_keys = [k for k in keys if k not in using.columns]
    if missing_keys:
        raise cmd.error(f"variable {missing_keys[0]} not found in the using data").with_rc(111)
    keepusing = cmd.option("keepusing", abbrev=5)
    if keepusing:
        using = using[
            [*keys, *expand_varlist(keepusing, [c for c in using.columns if c not in keys])]
        ]
    if how[0] == "1" and not _keys_unique(master, keys):
        raise cmd.error(
            f"variables {' '.join(keys)} do not uniquely identify observations in the master data"
        ).with_rc(459)
    if how[2] == "1" and not _keys_unique(using, keys):
        raise cmd.error(
            f"variables {' '.join(keys)} do not uniquely identify observations in the using data"
        ).with_rc(459)
    shared = [c for c in using.columns if c in master.columns and c not in keys]
    using = using.drop(columns=shared)
    master = master.assign(_vcereg_master=np.arange(len(master)))
    merged = master.merge(using.assign(_vcereg_using=1), on=keys, how="outer", sort=False)
    in_master = merged["_vcereg_master"].notna().to_numpy()
    merged["_vcereg_pos"] = merged["_vcereg_master"].fillna(-1).astype(np.int64)
    in_using = merged["_vcereg_using"].notna().to_numpy()
    code = np.where(in_master & in_using, 3, np.where(in_master, 1, 2))
    merged = merged.drop(columns=["_vcereg_master", "_vcereg_using"])
    gen = cmd.option("generate", abbrev=3) or "_merge"
    if cmd.option("nogenerate", abbrev=5) is None:
        if gen in merged.columns:
            raise cmd.error(f"variable {gen} already defined").with_rc(110)
        merged[gen] = pd.Series(code).astype("Int8")
    if (expect := cmd.option("assert")) is not None:
        bad = int((~np.isin(code, _results(cmd, expect))).sum())
        if bad:
            raise cmd.error(
                f"merge: assertion {expect!r} is false for {bad} observation(s)"
            ).with_rc(9)
    keep = cmd.option("keep")
    rows = np.isin(code, _results(cmd, keep)) if keep else np.ones(len(merged), bool)
    meta = state.meta
    pos = merged["_vcereg_pos"].to_numpy()
    merged = merged.drop(columns=["_vcereg_pos"]).loc[rows].reset_index(drop=True)
    for name, old in list(meta.missing.items()):  # master rows keep their .a-.z codes
        codes = np.where(pos >= 0, old[np.maximum(pos, 0)], 0).astype(np.int8)
        meta.missing[name] = codes[rows]
    for k, v in umeta.var_labels.items():
        meta.var_labels.setdefault(k, v)
    state.data, state.meta = merged, meta
    state.take_rows(sort_order(merged, meta, keys))
    meta.sortedby = tuple(keys)
    counts = np.bincount(code[rows], minlength=4)
    if gen in state.data.columns:
        meta.value_labels.setdefault(
            "_merge", {1.0: "master only (1)", 2.0: "using only (2)", 3.0: "matched (3)"}
        )
        meta.label_of[gen] = "_merge"
    return (
        f"    Result                      Number of obs\n"
        f"    not matched             {counts[1] + counts[2]:>17,}\n"
        f"        from master         {counts[1]:>17,}  (_merge==1)\n"
        f"        from using          {counts[2]:>17,}  (_merge==2)\n"
        f"    matched                 {counts[3]:>17,}  (_merge==3)"
    )


def _append(cmd: DoCommand, state: DoState) -> None:
    _, name = _split_using(cmd)
    if not name:
        raise cmd.error("expected append using filename").with_rc(198)
    other, _ = _read(state, cmd, name)
    n = len(state.data)
    state.data = pd.concat([state.data.reset_index(drop=True), other], ignore_index=True)
    for name, codes in list(state.meta.missing.items()):  # appended rows: plain missing
        state.meta.missing[name] = np.concatenate([codes, np.zeros(len(state.data) - n, np.int8)])


register_command("use", _use)
register_command("import", _import, abbrev=3)
register_command("save", _save, abbrev=4)
register_command("export", _export, abbrev=3)
register_command("merge", _merge)
register_command("append", _append)
