"""LTL → B-RASP → UHAT: [BCL] Prop 16 (v3; App. A.6), polynomial in |φ|.

Following the proof, by induction on the subformulas of the core formula (⊤ ⊥ Q ¬ ∧ ∨ S U):

* letters are the symbol predicates Q_a; Boolean nodes are Boolean combinations at i;
* φ S ψ ↦ ▶_j [j < i, ¬φ(j) ∨ ψ(j)] ψ(j) : 0 — the rightmost j < i where φ fails or ψ holds; every k
  strictly between satisfies φ ∧ ¬ψ, so φ S ψ holds iff ψ(j) (and is 0 when there is no such j);
* φ U ψ ↦ ◀_j [j > i, ¬φ(j) ∨ ψ(j)] ψ(j) : 0 — mirrored: strict past masking, leftmost.

Every score reads position j only, so the program is in Lemma 9's form with K = ∅ and compiles to a
UHAT by :func:`constructions.uhat.lemma9.compile_lemma9` (paper-faithful or packed); acceptance is
the output predicate at the **last** position, as for LTL.

One predicate per temporal subformula, one per Boolean subformula used twice (DAG sharing, so a DAG
input is never unfolded into its tree) and one for the output; every other Boolean subformula is
written inline. Sizes, stated and tested (t = temporal nodes, s = shared Boolean nodes of the core DAG,
d = its size): **t + s + 1 operations** (t attention), every formula in them of ≤ 2d + 1 nodes, total
formula size ≤ 3·(d + 1)·(t + s + 1) — polynomial in |φ|; the UHAT then has
``paper_layer_count(program)`` layers (Lemma 9's closed form), O(|φ|²) in the worst case and linear
when no subformula is shared.
"""
from __future__ import annotations

from collections import Counter
from typing import Sequence

from automata.ltl.formula import Binary, Const, Formula, Letter, Unary, children, core, postorder, temporal_count
from automata.ltl.syntax import check_alphabet
from constructions.brasp import formula as bf
from constructions.brasp.program import AttentionOp, PositionOp, Program

OUTPUT = "phi"


def ltl_to_brasp(f: Formula, alphabet: Sequence[str], name: str = "ltl") -> Program:
    """The B-RASP program of Prop 16 for ``f`` over ``alphabet`` (every letter of ``f`` must be in it)."""
    alphabet = tuple(alphabet)
    check_alphabet(f, alphabet)
    nodes = postorder(core(f))
    root = nodes[-1]
    uses = _use_counts(nodes)
    ops: list = []
    names: dict[int, str] = {}
    inline: dict[int, bf.Formula] = {}  # i-side formula of each node

    def side(g: bf.Formula, s: str) -> bf.Formula:
        return bf.flip_side(g, s) if s == "j" else g  # type: ignore[arg-type]

    for n in nodes:
        key = id(n)
        if isinstance(n, Const):
            inline[key] = bf.TRUE if n.value else bf.FALSE
            continue
        if isinstance(n, Letter):
            inline[key] = bf.Q(n.symbol)
            continue
        if isinstance(n, Unary):  # core: only ¬
            expr = bf.neg(inline[id(n.arg)])
        else:
            assert isinstance(n, Binary)
            a, b = inline[id(n.left)], inline[id(n.right)]
            if n.op in ("&", "|"):
                expr = bf.conj(a, b) if n.op == "&" else bf.disj(a, b)
            else:
                pname = f"T{len(ops) + 1}"
                score = bf.disj(bf.neg(side(a, "j")), side(b, "j"))
                tiebreak, mask = ("rightmost", "j<i") if n.op == "S" else ("leftmost", "j>i")
                ops.append(AttentionOp(pname, tiebreak, mask, score, side(b, "j"), bf.FALSE))
                names[key] = pname
                inline[key] = bf.P(pname)
                continue
        if n is root:
            continue
        if uses[key] > 1 and not isinstance(expr, (bf.Const, bf.Pred)):
            pname = f"B{len(ops) + 1}"
            ops.append(PositionOp(pname, expr))
            inline[key] = bf.P(pname)
        else:
            inline[key] = expr
    if isinstance(root, (Unary, Binary)) and root.op in ("!", "&", "|"):
        out = expr
    else:
        out = inline[id(root)]
    ops.append(PositionOp(OUTPUT, out))
    return Program(alphabet, tuple(ops), accept_at="last", name=name)


def _use_counts(nodes: list[Formula]) -> Counter[int]:
    """How many parents each node (by id) has in the DAG ``nodes``."""
    uses: Counter[int] = Counter()
    for n in nodes:
        for c in children(n):
            uses[id(c)] += 1
    return uses


def program_size(program: Program) -> int:
    """Total number of formula nodes over all operations (score, value and default of each attention)."""
    total = 0
    for op in program.ops:
        if isinstance(op, PositionOp):
            total += bf.size(op.formula)
        else:
            total += bf.size(op.score) + bf.size(op.value) + bf.size(op.default)
    return total


def size_bound(f: Formula) -> tuple[int, int]:
    """(operations, total formula size) bounds of the docstring: t + s + 1 and 3·(d + 1)·(t + s + 1)."""
    nodes = postorder(core(f))
    uses = _use_counts(nodes)
    t = temporal_count(f)
    s = sum(1 for n in nodes if uses[id(n)] > 1 and (isinstance(n, Unary) or isinstance(n, Binary) and n.op in ("&", "|")))
    d = len(nodes)
    ops = t + s + 1
    return ops, 3 * (d + 1) * ops
