"""matplotlib, imported when a plot is asked for (the optional extra ``vcereg[plot]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import RenderError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["figure_class"]


def figure_class() -> type[Figure]:
    """matplotlib's ``Figure``, or a :class:`RenderError` saying how to install it."""
    # matplotlib is an optional extra (vcereg[plot]): it is imported here, when a plot is
    # asked for, so that `import vcereg` neither needs it nor pays for it. This is the one
    # function-level import in the package.
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise RenderError(
            "plots need matplotlib, which is not installed",
            hint="install it with: pip install vcereg[plot]",
        ) from None
    return Figure
