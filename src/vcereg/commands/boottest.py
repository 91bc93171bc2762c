"""``boottest``: the wild cluster bootstrap of one restriction after a fit
(:meth:`vcereg.Results.boottest`), with Stata's ``boottest`` options and default of 999
draws."""

from __future__ import annotations

import re

from ..dofile import DoCommand, DoState, register_command
from ..errors import closest

__all__: list[str] = []

_OPTION = re.compile(r"([A-Za-z_]\w*)\s*(?:\([^()]*\))?")
_BOOTTEST_OPTIONS = {"reps": 1, "seed": 4, "weighttype": 6, "nonull": 5, "level": 1, "cluster": 2}


def _boottest(cmd: DoCommand, state: DoState) -> object:
    """``boottest x1 [= x2], [reps(#) seed(#) weighttype(name) nonull level(#) cluster(v)]``;
    Stata's default of 999 draws."""
    for word in _OPTION.findall(cmd.options):
        known = [n for n, k in _BOOTTEST_OPTIONS.items() if n.startswith(word) and len(word) >= k]
        if not known:
            near = closest(word, _BOOTTEST_OPTIONS)
            raise cmd.error(
                f"boottest: option {word} not allowed; allowed: {', '.join(_BOOTTEST_OPTIONS)}",
                hint=f"did you mean {near}?" if near else None,
            )
    if not cmd.args:
        raise cmd.error("boottest: expected a coefficient or restriction, e.g. boottest x1")

    def number(name: str, default: int | None) -> int | None:
        raw = cmd.option(name, abbrev=_BOOTTEST_OPTIONS[name])
        if raw is None:
            return default
        if not raw.strip().isdigit():
            raise cmd.error(f"boottest: {name}() expects a non-negative integer (got {raw!r})")
        return int(raw)

    level = cmd.option("level", abbrev=1)
    return state.current(cmd).boottest(
        cmd.args,
        cluster=cmd.option("cluster", abbrev=2) or None,
        reps=number("reps", 999) or 999,
        weights=cmd.option("weighttype", abbrev=6) or "rademacher",
        seed=number("seed", None),
        null=cmd.option("nonull", abbrev=5) is None,
        level=float(level) if level else None,
    )


register_command("boottest", _boottest)
