"""Stata terms → formulaic terms, and base levels that need the data.

A variable list parsed by :func:`~vcereg.stata_lang.varlist.parse_varlist` (re-exported here)
gives :class:`FTerm` objects, each rendered as a formulaic term: ``i.v`` → ``C(v)``,
``ib2.v`` → ``C(v, contr.treatment(base=2))``, ``c.x#c.x`` → ``I(x ** 2)``, ``i.a#c.x`` →
``C(a):x``, ``L2.x`` → the generated column ``L2__x``.

Stata and formulaic decide differently which indicator columns an interaction keeps, so
:func:`vcereg.stata_lang.naming.check_coding` replays both rules on the terms and refuses
(``NotSupportedError``) a variable list whose formulaic columns would not be Stata's.

Base levels that need the data (``ib(last).v``, ``ib(freq).v``, ``ib(#3).v``) are written
into the formula as a placeholder identifier, ``C(v, contr.treatment(base=__stata_base_last__))``
(also ``__stata_base_freq__`` and ``__stata_base_nth_3__``); :func:`resolve_bases` replaces it
with the level found in the estimation sample. An unresolved placeholder makes formulaic fail
loudly (unknown name), never silently pick another base.
"""

from __future__ import annotations

import re

import pandas as pd

from ..errors import DataError, MissingVariableError, closest
from ..spec import IVSpec, ModelSpec
from .varlist import FTerm, FVar, Varlist, parse_varlist

__all__ = [
    "PLACEHOLDER",
    "FTerm",
    "FVar",
    "Varlist",
    "categorical_expr",
    "has_pending_bases",
    "parse_varlist",
    "resolve_bases",
    "term_formula",
    "term_pieces",
]

PLACEHOLDER = re.compile(r"__stata_base_(last|freq|nth_(\d+))__")
_C_WITH_PLACEHOLDER = re.compile(
    r"C\((?P<var>[A-Za-z_]\w*), contr\.treatment\(base=(?P<mark>__stata_base_\w+?__)\)\)"
)


def categorical_expr(var: FVar) -> str:
    """The formulaic factor expression for a categorical :class:`FVar`.

    >>> terms = parse_varlist("i.g ib3.g ib(freq).g").terms
    >>> [categorical_expr(t.factors[0]) for t in terms]
    ['C(g)', 'C(g, contr.treatment(base=3))', 'C(g, contr.treatment(base=__stata_base_freq__))']
    """
    if var.base is None:
        return f"C({var.name})"
    if var.base.isdigit():
        return f"C({var.name}, contr.treatment(base={int(var.base)}))"
    mark = f"nth_{var.base[1:]}" if var.base.startswith("#") else var.base
    return f"C({var.name}, contr.treatment(base=__stata_base_{mark}__))"


def term_pieces(term: FTerm) -> list[tuple[str, bool]]:
    """(formulaic factor, is_categorical) in Stata order; repeated continuous → powers.

    >>> term_pieces(parse_varlist("c.x#i.a#c.x").terms[0])
    [('I(x ** 2)', False), ('C(a)', True)]
    """
    counts: dict[str, int] = {}
    for f in term.factors:
        if f.kind == "c":
            counts[f.column] = counts.get(f.column, 0) + 1
    out: list[tuple[str, bool]] = []
    done: set[str] = set()
    for f in term.factors:
        if f.kind == "i":
            out.append((categorical_expr(f), True))
        elif f.column not in done:
            done.add(f.column)
            k = counts[f.column]
            out.append((f.column if k == 1 else f"I({f.column} ** {k})", False))
    return out


def term_formula(term: FTerm) -> str:
    """Render one Stata term as a formulaic term.

    >>> from vcereg.stata_lang.factors import parse_varlist
    >>> [term_formula(t) for t in parse_varlist("i.a##c.x c.x#c.x ib2.g").terms]
    ['C(a)', 'x', 'C(a):x', 'I(x ** 2)', 'C(g, contr.treatment(base=2))']
    """
    return ":".join(p for p, _ in term_pieces(term))


# --- data-dependent base levels ---------------------------------------------------------------


def has_pending_bases(spec: ModelSpec) -> bool:
    """Whether ``spec`` still holds ``ib(last)``/``ib(freq)``/``ib(#k)`` placeholders.

    >>> from vcereg.stata_lang import parse
    >>> has_pending_bases(parse("reg y ib(last).g")), has_pending_bases(parse("reg y i.g"))
    (True, False)
    """
    texts = [spec.formula, *(spec.iv.endog + spec.iv.instruments if spec.iv else ())]
    return any(PLACEHOLDER.search(t) for t in texts)


def resolve_bases(spec: ModelSpec, data: pd.DataFrame) -> ModelSpec:
    """Replace base-level placeholders with the levels found in ``data``.

    Call it with the estimation sample (rows left after ``if``/``in`` and listwise deletion):
    Stata picks ``ib(last)`` (largest level), ``ib(freq)`` (most frequent level, ties to the
    lowest) and ``ib(#k)`` (k-th lowest level) there.

    Parameters
    ----------
    spec
        A spec from :func:`vcereg.stata_lang.parse`; returned unchanged without placeholders.
    data
        The estimation sample.

    Returns
    -------
    ModelSpec
        A copy whose formula, IV terms and ``factor_names`` name the concrete base levels.

    Examples
    --------
    >>> import pandas as pd
    >>> from vcereg.stata_lang import parse
    >>> spec = parse("regress y ib(freq).g")
    >>> resolve_bases(spec, pd.DataFrame({"y": [1.0, 2, 3], "g": [1, 2, 2]})).formula
    'y ~ C(g, contr.treatment(base=2))'
    """
    if not has_pending_bases(spec):
        return spec
    cache: dict[str, str] = {}

    def fix(text: str) -> str:
        def repl(m: re.Match[str]) -> str:
            if m.group(0) not in cache:
                cache[m.group(0)] = _resolved(m.group("var"), m.group("mark"), data)
            return cache[m.group(0)]

        return _C_WITH_PLACEHOLDER.sub(repl, text)

    iv = spec.iv
    if iv is not None:
        iv = IVSpec(tuple(map(fix, iv.endog)), tuple(map(fix, iv.instruments)))
    names = tuple((fix(k), v) for k, v in spec.factor_names)
    return spec.replace(formula=fix(spec.formula), iv=iv, factor_names=names)


def _resolved(var: str, mark: str, data: pd.DataFrame) -> str:
    if var not in data.columns:
        near = closest(var, [str(c) for c in data.columns])
        raise MissingVariableError(
            f"variable {var!r} (a factor variable with a data-dependent base) is not a column",
            hint=f"did you mean {near!r}?" if near else None,
        )
    values = data[var].dropna()
    if values.empty:
        raise DataError(f"factor variable {var} has no non-missing values: no base level")
    counts = values.value_counts()
    levels = sorted(counts.index.tolist())
    how = PLACEHOLDER.fullmatch(mark)
    assert how is not None  # the regex above only captures placeholders
    if how.group(1) == "last":
        level = levels[-1]
    elif how.group(1) == "freq":
        top = counts.max()
        level = min(v for v in levels if counts[v] == top)
    else:
        k = int(how.group(2))
        if not 1 <= k <= len(levels):
            raise DataError(
                f"ib(#{k}).{var}: expected a level number from 1 to {len(levels)} "
                f"({var} has {len(levels)} levels)"
            )
        level = levels[k - 1]
    return f"C({var}, contr.treatment(base={_literal(level)}))"


def _literal(value: object) -> str:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool | int | float | str):
        return repr(value)
    raise DataError(f"cannot use the level {value!r} as a base level")
