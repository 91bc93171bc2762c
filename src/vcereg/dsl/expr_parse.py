"""The filter language's tokenizer, parser and syntax tree (see :mod:`vcereg.dsl.expr`).

:func:`parse_tree` turns the text into an immutable tree of frozen dataclasses
(:data:`Node`) by precedence climbing, one grammar for both dialects; it never evaluates
anything. Only whitelisted functions can be called; attribute access, subscripts, dunder
names, Python keywords and builtins raise :class:`~vcereg.errors.UnsafeExpressionError`,
other malformed text :class:`~vcereg.errors.ExpressionError` with a caret at the token.
"""

from __future__ import annotations

import builtins
import keyword
import re
from dataclasses import dataclass, replace
from typing import NoReturn, TypeAlias

from ..errors import ExpressionError, Span, UnsafeExpressionError, closest
from ..spec import Dialect

__all__ = [
    "COMPARISONS",
    "STATA_FUNCS",
    "SYSTEM_NAMES",
    "Binary",
    "Call",
    "Coef",
    "Const",
    "Index",
    "Missing",
    "Name",
    "Node",
    "SysVar",
    "Unary",
    "children",
    "parse_tree",
]


@dataclass(frozen=True, slots=True)
class Const:
    """A number, string or (python) boolean literal."""

    value: float | int | str | bool
    span: Span


@dataclass(frozen=True, slots=True)
class Missing:
    """Stata's missing literal; ``code`` is ``""`` for ``.``, else ``"a"`` to ``"z"``."""

    code: str
    span: Span


@dataclass(frozen=True, slots=True)
class Name:
    """A column."""

    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class Unary:
    """``op`` is ``"-"``, ``"+"`` or ``"!"`` (logical not)."""

    op: str
    operand: Node
    span: Span


@dataclass(frozen=True, slots=True)
class Binary:
    """``op`` is canonical: ``+ - * / ^ == != < <= > >= & |``."""

    op: str
    left: Node
    right: Node
    span: Span
    op_span: Span


@dataclass(frozen=True, slots=True)
class Call:
    """A whitelisted function; python's ``x in (1, 2)`` is ``inlist(x, 1, 2)``."""

    func: str
    args: tuple[Node, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Index:
    """Stata's explicit subscript ``x[exp]``: the value of ``x`` in observation ``exp``
    (within the ``by`` group, [U] 13.7)."""

    name: str
    index: Node
    span: Span


@dataclass(frozen=True, slots=True)
class SysVar:
    """A Stata system variable or constant: ``_n``, ``_N``, ``_pi``, ``_rc``."""

    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class Coef:
    """``_b[term]``, ``_se[term]`` (a coefficient or standard error of the active fit) or
    ``e(name)``, ``r(name)``, ``c(name)`` (a stored result, [U] 13.6)."""

    kind: str  # "_b" | "_se" | "e" | "r" | "c"
    term: str
    span: Span


Node: TypeAlias = Const | Missing | Name | Unary | Binary | Call | Index | SysVar | Coef


#: the comparison operators, canonical spelling (``~=`` is read as ``!=``)
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
_MANY = 10**6
_FUNCS = {"missing": (1, _MANY), "inlist": (2, _MANY), "inrange": (3, 3), "round": (1, 2)}
_FUNCS |= dict.fromkeys(("abs", "log", "ln", "exp", "sqrt", "floor", "ceil"), (1, 1))
_PY_FUNCS = _FUNCS | {"isna": (1, 1), "notna": (1, 1)}
_ONE = (
    "int log10 sign float sum sin cos tan asin acos atan invlogit logit normal invnormal "
    "lnfactorial strlen ustrlen length upper strupper ustrupper lower strlower ustrlower "
    "trim strtrim ustrtrim ltrim strltrim rtrim strrtrim itrim stritrim proper strproper "
    "strreverse reverse wordcount regexs real char year month day dow doy week quarter "
    "halfyear mofd dofm qofd dofq wofd dofw hofd dofh yofd dofy"
)
#: Stata's functions (name -> fewest and most arguments), [FN] Functions by category
STATA_FUNCS = _FUNCS | dict.fromkeys(_ONE.split(), (1, 1))
STATA_FUNCS |= dict.fromkeys(("min", "max"), (1, _MANY))
STATA_FUNCS |= dict.fromkeys(
    ("mod", "atan2", "comb", "strpos", "ustrpos", "strrpos", "word", "strmatch", "ym", "yq"),
    (2, 2),
)
STATA_FUNCS |= dict.fromkeys(("yw", "yh", "regexm", "ustrregexm"), (2, 2))
STATA_FUNCS |= {"substr": (3, 3), "usubstr": (3, 3), "regexr": (3, 3), "clip": (3, 3)}
STATA_FUNCS |= {"subinstr": (4, 4), "usubinstr": (4, 4), "cond": (3, 4), "mdy": (3, 3)}
STATA_FUNCS |= dict.fromkeys(("string", "strofreal", "normalden"), (1, 3))
STATA_FUNCS |= dict.fromkeys(("date", "daily", "monthly", "quarterly"), (2, 3))
#: Stata's system variables and constants ([U] 13.4)
SYSTEM_NAMES = frozenset(("_n", "_N", "_pi", "_rc"))
_RANDOM = frozenset(("runiform", "rnormal", "rbinomial", "rpoisson", "runiformint", "uniform"))
# infix token -> (canonical operator, binding power); postfix ( [ . bind at 90
_INFIX = {"|": ("|", 10), "&": ("&", 20), "+": ("+", 40), "-": ("-", 40), "*": ("*", 50)}
_INFIX |= {"/": ("/", 50), "^": ("^", 70), "**": ("^", 70), "~=": ("!=", 30)}
_INFIX |= {op: (op, 30) for op in COMPARISONS}
_WORDS = {"or": ("|", 10), "and": ("&", 20), "in": ("in", 30)}  # python only
_OPS = sorted({*_INFIX, "=", "&&", "||", "!", "~", "(", ")", ",", "[", "]", ".", ":"}, key=len)
_BAD = {"=": "use == for comparison", "&&": "use & for 'and'", "||": "use | for 'or'"}
_BAD_STATA = _BAD | {"**": "use ^ for powers"}
_BAD_PY = _BAD | {"^": "use ** for powers", "~=": "use != for 'not equal'"}
_POSTFIX = {"(": "calling the result of an expression is", "[": "subscripts are"}
_POSTFIX["."] = "attribute access is"
_NUM = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_IDENT = re.compile(r"[^\W\d]\w*")
_MISS = re.compile(r"\.([a-z]?)(?!\w)")
_COEF = re.compile(r"(_b|_se)\[([^\]]*)\]|([erc])\(\s*([A-Za-z_]\w*)\s*\)")
_ESC = {"n": "\n", "t": "\t"}
_MAX_DEPTH, _MAX_HEIGHT = 100, 250  # parenthesis nesting; height of the tree
_DEEP = "expression is nested too deeply"


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # num str name qname (backquoted) miss op end
    text: str
    value: str
    start: int
    end: int


def children(node: Node) -> tuple[Node, ...]:
    """The operands of ``node``, left to right (none for a leaf)."""
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Index):
        return (node.index,)
    if isinstance(node, Unary):
        return (node.operand,)
    return (node.left, node.right) if isinstance(node, Binary) else ()


class _Parser:
    """Precedence climbing over the token list; ``names`` collects the columns in order."""

    def __init__(self, text: str, dialect: Dialect, source: str, offset: int) -> None:
        self.text, self.stata, self.offset = text, dialect is Dialect.STATA, offset
        self.source = source
        self.funcs = STATA_FUNCS if self.stata else _PY_FUNCS
        self.names: dict[str, None] = {}
        self.pos, self.depth = 0, 0
        self.toks = self.lex()

    def fail(
        self, msg: str, at: _Tok | Span, hint: str | None = None, unsafe: bool = False
    ) -> NoReturn:
        cls = UnsafeExpressionError if unsafe else ExpressionError
        span = at if isinstance(at, Span) else self.span(at)
        raise cls(msg, source=self.source, span=span, hint=hint)

    def span(self, tok: _Tok, last: _Tok | None = None) -> Span:
        return Span(tok.start + self.offset, (last or tok).end + self.offset)

    def lex(self) -> list[_Tok]:
        s, i, out, bad = self.text, 0, list[_Tok](), _BAD_STATA if self.stata else _BAD_PY
        while i < len(s):
            c, here = s[i], Span(i + self.offset, i + 1 + self.offset)
            glued = bool(out) and out[-1].end == i and out[-1].kind != "op"
            if c.isspace():
                i += 1
                continue
            if self.stata and not glued and (m := _COEF.match(s, i)):  # _b[2.g], e(N)
                kind, term = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
                out.append(_Tok("coef", m.group(), f"{kind}|{term.strip()}", i, m.end()))
            elif self.stata and s.startswith('`"', i):
                out.append(self.compound(i))
            elif (m := _NUM.match(s, i)) or (m := _IDENT.match(s, i)):
                kind = "num" if m.re is _NUM else "name"
                out.append(_Tok(kind, m.group(), m.group(), i, m.end()))
            elif c in "'\"`":
                j, buf = i + 1, []
                while j < len(s) and s[j] != c:  # Stata strings have no escapes
                    esc = s[j] == "\\" and j + 1 < len(s) and c != "`" and not self.stata
                    buf.append(_ESC.get(s[j + 1], s[j + 1]) if esc else s[j])
                    j += 1 + esc
                what = "string" if c != "`" else "backquoted name"
                if j >= len(s):
                    rest = Span(here.start, len(s) + self.offset)
                    self.fail(f"unterminated {what}", rest, f"close it with {c}")
                if c == "`" and (self.stata or j == i + 1):
                    self.fail("expected a column name in `...` (python dialect only)", here)
                kind = "qname" if c == "`" else "str"
                out.append(_Tok(kind, s[i : j + 1], "".join(buf), i, j + 1))
            elif c == "." and self.stata and not glued and (m := _MISS.match(s, i)):
                out.append(_Tok("miss", m.group(), m.group(1), i, m.end()))
            else:
                op = next((o for o in reversed(_OPS) if s.startswith(o, i)), None)
                if op is None or op in bad:
                    msg = f"unexpected {op!r}" if op else f"unexpected character {c!r}"
                    self.fail(msg, Span(here.start, here.start + len(op or c)), bad.get(op or ""))
                out.append(_Tok("op", op, op, i, i + len(op)))
            i = out[-1].end
        return [*out, _Tok("end", "end of input", "", len(s), len(s))]

    def compound(self, i: int) -> _Tok:
        """A Stata compound string `` `"..."' `` (it may hold ``"`` and nest)."""
        s, depth, j = self.text, 0, i
        while j < len(s):
            if s.startswith('`"', j):
                depth, j = depth + 1, j + 2
            elif s.startswith("\"'", j):
                depth, j = depth - 1, j + 2
                if depth == 0:
                    return _Tok("str", s[i:j], s[i + 2 : j - 2], i, j)
            else:
                j += 1
        rest = Span(i + self.offset, len(s) + self.offset)
        self.fail("unterminated compound string", rest, "close it with \"'")

    def peek(self) -> _Tok:
        return self.toks[self.pos]

    def advance(self) -> _Tok:
        tok = self.toks[self.pos]
        self.pos += tok.kind != "end"
        return tok

    def is_op(self, text: str) -> bool:
        return self.peek().kind == "op" and self.peek().text == text

    def unexpected(self, tok: _Tok, before: Node) -> NoReturn:
        if tok.kind in ("num", "str", "name", "qname", "miss") or tok.text == "(":
            prev = self.source[before.span.start : before.span.end]
            prev = prev if len(prev) <= 25 else prev[:22] + "..."
            msg = f"missing operator between {prev!r} and {tok.text!r}"
            self.fail(msg, tok, "insert an operator such as ==, & or |")
        self.fail(f"unexpected {tok.text!r}", tok)

    def close(self, opener: _Tok, before: Node, closer: str) -> _Tok:
        if self.is_op(closer):
            return self.advance()
        if self.peek().kind == "end":
            msg = f"unbalanced parentheses: {opener.text!r} is never closed"
            self.fail(msg, opener, f"add {closer!r}")
        self.unexpected(self.peek(), before)

    def parse(self) -> Node:
        if self.peek().kind == "end":
            whole = Span(self.offset, self.offset + max(len(self.text), 1))
            self.fail("empty expression; expected a condition such as age >= 18", whole)
        node = self.expr(0)
        if (tok := self.peek()).kind != "end":
            if tok.text == ")":
                self.fail("unbalanced parentheses: ')' has no matching '('", tok)
            self.unexpected(tok, node)
        return node

    def infix(self, tok: _Tok) -> tuple[str, int] | None:
        if tok.kind == "op":
            return _INFIX.get(tok.text)
        if tok.kind != "name" or self.stata:
            return None
        if tok.value == "not" and self.toks[self.pos + 1].value == "in":
            return "not in", 30
        return _WORDS.get(tok.value)

    def expr(self, min_bp: int) -> Node:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            self.fail(f"{_DEEP} (more than {_MAX_DEPTH} levels)", self.peek())
        left, chained = self.prefix(), False
        while True:
            tok = self.peek()
            if self.subscript(tok, left):
                left = self.index(left)
                continue
            if tok.kind == "op" and tok.text in _POSTFIX:
                self.postfix(tok, left)
            info = self.infix(tok)
            if info is None or info[1] < min_bp:
                break
            op, bp = info
            if bp == 30 and chained:
                self.fail("comparisons cannot be chained", tok, "combine them: (a < b) & (b < c)")
            chained = bp == 30
            self.advance()
            if op in ("in", "not in"):
                left = self.membership(left, op)
                continue
            right = self.expr(bp if op == "^" and not self.stata else bp + 1)
            left = Binary(op, left, right, Span(left.span.start, right.span.end), self.span(tok))
        self.depth -= 1
        return left

    def subscript(self, tok: _Tok, left: Node) -> bool:
        """``x[...]`` right after a Stata variable name is an explicit subscript."""
        glued = tok.start + self.offset == left.span.end
        return self.stata and tok.text == "[" and glued and isinstance(left, Name)

    def index(self, left: Node) -> Node:
        assert isinstance(left, Name)
        opener = self.advance()
        if self.is_op("]"):
            self.fail("empty subscript; expected an observation number such as _n-1", opener)
        inner = self.expr(0)
        end = self.close(opener, inner, "]")
        return Index(left.name, inner, Span(left.span.start, end.end + self.offset))

    def postfix(self, tok: _Tok, left: Node) -> None:
        if tok.text == "(" and tok.start + self.offset != left.span.end:
            self.unexpected(tok, left)  # `age (18)`: two operands
        hint = "only the listed functions can be called, by name"
        if tok.text != "(":
            hint = "use `x in (1, 2)` to test membership"
            hint = "operators such as L.x and i.x are not supported here" if self.stata else hint
        self.fail(f"{_POSTFIX[tok.text]} not allowed in an expression", tok, hint, unsafe=True)

    def seq(
        self, opener: _Tok, before: Node, closer: str, trailing: bool
    ) -> tuple[list[Node], _Tok]:
        items: list[Node] = []
        while not self.is_op(closer):
            items.append(self.expr(0))
            if not self.is_op(","):
                break
            comma = self.advance()
            if self.is_op(closer) and not trailing:
                self.fail("expected an expression after ','", comma)
        return items, self.close(opener, items[-1] if items else before, closer)

    def membership(self, left: Node, op: str) -> Node:
        if op == "not in":
            self.advance()
        opener = self.advance()
        if opener.kind != "op" or opener.text not in ("(", "["):
            self.fail(f"expected a list after {op!r}, e.g. x {op} (1, 2)", opener)
        items, end = self.seq(opener, left, ")" if opener.text == "(" else "]", trailing=True)
        if not items:
            self.fail(f"empty list after {op!r}", self.span(opener, end))
        span = Span(left.span.start, end.end + self.offset)
        node: Node = Call("inlist", (left, *items), span)
        return Unary("!", node, span) if op == "not in" else node

    def prefix(self) -> Node:
        tok = self.advance()
        span = self.span(tok)
        if tok.kind in ("num", "str", "miss"):
            value = _number(tok.text) if tok.kind == "num" else tok.value
            return Missing(tok.value, span) if tok.kind == "miss" else Const(value, span)
        if tok.kind == "name" and (not self.stata and keyword.iskeyword(tok.value)):
            return self.keyword(tok, span)
        if tok.kind == "coef":
            kind, term = tok.value.split("|", 1)
            return Coef(kind, term, span)
        if tok.kind == "name" and self.stata and tok.value in SYSTEM_NAMES:
            return SysVar(tok.value, span)
        if tok.kind == "name" and tok.value.startswith("__"):
            self.fail(f"names starting with '__' are not allowed ({tok.value!r})", tok, unsafe=True)
        if tok.kind == "name" and self.is_op("("):
            return self.call(tok)
        if tok.kind in ("name", "qname"):
            self.names.setdefault(tok.value, None)
            return Name(tok.value, span)
        if tok.text in ("-", "+", "!", "~"):
            operand = self.expr(60 if tok.text in "-+" else 80)
            op = "!" if tok.text == "~" else tok.text
            return Unary(op, operand, Span(span.start, operand.span.end))
        if tok.text == "(":
            if self.is_op(")"):
                msg = "empty parentheses; expected an expression inside"
                self.fail(msg, self.span(tok, self.peek()))
            inner = self.expr(0)
            return replace(inner, span=self.span(tok, self.close(tok, inner, ")")))
        if tok.kind == "end":
            prev = self.toks[self.pos - 1]
            self.fail(f"the expression ends after {prev.text!r}; expected an operand", prev)
        hint = "use isna(x) to test for missing values" if tok.text == "." else None
        self.fail(f"expected an expression (got {tok.text!r})", tok, hint)

    def keyword(self, tok: _Tok, span: Span) -> Node:
        word = tok.value
        if word in ("True", "False"):
            return Const(word == "True", span)
        if word == "not":
            operand = self.expr(25)
            return Unary("!", operand, Span(span.start, operand.span.end))
        if word == "None":
            self.fail("None is not supported", tok, "use isna(x) or notna(x) to test for missing")
        if word in ("and", "or", "in", "is", "if", "else"):
            self.fail(f"expected an expression (got {word!r})", tok)
        self.fail(f"Python keyword {word!r} is not allowed in an expression", tok, unsafe=True)

    def call(self, tok: _Tok) -> Node:
        name = tok.value
        if self.stata and name in _RANDOM:
            msg = f"{name}() is not supported: random numbers would not match Stata's generator"
            self.fail(msg, tok, "draw them with numpy and pass them in as a column")
        if name not in self.funcs:
            near = closest(name, self.funcs)
            listed = "Stata's functions (docs/stata.md)" if self.stata else None
            listed = listed or ", ".join(sorted(self.funcs))
            msg = f"unknown function {name!r}; expected one of {listed}"
            hint = f"did you mean {near!r}?" if near else None
            self.fail(msg, tok, hint, unsafe=name in vars(builtins))
        args, end = self.seq(self.advance(), Name(name, self.span(tok)), ")", trailing=False)
        lo, hi = self.funcs[name]
        if not lo <= len(args) <= hi:
            want = f"{lo}" if lo == hi else f"{lo} or {hi}" if hi == lo + 1 else f"at least {lo}"
            msg = f"{name}() takes {want} argument{'s' * (want != '1')} (got {len(args)})"
            self.fail(msg, self.span(tok, end))
        return Call(name, tuple(args), self.span(tok, end))


def parse_tree(
    text: str, dialect: Dialect, source: str, offset: int = 0
) -> tuple[Node, tuple[str, ...]]:
    """Parse ``text`` (found at ``source[offset:]``) into its tree and the columns it names.

    >>> node, names = parse_tree("a > 1 | b", Dialect.STATA, "a > 1 | b")
    >>> node.op, names
    ('|', ('a', 'b'))
    """
    parser = _Parser(text, dialect, source, offset)
    node = parser.parse()
    stack = [(node, 1)]
    while stack:  # bound the height of the tree: evaluation recurses over it
        cur, height = stack.pop()
        if height > _MAX_HEIGHT:
            msg = f"{_DEEP} (more than {_MAX_HEIGHT} levels)"
            raise ExpressionError(msg, source=source, span=node.span)
        stack.extend((kid, height + 1) for kid in children(cur))
    return node, tuple(parser.names)


def _number(text: str) -> float | int:
    """Whole-number literals stay integers (exact comparison of ids above 2**53)."""
    return int(text) if text.isdigit() and len(text) <= 18 else float(text)
