"""Estimators: each turns a :class:`~vcereg.design.Design` into a :class:`Fit`."""

from __future__ import annotations

from .iv import FirstStage, fit_iv
from .ols import Fit, fit_ols

__all__ = ["FirstStage", "Fit", "fit_iv", "fit_ols"]
