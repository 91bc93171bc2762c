"""Stata's perfect-prediction rules for binary models (``logit``, ``probit``, ``cloglog``).

Before the likelihood is maximised, each regressor is checked on its own, as Stata does:

- the outcome must vary: otherwise Stata's r(2000), "outcome does not vary";
- **x != 0 predicts the outcome**: where a regressor is non-zero the outcome is all 0 (or
  all 1). Stata drops the regressor and those observations, with the note
  "x != 0 predicts failure perfectly; x omitted and N obs not used"; the estimates of the
  other coefficients are then those on the remaining observations;
- **x separates the outcome**: all outcomes 1 lie above (or below) all outcomes 0. The
  likelihood has no maximum; Stata stops with r(2000), "outcome = x > c predicts data
  perfectly", and so does this module.

The ``asis`` option skips the first rule (Stata's ``asis``). Separation by a combination
of regressors is not found here; the Newton iterations then fail to converge (or reach a
perfect fit) and say so. The fixed-effects estimators have their own, general detection.

>>> y = np.array([0.0, 0, 1, 1, 0, 1])
>>> x = np.column_stack([np.ones(6), [0.0, 0, 0, 0, 1, 1], [1.0, 3, 2, 5, 4, 0]])
>>> out = check_perfect_prediction(y, x, ("Intercept", "d", "z"), np.ones(3, bool), True)
>>> out.drop_rows.tolist(), out.drop_columns
([False, False, False, False, False, False], ())
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .._types import FloatArray
from ..errors import DataError

__all__ = ["PerfectPrediction", "check_perfect_prediction"]


@dataclass(frozen=True, slots=True)
class PerfectPrediction:
    """Rows and columns to drop, and the notes that say why (Stata's wording)."""

    drop_rows: NDArray[np.bool_]
    drop_columns: tuple[str, ...]
    notes: tuple[str, ...]


def _fmt(v: float) -> str:
    return f"{v:g}"


def check_perfect_prediction(
    y: FloatArray,
    x: FloatArray,
    terms: Sequence[str],
    keep: NDArray[np.bool_],
    has_intercept: bool,
    *,
    names: Sequence[str] | None = None,
    asis: bool = False,
) -> PerfectPrediction:
    """Apply Stata's rules to a 0/1 outcome ``y`` and regressors ``x`` (columns ``terms``,
    of which ``keep`` are estimated); ``names`` are the display names of the terms.

    Raises :class:`~vcereg.errors.DataError` where Stata stops with r(2000).
    """
    shown = list(names) if names is not None else list(terms)
    rows = np.zeros(len(y), dtype=bool)
    dropped: list[str] = []
    notes: list[str] = []
    if np.all(y == y[0]):
        raise DataError(
            "outcome does not vary (Stata's r(2000)): every observation has outcome "
            f"{'positive' if y[0] else '0'}; remember: 0 = negative outcome, all other "
            "nonmissing values = positive outcome"
        )
    changed = True
    while changed:
        changed = False
        live = ~rows
        every = bool(live.all())  # nothing dropped yet: columns as views, no row copies
        yl = y if every else y[live]
        success = yl != 0
        for j, term in enumerate(terms):
            if not keep[j] or term in dropped or term == "Intercept":
                continue
            col = x[:, j] if every else x[live, j]
            if np.all(col == col[0]):
                continue  # constant here: collinear with the intercept, handled elsewhere
            _separates(col, success, shown[j])
            nz = col != 0
            if asis or nz.all():
                continue
            outcomes = yl[nz]
            if np.all(outcomes == outcomes[0]):
                what = "success" if outcomes[0] else "failure"
                where = np.flatnonzero(live)[nz]
                rows[where] = True
                dropped.append(term)
                notes.append(
                    f"{shown[j]} != 0 predicts {what} perfectly; {shown[j]} omitted and "
                    f"{where.size} obs not used"
                )
                changed = True
                break
    if rows.all() or np.all(y[~rows] == y[~rows][0]):
        raise DataError(
            "outcome does not vary once the perfectly predicted observations are dropped "
            "(Stata's r(2000))"
        )
    return PerfectPrediction(rows, tuple(dropped), tuple(notes))


def _separates(col: FloatArray, success: NDArray[np.bool_], name: str) -> None:
    """Refuse a regressor whose values split the outcomes completely (no MLE exists)."""
    ones, zeros = col[success], col[~success]
    if not (ones.size and zeros.size):
        return  # one outcome left: the caller's r(2000) check says so
    lo1, hi1 = ones.min(), ones.max()
    lo0, hi0 = zeros.min(), zeros.max()
    if hi0 < lo1:
        cut = hi0
        rel = ">"
    elif hi1 < lo0:
        cut = hi1
        rel = "<="
    else:
        return
    raise DataError(
        f"outcome = {name} {rel} {_fmt(float(cut))} predicts data perfectly (Stata's r(2000)): "
        "the likelihood has no maximum",
        hint=f"drop {name} from the model, or model the outcome another way",
    )
