"""The event-study plot: estimates by event time with pointwise intervals (error bars) and
the uniform band (shaded), pre-treatment periods in one colour and post-treatment in
another, a line at zero and one between the last pre-treatment period and the first
treated one.

matplotlib is optional (``pip install vcereg[plot]``) and imported only here, when a plot is
drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..errors import RenderError
from ..tables.format import fmt_level

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .results import DidResults

__all__ = ["event_plot"]


def event_plot(
    result: DidResults, *, ax: Axes | None = None, uniform: bool = True, level: float | None = None
) -> Figure:
    """Draw ``result``'s event study; returns the figure (save it with ``savefig``)."""
    try:
        from matplotlib.figure import Figure as FigureClass
    except ImportError:  # pragma: no cover - depends on the environment
        raise RenderError("plotting needs matplotlib: pip install vcereg[plot]") from None
    es = result.event_study(level)
    e = es.index.to_numpy(dtype=float)
    own = ax is None
    if ax is None:
        fig = FigureClass(figsize=(6.4, 4.0))
        ax = fig.add_subplot()
    else:
        parent = ax.get_figure()
        if parent is None:
            raise RenderError("ax= must belong to a figure")
        fig = parent if isinstance(parent, FigureClass) else parent.figure
    lev = fmt_level(result.level if level is None else level)
    pre = e < 0
    for mask, colour, name in ((pre, "tab:red", "pre-treatment"), (~pre, "tab:blue", "post")):
        if not mask.any():
            continue
        est = es["estimate"].to_numpy()[mask]
        err = np.vstack([est - es["ci_low"].to_numpy()[mask], es["ci_high"].to_numpy()[mask] - est])
        ax.errorbar(e[mask], est, yerr=err, fmt="o", color=colour, capsize=3, label=name)
        if uniform:
            ax.fill_between(
                e[mask],
                es["cb_low"].to_numpy()[mask],
                es["cb_high"].to_numpy()[mask],
                color=colour,
                alpha=0.15,
                linewidth=0,
            )
    ax.axhline(0.0, color="0.4", linewidth=0.8)
    if pre.any() and (~pre).any():
        ax.axvline(-0.5, color="0.6", linewidth=0.8, linestyle="--")
    ax.set_xlabel("Periods relative to treatment")
    ax.set_ylabel(f"Effect on {result.depvar}")
    band = f"; shaded: {lev}% uniform band" if uniform else ""
    ax.set_title(f"{result.model_label}\n{lev}% pointwise intervals{band}", fontsize=9)
    ax.legend(frameon=False, fontsize=8)
    if own:
        fig.tight_layout()
    return fig
