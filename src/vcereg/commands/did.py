"""``estat`` after DiD estimates, as ``csdid`` and ``jwdid`` have them.

=====================  ======================================================================
``estat simple``       the overall ATT
``estat event``        the event study, with ``window(lo hi)`` to restrict event times
``estat group``        effects by cohort
``estat calendar``     effects by period
``estat pretrend``     joint test that the pre-treatment estimates are zero
``estat all``          every table the estimator has
=====================  ======================================================================

Each prints a table (estimate, std. err., z/t, p, interval; the event study also the
uniform band).
"""

from __future__ import annotations

import pandas as pd

from ..dofile import DoCommand
from ..errors import VceregError
from ..staggered import DidResults
from .estat import register_estat_did

__all__: list[str] = []


def _table(kind: str) -> object:
    def run(result: DidResults, cmd: DoCommand) -> pd.DataFrame:
        try:
            if kind == "dynamic":
                es = result.event_study()
                window = cmd.option("window")
                if window:
                    lo, hi = (float(v) for v in window.split())
                    es = es[(es.index >= lo) & (es.index <= hi)]
                return es
            return result.aggregate(kind).tidy()
        except (VceregError, ValueError) as exc:
            msg = exc.message if isinstance(exc, VceregError) else str(exc)
            raise cmd.error(f"estat {cmd.args.split()[0]}: {msg}") from None

    return run


def _pretrend(result: DidResults, cmd: DoCommand) -> object:
    try:
        return result.pretrend()
    except VceregError as exc:
        raise cmd.error(f"estat pretrend: {exc.message}") from None


def _all(result: DidResults, cmd: DoCommand) -> object:
    return "\n\n".join(
        f"{kind}:\n{result.aggregate(kind).tidy().to_string()}" for kind in result.tables
    )


register_estat_did("simple", _table("simple"))  # type: ignore[arg-type]
register_estat_did("event", _table("dynamic"))  # type: ignore[arg-type]
register_estat_did("group", _table("group"))  # type: ignore[arg-type]
register_estat_did("calendar", _table("calendar"))  # type: ignore[arg-type]
register_estat_did("pretrend", _pretrend, abbrev=3)
register_estat_did("all", _all)
