"""Spelling columns and terms the Stata way, and the columns Stata would build.

* :func:`stata_term_name` turns formulaic column names into Stata's (``C(region)[T.2]`` →
  ``2.region``, ``Intercept`` → ``_cons``);
* :func:`check_coding` refuses a factor-variable list whose formulaic columns would not be
  Stata's (formulaic and Stata choose the omitted indicator cells by different rules);
* :func:`formula_to_stata` spells a formulaic formula as a Stata variable list (for
  :func:`vcereg.stata_lang.unparse`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence

from ..errors import NotSupportedError
from ..spec import TsVar
from .factors import PLACEHOLDER, FTerm, categorical_expr, term_pieces

__all__ = ["check_coding", "formula_to_stata", "split_top", "stata_term_name"]

_POWER = re.compile(r"I\((?P<var>[A-Za-z_]\w*) \*\* (?P<k>\d+)\)")
_C_EXPR = re.compile(r"C\((?P<var>[A-Za-z_]\w*)(?:, contr\.treatment\(base=(?P<base>[^()]+)\))?\)")


def split_top(text: str, sep: str) -> list[str]:
    """Split ``text`` at ``sep`` outside brackets and quotes.

    >>> split_top("C(a)[T.1]:x", ":")
    ['C(a)[T.1]', 'x']
    """
    out, depth, quote, last = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == sep and depth == 0:
            out.append(text[last:i])
            last = i + 1
    out.append(text[last:])
    return out


def _level(text: str) -> str:
    return text[:-2] if re.fullmatch(r"-?\d+\.0", text) else text


def stata_term_name(formulaic_name: str, factor_names: Mapping[str, str]) -> str:
    """Stata's name for a formulaic column.

    Parameters
    ----------
    formulaic_name
        A column name from formulaic, e.g. ``"C(a)[T.1]:x"``.
    factor_names
        Formulaic factor expression → Stata spelling (``ModelSpec.factor_names``), e.g.
        ``{"C(a)": "a", "L1__x": "L.x"}``. Expressions ``C(v, ...)`` not listed map to ``v``.

    Returns
    -------
    str
        ``"_cons"``, ``"2.region"``, ``"1.a#c.x"``, ``"c.x#c.x"``, ``"L.x"``; names that are
        not formulaic's factor or interaction spelling come back unchanged.

    Examples
    --------
    >>> stata_term_name("C(a)[T.1]:C(b)[2]", {})
    '1.a#2.b'
    >>> stata_term_name("C(g, contr.treatment(base=2))[T.4.0]:x", {})
    '4.g#c.x'
    >>> stata_term_name("L1__x", {"L1__x": "L.x"}), stata_term_name("Intercept", {})
    ('L.x', '_cons')
    """
    if formulaic_name == "Intercept":
        return "_cons"
    parts = split_top(formulaic_name, ":")
    out: list[str] = []
    for part in parts:
        open_at = part.rfind("[")
        if part.endswith("]") and open_at > 0:
            expr, level = part[:open_at], part[open_at + 1 : -1]
            level = level[2:] if level.startswith("T.") else level
            m = _C_EXPR.fullmatch(expr)
            var = factor_names.get(expr) or (m.group("var") if m else expr)
            out.append(f"{_level(level)}.{var}")
            continue
        power = _POWER.fullmatch(part)
        if power is not None:
            label = factor_names.get(power.group("var"), power.group("var"))
            out.extend([_continuous(label)] * int(power.group("k")))
            continue
        label = factor_names.get(part, part)
        out.append(_continuous(label) if len(parts) > 1 else label)
    return "#".join(out)


def _continuous(label: str) -> str:
    """``x`` → ``c.x``; an operated ``L.x`` → ``cL.x`` (Stata's spelling in interactions)."""
    return f"c{label}" if re.match(r"[LFDS]\d*\.", label) else f"c.{label}"


# --- which indicator cells each side keeps --------------------------------------------------

_Key = tuple[frozenset[str], frozenset[str]]  # (categorical factors, continuous factors)
_Scoped = frozenset[tuple[str, bool]]  # (factor, reduced) pairs


def _key(term: FTerm) -> tuple[tuple[str, ...], frozenset[str]]:
    pieces = term_pieces(term)
    return tuple(p for p, cat in pieces if cat), frozenset(p for p, cat in pieces if not cat)


def _product(options: list[tuple[bool, ...]]) -> Iterator[tuple[bool, ...]]:
    if not options:
        yield ()
        return
    for head in options[0]:
        for tail in _product(options[1:]):
            yield (head, *tail)


def _simplify(scoped: list[_Scoped]) -> list[_Scoped]:
    """Port of formulaic's ``_simplify_scoped_terms`` (reduced + marginal → full rank)."""
    terms: list[_Scoped] = []
    for st in sorted(scoped, key=len):
        combined = False
        for existing in terms:
            diff = st - existing
            if len(st) - 1 != len(existing) or len(diff) != 1:
                continue
            new = next(iter(diff))
            if new[1]:
                merged = frozenset((f, False) if (f, r) == new else (f, r) for f, r in st)
                rest = [t for t in terms if t != existing]
                terms = _simplify([*rest, *([] if merged in rest else [merged])])
                combined = True
                break
        if not combined and st not in terms:
            terms.append(st)
    return terms


def _formulaic_cells(
    cats: tuple[str, ...], nums: frozenset[str], spanned: set[_Scoped]
) -> frozenset[tuple[bool, ...]] | None:
    """Cells (True = base level, per categorical factor) formulaic builds for one term;
    ``None`` when some column is not a cell indicator (a factor marginalised away)."""
    numeric = frozenset((n, False) for n in nums)
    span: list[_Scoped] = []
    for mask in range(2 ** len(cats) - 1, -1, -1):  # the order of itertools.product
        chosen = [c for i, c in enumerate(cats) if mask >> (len(cats) - 1 - i) & 1]
        st = frozenset((c, True) for c in chosen) | numeric
        if st not in spanned and st not in span:
            span.append(st)
    spanned.update(span)
    cells: set[tuple[bool, ...]] = set()
    for st in _simplify(span):
        coding = {f: r for f, r in st if f in cats}
        if len(coding) != len(cats):
            return None
        cells.update(_product([(False,) if coding[c] else (False, True) for c in cats]))
    return frozenset(cells)


def _stata_cells(
    cats: tuple[str, ...], nums: frozenset[str], present: set[_Key], bn: bool
) -> frozenset[tuple[bool, ...]]:
    """Cells Stata keeps. A main effect drops its base (unless ``ibn.``). An interaction
    drops a cell when the factors at their base level, S, leave a lower-order term (T
    without S) that is in the model too; the constant is the empty term ([U] 11.4.3:
    ``sex#c.age`` is one slope per sex, unless ``age`` is in the model)."""
    if len(cats) == 1 and not nums:
        return frozenset({(False,), (True,)} if bn else {(False,)})
    kept: set[tuple[bool, ...]] = set()
    for cell in _product([(False, True)] * len(cats)):
        base = [c for c, b in zip(cats, cell, strict=True) if b]
        lower = (
            (frozenset(c for c in cats if c not in s), nums)
            for k in range(1, len(base) + 1)
            for s in _subsets(base, k)
        )
        if not any(key in present for key in lower):
            kept.add(cell)
    return frozenset(kept)


def _subsets(items: list[str], k: int) -> Iterator[set[str]]:
    if k == 0:
        yield set()
        return
    for i, item in enumerate(items):
        for rest in _subsets(items[i + 1 :], k - 1):
            yield {item, *rest}


def check_coding(terms: Sequence[FTerm], *, constant: bool, source: str) -> None:
    """Raise ``NotSupportedError`` unless formulaic builds Stata's indicator columns.

    Formulaic (like patsy) codes a factor in full or reduced rank depending on the terms
    spanned before it; Stata omits base cells by its own rule. Both are replayed on the
    terms; where they differ the model would differ, so it is refused.

    >>> from vcereg.stata_lang.factors import parse_varlist
    >>> check_coding(parse_varlist("i.a##i.b c.x i.a#c.x").terms, constant=True, source="")
    >>> try:
    ...     check_coding(parse_varlist("i.a#i.b").terms, constant=True, source="i.a#i.b")
    ... except NotSupportedError as exc:
    ...     print(exc.hint)
    add the main effects (i.a##i.b) or generate the cell indicators you want
    """
    spelled: dict[str, str] = {}
    for t in terms:
        for f in t.factors:
            expr = categorical_expr(f) if f.kind == "i" else ""
            if expr and spelled.setdefault(f.name, expr) != expr:
                raise NotSupportedError(
                    f"{f.name} is used with two different base levels; Stata and formulaic "
                    "would not agree on the columns",
                    source=source,
                    span=f.span,
                    hint=f"use the same base for {f.name} in every term",
                )
    keyed: list[tuple[FTerm, tuple[str, ...], frozenset[str]]] = []
    for t in terms:
        if all(_key(t) != (c, n) for _, c, n in keyed):
            keyed.append((t, *_key(t)))
    present: set[_Key] = {(frozenset(c), n) for _, c, n in keyed}
    spanned: set[_Scoped] = set()
    if constant:
        present.add((frozenset(), frozenset()))
        spanned.add(frozenset())
    for t, cats, nums in sorted(keyed, key=lambda k: len(k[1]) + len(k[2])):
        bn = any(f.bn for f in t.factors)
        if bn and (len(t.factors) > 1 or constant):
            raise NotSupportedError(
                "ibn. (no base level) is supported only for a main effect with noconstant",
                source=source,
                span=t.span,
                hint="write i. (the base level is omitted) or add the option noconstant",
            )
        if cats and not constant and len(cats) > 1:
            raise NotSupportedError(
                "interactions of factor variables without a constant are not supported yet",
                source=source,
                span=t.span,
            )
        mine = _formulaic_cells(cats, nums, spanned)
        if cats and mine != _stata_cells(cats, nums, present, bn):
            single = len(t.factors) == 1
            names = "##".join(f.stata for f in t.factors)
            raise NotSupportedError(
                f"{t.text}: formulaic would code this "
                + ("factor" if single else "interaction")
                + " differently from Stata (other indicator columns)",
                source=source,
                span=t.span,
                hint=f"with noconstant write ibn.{t.factors[0].name} for all levels"
                if single
                else f"add the main effects ({names}) or generate the cell indicators you want",
            )


# --- formulaic formula → Stata variable list ------------------------------------------------


def formula_to_stata(formula: str, tsvars: Sequence[TsVar] = ()) -> tuple[str, list[str], bool]:
    """Spell a formulaic formula as ``(depvar, Stata terms, has_constant)``.

    Understands what :func:`vcereg.stata_lang.parse` writes (``C(v)``, treatment bases,
    ``I(x ** k)``, ``a:b``, time-series columns, ``- 1``) and raises ``NotSupportedError``
    for anything else.

    >>> formula_to_stata("y ~ C(a) + C(a):x + I(x ** 2) - 1")
    ('y', ['ibn.a', 'i.a#c.x', 'c.x#c.x'], False)
    """
    labels = {tv.name: tv.label for tv in tsvars}
    sides = split_top(formula, "~")
    if len(sides) != 2:
        raise NotSupportedError(f"expected one '~' in the formula (got {formula!r})")
    dep = sides[0].strip()
    if not re.fullmatch(r"[A-Za-z_]\w*", dep):
        raise NotSupportedError(f"no Stata spelling for the dependent variable {dep!r}")
    constant, terms = True, []
    for chunk in split_top(sides[1].replace("-", "+-"), "+"):
        text = chunk.strip()
        if text in ("", "1"):
            continue
        if text in ("0", "-1", "- 1") or re.fullmatch(r"-\s*1", text):
            constant = False
        elif text.startswith("-"):
            raise NotSupportedError(f"no Stata spelling for removing a term ({text!r})")
        else:
            terms.append(split_top(text, ":"))
    out: list[str] = []
    full = not constant  # formulaic codes the first factor main effect in full: ibn.
    for pieces in terms:
        words = [_spell(p.strip(), labels, len(pieces) == 1) for p in pieces]
        if full and len(words) == 1 and re.match(r"i(b\S*)?\.", words[0]):
            words, full = ["ibn." + words[0].split(".", 1)[1]], False
        out.append("#".join(words))
    return labels.get(dep, dep), out, constant


def _spell(piece: str, labels: Mapping[str, str], single: bool) -> str:
    m = _C_EXPR.fullmatch(piece)
    if m is not None:
        base = m.group("base")
        if base is None:
            return f"i.{m.group('var')}"
        mark = PLACEHOLDER.fullmatch(base)
        if mark is not None:
            how = f"#{mark.group(2)}" if mark.group(2) else mark.group(1)
            return f"ib({how}).{m.group('var')}"
        if base.isdigit():
            return f"ib{base}.{m.group('var')}"
    power = _POWER.fullmatch(piece)
    if power is not None:
        label = labels.get(power.group("var"), power.group("var"))
        return "#".join([_continuous(label)] * int(power.group("k")))
    if re.fullmatch(r"[A-Za-z_]\w*", piece):
        label = labels.get(piece, piece)
        return label if single else _continuous(label)
    raise NotSupportedError(
        f"no Stata spelling for the formula term {piece!r}",
        hint="Stata lines support variables, i./ib#./c. factor notation, # interactions "
        "and time-series operators",
    )
