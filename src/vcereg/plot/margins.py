"""Stata's ``marginsplot``: the frame :meth:`vcereg.Results.margins` returns, drawn.

The rows of a margins frame are labelled as Stata labels them: ``absences=5`` (a
predictive margin at a value), ``absences=5, age=17`` (at several), ``age @ absences=5``
(the effect of ``age`` there), ``_cons | sex=F`` (over a group). The first ``at()``
variable with several values is the horizontal axis, as in Stata; every other setting
(another ``at()`` variable, the ``over()`` group, the variable of an effect) makes its own
line. Without such a variable the points stand side by side, one per row. Intervals are
the frame's own (``ci_low``, ``ci_high``, at the level of the margins call).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from ..errors import RenderError
from ._mpl import figure_class

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["marginsplot", "parse_margin_label"]

_COLUMNS = ("estimate", "ci_low", "ci_high")


@dataclass(frozen=True, slots=True)
class _Point:
    term: str  # the effect's variable, or "" for a predictive margin
    settings: tuple[tuple[str, str], ...]  # at() values and the over() group, in order
    estimate: float
    low: float
    high: float


def parse_margin_label(label: str, effect: bool) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``(term, ((variable, value), ...))`` of a margins row label.

    >>> parse_margin_label("age @ absences=5, sex=M | school=GP", effect=True)
    ('age', (('absences', '5'), ('sex', 'M'), ('school', 'GP')))
    >>> parse_margin_label("_cons | sex=F", effect=False)
    ('', (('sex', 'F'),))
    """
    main, _, group = label.partition(" | ")
    if effect:
        term, _, at = main.partition(" @ ")
    else:
        term, at = "", main
    at = "" if at == "_cons" else at
    pairs = [p.split("=", 1) for p in at.split(", ") if "=" in p]
    pairs += [group.split("=", 1)] if "=" in group else []
    return term, tuple((k.strip(), v.strip()) for k, v in pairs)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _points(frame: pd.DataFrame) -> tuple[list[_Point], bool]:
    missing = [c for c in _COLUMNS if c not in frame.columns]
    if missing:
        raise RenderError(
            f"marginsplot() needs what r.margins() returns (columns {', '.join(_COLUMNS)}); "
            f"missing {', '.join(missing)}"
        )
    effect = frame.attrs.get("kind") == "dydx"
    points = []
    for label, row in frame.iterrows():
        term, settings = parse_margin_label(str(label), effect)
        values = [float(row[c]) for c in _COLUMNS]
        points.append(_Point(term, settings, *values))
    return points, effect


def _position(text: str, numeric: bool, categories: list[str]) -> float:
    value = _number(text) if numeric else None
    return value if value is not None else float(categories.index(text))


def _axis(points: list[_Point], x: str | None) -> str | None:
    """The variable on the horizontal axis: ``x``, else the first with several values."""
    names = list(dict.fromkeys(k for p in points for k, _ in p.settings))
    if x is not None:
        if x not in names:
            raise RenderError(f"x={x!r} is not set in these margins; they set {names or 'nothing'}")
        return x
    for name in names:
        if len({v for p in points for k, v in p.settings if k == name}) > 1:
            return name
    return None


def marginsplot(
    margins: pd.DataFrame,
    *,
    x: str | None = None,
    labels: Mapping[str, str] | None = None,
    ci: str = "bars",
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Plot margins with their confidence intervals (Stata's ``marginsplot``).

    Parameters
    ----------
    margins
        The frame :meth:`vcereg.Results.margins` returns (``at=``, ``dydx=``, ``over=``).
    x
        The ``at()`` variable on the horizontal axis (default: the first with several
        values); numeric values are placed at their value, others side by side.
    labels
        ``{variable: label}`` for the axis, the legend and the effects.
    ci
        ``"bars"`` (capped intervals, Stata's default) or ``"area"`` (shaded bands).
    title
        Default: the kind of margins and the level, ``Predictive margins with 95% CIs``.
    ax
        Draw into these axes; by default a new figure (no pyplot state).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import vcereg
    >>> d = vcereg.datasets.load("student-mat")
    >>> r = vcereg.regress("G3 ~ absences + I(absences**2) + C(sex)", d)
    >>> fig = marginsplot(r.margins(at={"absences": [0, 10, 20]}, over="sex"))
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['sex=F', 'sex=M']
    """
    if ci not in ("bars", "area"):
        raise RenderError(f"ci= expects 'bars' or 'area' (got {ci!r})")
    figure_cls = figure_class()
    points, effect = _points(margins)
    if not points:
        raise RenderError("marginsplot(): the margins frame is empty")
    names = dict(labels or {})
    axis = _axis(points, x)
    lines: dict[str, list[_Point]] = {}
    for p in points:
        rest = [f"{names.get(k, k)}={v}" for k, v in p.settings if k != axis]
        key = ", ".join([names.get(p.term, p.term)] * bool(p.term) + rest)
        lines.setdefault(key, []).append(p)
    xs_text = [
        dict(p.settings).get(axis, "") if axis else names.get(p.term, p.term) for p in points
    ]
    numeric = axis is not None and all(_number(v) is not None for v in xs_text)
    categories = list(dict.fromkeys(xs_text))
    if ax is None:
        fig = figure_cls(figsize=(6.4, 4.2))
        ax = fig.add_subplot()
        own = True
    else:
        parent = ax.get_figure()
        if parent is None:
            raise RenderError("ax= must belong to a figure")
        fig, own = (parent if isinstance(parent, figure_cls) else parent.figure), False
    for key, pts in lines.items():
        texts = [dict(p.settings).get(axis, "") if axis else names.get(p.term, p.term) for p in pts]
        xs = [_position(t, numeric, categories) for t in texts]
        ys = [p.estimate for p in pts]
        lo = [p.estimate - p.low for p in pts]
        hi = [p.high - p.estimate for p in pts]
        if ci == "area":
            (line,) = ax.plot(xs, ys, marker="o", label=key or None)
            ax.fill_between(xs, [p.low for p in pts], [p.high for p in pts], alpha=0.2,
                            color=line.get_color(), linewidth=0)  # fmt: skip
        else:
            ax.errorbar(xs, ys, yerr=[lo, hi], marker="o", capsize=3, label=key or None,
                        linestyle="-" if axis else "none")  # fmt: skip
    if not numeric:
        ax.set_xticks(range(len(categories)))
        ax.set_xticklabels(categories)
        ax.set_xlim(-0.5, len(categories) - 0.5)
    if axis is not None:
        ax.set_xlabel(names.get(axis, axis))
    depvar = str(margins.attrs.get("depvar", ""))
    what = "Effects on" if effect else "Predicted"
    ax.set_ylabel(f"{what} {names.get(depvar, depvar)}".strip())
    if effect:
        ax.axhline(0.0, color="0.5", linewidth=0.8, linestyle="--", zorder=0)
    level = float(margins.attrs.get("level", 95.0))
    kind = str(margins.attrs.get("model_label", "Margins"))
    ax.set_title(title if title is not None else f"{kind} with {level:g}% CIs")
    if axis is not None and any(lines):  # without an axis the ticks name the points
        ax.legend(frameon=False)
    ax.grid(axis="y", color="0.9", linewidth=0.6)
    ax.set_axisbelow(True)
    if own:
        fig.tight_layout()
    return fig
