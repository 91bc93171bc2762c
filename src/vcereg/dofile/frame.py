"""What a do-file run knows about its data beyond the pandas frame, and Stata's sort order.

:class:`DataMeta` travels with the run's copy of the data: extended missing values
(``.a``-``.z``; the frame holds NaN there), variable labels, value labels and which variable
uses which, declared storage types (``str10``, ``byte``...) and the sort order.

Sorting follows [D] sort: numbers ascending with missing values last
(``. < .a < ... < .z``), strings in byte order with ``""`` first. Ties keep their previous
order (Stata's own order of ties is random unless ``sort, stable``): vcereg is always
stable, and says so where a result depends on it (:func:`order_warning`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..dsl.expr_values import Groups

__all__ = ["DataMeta", "groups_of", "is_sorted", "sort_keys", "sort_order"]

Arr = npt.NDArray[Any]


@dataclass
class DataMeta:
    """Labels, storage types, extended missing codes and sort order of the run's data."""

    missing: dict[str, npt.NDArray[np.int8]] = field(default_factory=dict)
    var_labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[float, str]] = field(default_factory=dict)
    label_of: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    sortedby: tuple[str, ...] = ()

    @classmethod
    def from_attrs(cls, data: pd.DataFrame) -> DataMeta:
        """Labels a Stata file brought along (``vcereg.io.read`` keeps them in ``attrs``)."""
        meta = cls()
        labels = data.attrs.get("labels") or {}
        meta.var_labels = {str(k): str(v) for k, v in labels.items() if v}
        return meta

    def copy(self) -> DataMeta:
        return DataMeta(
            {k: v.copy() for k, v in self.missing.items()},
            dict(self.var_labels),
            {k: dict(v) for k, v in self.value_labels.items()},
            dict(self.label_of),
            dict(self.types),
            self.sortedby,
        )

    def take(self, pos: npt.NDArray[np.intp]) -> None:
        """Keep (and reorder) rows: ``pos`` are positions into the current rows."""
        self.missing = {k: v[pos] for k, v in self.missing.items()}

    def rename(self, old: str, new: str) -> None:
        for table in (self.missing, self.var_labels, self.label_of, self.types):
            if old in table:
                table[new] = table.pop(old)  # type: ignore[assignment]
        self.sortedby = tuple(new if v == old else v for v in self.sortedby)

    def drop(self, names: Iterable[str]) -> None:
        gone = set(names)
        for table in (self.missing, self.var_labels, self.label_of, self.types):
            for name in gone & set(table):
                del table[name]  # type: ignore[attr-defined]
        if gone & set(self.sortedby):  # [D] sort: dropping a sort variable ends the order
            self.sortedby = self.sortedby[
                : min(self.sortedby.index(v) for v in gone & set(self.sortedby))
            ]

    def codes(self, name: str, n: int) -> npt.NDArray[np.int8]:
        """Extended missing codes of ``name`` (0 for ``.``), zeros when it has none."""
        return self.missing.get(name, np.zeros(n, dtype=np.int8))


def sort_keys(data: pd.DataFrame, meta: DataMeta, name: str, descending: bool = False) -> list[Arr]:
    """Arrays whose lexicographic order is Stata's order of column ``name``
    (most significant last, as :func:`numpy.lexsort` wants them)."""
    s = data[name]
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        x = s.to_numpy(dtype=float, na_value=np.nan)
        na = np.isnan(x)
        rank = np.where(na, 1 + meta.codes(name, len(x)).astype(np.int64), 0)
        value = np.where(na, 0.0, x)
        if descending:  # gsort -x: largest first, missing values still last ([D] gsort)
            return [-value, np.where(na, 28 - rank, 0), na]
        return [value, rank]
    if pd.api.types.is_bool_dtype(s.dtype):
        flags = s.to_numpy(dtype=float, na_value=np.nan)
        return [-flags if descending else flags]
    text = s.astype(object).where(s.notna(), "").astype(str).to_numpy()
    codes = np.unique(text, return_inverse=True)[1]
    return [-codes if descending else codes]


def sort_order(
    data: pd.DataFrame, meta: DataMeta, names: Sequence[str], descending: Sequence[bool] = ()
) -> npt.NDArray[np.intp]:
    """Row positions in Stata's (stable) order of the columns ``names``."""
    keys: list[Arr] = []
    flags = list(descending) or [False] * len(names)
    for name, desc in reversed(list(zip(names, flags, strict=True))):
        keys.extend(sort_keys(data, meta, name, desc))
    if not keys:
        return np.arange(len(data))
    keys.insert(0, np.arange(len(data)))  # ties keep their order
    return np.lexsort(keys)


def _changes(data: pd.DataFrame, meta: DataMeta, names: Sequence[str]) -> npt.NDArray[np.bool_]:
    """True where a row's values of ``names`` differ from the previous row's."""
    n = len(data)
    new = np.zeros(n, dtype=bool)
    if n:
        new[0] = True
    for name in names:
        for key in sort_keys(data, meta, name):
            k = np.asarray(key)
            new[1:] |= k[1:] != k[:-1]
    return new


def groups_of(data: pd.DataFrame, meta: DataMeta, names: Sequence[str]) -> Groups:
    """The ``by`` groups of data already sorted by ``names``."""
    if not names:
        return Groups.whole(len(data))
    return Groups.from_keys(_changes(data, meta, names))


def is_sorted(data: pd.DataFrame, meta: DataMeta, names: Sequence[str]) -> bool:
    """Is the data in Stata's order of ``names`` (ties in any order)?"""
    if len(data) < 2 or not names:
        return True
    order = sort_order(data, meta, names)
    keys = [k for name in names for k in sort_keys(data, meta, name)]
    return all(np.array_equal(np.asarray(k)[order], np.asarray(k)) for k in keys)


def ties_within(data: pd.DataFrame, meta: DataMeta, names: Sequence[str]) -> bool:
    """Do two consecutive rows share every value of ``names`` (data sorted by them)?"""
    if len(data) < 2:
        return False
    return not bool(_changes(data, meta, names)[1:].all())
