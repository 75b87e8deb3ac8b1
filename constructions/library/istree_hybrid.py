"""A hybrid linear RNN + one transformer layer that solves IsTree with an O(n log n) chain of thought.

[WDL] Wen, Dang, Lyu, *RNNs are not Transformers (Yet)*, ICLR 2025 (arXiv 2402.18510), Def 5.5 (a hybrid:
an RNN whose states feed **one** transformer layer) and Thm 5.6: constant-size hybrid linear RNNs solve
IsTree with a chain of thought of length O(n log n). The paper's construction (its appendix) is not
available to us: this is **our construction satisfying the statement**, with a CoT format of our own —
union–find with **union by rank**, one retrieval per written token — not the release's DFS format. (The
rank bound depth ≤ ⌊log2 n⌋ is where the log factor comes from here.)

**The CoT** (after the prompt of :mod:`tasks.istree`; four extra tokens ``[EDGE] [ROOT1] [ROOT2] [LINK]``;
ranks are written as vertex tokens, rank ≤ ⌊log2 n⌋ < n). For the k-th edge ``u - v`` of the input:

    [EDGE] u a₁ … r_u [ROOT1] ρ_u v b₁ … r_v [ROOT2] ρ_v [LINK] c p ρ'

— the find chains of u and v (each vertex followed by its parent, up to the root), the roots' ranks ρ,
then the link fact: the child root c (of smaller rank; r_u on a tie) goes under the parent root p,
whose rank becomes ρ' (max, + 1 on a tie). If r_u = r_v the edge closes a cycle: ``… ρ_v [EOS] [FALSE]``.
After the last edge: ``[EOS] [TRUE]``. An edge's block has d_u + d_v + 11 tokens (d = depth ≤ ⌊log2 n⌋),
so the CoT has at most **(n − 1)(2⌊log2 n⌋ + 11) + 2 = O(n log n)** tokens (:func:`cot_length_bound`;
:func:`reference_cot` writes it in plain Python).

**The RNN** (:class:`~constructions.library.retrieval_hybrid.LinearRNN`, integer weights, exact):
s_t = A·s_{t−1} + B·e(w_t), d = 28 units — the counter (1, t, t²); the current token's value v (0 for a
non-vertex) and v², kind flags (BOS, vertex, EOS, EDGE, ROOT1, ROOT2, LINK); a shift register of the
previous values (v₋₁, v₋₁², v₋₂, v₋₂², v₋₃, v₋₄) and flags (ROOT1₋₁, ROOT2₋₁, LINK₋₁, LINK₋₂, LINK₋₃);
running counts K = #EDGE, #ROOT1, #ROOT2, #LINK, #EOS.

**The transformer layer** (:class:`~constructions.uhat.model.UHAT`, zero embedding: its layer-0 vectors
are the RNN's states) — one attention layer with four hard heads (causal masks), then one ReLU layer
(24 units) and the read-out logits; every head is a quadratic match (query (2q, −1) against (k, k²),
uniquely maximal at k = q) with a **BOS sentinel** (the BOS key scores between a match and every
non-match: "not found"):

1. *prompt*: position 3K − 2 + 2·[ROOT1₋₁] — the endpoint u at ``[EDGE]``, v after ``[ROOT1] ρ_u``;
2. *parent*: the link fact whose child (v₋₂ at the position of ρ') equals the current token; its parent
   v₋₁ — or the sentinel: the current vertex is a root;
3. *rank*: the **latest** link fact whose parent (v₋₁) equals the previous token; its ρ' — or 0;
4. *last ROOT1*: the rightmost position after a ``[ROOT1]`` (key-only): ρ_u and r_u (v₋₂ there).

The ReLU layer selects what to write: each candidate value is gated by ``ReLU(value + G·(flag − 1))``
(G = 2n; flags are 0/1 linear in the features, e.g. "a vertex in u's find chain" = vertex + (K − #ROOT1)
− 1), and the three decisions that compare integers — c = r_u or r_v by [ρ_u ≤ ρ_v], ρ' = ρ_v +
ReLU(ρ_u − ρ_v) + [ρ_u = ρ_v], the cycle test [r_u = r_v] — are exact one-hidden-layer gadgets on
integers (``[d = 0] = ReLU(d + 1) − 2ReLU(d) + ReLU(d − 1)``; ``[δ ≥ 0]·c = ReLU(c + n + Sδ) − S·ReLU(δ) −
n·[δ ≥ 0]`` for |c| < n ≤ S/2, integers δ). Read-out: a vertex w scores 2wz − w² + 2(vertex-flag − 1),
every other token 2·flag − 1: exactly one flag is 1 at every position of a valid CoT, margins ≥ 1.

**Sizes** (:func:`hybrid_size`, tested against the built objects): RNN d = 28 units; one attention layer,
4 heads, 24 ReLU units, width 52, 179 core non-zeros — constants; integer weights, the largest
|weight| of the transformer half 4n² (:func:`max_weight`: the gate G = 2n times the selection S = 2n —
O(log n) bits); the state 28·p(n) bits, p(n) = 1 + bl((L − 1)²) for words up to L = 3n − 1 + the CoT bound
— O(log n) (896 bits at n = 1024). The embedding is zero; the RNN's B (d × (n + 9)) and the read-out
((n + 7) × 53) grow with the vocabulary.

Exactness: the torch run is proved exact by the precision audit of the transformer half on the RNN's
interval bounds (:meth:`Hybrid.module`): float32 for n ≤ 55, float64 beyond (39 bits at n = 1024).
:func:`generate_cots` decodes with a key/value cache (the same computation as ``generate`` on the whole
word, restricted to the new position); the tests compare it with full recomputation, with the exact
rational semantics (:func:`~constructions.uhat.semantics.generate_exact`), and the CoT with
:func:`reference_cot` and the answer with networkx on every input n ≤ 5 (n = 6: under ``-m slow``).
The longest CoT over all inputs, measured: 13 / 25 / 37 / 50 / 63 tokens for n = 2..6, under the bound
15 / 28 / 47 / 62 / 77. Decoding: ≈ 1,000–3,300 inputs/s at n = 5, 6 (batched, one core).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np
import torch

from automata.errors import ParameterError
from constructions.exact import Affine
from constructions.library.retrieval_hybrid import Hybrid, HybridSize, LinearRNN
from constructions.library.retrieval_uhat import Layout, Row
from constructions.uhat.model import UHAT, AttentionLayer, Head, ReLULayer
from constructions.uhat.decoding import empty_cache, step
from tasks.istree import BOS, EOS, FALSE, TRUE, IsTreeTask

CITATION = "[WDL] Def 5.5 / Thm 5.6 (hybrid linear RNN + one layer, IsTree with O(n log n) CoT); a construction of ours"
EDGE, ROOT1, ROOT2, LINK = "[EDGE]", "[ROOT1]", "[ROOT2]", "[LINK]"
HYBRID_SPECIALS = (EDGE, ROOT1, ROOT2, LINK)

FLAGS = ("isBOS", "isV", "isEOS", "isE", "isM", "isN", "isL")  # M = ROOT1, N = ROOT2, L = LINK
SHIFT = (("p1tok", "tok"), ("p1tok2", "tok2"), ("p2tok", "p1tok"), ("p2tok2", "p1tok2"), ("p3tok", "p2tok"),
         ("p4tok", "p3tok"), ("p1isM", "isM"), ("p1isN", "isN"), ("p1isL", "isL"), ("p2isL", "p1isL"),
         ("p3isL", "p2isL"))
COUNTS = (("K", "isE"), ("cM", "isM"), ("cN", "isN"), ("cL", "isL"), ("cEOS", "isEOS"))
RNN_NAMES = ("one", "pos", "pos2", "tok", "tok2", *FLAGS, *(d for d, _ in SHIFT), *(c for c, _ in COUNTS))
HIDDEN = ("z1", "z2", "z3", "z8a", "z8b", "z8c", "z8d", "z9", "z10a", "z10b", "z10c", "z10d", "fch", "tRU", "tRV",
          "e7a", "e7b", "e7c", "tE2a", "tE2b", "tEOS2", "tE0", "tT", "tEx")
HEADS = 4


def hybrid_alphabet(task: IsTreeTask) -> tuple[str, ...]:
    """The task's alphabet (codes unchanged) followed by the four CoT tokens of this format."""
    return (*task.alphabet, *HYBRID_SPECIALS)


def output_symbols(task: IsTreeTask) -> tuple[str, ...]:
    return (*(str(v) for v in range(task.n)), EDGE, ROOT1, ROOT2, LINK, EOS, TRUE, FALSE)


# ---- the format -------------------------------------------------------------------------------------------


def reference_cot(n: int, edges: Sequence[tuple[int, int]]) -> tuple[str, ...]:
    """The CoT of the module docstring in plain Python (union–find by rank, the edges in input order)."""
    parent: dict[int, int] = {}
    rank: dict[int, int] = {}
    out: list[str] = []

    def chain(x: int) -> int:
        out.append(str(x))
        while x in parent:
            x = parent[x]
            out.append(str(x))
        return x

    for u, v in edges:
        out.append(EDGE)
        ru = chain(u)
        out += [ROOT1, str(rank.get(ru, 0))]
        rv = chain(v)
        out += [ROOT2, str(rank.get(rv, 0))]
        if ru == rv:
            return (*out, EOS, FALSE)
        a, b = rank.get(ru, 0), rank.get(rv, 0)
        child, par, new = (ru, rv, b + (a == b)) if a <= b else (rv, ru, a)
        parent[child], rank[par] = par, new
        out += [LINK, str(child), str(par), str(new)]
    return (*out, EOS, TRUE)


def cot_length_bound(n: int) -> int:
    """(n − 1)(2⌊log2 n⌋ + 11) + 2: every find chain has at most ⌊log2 n⌋ + 1 vertices (union by rank)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ParameterError(f"n must be an integer ≥ 2, got {n!r}")
    return (n - 1) * (2 * (n.bit_length() - 1) + 11) + 2


# ---- the construction ----------------------------------------------------------------------------------------


def _linear_rnn(task: IsTreeTask, lay: Layout) -> LinearRNN:
    alphabet = hybrid_alphabet(task)
    d, ix = lay.width, lay.index
    A = [[0] * d for _ in range(d)]
    for r, c, a in (("one", "one", 1), ("pos", "one", 1), ("pos", "pos", 1),
                    ("pos2", "one", 1), ("pos2", "pos", 2), ("pos2", "pos2", 1)):
        A[ix(r)][ix(c)] = a
    for dst, src in SHIFT:
        A[ix(dst)][ix(src)] = 1
    for cnt, _ in COUNTS:
        A[ix(cnt)][ix(cnt)] = 1
    kinds = {BOS: "isBOS", EOS: "isEOS", EDGE: "isE", ROOT1: "isM", ROOT2: "isN", LINK: "isL"}
    B = [[0] * len(alphabet) for _ in range(d)]
    for a, sym in enumerate(alphabet):
        if sym.isdigit():
            v = int(sym)
            B[ix("tok")][a], B[ix("tok2")][a], B[ix("isV")][a] = v, v * v, 1
        elif sym in kinds:
            B[ix(kinds[sym])][a] = 1
            for cnt, flag in COUNTS:
                if flag == kinds[sym]:
                    B[ix(cnt)][a] = 1
    s0 = [0] * d
    s0[ix("one")], s0[ix("pos")], s0[ix("pos2")] = 1, -1, 1
    return LinearRNN(tuple(map(tuple, A)), tuple(map(tuple, B)), tuple(s0), None, lay.names)


def _pairs_head(lay: Layout, pairs: Sequence[tuple[Row, Row]], tiebreak: str = "leftmost") -> Head:
    """score = Σ ⟨q, v_i⟩·⟨k, v_j⟩ over the (query row, key row) pairs; causal mask j < i."""
    return Head(lay.affine([q for q, _ in pairs]), lay.affine([k for _, k in pairs]), "j<i", tiebreak)  # type: ignore[arg-type]


def _match_with_sentinel(lay: Layout, x: str, x2: str, key: str, key2: str, flag: str, tiebreak: str) -> Head:
    """The position j with key_j = x_i and flag_j = 1: score 4x·k − 2k² + 4·flag (= 2x² + 4 on a match,
    ≤ 2x² + 2 otherwise) and, at the BOS, 2x² + 3: the sentinel wins iff nothing matches."""
    return _pairs_head(lay, [({x: 4}, {key: 1}), ({"one": -2}, {key2: 1}), ({"one": 4}, {flag: 1}),
                             ({x2: 2, "one": 3}, {"isBOS": 1})], tiebreak)


def _merge(*rows: Row) -> dict:
    out: dict = {}
    for row in rows:
        for k, v in row.items():
            out[k] = out.get(k, 0) + v
    return out


def _gate(value: Row, flag: Row, g: int) -> dict:
    """value + g·(flag − 1): ≤ value − g < 0 when flag ≤ 0, = value when flag = 1."""
    return _merge(value, {k: g * v for k, v in flag.items()}, {"1": -g})


def istree_hybrid(task: IsTreeTask) -> Hybrid:
    """The hybrid for ``task`` (module docstring)."""
    if not isinstance(task, IsTreeTask):
        raise ParameterError(f"istree_hybrid needs an IsTreeTask, got {type(task).__name__}")
    return _build(task.n)


@lru_cache(maxsize=16)
def _build(n: int) -> Hybrid:
    task = IsTreeTask(n)
    lay = Layout(RNN_NAMES)
    rnn = _linear_rnn(task, lay)
    g = s = 2 * n  # gate and selection constants: values lie in 0..n − 1
    heads = [
        _pairs_head(lay, [({"K": 6, "one": -4, "p1isM": 4}, {"pos": 1}), ({"one": -1}, {"pos2": 1})]),
        _match_with_sentinel(lay, "tok", "tok2", "p2tok", "p2tok2", "p3isL", "leftmost"),
        _match_with_sentinel(lay, "p1tok", "p1tok2", "p1tok", "p1tok2", "p3isL", "rightmost"),
        _pairs_head(lay, [({"one": 1}, {"p1isM": 1})], "rightmost"),
    ]
    a1, a2, a3, a4 = (lambda name, h=h: f"@{h}:{name}" for h in range(1, 5))  # head h's attended coordinate
    # The next token by the kind of the last position (a valid CoT has exactly one), unit names by case:
    #   prompt [EOS] → [EDGE] (tE0);  [EDGE] → u, and ρ_u → v (z1, head 1);  a vertex of a find chain →
    #   its parent (z2, fch; head 2) or [ROOT1] / [ROOT2] (tRU / tRV);  [ROOT1] / [ROOT2] → the rank
    #   (z3, head 3);  ρ_v → [EOS] if r_u = r_v else [LINK] (e7*, head 4);  [LINK] → c (z8*);  c → p (z9);
    #   p → ρ' (z10*);  ρ' → [EDGE] if K < n − 1 else [EOS] (tE2*, tEOS2);  CoT [EOS] → [TRUE] iff
    #   n − 1 links were written (tT), else [FALSE] (tEx − tT).
    chain_found = {"isV": 1, "K": 1, "cN": -1, "p1isM": -1, a2("isBOS"): -1}  # = 1 iff in a find chain, found
    delta = _merge({"p1tok": 1, a4("tok"): -1}, {"isL": g, "1": -g})  # ρ_v − ρ_u at [LINK], ≤ −1 elsewhere
    c_plus_n = {a4("p2tok"): 1, "p3tok": -1, "1": n}  # r_u − r_v + n at [LINK]
    e10 = _merge({a4("tok"): 1, "p3tok": -1}, {"p2isL": g, "1": -g})  # ρ_u − ρ_v at p, ≤ −2 elsewhere
    d7 = _merge({a4("p2tok"): 1, "p2tok": -1}, {"p1isN": g, "1": -g})  # r_u − r_v at ρ_v, ≤ −2 elsewhere
    x11 = {"p3isL": g, "1": -g + n - 1, "K": -1}  # n − 1 − K at ρ', ≤ −1 elsewhere
    updates: dict[str, Row] = {
        "z1": _gate({a1("tok"): 1}, {"isE": 1, "p1isM": 1}, g),
        "z2": _merge({a2("p1tok"): 1}, {k: g * v for k, v in chain_found.items()}, {"1": -2 * g}),
        "z3": _gate({a3("tok"): 1}, {"isM": 1, "isN": 1}, g),
        "z8a": _gate({"p3tok": 1}, {"isL": 1}, g),
        "z8b": _merge(c_plus_n, {k: s * v for k, v in delta.items()}),
        "z8c": delta,
        "z8d": _merge(delta, {"1": 1}),
        "z9": _gate({a4("p2tok"): 1, "p4tok": 1, "tok": -1}, {"p1isL": 1}, g),
        "z10a": _gate({"p3tok": 1}, {"p2isL": 1}, g),
        "z10b": e10, "z10c": _merge(e10, {"1": 1}), "z10d": _merge(e10, {"1": -1}),
        "fch": _merge(chain_found, {"1": -1}),
        "tRU": {"isV": 1, "K": 1, "cM": -1, a2("isBOS"): 1, "1": -2},
        "tRV": {"isV": 1, "cM": 1, "cN": -1, "p1isM": -1, a2("isBOS"): 1, "1": -2},
        "e7a": _merge(d7, {"1": 1}), "e7b": d7, "e7c": _merge(d7, {"1": -1}),
        "tE2a": x11, "tE2b": _merge(x11, {"1": -1}),
        "tEOS2": {"p3isL": g, "1": -g - n + 2, "K": 1},
        "tE0": {"isEOS": 1, "cEOS": -1, "1": 1},
        "tT": {"isEOS": 1, "cEOS": 1, "cL": 1, "1": -n - 1},
        "tEx": {"isEOS": 1, "cEOS": 1, "1": -2},
    }
    out = Layout((*RNN_NAMES, *HIDDEN))
    cols = [*RNN_NAMES, *(f"@{h}:{name}" for h in range(1, HEADS + 1) for name in RNN_NAMES)]
    C = out.affine([updates.get(name, {name: 1}) for name in out.names], cols)
    h0, *rest = heads
    attn = AttentionLayer(h0.A, h0.B, C, h0.mask, h0.tiebreak, extra_heads=tuple(rest))
    relu = ReLULayer(out.width, tuple(out.index(name) for name in HIDDEN))
    z = {"z1": 1, "z2": 1, "z3": 1, "z8a": 1, "z8b": 1, "z8c": n - s, "z8d": -n, "z9": 1, "z10a": 1, "z10b": -1,
         "z10c": 1, "z10d": 1}
    vertex_flag = {"isE": 1, "p1isM": 1, "fch": 1, "isM": 1, "isN": 1, "isL": 1, "p1isL": 1, "p2isL": 1}
    token_flags: dict[str, Row] = {
        EDGE: {"tE0": 1, "tE2a": 1, "tE2b": -1}, ROOT1: {"tRU": 1}, ROOT2: {"tRV": 1},
        LINK: {"p1isN": 1, "e7a": -1, "e7b": 2, "e7c": -1}, EOS: {"e7a": 1, "e7b": -2, "e7c": 1, "tEOS2": 1},
        TRUE: {"tT": 1}, FALSE: {"tEx": 1, "tT": -1}}
    rows: list[Row] = []
    for w in range(n):
        rows.append(_merge({k: 2 * w * c for k, c in z.items()}, {k: 2 * c for k, c in vertex_flag.items()},
                           {"1": -w * w - 2}))
    for sym in (EDGE, ROOT1, ROOT2, LINK, EOS, TRUE, FALSE):
        rows.append(_merge({k: 2 * c for k, c in token_flags[sym].items()}, {"1": -1}))
    alphabet = hybrid_alphabet(task)
    net = UHAT(alphabet, Affine.zero(len(alphabet), lay.width), (attn, relu), None, "last", "packed",
               (lay.names, out.names, out.names), positions=None, output=out.affine(rows),
               output_symbols=output_symbols(task))
    return Hybrid(rnn, net)


# ---- running it -------------------------------------------------------------------------------------------


def max_length(task: IsTreeTask) -> int:
    """Prompt + CoT bound: the word length the module is audited for."""
    return task.prompt_length + cot_length_bound(task.n)


def generate_cots(task: IsTreeTask, edges: np.ndarray, dtype: str = "float64", device: str = "cpu",
                  hybrid: Hybrid | None = None) -> list[tuple[str, ...]]:
    """The hybrid's CoTs for a batch (B, n − 1, 2), decoded greedily: the linear RNN's state advanced by
    one step per token (exact int64), the transformer half run for the new position with a key/value
    cache (:func:`constructions.uhat.decoding.step` with the RNN's states as the layer-0 vectors) in a
    dtype the precision audit proves exact."""
    if not isinstance(task, IsTreeTask):
        raise ParameterError(f"generate_cots needs an IsTreeTask, got {type(task).__name__}")
    e = np.asarray(edges)
    if e.ndim != 3 or e.shape[1:] != (task.m, 2) or (e.size and e.dtype.kind not in "iu"):
        raise ParameterError(f"edges must be an integer array (B, {task.m}, 2)")
    if len(e) and (e.min() < 0 or e.max() >= task.n or (e[:, :, 0] <= e[:, :, 1]).any()):
        raise ParameterError(f"edges must be pairs (u, v) with {task.n} > u > v ≥ 0")
    if len(e) == 0:
        return []
    hyb = hybrid if hybrid is not None else istree_hybrid(task)
    limit = max_length(task)
    module = hyb.module(limit, dtype, device)
    alphabet = hybrid_alphabet(task)
    out_codes = torch.tensor([alphabet.index(s) for s in module.output_symbols], device=module.device)
    stops = torch.tensor([alphabet.index(TRUE), alphabet.index(FALSE)], device=module.device)
    A, B, s0, b = (torch.from_numpy(m).to(module.device) for m in hyb.rnn.arrays())
    cols = B.T + b
    prompts = torch.as_tensor(task.prompt_codes(e.astype(np.int64)), device=module.device)
    written = torch.full((len(e), limit - task.prompt_length), -1, dtype=torch.long, device=module.device)
    active = torch.arange(len(e), device=module.device)
    cache = empty_cache(module, len(e), limit)
    state = s0.expand(len(e), -1)
    with torch.no_grad():
        for t in range(task.prompt_length):
            state = (state[:, None, :] * A[None]).sum(-1) + cols[prompts[:, t]]
            nxt = out_codes[step(module, cache, initial=state)]
        for k in range(limit - task.prompt_length):
            written[active, k] = nxt
            keep = ~torch.isin(nxt, stops)
            if not bool(keep.any()):
                active = active[keep]
                break
            if not bool(keep.all()):
                active, state, nxt = active[keep], state[keep], nxt[keep]
                cache = cache.select(keep.nonzero().reshape(-1))
            state = (state[:, None, :] * A[None]).sum(-1) + cols[nxt]
            nxt = out_codes[step(module, cache, initial=state)]
        else:
            raise ParameterError(f"the hybrid wrote {written.shape[1]} tokens without an answer (bound exceeded)")
    rows = written.cpu().numpy()
    return [tuple(alphabet[c] for c in row if c >= 0) for row in rows]


def hybrid_answers(task: IsTreeTask, edges: np.ndarray, dtype: str = "float64") -> np.ndarray:
    """The final answers (B,) bool of :func:`generate_cots`."""
    return np.array([cot[-1] == TRUE for cot in generate_cots(task, edges, dtype)], dtype=bool)


CORE_NONZEROS = 179  # A and s0: 25; the heads' query/key maps: 26; C: 28 kept coordinates + 100 in 24 rows


def hybrid_size(n: int) -> HybridSize:
    """The size of the module docstring, as :meth:`Hybrid.size` measures it for words up to
    :func:`max_length`: d = 28 units of 1 + bl((L − 1)²) bits (L = 3n − 1 + the CoT bound), 1 attention
    layer, 4 heads, 24 ReLU units, width 52, 179 core non-zeros (constants); tables d·(n + 9) (the RNN's B)
    + (n + 7)·53 (the read-out)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ParameterError(f"n must be an integer ≥ 2, got {n!r}")
    length = 3 * n - 1 + cot_length_bound(n)
    d, width = len(RNN_NAMES), len(RNN_NAMES) + len(HIDDEN)
    return HybridSize(d, 1 + ((length - 1) ** 2).bit_length(), 1, HEADS, len(HIDDEN), width, CORE_NONZEROS,
                      d * (n + 9) + (n + 7) * (width + 1))


def max_weight(n: int) -> int:
    """The largest |weight| of the transformer half: 4n² (the selection gadget's S·G on the LINK flag)."""
    return 4 * n * n


__all__ = ["CITATION", "EDGE", "HYBRID_SPECIALS", "LINK", "ROOT1", "ROOT2", "CORE_NONZEROS", "cot_length_bound",
           "generate_cots", "hybrid_alphabet", "hybrid_answers", "hybrid_size", "istree_hybrid", "max_length",
           "max_weight", "output_symbols", "reference_cot"]
