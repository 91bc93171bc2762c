"""``estat``: post-estimation statistics of the active model, by subcommand.

IV subcommands (:meth:`vcereg.Results.estat`): ``estat firststage`` (abbreviation
``first``), ``estat overid``, ``estat endogenous`` (``endog``); each returns the
DataFrame, which the run's log prints. Other modules add subcommands with
:func:`register_estat`, and subcommands after DiD estimates (``estat event`` ...) with
:func:`register_estat_did`.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ..dofile import DoCommand, DoState, register_command
from ..errors import VceregError
from ..results import Results
from ..staggered import DidResults

__all__ = ["register_estat", "register_estat_did"]

EstatHandler = Callable[[Results, DoCommand], object]
DidEstatHandler = Callable[[DidResults, DoCommand], object]
_SUBCOMMANDS: dict[str, tuple[int, EstatHandler]] = {}
_DID_SUBCOMMANDS: dict[str, tuple[int, DidEstatHandler]] = {}


def register_estat(name: str, handler: EstatHandler, *, abbrev: int | None = None) -> None:
    """Make ``estat <name>`` (abbreviated down to ``abbrev`` letters) available."""
    _SUBCOMMANDS[name] = (abbrev or len(name), handler)


def register_estat_did(name: str, handler: DidEstatHandler, *, abbrev: int | None = None) -> None:
    """Make ``estat <name>`` available after DiD estimates (csdid, jwdid, ...)."""
    _DID_SUBCOMMANDS[name] = (abbrev or len(name), handler)


def _iv(what: str) -> EstatHandler:
    def run(result: Results, cmd: DoCommand) -> pd.DataFrame:
        try:
            return result.estat(what)
        except VceregError as exc:
            raise cmd.error(f"estat {what}: {exc.message}") from None

    return run


register_estat("firststage", _iv("firststage"), abbrev=5)
register_estat("overid", _iv("overid"))
register_estat("endogenous", _iv("endogenous"), abbrev=5)


def _estat(cmd: DoCommand, state: DoState) -> object:
    words = cmd.args.split()
    sub = words[0].lower() if words else ""
    if state.did is not None and state.active is None:
        for name, (abbrev, did_handler) in _DID_SUBCOMMANDS.items():
            if sub == name or (abbrev <= len(sub) < len(name) and name.startswith(sub)):
                return did_handler(state.did, cmd)
        raise cmd.error(
            f"estat {sub or '(nothing)'} is not available after DiD estimates; expected one "
            "of: " + ", ".join(sorted(_DID_SUBCOMMANDS))
        )
    for name, (abbrev, handler) in _SUBCOMMANDS.items():
        if sub == name or (abbrev <= len(sub) < len(name) and name.startswith(sub)):
            return handler(state.current(cmd), cmd)
    raise cmd.error(
        f"estat {sub or '(nothing)'} is not available; expected one of: "
        + ", ".join(sorted(_SUBCOMMANDS))
    )


register_command("estat", _estat)
