"""The model string's ``panel(id [time][, re | fe | be [wls]])`` section: Stata's ``xtset``
and ``xtreg`` model in one place.

``y ~ x | panel(firm year)`` fits random effects (``xtreg y x, re``, Stata's default);
``, fe`` the within estimator (``xtreg, fe``: the panel effects are absorbed); ``, be``
the between regression and ``, be wls`` its weighted version.

>>> fields = parse_panel("y ~ x | panel(firm year, be wls)", "firm year, be wls", 16)
>>> fields["panel"], fields["estimator"]
(PanelSpec(id='firm', time='year'), 'xtreg_be_wls')
"""

from __future__ import annotations

import re

from ..errors import Span, SpecError, closest
from ..spec import PanelSpec

__all__ = ["MODELS", "parse_panel", "unparse_panel"]

#: model option(s) → ModelSpec.estimator
MODELS = {"re": "xtreg_re", "fe": "xtreg_fe", "be": "xtreg_be", "be wls": "xtreg_be_wls"}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def parse_panel(source: str, body: str, start: int) -> dict[str, object]:
    """Fields of the spec from the body of ``panel(...)`` (``start``: its offset)."""
    head, _, model = body.partition(",")
    names = head.split()
    span = Span(start, start + max(1, len(body)))
    bad = next((n for n in names if not _NAME.fullmatch(n)), None)
    if not names or len(names) > 2 or bad is not None:
        raise SpecError(
            f"expected panel(id [time][, re|fe|be]) (got panel({body.strip()}))",
            source=source,
            span=span,
            hint="e.g. panel(firm year, fe)",
        )
    key = " ".join(model.lower().split()) or "re"
    if key not in MODELS:
        near = closest(key, MODELS)
        raise SpecError(
            f"unknown panel model {model.strip()!r}; expected one of {', '.join(MODELS)}",
            source=source,
            span=Span(start + len(head) + 1, start + len(body)),
            hint=f"did you mean {near!r}?" if near else None,
        )
    fields: dict[str, object] = {
        "panel": PanelSpec(names[0], names[1] if len(names) == 2 else None),
        "estimator": MODELS[key],
    }
    if key == "fe":
        fields["absorb"] = (names[0],)
    return fields


def unparse_panel(panel: PanelSpec, estimator: str) -> str:
    """The ``panel(...)`` section for a spec; ``parse_panel`` reads it back.

    >>> unparse_panel(PanelSpec("firm", None), "xtreg_fe")
    'panel(firm, fe)'
    """
    model = next(k for k, v in MODELS.items() if v == estimator)
    names = " ".join(n for n in (panel.id, panel.time) if n)
    return f"panel({names}, {model})"
