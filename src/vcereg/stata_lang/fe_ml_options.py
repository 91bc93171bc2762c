"""The fixed-effects maximum-likelihood commands: ``ppmlhdfe``, ``clogit``,
``xtlogit, fe`` and ``xtpoisson, fe`` → :class:`~vcereg.spec.FamilySpec` and the absorbed
variables.

``ppmlhdfe y x, absorb(a b) vce(cluster g) exposure(t) offset(o) separation(fe simplex
ir) tolerance(#) itolerance(#) maxiterations(#) keepsingletons irr``: ppmlhdfe's options
(``noabsorb`` or no ``absorb()``: a Poisson fit with the constant, separation still checked;
``d()``, which adds a variable to the data, is refused: vcereg never changes the data).
ppmlhdfe's variance is robust unless asked otherwise (it turns ``vce(unadjusted)`` into
robust too). ``clogit y x, group(g)``; ``xtlogit y x, fe`` and ``xtpoisson y x, fe`` need
the panel (``xtset id``, or ``i(id)``); their random-effects and population-averaged
models are not available. As Stata's ``clogit`` and ``xtpoisson, fe``, ``vce(robust)``
clusters on the groups.

>>> from vcereg.errors import Span
>>> fam = fe_ml_family("ppmlhdfe", {"separation": ("fe ir", Span(0, 1))}, "")
>>> fam.family, fam.separation, fam.tolerance, fam.iterate
('poisson', ('fe', 'ir'), 1e-08, 10000)
"""

from __future__ import annotations

from ..errors import Span, SpecError
from ..spec import FamilySpec, PanelSpec, separation_methods
from .syntax import WORD, span_bounds, syntax_error, unsupported

__all__ = [
    "FE_ML_ACTIONS",
    "FE_ML_COMMANDS",
    "FE_ML_OPTIONS",
    "fe_ml_family",
    "fe_ml_groups",
    "fe_ml_vce",
]

#: command → (family, link)
FE_ML_COMMANDS = {
    "ppmlhdfe": ("poisson", "log"),
    "clogit": ("binomial", "logit"),
    "xtlogit": ("binomial", "logit"),
    "xtpoisson": ("poisson", "log"),
}
#: option actions handled here (see options.OPTIONS)
FE_ML_ACTIONS = frozenset({
    "separation", "itolerance", "maxiter", "keepsingletons", "group", "d_option",
    "fe_model", "re_model",
})  # fmt: skip
_COMMON = "vce(=vce robust:r=robust cluster(:cl=cluster level(:l=level "
_MAX = (
    "tolerance(:tol=tolerance ltolerance(:ltol=ltolerance nrtolerance(:nrtol=nrtolerance "
    "iterate(:iter=iterate nolog:nolo log difficult technique(:tech from(=no "
)
#: Options of each command, in the format of options.OPTIONS (display options appended there)
FE_ML_OPTIONS = {
    "ppmlhdfe": _COMMON + "absorb(:a=absorb noabsorb:noa=noabsorb exposure(:exp=exposure "
    "offset(:off=offset irr=irr eform=eform tolerance(:tol=tolerance itolerance(:itol="
    "itolerance maxiterations(:maxit=maxiter separation(:sep=separation keepsingletons:keepsing="
    "keepsingletons d(=d_option d2=d_option guess(=no verbose(:v nolog:nolo timeit tagsep(=no "
    "zvarname(=no r2=no",
    "clogit": _COMMON + _MAX + "group(:gr=group or=or nonest offset(=offset collinear",
    "xtlogit": _COMMON + _MAX + "fe=fe_model re=re_model pa=re_model i(=panel or=or offset(=offset",
    "xtpoisson": _COMMON + _MAX + "fe=fe_model re=re_model pa=re_model normal=re_model "
    "i(=panel exposure(:e=exposure irr=irr offset(=offset",
}


def _positive(src: str, arg: str, span: Span, what: str) -> float:
    try:
        value = float(arg)
    except ValueError:
        raise syntax_error(src, f"{what}() expects a number (got {arg.strip()!r})",
                           *span_bounds(span)) from None  # fmt: skip
    if not value > 0:
        raise syntax_error(src, f"{what}() must be positive", *span_bounds(span))
    return value


def _separation(src: str, arg: str, span: Span) -> tuple[str, ...]:
    if "mu" in arg.lower().replace(",", " ").split():
        raise syntax_error(
            src, "separation(mu) is not available", *span_bounds(span),
            hint="fe, simplex and ir (relu) find every separated observation",
        )  # fmt: skip
    try:
        return separation_methods(arg)
    except SpecError as exc:
        raise syntax_error(src, exc.message, *span_bounds(span), hint=exc.hint) from None


def fe_ml_family(cmd: str, opts: dict[str, tuple[str, Span]], src: str) -> FamilySpec:
    """The :class:`FamilySpec` of a fixed-effects ML command line (action → (text, span))."""
    family, link = FE_ML_COMMANDS[cmd]
    fields: dict[str, object] = {"family": family, "link": link, "model": cmd}
    if cmd == "ppmlhdfe":
        fields.update(tolerance=1e-8, iterate=10_000)  # ppmlhdfe's defaults
    for action, (arg, span) in opts.items():
        if action in ("or", "irr", "eform"):
            fields["eform"] = action
        elif action in ("exposure", "offset"):
            name = arg.strip()
            if not WORD.fullmatch(name):
                raise syntax_error(src, f"{action}() expects one variable (got {arg!r})",
                                   *span_bounds(span))  # fmt: skip
            fields[action] = name
        elif action in ("tolerance", "ltolerance", "nrtolerance"):
            fields[action] = _positive(src, arg, span, action)
        elif action == "itolerance":
            fields["itolerance"] = _positive(src, arg, span, "itolerance")
        elif action in ("iterate", "maxiter"):
            if not arg.strip().isdigit() or int(arg) < 1:
                raise syntax_error(src, f"{action}() expects a positive whole number",
                                   *span_bounds(span))  # fmt: skip
            fields["iterate"] = int(arg)
        elif action == "separation":
            fields["separation"] = _separation(src, arg, span)
        elif action == "keepsingletons":
            fields["keepsingletons"] = True
        elif action == "d_option":
            raise SpecError(
                "ppmlhdfe's d() saves the sum of the fixed effects as a new variable; vcereg "
                "never changes your data",
                source=src,
                span=span,
                hint="the linear predictor with the effects is results.ml.eta (and the "
                "fitted means results.ml.mu)",
            )
    return FamilySpec(**fields)  # type: ignore[arg-type]


def fe_ml_groups(
    cmd: str,
    absorb: tuple[str, ...],
    opts: dict[str, tuple[str, Span]],
    panel: PanelSpec | None,
    src: str,
    where: tuple[int, int],
) -> tuple[str, ...]:
    """The absorbed variables of a fixed-effects ML command (checked)."""
    if cmd == "ppmlhdfe":
        return absorb  # absorb() or noabsorb (a plain Poisson fit) or neither
    if cmd == "clogit":
        if "group" not in opts:
            raise syntax_error(src, "clogit needs the groups: group(var)", *where)
        arg, span = opts["group"]
        if not WORD.fullmatch(arg.strip()):
            raise syntax_error(src, f"group() expects one variable (got {arg!r})",
                               *span_bounds(span))  # fmt: skip
        return (arg.strip(),)
    if "re_model" in opts:
        raise unsupported(
            src,
            f"{cmd}'s random-effects and population-averaged models are not supported",
            *span_bounds(opts["re_model"][1]),
            hint=f"the conditional fixed-effects model is {cmd} y x, fe",
        )
    if "fe_model" not in opts:
        raise unsupported(
            src,
            f"{cmd} without fe (the random-effects model) is not supported",
            *where,
            hint=f"the conditional fixed-effects model is {cmd} y x, fe",
        )
    if panel is None or panel.id is None:
        raise syntax_error(
            src,
            f"{cmd}, fe needs the panel declared: xtset id [time], or i(id)",
            *where,
            hint="add an 'xtset id year' line before it, or pass panel=PanelSpec(...)",
        )
    return (panel.id,)


def fe_ml_vce(
    cmd: str, name: str, args: tuple[str, ...], absorb: tuple[str, ...]
) -> tuple[str, tuple[str, ...]]:
    """ppmlhdfe: robust unless another variance is asked for (vce(unadjusted) too);
    clogit, xtlogit/xtpoisson fe: vce(robust) clusters on the groups, as Stata."""
    if cmd == "ppmlhdfe" and name == "ols":
        return "robust", ()
    if cmd != "ppmlhdfe" and name == "robust":
        return "cluster", absorb
    if cmd != "ppmlhdfe" and name == "ols":
        return "oim", ()
    return name, args
