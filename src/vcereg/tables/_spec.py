"""The validated options of a regression table (:class:`TableSpec`) and the parsers of the
options that shape it: ``digits``, ``groups``, ``indicate``, ``depvar``, ``diagnostics``,
``stats``, ``add_rows``.

Every problem raises :class:`~vcereg.errors.RenderError` naming the bad value and the
valid ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from ..errors import RenderError, closest
from ._options import Below
from .format import StarSpec
from .stats import StatValue, resolve_statistic

__all__ = [
    "Depvar",
    "Diagnostics",
    "Digits",
    "Indicator",
    "Span",
    "StatSpec",
    "TableSpec",
    "parse_add_rows",
    "parse_depvar",
    "parse_diagnostics",
    "parse_digits",
    "parse_groups",
    "parse_indicate",
    "parse_stats",
]

_CELL_DIGITS = {"b": "b", "coef": "b", "estimate": "b", "beta": "b", "se": "se", "t": "t",
                "z": "t", "p": "p", "ci": "ci", "stats": "stats"}  # fmt: skip


def _decimals(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 12:
        raise RenderError(f"{what} must be an integer from 0 to 12 (got {value!r})")
    return value


@dataclass(frozen=True, slots=True)
class Digits:
    """Decimals per kind of cell: coefficients ``b``, standard errors ``se``, t/z
    statistics ``t``, p-values ``p``, interval bounds ``ci``, decimal statistics ``stats``,
    and per statistic by name (``{"r2": 2}``)."""

    b: int = 3
    se: int = 3
    t: int = 2
    p: int = 3
    ci: int = 3
    stats: int = 3
    per_stat: Mapping[str, int] = field(default_factory=dict)

    def stat(self, name: str) -> int:
        """Decimals of the statistic ``name`` (its own, else ``stats``)."""
        return self.per_stat.get(name, self.stats)


def parse_digits(value: object) -> Digits:
    """``digits=``: one number for coefficients, standard errors, intervals and decimal
    statistics (t statistics keep 2 and p-values 3, as esttab), or a mapping by cell kind
    (``b``, ``se``, ``t``, ``p``, ``ci``, ``stats``) and statistic name (``r2``, ``nobs``...).

    >>> d = parse_digits({"b": 4, "se": 3, "r2": 2})
    >>> d.b, d.se, d.t, d.stat("r2"), d.stat("rmse")
    (4, 3, 2, 2, 3)
    """
    if not isinstance(value, Mapping):
        n = _decimals(value, "digits=")
        return Digits(b=n, se=n, ci=n, stats=n)
    kinds: dict[str, int] = {}
    per_stat: dict[str, int] = {}
    for key, n in value.items():
        if not isinstance(key, str):
            raise RenderError(f"digits= keys must be names such as 'b', 'se' or 'r2' (got {key!r})")
        decimals = _decimals(n, f"digits[{key!r}]")
        if key.lower() in _CELL_DIGITS:
            kinds[_CELL_DIGITS[key.lower()]] = decimals
            continue
        try:
            per_stat[resolve_statistic(key).name] = decimals
        except RenderError:
            near = closest(key, [*_CELL_DIGITS, key])
            raise RenderError(
                f"digits= key {key!r} is neither a cell kind ({', '.join(_CELL_DIGITS)}) nor "
                "a statistic name",
                hint=f"did you mean {near!r}?" if near and near != key else None,
            ) from None
    return Digits(**kinds, per_stat=per_stat)


Span = tuple[str, int, int]
"""A header cell over models: ``(label, first column (0-based), number of columns)``."""


def _span_of(label: str, value: object, start: int, n: int) -> tuple[int, int]:
    if isinstance(value, bool):
        value = None
    if isinstance(value, int):
        first, count = start, value
    elif isinstance(value, Sequence) and not isinstance(value, str) and value:
        cols = list(value)
        if not all(isinstance(c, int) and not isinstance(c, bool) for c in cols):
            raise RenderError(f"groups= {label!r}: model numbers must be integers (got {cols})")
        if cols != list(range(cols[0], cols[0] + len(cols))):
            raise RenderError(f"groups= {label!r}: models {cols} are not consecutive")
        first, count = cols[0] - 1, len(cols)
    else:
        raise RenderError(
            f"groups= {label!r}: expected a number of models or a list of model numbers "
            f"(got {value!r})"
        )
    if count < 1 or first < 0 or first + count > n:
        raise RenderError(f"groups= {label!r} covers models outside 1..{n}")
    return first, count


def parse_groups(value: object, n: int) -> tuple[Span, ...]:
    """``groups=`` (esttab's ``mgroups``): ``{"OLS": 2, "IV": 2}`` (consecutive counts
    from the left) or ``{"OLS": [1, 2], "IV": [4, 5]}`` (model numbers), or a list of such
    pairs. Groups may leave models out but must not overlap.

    >>> parse_groups({"OLS": 2, "IV": [4, 5]}, 5)
    (('OLS', 0, 2), ('IV', 3, 2))
    """
    if value is None:
        return ()
    items = value.items() if isinstance(value, Mapping) else value
    if not isinstance(items, Iterable) or isinstance(items, str):
        raise RenderError(f"groups= expects a dict {{label: models}} (got {value!r})")
    spans: list[Span] = []
    start = 0
    for item in items:
        if not (isinstance(item, tuple | list) and len(item) == 2 and isinstance(item[0], str)):
            raise RenderError(f"groups= expects (label, models) pairs (got {item!r})")
        first, count = _span_of(item[0], item[1], start, n)
        if any(f < first + count and first < f + c for _, f, c in spans):
            raise RenderError(f"groups= {item[0]!r} overlaps another group")
        spans.append((item[0], first, count))
        start = first + count
    return tuple(sorted(spans, key=lambda s: s[1]))


Indicator = tuple[str, tuple[str, ...], str, str]
"""An ``indicate`` row: label, term patterns, text when present, text when absent."""


def parse_indicate(value: object) -> tuple[Indicator, ...]:
    """``indicate=`` (esttab's ``indicate``): ``{"Controls": ["age", "^educ"]}``, or a list
    of ``(label, patterns)`` or ``(label, patterns, (yes, no))``.

    >>> parse_indicate({"Year dummies": r"^C\\(year\\)"})
    (('Year dummies', ('^C\\\\(year\\\\)',), 'Yes', 'No'),)
    """
    if value is None:
        return ()
    items = value.items() if isinstance(value, Mapping) else value
    if not isinstance(items, Iterable) or isinstance(items, str):
        raise RenderError(f"indicate= expects a dict {{label: patterns}} (got {value!r})")
    out: list[Indicator] = []
    for item in items:
        ok = isinstance(item, tuple | list) and len(item) in (2, 3) and isinstance(item[0], str)
        if not ok:
            raise RenderError(f"indicate= expects (label, patterns) pairs (got {item!r})")
        patterns = (item[1],) if isinstance(item[1], str) else tuple(item[1])
        if not patterns or not all(isinstance(p, str) for p in patterns):
            raise RenderError(f"indicate= {item[0]!r}: patterns must be strings (got {item[1]!r})")
        yes, no = "Yes", "No"
        if len(item) == 3:
            pair = item[2]
            if not (isinstance(pair, tuple | list) and len(pair) == 2):
                raise RenderError(f"indicate= {item[0]!r}: expected (yes, no) texts (got {pair!r})")
            yes, no = str(pair[0]), str(pair[1])
        out.append((item[0], patterns, yes, no))
    return tuple(out)


class Depvar(StrEnum):
    """How the dependent variables are shown."""

    SPAN = "span"  # one cell over each run of models with the same dependent variable
    EACH = "each"  # one per model
    NONE = "none"


def parse_depvar(value: object) -> Depvar:
    """``depvar=``: ``True``/``"span"``, ``"each"`` or ``False``."""
    if value is True:
        return Depvar.SPAN
    if value is False or value is None:
        return Depvar.NONE
    if isinstance(value, str) and value.lower() in ("span", "each"):
        return Depvar(value.lower())
    raise RenderError(f"depvar= expects True, False, 'span' or 'each' (got {value!r})")


class Diagnostics(StrEnum):
    """Which of the models' notes a table prints."""

    AUTO = "auto"  # those that bear on the table's inference, in the table's labels
    ALL = "all"  # every note of every model
    NONE = "none"


def parse_diagnostics(value: object) -> Diagnostics:
    """``diagnostics=``: ``True`` (those that matter), ``"all"`` or ``False``."""
    if value is True:
        return Diagnostics.AUTO
    if value is False or value is None:
        return Diagnostics.NONE
    if isinstance(value, str) and value.lower() in ("auto", "all", "none"):
        return Diagnostics(value.lower())
    raise RenderError(f"diagnostics= expects True, False or 'all' (got {value!r})")


StatSpec = tuple[str, str | None, int | None]
"""A footer statistic: registered name, label (None: the default), decimals (None: the
table's)."""


def parse_stats(stats: object, default: Sequence[str]) -> tuple[StatSpec, ...]:
    """``stats=``: names, ``(name, label)`` or ``(name, label, digits)`` tuples, or a
    mapping ``{name: label}``."""
    if stats is None:
        stats = default
    if isinstance(stats, str):
        stats = (stats,)
    if isinstance(stats, Mapping):
        items: Iterable[object] = stats.items()
    elif isinstance(stats, Iterable):
        items = stats
    else:
        raise RenderError(f"stats= expects a list of statistic names (got {stats!r})")
    out: list[StatSpec] = []
    for item in items:
        parts = item if isinstance(item, tuple) else (item,)
        name, label, digits = (*parts, None, None)[:3]
        if (
            len(parts) > 3
            or not isinstance(name, str)
            or not (label is None or isinstance(label, str))
            or not (digits is None or isinstance(digits, int))
        ):
            raise RenderError(
                f"stats= expects names, (name, label) or (name, label, digits) (got {item!r})"
            )
        if digits is not None:
            _decimals(digits, f"stats= digits of {name!r}")
        out.append((resolve_statistic(name).name, label, digits))
    return tuple(out)


def parse_add_rows(add_rows: object) -> tuple[tuple[str, tuple[StatValue, ...]], ...]:
    """``add_rows=``: ``{label: values}`` or ``[(label, values)]``, one value per model."""
    if add_rows is None:
        return ()
    items = add_rows.items() if isinstance(add_rows, Mapping) else add_rows
    if not isinstance(items, Iterable):
        raise RenderError(f"add_rows= expects a dict or (label, values) pairs (got {add_rows!r})")
    out = []
    for item in items:
        if not (isinstance(item, tuple | list) and len(item) == 2 and isinstance(item[0], str)):
            raise RenderError(f"add_rows= expects (label, values) pairs (got {item!r})")
        label, values = item
        if isinstance(values, str) or not isinstance(values, Iterable):
            raise RenderError(f"add_rows row {label!r} needs one value per model (got {values!r})")
        out.append((label, tuple(values)))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class TableSpec:
    """``etable`` options after validation (see :func:`vcereg.tables.etable`). Texts the
    user gave with ``escape=False`` are :class:`~vcereg.tables.markup.Latex` already."""

    titles: tuple[str, ...] | None = None
    groups: tuple[Span, ...] = ()
    model_numbers: bool = True
    depvar: Depvar = Depvar.SPAN
    stars: StarSpec = ()
    below: Below | None = Below.SE
    beside: bool = False
    beta: bool = False
    digits: Digits = field(default_factory=Digits)
    keep: tuple[str, ...] | None = None
    drop: tuple[str, ...] | None = None
    order: tuple[str, ...] | None = None
    indicate: tuple[Indicator, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    stats: tuple[StatSpec, ...] = ()
    add_rows: tuple[tuple[str, tuple[StatValue, ...]], ...] = ()
    show_omitted: bool = False
    intercept_last: bool = True
    intercept_label: str = "Constant"
    legend: bool = True
    diagnostics: Diagnostics = Diagnostics.AUTO
    extra_notes: tuple[str, ...] = ()
    caption: str | None = None
    label: str | None = None

    def rename(self, name: str) -> str:
        """The label of a variable or term (itself without one)."""
        return self.labels.get(name, name)
