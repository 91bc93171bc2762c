"""Do-file commands ``test`` and ``lincom`` after an estimation command.

Registered in :mod:`vcereg.dofile`'s command registry when :mod:`vcereg.commands` is
imported (vcereg does so):

- ``test x1 = x2``, ``test x1 x2`` (each zero), ``test (x1 = 0) (x2 = 0)``: Stata's Wald
  test, see :meth:`vcereg.Results.test`;
- ``lincom x1 + 2*x2 [, level(#) or|irr|eform]``: see :meth:`vcereg.Results.lincom`.

As in Python, several restrictions may also be separated by commas
(``test x1 = 0, x2 = 0``); Stata reads the comma as the start of options, but ``test`` has
no option that contains ``=``, so the reading is unambiguous.

>>> import vcereg
>>> run = vcereg.run_do("reg G3 absences studytime\\ntest absences = studytime",
...                     vcereg.datasets.load("student-mat"))
>>> run.log[0][2].df
(1, 392.0)
"""

from __future__ import annotations

import re

from ..dofile import DoCommand, DoState, register_command
from ..postestimation.hypotheses import WaldResult

__all__: list[str] = []

_IGNORED = frozenset({"notest"})
_LEVEL = re.compile(r"\b(?:l|le|lev|leve|level)\s*\([^()]*\)", re.IGNORECASE)


def _test(cmd: DoCommand, state: DoState) -> WaldResult:
    res = state.current(cmd)
    text = cmd.args
    if "=" in cmd.options:
        text = f"{cmd.args}, {cmd.options}"
    elif cmd.options.strip() and cmd.options.strip().lower() not in _IGNORED:
        raise cmd.error(
            f"test: option {cmd.options.strip()!r} is not supported",
            hint="write the restrictions before any comma: test x1 = x2",
        )
    if not text.strip():
        raise cmd.error("test: expected restrictions, e.g. test x1 = x2")
    return res.test(text)


_EFORM = ("or", "irr", "eform", "hr", "rrr")


def _lincom(cmd: DoCommand, state: DoState) -> str:
    res = state.current(cmd)
    level = cmd.option("level", abbrev=1)
    rest = _LEVEL.sub("", cmd.options).strip()
    words = rest.lower().split()
    eform = bool(words) and all(w in _EFORM for w in words)  # lincom ..., or / irr / eform
    if rest and not eform:
        raise cmd.error(
            f"lincom: option {rest!r} is not supported; lincom takes level(#) and or, irr, "
            "eform, hr, rrr"
        )
    lev = None
    if level is not None:
        try:
            lev = float(level)
        except ValueError:
            raise cmd.error(f"lincom: level() must be a number (got {level!r})") from None
    if not cmd.args.strip():
        raise cmd.error("lincom: expected a linear combination, e.g. lincom x1 + x2")
    return res.lincom(cmd.args, level=lev, eform=eform).to_string()


register_command("test", _test, abbrev=2)
register_command("lincom", _lincom, abbrev=6)
