"""Stata's ``margins`` line in a do-file.

``margins[, dydx(varlist) at(var=numlist ...) atmeans over(var) level(#)]`` returns the
table of :meth:`vcereg.Results.margins` (``dydx(*)`` means every variable of the
regressors; ``i.``/``c.`` prefixes are ignored). Importing the module registers it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..dofile import DoCommand, DoState, register_command
from ..errors import DataError
from ..postestimation.margins import model_variables

__all__ = ["MarginsOutput", "numlist"]

_MARGINS_OPTIONS = ("dydx", "at", "atmeans", "over", "level", "eyex", "dyex", "eydx")
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def numlist(text: str) -> list[float]:
    """Stata's numlist: ``10 20 30``, ``10(10)30``, ``1/4``.

    >>> numlist("1/3 10(5)20 2.5")
    [1.0, 2.0, 3.0, 10.0, 15.0, 20.0, 2.5]
    """
    out: list[float] = []
    for tok in text.replace(",", " ").split():
        step = re.fullmatch(rf"({_NUMBER})\(({_NUMBER})\)({_NUMBER})", tok)
        span = re.fullmatch(rf"({_NUMBER})/({_NUMBER})", tok)
        if step:
            a, s, b = (float(g) for g in step.groups())
            if s == 0 or (b - a) / s < 0:
                raise DataError(f"numlist {tok!r}: the step does not lead from {a:g} to {b:g}")
            n = int(np.floor((b - a) / s + 1e-9)) + 1
            out += [a + i * s for i in range(n)]
        elif span:
            a, b = (float(g) for g in span.groups())
            out += [
                float(v) for v in np.arange(a, b + 0.5 * np.sign(b - a or 1), np.sign(b - a) or 1)
            ]
        elif re.fullmatch(_NUMBER, tok):
            out.append(float(tok))
        else:
            raise DataError(f"invalid numlist element {tok!r}")
    return out


def _at(text: str, cmd: DoCommand) -> dict[str, object]:
    out: dict[str, object] = {}
    pos = 0
    for m in re.finditer(r"([A-Za-z_]\w*)\s*=\s*(\([^)]*(?:\)[^)\s]*)*\)|\S+)", text):
        if text[pos : m.start()].strip():
            break
        value = m.group(2)
        body = value[1:-1] if value.startswith("(") and value.endswith(")") else value
        out[m.group(1)] = numlist(body)
        pos = m.end()
    if text[pos:].strip() or not out:
        raise cmd.error(f"margins: cannot read at({text}); expected at(var=numlist ...)")
    return out


def _option_words(text: str) -> list[str]:
    """The option names of ``text``: what is left outside every parenthesis."""
    depth, kept = 0, []
    for ch in text:
        depth += ch == "("
        kept.append(ch if depth == 0 else " ")
        depth -= ch == ")"
    return "".join(kept).split()


def _known(word: str) -> bool:
    return any(o.startswith(word) and len(word) >= 2 for o in _MARGINS_OPTIONS)


@dataclass(frozen=True, eq=False)
class MarginsOutput:
    """What a ``margins`` line shows in the log; ``table`` is :meth:`Results.margins`'s frame."""

    table: pd.DataFrame

    def __str__(self) -> str:
        a = self.table.attrs
        df = a.get("df_inference")
        head = [
            str(a.get("model_label", "Margins")),
            f"Number of obs = {a.get('nobs')}",
            f"Model VCE: {a.get('vce_label', '')}; delta-method standard errors, "
            + ("normal inference" if df is None else f"t({df:g})"),
            "Expression: "
            + str(a.get("expression", f"linear prediction of {a.get('depvar', '')}")),
            "",
        ]
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            return "\n".join(head) + self.table.to_string()


def _margins(cmd: DoCommand, state: DoState) -> MarginsOutput:
    res = state.current(cmd)
    unknown = [w for w in _option_words(cmd.options) if not _known(w)]
    if unknown:
        hint = "margins, post is not needed: pass the margins table to vcereg.etable"
        raise cmd.error(
            f"margins: option {unknown[0]} not supported; expected {', '.join(_MARGINS_OPTIONS)}",
            hint=hint if unknown[0].startswith("post") else None,
        )
    if cmd.args.strip():
        raise cmd.error(
            f"margins: marginlist {cmd.args.strip()!r} is not supported",
            hint="use margins, dydx(var) or margins, at(var=(...))",
        )
    dydx_text = cmd.option("dydx")
    dydx: list[str] | None = None
    if dydx_text is not None:
        words = [re.sub(r"^(?:i|c)\.", "", w) for w in dydx_text.split()]
        dydx = list(model_variables(res)) if words in (["*"], ["_all"]) else words
    at_text = cmd.option("at")
    level = cmd.option("level")
    # elasticities (after maximum-likelihood fits): eyex(x) dyex(x) eydx(x)
    elastic = {
        k: [re.sub(r"^c\.", "", w) for w in text.split()]
        for k in ("eyex", "dyex", "eydx")
        if (text := cmd.option(k)) is not None
    }
    table = res.margins(
        dydx,
        at=_at(at_text, cmd) if at_text else None,
        over=cmd.option("over") or None,
        atmeans=cmd.option("atmeans") is not None,
        level=float(level) if level else None,
        **elastic,  # type: ignore[arg-type]
    )
    return MarginsOutput(table)


register_command("margins", _margins, abbrev=3)
