"""The IV estimator options of ``ivregress liml|gmm`` and ``ivreghdfe``.

``ivregress gmm ..., wmatrix(robust|cluster g|unadjusted) center igmm`` and ivreg2-style
``ivreghdfe ..., liml | fuller(#) | kclass(#) | gmm2s [center]`` become the method fields
of :class:`~vcereg.spec.IVSpec`.
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import NotSupportedError, Span
from ..spec import IVSpec, PanelSpec, VceSpec
from .syntax import WORD, expand_abbrev, span_bounds, syntax_error

__all__ = ["IV_ACTIONS", "apply_iv_options", "iv_words", "ivregress_hac"]

#: option actions (see options.OPTIONS) handled here
IV_ACTIONS = frozenset({"wmatrix", "center", "igmm", "liml", "fuller", "kclass", "gmm2s"})
_WMAT = {"robust": "r", "cluster": "cl", "unadjusted": "un", "hac": "hac"}
_KERNELS = {
    "bartlett": "bartlett",
    "nwest": "bartlett",
    "parzen": "parzen",
    "gallant": "parzen",
    "quadraticspectral": "qs",
    "andrews": "qs",
}


def _hac(src: str, words: list[str], span: Span, panel: PanelSpec | None) -> VceSpec:
    """Stata's ``wmatrix(hac kernel #)``: the time variable comes from ``tsset``/``xtset``."""
    if panel is None or panel.time is None:
        raise syntax_error(
            src, "wmatrix(hac ...) needs the data tsset: tsset time", *span_bounds(span)
        )
    kernel = _KERNELS.get(words[1].lower()) if len(words) > 1 else None
    if kernel is None or len(words) != 3 or not words[2].isdigit():
        raise syntax_error(
            src,
            "expected wmatrix(hac kernel #) with kernel bartlett, parzen or "
            "quadraticspectral and # the number of lags",
            *span_bounds(span),
        )
    args = (panel.time, *([panel.id] if panel.id else []))
    return VceSpec(name="hac", args=args, options=(("kernel", kernel), ("lags", words[2])))


def ivregress_hac(src: str, body: str, span: Span, panel: PanelSpec | None) -> str | None:
    """``vce(hac kernel #)`` of ivregress as the registry's ``hac time [panel], lags(#)
    kernel(k)``; None when ``body`` is not in that form (``vce(hac t, lags(2))`` is).

    >>> ivregress_hac("", "hac nwest 2", Span(0, 1), PanelSpec(None, "year"))
    'hac year, kernel(bartlett) lags(2)'
    """
    words = body.split()
    if len(words) < 2 or words[0].lower() != "hac" or words[1].lower() not in _KERNELS:
        return None
    spec = _hac(src, words, span, panel)
    opts = " ".join(f"{k}({v})" for k, v in spec.options)
    return f"hac {' '.join(spec.args)}, {opts}"


def _wmatrix(src: str, arg: str, span: Span, panel: PanelSpec | None = None) -> VceSpec:
    words = arg.split()
    full = expand_abbrev(words[0], _WMAT) if words else None
    if full is None:
        raise syntax_error(
            src,
            f"wmatrix() expects robust, cluster var or unadjusted (got {arg.strip()!r})",
            *span_bounds(span),
        )
    if full == "hac":
        return _hac(src, words, span, panel)
    args = tuple(words[1:])
    if full == "cluster" and (len(args) != 1 or not WORD.fullmatch(args[0])):
        raise syntax_error(src, "wmatrix(cluster) needs one variable", *span_bounds(span))
    if full != "cluster" and args:
        raise syntax_error(src, f"wmatrix({full}) takes no variables", *span_bounds(span))
    return VceSpec(name="ols" if full == "unadjusted" else full, args=args)


def _number(src: str, arg: str, span: Span, what: str) -> float:
    try:
        return float(arg)
    except ValueError:
        raise syntax_error(
            src, f"{what}() expects a number (got {arg.strip()!r})", *span_bounds(span)
        ) from None


def apply_iv_options(
    iv: IVSpec,
    method: str,
    opts: dict[str, tuple[str, Span]],
    src: str,
    vce: VceSpec | None = None,
    panel: PanelSpec | None = None,
) -> IVSpec:
    """The IV spec of ``method`` (``2sls``, ``liml``, ``gmm``) with the options given.

    ivreg2's ``gmm2s`` takes its weight matrix from the variance (``robust`` or
    ``cluster g``; homoskedastic otherwise, which is 2SLS).
    """
    out = replace(iv, method=method)  # type: ignore[arg-type]
    for action, (arg, span) in opts.items():
        if action == "wmatrix":
            out = replace(out, wmatrix=_wmatrix(src, arg, span, panel))
        elif action in ("center", "igmm"):
            out = replace(out, center=True) if action == "center" else replace(out, igmm=True)
        elif action == "liml":
            out = replace(out, method="liml")
        elif action == "gmm2s":
            kind = vce.name if vce is not None else "ols"
            wm = VceSpec(name=kind if kind in ("robust", "cluster") else "ols")
            if kind == "cluster" and vce is not None:
                wm = VceSpec(name="cluster", args=vce.args[:1])
            out = replace(out, method="gmm", wmatrix=wm)
        elif action == "fuller":
            out = replace(out, method="fuller", fuller=_number(src, arg, span, "fuller"))
        elif action == "kclass":
            out = replace(out, method="kclass", kappa=_number(src, arg, span, "kclass"))
    gmm_only = [a for a in ("wmatrix", "center", "igmm") if a in opts]
    if gmm_only and out.method != "gmm":
        arg, span = opts[gmm_only[0]]
        raise syntax_error(
            src, f"option {gmm_only[0]} is allowed with GMM only", *span_bounds(span)
        )
    return out


def iv_words(iv: IVSpec, cmd: str) -> tuple[str, list[str]]:
    """(command, options) that spell ``iv``'s method: ``ivregress liml|gmm`` with
    ``wmatrix()``, ``center``, ``igmm``; Fuller, k-class and ivreg2's GMM conventions need
    ``ivreg2``/``ivreghdfe``.

    >>> iv_words(IVSpec(("d",), ("z",), method="fuller", fuller=1.0), "ivregress")
    ('ivreghdfe', ['fuller(1)'])
    """
    m = iv.method
    family = cmd in ("ivreghdfe", "ivreg2")
    if m in ("fuller", "kclass") or family or (m == "gmm" and iv.convention == "ivreg2"):
        if m == "gmm" and (iv.igmm or iv.convention != "ivreg2"):
            raise NotSupportedError(
                "ivreg2/ivreghdfe have no igmm or wmatrix(); their gmm2s follows ivreg2's "
                "conventions (IVSpec.convention='ivreg2')"
            )
        opts = {
            "2sls": [],
            "liml": ["liml"],
            "fuller": [f"fuller({(iv.fuller if iv.fuller is not None else 1.0):g})"],
            "kclass": [f"kclass({(iv.kappa or 0.0):g})"],
            "gmm": ["gmm2s"] + (["center"] if iv.center else []),
        }[m]
        return (cmd if family else "ivreghdfe"), opts
    opts = []
    if m == "gmm":
        wm = iv.wmatrix
        if wm is not None and wm.name == "hac":
            inverse = {"bartlett": "bartlett", "parzen": "parzen", "qs": "quadraticspectral"}
            kernel = inverse.get(wm.option("kernel") or "bartlett", "bartlett")
            if wm.option("lags") is None:
                raise NotSupportedError("wmatrix(hac) without lags has no Stata spelling")
            opts.append(f"wmatrix(hac {kernel} {wm.option('lags')})")
        elif wm is not None:
            name = "unadjusted" if wm.name == "ols" else wm.name
            opts.append(f"wmatrix({' '.join((name, *wm.args))})")
        opts += [k for k in ("center", "igmm") if getattr(iv, k)]
    return "ivregress", [m, *opts]
