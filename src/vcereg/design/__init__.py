"""From a model spec and a data frame to arrays.

:func:`build` (in :mod:`.build`, the only module of the package that imports formulaic)
turns a :class:`~vcereg.spec.ModelSpec` and data into a :class:`Design`; :mod:`.sample`
does the row accounting (``if``/``in``, missing values, weights, group codes) and
:mod:`.tsops` creates Stata's time-series operator columns.
"""

from __future__ import annotations

from .build import Design, build, categorical_levels, factor_levels, subset
from .rebuild import NewDesign, build_new, with_tsvars

__all__ = [
    "Design",
    "NewDesign",
    "build",
    "build_new",
    "categorical_levels",
    "factor_levels",
    "subset",
    "with_tsvars",
]
