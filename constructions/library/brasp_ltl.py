"""B-RASP → LTL for scores that read j only (Lemma 9's form with K = ∅): linear in the program.

[YCA] translate every B-RASP program into LTL (exponentially, in general); [BCL] Prop 13 does the
same for UHATs. When no score compares i with j (K = ∅ in [BCL] Lemma 9's form — the counter of
Example 2 and the four simulator presets; not the tiling program of Lemma 8, whose vertical check
matches counters), the attended position o(i) depends on the word and on i's *side* of the selector
only, so there is a short formula for "ψ holds at o(i)":

* ▶ [j < i, S]: o(i) is the last S-position before i: ``(¬S) S (S ∧ ψ)``; it exists iff ``P S``;
* ◀ [j < i, S]: the first S-position of the word, if before i: ``P(S ∧ ψ ∧ ¬P S)``;
* ◀ [j > i, S] and ▶ [j > i, S]: mirrored with U and F;
* no mask: the last (first) S-position of the word, at, before or after i;
* the official simulator's non-strict masks j ≤ i, j ≥ i: the strict case or i itself.

A value V(i, j) is a Boolean combination of i-atoms and j-atoms; at the single position o(i) it is the
same combination with every j-atom ψ replaced by "ψ holds at o(i)". So the operation's predicate is
``(S_i ∧ exists ∧ V[ψ(j) ↦ at_o ψ]) ∨ (¬(S_i ∧ exists) ∧ D)`` (S_i: the score's i-only conjuncts).
Every operation adds O(|op|) nodes on top of shared subformulas: **DAG size ≤ c·|program|**, with c
the constant of the cases above (stated per op in :func:`op_overhead`, tested). This is the table's
LTL upper bound for those families: a formula built by the tool, checked for equality with the
reference DFA.
"""
from __future__ import annotations

from typing import Callable

from automata.errors import NotLemma9FormError
from automata.ltl.formula import (
    FALSE, TRUE, Formula, Letter, conj, disj, eventually, neg, once, since, until)
from constructions.brasp import formula as bf
from constructions.brasp.formula import symbol_predicate
from constructions.brasp.program import AttentionOp, PositionOp, Program
from constructions.uhat.form import split_score


def _translate(f: bf.Formula, atom: Callable[[str, str], Formula]) -> Formula:
    if isinstance(f, bf.Const):
        return TRUE if f.value else FALSE
    if isinstance(f, bf.Pred):
        return atom(f.name, f.side)
    if isinstance(f, bf.Not):
        return neg(_translate(f.arg, atom))
    parts = [_translate(a, atom) for a in f.args]
    return conj(*parts) if isinstance(f, bf.And) else disj(*parts)


def _first(s: Formula, psi: Formula, past: bool) -> Formula:
    """ψ at the first S-position of the word (past=True: when it lies strictly before now)."""
    if past:
        return once(conj(s, psi, neg(once(s))))
    return eventually(conj(s, psi, neg(eventually(s))))


def attended(mask: str, tiebreak: str, s: Formula, psi: Formula) -> Formula:
    """"ψ holds at o(i)" for the selector (mask, tie-break, S(j)); false when no position qualifies."""
    right = tiebreak == "rightmost"
    if mask == "j<i":
        return since(neg(s), conj(s, psi)) if right else _first(s, psi, True)
    if mask == "j>i":
        return until(neg(s), conj(s, psi)) if not right else _first(s, psi, False)
    if mask == "j<=i":
        here = conj(s, psi)
        return disj(here, conj(neg(s), since(neg(s), conj(s, psi)))) if right else \
            disj(conj(here, neg(once(s))), _first(s, psi, True))
    if mask == "j>=i":
        here = conj(s, psi)
        return disj(here, conj(neg(s), until(neg(s), conj(s, psi)))) if not right else \
            disj(conj(here, neg(eventually(s))), _first(s, psi, False))
    # no mask: the last (rightmost) or first (leftmost) S-position of the whole word
    if right:
        last_here = conj(s, psi, neg(eventually(s)))
        return disj(last_here, eventually(conj(s, psi, neg(eventually(s)))),
                    conj(neg(s), neg(eventually(s)), since(neg(s), conj(s, psi))))
    first_here = conj(s, psi, neg(once(s)))
    return disj(first_here, once(conj(s, psi, neg(once(s)))),
                conj(neg(s), neg(once(s)), until(neg(s), conj(s, psi))))


def exists(mask: str, s: Formula) -> Formula:
    """Some position qualifies for the selector."""
    return {"j<i": once(s), "j>i": eventually(s), "j<=i": disj(s, once(s)), "j>=i": disj(s, eventually(s)),
            "none": disj(s, once(s), eventually(s))}[mask]


def brasp_to_ltl(program: Program) -> Formula:
    """The LTL formula of ``program`` (read at the last position, like every LTL formula here).

    Raises :class:`NotLemma9FormError` when a score compares i with j (K ≠ ∅) or mixes them otherwise.
    """
    defs: dict[str, Formula] = {symbol_predicate(a): Letter(a) for a in program.alphabet}
    for op in program.ops:
        if isinstance(op, PositionOp):
            defs[op.name] = _translate(op.formula, lambda name, side: defs[name])
            continue
        assert isinstance(op, AttentionOp)
        form = split_score(op)
        if form.keys:
            raise NotLemma9FormError(f"{op.name}: the score compares {', '.join(form.keys)} at i and j (K ≠ ∅); "
                                     "only K = ∅ has this linear translation (Prop 13 covers the rest)")
        s = _translate(form.s_j, lambda name, side: defs[name])
        s_i = _translate(form.s_i, lambda name, side: defs[name])
        value = _translate(op.value, lambda name, side: defs[name] if side == "i"
                           else attended(op.mask, op.tiebreak, s, defs[name]))
        default = _translate(op.default, lambda name, side: defs[name])
        chosen = conj(s_i, exists(op.mask, s))
        defs[op.name] = disj(conj(chosen, value), conj(neg(chosen), default))
    out = defs[program.output]
    if program.accept_at == "first":  # the output at position 1, read at the last position
        at_first = conj(out, neg(once(TRUE)))
        return disj(at_first, once(at_first))
    return out


def op_overhead() -> int:
    """Nodes one attention operation adds beyond its parts (the largest case, no mask): the constant c."""
    s, psi = Letter("s"), Letter("p")
    from automata.ltl.formula import dag_size

    return dag_size(attended("none", "rightmost", s, psi)) + dag_size(exists("none", s))
