"""``eststo`` (from ``estout``, Jann 2005): store fits for ``esttab``.

``eststo name: regress ...`` and ``eststo: regress ...`` (named ``est1``, ``est2``...) are
read by the runner as a prefix; this module handles the command on its own line:
``eststo [name]`` stores the active fit, ``eststo clear`` empties the list, ``eststo drop
name`` removes one. ``esttab`` without names tabulates the ``eststo`` list in order.
"""

from __future__ import annotations

from ..dofile import DoCommand, DoState, register_command
from ..stata_lang.syntax import WORD

__all__: list[str] = []


def _eststo(cmd: DoCommand, state: DoState) -> str | None:
    words = cmd.args.split()
    if words[:1] == ["clear"]:
        for name in state.eststo:
            state.stored.pop(name, None)
        state.eststo.clear()
        return None
    if words[:1] == ["drop"]:
        for name in words[1:]:
            if name in state.eststo:
                state.eststo.remove(name)
                state.stored.pop(name, None)
        return None
    if len(words) > 1 or (words and not WORD.fullmatch(words[0])):
        raise cmd.error("expected eststo [name], eststo clear or eststo name: command").with_rc(198)
    name = words[0] if words else f"est{len(state.eststo) + 1}"
    state.stored[name] = state.current(cmd)
    state.eststo = [*(n for n in state.eststo if n != name), name]
    return f"({name} stored)"


register_command("eststo", _eststo)
