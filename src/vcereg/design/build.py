"""From a spec and a DataFrame to arrays (with :mod:`.formula`, the only modules that
import formulaic).

Row accounting is explicit: rows outside ``in``/``if`` are *excluded*; rows with a missing
(or non-finite) value in any variable the model uses, including weights, cluster and
absorbed variables, are *dropped* and counted per variable; rows whose transformed
values are not finite (``np.log(0)``) are dropped and counted too. The input DataFrame is
never modified.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import formulaic
import numpy as np
import pandas as pd
from formulaic.errors import DataMismatchWarning
from formulaic.model_spec import ModelSpecs
from formulaic.parser.types import Factor
from formulaic.utils.sentinels import UNSET
from numpy.typing import NDArray

from .._types import FloatArray, IntArray
from ..dsl.safety import SAFE_CONTEXT
from ..errors import (
    DataError,
    DroppedRowsWarning,
    EmptySampleError,
    VceregWarning,
    warn,
)
from ..spec import ModelSpec, WeightKind
from ..stata_lang.factors import has_pending_bases, resolve_bases
from ..vce import resolve
from .checks import (
    check_safe,
    check_size,
    code_variables,
    formula_error,
    from_formulaic,
    refuse_datetimes,
    require_columns,
)
from .columns import check_columns, check_magnitudes
from .dtypes import as_float_columns, categorical_context, plain_strings, tidy_categories
from .formula import (
    check_iv_lists,
    factor_of,
    factors_of,
    formulas,
    parse_formula,
    side_vars,
)
from .lean import LeanDesign, lean_design
from .sample import (
    RowAccounting,
    codes,
    codes_multi,
    describe,
    missing_mask,
    row_filter,
    weights_of,
)
from .tsops import materialize, time_codes

__all__ = [
    "STATEFUL",
    "Design",
    "Rebuild",
    "build",
    "categorical_levels",
    "factor_levels",
    "fitted_matrix",
    "subset",
]

#: Key of :attr:`Design.levels` listing transforms fitted on the data (``center(x)``).
STATEFUL = "__stateful_transforms__"


@dataclass(frozen=True, slots=True, eq=False)
class Rebuild:
    """What rebuilding the regressors on other data needs, and nothing of the data itself:
    formulaic's fitted specs (categorical levels, contrasts, stateful-transform state) and
    the names formula code may use. ``rhs``/``lhs`` are None for plain numeric columns."""

    rhs: formulaic.ModelSpec | None
    lhs: formulaic.ModelSpec | None
    rhs_terms: tuple[str, ...]
    rhs_vars: tuple[str, ...]
    lhs_vars: tuple[str, ...]
    env: Mapping[str, object]


@dataclass(frozen=True, slots=True, eq=False)
class Design:
    """Model arrays for the estimation sample."""

    y: FloatArray
    x: FloatArray  # (N, K), Fortran order
    terms: tuple[str, ...]
    depvar: str
    has_intercept: bool
    weights: FloatArray | None  # aweights and pweights normalised to sum to N
    weight_kind: WeightKind | None
    groups: Mapping[str, IntArray]  # factorised variables asked for by the vce
    absorb: Mapping[str, IntArray]
    index: pd.Index
    rows: RowAccounting
    notes: tuple[str, ...] = ()
    z: FloatArray | None = None  # IV: exogenous regressors and excluded instruments
    z_terms: tuple[str, ...] = ()
    factor_names: tuple[tuple[str, str], ...] = ()  # display names, sample bases resolved
    # Categorical factor (formulaic expression, e.g. "C(g)") -> the levels its columns encode.
    levels: Mapping[str, tuple[object, ...]] = field(default_factory=dict)
    rebuild: Rebuild | None = None  # for predictions and margins on other data

    @property
    def endog_terms(self) -> tuple[str, ...]:
        """IV: regressors that are not among the instruments."""
        return tuple(t for t in self.terms if self.z is not None and t not in self.z_terms)


def build(
    spec: ModelSpec,
    data: pd.DataFrame,
    *,
    extra: Sequence[str] = (),
    safe: bool = True,
    context: Mapping[str, object] | None = None,
    levels: Mapping[str, Sequence[object]] | None = None,
    partition: bool = False,
) -> Design:
    """Build the estimation arrays for ``spec`` on ``data``.

    Parameters
    ----------
    extra
        More variables the variance estimator needs (cluster variables); they take part
        in listwise deletion and come back factorised in ``Design.groups``.
    safe
        Check formula code against a whitelist (see :mod:`vcereg.dsl.safety`).
    context
        Extra names for formula code when ``safe`` is False.
    levels
        Levels of categorical factors (keyed as in :attr:`Design.levels`), so that pieces
        of one data set all get the same indicator columns; by default the levels found.
    partition
        ``data`` is one partition of a larger data set: no warnings (the caller sums the
        row accounting and the notes over all partitions and reports the totals; a
        ``warnings.catch_warnings`` in a worker thread is not thread-safe and let one
        partition's counts through), an empty sample gives an empty
        Design (no terms) instead of an error, and analytic weights are left as they are
        (the caller normalises them over all partitions).
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"expected a pandas DataFrame (got {type(data).__name__})")
    lean = lean_design(spec, data, extra=extra, safe=safe, levels=levels, partition=partition)
    if lean is not None:  # plain numeric columns: the same design, one look-up per column
        return _from_lean(spec, lean, safe, context)
    if spec.tsvars:
        if spec.panel is None:
            raise DataError("time-series operators need the time variable: declare tsset/xtset")
        data = materialize(spec.tsvars, spec.panel, data)  # a new frame; the input is untouched
    x_text, z_text = formulas(spec)
    parsed = parse_formula(spec, x_text, safe=safe)
    parsed_z = parse_formula(spec, z_text, safe=safe) if z_text is not None else None
    env: dict[str, object] = dict(SAFE_CONTEXT)
    if not safe and context:
        env.update(context)
    needed: list[str] = []
    direct: list[str] = []  # variables used as they are (not inside formula code)
    in_code: list[str] = []  # variables read by formula code
    for p in (parsed, parsed_z):
        if p is None:
            continue
        if safe:
            check_safe(spec, factors_of(p), len(data))
        direct += [e for e, m in factors_of(p) if m == "lookup"]
        free = [v for v in code_variables(factors_of(p)) if v not in env]
        in_code += free
        needed = list(dict.fromkeys([*needed, *direct, *free]))
    require_columns(needed, data, spec, "formula")
    refuse_datetimes(direct, data, spec)
    check_iv_lists(spec)
    weight_var = spec.weights.var if spec.weights is not None else None
    if weight_var:
        require_columns([weight_var], data, spec, "weight")
    absorb_vars = [p for a in spec.absorb for p in a.split("#")]
    require_columns(list(extra), data, spec, "variance")
    require_columns(absorb_vars, data, spec, "absorbed")
    check_columns(
        data, [*needed, *([weight_var] if weight_var else [])], cluster=[*extra, *absorb_vars]
    )

    keep, excluded_in, excluded_if, if_note = row_filter(spec, data)
    if if_note and not partition:  # partitions: the client reports the totals once
        warn(if_note, VceregWarning)
    used = list(
        dict.fromkeys([*needed, *([weight_var] if weight_var else []), *extra, *absorb_vars])
    )
    missing_counts: dict[str, int] = {}
    complete = keep.copy()
    for var in used:
        miss = missing_mask(data[var]) & keep
        missing_counts[var] = int(miss.sum())
        complete &= ~miss
    dropped_missing = int(keep.sum() - complete.sum())
    # Without dropped rows, column selection is a lazy (copy-on-write) view: no copy of big data.
    sub = data[used] if complete.all() else data.loc[complete, used]

    if has_pending_bases(spec):
        spec = resolve_bases(spec, sub)
        x_text, z_text = formulas(spec)
        parsed = parse_formula(spec, x_text)
        parsed_z = parse_formula(spec, z_text) if z_text is not None else None
    if safe:
        for p in (parsed, parsed_z):
            if p is not None:
                check_size(spec, [[factor_of(f) for f in t.factors] for t in p.rhs], sub)
    sub = tidy_categories(plain_strings(sub), needed)
    if partition and len(sub) == 0:
        return _empty(spec, len(data), excluded_in, excluded_if, missing_counts, dropped_missing)
    # Arithmetic in double, as Stata: int16 ** 2 must not wrap around (``if`` ran above).
    sub, originals = as_float_columns(sub, needed, [v for v in in_code if v not in direct])
    env.update(categorical_context(originals, sub, formulaic.transforms.C))
    y, x, terms, has_intercept, found, specs = _matrices(spec, parsed, sub, env, levels)
    finite = np.isfinite(y) & np.isfinite(x).all(axis=1)
    z: FloatArray | None = None
    z_terms: tuple[str, ...] = ()
    if parsed_z is not None:
        _, z, z_terms, _, found_z, _ = _matrices(spec, parsed_z, sub, env, levels)
        found = {**found, **found_z}
        finite &= np.isfinite(z).all(axis=1)
    dropped_nonfinite = int((~finite).sum())
    weights = None
    kind = spec.weights.kind if spec.weights is not None else None
    dropped_zero = 0
    if weight_var:
        weights = weights_of(sub[weight_var], kind, spec)
        positive = weights > 0
        dropped_zero = int((finite & ~positive).sum())
        finite &= positive
    if not finite.all():
        y, x, sub = y[finite], np.asfortranarray(x[finite]), sub.loc[finite]
        z = np.asfortranarray(z[finite]) if z is not None else None
        weights = weights[finite] if weights is not None else None
    check_magnitudes(str(next(iter(parsed.lhs))), y, terms, x)
    if z is not None:
        check_magnitudes(None, None, z_terms, z)
    if len(y) == 0 and not partition:
        raise EmptySampleError(
            "no observations left: every row was excluded or had a missing value "
            f"({describe(len(data), excluded_in, excluded_if, dropped_missing)})"
        )
    if weights is not None and kind in (WeightKind.AWEIGHT, WeightKind.PWEIGHT) and not partition:
        # Stata normalises both to sum to N: Root MSE must not depend on the weights' scale
        weights = weights * (len(weights) / weights.sum())
    labels = {tv.name: tv.label for tv in spec.tsvars}  # L1__x is shown as L.x
    rows = RowAccounting(
        n_input=len(data),
        excluded_in=excluded_in,
        excluded_if=excluded_if,
        missing={labels.get(k, k): v for k, v in missing_counts.items()},
        dropped_missing=dropped_missing,
        dropped_nonfinite=dropped_nonfinite,
        dropped_zero_weight=dropped_zero,
        n_used=len(y),
    )
    for msg in () if partition else rows.messages():
        warn(msg, DroppedRowsWarning)
    time = resolve(spec.vce)[0].time_variables(spec.vce)  # HAC's and DK's time: in time order
    groups = {v: time_codes(v, sub[v]) if v in time else codes(sub[v]) for v in extra}
    absorb = {a: codes_multi(sub, a.split("#")) for a in spec.absorb}
    depvar = str(next(iter(parsed.lhs)))
    return Design(
        y=y,
        x=x,
        terms=terms,
        depvar=depvar,
        has_intercept=has_intercept,
        weights=weights,
        weight_kind=kind,
        groups=groups,
        absorb=absorb,
        index=sub.index,
        rows=rows,
        notes=(if_note,) if if_note else (),
        z=z,
        z_terms=z_terms,
        factor_names=spec.factor_names,
        levels=found,
        rebuild=Rebuild(
            rhs=specs[0],
            lhs=specs[1],
            rhs_terms=terms,
            rhs_vars=tuple(side_vars(parsed.rhs, env)),
            lhs_vars=tuple(side_vars(parsed.lhs, env)),
            env=env,
        ),
    )


def _from_lean(
    spec: ModelSpec, lean: LeanDesign, safe: bool, context: Mapping[str, object] | None
) -> Design:
    env: dict[str, object] = {**SAFE_CONTEXT, **(context if not safe and context else {})}
    rebuild = Rebuild(None, None, lean.terms, lean.rhs_vars, lean.lhs_vars, env)
    return Design(**lean.fields(), factor_names=spec.factor_names, rebuild=rebuild)


def _empty(
    spec: ModelSpec,
    n_input: int,
    excluded_in: int,
    excluded_if: int,
    missing: dict[str, int],
    dropped_missing: int,
) -> Design:
    """A partition with no rows left: only its row accounting matters."""
    rows = RowAccounting(n_input, excluded_in, excluded_if, missing, dropped_missing)
    kind = spec.weights.kind if spec.weights is not None else None
    return Design(
        y=np.zeros(0),
        x=np.zeros((0, 0), order="F"),
        terms=(),
        depvar="",
        has_intercept=False,
        weights=None,
        weight_kind=kind,
        groups={},
        absorb={},
        index=pd.RangeIndex(0),
        rows=rows,
    )


def _fast_path(parsed: formulaic.Formula, sub: pd.DataFrame) -> bool:
    """Plain numeric columns only: skip formulaic's materialiser (big-data speed)."""
    for side in (parsed.lhs, parsed.rhs):
        for term in side:
            factors = list(term.factors)
            if str(term) == "1":
                continue
            if len(factors) != 1 or str(factors[0].eval_method.value) != "lookup":
                return False
            col = sub[str(factors[0].expr)]
            if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
                return False
    return True


_Specs = tuple[formulaic.ModelSpec | None, formulaic.ModelSpec | None]
_Matrices = tuple[
    FloatArray, FloatArray, tuple[str, ...], bool, dict[str, tuple[object, ...]], _Specs
]


def _with_levels(
    parsed: formulaic.Formula, levels: Mapping[str, Sequence[object]]
) -> formulaic.ModelSpecs:
    """A formulaic spec whose categorical factors encode exactly ``levels``."""
    specs = formulaic.ModelSpec.from_spec(parsed, na_action="ignore")
    state = {
        expr: (Factor.Kind.CATEGORICAL, {"categories": list(lv)}) for expr, lv in levels.items()
    }
    return ModelSpecs(lhs=specs.lhs, rhs=specs.rhs.update(encoder_state=state))


def _found_levels(rhs: object) -> dict[str, tuple[object, ...]]:
    """Levels of the categorical factors; a transform fitted on the data (``center(x)``,
    splines) is listed under :data:`STATEFUL` with no levels, since pieces of a data set
    would each fit their own."""
    spec = getattr(rhs, "model_spec", None)
    state = getattr(spec, "encoder_state", None) or {}
    out: dict[str, tuple[object, ...]] = {
        str(expr): tuple(info.get("categories", ()))
        for expr, (kind, info) in state.items()
        if kind is Factor.Kind.CATEGORICAL
    }
    fitted = getattr(spec, "transform_state", None) or {}
    if fitted:
        out[STATEFUL] = tuple(str(k) for k in fitted)
    return out


def _matrices(
    spec: ModelSpec,
    parsed: formulaic.Formula,
    sub: pd.DataFrame,
    env: Mapping[str, object],
    levels: Mapping[str, Sequence[object]] | None = None,
) -> _Matrices:
    rhs_terms = [str(t) for t in parsed.rhs]
    has_intercept = "1" in rhs_terms
    if _fast_path(parsed, sub):
        names = ["Intercept" if t == "1" else t for t in rhs_terms]
        x = np.empty((len(sub), len(names)), order="F")
        for j, t in enumerate(rhs_terms):
            x[:, j] = 1.0 if t == "1" else sub[t].to_numpy(dtype=np.float64)
        y = sub[str(next(iter(parsed.lhs)))].to_numpy(dtype=np.float64)
        return y, x, tuple(names), has_intercept, {}, (None, None)
    try:
        how = parsed if not levels else _with_levels(parsed, levels)
        mm = formulaic.model_matrix(how, sub, context=dict(env), na_action="ignore")
    except Exception as exc:  # formulaic/pandas/numpy errors during evaluation
        raise from_formulaic(spec, exc, "could not build the design matrix") from None
    lhs, rhs = mm.lhs, mm.rhs
    if lhs.shape[1] != 1:
        raise formula_error(
            spec,
            f"the dependent variable must be one numeric column (got {lhs.shape[1]} columns: "
            f"{', '.join(map(str, lhs.columns))})",
            hint="encode a categorical outcome as 0/1 first",
        )
    y = np.asarray(lhs.to_numpy(dtype=np.float64)[:, 0])
    x = np.asfortranarray(rhs.to_numpy(dtype=np.float64))
    specs = (rhs.model_spec, lhs.model_spec)
    return y, x, tuple(str(c) for c in rhs.columns), has_intercept, _found_levels(rhs), specs


def subset(
    design: Design, keep: NDArray[np.bool_], *, singletons: int = 0, separated: int = 0
) -> Design:
    """The design restricted to rows ``keep`` (e.g. after dropping singletons, or
    observations separated in a maximum-likelihood model)."""
    rows = replace(
        design.rows,
        dropped_singletons=design.rows.dropped_singletons + singletons,
        dropped_separated=design.rows.dropped_separated + separated,
        n_used=int(keep.sum()),
    )
    return replace(
        design,
        y=design.y[keep],
        x=np.asfortranarray(design.x[keep]),
        z=np.asfortranarray(design.z[keep]) if design.z is not None else None,
        weights=design.weights[keep] if design.weights is not None else None,
        groups={k: v[keep] for k, v in design.groups.items()},
        absorb={k: v[keep] for k, v in design.absorb.items()},
        index=design.index[keep],
        rows=rows,
    )


def fitted_matrix(
    spec: ModelSpec, fitted: formulaic.ModelSpec, sub: pd.DataFrame, env: Mapping[str, object]
) -> FloatArray:
    """One side of a fitted model evaluated on ``sub`` (complete rows) with the fit's
    formulaic state: levels, contrasts, stateful transforms. A level the fit has not seen
    is a :class:`~vcereg.errors.DataError` (formulaic would only warn and encode it as 0)."""
    # the same double-precision arithmetic as the fit (int16 ** 2 must not wrap around)
    sub, originals = as_float_columns(sub, [str(c) for c in sub.columns])
    env = {**env, **categorical_context(originals, sub, formulaic.transforms.C)}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataMismatchWarning)
        try:
            mm = fitted.get_model_matrix(sub, context=dict(env), na_action="ignore")
        except Exception as exc:  # formulaic/pandas/numpy errors during evaluation
            raise from_formulaic(spec, exc, "could not rebuild the design") from None
    unseen = [str(w.message) for w in caught if issubclass(w.category, DataMismatchWarning)]
    if unseen:
        levels = unseen[0].split(":", 1)[-1].split(". They")[0].strip()
        raise DataError(
            f"the data has categorical levels the model was not fitted on: {levels}",
            hint="drop those rows or map them to a level seen in the fit",
        )
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return np.asarray(mm.to_numpy(dtype=np.float64))


def categorical_levels(design: Design) -> dict[str, tuple[list[object], object]]:
    """Variable -> (levels, base level) for every variable the fit treats as categorical
    (``C(var)``, ``i.var``, a string column)."""
    rb = design.rebuild
    out: dict[str, tuple[list[object], object]] = {}
    if rb is None or rb.rhs is None:
        return out
    for expr, (kind, state) in rb.rhs.encoder_state.items():
        inner = re.match(r"C\(\s*([A-Za-z_]\w*)\s*[,)]", expr)
        var = inner.group(1) if inner else expr
        if str(kind.value) != "categorical" or var in out or not var.isidentifier():
            continue
        levels = list(state["categories"])
        base = getattr(getattr(state.get("contrasts"), "contrasts", None), "base", UNSET)
        out[var] = (levels, levels[0] if base is UNSET or base not in levels else base)
    return out


def factor_levels(design: Design, var: str) -> tuple[list[object], object] | None:
    """Levels and base level of ``var`` where the fit treats it as categorical, or None."""
    return categorical_levels(design).get(var)
