"""Streaming execution of a causal UHAT: one pass over a long word in chunks of positions, bounded memory.

[BCL] §2's unique hard attention (THEORY §1) with masks that look only to the left (``j<i`` — the only
mask Lemma 8's programs use — or ``j<=i``) lets position i's vector depend on positions ≤ i alone. So a
word can be run **chunk by chunk through all layers**: a chunk of positions goes through every layer
before the next chunk starts, and each attention layer carries, from one chunk to the next, a small
summary of everything to its left: for every key class (distinct vector of the coordinates the score
reads — few for Lemma 9 networks) the position the tie-break would pick inside that class (its last
occurrence for ``rightmost``, its first for ``leftmost``) and the vector attended there. Within a chunk
the nearest occurrence per class comes from a running maximum, as in
:mod:`constructions.uhat.attention_kernel`; the best class by the exact score table; ties between
classes by position, exactly as the dense argmax would break them.

Cost: O(L · (nonzeros + Σ_layers K)) time like the whole-word kernel, but memory O(chunk · slots + Σ K)
instead of O(L · slots) — the 6,291,456-symbol witness word (n = 4) needs a few hundred MB instead of
7.5 GB, and no page faults. Values are those of :class:`~constructions.uhat.torch_backend.UHATModule`
(same weights, same dtype, which its precision audit proved exact); tests compare the two position by
position.
"""
from __future__ import annotations

import numpy as np
import torch

from automata.errors import ParameterError
from constructions.uhat.attention_kernel import column_classes
from constructions.uhat.torch_backend import UHATModule, gather_rows

CAUSAL = ("j<i", "j<=i")


class _Carry:
    """Per attention step: the key classes seen so far, the chosen position and attended vector of each."""

    def __init__(self, n_rows: int, n_att: int, dtype: torch.dtype, device: torch.device) -> None:
        self.keys: dict[tuple, int] = {}
        self.kv = torch.zeros((0, n_rows), dtype=dtype, device=device)
        self.pos = torch.zeros(0, dtype=torch.long, device=device)  # −1: class not yet seen
        self.att = torch.zeros((n_att, 0), dtype=dtype, device=device)

    def global_ids(self, kv_local: torch.Tensor) -> torch.Tensor:
        ids = []
        new = []
        for row in kv_local.tolist():
            key = tuple(row)
            if key not in self.keys:
                self.keys[key] = len(self.keys)
                new.append(row)
            ids.append(self.keys[key])
        if new:
            add = torch.tensor(new, dtype=self.kv.dtype, device=self.kv.device).reshape(len(new), self.kv.shape[1])
            self.kv = torch.cat([self.kv, add])
            self.pos = torch.cat([self.pos, self.pos.new_full((len(new),), -1)])
            self.att = torch.cat([self.att, self.att.new_zeros((self.att.shape[0], len(new)))], 1)
        return torch.tensor(ids, dtype=torch.long, device=self.kv.device)


BIG = 1 << 40  # position field of the encoded (score, position) running maximum; words are shorter
NONE = -(1 << 62)  # "no position yet"


def _attend(m: UHATModule, h: torch.Tensor, k: int, carry: _Carry, start: int) -> torch.Tensor:
    """The attended vectors (|a_cols|, ch) of the chunk ``h`` (slots, ch) at global offset ``start``.

    Per query class Q (distinct query vector in the chunk) the score of position j is the exact integer
    table[Q, class(j)]; the tie-break's choice among the unmasked positions is the running maximum of
    score·BIG + rank(j), rank = j (rightmost) or BIG − 1 − j (leftmost), started from the best carried
    position (the carried last / first occurrence of each key class)."""
    step = m.steps[k]
    ch = h.shape[1]
    dev = h.device
    q, key = m.query(h, k), m.key(h, k)
    qv, qcls = column_classes(q)
    kv_local, kcls_local = column_classes(key)
    kcls = carry.global_ids(kv_local).index_select(0, kcls_local)  # (ch,) global class of each key
    n_k = carry.kv.shape[0]
    table = (qv @ carry.kv.T if q.shape[0] else qv.new_zeros((qv.shape[0], n_k))).to(torch.int64)
    pos = torch.arange(start, start + ch, device=dev)
    rightmost = step.attend.tiebreak == "rightmost"
    strict = step.attend.mask == "j<i"
    rank = pos if rightmost else BIG - 1 - pos
    seen = carry.pos >= 0
    carried_rank = carry.pos if rightmost else BIG - 1 - carry.pos
    init = torch.where(seen[None, :], table * BIG + carried_rank[None, :], NONE).amax(1, keepdim=True)  # (Q, 1)
    enc = table.index_select(1, kcls) * BIG + rank[None, :]  # (Q, ch)
    run = torch.cummax(torch.cat([init, enc], 1), 1).values
    best = (run[:, :-1] if strict else run[:, 1:]).gather(0, qcls[None, :])[0]  # (ch,)
    found = best > NONE
    every = bool(found.all())
    r = torch.remainder(best, BIG)
    chosen = r if rightmost else BIG - 1 - r
    if not every:
        chosen = torch.where(found, chosen, -1)
    a_rows = gather_rows(h, step.a_cols)
    inside = chosen >= start
    att = a_rows.index_select(1, (chosen - start).clamp(0, ch - 1))
    if (~inside & found).any():  # chosen before this chunk: the carried vector of that position's class
        order = torch.argsort(carry.pos)
        at = torch.searchsorted(carry.pos[order], chosen.clamp(min=0)).clamp(max=n_k - 1)
        old = carry.att.index_select(1, order.index_select(0, at))
        att = torch.where(inside[None, :], att, old)
    if not every:  # only position 1 under strict masking: the zero vector
        att = att * found.to(att.dtype)[None, :]
    # carry to the next chunk: per key class, the tie-break's position and the vector there
    if rightmost:
        last = torch.full((n_k,), -1, dtype=torch.long, device=dev).scatter_reduce_(0, kcls, pos, "amax")
        upd = last >= 0
        take = last[upd] - start
        carry.pos = torch.where(upd, last, carry.pos)
    else:
        first = torch.full((n_k,), start + ch, dtype=torch.long, device=dev).scatter_reduce_(0, kcls, pos, "amin")
        upd = ~seen & (first < start + ch)
        take = first[upd] - start
        carry.pos = torch.where(upd, first, carry.pos)
    if upd.any():
        carry.att[:, upd] = a_rows[:, take]
    return att


def stream_prefixes(m: UHATModule, word: np.ndarray | torch.Tensor, chunk: int = 1 << 16) -> torch.Tensor:
    """``(L,)`` bool: the network's verdict at every position of one word (``⟨t, v_i⟩ > 0``), computed
    chunk by chunk; equal to ``m(word[None])[0]``. Raises ParameterError unless every attention is causal."""
    if not m.plain:
        raise ParameterError("streaming handles [BCL]'s UHATs only (no positions, one hard head per layer)")
    for st in m.steps:
        if st.attend is not None and st.attend.mask not in CAUSAL:
            raise ParameterError(f"streaming needs causal masks ({', '.join(CAUSAL)}), not {st.attend.mask!r}")
    if chunk < 1:
        raise ParameterError("chunk must be positive")
    if m.bound >= BIG >> 21:  # score·BIG + rank must stay inside int64
        raise ParameterError(f"scores up to {m.bound} do not fit the streaming encoding (limit {BIG >> 21})")
    codes = torch.as_tensor(np.asarray(word), dtype=torch.long, device=m.device).reshape(-1)
    length = codes.numel()
    if length == 0:
        raise ParameterError("the empty word is never accepted (words are non-empty)")
    carries = {k: _Carry(getattr(m, f"l{k}_kb").shape[0], len(st.a_cols), m.dtype, m.device)
               for k, st in enumerate(m.steps) if st.attend is not None}
    out = torch.empty(length, dtype=torch.bool)
    for start in range(0, length, chunk):
        w = codes[start : start + chunk]
        h = torch.zeros(m.n_slots, w.numel(), dtype=m.dtype, device=m.device)
        h[: m.emb.shape[1]] = m.emb[w].T
        m.run_steps(h, lambda h, k: _attend(m, h, k, carries[k], start))
        out[start : start + w.numel()] = (m.readout(h) > 0).cpu()
    m._scratch_bufs = {}
    return out


__all__ = ["stream_prefixes", "CAUSAL"]
