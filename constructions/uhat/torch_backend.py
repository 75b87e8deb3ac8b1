"""Executable PyTorch form of a symbolic UHAT — exact, CPU or CUDA.

Hard attention is an argmax with an explicit tie-break (leftmost = smallest position, rightmost =
largest) over the unmasked positions; the attended vector is zero when none is unmasked. Never softmax.

Compiled Lemma 9 networks have thousands of layers whose C maps are the identity on most coordinates,
so the module runs an *execution plan*: every coordinate lives in a slot of one buffer; a C row that
copies a coordinate keeps its slot (no data moves), the other rows are a small dense matrix over the
slots they read, written to free slots. This computes exactly the map C, with O(changed rows) work per
layer. The dense blocks and slot tables are registered buffers, so ``state_dict()`` holds the weights.
Exactness: weights are integral and the interval audit bounds every value and partial sum within the
dtype's exact range, else :class:`DtypeError`.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import torch
from torch import nn

from constructions.dtypes import check_exact, parse_dtype
from constructions.exact import Affine
from constructions.uhat.audit import audit
from constructions.uhat.model import UHAT, AttentionLayer, ReLULayer


@dataclass(frozen=True)
class _Attend:
    mask: str
    tiebreak: str
    q_cols: tuple[int, ...]
    k_cols: tuple[int, ...]


@dataclass(frozen=True)
class _Step:
    kind: str  # "affine" | "relu"
    attend: _Attend | None = None
    v_cols: tuple[int, ...] = ()  # slots read from v_n
    a_cols: tuple[int, ...] = ()  # slots read from the attended vector
    dest: tuple[int, ...] = ()  # slots written (computed rows) / ReLU slots


def _dense(m: Affine, rows: list[int], col_slot: dict[int, int]) -> tuple[list[list[int]], list[int], list[int]]:
    """Dense integer block of ``rows`` of ``m`` over the slots they read."""
    rd = m.rows()
    cols = sorted({c for r in rows for c in rd.get(r, {})})
    bias = m.bias_dict()
    block = [[int(rd.get(r, {}).get(c, 0)) for c in cols] for r in rows]
    return block, [col_slot[c] for c in cols], [int(bias.get(r, 0)) for r in rows]


class UHATModule(nn.Module):
    """forward(LongTensor (B, L)) → BoolTensor (B, L): ⟨t, v_n⟩ > 0 at every position n."""

    def __init__(self, net: UHAT, dtype: torch.dtype = torch.float64, device: str | torch.device = "cpu"):
        super().__init__()
        dtype = parse_dtype(dtype)
        report = audit(net)
        check_exact(dtype, report.max_abs, report.integral, "UHAT")
        self.net_alphabet = net.alphabet
        self.accept_at = net.accept_at
        self.dtype = dtype
        self.steps: list[_Step] = []
        d0 = net.embedding.out_dim
        slots = list(range(d0))  # layout index -> slot
        free: list[int] = []
        n_slots = d0
        emb = torch.zeros(len(net.alphabet), d0, dtype=dtype)
        for r, c, v in net.embedding.entries:
            emb[c, r] = int(v)
        self.register_buffer("emb", emb)
        for k, layer in enumerate(net.layers):
            if isinstance(layer, ReLULayer):
                self.steps.append(_Step("relu", dest=tuple(slots[c] for c in layer.coords)))
                continue
            r_in = layer.in_width
            col_slot = {c: slots[c] for c in range(r_in)}
            col_slot.update({r_in + c: slots[c] for c in range(r_in)})
            attend = None
            crow = layer.C.rows()
            cbias = layer.C.bias_dict()
            reads_a = layer.attends
            if reads_a:
                ar, br = layer.A.rows(), layer.B.rows()
                ab, bb = layer.A.bias_dict(), layer.B.bias_dict()
                used = sorted(r for r in range(layer.A.out_dim) if (r in ar or r in ab) and (r in br or r in bb))
                qa, qc, qb = _dense(layer.A, used, col_slot)
                ka, kc, kb = _dense(layer.B, used, col_slot)
                self._buf(f"l{k}_qw", qa, dtype, (len(used), len(qc)))
                self._buf(f"l{k}_qb", qb, dtype, (len(used),))
                self._buf(f"l{k}_kw", ka, dtype, (len(used), len(kc)))
                self._buf(f"l{k}_kb", kb, dtype, (len(used),))
                attend = _Attend(layer.mask, layer.tiebreak, tuple(qc), tuple(kc))
            new_slots: list[int] = [-1] * layer.out_width
            taken: set[int] = set()
            computed: list[int] = []
            for o in range(layer.out_width):
                row = crow.get(o, {})
                if o not in cbias and len(row) == 1:
                    (c, v), = row.items()
                    if v == 1 and c < r_in and slots[c] not in taken:
                        new_slots[o] = slots[c]
                        taken.add(slots[c])
                        continue
                computed.append(o)
            free.extend(s for s in slots if s not in taken)
            for o in computed:
                if free:
                    new_slots[o] = free.pop()
                else:
                    new_slots[o] = n_slots
                    n_slots += 1
            w, cols, b = _dense(layer.C, computed, {c: c for c in range(2 * r_in)})
            v_idx = [j for j, c in enumerate(cols) if c < r_in]
            a_idx = [j for j, c in enumerate(cols) if c >= r_in]
            order = v_idx + a_idx
            w = [[row[j] for j in order] for row in w]
            self._buf(f"l{k}_cw", w, dtype, (len(computed), len(order)))
            self._buf(f"l{k}_cb", b, dtype, (len(computed),))
            self.steps.append(
                _Step(
                    "affine",
                    attend,
                    tuple(slots[cols[j]] for j in v_idx),
                    tuple(slots[cols[j] - r_in] for j in a_idx),
                    tuple(new_slots[o] for o in computed),
                )
            )
            slots = new_slots
        self.n_slots = n_slots
        t_rows = net.accept.rows().get(0, {})
        self.t_slots = tuple(slots[c] for c in sorted(t_rows))
        self._buf("t", [int(t_rows[c]) for c in sorted(t_rows)], dtype, (len(t_rows),))
        self.to(device)

    def _buf(self, name: str, data, dtype: torch.dtype, shape: tuple[int, ...]) -> None:
        t = torch.tensor(data, dtype=dtype) if len(data) else torch.zeros(shape, dtype=dtype)
        self.register_buffer(name, t.reshape(shape))

    @property
    def device(self) -> torch.device:
        return self.emb.device

    # -- execution -----------------------------------------------------------------------
    def _mm(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        if w.numel() == 0:
            return x.new_zeros((*x.shape[:-1], w.shape[0]))
        if x.dtype.is_floating_point or x.device.type == "cpu":
            return x @ w.T
        return (x.unsqueeze(-2) * w).sum(-1)  # integer matmul on CUDA

    def _attention(self, h: torch.Tensor, k: int, spec: _Attend) -> tuple[torch.Tensor, torch.Tensor]:
        n, length, _ = h.shape
        q = self._mm(h[..., list(spec.q_cols)], getattr(self, f"l{k}_qw")) + getattr(self, f"l{k}_qb")
        key = self._mm(h[..., list(spec.k_cols)], getattr(self, f"l{k}_kw")) + getattr(self, f"l{k}_kb")
        if q.shape[-1]:
            if q.dtype.is_floating_point or q.device.type == "cpu":
                score = q @ key.transpose(1, 2)
            else:
                score = (q.unsqueeze(2) * key.unsqueeze(1)).sum(-1)
        else:
            score = h.new_zeros((n, length, length))
        pos = torch.arange(length, device=h.device)
        i, j = pos[:, None], pos[None, :]
        allowed = {
            "none": torch.ones(length, length, dtype=torch.bool, device=h.device),
            "j<i": j < i,
            "j>i": j > i,
            "j<=i": j <= i,
            "j>=i": j >= i,
        }[spec.mask]
        low = float("-inf") if score.dtype.is_floating_point else torch.iinfo(score.dtype).min
        masked = score.masked_fill(~allowed, low)
        best = masked.amax(-1, keepdim=True)
        cand = (masked == best) & allowed
        if spec.tiebreak == "rightmost":
            idx = torch.where(cand, pos, -1).amax(-1)
        else:
            idx = torch.where(cand, pos, length).amin(-1)
        exists = allowed.any(-1)
        return idx.clamp(0, length - 1), exists

    def residual(self, words: torch.Tensor, upto: int | None = None) -> torch.Tensor:
        """The slot buffer after the first ``upto`` layers (all by default), shape (B, L, slots)."""
        words = words.to(self.device)
        n, length = words.shape
        h = torch.zeros(n, length, self.n_slots, dtype=self.dtype, device=self.device)
        h[..., : self.emb.shape[1]] = self.emb[words]
        steps = self.steps if upto is None else self.steps[:upto]
        for k, step in enumerate(steps):
            if step.kind == "relu":
                d = list(step.dest)
                h[..., d] = h[..., d].clamp_min(0)
                continue
            parts = [h[..., list(step.v_cols)]]
            if step.attend is not None:
                idx, exists = self._attention(h, k, step.attend)
                src = h[..., list(step.a_cols)]
                att = torch.gather(src, 1, idx.unsqueeze(-1).expand(-1, -1, src.shape[-1]))
                parts.append(att * exists[None, :, None].to(att.dtype))
            x = torch.cat(parts, -1) if len(parts) > 1 else parts[0]
            new = self._mm(x, getattr(self, f"l{k}_cw")) + getattr(self, f"l{k}_cb")
            if step.dest:
                h[..., list(step.dest)] = new
        return h

    def forward(self, words: torch.Tensor) -> torch.Tensor:
        if words.dim() != 2 or words.shape[1] == 0:
            raise ValueError("words must be a non-empty (B, L) LongTensor")
        h = self.residual(words)
        value = self._mm(h[..., list(self.t_slots)], self.t.unsqueeze(0)).squeeze(-1)
        return value > 0


def to_torch(net: UHAT, dtype: torch.dtype | str = torch.float64, device: str | torch.device = "cpu") -> UHATModule:
    """The exact executable network; raises DtypeError if ``dtype`` is not proved exact."""
    return UHATModule(net, parse_dtype(dtype), device)


__all__ = ["UHATModule", "to_torch", "Fraction"]
