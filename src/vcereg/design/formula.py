"""Formula strings to formulaic's parse, checked: the regressors' and instruments'
formulas, safe-mode limits on their size and parse time, and the variables they read.

Only this module and :mod:`.build` import formulaic.
"""

from __future__ import annotations

from collections.abc import Mapping

import formulaic

from ..spec import ModelSpec
from ..stata_lang.factors import PLACEHOLDER, has_pending_bases
from .checks import code_variables, formula_error, from_formulaic
from .guard import MAX_COLUMNS, MAX_FORMULA_CHARS, GuardExceeded, parse_seconds, time_limit

__all__ = [
    "check_iv_lists",
    "factor_of",
    "factors_of",
    "formulas",
    "parse_formula",
    "side_vars",
]


def formulas(spec: ModelSpec) -> tuple[str, str | None]:
    """The regressors' formula and, for IV, the instruments' formula (exogenous terms plus
    excluded instruments); endogenous regressors are added to the formula as in Stata.

    Stata base levels that depend on the sample (``ib(last).g``) are still placeholders
    here; they do not change which variables are used, so a neutral base stands in."""
    if spec.iv is None:
        full, z_text = spec.formula, None
    else:
        lhs, rhs = spec.formula.split("~", 1)
        full = f"{spec.formula} + {' + '.join(spec.iv.endog)}"
        z_text = f"{lhs}~ {rhs} + {' + '.join(spec.iv.instruments)}"
    if has_pending_bases(spec):
        full = PLACEHOLDER.sub("0", full)
        z_text = PLACEHOLDER.sub("0", z_text) if z_text is not None else None
    return full, z_text


#: formulaic's parse of each formula string seen: a fit repeated on new data reuses it
_PARSED: dict[str, formulaic.Formula] = {}
_PARSED_MAX = 256


def _cached_formula(text: str) -> formulaic.Formula:
    if text not in _PARSED:
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[text] = formulaic.Formula(text)
    return _PARSED[text]


def parse_formula(spec: ModelSpec, text: str, *, safe: bool = True) -> formulaic.Formula:
    if safe and len(text) > MAX_FORMULA_CHARS:
        raise formula_error(
            spec,
            f"safe mode does not allow a formula of {len(text)} characters "
            f"(at most {MAX_FORMULA_CHARS})",
        )
    try:
        # a formula parsed before needs no timer (each costs a few system calls)
        with time_limit(parse_seconds(text) if safe and text not in _PARSED else None):
            parsed = _cached_formula(text)
    except GuardExceeded:
        raise formula_error(
            spec,
            "safe mode stopped expanding the formula's interactions after "
            f"{parse_seconds(text):g} s "
            "(a*b*c*... and (a+b+...)**k make 2**k terms)",
        ) from None
    except Exception as exc:  # formulaic raises many types; all mean "bad formula"
        raise from_formulaic(spec, exc, "could not parse the formula") from None
    n_terms = len(getattr(parsed, "rhs", ()))
    if safe and n_terms > MAX_COLUMNS:
        raise formula_error(
            spec, f"safe mode does not allow {n_terms} terms (at most {MAX_COLUMNS})"
        )
    lhs = getattr(parsed, "lhs", None)
    if lhs is None or len(lhs) != 1:
        raise formula_error(spec, "expected exactly one dependent variable left of '~'")
    factors = list(next(iter(lhs)).factors)
    if len(factors) != 1 or str(factors[0].eval_method.value) == "literal":
        raise formula_error(spec, f"expected a variable left of '~' (got {str(next(iter(lhs)))!r})")
    return parsed


def factor_of(f: formulaic.parser.types.Factor) -> tuple[str, str]:
    return str(f.expr), str(f.eval_method.value)


def factors_of(parsed: formulaic.Formula) -> list[tuple[str, str]]:
    """(expr, eval method) of every factor on both sides."""
    return [
        (str(f.expr), str(f.eval_method.value))
        for side in (parsed.lhs, parsed.rhs)
        for term in side
        for f in term.factors
    ]


def _names(expr: str) -> list[str]:
    """Variable names read by one piece of formula code (``Q('x y')`` included)."""
    return code_variables([(expr, "python")])


def side_vars(side: object, env: Mapping[str, object]) -> list[str]:
    """Data variables one side of a formula reads (its columns and its code's free names)."""
    out: list[str] = []
    for term in side:  # type: ignore[attr-defined]
        for f in term.factors:
            method = str(f.eval_method.value)
            if method == "lookup":
                out.append(str(f.expr))
            elif method == "python":
                out += [v for v in _names(str(f.expr)) if v not in env]
    return list(dict.fromkeys(out))


def check_iv_lists(spec: ModelSpec) -> None:
    """Stata refuses a variable that instruments itself or is both exogenous and
    endogenous; formulaic would silently merge the duplicates into OLS labelled 2SLS."""
    if spec.iv is None:
        return
    exog = {str(t) for t in parse_formula(spec, PLACEHOLDER.sub("0", spec.formula)).rhs}
    for e in spec.iv.endog:
        if e in spec.iv.instruments:
            raise formula_error(
                spec,
                f"{e} is both endogenous and one of its own excluded instruments",
                hint="an endogenous variable cannot instrument itself (Stata refuses this too)",
            )
        if e in exog:
            raise formula_error(
                spec,
                f"{e} is both an exogenous regressor and endogenous",
                hint=f"remove {e} from the regressors left of | or from iv(...)",
            )
