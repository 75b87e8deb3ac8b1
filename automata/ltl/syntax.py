"""Reading and writing LTL formulas: a hand-written parser (never ``eval``) and text/LaTeX printers.

Grammar, loosest first (``->`` groups to the right, ``<->``, ``|`` and ``&`` to the left; ``S`` and
``U`` do not chain: ``a S b S c`` is refused, write the parentheses); the parser is an operator
precedence parser without recursion, so nesting costs no stack::

    iff     := imp ( '<->' imp )*
    imp     := or ( '->' imp )?
    or      := and ( '|' and )*
    and     := temp ( '&' temp )*
    temp    := unary ( ('S' | 'U') unary )?
    unary   := ('!' | 'Y' | 'P' | 'H' | 'X' | 'F' | 'G') unary | atom
    atom    := 'true' | 'false' | 'Q_' SYMBOL | LETTER | '(' iff ')'

A LETTER is a lower-case identifier (``a``, ``b1``, ``open_paren``) other than ``true``/``false``;
``Q_`` takes any symbol without spaces or operator characters (``Q_#``, ``Q_0``, ``Q_ab``). Unicode
forms are accepted too: ¬ ∧ ∨ → ↔ ⊤ ⊥. :func:`to_text` prints what :func:`parse` reads back
(``parse(to_text(f)) == f``).

>>> f = parse("Q_b & H(Q_b -> Y Q_a)")
>>> to_text(f)
'b & H(b -> Y a)'
>>> to_latex(parse("a S b"))
'Q_{a} \\\\mathbin{\\\\mathsf{S}} Q_{b}'
"""
from __future__ import annotations

import re

from automata.ltl.formula import (
    FALSE, LETTER_NAME, SYMBOL_CHARS, TRUE, Binary, Const, Formula, Letter, LTLError, Unary, check, letter_text,
    postorder)

MAX_TEXT = 1_000_000  # characters; longer input is refused before any work
MAX_PARENS = 10_000  # nesting of parentheses (the parser does not recurse; this only bounds nonsense)
_UNICODE = {"¬": "!", "∧": "&", "∨": "|", "→": "->", "↔": "<->", "⊤": "true", "⊥": "false"}
_SYMBOL_CHARS = SYMBOL_CHARS  # what Q_ takes (no spaces, operator or control characters)
_TOKEN = re.compile(
    rf"\s*(?:(?P<op><->|->|[()!&|¬∧∨→↔⊤⊥])|(?P<q>Q_{_SYMBOL_CHARS})|(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<bad>\S))")
_LETTER = LETTER_NAME
_UNARY_WORDS = ("Y", "P", "H", "X", "F", "G")
_BINARY_PRECEDENCE = {"<->": 1, "->": 2, "|": 3, "&": 4, "S": 5, "U": 5}


def _tokens(text: str) -> list[tuple[str, str, int]]:
    """(kind, value, column) triples; kind is 'op', 'letter' or 'end'."""
    out: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:  # only trailing whitespace is left
            break
        col = m.start(m.lastgroup) + 1 if m.lastgroup else pos + 1
        if m.group("op"):
            out.append(("op", _UNICODE.get(m.group("op"), m.group("op")), col))
        elif m.group("q"):
            out.append(("letter", m.group("q")[2:], col))
        elif m.group("word"):
            w = m.group("word")
            if w in ("true", "false") or w in _UNARY_WORDS or w in ("S", "U"):
                out.append(("op", w, col))
            elif _LETTER.match(w):
                out.append(("letter", w, col))
            else:
                raise LTLError(f"column {col}: {w!r} is not a letter (lower-case identifiers, or Q_{w}) "
                               "nor an operator (Y P H X F G S U)")
        else:
            raise LTLError(f"column {col}: unexpected character {m.group('bad')!r}")
        pos = m.end()
    out.append(("end", "", len(text) + 1))
    return out


_RIGHT_ASSOC = frozenset({"->"})
_NON_ASSOC = frozenset({"S", "U"})


class _Parser:
    """Operator precedence (shunting-yard), without recursion: any nesting depth costs no stack."""

    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)

    def parse(self) -> Formula:
        operands: list[Formula] = []
        ops: list[tuple[str, str, int]] = []  # (kind 'unary'|'binary'|'(', op, column)
        expect_operand = True
        depth = 0
        for kind, v, col in self.toks:
            if expect_operand:
                if kind == "letter":
                    operands.append(Letter(v))
                    expect_operand = False
                elif kind == "op" and v in ("true", "false"):
                    operands.append(TRUE if v == "true" else FALSE)
                    expect_operand = False
                elif kind == "op" and (v == "!" or v in _UNARY_WORDS):
                    ops.append(("unary", v, col))
                elif kind == "op" and v == "(":
                    depth += 1
                    if depth > MAX_PARENS:
                        raise LTLError(f"column {col}: parentheses nested deeper than {MAX_PARENS:,}")
                    ops.append(("(", v, col))
                else:
                    raise LTLError(f"column {col}: expected a letter, true, false, a unary operator or '(', "
                                   f"found {v or 'the end'!r}")
                continue
            if kind == "end" or (kind == "op" and v == ")"):
                while ops and ops[-1][0] != "(":
                    self._reduce(ops, operands)
                if kind == "end":
                    break
                if not ops:
                    raise LTLError(f"column {col}: ')' without a matching '('")
                ops.pop()
                depth -= 1
                continue
            if kind == "op" and v in _BINARY_PRECEDENCE:
                p = _BINARY_PRECEDENCE[v]
                while ops and ops[-1][0] != "(":
                    top_kind, top, _ = ops[-1]
                    top_p = 9 if top_kind == "unary" else _BINARY_PRECEDENCE[top]
                    if top_kind == "binary" and top in _NON_ASSOC and v in _NON_ASSOC:
                        raise LTLError(f"column {col}: S and U do not chain; parenthesise, "
                                       "e.g. (a S b) S c or a S (b S c)")
                    if top_p > p or (top_p == p and v not in _RIGHT_ASSOC):
                        self._reduce(ops, operands)
                    else:
                        break
                ops.append(("binary", v, col))
                expect_operand = True
                continue
            raise LTLError(f"column {col}: unexpected {v!r} after a complete formula")
        if expect_operand:  # the loop ended on 'end' while an operand was due
            raise LTLError(f"column {self.toks[-1][2]}: expected a letter, true, false, a unary operator "
                           "or '(', found the end")
        if ops:
            raise LTLError(f"column {self.toks[-1][2]}: expected ')': the '(' at column {ops[-1][2]} is never closed")
        assert len(operands) == 1
        return operands[0]

    @staticmethod
    def _reduce(ops: list[tuple[str, str, int]], operands: list[Formula]) -> None:
        kind, op, _ = ops.pop()
        if kind == "unary":
            operands.append(Unary(op, operands.pop()))
        else:
            right = operands.pop()
            operands.append(Binary(op, operands.pop(), right))


def parse(text: str, alphabet: tuple[str, ...] | None = None) -> Formula:
    """The formula written in ``text``; with ``alphabet``, every letter must belong to it.

    Raises :class:`LTLError` (one line, with the column) on anything else.
    """
    if not isinstance(text, str):
        raise LTLError(f"a formula is text, got {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise LTLError(f"formula text longer than {MAX_TEXT:,} characters")
    if not text.strip():
        raise LTLError("empty formula")
    f = _Parser(text).parse()
    if alphabet is not None:
        check_alphabet(f, alphabet)
    return f


def alphabet_tuple(alphabet: object) -> tuple[str, ...]:
    """``alphabet`` (a str, or a list or tuple of str) as a tuple; :class:`LTLError` otherwise."""
    if hasattr(alphabet, "tolist") and getattr(alphabet, "ndim", None) == 1:  # a 1-D numpy array of str
        alphabet = alphabet.tolist()  # type: ignore[union-attr]
    if not isinstance(alphabet, (str, list, tuple)) or not all(isinstance(a, str) for a in alphabet):
        from automata.errors import shown

        raise LTLError(f"an alphabet is a sequence of symbols (str), got {shown(alphabet)}")
    return tuple(alphabet)


def check_alphabet(f: Formula, alphabet: tuple[str, ...]) -> None:
    """:class:`LTLError` unless every letter of ``f`` is in ``alphabet``."""
    check(f)
    alphabet = alphabet_tuple(alphabet)
    extra = sorted({n.symbol for n in postorder(f) if isinstance(n, Letter)} - set(alphabet))
    if extra:
        raise LTLError(f"letters {', '.join(extra)} are not in the alphabet {','.join(alphabet)}")


def printable(symbol: str) -> bool:
    """Whether ``symbol`` can be written as a letter of the text syntax (bare or as ``Q_symbol``)."""
    try:
        _letter_text(symbol)
    except LTLError:
        return False
    return True


def _letter_text(symbol: str) -> str:
    text = letter_text(symbol)
    if text is None:
        raise LTLError(f"letter {symbol!r} cannot be written in the text syntax")
    return text


def _prec(f: Formula) -> int:
    if isinstance(f, Binary):
        return _BINARY_PRECEDENCE[f.op]
    return 9


MAX_PRINT_NODES = 2_000_000  # a printed formula is a tree: refuse larger trees instead of running for hours


def _parens(node: Binary) -> tuple[bool, bool]:
    """Whether the left and the right operand of ``node`` need parentheses (& | <-> group to the left,
    -> to the right, S and U never chain)."""
    p = _BINARY_PRECEDENCE[node.op]
    if node.op in ("S", "U"):
        return _prec(node.left) <= p, _prec(node.right) <= p
    if node.op == "->":
        return _prec(node.left) <= p, _prec(node.right) < p
    return _prec(node.left) < p, _prec(node.right) <= p


def _emit(f: Formula, leaf, unary_op, binary_op, open_: str, close: str, max_nodes: int) -> str:
    """Print the tree of ``f`` iteratively (no recursion, linear in the output)."""
    from automata.ltl.formula import size

    check(f)
    n = size(f)
    if n > max_nodes:
        raise LTLError(f"the formula's tree has {n:,} nodes; printing is limited to {max_nodes:,} "
                       "(its DAG is smaller: see dag_size)")
    out: list[str] = []
    stack: list[object] = [f]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, (Const, Letter)):
            out.append(leaf(item))
        elif isinstance(item, Unary):
            wrap = _prec(item.arg) < 9
            out.append(unary_op(item.op, wrap))
            stack.extend([close, item.arg, open_] if wrap else [item.arg])
        else:
            assert isinstance(item, Binary)
            lp, rp = _parens(item)
            right = [close, item.right, open_] if rp else [item.right]
            left = [close, item.left, open_] if lp else [item.left]
            stack.extend(right + [binary_op(item.op)] + left)
    return "".join(out)


def to_text(f: Formula, max_nodes: int = MAX_PRINT_NODES) -> str:
    """ASCII text in the parser's syntax, with the parentheses precedence needs (a DAG is printed as its
    tree; :class:`LTLError` above ``max_nodes`` tree nodes)."""
    def leaf(node: Formula) -> str:
        if isinstance(node, Const):
            return "true" if node.value else "false"
        return _letter_text(node.symbol)  # type: ignore[union-attr]

    def unary(op: str, wrap: bool) -> str:
        return op if op == "!" or wrap else op + " "

    return _emit(f, leaf, unary, lambda op: f" {op} ", "(", ")", max_nodes)


_LATEX_UNARY = {"!": r"\neg ", "Y": r"\mathsf{Y}\,", "P": r"\mathsf{P}\,", "H": r"\mathsf{H}\,",
                "X": r"\mathsf{X}\,", "F": r"\mathsf{F}\,", "G": r"\mathsf{G}\,"}
_LATEX_BINARY = {"&": r"\wedge", "|": r"\vee", "->": r"\rightarrow", "<->": r"\leftrightarrow",
                 "S": r"\mathbin{\mathsf{S}}", "U": r"\mathbin{\mathsf{U}}"}


def _latex_symbol(symbol: str) -> str:
    special = {"#": r"\#", "$": r"\$", "%": r"\%", "&": r"\&", "_": r"\_", "{": r"\{", "}": r"\}",
               "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}"}
    return "".join(special.get(c, c) for c in symbol)


def to_latex(f: Formula, max_nodes: int = MAX_PRINT_NODES) -> str:
    """LaTeX math (no surrounding $), the paper's notation: Q_{a}, ⊤ ⊥ ¬ ∧ ∨ → ↔ and sans-serif S U Y P H X F G."""
    def leaf(node: Formula) -> str:
        if isinstance(node, Const):
            return r"\top" if node.value else r"\bot"
        return f"Q_{{{_latex_symbol(node.symbol)}}}"  # type: ignore[union-attr]

    return _emit(f, leaf, lambda op, wrap: _LATEX_UNARY[op], lambda op: f" {_LATEX_BINARY[op]} ",
                 r"\left(", r"\right)", max_nodes)


def describe(f: Formula) -> str:
    """One line of sizes: tree, core tree, DAG."""
    from automata.ltl.formula import core_size, dag_size, size, temporal_depth

    return (f"size {size(f):,} (as written), {core_size(f):,} in the core grammar ⊤ ⊥ Q ¬ ∧ ∨ S U, "
            f"DAG {dag_size(f):,} distinct subformulas, temporal depth {temporal_depth(f)}")


__all__ = ["parse", "to_text", "to_latex", "check_alphabet", "describe", "printable"]
