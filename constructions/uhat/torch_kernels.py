"""Attention kernels of :class:`~constructions.uhat.torch_backend.UHATModule` (docs/architecture.md).

Hard attention (THEORY §1, [BCL] §2) is an argmax with an explicit tie-break over the unmasked
positions, the zero vector when none is unmasked; the kernels here compute it exactly for special
score shapes — a running maximum when the score reads the key only (O(L)), the positional quadratic
match (O(L), int64) — and for the retrieval extensions the dense ``average`` / ``softmax`` weights and
the last-position-only step of :meth:`UHATModule.generate`. Every function reads the module's plan
blocks (derived from its named tensors, :mod:`constructions.uhat.torch_plan`).
"""
from __future__ import annotations

import torch

from automata.errors import DtypeError
from constructions.uhat.attention_kernel import CELLS, exists_mask
from constructions.uhat.torch_plan import AttendSpec


def gather_rows(h: torch.Tensor, slots: tuple[int, ...]) -> torch.Tensor:
    """Rows ``slots`` of h, row by row (index_select over dim 0 of a wide buffer is slow on CPU)."""
    return torch.stack([h[r] for r in slots]) if slots else h[:0]


def visible_keys(mask: str, i: torch.Tensor, j: torch.Tensor) -> torch.Tensor:
    """Whether key position ``j`` is visible from query position ``i`` under ``mask`` (broadcasting)."""
    if mask == "none":
        return (i >= 0) & (j >= 0)
    return {"j<i": j < i, "j>i": j > i, "j<=i": j <= i, "j>=i": j >= i}[mask]


def head_weights(spec: AttendSpec, score: torch.Tensor, allowed: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """An ``average`` or ``softmax`` head's weights over the keys (the last axis): uniform on the
    maximal-score unmasked keys, or ∝ exp(β(s − max)) on the unmasked ones; all zero when none is."""
    score = score.masked_fill(~allowed, float("-inf"))
    best = score.amax(-1, keepdim=True)
    if spec.mode == "average":
        w = ((score == best) & allowed).to(dtype)
    else:
        w = torch.exp(spec.beta * (score - best)).nan_to_num(0.0)
    return w / w.sum(-1, keepdim=True).clamp(min=torch.finfo(dtype).tiny)


def position_match(q: torch.Tensor, key: torch.Tensor, spec: AttendSpec, n: int, length: int):
    """O(L) exact hard attention for a **positional quadratic match**: key rows (j, j²) (the position
    and its square, checked on the values) and query rows (a_i, −c) with one constant c > 0, so that
    score(i, j) = a_i·j − c·j² is concave in j. Its maximum over the unmasked interval [lo_i, hi_i] of
    integers lies at the clamp of ⌊a_i/2c⌋ or ⌊a_i/2c⌋ + 1 (the only two integers that can tie, when
    a_i/2c is a half-integer; the tie-break decides), computed in int64 — the exact argmax of the scores
    of these (integral, checked) values, i.e. what the dense kernel computes when its float scores are
    exact. None when the head is not of this shape (the caller falls back to the general kernel)."""
    if q.shape[0] != 2:
        return None
    pos = torch.arange(length, device=q.device)
    kj, kj2 = key[0].view(n, length), key[1].view(n, length)
    if not (torch.equal(kj, pos.to(kj.dtype).expand(n, length)) and torch.equal(kj2, kj * kj)):
        return None
    c = -q[1]
    if not (c.numel() and bool((c == c[0]).all()) and float(c[0]) > 0 and float(c[0]).is_integer()):
        return None
    c = int(float(c[0]))
    a = q[0].view(n, length)
    if not bool((a == a.round()).all()) or float(a.abs().max()) * length >= 2**52 or c * length * length >= 2**52:
        return None
    a = a.to(torch.int64)
    lo = {"none": 0, "j<i": 0, "j<=i": 0}.get(spec.mask)
    lo = torch.zeros_like(pos) if lo is not None else (pos + 1 if spec.mask == "j>i" else pos)
    hi = {"j<i": pos - 1, "j<=i": pos}.get(spec.mask, torch.full_like(pos, length - 1))
    f = torch.div(a, 2 * c, rounding_mode="floor")
    c1 = torch.maximum(torch.minimum(f, hi), lo)
    c2 = torch.maximum(torch.minimum(f + 1, hi), lo)
    s1, s2 = a * c1 - c * c1 * c1, a * c2 - c * c2 * c2
    tie = torch.minimum(c1, c2) if spec.tiebreak == "leftmost" else torch.maximum(c1, c2)
    idx = torch.where(s1 > s2, c1, torch.where(s2 > s1, c2, tie))
    return idx.clamp(0, length - 1), exists_mask(spec.mask, length, q.device)


def attention_linear(m, h: torch.Tensor, k: int, spec: AttendSpec, n: int, length: int, head: int = 0):
    """O(L) hard attention when the score is a function s(j) of the key alone: a running maximum
    of the exact integer s(j)·L + rank(j), rank = j (rightmost) or L−1−j (leftmost), so the
    maximum carries both the best score and the tie-break's position."""
    key = m.key(h, k, head)
    if (m.bound + 1) * length >= 2**62:
        raise DtypeError(f"words of length {length} overflow the int64 running-maximum encoding")
    s = (m.plan.blocks[f"{spec.tag}_qb"][:, None] * key).sum(0).view(n, length).to(torch.int64)
    pos = torch.arange(length, device=h.device)
    rank = pos if spec.tiebreak == "rightmost" else length - 1 - pos
    c = s * length + rank
    if spec.mask in ("j<i", "j<=i"):
        best = torch.cummax(c, dim=-1).values
    elif spec.mask in ("j>i", "j>=i"):
        best = torch.cummax(c.flip(-1), dim=-1).values.flip(-1)
    else:
        best = c.amax(-1, keepdim=True).expand(n, length)
    if spec.mask == "j<i":  # strict: the maximum over j ≤ i − 1
        best = torch.cat([best[:, :1], best[:, :-1]], 1)
    elif spec.mask == "j>i":
        best = torch.cat([best[:, 1:], best[:, -1:]], 1)
    r = torch.remainder(best, length)
    idx = r if spec.tiebreak == "rightmost" else length - 1 - r
    return idx.clamp(0, length - 1), exists_mask(spec.mask, length, h.device)


def attention_weights(m, h: torch.Tensor, k: int, head: int, n: int, length: int,
                      values: torch.Tensor) -> torch.Tensor:
    """The attended rows (r, n·L) of an ``average`` or ``softmax`` head, densely, batch row by row:
    values (r, n·L) weighted per query by the uniform distribution on the maximal-score unmasked
    positions, or by softmax(β·score) over the unmasked ones; zero where none is unmasked."""
    spec = m.steps[k].heads[head]
    q = m.query(h, k, head).view(-1, n, length)
    key = m.key(h, k, head).view(-1, n, length)
    pos = torch.arange(length, device=h.device)
    allowed = visible_keys(spec.mask, pos[:, None], pos[None, :])  # (L queries, L keys)
    vals = values.view(-1, n, length)
    out = torch.empty_like(vals)
    step = max(1, CELLS // (length * length))
    for lo in range(0, n, step):  # (batch chunk, L queries, L keys) scores at a time
        hi = min(n, lo + step)
        score = torch.einsum("rbi,rbj->bij", q[:, lo:hi], key[:, lo:hi])
        w = head_weights(spec, score, allowed, values.dtype)
        out[:, lo:hi] = torch.einsum("bij,rbj->rbi", w, vals[:, lo:hi])
    return out.view(values.shape)


def attend_last(m, h: torch.Tensor, k: int, head: int, n: int, length: int, values: torch.Tensor) -> torch.Tensor:
    """Head ``head`` of step ``k`` for the last query position of each word only (O(L)); the attended
    rows (r, n·L) are zero elsewhere. Same rule as the full computation: hard = argmax + tie-break,
    average = mean over the maximal set, softmax = weights exp(β(s − max))."""
    spec = m.steps[k].heads[head]
    last = torch.arange(n, device=h.device) * length + length - 1
    q = m.query(h[:, last], k, head)  # (r, n)
    key = m.key(h, k, head).view(-1, n, length)
    score = torch.einsum("rb,rbj->bj", q, key)  # (n, L)
    pos = torch.arange(length, device=h.device)
    allowed = visible_keys(spec.mask, torch.tensor(length - 1, device=h.device), pos)  # (L keys,)
    vals = values.view(-1, n, length)
    if spec.mode == "hard":
        score = score.masked_fill(~allowed, float("-inf"))
        top = (score == score.amax(1, keepdim=True)) & allowed
        rank = pos if spec.tiebreak == "rightmost" else length - 1 - pos
        j = torch.where(top, rank, -1).argmax(1)  # the position of the largest rank
        att = vals[:, torch.arange(n, device=h.device), j] * allowed.any().to(h.dtype)
    else:
        att = torch.einsum("bj,rbj->rb", head_weights(spec, score, allowed, h.dtype), vals)
    out = values.new_zeros(values.shape)
    out[:, last] = att
    return out


__all__ = ["attend_last", "attention_linear", "attention_weights"]
