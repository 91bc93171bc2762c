"""Stata's data commands for do-files, one module per family, registered with
:func:`vcereg.dofile.register_command` when imported (see :mod:`vcereg.dofile`).

They work on the run's copy of the data (``DoState.data``), never on the caller's frame,
with Stata's semantics (:mod:`vcereg.datacmds._common`: storage types, qualifiers).
"""

from __future__ import annotations

from . import convert, egen, files, generate, labels, summary, varops

__all__ = ["convert", "egen", "files", "generate", "labels", "summary", "varops"]
