"""LTL over finite words with past and future ([BCL] §2.1; docs/theory.md §6).

Formulas are immutable, hashable values (frozen dataclasses), so equal subformulas are equal objects
and a formula is naturally a DAG. The paper's grammar is the *core*:
``⊤ ⊥ Q_a ¬ ∧ ∨ S U`` with **strict** since and until:

* a, n ⊨ φ S ψ  iff some j < n has ψ and every k with j < k < n has φ;
* a, n ⊨ φ U ψ  iff some j > n has ψ and every k with n < k < j has φ;

and a word a₁…a_N ∈ Σ⁺ is in L(φ) iff a, N ⊨ φ (read at the **last** position; the empty word is never
in the language). The abbreviations are kept as nodes for printing and expanded by :func:`core`:

* Y φ = ⊥ S φ (previous), P φ = ⊤ S φ (strictly before), H φ = φ ∧ ¬P¬φ (now and always before);
* X φ = ⊥ U φ (next, strong), F φ = ⊤ U φ (strictly after), G φ = φ ∧ ¬F¬φ (now and always after);
* φ → ψ = ¬φ ∨ ψ, φ ↔ ψ = (φ ∧ ψ) ∨ (¬φ ∧ ¬ψ).

Sizes: :func:`size` counts the nodes of the formula tree as written, :func:`core_size` the nodes of its
core expansion (the paper's grammar), :func:`dag_size` the distinct subformulas of the core expansion
(shared subformulas counted once — the size of a circuit for φ).

>>> f = Binary("S", Letter("a"), Letter("b"))
>>> size(f), core_size(Unary("H", Letter("a"))), dag_size(Unary("H", Letter("a")))
(3, 7, 6)
"""
from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from typing import Union

from automata.errors import SuccinctError

BOOLEAN_BINARY = ("&", "|", "->", "<->")
TEMPORAL_BINARY = ("S", "U")
UNARY = ("!", "Y", "P", "H", "X", "F", "G")
PAST = frozenset({"S", "Y", "P", "H"})
FUTURE = frozenset({"U", "X", "F", "G"})


class LTLError(SuccinctError, ValueError):
    """An LTL formula (text or object) is malformed, or does not fit the alphabet it is used with."""


class _Interned:
    """Hash-consing: building a node equal to a live one returns that node, so structural equality is
    identity, hashing is O(1) and a formula is a DAG whatever its tree size (Prop 13's formulas have
    trees of astronomical size and small DAGs)."""

    _table: "weakref.WeakValueDictionary[tuple, _Interned]" = weakref.WeakValueDictionary()

    def __new__(cls, *args: object, **kwargs: object) -> "_Interned":
        if kwargs:  # keyword construction (Letter(symbol="a"), dataclasses.replace): the fields in order
            names = [f for f in cls.__dataclass_fields__]  # type: ignore[attr-defined]
            args = (*args, *(kwargs[n] for n in names[len(args):] if n in kwargs))
        key = (cls, *(a if isinstance(a, (str, bool)) else id(a) for a in args))
        try:
            node = _Interned._table.get(key)
        except TypeError:  # an unhashable field: check() reports it
            node = None
        if node is None:
            node = object.__new__(cls)
            try:
                _Interned._table[key] = node
            except TypeError:
                pass
        return node

    def __repr__(self) -> str:
        """Fully parenthesised text the parser reads back (the precedence-aware printer is
        :func:`automata.ltl.syntax.to_text`); bounded: the tree of a DAG formula can be astronomically large."""
        nodes = size(self)  # type: ignore[arg-type]
        text = _brief(self) if nodes <= REPR_MAX_NODES else None  # type: ignore[arg-type]
        return f"<LTL formula, tree of {nodes:,} nodes>" if text is None else f"<LTL {text}>"

    def __reduce__(self) -> tuple:
        return (type(self), tuple(getattr(self, f) for f in self.__dataclass_fields__))  # type: ignore[attr-defined]


@dataclass(frozen=True, eq=False, repr=False)
class Const(_Interned):
    value: bool


@dataclass(frozen=True, eq=False, repr=False)
class Letter(_Interned):
    """Q_a: the current position holds the symbol ``symbol``."""

    symbol: str


@dataclass(frozen=True, eq=False, repr=False)
class Unary(_Interned):
    """``op`` ∈ ! Y P H X F G applied to ``arg``."""

    op: str
    arg: "Formula"


@dataclass(frozen=True, eq=False, repr=False)
class Binary(_Interned):
    """``op`` ∈ & | -> <-> S U applied to ``left`` and ``right``."""

    op: str
    left: "Formula"
    right: "Formula"


Formula = Union[Const, Letter, Unary, Binary]
REPR_MAX_NODES = 300  # larger trees are shown by their size only
# The text syntax's letters (automata.ltl.syntax reads and writes them with these): a bare lower-case
# identifier, or ``Q_`` followed by a symbol without spaces, operator or control characters.
LETTER_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
SYMBOL_CHARS = r"[^\s(),!&|<>\-¬∧∨→↔⊤⊥\x00-\x1f\x7f-\x9f]+"
_Q_SYMBOL = re.compile(SYMBOL_CHARS + r"\Z")


def letter_text(symbol: object) -> str | None:
    """How the text syntax writes the letter ``symbol`` (bare, or ``Q_symbol``); None when it cannot."""
    if not isinstance(symbol, str):
        return None
    if LETTER_NAME.match(symbol) and symbol not in ("true", "false"):
        return symbol
    return f"Q_{symbol}" if _Q_SYMBOL.match(symbol) else None


def _brief(f: Formula) -> str | None:
    """The tree of ``f`` fully parenthesised, text the parser reads back (``repr``; at most
    :data:`REPR_MAX_NODES` nodes, so the recursion is shallow); None when a letter cannot be written in
    the text syntax (a space or an operator character in it)."""
    if isinstance(f, Const):
        return "true" if f.value else "false"
    if isinstance(f, Letter):
        return letter_text(f.symbol)
    if isinstance(f, Unary):
        arg = _brief(f.arg)
        if arg is None:
            return None
        return f"{f.op}{arg}" if isinstance(f.arg, Binary) or f.op == "!" else f"{f.op} {arg}"
    left, right = _brief(f.left), _brief(f.right)
    return None if left is None or right is None else f"({left} {f.op} {right})"
TRUE = Const(True)
FALSE = Const(False)


def children(f: Formula) -> tuple[Formula, ...]:
    if isinstance(f, Unary):
        return (f.arg,)
    if isinstance(f, Binary):
        return (f.left, f.right)
    return ()


def check(f: object) -> Formula:
    """``f`` if it is a well-formed formula (operators known, letters non-empty strings), else :class:`LTLError`."""
    for node in postorder(f):  # type: ignore[arg-type]
        if isinstance(node, Const):
            if not isinstance(node.value, bool):
                raise LTLError(f"a constant is True or False, not {node.value!r}")
        elif isinstance(node, Letter):
            if not isinstance(node.symbol, str) or not node.symbol:
                raise LTLError(f"a letter is a non-empty string, not {node.symbol!r}")
        elif isinstance(node, Unary):
            if node.op not in UNARY:
                raise LTLError(f"unknown unary operator {node.op!r}; choose one of {' '.join(UNARY)}")
        elif isinstance(node, Binary):
            if node.op not in BOOLEAN_BINARY + TEMPORAL_BINARY:
                raise LTLError(f"unknown binary operator {node.op!r}")
        else:
            raise LTLError(f"not an LTL formula node: {type(node).__name__}")
    return f  # type: ignore[return-value]


def postorder(f: Formula) -> list[Formula]:
    """Distinct subformulas, children before parents (iterative: no recursion limit on deep formulas)."""
    seen: set[int] = set()
    out: list[Formula] = []
    stack: list[tuple[Formula, bool]] = [(f, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            out.append(node)
            continue
        if id(node) in seen:
            continue
        if not isinstance(node, (Const, Letter, Unary, Binary)):
            raise LTLError(f"not an LTL formula node: {type(node).__name__}")
        seen.add(id(node))
        stack.append((node, True))
        for c in reversed(children(node)):
            if id(c) not in seen:
                stack.append((c, False))
    return out


def letters(f: Formula) -> tuple[str, ...]:
    """The letters the formula names, sorted."""
    return tuple(sorted({n.symbol for n in postorder(f) if isinstance(n, Letter)}))


def size(f: Formula) -> int:
    """Nodes of the formula tree as written (a shared subformula counted at every occurrence)."""
    counts: dict[Formula, int] = {}
    for node in postorder(f):
        counts[node] = 1 + sum(counts[c] for c in children(node))
    return counts[f]


def core_size(f: Formula) -> int:
    """Nodes of the tree of :func:`core` ``(f)``: the size in the paper's grammar (exact, never expanded)."""
    return size(core(f))


def dag_size(f: Formula) -> int:
    """Distinct subformulas of the core expansion (each shared subformula counted once)."""
    return len(postorder(core(f)))


def temporal_depth(f: Formula) -> int:
    """Nesting depth of temporal operators."""
    depth: dict[Formula, int] = {}
    for node in postorder(f):
        inner = max((depth[c] for c in children(node)), default=0)
        temporal = isinstance(node, Binary) and node.op in TEMPORAL_BINARY or isinstance(node, Unary) and node.op != "!"
        depth[node] = inner + int(temporal)
    return depth[f]


def depth(f: Formula) -> int:
    """Nesting depth (a letter or constant has depth 1)."""
    d: dict[Formula, int] = {}
    for node in postorder(f):
        d[node] = 1 + max((d[c] for c in children(node)), default=0)
    return d[f]


def temporal_count(f: Formula) -> int:
    """Distinct S and U nodes of the core DAG: the t of the labelling automaton's |Σ|·2^t + 1 bound."""
    return sum(1 for n in postorder(core(f)) if isinstance(n, Binary) and n.op in TEMPORAL_BINARY)


# -- building and expanding ----------------------------------------------------------------------

def neg(f: Formula) -> Formula:
    """¬f with constants and double negation folded."""
    if isinstance(f, Const):
        return Const(not f.value)
    if isinstance(f, Unary) and f.op == "!":
        return f.arg
    return Unary("!", f)


def conj(*fs: Formula) -> Formula:
    """f₁ ∧ … (left-nested, ⊤ dropped, ⊥ absorbing, duplicates dropped)."""
    return _junction("&", fs, TRUE, FALSE)


def disj(*fs: Formula) -> Formula:
    """f₁ ∨ … (left-nested, ⊥ dropped, ⊤ absorbing, duplicates dropped)."""
    return _junction("|", fs, FALSE, TRUE)


def _junction(op: str, fs: tuple[Formula, ...], unit: Formula, absorbing: Formula) -> Formula:
    out: list[Formula] = []
    seen: set[int] = set()  # interned: identity is equality, so duplicates are found in O(1)
    for f in fs:
        if f is absorbing:
            return absorbing
        if f is not unit and id(f) not in seen:
            seen.add(id(f))
            out.append(f)
    return _nest(op, out, unit)


def _nest(op: str, fs: list[Formula], unit: Formula) -> Formula:
    if not fs:
        return unit
    acc = fs[0]
    for f in fs[1:]:
        acc = Binary(op, acc, f)
    return acc


def since(a: Formula, b: Formula) -> Formula:
    """a S b, folding b = ⊥ (never holds) to ⊥."""
    return FALSE if b == FALSE else Binary("S", a, b)


def until(a: Formula, b: Formula) -> Formula:
    return FALSE if b == FALSE else Binary("U", a, b)


def once(f: Formula) -> Formula:
    """P f = ⊤ S f (strictly before)."""
    return since(TRUE, f)


def eventually(f: Formula) -> Formula:
    """F f = ⊤ U f (strictly after)."""
    return until(TRUE, f)


def core(f: Formula) -> Formula:
    """The formula in the paper's grammar (⊤ ⊥ Q ¬ ∧ ∨ S U): abbreviations expanded, nothing else changed."""
    memo: dict[Formula, Formula] = {}
    for node in postorder(f):
        memo[node] = _expand(node, memo)
    return memo[f]


def _expand(node: Formula, memo: dict[Formula, Formula]) -> Formula:
    if isinstance(node, (Const, Letter)):
        return node
    if isinstance(node, Unary):
        a = memo[node.arg]
        op = node.op
        if op == "!":
            return Unary("!", a)
        if op == "Y":
            return Binary("S", FALSE, a)
        if op == "P":
            return Binary("S", TRUE, a)
        if op == "X":
            return Binary("U", FALSE, a)
        if op == "F":
            return Binary("U", TRUE, a)
        if op == "H":
            return Binary("&", a, Unary("!", Binary("S", TRUE, Unary("!", a))))
        if op == "G":
            return Binary("&", a, Unary("!", Binary("U", TRUE, Unary("!", a))))
        raise LTLError(f"unknown unary operator {op!r}")
    assert isinstance(node, Binary)
    a, b = memo[node.left], memo[node.right]
    if node.op == "->":
        return Binary("|", Unary("!", a), b)
    if node.op == "<->":
        return Binary("|", Binary("&", a, b), Binary("&", Unary("!", a), Unary("!", b)))
    return Binary(node.op, a, b)


def is_core(f: Formula) -> bool:
    return all(not (isinstance(n, Unary) and n.op != "!") and not (isinstance(n, Binary) and n.op in ("->", "<->"))
               for n in postorder(f))
