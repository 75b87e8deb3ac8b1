"""The B-RASP program of [BCL] Lemma 8 (v3; Lemma 7 in v1/v2): 2^N-tiling solutions (THEORY §4, App. A).

Source: P. Bergsträßer, R. Cotterell, A. W. Lin, *Transformers are Inherently Succinct*, ICLR 2026
(arXiv 2510.19315), Lemma 8 and App. A.2; THEORY App. A re-types the gadgets. The language is
:class:`tasks.tiling.TilingTask`: a grid of width ``2^N`` is written cell by cell, rows bottom to top,
each cell ``(r, c)`` as ``bin_N(c − 1) · tile · #`` (MSB first). The program accepts exactly the
encodings of solutions (borders 0, neighbours matching, final tile top-right).

Every attention is ``▶_j[j<i, S(j) ∧ ⋀_{k∈K}(B_k(i) ↔ B_k(j))] V(i, j) : D(i)`` with ``K = ∅`` or
``K = {B_1..B_N}`` — Lemma 9's form; every other dependence on i sits in the value. Notation:
``bit = Q_0 ∨ Q_1``, ``tile = ⋁_t Q_t``, ``Z(x) = ⋀_k ¬B_k(x)`` (column 0^N), ``O(x) = ⋀_k B_k(x)``
(column 1^N), ``eq = ⋀_k (B_k(i) ↔ B_k(j))``, ``up0 = ⋁_{up(t)=0} T_t`` (likewise down0, left0, right0).
Predicate names are ASCII (for :mod:`constructions.brasp.syntax`): B_inc = B_+1, B_wrap = B_1→0,
D_bot/D_top/D_left/D_right = D_⊥/D_⊤/D_⊢/D_⊣, E_left/E_down = E_←/E_↓, A_hash_k = A_#,k.

* A (shape ``({0,1}^N T #)+``): ``A_T := ▶[1] tile(j) : 0``; ``A_bit_1 := ▶[1] bit(j) : 0``,
  ``A_bit_k := ▶[1] A_bit_{k−1}(j) : 0``; ``A_hash_1 := ▶[1] Q_#(j) : 1``, ``A_hash_k := ▶[1]
  A_hash_{k−1}(j) : 1`` (k ≤ N+1); ``A_enc := (Q_# → A_T) ∧ (tile → ⋀_k A_bit_k ∧ A_hash_{N+1})``;
  ``A := ▶[¬A_enc(j)] 0 : A_enc(i)``.
* B (column counter): ``B_1 := ▶[bit(j)] Q_1(j) : 0``, ``B_k := ▶[bit(j)] B_{k−1}(j) : 0``;
  ``B_inc := ▶[Q_#(j)] INC(i, j) : 0`` (INC = THEORY §3's increment, shared with the counter);
  ``B_wrap := ▶[Q_#(j)] ⋀_k (¬B_k(i) ∧ B_k(j)) : Z(i)``;
  ``B := ▶[Q_#(j) ∧ ¬B_wrap(j) ∧ ¬B_inc(j)] 0 : B_wrap(i) ∨ B_inc(i)`` (``aggregate="corrected"``) or
  ``… : B_wrap(i) ∧ B_inc(i)`` (``"printed"``, eq. (14e) as printed: see :data:`PRINTED_AGGREGATE_EMPTY`).
* ``T_t := ▶[tile(j)] Q_t(j) : 0``; ``C := Q_# ∧ T_fin ∧ O``.
* D (borders): ``D_bot := ▶[Q_#(j) ∧ eq] 1 : down0(i)``;
  ``D_top := ▶[Q_#(j) ∧ (¬up0(j) ∨ Z(j))] up0(j) ∧ up0(i) : 0`` (read only at the last position);
  ``D_left := Z → left0``; ``D_right := O → right0``; strict borders only:
  ``D_s := (left0 → Z) ∧ (right0 → O)``; ``D := ▶[Q_#(j) ∧ ¬(D_bot ∧ D_left ∧ D_right [∧ D_s])(j)] 0 :
  D_bot ∧ D_top ∧ D_left ∧ D_right [∧ D_s]``.
* E (matching): ``E_left := ▶[Q_#(j)] Z(i) ∨ ⋁_{left(t)=right(t')} (T_t(i) ∧ T_t'(j)) : 1``;
  ``E_down := ▶[Q_#(j) ∧ eq] ⋁_{down(t)=up(t')} (T_t(i) ∧ T_t'(j)) : 1`` — the rightmost earlier ``#``
  with equal column bits is the cell below; ``E := ▶[Q_#(j) ∧ ¬(E_down ∧ E_left)(j)] 0 : E_down ∧ E_left``.
* ``Y := A ∧ B ∧ C ∧ D ∧ E``, accepted at the last position.

**Deviations from the appendix** (each keeps Lemma 9's form):

1. B's aggregate default uses ∨ (the erratum of eq. (14e)); ``aggregate="printed"`` keeps the ∧.
2. D_⊤: the printed connective is garbled; we take THEORY App. A's reading, value ``up0(j) ∧ up0(i)``.
   The attended # is the last row's first cell unless a later cell of the last row has up ≠ 0, so the
   value holds iff every cell of the last row, the last one included, has up = 0. The other reading,
   ``up0(j)`` alone, never checks the last cell: it would accept a final tile with up ≠ 0. ``up≠0`` is
   written ``¬up0`` (equal at a # once A holds).
3. E_←'s value ``(⋁_k B_k(i)) → M`` is written as the equivalent ``Z(i) ∨ M`` (no double negation).
4. Strict borders (THEORY §4's convention) add the position-wise D_s, aggregated in D. Given E_←'s
   matching it is equivalent to :mod:`tasks.tiling`'s rule (no interior edge of colour 0).
5. Names are ASCII (above); N ≥ 1 (for N = 0 the last row's first cell could be the last position).

**Size** (:func:`tiling_program_size`; ``τ = |T|``, ``s = [strict]``, ``[c]`` = 1 if c holds else 0):
``3N + τ + 17 + s`` operations, ``3N + τ + 12`` of them attention, ``5 + s`` position-wise. Formula nodes
(score + value + default, or the position formula, summed) depend on the colour statistics ``u, d, l, r``
(tiles with up / down / left / right colour 0) and ``h, v`` (pairs with left(t) = right(t'), resp.
down(t) = up(t')); when τ and all six are ≥ 2 (the witness) they are (:func:`generic_formula_nodes`)
``6N² + 41N + 90 + τ² + 5τ + 8·[N≥2] + 3u + d + l + r + 3h + 3v + s·(3N + 9 + 2·[N≥2] + l + r)``;
:func:`tiling_program_size` also covers the degenerate counts (a builder folds an empty disjunction to 0
and a one-atom one to the atom). Largest formulas: E's match disjunctions (h, v ≤ τ² pairs, 3 nodes each)
and B_+1's increment (``6N² − 2N + [N≥2]`` nodes). Scores are O(N); ``eq`` has 9 nodes per bit.

>>> from constructions.brasp.interpreter import evaluate_word
>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class _T:
...     left: int; up: int; right: int; down: int; name: str
>>> @dataclass(frozen=True)
... class _I:
...     n: int; tiles: tuple; final: str; borders: str = "as-stated"
>>> inst = _I(1, (_T(0, 0, 1, 0, "a"), _T(1, 0, 0, 0, "b")), "b")
>>> evaluate_word(tiling_program(inst), list("0a#1b#"))["Y"][-1]
True
>>> evaluate_word(tiling_program(inst, "printed"), list("0a#1b#"))["Y"][-1]
False
"""
from __future__ import annotations

from typing import Any, Callable, Literal

from automata.errors import ParameterError
from constructions.brasp.formula import FALSE, TRUE, Formula, P, Q, conj, disj, iff, implies, neg
from constructions.brasp.program import AttentionOp, Op, PositionOp, Program
from constructions.library.counter_brasp import increment_formula

Aggregate = Literal["corrected", "printed"]
BITS: tuple[str, ...] = ("0", "1")
SEP = "#"

PRINTED_AGGREGATE_EMPTY = (
    "As printed, eq. (14e) aggregates B with the default B_1→0(i) ∧ B_+1(i). At a # both attend to the "
    "same position (the rightmost earlier #, or none). B_1→0 needs the column bits at i to be 0^N (against "
    "1^N at that #, or with no earlier #), while B_+1 needs them to be the earlier # bits plus one, so not "
    "0^N (and its default, with no earlier #, is 0): the two exclude each other, the ∧-default is 0 at "
    "every #. C demands a # at the last position, where B is that default (or 0 if an earlier # already "
    "failed), so Y = 0 on every word: the printed program accepts nothing. With ∨ it accepts exactly the "
    "encodings of solutions."
)


def printed_aggregate_explanation() -> str:
    """Why ``aggregate="printed"`` gives the empty language (:data:`PRINTED_AGGREGATE_EMPTY`)."""
    return PRINTED_AGGREGATE_EMPTY


def _attend(name: str, score: Formula, value: Formula, default: Formula) -> AttentionOp:
    return AttentionOp(name, "rightmost", "j<i", score, value, default)


def _tile_pred(index: int, name: str) -> str:
    candidate = f"T_{name}"
    return candidate if candidate.isidentifier() and candidate.isascii() else f"T_{index}"


class _Gadgets:
    """Formula builders over one instance's tiles (sides 'i' / 'j')."""

    def __init__(self, instance: Any) -> None:
        n = instance.n
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ParameterError(f"tiling: N must be an integer ≥ 1, got {n!r}")
        self.n = n
        self.tiles: tuple[Any, ...] = tuple(instance.tiles)
        names = [t.name for t in self.tiles]
        if not names or len(set(names)) != len(names) or set(names) & {*BITS, SEP}:
            raise ParameterError(f"tiling: tile names must be distinct and not 0, 1, #; got {names}")
        if instance.final not in names:
            raise ParameterError(f"tiling: final tile {instance.final!r} is not a tile")
        self.pred = {t.name: _tile_pred(k, t.name) for k, t in enumerate(self.tiles)}
        self.final = instance.final

    def b(self, k: int, side: str = "i") -> Formula:
        return P(f"B_{k}", side)  # type: ignore[arg-type]

    def zero(self, side: str = "i") -> Formula:
        return conj(*(neg(self.b(k, side)) for k in range(1, self.n + 1)))

    def ones(self, side: str = "i") -> Formula:
        return conj(*(self.b(k, side) for k in range(1, self.n + 1)))

    def eq(self) -> Formula:
        return conj(*(iff(self.b(k, "i"), self.b(k, "j")) for k in range(1, self.n + 1)))

    def colour0(self, attr: str, side: str = "i") -> Formula:
        return disj(*(P(self.pred[t.name], side) for t in self.tiles if getattr(t, attr) == 0))  # type: ignore[arg-type]

    def match(self, attr_i: str, attr_j: str) -> Formula:
        """⋁ over tile pairs with attr_i(t) = attr_j(t'): T_t(i) ∧ T_t'(j)."""
        return disj(*(
            conj(P(self.pred[t.name], "i"), P(self.pred[u.name], "j"))
            for t in self.tiles for u in self.tiles if getattr(t, attr_i) == getattr(u, attr_j)
        ))


def tiling_program(
    instance: Any, aggregate: Aggregate = "corrected", strict_borders: bool | None = None
) -> Program:
    """Lemma 8's program for ``instance`` (a :class:`tasks.tiling.TilingInstance`); output ``Y``.

    ``aggregate``: ``"corrected"`` (∨ in B's default; accepts exactly the solutions' encodings) or
    ``"printed"`` (∧ as in eq. (14e); accepts nothing). ``strict_borders``: add D_s (default: the
    instance's ``borders == "strict"``). Raises :class:`~automata.errors.ParameterError` on bad input.
    """
    if aggregate not in ("corrected", "printed"):
        raise ParameterError(f"tiling: aggregate must be 'corrected' or 'printed', got {aggregate!r}")
    g = _Gadgets(instance)
    strict = (getattr(instance, "borders", "as-stated") == "strict") if strict_borders is None else bool(strict_borders)
    n = g.n
    bit_j = disj(*(Q(b, "j") for b in BITS))
    tile_i = disj(*(Q(t.name) for t in g.tiles))
    tile_j = disj(*(Q(t.name, "j") for t in g.tiles))
    hash_i, hash_j = Q(SEP), Q(SEP, "j")
    ops: list[Op] = [_attend("A_T", TRUE, tile_j, FALSE), _attend("A_bit_1", TRUE, bit_j, FALSE)]
    ops += [_attend(f"A_bit_{k}", TRUE, P(f"A_bit_{k - 1}", "j"), FALSE) for k in range(2, n + 1)]
    ops.append(_attend("A_hash_1", TRUE, hash_j, TRUE))
    ops += [_attend(f"A_hash_{k}", TRUE, P(f"A_hash_{k - 1}", "j"), TRUE) for k in range(2, n + 2)]
    ops.append(PositionOp("A_enc", conj(
        implies(hash_i, P("A_T")),
        implies(tile_i, conj(*(P(f"A_bit_{k}") for k in range(1, n + 1)), P(f"A_hash_{n + 1}"))),
    )))
    ops.append(_attend("A", neg(P("A_enc", "j")), FALSE, P("A_enc")))
    # B: column counter
    ops.append(_attend("B_1", bit_j, Q("1", "j"), FALSE))
    ops += [_attend(f"B_{k}", bit_j, g.b(k - 1, "j"), FALSE) for k in range(2, n + 1)]
    ops.append(_attend("B_inc", hash_j, increment_formula(n), FALSE))
    wrap = conj(*(conj(neg(g.b(k, "i")), g.b(k, "j")) for k in range(1, n + 1)))
    ops.append(_attend("B_wrap", hash_j, wrap, g.zero("i")))
    combine: Callable[..., Formula] = disj if aggregate == "corrected" else conj
    ops.append(_attend("B", conj(hash_j, neg(P("B_wrap", "j")), neg(P("B_inc", "j"))), FALSE,
                       combine(P("B_wrap"), P("B_inc"))))
    # T_t and C
    ops += [_attend(g.pred[t.name], tile_j, Q(t.name, "j"), FALSE) for t in g.tiles]
    ops.append(PositionOp("C", conj(hash_i, P(g.pred[g.final]), g.ones("i"))))
    # D: borders
    ops.append(_attend("D_bot", conj(hash_j, g.eq()), TRUE, g.colour0("down")))
    ops.append(_attend("D_top", conj(hash_j, disj(neg(g.colour0("up", "j")), g.zero("j"))),
                       conj(g.colour0("up", "j"), g.colour0("up", "i")), FALSE))
    ops.append(PositionOp("D_left", implies(g.zero("i"), g.colour0("left"))))
    ops.append(PositionOp("D_right", implies(g.ones("i"), g.colour0("right"))))
    local = ["D_bot", "D_left", "D_right"]
    if strict:
        ops.append(PositionOp("D_s", conj(implies(g.colour0("left"), g.zero("i")),
                                          implies(g.colour0("right"), g.ones("i")))))
        local.append("D_s")
    ops.append(_attend("D", conj(hash_j, neg(conj(*(P(x, "j") for x in local)))), FALSE,
                       conj(P("D_bot"), P("D_top"), *(P(x) for x in local[1:]))))
    # E: matching
    ops.append(_attend("E_left", hash_j, disj(g.zero("i"), g.match("left", "right")), TRUE))
    ops.append(_attend("E_down", conj(hash_j, g.eq()), g.match("down", "up"), TRUE))
    ops.append(_attend("E", conj(hash_j, neg(conj(P("E_down", "j"), P("E_left", "j")))), FALSE,
                       conj(P("E_down"), P("E_left"))))
    ops.append(PositionOp("Y", conj(*(P(x) for x in "ABCDE"))))
    alphabet = (*BITS, SEP, *(t.name for t in g.tiles))
    label = f"tiling(N={n}, |T|={len(g.tiles)}, {aggregate}{', strict' if strict else ''})"
    return Program(alphabet, tuple(ops), "last", label)


def _delta(m: int) -> int:
    """Nodes of a disjunction of m atoms: FALSE (m = 0), the atom (m = 1), Or + m atoms (m ≥ 2)."""
    return m + (m >= 2) + (m == 0)


def _mu(m: int) -> int:
    """Nodes of a disjunction of m two-atom conjunctions (FALSE, one And, or Or + m Ands)."""
    return 3 * m + (m >= 2) + (m == 0)


def _or_add(m: int, width: int = 1) -> int:
    """Nodes an m-item disjunction (items of ``width`` nodes) adds to ``disj(F, ·)``, F not an Or."""
    return 0 if m == 0 else width * m + 1


def _implies_zero(m: int, rhs: int) -> int:
    """Nodes of ``implies(colour0, R)`` with m atoms in colour0 (0 when it folds to TRUE)."""
    return 0 if m == 0 else 2 + _delta(m) + rhs


def tiling_program_size(
    instance: Any, aggregate: Aggregate = "corrected", strict_borders: bool | None = None
) -> dict[str, int]:
    """Closed-form size of :func:`tiling_program` in N, τ = |T| and the instance's colour counts.

    ``u, d, l, r`` = number of tiles with up / down / left / right colour 0; ``h`` = number of pairs
    (t, t') with left(t) = right(t'), ``v`` = pairs with down(t) = up(t'). Keys: ``ops``,
    ``attention_ops``, ``position_ops``, ``formula_nodes`` (score + value + default, or the position
    formula, summed over all operations), ``increment_nodes`` (B_+1's value), ``match_nodes`` (E_←'s and
    E_↓'s values). ``aggregate`` does not change the size. Per-gadget terms are in the comments.
    """
    g = _Gadgets(instance)
    strict = (getattr(instance, "borders", "as-stated") == "strict") if strict_borders is None else bool(strict_borders)
    n, tau, s, big = g.n, len(g.tiles), int(strict), int(g.n >= 2)
    u, d, l, r = (sum(getattr(t, a) == 0 for t in g.tiles) for a in ("up", "down", "left", "right"))
    h = sum(t.left == x.right for t in g.tiles for x in g.tiles)
    v = sum(t.down == x.up for t in g.tiles for x in g.tiles)
    tl = _delta(tau)  # tile(x)
    z, o = 2 * n + big, n + big  # Z(x) = ⋀_k ¬B_k(x), O(x) = ⋀_k B_k(x)
    eq_score = 9 * n + 2  # Q_#(j) ∧ N equalities of 9 nodes
    inc = 6 * n * n - 2 * n + big
    a = (tl + 2) + 5 + 3 * (n - 1) + 3 * (n + 1) + (tl + n + 9) + 4  # A_T, A_bit_k, A_hash_k, A_enc, A
    b = 5 * n + (inc + 2) + (5 * n + 2 + big) + 10  # B_k, B_inc, B_wrap, B
    tc = tau * (tl + 2) + (n + 3)  # T_t, C
    d_bot = eq_score + 1 + _delta(d)
    d_top = 3 if u == 0 else 6 + 3 * _delta(u) + z
    d_left = (2 * n - 1 + 3 * big) + _or_add(l)  # ¬Z ∨ left0
    d_right = (n + 1 + big) + _or_add(r)  # ¬O ∨ right0
    d_s = 0
    if strict:
        parts = [x for x in (_implies_zero(l, z), _implies_zero(r, o)) if x]
        d_s = 1 if not parts else parts[0] if len(parts) == 1 else 1 + sum(parts)
    k = 3 + s
    d_agg = 2 * k + 7
    e_left = 2 + z + _or_add(h, 3)
    e_down = eq_score + _mu(v) + 1
    e = e_left + e_down + 10
    nodes = a + b + tc + d_bot + d_top + d_left + d_right + d_s + d_agg + e + 6  # Y: 6
    return {
        "ops": 3 * n + tau + 17 + s,
        "attention_ops": 3 * n + tau + 12,
        "position_ops": 5 + s,
        "formula_nodes": nodes,
        "increment_nodes": inc,
        "match_nodes": (z + _or_add(h, 3)) + _mu(v),
    }


def generic_formula_nodes(n: int, tau: int, u: int, d: int, l: int, r: int, h: int, v: int, strict: bool) -> int:
    """The node count as one polynomial, valid when τ and all colour counts are ≥ 2 (the witness)."""
    big, s = int(n >= 2), int(strict)
    return (6 * n * n + 41 * n + 90 + tau * tau + 5 * tau + 8 * big + 3 * u + d + l + r + 3 * h + 3 * v
            + s * (3 * n + 9 + 2 * big + l + r))


__all__ = [
    "tiling_program", "tiling_program_size", "generic_formula_nodes", "printed_aggregate_explanation", "PRINTED_AGGREGATE_EMPTY",
]
