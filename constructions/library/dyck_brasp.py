"""A B-RASP program for Dyck-(k, D) (THEORY §9; the language: :class:`tasks.dyck.DyckTask`).

**Ours, not [YAO]'s.** Yao et al. (ACL 2021) recognise Dyck-(k, D) with D + 1 attention layers, using
positional encodings and a soft-attention layer that counts the depth. [BCL]'s model has neither (THEORY
§1), so this program peels the word instead, one nesting level per round, with hard attention only:

* ``R_t(i)``: position i has been cancelled after t rounds (``R_0`` = false everywhere);
* ``N_t(i) := ◀_j[j>i, ¬R_{t−1}(j)] ⋁_a (Q_{(a}(i) ∧ Q_{)a}(j)) : 0`` — i is an open bracket and the
  nearest uncancelled position to its right closes it;
* ``P_t(i) := ▶_j[j<i, ¬R_{t−1}(j)] ⋁_a (Q_{(a}(j) ∧ Q_{)a}(i)) : 0`` — the mirror image for a close;
* ``R_t(i) := R_{t−1}(i) ∨ N_t(i) ∨ P_t(i)`` (t = 1..D);
* ``Y(i) := ▶_j[1, ¬R_D(j)] 0 : 1`` — nothing is left after D rounds.

*Why it is right.* N_t(i) holds iff P_t(j) holds at the close j it sees (everything strictly between
them is cancelled, so each is the other's nearest uncancelled neighbour): round t cancels every
adjacent matching pair of the remaining word at once. Cancelling adjacent matching pairs empties a word
iff it is well nested, and by induction on the nesting tree a pair whose subtree has height h is
cancelled exactly in round h; so the word is empty after D rounds iff it is well nested with depth ≤ D.

Every score reads position j only (Lemma 9's form with K = ∅), so [BCL] Lemma 9 compiles it.

**Size** (:func:`dyck_program_size`): ``3D + 1`` operations — ``2D + 1`` attention, ``D`` position-wise;
formula nodes ``D·(2v + 10) + 1`` with ``v = 3k + [k ≥ 2]`` the size of the matching value; linear in
D and k. The packed UHAT has ``2D + 1`` attention layers (one per attention operation; N_t and P_t
read the same R_{t−1} but one UHA layer holds one attention) — [YAO]'s D + 1 needs the counting layer
this model lacks. Width and parameters are measured in the tests and the size table
(``succinct table dyck -k K -D 1..8``).
"""
from __future__ import annotations

from dataclasses import dataclass

from constructions.brasp.formula import FALSE, TRUE, P, Q, conj, disj, neg
from constructions.brasp.program import AttentionOp, PositionOp, Program


def dyck_program(k: int, depth: int) -> Program:
    """The peeling program above for Dyck-(k, D) over :func:`tasks.dyck.dyck_alphabet` (k)."""
    from tasks.dyck import PAIRS, check_params, dyck_alphabet

    k, depth = check_params(k, depth)
    pairs = PAIRS[:k]
    ops: list = []
    removed = FALSE
    for t in range(1, depth + 1):
        score = neg(P(f"R_{t - 1}", "j")) if t > 1 else TRUE
        ops.append(AttentionOp(f"N_{t}", "leftmost", "j>i", score,
                               disj(*(conj(Q(o), Q(c, "j")) for o, c in pairs)), FALSE))
        ops.append(AttentionOp(f"P_{t}", "rightmost", "j<i", score,
                               disj(*(conj(Q(o, "j"), Q(c)) for o, c in pairs)), FALSE))
        ops.append(PositionOp(f"R_{t}", disj(removed, P(f"N_{t}"), P(f"P_{t}"))))
        removed = P(f"R_{t}")
    ops.append(AttentionOp("Y", "rightmost", "none", neg(P(f"R_{depth}", "j")), FALSE, TRUE))
    return Program(dyck_alphabet(k), tuple(ops), name=f"dyck_k{k}_D{depth}")


@dataclass(frozen=True)
class DyckProgramSize:
    operations: int
    attention: int
    position: int
    formula_nodes: int


def dyck_program_size(k: int, depth: int) -> DyckProgramSize:
    """The closed form of the module docstring (tested against :func:`dyck_program`)."""
    v = 3 * k + (1 if k >= 2 else 0)
    return DyckProgramSize(3 * depth + 1, 2 * depth + 1, depth, depth * (2 * v + 10) + 1)


__all__ = ["DyckProgramSize", "dyck_program", "dyck_program_size"]
