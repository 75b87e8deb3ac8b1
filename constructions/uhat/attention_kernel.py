"""Exact unique hard attention in O(L·K) — [BCL] §2's UHA (THEORY §1), executed by class tables.

score(i, j) = ⟨q_i, k_j⟩ with q = A v_i, k = B v_j restricted to the R rows the score reads. Group the
positions by their query vector (Q classes) and by their key vector (K classes): the score is one number
S[q-class, k-class] (a Q×K table). For a query i and a key class c, the unmasked positions of class c
that the tie-break can pick reduce to ONE candidate:

* ``j<i`` / ``j<=i`` — rightmost: the last occurrence of c before i (a running maximum of positions per
  class); leftmost: the first occurrence of c, if it is before i;
* ``j>i`` / ``j>=i`` — leftmost: the next occurrence after i (a running minimum from the right);
  rightmost: the last occurrence of c, if it is after i;
* ``none`` — the first / last occurrence of c.

Among the classes with a candidate, take the best score, and among the classes reaching it the
leftmost/rightmost candidate — exactly the dense argmax with tie-break. No candidate at all: the
attended vector is zero (the caller multiplies by ``exists``). Cost O(L·K) time per layer, memory
O(chunk·K) (positions are processed in chunks, the running tables carried between chunks), plus the
O(L log L) grouping. With K above ``max_classes`` the caller falls back to :func:`dense_attention`,
the O(L²) argmax computed in query chunks of bounded memory.

Exactness: only comparisons and the products q·k bounded by the network's interval audit.
"""
from __future__ import annotations

import torch

from automata.errors import ParameterError
from constructions.uhat.model import MASKS, TIEBREAKS
CELLS = 1 << 22  # elements per chunk table (n · chunk · K or n · chunk · L)


def exists_mask(mask: str, length: int, device: torch.device) -> torch.Tensor:
    """(L,) bool: whether query i has any unmasked position (O(L), no L×L matrix)."""
    pos = torch.arange(length, device=device)
    if mask == "j<i":
        return pos > 0
    if mask == "j>i":
        return pos < length - 1
    if mask not in MASKS:
        raise ParameterError(f"unknown mask {mask!r}")
    return torch.ones(length, dtype=torch.bool, device=device)


def column_classes(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Distinct columns of x (R, N): values (C, R) and the class of each column (N,).

    Integral values (every exact run has them) are packed into one int64 key by mixed radix; with a
    key range ≤ N·16 the classes come from a presence table in O(N + range), else from a 1-D sort."""
    if x.shape[0] == 0:
        return x.new_zeros((1, 0)), torch.zeros(x.shape[1], dtype=torch.long, device=x.device)
    xi = x.to(torch.int64)
    lo, hi = xi.amin(1), xi.amax(1)
    span = (hi - lo + 1).tolist()
    radix = 1
    for s in span:
        radix *= s
    if radix >= 2**62 or not torch.equal(xi.to(x.dtype), x):
        vals, inv = torch.unique(x.T, dim=0, return_inverse=True)
        return vals, inv
    key = torch.zeros(x.shape[1], dtype=torch.int64, device=x.device)
    for r, s in enumerate(span):
        key = key * s + (xi[r] - lo[r])
    if radix <= 16 * x.shape[1] + 1024:
        present = torch.zeros(radix, dtype=torch.bool, device=x.device)
        present[key] = True
        codes = present.nonzero()[:, 0]
        rank = torch.cumsum(present, 0) - 1
        inv = rank[key]
    else:
        codes, inv = torch.unique(key, return_inverse=True)
    digits = []
    for s in reversed(span):
        digits.append(codes % s)
        codes = codes // s
    vals = (torch.stack(digits[::-1], 1) + lo[None, :]).to(x.dtype)
    return vals, inv


def _low(dtype: torch.dtype) -> float | int:
    return float("-inf") if dtype.is_floating_point else torch.iinfo(dtype).min


def class_attention(
    q: torch.Tensor, k: torch.Tensor, mask: str, tiebreak: str, max_classes: int = 256
) -> tuple[torch.Tensor, torch.Tensor] | None:
    """Hard attention by key classes. q, k: (R, n, L) query / key vectors. Returns the attended
    position (n, L) (clamped into range; meaningless where ``exists`` is False) and ``exists`` (L,),
    or None when there are more than ``max_classes`` key (or query) classes."""
    r, n, length = k.shape
    dev = k.device
    qv, qcls = column_classes(q.reshape(r, n * length))
    kv, kcls = column_classes(k.reshape(r, n * length))
    n_k = kv.shape[0]
    if n_k > max_classes or qv.shape[0] > max_classes:
        return None
    table = qv @ kv.T if r else qv.new_zeros((1, n_k))  # (Q, K) exact scores
    qcls, kcls = qcls.view(n, length), kcls.view(n, length)
    pos = torch.arange(length, device=dev)
    none = torch.full((n, n_k), -1, dtype=torch.long, device=dev)
    first = torch.full((n, n_k), length, dtype=torch.long, device=dev)
    first.scatter_reduce_(1, kcls, pos.expand(n, -1), "amin")
    last = none.clone().scatter_reduce_(1, kcls, pos.expand(n, -1), "amax")
    present = last >= 0
    rightmost = tiebreak == "rightmost"
    left_looking = mask in ("j<i", "j<=i")
    right_looking = mask in ("j>i", "j>=i")
    strict = mask in ("j<i", "j>i")
    chunk = max(1, min(length, CELLS // max(1, n * n_k)))
    idx = torch.empty((n, length), dtype=torch.long, device=dev)
    low = _low(table.dtype)
    bn = torch.arange(n, device=dev)[:, None]
    starts = list(range(0, length, chunk))
    running = (left_looking and rightmost) or (right_looking and not rightmost)
    if right_looking:
        starts.reverse()
    carry = none.clone() if left_looking else torch.full((n, n_k), length, dtype=torch.long, device=dev)
    for a in starts:
        e = min(length, a + chunk)
        ps = pos[a:e]
        if running:  # nearest occurrence per class, carried across chunks
            fill = -1 if left_looking else length
            occ = torch.full((n, e - a, n_k), fill, dtype=torch.long, device=dev)
            occ[bn, (ps - a)[None, :], kcls[:, a:e]] = ps.expand(n, -1)
            if left_looking:
                incl = torch.cummax(torch.cat([carry[:, None], occ], 1), 1).values
                cand = incl[:, :-1] if strict else incl[:, 1:]
                carry = incl[:, -1]
                ok = cand >= 0
            else:
                incl = torch.cummin(torch.cat([occ, carry[:, None]], 1).flip(1), 1).values.flip(1)
                cand = incl[:, 1:] if strict else incl[:, :-1]
                carry = incl[:, 0]
                ok = cand < length
        else:
            anchor = first if not rightmost else last
            cand = anchor[:, None, :].expand(n, e - a, n_k)
            p = ps[None, :, None]
            if mask == "none":
                ok = present[:, None, :].expand(n, e - a, n_k)
            elif left_looking:  # leftmost with j<i / j<=i: the first occurrence
                ok = (cand < p) if strict else (cand <= p)
            else:  # rightmost with j>i / j>=i: the last occurrence
                ok = (cand > p) & present[:, None, :] if strict else (cand >= p) & present[:, None, :]
        score = table[qcls[:, a:e]]  # (n, ch, K)
        score = score.masked_fill(~ok, low)
        best = score.amax(-1, keepdim=True)
        win = ok & (score == best)
        if rightmost:
            idx[:, a:e] = torch.where(win, cand, -1).amax(-1)
        else:
            idx[:, a:e] = torch.where(win, cand, length).amin(-1)
    return idx.clamp(0, length - 1), exists_mask(mask, length, dev)


def dense_attention(q: torch.Tensor, k: torch.Tensor, mask: str, tiebreak: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The naive O(L²) argmax with tie-break, in query chunks of ≤ CELLS entries. Same contract as
    :func:`class_attention`."""
    r, n, length = k.shape
    dev = k.device
    pos = torch.arange(length, device=dev)
    low = _low(k.dtype)
    idx = torch.empty((n, length), dtype=torch.long, device=dev)
    chunk = max(1, min(length, CELLS // max(1, n * length)))
    for a in range(0, length, chunk):
        e = min(length, a + chunk)
        score = k.new_zeros((n, e - a, length))
        for row in range(r):  # a sum of outer products, exact
            score += q[row][:, a:e, None] * k[row][:, None, :]
        i, j = pos[a:e, None], pos[None, :]
        allowed = {"none": torch.ones_like(j < i), "j<i": j < i, "j>i": j > i, "j<=i": j <= i, "j>=i": j >= i}[mask]
        masked = score.masked_fill_(~allowed, low)
        best = masked.amax(-1, keepdim=True)
        cand = (masked == best) & allowed
        if tiebreak == "rightmost":
            idx[:, a:e] = torch.where(cand, pos, -1).amax(-1)
        else:
            idx[:, a:e] = torch.where(cand, pos, length).amin(-1)
    return idx.clamp(0, length - 1), exists_mask(mask, length, dev)


def hard_attention(
    q: torch.Tensor, k: torch.Tensor, mask: str, tiebreak: str, fast: bool = True, max_classes: int = 256
) -> tuple[torch.Tensor, torch.Tensor]:
    """O(L·K) by classes when K ≤ ``max_classes`` (and ``fast``), else the chunked dense argmax."""
    if mask not in MASKS:
        raise ParameterError(f"unknown mask {mask!r}; choose {', '.join(MASKS)}")
    if tiebreak not in TIEBREAKS:
        raise ParameterError(f"unknown tie-break {tiebreak!r}; choose {' or '.join(TIEBREAKS)}")
    if fast:
        out = class_attention(q, k, mask, tiebreak, max_classes)
        if out is not None:
            return out
    return dense_attention(q, k, mask, tiebreak)


__all__ = ["class_attention", "dense_attention", "exists_mask", "hard_attention"]
