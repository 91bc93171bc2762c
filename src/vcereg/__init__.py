"""vcereg: Stata-style regression with honest standard errors, and tables for papers."""

from __future__ import annotations

__version__ = "0.1.0"
