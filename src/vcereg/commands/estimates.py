"""``estimates store|restore|replay|dir|clear``: keep fits by name within a do-file run."""

from __future__ import annotations

from ..dofile import DoCommand, DoState, register_command
from ..errors import closest
from ..stata_lang.syntax import WORD

__all__: list[str] = []

_EST_SUB = {"store": 3, "restore": 1, "dir": 3, "replay": 3, "clear": 5}


def _estimates(cmd: DoCommand, state: DoState) -> object:
    words = cmd.args.split()
    if not words:
        raise cmd.error("estimates: expected store, restore, dir, replay or clear")
    sub = next(
        (s for s, k in _EST_SUB.items() if s.startswith(words[0]) and len(words[0]) >= k), None
    )
    if sub is None:
        raise cmd.error(
            f"estimates {words[0]}: not supported; expected store, restore, dir, replay or clear"
        )
    if sub == "store":
        if len(words) != 2 or not WORD.fullmatch(words[1]):
            raise cmd.error("expected estimates store NAME")
        state.stored[words[1]] = state.current(cmd)
        return None
    if sub == "clear":
        state.stored.clear()
        state.active = None
        return None
    if sub == "dir":
        return "\n".join(f"{k}: {r.depvar} ({r.vce_label})" for k, r in state.stored.items())
    name = words[1] if len(words) > 1 else None
    if name is None and sub == "replay":
        return state.current(cmd).summary()
    if name not in state.stored:
        near = closest(name or "", state.stored)
        raise cmd.error(
            f"estimation result {name} not found",
            hint=f"did you mean {near!r}?" if near else "store it first with estimates store",
        )
    if sub == "restore":
        state.active = state.stored[name]
        return None
    return state.stored[name].summary()


register_command("estimates", _estimates, abbrev=3)
