"""A constant-size transformer that writes IsTree's chain of thought ([WDL] Thm 4.7) — ours.

[WDL] Thm 4.7: a transformer of constant size with O(log n)-bit precision solves IsTree with a chain of
thought of length O(n). The paper's weights are not available to us: this is **our construction
satisfying the theorem**, for the official CoT format of the paper's code release (:mod:`tasks.istree`,
docs/tutorial.md §9). It generates the depth-first Euler tour token by token, then ``[EOS]`` and
``[TRUE]``/``[FALSE]`` — the CoT is at most 2n + 1 tokens.

Model: the extended UHAT of :mod:`constructions.uhat.model` — exact **hard** attention only (argmax with
a declared tie-break), positional features p(j) = (1, j, j²), numeric token codes (vertex v enters as
(v, v²); the embedding and output tables grow with n, the core does not), several heads per layer, every
mask causal (j < i or j ≤ i), so the vectors of earlier positions never change as the CoT grows: a
key/value cache gives the same run as full recomputation.

Every head is a **quadratic match**: w·(2qk − k² − q²) = −w(q − k)², 0 exactly at k = q, ≤ −w otherwise,
summed over the matched quantities, with −2 for a key of the wrong kind. A **BOS sentinel** turns "no
match" into an answer: the BOS key gets the query's squares back plus 2g − 1, so it scores 2g − 1 — it
loses to a match (score 0) and beats every non-match (≤ −2) when the gate g is 0 — "nothing found" —
and wins outright when g ≥ 1: a head that is *switched off* by an integer gate, which is how this
network selects between two values without multiplying them (the gates are its only "if").

Positions (0-based): BOS 0; edge k (1-based) as ``u - v`` at 3k − 2, 3k − 1, 3k (u > v); EOS₁ at 3n − 2;
the tour after it. A **half-edge** is a vertex token in the prompt: the half-edges holding u, in position
order, are u's adjacency list in input order. Each edge is read at its *anchor*, the second endpoint
(previous token ``-``): a = token two back, b = its own token.

Layers (8 attention layers — one of them position-wise only, its head unread — and 5 ReLU layers; at
most 5 heads; width :data:`WIDTH` = 61):

1. prev-token (offset 1: token, dash, EOS flags), offset 2 (token), first-EOS (seen, P₁ = its position).
   ReLU: tour vertex = [vertex ∧ seen], edge vertex = [vertex ∧ ¬seen].
2. hprev: the previous half-edge with the same token (rightmost; BOS if none); first: the first
   occurrence f of u in the tour, with the token before it (the parent) and whether that is EOS₁ (the
   root); prev-token's tour flag. ReLU: first visit [f = i], EOS₂ [EOS after a tour vertex],
   TRUE [EOS₂ ∧ 3i − 5P₁ − 4 = 0] (i = P₁ + 2n: tour length 2n − 1).
3. start: the half-edge of u in edge {u, w}, w = the previous token (two heads, u first or second
   endpoint), gated off on a first visit (start = BOS: scan from the beginning); hp: the half-edge of u
   in the parent edge (two heads, gated off at the root); offset 2 copying hprev to the anchor.
4. next(start) and next(hp): the half-edge of u whose hprev is start (resp. hp) — slot A (u the first
   endpoint of the anchor's edge) and slot B — each with its partner y and the partner's position.
   ReLU: |y₁ − parent| as two units.
5. Selection: attend the partner of next(start), gated off when it is the parent edge
   (gate isPar), or of next(hp), gated the other way (1 − isPar): y, found.
6. Visited: y in the tour? (a match against tour vertices, BOS if none). ReLU: emit y
   [tour ∧ found ∧ ¬visited], emit the parent [tour ∧ ¬found ∧ parent], EOS on a cycle
   [tour ∧ found ∧ visited], EOS at the root [tour ∧ ¬found ∧ ¬parent], root after EOS₁.
7. Emission: the token at y's position (gated by emit-y) plus the token at f − 1 (the parent, gated by
   emit-parent): z. Logits: vertex w: 2wz − w² + 2·emit-vertex − 2; EOS: 2·(cycle + root-stop) − 1;
   TRUE/FALSE: 2·flag − 1 — every margin ≥ 1, all integers.

**Size** (tested, :func:`core_size`): 13 layers (8 attention, one of them position-wise only, + 5 ReLU),
at most 5 heads, width :data:`WIDTH` = 61, 825 non-zero core weights, all integers of absolute value ≤ 5;
the embedding table has n + 5 columns (one per symbol) and the read-out n + 3 rows — both grow with n, the
core is constant. Precision: every value is a polynomial of degree ≤ 2 in the position (< 5n), so
O(log n) bits; the audit proves float32 exact for n ≤ 234 and float64 beyond (``succinct table istree``
prints the bits).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from automata.errors import ParameterError
from constructions.exact import Affine
from constructions.library.retrieval_uhat import Layout, Row
from constructions.uhat.model import UHAT, AttentionLayer, Head, ReLULayer
from tasks.istree import EOS, FALSE, TRUE, VERTEX0, IsTreeTask

NAMES = (
    "one", "pos", "pos2", "tok", "tok2", "isV", "isDash", "isEOS", "isBOS",
    # layer 1 + ReLU 1
    "p1tok", "p1tok2", "p1dash", "p1eos", "p2tok", "p2tok2", "seen", "P1", "isTV", "isEV",
    # layer 2 + ReLU 2
    "hp", "hp2", "f", "f2", "par", "par2", "hasPar", "p1tv", "isFirst", "isEOS2", "emitT",
    # layer 3
    "aprev", "aprev2", "start", "start2", "hpos", "hpos2",
    # layer 4 + ReLU 3
    "y1", "y1sq", "pp1", "pp1sq", "found1", "y2", "y2sq", "pp2", "pp2sq", "found2", "dplus", "dminus",
    "isPar",
    # layer 5
    "y", "ysq", "yp", "yp2", "found",
    # layer 6 + ReLU 5
    "inTour", "emitY", "emitP", "eosC", "eosR", "isEOS1",
    # layer 7
    "z",
)
LAYOUT = Layout(NAMES)
WIDTH = len(NAMES)
Pair = tuple[Row, Row]  # (query row, key row): score += ⟨q, v_i⟩·⟨k, v_j⟩


def _sq(w: int, q: Row, q2: Row, k: Row, k2: Row) -> list[Pair]:
    """w·(2qk − k² − q²) = −w(q − k)² as bilinear pairs (q², k² given as rows)."""
    return [({n: 2 * w * c for n, c in q.items()}, k), ({"one": -w}, k2), ({n: -w * c for n, c in q2.items()}, {"one": 1})]


def _kind(flag: Row) -> list[Pair]:
    """−2 for a key whose ``flag`` (0/1) is 0: −2 + 2·flag."""
    return [({"one": -2}, {"one": 1, **{n: -c for n, c in flag.items()}})]


def _bos(extra: Row) -> Pair:
    """The BOS sentinel's term: isBOS_j · ⟨extra, v_i⟩."""
    return (extra, {"isBOS": 1})


def _head(pairs: list[Pair], mask: str, tiebreak: str = "leftmost") -> Head:
    return Head(LAYOUT.affine([q for q, _ in pairs]), LAYOUT.affine([k for _, k in pairs]), mask, tiebreak)  # type: ignore[arg-type]


def _offset(r: int) -> Head:
    """Attends position i − r: query (2(i − r), −1) against (j, j²) (j < i)."""
    return _head([({"pos": 2, "one": -2 * r}, {"pos": 1}), ({"one": -1}, {"pos2": 1})], "j<i")


def _at(target: Row, target2: Row, gate: Row) -> Head:
    """Attends position ``target`` (its square ``target2``), or the BOS when the 0/1 ``gate`` is 1."""
    pairs = _sq(2, target, target2, {"pos": 1}, {"pos2": 1})
    bos = _merge({n: 2 * c for n, c in target2.items()}, {n: 2 * c for n, c in gate.items()}, {"one": -1})
    return _head([*pairs, _bos(bos)], "j<i")


def _scaled(row: Row, s: int) -> Row:
    return {n: s * c for n, c in row.items() if n != "one"}


def _edge_search(u: Row, u2: Row, w: Row, w2: Row, gate: Row, u_first: bool) -> Head:
    """The anchor of edge {u, w} with u the first (``u_first``) or second endpoint; BOS when gated."""
    a, a2, b, b2 = ({"p2tok": 1}, {"p2tok2": 1}, {"tok": 1}, {"tok2": 1})
    first, first2, second, second2 = (u, u2, w, w2) if u_first else (w, w2, u, u2)
    pairs = _sq(2, first, first2, a, a2) + _sq(2, second, second2, b, b2) + _kind({"p1dash": 1})
    bos = _merge({n: 2 * c for n, c in first2.items()}, {n: 2 * c for n, c in second2.items()},
                 _scaled(gate, 2), {"one": 1 + 2 * gate.get("one", 0)})
    return _head([*pairs, _bos(bos)], "j<i")


def _next_search(prev: Row, prev2: Row, slot_a: bool) -> Head:
    """The half-edge of u (the current token) whose previous half-edge of u is ``prev`` — slot A: u is
    the anchor's first endpoint (hprev copied in ``aprev``), slot B: its own token. BOS if none."""
    x, x2, hp, hp2 = (({"p2tok": 1}, {"p2tok2": 1}, {"aprev": 1}, {"aprev2": 1}) if slot_a else
                      ({"tok": 1}, {"tok2": 1}, {"hp": 1}, {"hp2": 1}))
    pairs = _sq(2, {"tok": 1}, {"tok2": 1}, x, x2) + _sq(2, prev, prev2, hp, hp2) + _kind({"p1dash": 1})
    bos = _merge({"tok2": 2}, {n: 2 * c for n, c in prev2.items()}, {"one": 1})
    return _head([*pairs, _bos(bos)], "j<i")


def _merge(*rows: Row) -> Row:
    out: dict[str, int | Fraction] = {}
    for row in rows:
        for n, c in row.items():
            out[n] = out.get(n, 0) + c
    return out


def _layer(heads: list[Head], updates: dict[str, Row]) -> AttentionLayer:
    h0, *rest = heads
    return AttentionLayer(h0.A, h0.B, LAYOUT.c_map(len(heads), updates), h0.mask, h0.tiebreak, h0.mode, h0.beta,
                          tuple(rest))


def _relu(*names: str) -> ReLULayer:
    return ReLULayer(WIDTH, tuple(LAYOUT.index(n) for n in names))


def _shifted(h: int, back: int) -> tuple[Row, Row]:
    """The attended position minus ``back`` and its square, 0 when head ``h`` attended the BOS:
    (j − back, (j − back)²) corrected by isBOS (j = 0 ⇔ BOS)."""
    if back == 0:
        return {f"@{h}:pos": 1}, {f"@{h}:pos2": 1}
    return ({f"@{h}:pos": 1, "1": -back, f"@{h}:isBOS": back},
            {f"@{h}:pos2": 1, f"@{h}:pos": -2 * back, "1": back * back, f"@{h}:isBOS": -back * back})


def istree_uhat(task: IsTreeTask) -> UHAT:
    """The CoT transformer for ``task`` (module docstring)."""
    if not isinstance(task, IsTreeTask):
        raise ParameterError(f"istree_uhat needs an IsTreeTask, got {type(task).__name__}")
    lay = LAYOUT
    # embedding: tok, tok2, kinds
    entries = {}
    for c, sym in enumerate(task.alphabet):
        if c >= VERTEX0:
            v = c - VERTEX0
            entries[(lay.index("tok"), c)] = v
            entries[(lay.index("tok2"), c)] = v * v
            entries[(lay.index("isV"), c)] = 1
        else:
            name = {"[BOS]": "isBOS", "-": "isDash", "[EOS]": "isEOS"}.get(sym)
            if name:
                entries[(lay.index(name), c)] = 1
    emb = Affine.build(len(task.alphabet), WIDTH, entries)
    positions = Affine.build(3, WIDTH, {(lay.index("one"), 0): 1, (lay.index("pos"), 1): 1, (lay.index("pos2"), 2): 1})
    u, u2 = {"tok": 1}, {"tok2": 1}

    first_eos = _head([({"one": 1}, {"isEOS": 1})], "j<=i")
    l1 = _layer([_offset(1), _offset(2), first_eos], {
        "p1tok": {"@1:tok": 1}, "p1tok2": {"@1:tok2": 1}, "p1dash": {"@1:isDash": 1}, "p1eos": {"@1:isEOS": 1},
        "p2tok": {"@2:tok": 1}, "p2tok2": {"@2:tok2": 1},
        "seen": {"@3:isEOS": 1}, "P1": {"@3:pos": 1},
        "isTV": {"isV": 1, "@3:isEOS": 1, "1": -1}, "isEV": {"isV": 1, "@3:isEOS": -1}})
    r1 = _relu("isTV", "isEV")

    hprev = _head([*_sq(2, u, u2, {"tok": 1}, {"tok2": 1}), *_kind({"isEV": 1}), _bos({"tok2": 2, "one": 1})],
                  "j<i", "rightmost")
    first = _head([*_sq(2, u, u2, {"tok": 1}, {"tok2": 1}), *_kind({"isTV": 1})], "j<=i")
    prev_tour = _offset(1)
    l2 = _layer([hprev, first, prev_tour], {
        "hp": {"@1:pos": 1}, "hp2": {"@1:pos2": 1},
        "f": {"@2:pos": 1}, "f2": {"@2:pos2": 1}, "par": {"@2:p1tok": 1}, "par2": {"@2:p1tok2": 1},
        "hasPar": {"1": 1, "@2:p1eos": -1}, "p1tv": {"@3:isTV": 1},
        "isFirst": {"1": 1, "pos": -1, "@2:pos": 1},
        "isEOS2": {"isEOS": 1, "@3:isTV": 1, "1": -1},
        "emitT": {"pos": 3, "P1": -5, "1": -5, "isEOS": 1, "@3:isTV": 1}})
    r2 = _relu("isFirst", "isEOS2", "emitT")

    w, w2 = {"p1tok": 1}, {"p1tok2": 1}
    p, p2 = {"par": 1}, {"par2": 1}
    no_par = {"one": 1, "hasPar": -1}
    l3_heads = [_edge_search(u, u2, w, w2, {"isFirst": 1}, True), _edge_search(u, u2, w, w2, {"isFirst": 1}, False),
                _edge_search(u, u2, p, p2, no_par, True), _edge_search(u, u2, p, p2, no_par, False), _offset(2)]
    sa, sa2 = _shifted(1, 2)
    sb, sb2 = _shifted(2, 0)
    pa, pa2 = _shifted(3, 2)
    pb, pb2 = _shifted(4, 0)
    l3 = _layer(l3_heads, {
        "start": _merge(sa, sb), "start2": _merge(sa2, sb2), "hpos": _merge(pa, pb), "hpos2": _merge(pa2, pb2),
        "aprev": {"@5:hp": 1}, "aprev2": {"@5:hp2": 1}})

    l4_heads = [_next_search({"start": 1}, {"start2": 1}, True), _next_search({"start": 1}, {"start2": 1}, False),
                _next_search({"hpos": 1}, {"hpos2": 1}, True), _next_search({"hpos": 1}, {"hpos2": 1}, False)]
    upd: dict[str, Row] = {}
    for k, (h_a, h_b) in enumerate(((1, 2), (3, 4)), start=1):
        # slot A: partner = the anchor's own token, at the anchor; slot B: partner two back
        qa, qa2 = _shifted(h_a, 0)
        qb, qb2 = _shifted(h_b, 2)
        upd[f"y{k}"] = {f"@{h_a}:tok": 1, f"@{h_b}:p2tok": 1}
        upd[f"y{k}sq"] = {f"@{h_a}:tok2": 1, f"@{h_b}:p2tok2": 1}
        upd[f"pp{k}"] = _merge(qa, qb)
        upd[f"pp{k}sq"] = _merge(qa2, qb2)
        upd[f"found{k}"] = {"1": 2, f"@{h_a}:isBOS": -1, f"@{h_b}:isBOS": -1}
    upd["dplus"] = {"@1:tok": 1, "@2:p2tok": 1, "par": -1}
    upd["dminus"] = {"@1:tok": -1, "@2:p2tok": -1, "par": 1}
    l4 = _layer(l4_heads, upd)
    r3 = _relu("dplus", "dminus")

    # next(start) is the parent edge: [hasPar ∧ found1 ∧ y1 = parent] (≤ 1 before the ReLU)
    l45 = _layer([_offset(1)], {"isPar": {"hasPar": 1, "found1": 1, "1": -1, "dplus": -1, "dminus": -1}})
    r4 = _relu("isPar")
    g1, g2 = {"isPar": 1}, {"one": 1, "isPar": -1}
    l5 = _layer([_at({"pp1": 1}, {"pp1sq": 1}, g1), _at({"pp2": 1}, {"pp2sq": 1}, g2)], {
        "y": {"@1:tok": 1, "@2:tok": 1}, "ysq": {"@1:tok2": 1, "@2:tok2": 1},
        "yp": {"@1:pos": 1, "@2:pos": 1}, "yp2": {"@1:pos2": 1, "@2:pos2": 1},
        "found": {"1": 2, "@1:isBOS": -1, "@2:isBOS": -1}})

    visited = _head([*_sq(2, {"y": 1}, {"ysq": 1}, {"tok": 1}, {"tok2": 1}), *_kind({"isTV": 1}),
                     _bos({"ysq": 2, "one": 1})], "j<=i")
    in_tour = {"1": 1, "@1:isBOS": -1}
    l6 = _layer([visited], {
        "inTour": in_tour,
        "emitY": {"isTV": 3, "found": 1, "@1:isBOS": 1, "1": -4},
        "emitP": {"isTV": 3, "found": -1, "hasPar": 1, "1": -3},
        "eosC": {"isTV": 3, "found": 1, "@1:isBOS": -1, "1": -3},
        "eosR": {"isTV": 3, "found": -1, "hasPar": -1, "1": -2},
        "isEOS1": {"isEOS": 1, "p1tv": -1}})
    r5 = _relu("emitY", "emitP", "eosC", "eosR", "isEOS1")

    f_minus, f_minus2 = {"f": 1, "one": -1}, {"f2": 1, "f": -2, "one": 1}
    l7 = _layer([_at({"yp": 1}, {"yp2": 1}, {"one": 1, "emitY": -1}),
                 _at(f_minus, f_minus2, {"one": 1, "emitP": -1})], {"z": {"@1:tok": 1, "@2:tok": 1}})

    symbols = (*(str(v) for v in range(task.n)), EOS, TRUE, FALSE)
    rows: list[Row] = []
    for v in range(task.n):
        rows.append({"z": 2 * v, "emitY": 2, "emitP": 2, "isEOS1": 2, "1": -v * v - 2})
    rows.append({"eosC": 2, "eosR": 2, "1": -1})
    rows.append({"emitT": 2, "1": -1})
    rows.append({"isEOS2": 2, "emitT": -2, "1": -1})
    output = lay.affine(rows)
    layers = (l1, r1, l2, r2, l3, l4, r3, l45, r4, l5, l6, r5, l7)
    return UHAT(task.alphabet, emb, layers, None, "last", "packed", (NAMES,) * (len(layers) + 1),
                positions=positions, output=output, output_symbols=symbols)


@dataclass(frozen=True)
class CoreSize:
    layers: int
    attention_layers: int
    heads: int
    width: int


def core_size() -> CoreSize:
    """The constant core (module docstring): 13 layers — 8 attention layers (one of them position-wise
    only) and 5 ReLU layers —, ≤ 5 heads, width WIDTH."""
    return CoreSize(13, 8, 5, WIDTH)


def cot_length_bound(n: int) -> int:
    """Tokens the transformer generates at most: a tour of ≤ 2n − 1 tokens, [EOS], the answer."""
    return 2 * n + 1


__all__ = ["LAYOUT", "WIDTH", "CoreSize", "core_size", "cot_length_bound", "istree_uhat"]
