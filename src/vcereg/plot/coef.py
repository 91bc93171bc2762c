"""Coefficient plots (Stata's ``coefplot``): point estimates with confidence intervals, one
or several models.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import vcereg
>>> d = vcereg.datasets.load("student-mat")
>>> r = vcereg.regress("G3 ~ absences + studytime + failures | vce(robust)", d)
>>> fig = coefplot(r)
>>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
['absences', 'studytime', 'failures']
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from ..errors import RenderError
from ..tables import ResultLike, select_terms
from ._mpl import figure_class

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["coefplot"]

_INTERCEPTS = ("Intercept", "(Intercept)", "const", "_cons")
_BAND = 0.7  # share of the space between two terms that one term's dodged models use


def _models(
    results: ResultLike | Sequence[ResultLike] | Mapping[str, ResultLike],
    titles: Sequence[str] | None,
) -> tuple[list[ResultLike], list[str]]:
    if isinstance(results, Mapping):
        models, names = list(results.values()), [str(k) for k in results]
    elif isinstance(results, Sequence) and not isinstance(results, str):
        models = list(results)
        names = [f"({i})" for i in range(1, len(models) + 1)]
    else:
        models, names = [results], [results.depvar]
    if not models:
        raise RenderError("coefplot() needs at least one result")
    for m in models:
        if not isinstance(m, ResultLike):
            raise RenderError(f"coefplot() expects vcereg results (got {type(m).__name__})")
    if titles is not None:
        titles = [titles] if isinstance(titles, str) else list(titles)
        if len(titles) != len(models):
            raise RenderError(
                f"titles= needs one title per model ({len(models)}), got {len(titles)}"
            )
        names = [str(t) for t in titles]
    return models, names


def _terms(
    models: Sequence[ResultLike],
    keep: str | Iterable[str] | None,
    drop: str | Iterable[str] | None,
    intercept: bool,
    order: str | Iterable[str] | None = None,
) -> tuple[list[str], dict[str, str]]:
    terms: list[str] = []
    names: dict[str, str] = {}
    for m in models:
        shown = [t for t in m.terms if t not in m.omitted]
        terms += [t for t in shown if t not in terms]
        names.update({t: n for t, n in m.display_names.items() if t not in names})
    if not intercept:
        terms = [t for t in terms if t not in _INTERCEPTS]
    chosen = select_terms(
        terms,
        names,
        keep=keep,
        drop=drop,
        order=order,
        intercepts=_INTERCEPTS,
        intercept_last=True,
    )
    if not chosen:
        raise RenderError("nothing to plot: keep=/drop= left no coefficient")
    return chosen, names


def coefplot(
    results: ResultLike | Sequence[ResultLike] | Mapping[str, ResultLike],
    *,
    keep: str | Iterable[str] | None = None,
    drop: str | Iterable[str] | None = None,
    order: str | Iterable[str] | None = None,
    labels: Mapping[str, str] | None = None,
    level: float = 95,
    ax: Axes | None = None,
    titles: Sequence[str] | None = None,
    intercept: bool = False,
) -> Figure:
    """Plot coefficients with confidence intervals; several models are dodged per term.

    Parameters
    ----------
    results
        One result, a sequence (legend ``(1)``, ``(2)``, ...), or a mapping
        ``{title: result}``.
    keep, drop
        Terms to show or hide: exact names (or display names), else regular expressions,
        as in :func:`vcereg.etable`.
    order
        Terms (names or patterns) to put first, top down, in this order; the others
        follow in model order (as ``etable(order=...)`` and coefplot's ``order()``).
    labels
        ``{term: label}`` for the axis.
    level
        Confidence level in percent (0.95 is read as 95).
    ax
        Draw into these axes; by default a new figure is created (no pyplot state).
    titles
        Legend entries, one per model.
    intercept
        Also plot the intercept.

    Returns
    -------
    matplotlib.figure.Figure
        Save it with ``fig.savefig("coef.png", dpi=150)``.

    Raises
    ------
    RenderError
        matplotlib missing, a pattern matching no term, or bad options.
    """
    figure_cls = figure_class()
    models, names = _models(results, titles)
    named = titles is not None or isinstance(results, Mapping)
    lev = float(level) * 100 if 0 < float(level) < 1 else float(level)
    if not 0 < lev < 100:
        raise RenderError(f"level= must be between 0 and 100 (got {level!r})")
    terms, display = _terms(models, keep, drop, intercept, order)
    labels = dict(labels or {})
    tick_labels = [labels.get(t, labels.get(display.get(t, t), display.get(t, t))) for t in terms]

    own = ax is None
    if ax is None:
        height = max(2.4, 0.35 * len(terms) * (1 + 0.5 * (len(models) - 1)) + 1.2)
        fig = figure_cls(figsize=(6.4, height))
        ax = fig.add_subplot()
    else:
        parent = ax.get_figure()
        if parent is None:
            raise RenderError("ax= must belong to a figure")
        fig = parent if isinstance(parent, figure_cls) else parent.figure
    k = len(models)
    step = _BAND / k if k > 1 else 0.0
    for j, (model, name) in enumerate(zip(models, names, strict=True)):
        ci = model.conf_int(lev)
        est = dict(zip(model.terms, model.params.to_numpy(dtype=float), strict=True))
        lower = dict(zip(ci.index, ci["lower"].to_numpy(dtype=float), strict=True))
        upper = dict(zip(ci.index, ci["upper"].to_numpy(dtype=float), strict=True))
        ys: list[float] = []
        xs: list[float] = []
        lo: list[float] = []
        hi: list[float] = []
        for i, term in enumerate(terms):
            if term not in est or term in model.omitted:
                continue
            ys.append(i + (j - (k - 1) / 2) * step)
            xs.append(float(est[term]))
            lo.append(float(lower[term]))
            hi.append(float(upper[term]))
        err = [
            [x - a if math.isfinite(a) else 0.0 for x, a in zip(xs, lo, strict=True)],
            [b - x if math.isfinite(b) else 0.0 for x, b in zip(xs, hi, strict=True)],
        ]
        ax.errorbar(xs, ys, xerr=err, fmt="o", capsize=3, markersize=5, label=name)
    ax.axvline(0.0, color="0.5", linewidth=0.8, linestyle="--", zorder=0)
    ax.set_yticks(range(len(terms)))
    ax.set_yticklabels(tick_labels)
    ax.set_ylim(len(terms) - 0.5, -0.5)  # first term on top, as in a table
    ax.set_xlabel(f"Estimate and {lev:g}% confidence interval")
    if k > 1:  # outside the axes, so it never hides an interval
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    else:
        depvar = labels.get(models[0].depvar, models[0].depvar)
        ax.set_title(names[0] if named else f"Dependent variable: {depvar}")
    ax.grid(axis="x", color="0.9", linewidth=0.6)
    ax.set_axisbelow(True)
    if own:
        fig.tight_layout()
    return fig
