"""Do-file commands beyond estimation, one module each, registered with
:func:`vcereg.dofile.register_command` when imported (see :mod:`vcereg.dofile`)."""

from __future__ import annotations

from . import (
    boottest,
    describe,
    did,
    estat,
    estat_ic,
    estimates,
    eststo,
    esttab,
    etable_cmd,
    hausman,
    hypotheses,
    margins,
    outreg2,
    predict,
)

__all__ = [
    "boottest",
    "describe",
    "did",
    "estat",
    "estat_ic",
    "estimates",
    "eststo",
    "esttab",
    "etable_cmd",
    "hausman",
    "hypotheses",
    "margins",
    "outreg2",
    "predict",
]
