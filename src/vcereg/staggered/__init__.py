"""Difference-in-differences results: fitting a DiD spec, the result object, its tables,
summary and event-study plot (the estimators are in :mod:`vcereg.estimators.did`)."""

from __future__ import annotations

from .fit import fit_did
from .results import DidResults
from .tables import EffectTable

__all__ = ["DidResults", "EffectTable", "fit_did"]
