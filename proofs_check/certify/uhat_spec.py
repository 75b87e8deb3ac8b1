"""Symbolic execution of a compiled UHAT over Boolean predicate variables (helpers of
:mod:`proofs_check.certify.uhat`; [BCL] Lemma 9, THEORY §1–§2).

Every coordinate of the residual stream is held as a z3 term (:class:`Sym`) over

* Boolean variables ``P@i`` — the program predicate P at the current position i;
* for the attention layer k, variables ``P@Lk`` — P at the attended position o_k(i) — and ``empty@Lk``
  — no position is unmasked, so the attended vector is the zero vector (THEORY §1).

A coordinate's *taint* is the set of attention layers whose variables its term reads. Once the
certificate has proved that the coordinates of a predicate P hold P (see :func:`pin`), the coordinate is
*re-pinned* to the fresh variable ``P@i``: that cuts the taint (the attended positions of finished
operations no longer matter) and keeps every term as small as one operation's formula.

:func:`value_lins` says where each predicate lives: the persistent coordinate ``P`` in the paper-faithful
network, an affine expression of ReLU units (e.g. ``1 − _nor7``) in the packed one — recomputed by
re-running the packed compiler's own gate construction (deterministic, so the unit names agree).
Sizes: one term per coordinate and layer, but copies share terms, so the work is O(non-zeros of C) per
layer plus one substitution per attended coordinate read.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

import z3

from constructions.brasp.formula import And, Const, Formula, Not, Or, Pred
from constructions.brasp.program import Program
from constructions.exact import Affine
from constructions.uhat.builder import Lin


class Unsupported(Exception):
    """The network reads attended values in a way the certificate cannot track (reported, not raised)."""


def value_lins(program: Program, packed: bool) -> dict[str, Lin]:
    """Predicate name → the affine expression over coordinate names that holds it in the compiled net.

    Paper-faithful: the persistent coordinate of the same name. Packed: the expression the packed
    compiler (:mod:`constructions.uhat.packed`) builds, recomputed with its own (deterministic) gate
    construction, without emitting layers.
    """
    names = [*program.symbol_predicates, *(op.name for op in program.ops)]
    if not packed:
        return {n: Lin.of(n) for n in names}
    from constructions.uhat.packed import packed_values

    return packed_values(program)


@dataclass(frozen=True)
class Sym:
    """One coordinate: its term, the attention layers it reads, and whether it is a pinned 0/1 value."""

    expr: z3.ArithRef
    taint: frozenset[int] = frozenset()
    pinned: bool = False  # re-pinned to a proved predicate's variable
    boolean: bool = False  # the term is ind(x) or 1 − ind(x): ReLU leaves it unchanged


class Vars:
    """z3 variables and constants; Int terms when every weight is an integer, else Real (both exact)."""

    def __init__(self, program: Program, integral: bool) -> None:
        self.integral = integral
        self.program = program
        self.preds = [*program.symbol_predicates, *(op.name for op in program.ops)]
        self._bool: dict[tuple[str, str], z3.BoolRef] = {}
        self.defn: dict[str, z3.BoolRef] = {}  # proved predicate → its Bool term at group i
        self._subst: dict[str, list[tuple[z3.ExprRef, z3.ExprRef]]] = {}

    def num(self, q: Fraction | int) -> z3.ArithRef:
        q = Fraction(q)
        if self.integral:
            if q.denominator != 1:
                raise ValueError("non-integral weight in an integral network")
            return z3.IntVal(q.numerator)
        return z3.RealVal(q)

    def var(self, name: str, group: str) -> z3.BoolRef:
        key = (name, group)
        if key not in self._bool:
            self._bool[key] = z3.Bool(f"{name}@{group}")
        return self._bool[key]

    def empty(self, group: str) -> z3.BoolRef:
        return self.var("empty", group)

    def ind(self, b: z3.BoolRef) -> z3.ArithRef:
        return z3.If(b, self.num(1), self.num(0))

    def pred(self, name: str, group: str) -> z3.BoolRef:
        """Predicate ``name`` at ``group``: its own variable, or the term it was proved equal to."""
        if name in self.defn:
            return self.to_group(self.defn[name], group)
        return self.var(name, group)

    def to_group(self, e: z3.ExprRef, group: str) -> z3.ExprRef:
        """Read the i-side term ``e`` at another position (rename every ``P@i`` to ``P@group``)."""
        if group == "i":
            return e
        if group not in self._subst:
            self._subst[group] = [(self.var(p, "i"), self.var(p, group)) for p in self.preds]
        return z3.substitute(e, *self._subst[group])

    def formula(self, f: Formula, i: str, j: str | None = None) -> z3.BoolRef:
        """A B-RASP formula with its i-atoms at group ``i`` and j-atoms at group ``j``."""
        if isinstance(f, Const):
            return z3.BoolVal(f.value)
        if isinstance(f, Pred):
            group = i if f.side == "i" else j
            if group is None:
                raise ValueError(f"formula reads j but no key group is given: {f}")
            return self.pred(f.name, group)
        if isinstance(f, Not):
            return z3.Not(self.formula(f.arg, i, j))
        if isinstance(f, And):
            return z3.And(*(self.formula(a, i, j) for a in f.args))
        if isinstance(f, Or):
            return z3.Or(*(self.formula(a, i, j) for a in f.args))
        raise TypeError(f)

    def onehot(self, group: str) -> z3.BoolRef:
        """Exactly one symbol predicate holds at the position (the one-hot embedding's domain)."""
        bs = [self.var(q, group) for q in self.program.symbol_predicates]
        return z3.PbEq([(b, 1) for b in bs], 1)


def affine_row(
    vs: Vars, row: dict[int, Fraction], bias: Fraction, inputs: Sequence[Sym], attended=None, r: int = 0
) -> Sym:
    """Σ w·x + b over ``inputs`` (columns < r) and, via ``attended(c)``, the attended vector (≥ r)."""
    if not bias and len(row) == 1:
        ((c, w),) = row.items()
        if w == 1 and (attended is None or c < r):
            return inputs[c]
    terms: list[z3.ArithRef] = []
    taint: set[int] = set()
    for c, w in sorted(row.items()):
        s = inputs[c] if (attended is None or c < r) else attended(c - r)
        taint |= s.taint
        terms.append(s.expr if w == 1 else vs.num(w) * s.expr)
    if bias or not terms:
        terms.append(vs.num(bias))
    expr = terms[0] if len(terms) == 1 else z3.Sum(*terms)
    return Sym(expr, frozenset(taint))


def affine_all(vs: Vars, m: Affine, inputs: Sequence[Sym], attended=None) -> list[Sym]:
    rows = m.rows()
    bias = m.bias_dict()
    r = m.in_dim // 2 if attended is not None else m.in_dim
    return [
        affine_row(vs, rows.get(k, {}), bias.get(k, Fraction(0)), inputs, attended, r) for k in range(m.out_dim)
    ]


def relu(s: Sym) -> Sym:
    if s.boolean:
        return s
    return Sym(z3.If(s.expr > 0, s.expr, 0), s.taint)


def lin_value(vs: Vars, lin: Lin, index: dict[str, int], coords: Sequence[Sym]) -> Sym:
    """The term of an affine expression over coordinate names."""
    row = {index[n]: v for n, v in lin.terms}
    return affine_row(vs, row, lin.const, coords) if row else Sym(vs.num(lin.const))


def pin(vs: Vars, name: str, lin: Lin, index: dict[str, int], coords: list[Sym]) -> None:
    """After P = ``name`` is proved to live in ``lin``: re-pin its coordinate to ``P@i``.

    ``lin = c·u + d`` with one coordinate u that is not yet a pinned 0/1 value: u := (P@i − d)/c (an exact
    identity at every position once the certificate holds). Otherwise P is defined as the Bool term
    ``lin == 1`` over earlier variables (aliases such as ``I := X``, constants).
    """
    if len(lin.terms) == 1 and not coords[index[lin.terms[0][0]]].pinned:
        u, c = lin.terms[0]
        d = lin.const
        x = vs.ind(vs.var(name, "i"))
        if (c, d) == (1, 0):
            expr, boolean = x, True
        elif (c, d) == (-1, 1):
            expr, boolean = vs.num(1) - x, True
        elif vs.integral and c in (1, -1):
            expr, boolean = (x - vs.num(d)) * vs.num(c), False
        elif not vs.integral:
            expr, boolean = (x - vs.num(d)) / vs.num(c), False
        else:
            raise Unsupported(f"{name}: coefficient {c} of an integral network cannot be inverted exactly")
        coords[index[u]] = Sym(expr, frozenset(), True, boolean)
        return
    value = lin_value(vs, lin, index, coords)
    if value.taint:
        raise Unsupported(f"{name}: its coordinates still read attended values and cannot be re-pinned")
    vs.defn[name] = value.expr == vs.num(1)


__all__ = ["Sym", "Vars", "Unsupported", "value_lins", "affine_all", "affine_row", "relu", "lin_value", "pin"]
