"""Estimators: each turns a :class:`~vcereg.design.Design` into a :class:`Fit`."""

from __future__ import annotations

from .fe import AbsorbedFit, fit_absorbed
from .iv import FirstStage, fit_iv
from .ols import Fit, fit_ols

__all__ = ["AbsorbedFit", "FirstStage", "Fit", "fit_absorbed", "fit_iv", "fit_ols"]
