"""UHAT → LTL: [BCL] Prop 13 (v3; App. A.5), exponential in |T|.

For every layer ℓ and every vector v the layer can output, a formula φ^ℓ_v holds at position n iff the
layer outputs v there. Exactly as in the proof, by induction on the layers:

* embedding: φ⁰_v = ⋁ { Q_a : emb(a) = v };
* ReLU layer: φ^{ℓ+1}_v = ⋁ { φ^ℓ_u : ReLU(u) = v };
* attention layer with query vector u and attended vector a, C(u, a) = v. With strict future masking
  (j < n) and **rightmost** tie-break, n attends a position j < n holding a iff every k with j < k < n
  scores strictly less and every k < j scores at most S(u, a):
  ``φ_u ∧ ((⋁_{S(u,b) < S(u,a)} φ_b) S (φ_a ∧ ¬P ⋁_{S(u,b) > S(u,a)} φ_b))``;
  **leftmost**: earlier positions strictly less, the ones in between at most:
  ``φ_u ∧ ((⋁_{S(u,b) ≤ S(u,a)} φ_b) S (φ_a ∧ ¬P ⋁_{S(u,b) ≥ S(u,a)} φ_b))``;
  and at the first position (nothing unmasked, a = 0): ``φ_u ∧ ¬P⊤``. Strict past masking mirrors
  this with U, F; no masking splits into "n attends itself", "to its left" and "to its right" (the
  proof's φ_at, φ_L, φ_R), each combining an S- or U-formula with ¬P/¬F conditions on the other side;
* acceptance: φ = ⋁ { φ^m_v : ⟨t, v⟩ > 0 } (for a network with ``accept_at="first"``, an extension
  beyond the paper's model, ψ ∨ Pψ with ψ = ¬P⊤ ∧ φ: φ held at the first position).

The proof ranges over every vector of F^R (F = all values of Prop 12); we range over the vectors each
layer *can* output given the previous layer's set — {C(u, a) : u, a possible} — a subset that still
contains every vector of every run, so the formula is the proof's with the unsatisfiable disjuncts left
out. Formulas are DAGs (equal subformulas are one node, :mod:`automata.ltl.formula`); the tree size is
exponential in the number of attention layers, the DAG size polynomial in the value sets.
Position-wise layers (C ignores the attended vector) need no temporal operator.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

from automata.errors import ParameterError, StateLimitError
from automata.ltl.formula import (
    FALSE, TRUE, Formula, Letter, conj, disj, eventually, neg, once, since, until)
from constructions.uhat.model import UHAT, AttentionLayer, ReLULayer

Vec = tuple[Fraction, ...]
MAX_VECTORS = 20_000


@dataclass(frozen=True)
class LayerFormulas:
    """The vectors a layer can output and φ^ℓ_v for each."""

    kind: str  # "embedding", "relu", "position-wise", "attention j<i rightmost", …
    formulas: dict[Vec, Formula]


@dataclass(frozen=True)
class UHATFormula:
    formula: Formula
    layers: tuple[LayerFormulas, ...]

    @property
    def vector_counts(self) -> tuple[int, ...]:
        return tuple(len(layer.formulas) for layer in self.layers)


def _apply(m, x: Sequence[Fraction]) -> Vec:
    return tuple(m.apply(list(x)))


def _score(q: Vec, k: Vec) -> Fraction:
    return sum((a * b for a, b in zip(q, k)), Fraction(0))


def uhat_to_ltl(net: UHAT, max_vectors: int = MAX_VECTORS, time_limit: float | None = None) -> UHATFormula:
    """The formula of Prop 13 for ``net`` (plain [BCL] UHATs with masks none, j<i, j>i).

    Raises :class:`ParameterError` for other networks and :class:`StateLimitError` when a layer can
    output more than ``max_vectors`` vectors or the work exceeds ``time_limit`` seconds (an attention
    layer costs O(V²·width) for V input vectors).
    """
    import time

    net.require_plain("UHAT → LTL (Prop 13)")
    deadline = None if time_limit is None else time.monotonic() + time_limit
    emb = net.embedding
    layer0: dict[Vec, Formula] = {}
    for k, a in enumerate(net.alphabet):
        onehot = [Fraction(int(i == k)) for i in range(len(net.alphabet))]
        v = _apply(emb, onehot)
        layer0[v] = disj(layer0.get(v, FALSE), Letter(a))
    layers = [LayerFormulas("embedding", layer0)]
    cur = layer0
    for index, layer in enumerate(net.layers):
        if isinstance(layer, ReLULayer):
            nxt: dict[Vec, list[Formula]] = {}
            for u, fu in cur.items():
                v = tuple(max(Fraction(0), x) if i in layer.coords else x for i, x in enumerate(u))
                nxt.setdefault(v, []).append(fu)
            cur = {v: disj(*fs) for v, fs in nxt.items()}
            layers.append(LayerFormulas("relu", cur))
            continue
        assert isinstance(layer, AttentionLayer)
        if layer.mask not in ("none", "j<i", "j>i"):
            raise ParameterError(f"layer {index + 1}: Prop 13 is stated for the masks none, j<i, j>i, not {layer.mask}")
        if not layer.attends:
            nxt = {}
            zero = [Fraction(0)] * layer.in_width
            for u, fu in cur.items():
                nxt.setdefault(_apply(layer.C, list(u) + zero), []).append(fu)
            cur = {v: disj(*fs) for v, fs in nxt.items()}
            layers.append(LayerFormulas("position-wise", cur))
            _limit(cur, index, max_vectors)
            continue
        cur = _attention(layer, cur, index, max_vectors, deadline)
        layers.append(LayerFormulas(f"attention {layer.mask} {layer.tiebreak}", cur))
    assert net.accept is not None
    accepted = disj(*(fv for v, fv in cur.items() if _apply(net.accept, v)[0] > 0))
    if net.accept_at == "first":  # read at the last position: φ held at position 1 (now or before)
        at_first = conj(neg(once(TRUE)), accepted)
        accepted = disj(at_first, once(at_first))
    return UHATFormula(accepted, tuple(layers))


def _limit(vectors: dict, index: int, max_vectors: int) -> None:
    if len(vectors) > max_vectors:
        raise StateLimitError(f"layer {index + 1} can output more than {max_vectors:,} vectors; "
                              "Prop 13's formula is out of reach for this network")


class _Levels:
    """For one query u: the disjunctions ⋁ φ_b over b with score <, ≤, >, ≥ a level, built once per level."""

    def __init__(self, scored: list[tuple[Fraction, Formula]]) -> None:
        self.scored = scored
        self.memo: dict[tuple[str, Fraction], Formula] = {}

    def get(self, rel: str, s: Fraction) -> Formula:
        key = (rel, s)
        if key not in self.memo:
            test = {"<": lambda x: x < s, "<=": lambda x: x <= s, ">": lambda x: x > s, ">=": lambda x: x >= s}[rel]
            self.memo[key] = disj(*(fb for sb, fb in self.scored if test(sb)))
        return self.memo[key]


def _attention(layer: AttentionLayer, cur: dict[Vec, Formula], index: int, max_vectors: int,
               deadline: float | None = None) -> dict[Vec, Formula]:
    import time

    keys = {b: _apply(layer.B, b) for b in cur}
    width = layer.in_width
    zero = [Fraction(0)] * width
    terms: dict[Vec, list[Formula]] = {}
    right = layer.tiebreak == "rightmost"
    for u, fu in cur.items():
        if deadline is not None and time.monotonic() > deadline:
            raise StateLimitError(f"Prop 13's formula ran out of its time limit at layer {index + 1} "
                                  f"({len(cur):,} input vectors)")
        q = _apply(layer.A, u)
        scored = [(_score(q, keys[b]), fb) for b, fb in cur.items()]
        lv = _Levels(scored)
        s_self = _score(q, keys[u])
        if layer.mask in ("j<i", "j>i"):
            past = layer.mask == "j<i"
            nothing = neg(once(TRUE)) if past else neg(eventually(TRUE))
            terms.setdefault(_apply(layer.C, list(u) + zero), []).append(conj(fu, nothing))
        for a, fa in cur.items():
            s = _score(q, keys[a])
            v = _apply(layer.C, list(u) + list(a))
            if layer.mask == "j<i":
                term = _strict(fa, s, lv, right, since, once)
            elif layer.mask == "j>i":
                term = _strict(fa, s, lv, not right, until, eventually)
            else:
                term = _unmasked(fa, s, s_self, a == u, lv, right)
            if term != FALSE:
                terms.setdefault(v, []).append(conj(fu, term))
        if len(terms) > max_vectors:
            _limit(terms, index, max_vectors)
    return {v: disj(*fs) for v, fs in terms.items()}


def _strict(fa: Formula, s: Fraction, lv: _Levels, nearest_wins: bool, bin_op, un_op) -> Formula:
    """The attended position lies strictly on one side. ``nearest_wins``: ties go to the position
    nearest the query (rightmost for j < i, leftmost for j > i): the positions in between must score
    strictly less, the far ones at most; otherwise the reverse."""
    if nearest_wins:
        between, beyond = lv.get("<", s), lv.get(">", s)
    else:
        between, beyond = lv.get("<=", s), lv.get(">=", s)
    return bin_op(between, conj(fa, neg(un_op(beyond))))


def _unmasked(fa: Formula, s: Fraction, s_self: Fraction, is_self: bool, lv: _Levels, right: bool) -> Formula:
    """No masking: the attended position is the query itself, to its left or to its right."""
    out = []
    # ties: rightmost prefers larger positions; the "winning side" for ties is the right
    if is_self:
        # n attends itself: right side strictly less (rightmost) or at most (leftmost), left side the reverse
        rs, ls = ("<", "<=") if right else ("<=", "<")
        out.append(conj(neg(eventually(_comp(lv, rs, s))), neg(once(_comp(lv, ls, s)))))
    if (s > s_self) or (s == s_self and not right):
        # attended j < n: beyond n on the right nothing scores ≥ s (rightmost) or > s (leftmost)
        far = ">=" if right else ">"
        out.append(conj(neg(eventually(lv.get(far, s))), _strict(fa, s, lv, right, since, once)))
    if (s > s_self) or (s == s_self and right):
        far = ">" if right else ">="
        out.append(conj(neg(once(lv.get(far, s))), _strict(fa, s, lv, not right, until, eventually)))
    return disj(*out)


def _comp(lv: _Levels, allowed: str, s: Fraction) -> Formula:
    """⋁ φ_b over the b that would *beat* the query itself given the allowed relation on that side."""
    return lv.get(">" if allowed == "<=" else ">=", s)
