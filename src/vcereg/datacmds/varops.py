"""``keep``, ``drop``, ``rename``, ``order``, ``sort``, ``gsort`` and ``clonevar``
([D] drop, [D] rename, [D] order, [D] sort, [D] gsort, [D] clonevar).

``drop``/``keep`` take a varlist, or ``if``/``in`` (rows), with ``by``: ``by g: keep if
_n == 1``. ``sort`` puts missing values last and ``""`` first; ties keep their order (as
``sort, stable``). ``gsort -x`` sorts descending with missing values still last unless
``mfirst``.
"""

from __future__ import annotations

import re

import numpy as np

from ..dofile import DoCommand, DoState, register_command
from ..dofile.frame import sort_order
from ..dofile.varlist import expand_varlist
from ._common import groups, new_name, parts, row_mask

__all__: list[str] = []


def _cols(state: DoState) -> list[str]:
    return [str(c) for c in state.data.columns]


def _rows(cmd: DoCommand, state: DoState, keep: bool) -> str:
    cmd.check_options(())
    p = parts(cmd)
    if p.main:
        raise cmd.error(f"{cmd.word}: give a varlist or if/in, not both").with_rc(198)
    mask = row_mask(state, p, groups(state, cmd))
    kept = mask if keep else ~mask
    dropped = int((~kept).sum())
    state.take_rows(np.flatnonzero(kept))
    return f"({dropped} observation{'s' * (dropped != 1)} deleted)"


def _vars(cmd: DoCommand, state: DoState, keep: bool) -> None:
    if cmd.by:
        raise cmd.error(f"{cmd.word} varlist may not be combined with by").with_rc(190)
    names = expand_varlist(cmd.args, _cols(state))
    gone = [c for c in _cols(state) if (c in names) != keep]
    state.data = state.data.drop(columns=gone)
    state.meta.drop(gone)


def _drop(cmd: DoCommand, state: DoState) -> str | None:
    if re.match(r"\s*(if|in)\b", cmd.args):
        return _rows(cmd, state, keep=False)
    if not cmd.args.strip():
        raise cmd.error("varlist required").with_rc(100)
    _vars(cmd, state, keep=False)
    return None


def _keep(cmd: DoCommand, state: DoState) -> str | None:
    if re.match(r"\s*(if|in)\b", cmd.args):
        return _rows(cmd, state, keep=True)
    if not cmd.args.strip():
        raise cmd.error("varlist required").with_rc(100)
    _vars(cmd, state, keep=True)
    return None


def _rename(cmd: DoCommand, state: DoState) -> None:
    text = cmd.args.strip()
    m = re.fullmatch(r"\(([^()]*)\)\s*\(([^()]*)\)", text)
    olds, news = (
        (m.group(1).split(), m.group(2).split()) if m else (text.split()[:1], text.split()[1:])
    )
    if len(olds) != len(news) or not olds:
        raise cmd.error("expected rename old new, or rename (old1 old2) (new1 new2)").with_rc(198)
    cols = _cols(state)
    olds = [expand_varlist([o], cols)[0] for o in olds]
    mapping = dict(zip(olds, news, strict=True))
    for old, new in mapping.items():
        if new != old and new not in olds:
            new_name(state, cmd, new)
    state.data = state.data.rename(columns=mapping)
    for old, new in mapping.items():
        state.meta.rename(old, f"\0{new}")
    for new in mapping.values():
        state.meta.rename(f"\0{new}", new)


def _order(cmd: DoCommand, state: DoState) -> None:
    cmd.check_options(("first", "last", "after", "before", "alphabetic"))
    cols = _cols(state)
    names = expand_varlist(cmd.args, cols)
    if cmd.option("alphabetic", abbrev=5) is not None:
        names = sorted(names)
    rest = [c for c in cols if c not in names]
    anchor = cmd.option("after") or cmd.option("before")
    if cmd.option("last") is not None:
        new = rest + names
    elif anchor:
        target = expand_varlist([anchor], cols)[0]
        if target in names:
            raise cmd.error(f"{target} is in the varlist being moved").with_rc(198)
        at = rest.index(target) + (cmd.option("after") is not None)
        new = rest[:at] + names + rest[at:]
    else:
        new = names + rest
    state.data = state.data[new]


def _sort(cmd: DoCommand, state: DoState) -> None:
    cmd.check_options(("stable",))  # vcereg's sort is always stable
    p = parts(cmd)
    names = expand_varlist(p.main, _cols(state))
    if not names:
        raise cmd.error("varlist required").with_rc(100)
    if p.in_ is not None:
        raise cmd.error("sort ... in is not supported").with_rc(198)
    state.take_rows(sort_order(state.data, state.meta, names))
    state.meta.sortedby = tuple(names)


def _gsort(cmd: DoCommand, state: DoState) -> None:
    cmd.check_options(("mfirst",))
    names: list[str] = []
    desc: list[bool] = []
    for word in cmd.args.split():
        sign, name = (word[0], word[1:]) if word[0] in "+-" else ("+", word)
        names.extend(expand_varlist([name], _cols(state)))
        desc.extend([sign == "-"] * (len(names) - len(desc)))
    if not names:
        raise cmd.error("varlist required").with_rc(100)
    order = sort_order(state.data, state.meta, names, desc)
    if cmd.option("mfirst", abbrev=2) is not None:  # descending: missing values first
        data = state.data.iloc[order]
        na = np.zeros(len(order), bool)
        for name, d in zip(names, desc, strict=True):
            if d:
                na |= data[name].isna().to_numpy(dtype=bool)
                break
        order = np.concatenate([order[na], order[~na]])
    state.take_rows(order)
    state.meta.sortedby = () if any(desc) else tuple(names)


def _clonevar(cmd: DoCommand, state: DoState) -> None:
    m = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*=\s*(\S+)\s*", cmd.args)
    if m is None:
        raise cmd.error("expected clonevar newvar = oldvar").with_rc(198)
    new = new_name(state, cmd, m.group(1))
    old = expand_varlist([m.group(2)], _cols(state))[0]
    state.data[new] = state.data[old].copy()
    meta = state.meta
    for table in (meta.var_labels, meta.label_of, meta.types):
        if old in table:
            table[new] = table[old]  # type: ignore[index]
    if old in meta.missing:
        meta.missing[new] = meta.missing[old].copy()


register_command("drop", _drop, byable=True)
register_command("keep", _keep, byable=True)
register_command("rename", _rename, abbrev=3)
register_command("order", _order)
register_command("sort", _sort, abbrev=2)
register_command("gsort", _gsort)
register_command("clonevar", _clonevar)
