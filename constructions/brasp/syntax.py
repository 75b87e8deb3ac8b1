"""B-RASP programs as text: a hand-written tokenizer and recursive-descent parser, and a printer.

Nothing here ever calls ``eval``: the text is tokenized and parsed by the code below.

Text format (one item per line)::

    # a comment: any line whose first non-blank character is '#'
    program: ab_plus          (optional; the program's name, default "program")
    alphabet: a b             (required, before the operations; symbols separated by blanks)
    accept: last              (optional; "last" (default) or "first")
    AB(i) := ▶_j[j<i, 1] Q_a(j) ∧ Q_b(i) : 0
    BA(i) := ◀_j[j>i, 1] Q_a(i) ∧ Q_b(j) : 0
    I(i) := AB(i) ∨ BA(i)
    Y(i) := ▶_j[1, ¬I(j)] 0 : 1

* A position-wise operation is ``NAME(i) := φ`` (φ reads position i only).
* An attention operation is ``NAME(i) := ARROW[MASK, SCORE] VALUE : DEFAULT`` with ARROW ``▶_j``
  (rightmost; ASCII ``>_j``) or ``◀_j`` (leftmost; ASCII ``<_j``); the ``_j`` may be left out. MASK is
  ``1`` (no mask), ``j<i``, ``j>i``, ``j<=i`` (``j≤i``) or ``j>=i`` (``j≥i``); the official simulator's
  spellings ``i<j``, ``i>j``, ``i<=j``, ``i>=j`` are read too. SCORE and VALUE may read i and j, DEFAULT
  only i.
* Atoms: ``NAME(i)``, ``NAME(j)``, the constants ``0``/``1`` (also ``⊥``/``⊤``). The symbol predicate of
  symbol ``s`` is ``Q_s`` (any declared symbol, e.g. ``Q_#(j)``).
* Connectives, tightest first: ``¬`` (``!``, ``~``, ``not``), ``∧`` (``&``, ``and``), ``∨`` (``|``,
  ``or``), ``→`` (``->``; right-associative), ``↔`` (``<->``; left-associative). Parentheses group.

¬, ∧, ∨ and constants parse to the AST nodes as written (``¬¬x`` stays ``Not(Not(x))``; a
parenthesised conjunction inside a conjunction stays nested), so ``parse_program(format_program(p)) == p``
for every program whose ``And``/``Or`` nodes have at least two arguments. ``→`` and ``↔`` are sugar,
expanded by :func:`~constructions.brasp.formula.implies` / :func:`~constructions.brasp.formula.iff`.

Every error is a :class:`MalformedProgramError` with one line: ``line N: what was expected``.

>>> p = parse_program("alphabet: a b\\nY(i) := >_j[j<i, 1] Q_a(j) : 0")
>>> print(format_program(p, style="ascii"))
program: program
alphabet: a b
accept: last
Y(i) := >_j[j<i, 1] Q_a(j) : 0
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Sequence

from automata.errors import ArgumentError, MalformedProgramError, shown
from constructions.brasp.formula import (
    And,
    Const,
    Formula,
    Not,
    Or,
    Pred,
    iff,
    implies,
    symbol_predicate,
)
from constructions.brasp.program import AttentionOp, Op, PositionOp, Program

Style = Literal["unicode", "ascii"]

# --------------------------------------------------------------------------- tokens

# Punctuation and operators, each mapped to a canonical kind; longest match first.
_OPERATORS: dict[str, str] = {
    ":=": ":=", "<->": "iff", "↔": "iff", "->": "imp", "→": "imp",
    "<=": "le", "≤": "le", ">=": "ge", "≥": "ge", "<": "lt", ">": "gt",
    "¬": "not", "!": "not", "~": "not", "∧": "and", "&&": "and", "&": "and",
    "∨": "or", "||": "or", "|": "or", "▶": "rarrow", "◀": "larrow",
    "⊤": "true", "⊥": "false", "(": "(", ")": ")", "[": "[", "]": "]", ",": ",", ":": ":",
}
_OPS_BY_LENGTH = sorted(_OPERATORS, key=len, reverse=True)
_KEYWORDS = {"not": "not", "and": "and", "or": "or"}
_IDENT = re.compile(r"[^\W\d]\w*")
_NUMBER = re.compile(r"\d+")
_DESCRIBE = {
    ":=": "':='", "iff": "'↔'", "imp": "'→'", "le": "'≤'", "ge": "'≥'", "lt": "'<'", "gt": "'>'",
    "not": "'¬'", "and": "'∧'", "or": "'∨'", "rarrow": "'▶'", "larrow": "'◀'", "true": "'1'",
    "false": "'0'", "ident": "a name", "num": "a number", "eol": "end of line",
}


@dataclass(frozen=True)
class Token:
    kind: str  # canonical kind (see _OPERATORS), "ident", "num" or "eol"
    text: str
    col: int  # 1-based column


def _tokenize(text: str, line_no: int, alphabet: Sequence[str]) -> list[Token]:
    """Tokens of one line; ``Q_s`` for a declared symbol ``s`` followed by '(' is one name."""
    symbols = sorted(alphabet, key=len, reverse=True)
    out: list[Token] = []
    pos = 0
    while pos < len(text):
        ch = text[pos]
        if ch.isspace():
            pos += 1
            continue
        if text.startswith("Q_", pos):
            sym = next((s for s in symbols if text.startswith(f"Q_{s}(", pos)), None)
            if sym is not None:
                out.append(Token("ident", f"Q_{sym}", pos + 1))
                pos += 2 + len(sym)
                continue
        m = _IDENT.match(text, pos)
        if m:
            word = m.group()
            out.append(Token(_KEYWORDS.get(word, "ident"), word, pos + 1))
            pos = m.end()
            continue
        m = _NUMBER.match(text, pos)
        if m:
            out.append(Token("num", m.group(), pos + 1))
            pos = m.end()
            continue
        op = next((o for o in _OPS_BY_LENGTH if text.startswith(o, pos)), None)
        if op is None:
            raise MalformedProgramError(f"line {line_no}: unexpected character {ch!r} (column {pos + 1})")
        out.append(Token(_OPERATORS[op], op, pos + 1))
        pos += len(op)
    out.append(Token("eol", "", len(text) + 1))
    return out


# --------------------------------------------------------------------------- parser


class _LineParser:
    """Recursive descent over the tokens of one operation line."""

    def __init__(self, tokens: list[Token], line_no: int, known: set[str]):
        self.toks = tokens
        self.k = 0
        self.line = line_no
        self.known = known
        self.depth = 0  # open '(' and '¬' around the current point

    def _deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.error(f"parentheses and '¬' nested deeper than {MAX_NESTING}, at {self.found()}")

    # -- helpers
    @property
    def tok(self) -> Token:
        return self.toks[self.k]

    def error(self, message: str) -> MalformedProgramError:
        return MalformedProgramError(f"line {self.line}: {message}")

    def found(self) -> str:
        t = self.tok
        return "end of line" if t.kind == "eol" else f"{t.text!r} (column {t.col})"

    def expect(self, kind: str, what: str, text: str | None = None) -> Token:
        t = self.tok
        if t.kind != kind or (text is not None and t.text != text):
            raise self.error(f"expected {what}, found {self.found()}")
        self.k += 1
        return t

    def accept(self, kind: str) -> bool:
        if self.tok.kind == kind:
            self.k += 1
            return True
        return False

    # -- operations
    def operation(self) -> Op:
        name = self.expect("ident", "a predicate name at the start of the operation").text
        self.expect("(", "'(' after the predicate name")
        self.expect("ident", "'i' in the head 'NAME(i)'", "i")
        self.expect(")", "')' after 'NAME(i'")
        self.expect(":=", "':=' after the head 'NAME(i)'")
        if name in self.known:
            raise self.error(f"predicate {name} is already defined")
        if self.tok.kind in ("rarrow", "larrow", "gt", "lt"):
            op: Op = self.attention(name)
        else:
            formula = self.formula("the formula", {"i"})
            op = PositionOp(name, formula)
        if self.tok.kind != "eol":
            raise self.error(f"expected end of line after the operation, found {self.found()}")
        return op

    def attention(self, name: str) -> AttentionOp:
        arrow = self.tok
        self.k += 1
        tiebreak = "rightmost" if arrow.kind in ("rarrow", "gt") else "leftmost"
        if self.tok.kind == "ident" and self.tok.text == "_j":
            self.k += 1
        self.expect("[", f"'[' after {arrow.text!r}")
        mask = self.mask()
        self.expect(",", "',' after the mask")
        score = self.formula("the score", {"i", "j"})
        self.expect("]", "']' after the score")
        value = self.formula("the value", {"i", "j"})
        self.expect(":", "':' before the default")
        default = self.formula("the default", {"i"})
        return AttentionOp(name, tiebreak, mask, score, value, default)  # type: ignore[arg-type]

    def mask(self) -> str:
        t, start = self.tok, self.k
        if t.kind == "num" and t.text == "1":
            self.k += 1
            return "none"
        if t.kind == "ident" and t.text in ("i", "j"):
            first = t.text
            self.k += 1
            rel = self.tok
            if rel.kind in ("lt", "gt", "le", "ge"):
                self.k += 1
                second = self.tok
                other = "j" if first == "i" else "i"
                if second.kind == "ident" and second.text == other:
                    self.k += 1
                    if first == "i":  # i<j is j>i, etc.
                        rel_kind = {"lt": "gt", "gt": "lt", "le": "ge", "ge": "le"}[rel.kind]
                    else:
                        rel_kind = rel.kind
                    return {"lt": "j<i", "gt": "j>i", "le": "j<=i", "ge": "j>=i"}[rel_kind]
            self.k = start
        raise self.error(f"expected a mask (1, j<i, j>i, j<=i or j>=i), found {self.found()}")

    # -- formulas, loosest first
    def formula(self, part: str, sides: set[str]) -> Formula:
        if self.tok.kind in ("eol", "]", ":", ","):
            raise self.error(f"expected {part}, found {self.found()}")
        self.part, self.sides = part, sides
        return self.iff_expr()

    def iff_expr(self) -> Formula:
        left = self.imp_expr()
        while self.accept("iff"):
            left = iff(left, self.imp_expr())
        return left

    def imp_expr(self) -> Formula:
        left = self.or_expr()
        if self.accept("imp"):
            return implies(left, self.imp_expr())
        return left

    def or_expr(self) -> Formula:
        args = [self.and_expr()]
        while self.accept("or"):
            args.append(self.and_expr())
        return args[0] if len(args) == 1 else Or(tuple(args))

    def and_expr(self) -> Formula:
        args = [self.unary()]
        while self.accept("and"):
            args.append(self.unary())
        return args[0] if len(args) == 1 else And(tuple(args))

    def unary(self) -> Formula:
        if self.accept("not"):
            self._deeper()
            inner = self.unary()
            self.depth -= 1
            return Not(inner)
        return self.atom()

    def atom(self) -> Formula:
        t = self.tok
        if t.kind == "(":
            self.k += 1
            self._deeper()
            inner = self.iff_expr()
            self.expect(")", "')' to close '('")
            self.depth -= 1
            return inner
        if t.kind in ("true", "false"):
            self.k += 1
            return Const(t.kind == "true")
        if t.kind == "num":
            if t.text not in ("0", "1"):
                raise self.error(f"expected the constant 0 or 1, found {self.found()}")
            self.k += 1
            return Const(t.text == "1")
        if t.kind == "ident":
            self.k += 1
            self.expect("(", f"'(' after the predicate {t.text}")
            side_tok = self.tok
            if side_tok.kind != "ident" or side_tok.text not in ("i", "j"):
                raise self.error(f"expected 'i' or 'j' in {t.text}(...), found {self.found()}")
            self.k += 1
            self.expect(")", f"')' after {t.text}({side_tok.text}")
            if t.text not in self.known:
                raise self.error(f"unknown predicate {t.text} (not a symbol predicate nor defined earlier)")
            if side_tok.text not in self.sides:
                raise self.error(f"{self.part} may only read position i, found {t.text}(j)")
            return Pred(t.text, side_tok.text)  # type: ignore[arg-type]
        raise self.error(f"expected a predicate, 0, 1, '¬' or '(' in {self.part}, found {self.found()}")


_HEADER = re.compile(r"\s*(program|alphabet|accept)\s*:(?!=)(.*)$")


MAX_TEXT = 1_000_000  # characters of program text
MAX_OPS = 1_000  # operations (the paper-faithful compiler takes ≈ 2 min for 1,000 on one core; ≈ O(ops²))
MAX_NESTING = 100  # '(' and '¬' around any point of a formula (every recursive pass over formulas fits)


def parse_program(text: str) -> Program:
    """Parse the text format described in the module docstring into a :class:`Program`.

    Bounded: at most :data:`MAX_TEXT` characters, :data:`MAX_OPS` operations, formulas nested at most
    :data:`MAX_NESTING` deep; a leading byte-order mark is skipped."""
    if not isinstance(text, str):
        raise MalformedProgramError(f"line 1: program text must be a string, got {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise MalformedProgramError(f"line 1: the text has {len(text):,} characters; at most {MAX_TEXT:,}")
    text = text.removeprefix("\ufeff")
    headers: dict[str, tuple[str, int]] = {}
    ops: list[Op] = []
    alphabet: tuple[str, ...] | None = None
    known: set[str] = set()
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _HEADER.match(raw)
        if m:
            key, rest = m.group(1), m.group(2).strip()
            if key in headers:
                raise MalformedProgramError(f"line {line_no}: '{key}:' given twice (first on line {headers[key][1]})")
            if ops:
                raise MalformedProgramError(f"line {line_no}: '{key}:' must come before the operations")
            headers[key] = (rest, line_no)
            if key == "alphabet":
                alphabet = tuple(rest.split())
                if not alphabet:
                    raise MalformedProgramError(f"line {line_no}: expected symbols after 'alphabet:', found end of line")
                if len(set(alphabet)) != len(alphabet):
                    raise MalformedProgramError(f"line {line_no}: the alphabet lists a symbol twice")
                bad = next((a for a in alphabet if not a.isprintable()), None)
                if bad is not None:  # an escape sequence or a control character would reach the terminal
                    raise MalformedProgramError(f"line {line_no}: the alphabet symbol {bad!r} holds a control "
                                                "character; symbols are printable text")
                known = {symbol_predicate(a) for a in alphabet}
            elif key == "accept" and rest not in ("last", "first"):
                raise MalformedProgramError(f"line {line_no}: expected 'last' or 'first' after 'accept:', found {rest!r}")
            elif key == "program" and not rest:
                raise MalformedProgramError(f"line {line_no}: expected a name after 'program:', found end of line")
            continue
        if alphabet is None:
            raise MalformedProgramError(f"line {line_no}: expected 'alphabet: ...' before the first operation")
        if len(ops) == MAX_OPS:
            raise MalformedProgramError(f"line {line_no}: more than {MAX_OPS:,} operations")
        op = _LineParser(_tokenize(raw, line_no, alphabet), line_no, known).operation()
        ops.append(op)
        known.add(op.name)
    if alphabet is None:
        raise MalformedProgramError("line 1: expected 'alphabet: ...', found none in the whole text")
    if not ops:
        raise MalformedProgramError(f"line {len(text.splitlines()) + 1}: expected at least one operation, found end of text")
    accept_at = headers.get("accept", ("last", 0))[0]
    name = headers.get("program", ("program", 0))[0]
    return Program(alphabet, tuple(ops), accept_at, name)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- printer

_SYMBOLS: dict[str, dict[str, str]] = {
    "unicode": {"not": "¬", "and": " ∧ ", "or": " ∨ ", "rightmost": "▶_j", "leftmost": "◀_j",
                "j<=i": "j≤i", "j>=i": "j≥i"},
    "ascii": {"not": "!", "and": " & ", "or": " | ", "rightmost": ">_j", "leftmost": "<_j",
              "j<=i": "j<=i", "j>=i": "j>=i"},
}


def format_formula(f: Formula, style: Style = "unicode") -> str:
    """The formula in the text format; a ∧ or ∨ inside another connective is parenthesised.

    >>> from constructions.brasp.formula import P
    >>> format_formula(And((Or((P("A"), P("B", "j"))), Not(P("C")))))
    '(A(i) ∨ B(j)) ∧ ¬C(i)'
    """
    sym = _SYMBOLS[style]

    def go(g: Formula, nested: bool) -> str:
        # a conjunction or disjunction inside another operator is always parenthesised (readability)
        if isinstance(g, Const):
            return "1" if g.value else "0"
        if isinstance(g, Pred):
            return f"{g.name}({g.side})"
        if isinstance(g, Not):
            return sym["not"] + go(g.arg, True)
        if isinstance(g, (And, Or)):
            if not g.args:
                return "1" if isinstance(g, And) else "0"
            if len(g.args) == 1:
                return go(g.args[0], nested)
            text = sym["and" if isinstance(g, And) else "or"].join(go(a, True) for a in g.args)
            return f"({text})" if nested else text
        raise MalformedProgramError(f"not a formula: {g!r}")

    return go(f, False)


def format_op(op: Op, style: Style = "unicode") -> str:
    """One operation line."""
    head = f"{op.name}(i) :="
    if isinstance(op, PositionOp):
        return f"{head} {format_formula(op.formula, style)}"
    sym = _SYMBOLS[style]
    mask = "1" if op.mask == "none" else sym.get(op.mask, op.mask)
    return (f"{head} {sym[op.tiebreak]}[{mask}, {format_formula(op.score, style)}] "
            f"{format_formula(op.value, style)} : {format_formula(op.default, style)}")


def format_program(program: Program, style: Style = "unicode") -> str:
    """The program in the text format; ``parse_program`` reads it back (see the module docstring)."""
    if not isinstance(program, Program):
        raise ArgumentError(f"format_program needs a Program, got {type(program).__name__}")
    if not isinstance(style, str) or style not in _SYMBOLS:
        raise MalformedProgramError(f"unknown style {shown(style)}; use 'unicode' or 'ascii'")
    for op in program.ops:
        if not _IDENT.fullmatch(op.name) or op.name in _KEYWORDS:
            raise MalformedProgramError(f"predicate name {op.name!r} cannot be written in the text format")
    for a in program.alphabet:
        if not a or any(c.isspace() for c in a):
            raise MalformedProgramError(f"symbol {a!r} cannot be written in the text format")
    if program.name != program.name.strip() or not program.name or "\n" in program.name:
        raise MalformedProgramError(f"program name {program.name!r} cannot be written in the text format")
    lines = [f"program: {program.name}", f"alphabet: {' '.join(program.alphabet)}",
             f"accept: {program.accept_at}"]
    lines += [format_op(op, style) for op in program.ops]
    return "\n".join(lines)


__all__ = ["parse_program", "format_program", "format_formula", "format_op", "Token"]
