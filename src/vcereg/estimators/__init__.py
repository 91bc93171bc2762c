"""Estimators: each turns a :class:`~vcereg.design.Design` into a :class:`Fit`."""

from __future__ import annotations

from .ols import Fit, fit_ols

__all__ = ["Fit", "fit_ols"]
