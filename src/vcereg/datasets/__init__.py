"""Small example data sets shipped with the package.

>>> d = load("student-mat")
>>> d.shape
(395, 33)
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

from .._lazy import lazy_import
from ..errors import DataError, closest

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_import("pandas")  # the command line's help lists the names without pandas

__all__ = ["available", "load", "path"]

_FILES = {"student-mat": ("student-mat.csv", ";"), "grunfeld": ("grunfeld.csv", ",")}


def available() -> tuple[str, ...]:
    """Names of the bundled data sets."""
    return tuple(_FILES)


def path(name: str) -> str:
    """Filesystem path of a bundled data set's file."""
    if name not in _FILES:
        near = closest(name, _FILES)
        raise DataError(
            f"no bundled data set {name!r}; available: {', '.join(_FILES)}",
            hint=f"did you mean {near!r}?" if near else None,
        )
    return str(resources.files(__package__).joinpath(_FILES[name][0]))


def load(name: str) -> pd.DataFrame:
    """Load a bundled data set as a new DataFrame.

    ``student-mat``: UCI Student Performance, Math course (Cortez & Silva 2008), 395 students
    of two Portuguese schools (GP, MS); outcome G3 (final grade, 0-20) and absences.
    ``grunfeld``: Grunfeld (1950) investment panel, 11 firms x 20 years (1935-1954):
    invest, value, capital, firm, year (statsmodels' public-domain copy; Stata's
    ``grunfeld.dta`` has the first 10 firms, without "American Steel").
    """
    file = path(name)
    return pd.read_csv(file, sep=_FILES[name][1])
