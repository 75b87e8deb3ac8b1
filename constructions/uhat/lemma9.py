"""Lemma 9 of [BCL] (v3; Lemma 8 in v1/v2): a B-RASP program whose scores have the special form
S(j) ∧ ⋀_{k∈K} (P_k(i) ↔ P_k(j)) compiles in polynomial time to a UHAT with weights in {−1, 0, 1}.

:func:`compile_lemma9` with ``packed=False`` follows the construction gate by gate (THEORY §2):
one-hot embedding, one persistent coordinate per predicate, ¬x ↦ 1 − x as an affine (attention-free UHA)
layer, x ∧ y ↦ ReLU(x + y − 1) as an affine layer plus a one-coordinate ReLU layer, ∨ by De Morgan, one
temporary coordinate per subformula projected away at the end of each operation; an attention operation
computes S, 1 − S and 1 − P_k, attends with score Σ_k (P_k(i)P_k(j) + (1−P_k(i))(1−P_k(j))) − (1 − S(j)),
copies S, P_K and the predicates the value needs, then recomputes R = S(o) ∧ ⋀_k (P_k(i) ↔ P_k(o)) and
outputs (R ∧ V(i, o)) ∨ (¬R ∧ D(i)). ``packed=True`` gives the semantics-preserving packed network of
:mod:`constructions.uhat.packed`.

Size (paper-faithful): O(|program|) layers, each gate adding one or two layers, width ≤ #predicates +
#temporaries of one operation + |Σ|.

>>> from constructions.library.presets import PRESETS       # doctest: +SKIP
"""
from __future__ import annotations

from itertools import count

import numpy as np

from automata.errors import ArgumentError, shown

from constructions.brasp.formula import (
    And,
    Const,
    Formula,
    Not,
    Or,
    Pred,
    atoms,
    conj,
    disj,
    flip_side,
    iff,
    neg,
)
from constructions.brasp.program import AttentionOp, PositionOp, Program
from constructions.uhat.builder import ATT, AttentionSpec, Lin, NetworkBuilder
from constructions.uhat.form import split_score
from constructions.uhat.model import UHAT


def compile_lemma9(program: Program, packed: bool = False) -> UHAT:
    """Compile ``program`` (paper-faithful by default, or packed); raises NotLemma9FormError."""
    if not isinstance(program, Program):
        raise ArgumentError(f"compile_lemma9 needs a B-RASP Program, got {type(program).__name__}")
    if not isinstance(packed, (bool, np.bool_)) and not (isinstance(packed, int) and packed in (0, 1)):
        raise ArgumentError(f"compile_lemma9: packed must be a bool, got {shown(packed)}")
    for op in program.attention_ops:  # refuse early, before building anything
        split_score(op)
    if packed:
        from constructions.uhat.packed import compile_packed

        return compile_packed(program)
    return _Faithful(program).run()


def rename(f: Formula, mapping: dict[tuple[str, str], str]) -> Formula:
    """Replace atoms (name, side) by i-side predicates named ``mapping[(name, side)]``."""
    if isinstance(f, Pred):
        return Pred(mapping.get((f.name, f.side), f.name), "i")
    if isinstance(f, Const):
        return f
    if isinstance(f, Not):
        return Not(rename(f.arg, mapping))
    return type(f)(tuple(rename(a, mapping) for a in f.args))


class _Faithful:
    def __init__(self, program: Program) -> None:
        self.program = program
        self.b = NetworkBuilder(program.alphabet, "paper")
        self.persistent: list[str] = list(self.b.names)
        self.fresh = count()

    def _new(self, tag: str) -> str:
        return f"_{tag}{next(self.fresh)}"

    def _not(self, x: str) -> str:
        t = self._new("not")
        self.b.uha({t: Lin.of(x).neg()})
        return t

    def _and(self, x: str, y: str) -> str:
        t = self._new("and")
        self.b.uha({t: Lin.combine([(1, Lin.of(x)), (1, Lin.of(y))], -1)})
        self.b.relu([t])
        return t

    def gate(self, f: Formula) -> str:
        """Coordinate holding the value of the i-side formula ``f``, one gate at a time."""
        if isinstance(f, Pred):
            return f.name
        if isinstance(f, Const):
            t = self._new("const")
            self.b.uha({t: Lin.constant(int(f.value))})
            return t
        if isinstance(f, Not):
            return self._not(self.gate(f.arg))
        if isinstance(f, And):
            acc = self.gate(f.args[0])
            for a in f.args[1:]:
                acc = self._and(acc, self.gate(a))
            return acc
        if isinstance(f, Or):  # De Morgan: ¬(¬a ∧ ¬b ∧ …)
            acc = self._not(self.gate(f.args[0]))
            for a in f.args[1:]:
                acc = self._and(acc, self._not(self.gate(a)))
            return self._not(acc)
        raise TypeError(f)

    def _store(self, name: str, root: str) -> None:
        """Copy the result into the persistent coordinate and project the temporaries away."""
        self.b.uha({name: Lin.of(root)}, keep=self.persistent)
        self.persistent.append(name)

    def run(self) -> UHAT:
        for op in self.program.ops:
            if isinstance(op, PositionOp):
                self._store(op.name, self.gate(op.formula))
            else:
                self._attention(op)
        return self.b.finish(Lin.of(self.program.output), self.program.accept_at)

    def _attention(self, op: AttentionOp) -> None:
        form = split_score(op)
        s = self.gate(flip_side(form.s_j, "i"))
        not_s = self._not(s)
        not_k = [self._not(k) for k in form.keys]
        query = [Lin.of(k) for k in form.keys] + [Lin.of(n) for n in not_k] + [Lin.constant(1)]
        key = [Lin.of(k) for k in form.keys] + [Lin.of(n) for n in not_k] + [Lin.combine([(-1, Lin.of(not_s))])]
        wanted = [s, *form.keys, *sorted({n for n, side in atoms(op.value) if side == "j"} - set(form.keys))]
        copies = {f"{op.name}{ATT}{n}": Lin.of(ATT + n) for n in dict.fromkeys(wanted)}
        self.b.uha(copies, attention=AttentionSpec(op.mask, op.tiebreak, tuple(query), tuple(key)))
        cp = {n: f"{op.name}{ATT}{n}" for n in dict.fromkeys(wanted)}
        r_formula = conj(
            form.s_i,
            Pred(cp[s]),
            *(iff(Pred(k), Pred(cp[k])) for k in form.keys),
        )
        r = self.gate(r_formula)
        value = rename(op.value, {(n, "j"): c for n, c in cp.items()})
        out = disj(conj(Pred(r), value), conj(neg(Pred(r)), op.default))
        self._store(op.name, self.gate(out))



def _gates(f: Formula) -> int:
    """Layers the paper-faithful compiler spends on ``f``: ¬ and constants one affine layer each,
    each binary ∧ an affine plus a ReLU layer, ∨ by De Morgan."""
    if isinstance(f, Pred):
        return 0
    if isinstance(f, Const):
        return 1
    if isinstance(f, Not):
        return 1 + _gates(f.arg)
    n = len(f.args)
    inner = sum(_gates(a) for a in f.args) + 2 * (n - 1)
    return inner if isinstance(f, And) else inner + n + 1


def _relus(f: Formula) -> int:
    """ReLU layers the paper-faithful compiler spends on ``f``: one per binary ∧ (∨ by De Morgan)."""
    if isinstance(f, (Pred, Const)):
        return 0
    if isinstance(f, Not):
        return _relus(f.arg)
    return sum(_relus(a) for a in f.args) + len(f.args) - 1


def _op_layers(op: PositionOp | AttentionOp) -> tuple[int, int]:
    """(UHA layers, ReLU layers) the paper-faithful compiler spends on one operation: a position-wise
    operation gates(φ) + 1 (the store); an attention operation gates(S) + 1 (¬S) + |K| (the ¬k) + 1 (the
    attention layer) + gates(R) + gates((R ∧ V) ∨ (¬R ∧ D)) + 1 (the store)."""
    if isinstance(op, PositionOp):
        parts = [op.formula]
        fixed = 1
    else:
        form = split_score(op)
        r = conj(form.s_i, Pred("s"), *(iff(Pred(k), Pred("c" + k)) for k in form.keys))
        out = disj(conj(Pred("r"), op.value), conj(neg(Pred("r")), op.default))
        parts = [flip_side(form.s_j, "i"), r, out]
        fixed = 2 + len(form.keys) + 1
    relu = sum(_relus(f) for f in parts)
    return sum(_gates(f) for f in parts) + fixed - relu, relu


def paper_layer_counts(program: Program) -> tuple[int, int]:
    """(UHA layers, ReLU layers) of the paper-faithful network, in closed form from the program's formulas
    (:func:`_op_layers` per operation; tested equal to the built network's)."""
    counts = [_op_layers(op) for op in program.ops]
    return sum(u for u, _ in counts), sum(r for _, r in counts)


def paper_layer_count(program: Program) -> int:
    """Closed form of the paper-faithful network's layer count, from the program's formulas:
    Σ over position-wise ops of (gates(φ) + 1) and over attention ops of
    gates(S) + 1 + |K| + 1 + gates(R) + gates((R ∧ V) ∨ (¬R ∧ D)) + 1."""
    return sum(paper_layer_counts(program))


def paper_nonzeros_lower_bound(program: Program) -> int:
    """A lower bound on the non-zero weights of the paper-faithful network, from the program alone (no
    compiling): every UHA layer the compiler emits for the k-th operation (0-based) copies at least the
    |Σ| + k persistent coordinates (the input letters and the earlier operations' results) by identity
    entries of its C, so the bound is |Σ| (the embedding) + Σ_k uha_k·(|Σ| + k), uha_k the operation's
    UHA layers. Tested ≤ the built network's count; lets ``show --what latex`` refuse a network too large
    to print before compiling it (counter n = 14: ≥ 50,602; the compiled network has 773,209)."""
    sigma = len(program.alphabet)
    return sigma + sum(_op_layers(op)[0] * (sigma + k) for k, op in enumerate(program.ops))
