"""The four preset programs of the official B-RASP simulator, as :class:`Program` objects.

Source: [YCA] A. Yang, D. Chiang, D. Angluin, *Masked Hard-Attention Transformers Recognize Exactly
the Star-Free Languages*, NeurIPS 2024 (arXiv 2310.13897), whose online simulator
(https://b-rasp.github.io) ships these presets. They are written here in our AST; the simulator's mask
``i<j`` is our ``j>i``. Every attention score reads position j only, so all four are in Lemma 9's form
with K = ∅ (THEORY §2); any dependence on i sits in the value.

The languages (reference automata independent of these programs: :mod:`tasks.presets`):

* ``dyck1_depth2`` — Dyck-1 of depth ≤ 2, (l(lr)*r)+ over {l, r};
* ``stair3`` — Stair_3 = Σ*ac*ac*aΣ* over {a, b, c};
* ``ab_plus`` — (ab)+ over {a, b};
* ``b_prec_a_nosucc_c`` — {a,b,c}*a{b,c}*ba* over {a, b, c} (some b has an a before it and no c after it).

>>> from constructions.brasp.interpreter import evaluate_word
>>> evaluate_word(ab_plus(), list("abab"))["Y"][-1]
True
"""
from __future__ import annotations

from typing import Callable

from constructions.brasp.formula import FALSE, TRUE, P, Q, conj, disj, neg
from constructions.brasp.program import AttentionOp, PositionOp, Program


def dyck1_depth2() -> Program:
    """Dyck-1 of depth ≤ 2, (l(lr)*r)+ over {l, r} — simulator preset "Dyck-1 of Depth 2" ([YCA]).

    I marks the inner pairs "lr"; every other l must see r as the nearest non-inner symbol to its right
    and every other r must see l as the nearest non-inner symbol to its left; Y: C holds everywhere.
    """
    return Program(
        ("l", "r"),
        (
            AttentionOp("P_l", "rightmost", "j<i", TRUE, Q("l", "j"), FALSE),
            AttentionOp("S_r", "leftmost", "j>i", TRUE, Q("r", "j"), FALSE),
            PositionOp("I", disj(conj(Q("l"), P("S_r")), conj(P("P_l"), Q("r")))),
            AttentionOp("A_r", "leftmost", "j>i", neg(P("I", "j")), Q("r", "j"), FALSE),
            AttentionOp("B_l", "rightmost", "j<i", neg(P("I", "j")), Q("l", "j"), FALSE),
            PositionOp("C", disj(P("I"), conj(Q("l"), P("A_r")), conj(Q("r"), P("B_l")))),
            AttentionOp("Y", "rightmost", "none", neg(P("C", "j")), FALSE, TRUE),
        ),
        name="dyck1_depth2",
    )


def stair3() -> Program:
    """Stair_3 = Σ*ac*ac*aΣ* over {a, b, c} — simulator preset "Stair_3" ([YCA]).

    A_k(i): i is an a ending a factor a c* a … c* a with k a's (the nearest earlier non-c symbol
    decides); Y: some position has A_3.
    """
    not_c = disj(Q("a", "j"), Q("b", "j"))
    return Program(
        ("a", "b", "c"),
        (
            AttentionOp("A_2", "rightmost", "j<i", not_c, conj(Q("a"), Q("a", "j")), FALSE),
            AttentionOp("A_3", "rightmost", "j<i", not_c, conj(Q("a"), P("A_2", "j")), FALSE),
            AttentionOp("Y", "rightmost", "none", P("A_3", "j"), TRUE, FALSE),
        ),
        name="stair3",
    )


def ab_plus() -> Program:
    """(ab)+ over {a, b} — simulator preset "(ab)^+" ([YCA]; THEORY §2).

    AB(i): i is b after an a; BA(i): i is a before a b; Y: every position is in AB or BA.
    """
    return Program(
        ("a", "b"),
        (
            AttentionOp("AB", "rightmost", "j<i", TRUE, conj(Q("a", "j"), Q("b")), FALSE),
            AttentionOp("BA", "leftmost", "j>i", TRUE, conj(Q("a"), Q("b", "j")), FALSE),
            PositionOp("I", disj(P("AB"), P("BA"))),
            AttentionOp("Y", "rightmost", "none", neg(P("I", "j")), FALSE, TRUE),
        ),
        name="ab_plus",
    )


def b_prec_a_nosucc_c() -> Program:
    """{a,b,c}*a{b,c}*ba* over {a, b, c} — simulator preset "{a,b,c}^*a{b,c}^*ba^*" ([YCA]).

    P_a: an a occurs before i; S_c: a c occurs after i; Y: some b has P_a and not S_c.
    """
    return Program(
        ("a", "b", "c"),
        (
            AttentionOp("P_a", "rightmost", "j<i", Q("a", "j"), TRUE, FALSE),
            AttentionOp("S_c", "leftmost", "j>i", Q("c", "j"), TRUE, FALSE),
            PositionOp("I", conj(Q("b"), P("P_a"), neg(P("S_c")))),
            AttentionOp("Y", "rightmost", "none", P("I", "j"), TRUE, FALSE),
        ),
        name="b_prec_a_nosucc_c",
    )


PRESETS: dict[str, Callable[[], Program]] = {
    "dyck1_depth2": dyck1_depth2,
    "stair3": stair3,
    "ab_plus": ab_plus,
    "b_prec_a_nosucc_c": b_prec_a_nosucc_c,
}

__all__ = ["PRESETS", "dyck1_depth2", "stair3", "ab_plus", "b_prec_a_nosucc_c"]
