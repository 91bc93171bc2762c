"""Plots of estimates: :func:`coefplot` (coefficients with confidence intervals, one or
several models) and :func:`marginsplot` (Stata's ``marginsplot``, from ``r.margins()``).

matplotlib is an optional dependency (``pip install vcereg[plot]``); it is imported when a
plot is drawn, never when vcereg is imported. Both return a matplotlib ``Figure`` (no
pyplot state): ``fig.savefig("plot.png", dpi=150)``.
"""

from __future__ import annotations

from .coef import coefplot
from .margins import marginsplot

__all__ = ["coefplot", "marginsplot"]
