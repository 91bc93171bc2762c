"""Run a Stata do-file: the data step, estimation commands and the tables after them.

:func:`run_do` is the entry point (:mod:`vcereg.dofile.runner`); commands are found in a
registry (:mod:`vcereg.dofile.registry`) that :mod:`vcereg.datacmds` (data commands) and
:mod:`vcereg.commands` (post-estimation and table commands) fill when imported. The run's
state is a :class:`DoState`, its outcome a :class:`DoRun` (:mod:`vcereg.dofile.state`).
"""

from __future__ import annotations

from .frame import DataMeta
from .registry import (
    DoCommand,
    Handler,
    is_byable,
    is_registered,
    lookup,
    register_command,
    registered_commands,
    unregister_command,
)
from .runner import run_do
from .state import DoRun, DoState

__all__ = [
    "DataMeta",
    "DoCommand",
    "DoRun",
    "DoState",
    "Handler",
    "is_byable",
    "is_registered",
    "lookup",
    "register_command",
    "registered_commands",
    "run_do",
    "unregister_command",
]
