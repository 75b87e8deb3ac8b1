"""Immutable B-RASP programs (THEORY §2; [YCA] Def. of B-RASP, [BCL] §2.3).

A program is an alphabet plus a sequence of named operations. Symbol predicates ``Q_a`` exist
implicitly for every symbol ``a``. Each operation defines one new predicate from earlier ones:

* :class:`PositionOp` — ``P(i) := φ(i)``;
* :class:`AttentionOp` — ``P(i) := ◀_j[M(i,j), S(i,j)] V(i,j) : D(i)`` (leftmost) or ``▶`` (rightmost).

Masks: ``none``, ``j<i`` (strict future masking), ``j>i`` (strict past masking) — [BCL]'s model — and
the official simulator's non-strict ``j<=i``, ``j>=i`` (outside [BCL]'s model; the interpreter supports
them, the Lemma 9 compiler too since UHA masks are just position sets).

Acceptance: the output predicate (the last operation) at the last position (``accept_at="last"``) or,
for programs that only look right, at the first position (``accept_at="first"``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

from automata.errors import MalformedProgramError, UnknownNameError, shown
from constructions.brasp.formula import And, Const, Formula, Not, Or, Pred, atoms, symbol_predicate

Mask = Literal["none", "j<i", "j>i", "j<=i", "j>=i"]
TieBreak = Literal["leftmost", "rightmost"]
MASKS: tuple[str, ...] = ("none", "j<i", "j>i", "j<=i", "j>=i")
STRICT_MODEL_MASKS = ("none", "j<i", "j>i")


@dataclass(frozen=True)
class PositionOp:
    name: str
    formula: Formula


@dataclass(frozen=True)
class AttentionOp:
    name: str
    tiebreak: TieBreak
    mask: Mask
    score: Formula
    value: Formula
    default: Formula


Op = Union[PositionOp, AttentionOp]


@dataclass(frozen=True)
class Program:
    alphabet: tuple[str, ...]
    ops: tuple[Op, ...]
    accept_at: Literal["last", "first"] = "last"
    name: str = "program"

    def __post_init__(self) -> None:
        validate(self)

    @property
    def output(self) -> str:
        return self.ops[-1].name

    @property
    def symbol_predicates(self) -> tuple[str, ...]:
        return tuple(symbol_predicate(a) for a in self.alphabet)

    def op(self, name: str) -> Op:
        for o in self.ops:
            if o.name == name:
                return o
        names = ", ".join(o.name for o in self.ops[:12]) + (", …" if len(self.ops) > 12 else "")
        raise UnknownNameError(f"the program has no operation {shown(name)} (it has {names or 'none'})")

    @property
    def attention_ops(self) -> tuple[AttentionOp, ...]:
        return tuple(o for o in self.ops if isinstance(o, AttentionOp))

    @property
    def is_causal(self) -> bool:
        """Every attention looks only left (j<i or j<=i): the value at position p depends on w_1..w_p,
        so one run over a word decides every prefix."""
        return self.accept_at == "last" and all(o.mask in ("j<i", "j<=i") for o in self.attention_ops)

    @property
    def in_strict_model(self) -> bool:
        """Only the masks of [BCL]'s model (none, j<i, j>i)."""
        return all(o.mask in STRICT_MODEL_MASKS for o in self.attention_ops)


def check_formula(f: object, where: str) -> None:
    """Raise :class:`MalformedProgramError` unless ``f`` is a formula tree: ``Const`` of a bool, ``Pred``
    of a str name and side ``i`` or ``j``, ``Not``, ``And``/``Or`` of a tuple of formulas."""
    stack = [f]
    while stack:
        g = stack.pop()
        if isinstance(g, Const) and isinstance(g.value, bool):
            continue
        if isinstance(g, Pred) and isinstance(g.name, str) and isinstance(g.side, str) and g.side in ("i", "j"):
            continue
        if isinstance(g, Not):
            stack.append(g.arg)
            continue
        if isinstance(g, (And, Or)) and isinstance(g.args, (tuple, list)):
            stack.extend(g.args)
            continue
        raise MalformedProgramError(f"{where} is not a formula (Const, Pred, Not, And, Or): {shown(g)}")


def validate(p: Program) -> None:
    """Raise :class:`MalformedProgramError` unless ``p`` is well formed."""
    if not isinstance(p.alphabet, (str, tuple, list)) or not all(isinstance(a, str) and a for a in p.alphabet):
        raise MalformedProgramError(f"the alphabet must be a tuple of non-empty str, got {shown(p.alphabet)}")
    if not p.alphabet:
        raise MalformedProgramError("empty alphabet")
    if len(set(p.alphabet)) != len(p.alphabet):
        raise MalformedProgramError("alphabet lists a symbol twice")
    if not isinstance(p.ops, (tuple, list)):
        raise MalformedProgramError(f"the operations must be a tuple of PositionOp/AttentionOp, got {shown(p.ops)}")
    if not p.ops:
        raise MalformedProgramError("program has no operations")
    if not isinstance(p.name, str) or not p.name.strip() or len(p.name.splitlines()) != 1:
        raise MalformedProgramError(f"program name {shown(p.name)} must be one non-empty line (no line breaks)")
    if not isinstance(p.accept_at, str) or p.accept_at not in ("last", "first"):
        raise MalformedProgramError(f"accept_at must be 'last' or 'first', not {shown(p.accept_at)}")
    known = {symbol_predicate(a) for a in p.alphabet}
    for op in p.ops:
        if not isinstance(op, (PositionOp, AttentionOp)):
            raise MalformedProgramError(f"unknown operation {shown(op)}")
        if not isinstance(op.name, str) or not op.name or not (op.name[0].isalpha() or op.name[0] == "_"):
            raise MalformedProgramError(f"bad predicate name {shown(op.name)}")
        if op.name in known:
            raise MalformedProgramError(f"predicate {op.name} defined twice")
        if isinstance(op, PositionOp):
            parts = {"formula": (op.formula, {"i"})}
        elif isinstance(op, AttentionOp):
            if not isinstance(op.mask, str) or op.mask not in MASKS:
                raise MalformedProgramError(f"{op.name}: unknown mask {shown(op.mask)}")
            if not isinstance(op.tiebreak, str) or op.tiebreak not in ("leftmost", "rightmost"):
                raise MalformedProgramError(f"{op.name}: unknown tie-break {shown(op.tiebreak)}")
            parts = {
                "score": (op.score, {"i", "j"}),
                "value": (op.value, {"i", "j"}),
                "default": (op.default, {"i"}),
            }
        else:
            raise MalformedProgramError(f"unknown operation {op!r}")
        for part, (f, allowed) in parts.items():
            check_formula(f, f"{op.name}: the {part}")
            for name, side in atoms(f):
                if name not in known:
                    raise MalformedProgramError(
                        f"{op.name}: {part} uses {name}, which is not defined before it"
                    )
                if side not in allowed:
                    raise MalformedProgramError(f"{op.name}: {part} may not read position {side}")
        known.add(op.name)
