"""Linear hypotheses after a fit: parsing ``"x1 = x2, x3 = 0"``, Wald tests and ``lincom``.

The public parser is small so that other post-estimation commands (``boottest``,
``hausman``, ``margins``) can reuse it:

``parse_restrictions(text, names, aliases=None) -> (R, r)``
    ``R`` is (q, k) over ``names`` and ``r`` (q,), for the hypothesis ``R b = r``.

Grammar: restrictions are separated by commas, or written as Stata's parenthesised
groups ``(x1 = 0) (x2 = 0)``; each is ``linear = linear`` or just ``linear`` (meaning
``= 0``); a bare list of names ``x1 x2`` tests that each is zero (Stata's ``test x1 x2``).
A linear expression combines coefficient names and numbers with ``+ - * /`` and
parentheses, as long as it stays linear (``2*x1 - x2/3 + 1``). Names are the fit's term
names or any alias (Stata display names such as ``2.g``, ``c.x1#c.x2``, ``_cons``, and
``_b[x1]``); the longest matching name wins, so ``x10`` is not read as ``x1`` then ``0``.

Wald test (Stata's ``test``): ``W = (Rb - r)' (R V R')^- (Rb - r)`` over the restrictions
kept, reported as ``F = W / q*`` on (q*, df) when the fit uses t inference and as
``chi2(q*)`` when it uses the normal. Restrictions are taken in order and one that is a
linear combination of those kept before it, or has zero variance, is dropped and counted
(Stata's "constraint 2 dropped"); the decision is made on the correlation form of
``R V R'``, so it is scale-invariant. q* is the number kept. It is the rule of the model
F test (:func:`vcereg.inference.wald_test`).

>>> R, r = parse_restrictions("x1 = x2, 2*x2 = 1", ["Intercept", "x1", "x2"])
>>> R.tolist(), r.tolist()
([[0.0, 1.0, -1.0], [0.0, 0.0, 2.0]], [0.0, 1.0])
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from .._lazy import lazy_import
from .._types import FloatArray
from ..errors import HypothesisError, Span, closest
from ..inference import quadratic_form

stats = lazy_import("scipy.stats")

__all__ = ["WaldResult", "lincom", "parse_restrictions", "split_restrictions", "wald"]

_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_B = re.compile(r"_b\[\s*([^\]]+?)\s*\]")


def split_restrictions(text: str) -> list[tuple[str, int]]:
    """The restrictions of ``text`` with their offsets: commas, or Stata's ``(a) (b)`` groups.

    >>> split_restrictions("(x1 = 0) (x2 = 0)")
    [('x1 = 0', 1), ('x2 = 0', 10)]
    >>> split_restrictions("(x1 + x2 = 0.5)")
    [('x1 + x2 = 0.5', 1)]
    """
    parts: list[tuple[str, int]] = []
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
            if depth < 0:
                raise HypothesisError("unbalanced ')'", source=text, span=Span(i, i + 1))
        elif ch == "," and depth == 0:
            parts.append((text[start:i], start))
            start = i + 1
    if depth:
        raise HypothesisError("unbalanced '(': expected ')'", source=text, span=Span(0, len(text)))
    parts.append((text[start:], start))
    if len(parts) == 1:
        groups = list(re.finditer(r"\(([^()]*(?:\([^()]*\)[^()]*)*)\)", text))
        rest = re.sub(r"\(([^()]*(?:\([^()]*\)[^()]*)*)\)", "", text).strip()
        if groups and not rest and all("=" in g.group(1) for g in groups):
            return [(g.group(1), g.start(1)) for g in groups]
    out = []
    for piece, at in parts:
        lead = len(piece) - len(piece.lstrip())
        if not piece.strip():
            raise HypothesisError(
                "empty restriction: expected e.g. 'x1 = x2'",
                source=text,
                span=Span(at, at + max(1, len(piece))),
            )
        out.append((piece.strip(), at + lead))
    return out


class _Parser:
    """Recursive descent over one side of a restriction, producing (coefficients, constant)."""

    def __init__(self, text: str, lookup: Mapping[str, int], k: int, source: str, at: int):
        self.text, self.lookup, self.k, self.source, self.at = text, lookup, k, source, at
        self.pos = 0
        self.names = sorted(lookup, key=len, reverse=True)

    def error(self, message: str, a: int, b: int, hint: str | None = None) -> HypothesisError:
        return HypothesisError(
            message, source=self.source, span=Span(self.at + a, self.at + max(b, a + 1)), hint=hint
        )

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.skip()
        return self.text[self.pos : self.pos + 1]

    def parse(self) -> tuple[FloatArray, float]:
        coef, const = self.expr()
        if self.peek():
            raise self.error(
                f"unexpected {self.text[self.pos :]!r}: expected an operator (+ - * /)",
                self.pos,
                len(self.text),
            )
        return coef, const

    def expr(self) -> tuple[FloatArray, float]:
        coef, const = self.term()
        while self.peek() in ("+", "-"):
            sign = 1.0 if self.text[self.pos] == "+" else -1.0
            self.pos += 1
            c2, k2 = self.term()
            coef, const = coef + sign * c2, const + sign * k2
        return coef, const

    def term(self) -> tuple[FloatArray, float]:
        coef, const = self.factor()
        while self.peek() in ("*", "/"):
            op, at = self.text[self.pos], self.pos
            self.pos += 1
            c2, k2 = self.factor()
            if op == "*" and not coef.any():
                coef, const = const * c2, const * k2
            elif not c2.any():
                if op == "/" and k2 == 0:
                    raise self.error("division by zero", at, self.pos)
                coef, const = (coef * k2, const * k2) if op == "*" else (coef / k2, const / k2)
            else:
                raise self.error(
                    "the hypothesis must be linear in the coefficients (got a product or "
                    "ratio of coefficients)",
                    at,
                    self.pos,
                )
        return coef, const

    def factor(self) -> tuple[FloatArray, float]:
        ch = self.peek()
        zero = np.zeros(self.k)
        if ch in ("+", "-"):
            self.pos += 1
            coef, const = self.factor()
            return (coef, const) if ch == "+" else (-coef, -const)
        if ch == "(":
            open_at = self.pos
            self.pos += 1
            out = self.expr()
            if self.peek() != ")":
                raise self.error("expected ')'", open_at, self.pos)
            self.pos += 1
            return out
        if not ch:
            raise self.error(
                "expected a coefficient name or a number (got nothing)", self.pos, self.pos
            )
        start = self.pos
        m = _B.match(self.text, start)
        if m is not None:
            self.pos = m.end()
            return self.name(m.group(1), start, m.end()), 0.0
        for name in self.names:
            if self.text.startswith(name, start):
                end = start + len(name)
                if not (name[-1].isalnum() or name[-1] == "_") or not _continues(self.text, end):
                    self.pos = end
                    return self.name(name, start, end), 0.0
        m = _NUMBER.match(self.text, start)
        if m is not None and not _continues(self.text, m.end()):
            self.pos = m.end()
            return zero, float(m.group(0))
        m = _WORD.match(self.text, start) or re.compile(r"\S+").match(self.text, start)
        assert m is not None  # peek() saw a non-space character
        word = m.group(0)
        near = closest(word, list(self.lookup))
        raise self.error(
            f"unknown coefficient {word!r}; coefficients are: {', '.join(self._shown())}",
            start,
            m.end(),
            hint=f"did you mean {near!r}?" if near else None,
        )

    def name(self, word: str, a: int, b: int) -> FloatArray:
        if word not in self.lookup:
            near = closest(word, list(self.lookup))
            raise self.error(
                f"unknown coefficient {word!r}",
                a,
                b,
                hint=f"did you mean {near!r}?" if near else None,
            )
        out = np.zeros(self.k)
        out[self.lookup[word]] = 1.0
        return out

    def _shown(self) -> list[str]:
        seen: dict[int, str] = {}
        for n, i in self.lookup.items():
            seen.setdefault(i, n)
        return [seen[i] for i in sorted(seen)][:12]


def _continues(text: str, end: int) -> bool:
    return end < len(text) and (text[end].isalnum() or text[end] in "_.")


def parse_restrictions(
    text: str, names: Sequence[str], aliases: Mapping[str, str] | None = None
) -> tuple[FloatArray, FloatArray]:
    """Parse linear restrictions into ``(R, r)`` for ``R b = r``.

    Parameters
    ----------
    text
        ``"x1 = x2"``, ``"x1 = 0, x2 = 0"``, ``"(x1 = 0) (x2 = 0)"``, ``"x1 x2"``,
        ``"x1 + 2*x2 = 1"``.
    names
        The coefficient names, in the order of ``b``.
    aliases
        Other spellings of the names (``{"_cons": "Intercept", "2.g": "C(g)[T.2]"}``).

    Raises
    ------
    HypothesisError
        With a caret under the offending part and the closest coefficient name.

    Examples
    --------
    >>> R, r = parse_restrictions("x1 x2", ["x1", "x2"])
    >>> R.tolist(), r.tolist()
    ([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0])
    """
    if not isinstance(text, str) or not text.strip():
        raise HypothesisError("empty hypothesis: expected e.g. 'x1 = x2' or 'x1 = 0, x2 = 0'")
    lookup = {n: i for i, n in enumerate(names)}
    for alias, target in (aliases or {}).items():
        if target in lookup:
            lookup.setdefault(alias, lookup[target])
    rows: list[FloatArray] = []
    consts: list[float] = []
    for piece, at in split_restrictions(text):
        words = piece.split()
        if "=" not in piece and len(words) > 1 and all(w in lookup for w in words):
            for w in words:  # Stata's "test x1 x2": each is zero
                row = np.zeros(len(names))
                row[lookup[w]] = 1.0
                rows.append(row)
                consts.append(0.0)
            continue
        sides = piece.split("=")
        if len(sides) > 2 or "==" in piece:
            raise HypothesisError(
                "expected one '=' per restriction: 'x1 = x2'",
                source=text,
                span=Span(at, at + len(piece)),
            )
        lhs = _Parser(sides[0], lookup, len(names), text, at).parse()
        rhs = (np.zeros(len(names)), 0.0)
        if len(sides) == 2:
            rat = at + len(sides[0]) + 1
            if not sides[1].strip():
                raise HypothesisError(
                    "expected an expression after '='", source=text, span=Span(rat - 1, rat)
                )
            rhs = _Parser(sides[1], lookup, len(names), text, rat).parse()
        row = lhs[0] - rhs[0]
        if not row.any():
            raise HypothesisError(
                f"the restriction {piece!r} involves no coefficient",
                source=text,
                span=Span(at, at + len(piece)),
            )
        rows.append(row)
        consts.append(rhs[1] - lhs[1])
    return np.vstack(rows), np.asarray(consts, dtype=np.float64)


@dataclass(frozen=True)
class WaldResult:
    """A Wald test of ``R b = r``: Stata's ``test``.

    Attributes
    ----------
    stat
        F = W / q (``distribution == "F"``) or the chi-squared statistic W.
    pvalue
        Upper-tail probability.
    df
        (q, df_denom) for F, (q,) for chi-squared; q counts the restrictions kept.
    dropped
        Restrictions dropped because they are implied by others or have zero variance.
    """

    stat: float
    pvalue: float
    df: tuple[int, float] | tuple[int]
    distribution: Literal["F", "chi2"]
    restrictions: tuple[str, ...]
    dropped: int = 0
    R: FloatArray = field(default_factory=lambda: np.zeros((0, 0)), repr=False)
    r: FloatArray = field(default_factory=lambda: np.zeros(0), repr=False)

    def __str__(self) -> str:
        """Stata's ``test`` output."""
        lines = [f" ({i:2d})  {text}" for i, text in enumerate(self.restrictions, 1)]
        if self.dropped:
            lines.append(f"       Constraint(s) dropped: {self.dropped}")
        lines.append("")
        if self.distribution == "F":
            q, d = self.df[0], self.df[-1]
            lines.append(f"       F({q:3d},{d:6g}) ={self.stat:8.2f}")
            lines.append(f"            Prob > F ={self.pvalue:10.4f}")
        else:
            lines.append(f"           chi2({self.df[0]:3d}) ={self.stat:8.2f}")
            lines.append(f"         Prob > chi2 ={self.pvalue:10.4f}")
        return "\n".join(lines)


def _restriction_text(row: FloatArray, const: float, names: Sequence[str]) -> str:
    parts = []
    for c, n in zip(row, names, strict=True):
        if c == 0:
            continue
        mag = "" if abs(c) == 1 else f"{abs(c):g}*"
        sign = "-" if c < 0 else "+"
        parts.append(f"{sign} {mag}{n}")
    text = " ".join(parts).removeprefix("+ ")
    return f"{text} = {const:g}"


def wald(
    params: FloatArray,
    cov: FloatArray,
    R: FloatArray,
    r: FloatArray,
    df: float | None,
    names: Sequence[str] | None = None,
) -> WaldResult:
    """Wald test of ``R b = r`` with covariance ``cov``: F(q, df), or chi2(q) when df is None.

    >>> res = wald(np.array([1.0, 2.0]), np.eye(2), np.array([[1.0, -1.0]]), np.zeros(1), None)
    >>> round(res.stat, 6), res.df
    (0.5, (1,))
    """
    diff = R @ params - r
    # the constraints Stata's test keeps (in order, dropping combinations of earlier
    # ones), the same rule as the model F test, so test(all slopes) equals it
    w, q, _ = quadratic_form(diff, R @ cov @ R.T)
    texts = tuple(
        _restriction_text(row, c, names or [f"b{i}" for i in range(R.shape[1])])
        for row, c in zip(R, r, strict=True)
    )
    dropped = R.shape[0] - q
    if q == 0:
        nan = float("nan")
        return WaldResult(
            nan,
            nan,
            (0,) if df is None else (0, df),
            "chi2" if df is None else "F",
            texts,
            dropped,
            R,
            r,
        )
    if df is None:
        return WaldResult(w, float(stats.chi2.sf(w, q)), (q,), "chi2", texts, dropped, R, r)
    f = w / q
    return WaldResult(f, float(stats.f.sf(f, q, df)), (q, df), "F", texts, dropped, R, r)


def lincom(
    params: FloatArray,
    cov: FloatArray,
    R: FloatArray,
    r: FloatArray,
    df: float | FloatArray | None,
    level: float,
    label: str,
) -> pd.DataFrame:
    """Estimate of the combination ``R b - r`` (one row of R) with the ``tidy()`` columns.

    ``df`` may be a per-coefficient array: the df of the coefficient is used when the
    combination involves a single coefficient, else the smallest involved.

    >>> b, R = np.array([1.0, 2.0]), np.array([[1.0, 1.0]])
    >>> out = lincom(b, np.eye(2), R, np.zeros(1), None, 95, "a+b")
    >>> out.round(3).iloc[0].tolist()
    [3.0, 1.414, 2.121, 0.034, 0.228, 5.772]
    """
    if R.shape[0] != 1:
        raise HypothesisError(
            f"lincom takes one linear combination (got {R.shape[0]}); use test() for joint tests"
        )
    row = R[0]
    est = float(row @ params - r[0])
    se = float(np.sqrt(max(float(row @ cov @ row), 0.0)))
    if df is not None and np.ndim(df):
        used = np.asarray(df)[row != 0]
        df = float(np.nanmin(used)) if used.size else None
    t = est / se if se > 0 else float("nan")
    if df is None:
        p, crit = 2 * stats.norm.sf(abs(t)), stats.norm.ppf(0.5 + level / 200)
    else:
        p, crit = 2 * stats.t.sf(abs(t), df), stats.t.ppf(0.5 + level / 200, df)
    return pd.DataFrame(
        {
            "estimate": [est],
            "std_error": [se],
            "t": [t],
            "p": [float(p)],
            "ci_low": [est - crit * se],
            "ci_high": [est + crit * se],
        },
        index=pd.Index([label], name="term"),
    )
