"""The model-string language: ``"y ~ x | fe(id) | vce(cluster id)"`` → a frozen spec.

:mod:`.grammar` splits a string into its sections and builds the
:class:`~vcereg.spec.ModelSpec`; :mod:`.expr` and :mod:`.expr_parse` are the small
expression language of ``if()`` filters; :mod:`.safety` is the whitelist that formula
code must pass in safe mode.
"""

from __future__ import annotations

from .grammar import SECTIONS, parse, parse_vce, split_top_level, unparse

__all__ = ["SECTIONS", "parse", "parse_vce", "split_top_level", "unparse"]
