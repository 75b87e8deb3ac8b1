"""A B-RASP program for the binary counter of [BCL] Example 2 (THEORY §3, with App. A.2's gadgets).

Source: P. Bergsträßer, R. Cotterell, A. W. Lin, *Transformers are Inherently Succinct*, ICLR 2026
(arXiv 2510.19315), Example 2; the language is :class:`tasks.counter.CounterTask`: blocks
``bin_n(v) x_v #`` for ``v = 0, 1, …`` (MSB first), letters with ``(x_v, x_{v+1}) ∈ H``; ``full`` = the
``2^n`` blocks, ``stream`` = the first ``m ≤ 2^n`` blocks.

Every attention is ``▶_j[j<i, S(j)] V(i, j) : D(i)`` — strict future masking, rightmost tie-break, and
a score reading position j only: Lemma 9's form with ``K = ∅``; all dependence on i sits in the value.
The program is causal, so its output at position p decides the prefix ``w_1..w_p``.
Notation: ``bit = Q_0 ∨ Q_1``, ``letter = Q_a ∨ Q_b ∨ Q_c``.

* Shape ``({0,1}^n letter #)+`` (App. A's A-gadget, with its two chains fused into one):
  ``A_L(i) := ▶[1] letter(j) : 0`` — the previous symbol is a letter;
  ``W_0(i) := ▶[1] Q_#(j) : 1`` — the previous symbol is ``#`` or there is none;
  ``W_k(i) := ▶[1] bit(j) ∧ W_{k−1}(j) : 0`` (k = 1..n) — positions ``i−k..i−1`` are bits and
  ``i−k−1`` is ``#`` or before the start. A ``#`` needs ``A_L``, a letter needs ``W_n``; reading a word
  that ends with ``#`` backwards, these local conditions force the block shape.
* Bits: ``B_1(i) := ▶[bit(j)] Q_1(j) : 0``, ``B_k(i) := ▶[bit(j)] B_{k−1}(j) : 0`` (k = 2..n); at a
  ``#``, ``B_k`` is the k-th bit from the right of its block (``B_1`` = least significant).
* Increment against the rightmost earlier ``#``, whose default (no earlier ``#``) demands ``0^n``:
  ``INC(i) := ▶[Q_#(j)] ⋁_{k=1..n} (⋀_{r<k} (¬B_r(i) ∧ B_r(j)) ∧ B_k(i) ∧ ¬B_k(j) ∧ ⋀_{r>k} (B_r(i) ↔ B_r(j)))
  : ⋀_k ¬B_k(i)``. Nothing increments ``1^n``, so there are at most ``2^n`` blocks.
* Letters: ``REL(i) := ▶[letter(j)] ⋁_{(x,y)∈H} (Q_x(j) ∧ Q_y(i)) : 1`` — at a letter, the rightmost
  earlier letter (the previous block's, once the shape holds) is related to it; none for block 0.
* ``OK(i) := (Q_#(i) → A_L(i) ∧ INC(i)) ∧ (letter(i) → W_n(i) ∧ REL(i))``, aggregated with the G idiom:
  ``Y(i) := ▶[¬OK(j)] 0 : OK(i) ∧ Q_#(i) [∧ ⋀_k B_k(i) for full: the last block is 1^n]``.

``strict_form=False`` writes the aggregation the official simulator's way, ``Y(i) := ▶_j[j≤i, ¬OK(j)] 0
: Q_#(i) [∧ ⋀_k B_k(i)]`` — the non-strict mask is outside [BCL]'s model (THEORY §2) but still causal.

**Size** (:func:`counter_program_size`; ``h = |H|``, ``[c]`` = 1 if c holds else 0):
``2n + 6`` operations, ``2n + 5`` of them attention, 1 position-wise; formula nodes (score + value +
default, or the position formula, summed; :func:`constructions.brasp.formula.size`):
``6n² + 12n + 31 + 2·[n ≥ 2] + r(h) + y`` with ``r(h) = 1, 3, 3h + 1`` for ``h = 0, 1, ≥ 2`` (the REL
value) and ``y = 6 + n·[full]`` (strict) or ``4 + (n + 1)·[full]`` (non-strict). For the default H
(h = 4, strict): ``6n² + 12n + 50 + 2·[n ≥ 2] + n·[full]``. The largest formula is INC's value,
``6n² − 2n + [n ≥ 2]`` nodes (O(n²), THEORY §3).

**Compiled by Lemma 9** (paper-faithful, default H, :func:`counter_uhat_paper_size`): for n ≥ 2,
``9n² + 25n + 110`` layers (full) or ``9n² + 23n + 110`` (stream), of which ``3n² + 6n + 26`` (full) or
``3n² + 5n + 26`` (stream, also for n = 1) are one-unit ReLU layers; max width ``6n² + 3n + 16``.
Quadratic because the increment formula is. (n = 1: 142 / 140 layers, width 40.)

>>> from constructions.brasp.interpreter import evaluate_word
>>> evaluate_word(counter_program(1), list("0a#1b#"))["Y"][-1]
True
>>> counter_program_size(3)["ops"] == len(counter_program(3).ops)
True
"""
from __future__ import annotations

from typing import Iterable

from constructions.brasp.formula import FALSE, TRUE, Formula, P, Q, conj, disj, iff, implies, neg
from constructions.brasp.program import AttentionOp, Op, PositionOp, Program
from tasks.counter import ALPHABET, BITS, DEFAULT_H, LETTERS, SEP, check_params


def bit(side: str = "i") -> Formula:
    """``Q_0 ∨ Q_1`` at ``side``."""
    return disj(*(Q(b, side) for b in BITS))  # type: ignore[arg-type]


def letter(side: str = "i") -> Formula:
    """``Q_a ∨ Q_b ∨ Q_c`` at ``side``."""
    return disj(*(Q(x, side) for x in LETTERS))  # type: ignore[arg-type]


def increment_formula(n: int) -> Formula:
    """THEORY §3's increment check: the bits ``B_1..B_n`` at i encode the value at j plus one.

    Disjunct k: bits below k flip 1 → 0 (carry), bit k flips 0 → 1, bits above k are equal.
    """
    def b(k: int, side: str) -> Formula:
        return P(f"B_{k}", side)  # type: ignore[arg-type]

    return disj(*(
        conj(
            *(conj(neg(b(r, "i")), b(r, "j")) for r in range(1, k)),
            b(k, "i"),
            neg(b(k, "j")),
            *(iff(b(r, "i"), b(r, "j")) for r in range(k + 1, n + 1)),
        )
        for k in range(1, n + 1)
    ))


def relation_formula(relation: Iterable[tuple[str, str]]) -> Formula:
    """``⋁_{(x,y)∈H} Q_x(j) ∧ Q_y(i)``: the letter at j may be followed by the letter at i."""
    return disj(*(conj(Q(x, "j"), Q(y, "i")) for x, y in sorted(relation)))


def _attend(name: str, score: Formula, value: Formula, default: Formula, mask: str = "j<i") -> AttentionOp:
    return AttentionOp(name, "rightmost", mask, score, value, default)  # type: ignore[arg-type]


def counter_program(
    n: int,
    variant: str = "full",
    relation: Iterable[tuple[str, str]] = DEFAULT_H,
    strict_form: bool = True,
) -> Program:
    """The counter program of [BCL] Example 2 for ``n``-bit blocks (see the module docstring).

    Output ``Y``, read at the last position (``accept_at="last"``). Raises
    :class:`~automata.errors.ParameterError` for ``n`` outside 1..20, an unknown variant, or a relation
    not over {a, b, c}.
    """
    pairs = check_params(n, variant, relation)
    n = int(n)
    all_zero = conj(*(neg(P(f"B_{k}")) for k in range(1, n + 1)))
    all_one = conj(*(P(f"B_{k}") for k in range(1, n + 1)))
    ops: list[Op] = [
        _attend("A_L", TRUE, letter("j"), FALSE),
        _attend("W_0", TRUE, Q(SEP, "j"), TRUE),
    ]
    ops += [_attend(f"W_{k}", TRUE, conj(bit("j"), P(f"W_{k - 1}", "j")), FALSE) for k in range(1, n + 1)]
    ops.append(_attend("B_1", bit("j"), Q("1", "j"), FALSE))
    ops += [_attend(f"B_{k}", bit("j"), P(f"B_{k - 1}", "j"), FALSE) for k in range(2, n + 1)]
    ops.append(_attend("INC", Q(SEP, "j"), increment_formula(n), all_zero))
    ops.append(_attend("REL", letter("j"), relation_formula(pairs), TRUE))
    ops.append(PositionOp("OK", conj(
        implies(Q(SEP), conj(P("A_L"), P("INC"))),
        implies(letter(), conj(P(f"W_{n}"), P("REL"))),
    )))
    last = all_one if variant == "full" else TRUE
    if strict_form:
        ops.append(_attend("Y", neg(P("OK", "j")), FALSE, conj(P("OK"), Q(SEP), last)))
    else:
        ops.append(_attend("Y", neg(P("OK", "j")), FALSE, conj(Q(SEP), last), mask="j<=i"))
    label = "" if strict_form else ", simulator form"
    return Program(ALPHABET, tuple(ops), "last", f"counter(n={n}, {variant}{label})")


def counter_program_size(
    n: int,
    variant: str = "full",
    relation: Iterable[tuple[str, str]] = DEFAULT_H,
    strict_form: bool = True,
) -> dict[str, int]:
    """Closed-form size of :func:`counter_program` (the module docstring derives each term).

    Keys: ``ops``, ``attention_ops``, ``position_ops``, ``formula_nodes`` (all formulas of all
    operations), ``increment_nodes`` (INC's value, the largest formula once n ≥ 2).
    """
    h = len(check_params(n, variant, relation))
    n = int(n)
    full = int(variant == "full")
    big = int(n >= 2)
    rel_value = 1 if h == 0 else 3 if h == 1 else 3 * h + 1
    y = 6 + n * full if strict_form else 4 + (n + 1) * full
    # A_L 6, W_0 3, W_k 7 each, B_k 5 each, INC 6n² + 1 + 2[n≥2], REL 5 + r(h), OK 16, Y y.
    nodes = 6 + 3 + 7 * n + 5 * n + (6 * n * n + 1 + 2 * big) + (5 + rel_value) + 16 + y
    return {
        "ops": 2 * n + 6,
        "attention_ops": 2 * n + 5,
        "position_ops": 1,
        "formula_nodes": nodes,
        "increment_nodes": 6 * n * n - 2 * n + big,
    }


__all__ = ["counter_program", "counter_program_size", "counter_uhat_paper_size", "increment_formula", "relation_formula", "bit", "letter"]


def counter_uhat_paper_size(n: int, variant: str = "full") -> dict[str, int]:
    """Closed forms of the paper-faithful Lemma 9 network of :func:`counter_program` (default H, strict
    form): layers, ReLU layers (= ReLU units) and maximal width, as polynomials in n (n ≥ 2; n = 1 is
    listed). They are the compiler's layer recurrence (:func:`constructions.uhat.lemma9.paper_layer_count`)
    evaluated on this program's formulas; a test checks them against the built networks."""
    if n == 1:
        return {"layers": 142 if variant == "full" else 140, "relu_layers": 35 if variant == "full" else 34, "width": 40}
    full = variant == "full"
    return {
        "layers": 9 * n * n + (25 if full else 23) * n + 110,
        "relu_layers": 3 * n * n + (6 if full else 5) * n + 26,
        "width": 6 * n * n + 3 * n + 16,
    }
