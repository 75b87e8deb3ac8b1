"""Executable PyTorch form of a symbolic UHAT — exact, CPU or CUDA.

Hard attention is an argmax with an explicit tie-break (leftmost = smallest position, rightmost =
largest) over the unmasked positions; the attended vector is zero when none is unmasked. Never softmax.

Compiled Lemma 9 networks have thousands of layers whose C maps are the identity on most coordinates,
so the module runs an *execution plan*: every coordinate lives in a slot of one buffer; a C row that
copies a coordinate keeps its slot (no data moves), the other rows are a small dense matrix over the
slots they read, written to free slots. This computes exactly the map C, with O(changed rows) work per
layer. The dense blocks and slot tables are registered buffers, so ``state_dict()`` holds the weights.
Position-wise maps run in column chunks of ``COLUMNS`` positions through reused work buffers; hard
attention is O(L) (key-only scores: a running maximum) or O(L·K) (K distinct key vectors:
:mod:`constructions.uhat.attention_kernel`), so a pass costs O(L · (nonzeros + Σ_layers K)) time and
O(L · slots) memory — e.g. the n = 4 witness word (6,291,456 symbols, 182 slots) in float32.
Exactness: weights are integral and the precision audit (:mod:`constructions.uhat.precision`, value
sets over all words) bounds every value, score and partial sum within the dtype's exact range, else
:class:`DtypeError` naming the layer.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from automata.errors import DtypeError
from constructions.dtypes import parse_dtype
from constructions.exact import Affine
from constructions.uhat.attention_kernel import exists_mask, hard_attention
from constructions.uhat.precision import precision_audit
from constructions.uhat.model import UHAT, ReLULayer


COLUMNS = 1 << 20  # positions per chunk of the position-wise maps (bounds the temporaries)


@dataclass(frozen=True)
class _Attend:
    mask: str
    tiebreak: str
    q_cols: tuple[int, ...]
    k_cols: tuple[int, ...]
    key_only: bool  # the query is constant: score(i, j) depends on j only


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


def _rows(h: torch.Tensor, slots: tuple[int, ...]) -> torch.Tensor:
    """Rows ``slots`` of h, row by row (index_select over dim 0 of a wide buffer is slow on CPU)."""
    return torch.stack([h[r] for r in slots]) if slots else h[:0]


class UHATModule(nn.Module):
    """forward(LongTensor (B, L)) → BoolTensor (B, L): ⟨t, v_n⟩ > 0 at every position n."""

    def __init__(
        self,
        net: UHAT,
        dtype: torch.dtype = torch.float64,
        device: str | torch.device = "cpu",
        fast: bool = True,
    ):
        super().__init__()
        dtype = parse_dtype(dtype)
        report = precision_audit(net)
        report.check(dtype, "UHAT")
        self.bound = report.max_abs
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
                attend = _Attend(layer.mask, layer.tiebreak, tuple(qc), tuple(kc), key_only=fast and not any(any(r) for r in qa))
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
            self._buf(f"l{k}_cwv", [[row[j] for j in v_idx] for row in w], dtype, (len(computed), len(v_idx)))
            self._buf(f"l{k}_cwa", [[row[j] for j in a_idx] for row in w], dtype, (len(computed), len(a_idx)))
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
        self.fast = fast
        t_rows = net.accept.rows().get(0, {})
        self.t_slots = tuple(slots[c] for c in sorted(t_rows))
        self._buf("t", [int(t_rows[c]) for c in sorted(t_rows)], dtype, (len(t_rows),))
        self.to(device)
        dev = self.device
        as_index = lambda xs: torch.tensor(xs, dtype=torch.long, device=dev)  # noqa: E731
        self._index = [
            {
                "v": as_index(st.v_cols),
                "a": as_index(st.a_cols),
                "dest": as_index(st.dest),
                "q": as_index(st.attend.q_cols if st.attend else ()),
                "k": as_index(st.attend.k_cols if st.attend else ()),
            }
            for st in self.steps
        ]
        self._t_index = as_index(self.t_slots)

    def _buf(self, name: str, data, dtype: torch.dtype, shape: tuple[int, ...]) -> None:
        t = torch.tensor(data, dtype=dtype) if len(data) else torch.zeros(shape, dtype=dtype)
        self.register_buffer(name, t.reshape(shape))

    @property
    def device(self) -> torch.device:
        return self.emb.device

    # -- execution -----------------------------------------------------------------------
    def _mm(self, w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """w (r, c) times x (c, N)."""
        if w.numel() == 0:
            return x.new_zeros((w.shape[0], x.shape[1]))
        if x.dtype.is_floating_point or x.device.type == "cpu":
            return w @ x
        return (w.unsqueeze(-1) * x.unsqueeze(0)).sum(1)  # integer matmul on CUDA

    def query(self, h: torch.Tensor, k: int) -> torch.Tensor:
        """Attention step ``k``'s query rows (r, N) of the columns of ``h`` (slots, N)."""
        w, b = getattr(self, f"l{k}_qw"), getattr(self, f"l{k}_qb")
        return self._mm(w, _rows(h, self.steps[k].attend.q_cols)) + b[:, None]

    def key(self, h: torch.Tensor, k: int) -> torch.Tensor:
        """Attention step ``k``'s key rows (r, N) of the columns of ``h`` (slots, N)."""
        w, b = getattr(self, f"l{k}_kw"), getattr(self, f"l{k}_kb")
        return self._mm(w, _rows(h, self.steps[k].attend.k_cols)) + b[:, None]

    def readout(self, h: torch.Tensor) -> torch.Tensor:
        """⟨t, v⟩ for every column v of ``h`` (slots, N); the verdict is ``readout(h) > 0``."""
        return self._mm(self.t.unsqueeze(0), h.index_select(0, self._t_index))[0]

    def run_steps(self, h: torch.Tensor, attended: Callable[[torch.Tensor, int], torch.Tensor],
                  upto: int | None = None) -> None:
        """The first ``upto`` steps (all by default) in place on ``h`` (slots, N): ReLU steps clamp their
        slots, affine steps write their computed rows (:meth:`_write`); ``attended(h, k)`` gives the
        attended rows (|a_cols|, N) of attention step ``k``, gathered before the writes (which may reuse
        the slots it reads)."""
        for k, step in enumerate(self.steps if upto is None else self.steps[:upto]):
            if step.kind == "relu":
                for d in step.dest:
                    h[d].clamp_(min=0)
            elif step.dest:
                self._write(h, k, attended(h, k) if step.attend is not None else None)

    def _attention(self, h: torch.Tensor, k: int, spec: _Attend, n: int, length: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Attended position per query (n, L) and whether any position is unmasked (L,): the O(L)
        running maximum when the score reads the key only, else the O(L·K) class kernel of
        :mod:`constructions.uhat.attention_kernel` (chunked dense O(L²) when K is large or not ``fast``)."""
        if spec.key_only:
            return self._attention_linear(h, k, spec, n, length)
        q, key = self.query(h, k), self.key(h, k)
        return hard_attention(q.view(-1, n, length), key.view(-1, n, length), spec.mask, spec.tiebreak, self.fast)

    def _attention_linear(self, h: torch.Tensor, k: int, spec: _Attend, n: int, length: int):
        """O(L) hard attention when the score is a function s(j) of the key alone: a running maximum
        of the exact integer s(j)·L + rank(j), rank = j (rightmost) or L−1−j (leftmost), so the
        maximum carries both the best score and the tie-break's position."""
        key = self.key(h, k)
        if (self.bound + 1) * length >= 2**62:
            raise DtypeError(f"words of length {length} overflow the int64 running-maximum encoding")
        s = (getattr(self, f"l{k}_qb")[:, None] * key).sum(0).view(n, length).to(torch.int64)
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

    def _run(self, words: torch.Tensor, upto: int | None = None) -> torch.Tensor:
        """Slot-major buffer (slots, B·L) after the first ``upto`` layers."""
        words = words.to(self.device)
        n, length = words.shape
        h = torch.zeros(self.n_slots, n * length, dtype=self.dtype, device=self.device)
        flat_words = words.reshape(-1)
        for a in range(0, n * length, COLUMNS):
            h[: self.emb.shape[1], a : a + COLUMNS] = self.emb[flat_words[a : a + COLUMNS]].T

        def attended(h: torch.Tensor, k: int) -> torch.Tensor:
            step = self.steps[k]
            idx, exists = self._attention(h, k, step.attend, n, length)
            flat = (idx + torch.arange(n, device=h.device)[:, None] * length).reshape(-1)
            att = torch.stack([h[r].index_select(0, flat) for r in step.a_cols]) if step.a_cols else h[:0]
            att *= exists.to(h.dtype).repeat(n)
            return att

        self.run_steps(h, attended, upto)
        self._scratch_bufs = {}
        return h

    def _write(self, h: torch.Tensor, k: int, att: torch.Tensor | None) -> None:
        """Step ``k``'s computed rows of C on the buffer ``h`` (slots, N), given the attended rows ``att``
        (|a_cols|, N) or None: column chunks through reused work buffers, written in place."""
        step, ix = self.steps[k], self._index[k]
        cwv, cwa, cb = getattr(self, f"l{k}_cwv"), getattr(self, f"l{k}_cwa"), getattr(self, f"l{k}_cb")
        total = h.shape[1]
        in_place = h.dtype.is_floating_point or h.device.type == "cpu"  # mm with out= is supported
        nv, nd = len(step.v_cols), len(step.dest)
        for a in range(0, total, COLUMNS):  # column chunks: O(rows · COLUMNS) temporaries, reused
            e = min(total, a + COLUMNS)
            if not in_place:
                new = self._mm(cwv, h[:, a:e].index_select(0, ix["v"]))
                if att is not None:
                    new += self._mm(cwa, att[:, a:e])
            else:
                new = self._scratch("new", nd, e - a, h)
                if nv:
                    xv = torch.index_select(h[:, a:e], 0, ix["v"], out=self._scratch("v", nv, e - a, h))
                    torch.mm(cwv, xv, out=new)
                else:
                    new.zero_()
                if att is not None and att.shape[0]:
                    new.addmm_(cwa, att[:, a:e])
            new += cb[:, None]
            h[:, a:e].index_copy_(0, ix["dest"], new)

    def _scratch(self, name: str, rows: int, cols: int, like: torch.Tensor) -> torch.Tensor:
        """A reusable (rows, cols) work buffer (no allocation, hence no page faults, per chunk)."""
        bufs = self.__dict__.setdefault("_scratch_bufs", {})
        buf = bufs.get(name)
        if buf is None or buf.numel() < rows * cols or buf.dtype != like.dtype or buf.device != like.device:
            buf = bufs[name] = like.new_empty(max(rows * cols, 1 << 16) if buf is None else max(rows * cols, buf.numel()))
        return buf[: rows * cols].view(rows, cols)

    def residual(self, words: torch.Tensor, upto: int | None = None) -> torch.Tensor:
        """The slot buffer after the first ``upto`` layers (all by default), shape (B, L, slots)."""
        n, length = words.shape
        return self._run(words, upto).T.reshape(n, length, self.n_slots)

    def forward(self, words: torch.Tensor) -> torch.Tensor:
        if words.dim() != 2 or words.shape[1] == 0:
            raise ValueError("words must be a non-empty (B, L) LongTensor")
        n, length = words.shape
        return (self.readout(self._run(words)) > 0).view(n, length)


def to_torch(
    net: UHAT, dtype: torch.dtype | str = torch.float64, device: str | torch.device = "cpu", fast: bool = True
) -> UHATModule:
    """The exact executable network; raises DtypeError if ``dtype`` is not proved exact.
    ``fast=False`` forces the dense O(L²) attention everywhere (for cross-checks); ``fast=True`` uses
    the O(L) running maximum for key-only scores and the exact O(L·K) class kernel otherwise."""
    return UHATModule(net, parse_dtype(dtype), device, fast)


__all__ = ["UHATModule", "to_torch"]
