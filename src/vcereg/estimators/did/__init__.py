"""Difference-in-differences estimators for staggered adoption (see docs/did.md)."""

from __future__ import annotations

from .aggregate import AggKind, Aggregate, aggregate, cohort_shares
from .cs import Control, GroupTime, att_gt
from .influence import Multiplier, if_cov, multiplier_bootstrap
from .panel import StaggeredPanel, make_panel

__all__ = [
    "AggKind",
    "Aggregate",
    "Control",
    "GroupTime",
    "Multiplier",
    "StaggeredPanel",
    "aggregate",
    "att_gt",
    "cohort_shares",
    "if_cov",
    "make_panel",
    "multiplier_bootstrap",
]
