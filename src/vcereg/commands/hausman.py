"""``hausman name-consistent [name-efficient] [, sigmamore sigmaless constant]`` after
``estimates store`` (see :func:`vcereg.hausman`)."""

from __future__ import annotations

from ..dofile import DoCommand, DoState, register_command
from ..errors import closest
from ..postestimation.hausman import hausman

__all__: list[str] = []

_OPTIONS = {"sigmamore": 6, "sigmaless": 6, "constant": 4}


def _hausman(cmd: DoCommand, state: DoState) -> object:
    """A name of ``.`` (or none for the efficient model) is the active estimates, as in
    Stata."""
    names = cmd.args.split()
    if not 1 <= len(names) <= 2:
        raise cmd.error("expected hausman name-consistent [name-efficient] [, options]")
    models = []
    for name in [*names, "."][:2]:
        if name == ".":
            models.append(state.current(cmd))
        elif name in state.stored:
            models.append(state.stored[name])
        else:
            near = closest(name, state.stored)
            raise cmd.error(
                f"estimation result {name} not found",
                hint=f"did you mean {near!r}?" if near else "store it with estimates store",
            )
    flags = {o: cmd.option(o, abbrev=k) is not None for o, k in _OPTIONS.items()}
    labels = (names[0], names[1] if len(names) == 2 else ".")
    return hausman(models[0], models[1], labels=labels, **flags)


register_command("hausman", _hausman, abbrev=4)
