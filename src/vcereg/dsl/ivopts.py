"""Options of the DSL's ``iv(...)`` section: the estimation method and GMM's weight matrix.

``iv(d ~ z1 z2, method=liml)``, ``iv(d ~ z1 z2, method=fuller, fuller=4)``,
``iv(d ~ z1 z2, method=kclass, kappa=0.9)``,
``iv(d ~ z1 z2, method=gmm, wmatrix=cluster firm, center, igmm)``,
``iv(d ~ z1 z2, method=gmm, wmatrix=hac year lags=2 kernel=bartlett)`` (or with
``, lags=2, kernel=bartlett`` as options of their own),
``iv(d ~ z1 z2, method=gmm, wmatrix=robust, convention=ivreg2)`` (ivreg2's ``gmm2s``).
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import Span, SpecError, closest
from ..spec import IVSpec, VceSpec

__all__ = ["IV_METHODS", "format_iv_options", "parse_iv_options"]

IV_METHODS = ("2sls", "liml", "fuller", "kclass", "gmm")
_KEYS = (
    "method", "fuller", "kappa", "kclass", "wmatrix", "center", "igmm", "convention", "lags",
    "kernel",
)  # fmt: skip
_CONVENTIONS = ("ivregress", "ivreg2")


def _number(source: str, key: str, value: str, span: Span) -> float:
    try:
        return float(value)
    except ValueError:
        raise SpecError(
            f"iv(..., {key}=...) expects a number (got {value!r})", source=source, span=span
        ) from None


def parse_iv_options(iv: IVSpec, text: str, source: str, start: int) -> IVSpec:
    """Apply the comma-separated options ``text`` (starting at ``start`` in ``source``)."""
    out = iv
    pos = start
    hac_opts: list[tuple[str, str]] = []  # lags=, kernel= given as options of their own
    for part in text.split(","):
        span = Span(pos, pos + max(1, len(part)))
        pos += len(part) + 1
        key, eq, value = (s.strip() for s in part.partition("="))
        key = key.lower()
        if not key:
            raise SpecError("empty option in iv(...)", source=source, span=span)
        if key not in _KEYS:
            near = closest(key, _KEYS)
            raise SpecError(
                f"unknown iv() option {key!r}; expected one of: {', '.join(_KEYS)}",
                source=source,
                span=span,
                hint=f"did you mean {near!r}?" if near else None,
            )
        if key in ("center", "igmm"):
            if eq:
                raise SpecError(f"iv(..., {key}) takes no value", source=source, span=span)
            out = replace(out, center=True) if key == "center" else replace(out, igmm=True)
            continue
        if not value:
            raise SpecError(f"iv(..., {key}=...) needs a value", source=source, span=span)
        if key == "method":
            m = value.lower()
            if m not in IV_METHODS:
                near = closest(m, IV_METHODS)
                raise SpecError(
                    f"unknown IV method {value!r}; expected one of: {', '.join(IV_METHODS)}",
                    source=source,
                    span=span,
                    hint=f"did you mean {near!r}?" if near else None,
                )
            out = replace(out, method=m)  # type: ignore[arg-type]
        elif key in ("lags", "kernel"):
            hac_opts.append((key, value))
        elif key == "convention":
            if value.lower() not in _CONVENTIONS:
                raise SpecError(
                    f"iv(..., convention=...) is ivregress or ivreg2 (got {value!r})",
                    source=source,
                    span=span,
                )
            out = replace(out, convention=value.lower())  # type: ignore[arg-type]
        elif key == "fuller":
            out = replace(out, fuller=_number(source, key, value, span))
        elif key in ("kappa", "kclass"):
            out = replace(out, kappa=_number(source, key, value, span))
        else:  # wmatrix: "robust", "cluster g", "hac t [panel] [lags=2] [kernel=parzen]"
            words = value.split()
            args = tuple(w for w in words[1:] if "=" not in w)
            opts = tuple(sorted(tuple(w.split("=", 1)) for w in words[1:] if "=" in w))
            bad = next((k for k, _ in opts if k not in ("lags", "kernel")), None)
            if bad is not None:
                raise SpecError(
                    f"wmatrix: unknown option {bad!r}; expected lags= or kernel=",
                    source=source,
                    span=span,
                )
            wm = VceSpec(name=words[0].lower(), args=args, options=opts)  # type: ignore[arg-type]
            out = replace(out, wmatrix=wm)
    if hac_opts:
        hac = out.wmatrix
        if hac is None or hac.name != "hac":
            raise SpecError(
                "iv(..., lags=, kernel=) go with the HAC weight matrix",
                source=source,
                hint="e.g. iv(d ~ z, method=gmm, wmatrix=hac year, lags=2)",
            )
        merged = dict(hac.options) | dict(hac_opts)
        out = replace(out, wmatrix=replace(hac, options=tuple(sorted(merged.items()))))
    if out.fuller is not None and out.method == "2sls":
        out = replace(out, method="fuller")
    if out.kappa is not None and out.method == "2sls":
        out = replace(out, method="kclass")
    if out.method == "kclass" and out.kappa is None:
        raise SpecError("iv(..., method=kclass) needs kappa=#", source=source)
    if out.method != "gmm" and (out.wmatrix is not None or out.center or out.igmm):
        raise SpecError(
            "wmatrix, center and igmm apply to method=gmm only",
            source=source,
            hint="add method=gmm",
        )
    return out


def format_iv_options(iv: IVSpec) -> str:
    """The options part of ``iv(...)`` for :func:`~vcereg.dsl.unparse` ('' for 2SLS).

    >>> format_iv_options(IVSpec(("d",), ("z",), method="liml"))
    ', method=liml'
    """
    parts = [] if iv.method == "2sls" else [f"method={iv.method}"]
    if iv.fuller is not None:
        parts.append(f"fuller={iv.fuller:g}")
    if iv.kappa is not None:
        parts.append(f"kappa={iv.kappa:g}")
    if iv.wmatrix is not None:
        wm = iv.wmatrix
        opts = [f"{k}={v}" for k, v in wm.options]
        parts.append(f"wmatrix={' '.join((wm.name, *wm.args, *opts))}")
    parts += [k for k in ("center", "igmm") if getattr(iv, k)]
    if iv.convention != "ivregress":
        parts.append(f"convention={iv.convention}")
    return "".join(", " + p for p in parts)
