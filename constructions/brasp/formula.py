"""Boolean formulas over B-RASP predicates at positions i (the query) and j (the attended key).

Formulas are immutable values; build them with :func:`conj`, :func:`disj`, :func:`neg`,
:func:`implies`, :func:`iff` (these simplify constants away) or the node classes directly.

>>> f = conj(P("Q_a", "j"), neg(P("Q_b")))
>>> sorted(atoms(f))
[('Q_a', 'j'), ('Q_b', 'i')]
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal, Union

Side = Literal["i", "j"]


@dataclass(frozen=True)
class Const:
    value: bool


@dataclass(frozen=True)
class Pred:
    """Predicate ``name`` read at position i or j."""

    name: str
    side: Side = "i"


@dataclass(frozen=True)
class Not:
    arg: "Formula"


@dataclass(frozen=True)
class And:
    args: tuple["Formula", ...]


@dataclass(frozen=True)
class Or:
    args: tuple["Formula", ...]


Formula = Union[Const, Pred, Not, And, Or]

TRUE = Const(True)
FALSE = Const(False)


def P(name: str, side: Side = "i") -> Pred:
    return Pred(name, side)


def Q(symbol: str, side: Side = "i") -> Pred:
    """The symbol predicate Q_a."""
    return Pred(symbol_predicate(symbol), side)


def symbol_predicate(symbol: str) -> str:
    return f"Q_{symbol}"


def neg(f: Formula) -> Formula:
    if isinstance(f, Const):
        return Const(not f.value)
    if isinstance(f, Not):
        return f.arg
    return Not(f)


def conj(*fs: Formula) -> Formula:
    args: list[Formula] = []
    for f in fs:
        if isinstance(f, Const):
            if not f.value:
                return FALSE
            continue
        args.extend(f.args if isinstance(f, And) else (f,))
    if not args:
        return TRUE
    return args[0] if len(args) == 1 else And(tuple(args))


def disj(*fs: Formula) -> Formula:
    args: list[Formula] = []
    for f in fs:
        if isinstance(f, Const):
            if f.value:
                return TRUE
            continue
        args.extend(f.args if isinstance(f, Or) else (f,))
    if not args:
        return FALSE
    return args[0] if len(args) == 1 else Or(tuple(args))


def implies(a: Formula, b: Formula) -> Formula:
    return disj(neg(a), b)


def iff(a: Formula, b: Formula) -> Formula:
    return disj(conj(a, b), conj(neg(a), neg(b)))


def atoms(f: Formula) -> set[tuple[str, Side]]:
    """The (predicate, side) pairs the formula reads."""
    out: set[tuple[str, Side]] = set()
    stack = [f]
    while stack:
        g = stack.pop()
        if isinstance(g, Pred):
            out.add((g.name, g.side))
        elif isinstance(g, Not):
            stack.append(g.arg)
        elif isinstance(g, (And, Or)):
            stack.extend(g.args)
    return out


def sides(f: Formula) -> set[Side]:
    return {s for _, s in atoms(f)}


def size(f: Formula) -> int:
    """Number of nodes."""
    if isinstance(f, (Const, Pred)):
        return 1
    if isinstance(f, Not):
        return 1 + size(f.arg)
    return 1 + sum(size(a) for a in f.args)


def flip_side(f: Formula, side: Side) -> Formula:
    """Move every atom to ``side``."""
    if isinstance(f, Pred):
        return Pred(f.name, side)
    if isinstance(f, Const):
        return f
    if isinstance(f, Not):
        return Not(flip_side(f.arg, side))
    return type(f)(tuple(flip_side(a, side) for a in f.args))


def big_and(fs: Iterable[Formula]) -> Formula:
    return conj(*fs)


def big_or(fs: Iterable[Formula]) -> Formula:
    return disj(*fs)
