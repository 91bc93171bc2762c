"""The model-string grammar: ``formula [| section]...``.

A section is ``name(body)``; the string is split only at top-level ``|`` (brackets and
quotes respected), so ``if(a == 1 | b == 2)`` stays whole. Sections:

=====================  ================================================================
``vce(name args, o)``  variance estimator, e.g. ``vce(cluster firm year)``, ``vce(hc3)``
``weights(v[, kind])`` observation weights; kind ``aweight`` (default), ``fweight``,
                       ``pweight``
``if(expr)``           row filter, see :mod:`vcereg.dsl.expr` (pandas missing semantics)
``fe(a b)``            absorbed fixed effects (alias ``absorb``)
``iv(d1 d2 ~ z1 z2)``  endogenous regressors and excluded instruments
``panel(id t, re)``    panel model: ``re`` (default), ``fe``, ``be``, ``be wls``
                       (Stata's ``xtset id t`` + ``xtreg, re``), see :mod:`.panel`
``logit``, ``probit``  maximum-likelihood models (also ``cloglog``, ``logistic``,
``poisson``, ``nbreg`` ``poisson``, ``nbreg``, ``glm(family, link)``), with or without
``glm(gamma, log)``    options in parentheses, see :mod:`.family`
``did(cs g, opts)``    staggered difference-in-differences, see :mod:`.did`; with it,
                       ``panel(id t)`` only names the unit and period
=====================  ================================================================

No formulaic here: the formula part is kept as text and checked where it is built.

>>> spec = parse("G3 ~ absences | vce(cluster school)")
>>> spec.formula, spec.vce.name, spec.vce.args
('G3 ~ absences', 'cluster', ('school',))
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..errors import Span, SpecError, VceSyntaxError, closest
from ..spec import (
    Dialect,
    DidSpec,
    IVSpec,
    ModelSpec,
    PanelSpec,
    SampleSpec,
    VceSpec,
    WeightKind,
    WeightSpec,
)
from .did import parse_did, unparse_did
from .family import FAMILY_SECTIONS, parse_family, unparse_family
from .ivopts import format_iv_options, parse_iv_options
from .names import QUOTED, split_names
from .panel import parse_panel, unparse_panel

__all__ = ["SECTIONS", "parse", "parse_vce", "split_top_level", "unparse"]

SECTIONS = ("vce", "weights", "if", "fe", "iv", "panel", "did", *FAMILY_SECTIONS)
_SECTION_ALIASES = {"weight": "weights", "absorb": "fe"}  # accepted spellings
_MISTAKES = {"cluster": "vce", "robust": "vce"}  # words people write instead of a section
_OPEN = {"(": ")", "[": "]", "{": "}"}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


@dataclass(frozen=True, slots=True)
class _Piece:
    text: str
    start: int  # offset of text[0] in the source


def split_top_level(
    source: str, sep: str, *, start: int = 0, end: int | None = None
) -> list[_Piece]:
    """Split ``source[start:end]`` at ``sep`` outside brackets and quotes (keeps offsets)."""
    end = len(source) if end is None else end
    pieces: list[_Piece] = []
    stack: list[tuple[str, int]] = []
    quote: tuple[str, int] | None = None
    last = start
    for i in range(start, end):
        ch = source[i]
        if quote is not None:
            if ch == quote[0] and source[i - 1] != "\\":
                quote = None
            continue
        if ch in "'\"`":
            quote = (ch, i)
        elif ch in _OPEN:
            stack.append((ch, i))
        elif ch in _OPEN.values():
            if not stack or _OPEN[stack[-1][0]] != ch:
                raise SpecError(
                    f"unbalanced {ch!r}: no matching opening bracket",
                    source=source,
                    span=Span(i, i + 1),
                )
            stack.pop()
        elif ch == sep and not stack:
            pieces.append(_Piece(source[last:i], last))
            last = i + 1
    if quote is not None:
        raise SpecError("unterminated string", source=source, span=Span(quote[1], end))
    if stack:
        ch, pos = stack[-1]
        raise SpecError(
            f"unbalanced {ch!r}: expected {_OPEN[ch]!r} before the end",
            source=source,
            span=Span(pos, pos + 1),
        )
    pieces.append(_Piece(source[last:end], last))
    return pieces


def _strip(piece: _Piece) -> _Piece:
    lead = len(piece.text) - len(piece.text.lstrip())
    return _Piece(piece.text.strip(), piece.start + lead)


def parse(source: str, *, vce: str | None = None) -> ModelSpec:
    """Parse a model string into a :class:`~vcereg.spec.ModelSpec`.

    Parameters
    ----------
    source
        ``"y ~ x1 + x2 | vce(robust) | weights(w) | if(age > 18)"``.
    vce
        Variance request given separately (``vce="cluster school"``); an error if the
        string has a ``vce(...)`` section too.

    >>> parse("y ~ x | weights(w, fweight)").weights
    WeightSpec(var='w', kind=<WeightKind.FWEIGHT: 'fweight'>)
    """
    if not isinstance(source, str):
        raise SpecError(f"expected the model as a string (got {type(source).__name__})")
    pieces = [_strip(p) for p in split_top_level(source, "|")]
    formula = pieces[0]
    if not formula.text:
        raise SpecError("empty formula: expected 'y ~ x1 + x2'", source=source, span=Span(0, 1))
    if "~" not in formula.text:
        raise SpecError(
            "expected a formula with '~' such as 'y ~ x' (got no '~')",
            source=source,
            span=Span(formula.start, formula.start + len(formula.text)),
            hint="write the dependent variable, '~', then the regressors: 'G3 ~ absences'",
        )
    fields: dict[str, object] = {"formula": formula.text, "source": source}
    seen: dict[str, _Piece] = {}
    for piece in pieces[1:]:
        name, body, body_start = _section(source, piece)
        if name in seen:
            raise SpecError(
                f"section {name}(...) given twice",
                source=source,
                span=Span(piece.start, piece.start + len(piece.text)),
            )
        family = next((s for s in seen if s in FAMILY_SECTIONS), None)
        if name in FAMILY_SECTIONS and family is not None:
            raise SpecError(
                f"a model has one family: {family} and {name} are both given",
                source=source,
                span=Span(piece.start, piece.start + len(piece.text)),
            )
        seen[name] = piece
        if name in FAMILY_SECTIONS:
            fields.update(parse_family(source, name, body, body_start))
        else:
            fields.update(_SECTION_PARSERS[name](source, body, body_start))
    if vce is not None:
        if "vce" in seen:
            p = seen["vce"]
            raise SpecError(
                "the variance is given twice: in the string and as vce=; keep one",
                source=source,
                span=Span(p.start, p.start + len(p.text)),
            )
        fields["vce"] = parse_vce(vce)
    if "did" in seen:
        _merge_did(source, fields, seen)
    elif "panel" in seen and "fe" in seen:
        p = seen["fe"]
        raise SpecError(
            "fe(...) cannot be combined with panel(...): write panel(id, fe) for the within "
            "estimator, or drop panel(...) and use fe(...) alone",
            source=source,
            span=Span(p.start, p.start + len(p.text)),
        )
    if "absorb" in fields and "estimator" not in fields:
        fields["estimator"] = "reghdfe"
    return ModelSpec(**fields)  # type: ignore[arg-type]


def _merge_did(source: str, fields: dict[str, object], seen: dict[str, _Piece]) -> None:
    """With did(...), panel(id time) only names the unit and period; fe() and iv() do not
    apply."""
    for other in ("fe", "iv"):
        if other in seen:
            p = seen[other]
            raise SpecError(
                f"{other}(...) cannot be combined with did(...): the DiD estimators choose "
                "their own fixed effects",
                source=source,
                span=Span(p.start, p.start + len(p.text)),
            )
    did = fields["did"]
    rc = bool(fields.pop("_did_rc", False))
    panel = fields.pop("panel", None)
    fields.pop("absorb", None)
    fields["estimator"] = "did"
    if isinstance(panel, PanelSpec) and isinstance(did, DidSpec):
        fields["did"] = replace(
            did,
            id=None if rc else (did.id or panel.id),
            time=did.time or panel.time or (panel.id if rc else None),
        )


def _section(source: str, piece: _Piece) -> tuple[str, str, int]:
    span = Span(piece.start, piece.start + max(1, len(piece.text)))
    if not piece.text:
        raise SpecError(
            "empty section after '|': expected one of " + ", ".join(f"{s}(...)" for s in SECTIONS),
            source=source,
            span=Span(max(0, piece.start - 1), piece.start),
        )
    m = _NAME.match(piece.text)
    if m is not None and m.end() == len(piece.text) and m.group(0).lower() in FAMILY_SECTIONS:
        return m.group(0).lower(), "", piece.start + m.end()  # a bare family: "| logit"
    if m is None or len(piece.text) == m.end() or piece.text[m.end()] != "(":
        word = m.group(0) if m else piece.text.split()[0]
        near = closest(word, SECTIONS) or _MISTAKES.get(word.lower())
        raise SpecError(
            f"expected a section such as vce(...) after '|' (got {piece.text!r})",
            source=source,
            span=span,
            hint=f"did you mean {near}(...)?"
            if near
            else "sections: " + ", ".join(f"{s}(...)" for s in SECTIONS),
        )
    word = m.group(0)
    name = word.lower()
    name = _SECTION_ALIASES.get(name, name)
    if name not in SECTIONS:
        near = closest(name, SECTIONS) or _MISTAKES.get(name)
        raise SpecError(
            f"unknown section {word}(...); expected one of "
            + ", ".join(f"{s}(...)" for s in SECTIONS),
            source=source,
            span=Span(piece.start, piece.start + len(word)),
            hint=f"did you mean {near}(...)?" if near else None,
        )
    if not piece.text.endswith(")"):
        raise SpecError(
            f"unexpected text after {word}(...)",
            source=source,
            span=Span(piece.start + piece.text.rfind(")") + 1, piece.start + len(piece.text)),
        )
    body_start = piece.start + m.end() + 1
    return name, piece.text[m.end() + 1 : -1], body_start


def parse_vce(text: str, *, source: str | None = None, offset: int = 0) -> VceSpec:
    """Parse the body of ``vce(...)``: ``name [args...] [, option option(value) ...]``.

    The name is lower-cased but not resolved; :func:`vcereg.vce.resolve` maps aliases.

    >>> v = parse_vce("cluster firm year, cgm")
    >>> v.name, v.args, v.options
    ('cluster', ('firm', 'year'), (('cgm', ''),))
    """
    src = text if source is None else source
    parts = split_top_level(src, ",", start=offset, end=offset + len(text))
    if len(parts) > 2:
        extra = parts[2]
        raise VceSyntaxError(
            "expected at most one ',' in vce(...): 'name args, options'",
            source=src,
            span=Span(extra.start - 1, extra.start),
        )
    head = _strip(parts[0])
    tokens = split_names(head.text)
    words = [w for w, _, _ in tokens]
    if not words:
        raise VceSyntaxError(
            "empty vce(): expected a variance type such as robust, hc3 or cluster <var>",
            source=src,
            span=Span(offset, offset + max(1, len(text))),
        )
    bad = next(((w, at) for w, at, q in tokens if not q and not _NAME.fullmatch(w)), None)
    if bad is not None:
        pos = head.start + bad[1]
        raise VceSyntaxError(
            f"expected variable names in vce(...) (got {bad[0]!r})",
            source=src,
            span=Span(pos, pos + len(bad[0])),
            hint="write a name with spaces in backquotes, `my var`, or as Q('my var')",
        )
    options: list[tuple[str, str]] = []
    if len(parts) == 2:
        options = _options(src, _strip(parts[1]))
    return VceSpec(
        name=words[0].lower(),
        args=tuple(words[1:]),
        options=tuple(sorted(options)),
        text=text.strip(),
        span=Span(offset, offset + len(text)),
    )


_OPTION = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(\(([^()]*)\))?\s*")


def _options(source: str, piece: _Piece) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(piece.text):
        m = _OPTION.match(piece.text, pos)
        if m is None or m.end() == pos:
            at = piece.start + pos
            raise VceSyntaxError(
                "expected options as 'name' or 'name(value)'",
                source=source,
                span=Span(at, at + 1),
            )
        out.append((m.group(1).lower(), (m.group(3) or "").strip()))
        pos = m.end()
    return out


def _vce_section(source: str, body: str, start: int) -> dict[str, object]:
    return {"vce": parse_vce(body, source=source, offset=start)}


def _weights_section(source: str, body: str, start: int) -> dict[str, object]:
    parts = [_strip(p) for p in split_top_level(source, ",", start=start, end=start + len(body))]
    var = parts[0]
    quoted = QUOTED.fullmatch(var.text)
    if quoted:
        var = _Piece(next(g for g in quoted.groups() if g is not None), var.start)
    elif not _NAME.fullmatch(var.text):
        raise SpecError(
            f"expected one weight variable in weights(...) (got {var.text!r})",
            source=source,
            span=Span(var.start, var.start + max(1, len(var.text))),
        )
    kind = WeightKind.AWEIGHT
    if len(parts) == 2:
        word = parts[1].text.lower()
        aliases = {"aw": "aweight", "fw": "fweight", "pw": "pweight", "analytic": "aweight"}
        word = aliases.get(word, word)
        valid = [k.value for k in WeightKind]
        if word not in valid:
            near = closest(word, valid)
            raise SpecError(
                f"unknown weight type {parts[1].text!r}; expected one of {', '.join(valid)}",
                source=source,
                span=Span(parts[1].start, parts[1].start + max(1, len(parts[1].text))),
                hint=f"did you mean {near!r}?" if near else None,
            )
        kind = WeightKind(word)
    elif len(parts) > 2:
        raise SpecError(
            "expected weights(var) or weights(var, fweight)",
            source=source,
            span=Span(parts[2].start, parts[2].start + max(1, len(parts[2].text))),
        )
    return {"weights": WeightSpec(var.text, kind)}


def _if_section(source: str, body: str, start: int) -> dict[str, object]:
    if not body.strip():
        raise SpecError(
            "empty if(): expected a condition such as if(age >= 18)",
            source=source,
            span=Span(start - 3, start + 1),
        )
    lead = len(body) - len(body.lstrip())
    text = body.strip()
    span = Span(start + lead, start + lead + len(text))
    return {"sample": SampleSpec(text, Dialect.PYTHON, span)}


def _fe_section(source: str, body: str, start: int) -> dict[str, object]:
    tokens = split_names(body.replace("+", " "))
    names = [n for n, _, _ in tokens]
    bad = next(
        (
            (n, at)
            for n, at, quoted in tokens
            if not quoted and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(#[A-Za-z_]\w*)*", n)
        ),
        None,
    )
    if not names or bad is not None:
        at = start + (bad[1] if bad else 0)
        raise SpecError(
            "expected variable names in fe(...), e.g. fe(firm year)",
            source=source,
            span=Span(at, at + max(1, len(bad[0] if bad else body))),
            hint="write a name with spaces in backquotes, `my var`, or as Q('my var')",
        )
    return {"absorb": tuple(names)}


def _iv_section(source: str, body: str, start: int) -> dict[str, object]:
    body, comma, opts = body.partition(",")
    if body.count("~") != 1:
        raise SpecError(
            "expected iv(endogenous ~ instruments), e.g. iv(price ~ tax distance)",
            source=source,
            span=Span(start, start + max(1, len(body))),
        )
    left, right = body.split("~")
    endog = tuple(left.replace("+", " ").split())
    inst = tuple(right.replace("+", " ").split())
    if not endog or not inst:
        raise SpecError(
            "iv(...) needs at least one endogenous regressor and one instrument",
            source=source,
            span=Span(start, start + max(1, len(body))),
        )
    iv = IVSpec(endog, inst)
    if comma:
        iv = parse_iv_options(iv, opts, source, start + len(body) + 1)
    return {"iv": iv}


_SECTION_PARSERS = {
    "vce": _vce_section,
    "weights": _weights_section,
    "if": _if_section,
    "fe": _fe_section,
    "iv": _iv_section,
    "panel": parse_panel,
    "did": parse_did,
}


def unparse(spec: ModelSpec) -> str:
    """Write a spec back as a model string (``parse(unparse(s))`` reproduces ``s``).

    >>> unparse(parse("y ~ x | vce(robust) | if(x > 0)"))
    'y ~ x | if(x > 0) | vce(robust)'
    """
    parts = [spec.formula]
    if spec.did is not None:
        parts.append(unparse_did(spec.did))
    elif spec.estimator.startswith("xtreg_") and spec.panel is not None:
        parts.append(unparse_panel(spec.panel, spec.estimator))
    elif spec.absorb:
        parts.append(f"fe({' '.join(spec.absorb)})")
    if spec.iv is not None:
        iv = spec.iv
        parts.append(
            f"iv({' '.join(iv.endog)} ~ {' '.join(iv.instruments)}{format_iv_options(iv)})"
        )
    if spec.weights is not None:
        kind = "" if spec.weights.kind is WeightKind.AWEIGHT else f", {spec.weights.kind.value}"
        parts.append(f"weights({spec.weights.var}{kind})")
    if spec.sample is not None:
        parts.append(f"if({spec.sample.expr})")
    if spec.family is not None:
        parts.append(unparse_family(spec.family))
    if spec.vce.name != "ols" or spec.vce.args or spec.vce.options:
        parts.append(str(spec.vce))
    return " | ".join(parts)
