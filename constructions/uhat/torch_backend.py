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

The retrieval extensions of :mod:`constructions.uhat.model` run here too: positional features are added
to the embedding (the audit then needs ``max_len``, and longer words are refused); every head of a
layer is gathered into the attended rows C reads; ``average`` and ``softmax`` heads run densely
(O(L²) per head, chunked over the batch). A network with averaging heads or rational weights is not
exact in any float dtype: it runs only with a :class:`~constructions.uhat.certified.FloatCertificate`
for that dtype and length bound (a proved bound on the read-out error, softmax temperatures included),
else :class:`DtypeError`. Generators (``net.output``) return, per position, the index of the largest
logit; :meth:`UHATModule.generate` reads it at the last position.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from fractions import Fraction

from automata.errors import DtypeError, ParameterError
from constructions.dtypes import parse_dtype
from constructions.exact import Affine
from constructions.uhat.attention_kernel import CELLS, exists_mask, hard_attention
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
    mode: str = "hard"
    beta: float | None = None
    tag: str = ""  # buffer prefix of this head's query/key weights


@dataclass(frozen=True)
class _Step:
    kind: str  # "affine" | "relu"
    attend: _Attend | None = None  # the first head
    v_cols: tuple[int, ...] = ()  # slots read from v_n
    a_cols: tuple[int, ...] = ()  # slots read from the attended vectors (of head a_heads[i])
    dest: tuple[int, ...] = ()  # slots written (computed rows) / ReLU slots
    heads: tuple[_Attend, ...] = ()  # every head (heads[0] is attend)
    a_heads: tuple[int, ...] = ()  # the head of each a_cols entry


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


def _unmasked(mask: str, i: torch.Tensor, j: torch.Tensor) -> torch.Tensor:
    """Whether key position ``j`` is visible from query position ``i`` under ``mask`` (broadcasting)."""
    if mask == "none":
        return (i >= 0) & (j >= 0)
    return {"j<i": j < i, "j>i": j > i, "j<=i": j <= i, "j>=i": j >= i}[mask]


def _weights(spec: _Attend, score: torch.Tensor, allowed: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """An ``average`` or ``softmax`` head's weights over the keys (the last axis): uniform on the
    maximal-score unmasked keys, or ∝ exp(β(s − max)) on the unmasked ones; all zero when none is."""
    score = score.masked_fill(~allowed, float("-inf"))
    best = score.amax(-1, keepdim=True)
    if spec.mode == "average":
        w = ((score == best) & allowed).to(dtype)
    else:
        w = torch.exp(spec.beta * (score - best)).nan_to_num(0.0)
    return w / w.sum(-1, keepdim=True).clamp(min=torch.finfo(dtype).tiny)


def _position_match(q: torch.Tensor, key: torch.Tensor, spec: _Attend, n: int, length: int):
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


class UHATModule(nn.Module):
    """forward(LongTensor (B, L)) → BoolTensor (B, L): ⟨t, v_n⟩ > 0 at every position n."""

    def __init__(
        self,
        net: UHAT,
        dtype: torch.dtype = torch.float64,
        device: str | torch.device = "cpu",
        fast: bool = True,
        max_len: int | None = None,
        certificate: object | None = None,
        initial_values=None,
    ):
        super().__init__()
        from constructions.dtypes import parse_device

        if not isinstance(net, UHAT):
            raise ParameterError(f"to_torch needs a UHAT, got {type(net).__name__}")
        if max_len is not None and (isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 1):
            raise ParameterError(f"max_len must be an integer ≥ 1, got {max_len!r}")
        device = parse_device(device)
        dtype = parse_dtype(dtype)
        report = precision_audit(net, max_len, initial_values)
        # layer-0 vectors given directly (forward_from) are accepted only inside the audited bounds
        self._initial = None if initial_values is None else (
            torch.tensor([float(lo) for lo, _ in initial_values], dtype=torch.float64),
            torch.tensor([float(hi) for _, hi in initial_values], dtype=torch.float64), report.integral)
        if report.integral:
            report.check(dtype, "UHAT")
        else:  # averaging heads or rational weights: only with a proved read-out error bound
            from constructions.uhat.certified import require_certificate

            require_certificate(certificate, net, dtype, max_len)
        self.exact = report.integral
        self.plain = net.is_plain  # [BCL]'s model: what class_exec / streaming handle
        self.max_len = max_len if net.positions is not None or not report.integral else None
        self.bound = report.max_abs
        self.net_alphabet = net.alphabet
        self.accept_at = net.accept_at
        self.output_symbols = net.output_symbols
        self.dtype = dtype
        self.steps: list[_Step] = []
        d0 = net.embedding.out_dim
        slots = list(range(d0))  # layout index -> slot
        free: list[int] = []
        n_slots = d0
        emb = torch.zeros(len(net.alphabet), d0, dtype=dtype)
        for r, c, v in net.embedding.entries:
            emb[c, r] = float(v) if v.denominator != 1 else int(v)
        self.register_buffer("emb", emb)
        self.n_pos = 0 if net.positions is None else net.positions.in_dim
        pos = torch.zeros(d0, self.n_pos, dtype=dtype)
        for r, c, v in (net.positions.entries if net.positions is not None else ()):
            pos[r, c] = float(v) if v.denominator != 1 else int(v)
        self.register_buffer("pos_w", pos)
        for k, layer in enumerate(net.layers):
            if isinstance(layer, ReLULayer):
                self.steps.append(_Step("relu", dest=tuple(slots[c] for c in layer.coords)))
                continue
            r_in = layer.in_width
            col_slot = {c: slots[c] for c in range(r_in)}
            col_slot.update({r_in + c: slots[c] for c in range(r_in)})
            attend = None
            heads: list[_Attend] = []
            crow = layer.C.rows()
            cbias = layer.C.bias_dict()
            reads_a = layer.attends
            if reads_a:
                for h, head in enumerate(layer.heads):
                    tag = f"l{k}" if h == 0 else f"l{k}_h{h}"
                    ar, br = head.A.rows(), head.B.rows()
                    ab, bb = head.A.bias_dict(), head.B.bias_dict()
                    used = sorted(r for r in range(head.A.out_dim) if (r in ar or r in ab) and (r in br or r in bb))
                    qa, qc, qb = _dense(head.A, used, col_slot)
                    ka, kc, kb = _dense(head.B, used, col_slot)
                    self._buf(f"{tag}_qw", qa, dtype, (len(used), len(qc)))
                    self._buf(f"{tag}_qb", qb, dtype, (len(used),))
                    self._buf(f"{tag}_kw", ka, dtype, (len(used), len(kc)))
                    self._buf(f"{tag}_kb", kb, dtype, (len(used),))
                    # the O(L) running maximum packs the score into an int64: integral (exact) scores only
                    key_only = fast and report.integral and head.mode == "hard" and not any(any(r) for r in qa)
                    heads.append(_Attend(head.mask, head.tiebreak, tuple(qc), tuple(kc), key_only, head.mode,
                                         None if head.beta is None else float(head.beta), tag))
                attend = heads[0]
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
            w, cols, b = _dense(layer.C, computed, {c: c for c in range(layer.C.in_dim)})
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
                    tuple(slots[(cols[j] - r_in) % r_in] for j in a_idx),
                    tuple(new_slots[o] for o in computed),
                    tuple(heads),
                    tuple((cols[j] - r_in) // r_in for j in a_idx),
                )
            )
            slots = new_slots
        self.n_slots = n_slots
        self.fast = fast
        readout = net.accept if net.accept is not None else net.output
        out_rows, out_bias = readout.rows(), readout.bias_dict()
        read = sorted({c for row in out_rows.values() for c in row})
        self.t_slots = tuple(slots[c] for c in read)
        num = lambda v: float(v) if v.denominator != 1 else int(v)  # noqa: E731
        self._buf("t", [[num(out_rows.get(o, {}).get(c, Fraction(0))) for c in read] for o in range(readout.out_dim)],
                  dtype, (readout.out_dim, len(read)))
        self._buf("t_bias", [num(out_bias.get(o, Fraction(0))) for o in range(readout.out_dim)], dtype,
                  (readout.out_dim,))
        self.generator = net.output is not None
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
        data = [[float(x) if isinstance(x, Fraction) else x for x in row] if isinstance(row, list) else
                (float(row) if isinstance(row, Fraction) else row) for row in data]
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

    def query(self, h: torch.Tensor, k: int, head: int = 0) -> torch.Tensor:
        """Attention step ``k``'s query rows (r, N) of the columns of ``h`` (slots, N) for ``head``."""
        spec = self.steps[k].heads[head]
        w, b = getattr(self, f"{spec.tag}_qw"), getattr(self, f"{spec.tag}_qb")
        return self._mm(w, _rows(h, spec.q_cols)) + b[:, None]

    def key(self, h: torch.Tensor, k: int, head: int = 0) -> torch.Tensor:
        """Attention step ``k``'s key rows (r, N) of the columns of ``h`` (slots, N) for ``head``."""
        spec = self.steps[k].heads[head]
        w, b = getattr(self, f"{spec.tag}_kw"), getattr(self, f"{spec.tag}_kb")
        return self._mm(w, _rows(h, spec.k_cols)) + b[:, None]

    def readout(self, h: torch.Tensor) -> torch.Tensor:
        """⟨t, v⟩ for every column v of ``h`` (slots, N) — the verdict is ``readout(h) > 0`` — or, for a
        generator, the logits (|output_symbols|, N)."""
        out = self._mm(self.t, h.index_select(0, self._t_index)) + self.t_bias[:, None]
        return out if self.generator else out[0]

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

    def _attention(self, h: torch.Tensor, k: int, spec: _Attend, n: int, length: int,
                   head: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
        """Attended position per query (n, L) and whether any position is unmasked (L,): the O(L)
        running maximum when the score reads the key only, else the O(L·K) class kernel of
        :mod:`constructions.uhat.attention_kernel` (chunked dense O(L²) when K is large or not ``fast``)."""
        if spec.key_only:
            return self._attention_linear(h, k, spec, n, length, head)
        q, key = self.query(h, k, head), self.key(h, k, head)
        if self.fast:
            found = _position_match(q, key, spec, n, length)
            if found is not None:
                return found
        return hard_attention(q.view(-1, n, length), key.view(-1, n, length), spec.mask, spec.tiebreak, self.fast)

    def _attention_weights(self, h: torch.Tensor, k: int, head: int, n: int, length: int,
                           values: torch.Tensor) -> torch.Tensor:
        """The attended rows (r, n·L) of an ``average`` or ``softmax`` head, densely, batch row by row:
        values (r, n·L) weighted per query by the uniform distribution on the maximal-score unmasked
        positions, or by softmax(β·score) over the unmasked ones; zero where none is unmasked."""
        spec = self.steps[k].heads[head]
        q = self.query(h, k, head).view(-1, n, length)
        key = self.key(h, k, head).view(-1, n, length)
        pos = torch.arange(length, device=h.device)
        allowed = _unmasked(spec.mask, pos[:, None], pos[None, :])  # (L queries, L keys)
        vals = values.view(-1, n, length)
        out = torch.empty_like(vals)
        step = max(1, CELLS // (length * length))
        for lo in range(0, n, step):  # (batch chunk, L queries, L keys) scores at a time
            hi = min(n, lo + step)
            score = torch.einsum("rbi,rbj->bij", q[:, lo:hi], key[:, lo:hi])
            w = _weights(spec, score, allowed, values.dtype)
            out[:, lo:hi] = torch.einsum("bij,rbj->rbi", w, vals[:, lo:hi])
        return out.view(values.shape)

    def _attention_linear(self, h: torch.Tensor, k: int, spec: _Attend, n: int, length: int, head: int = 0):
        """O(L) hard attention when the score is a function s(j) of the key alone: a running maximum
        of the exact integer s(j)·L + rank(j), rank = j (rightmost) or L−1−j (leftmost), so the
        maximum carries both the best score and the tie-break's position."""
        key = self.key(h, k, head)
        if (self.bound + 1) * length >= 2**62:
            raise DtypeError(f"words of length {length} overflow the int64 running-maximum encoding")
        s = (getattr(self, f"{spec.tag}_qb")[:, None] * key).sum(0).view(n, length).to(torch.int64)
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

    def _check_words(self, words) -> torch.Tensor:
        """A (B, L) integer tensor of symbol codes in 0..|Σ|−1, B, L ≥ 1; typed errors otherwise (a
        negative code would otherwise index the embedding from the end: a silent wrong answer)."""
        from automata.errors import UnknownSymbolError

        if not isinstance(words, torch.Tensor):
            raise ParameterError(f"words must be a (B, L) torch LongTensor of symbol codes, got {type(words).__name__}")
        if words.dim() != 2 or words.shape[0] == 0 or words.shape[1] == 0:
            raise ParameterError(f"words must be a non-empty (B, L) tensor, got shape {tuple(words.shape)}")
        if words.dtype.is_floating_point or words.dtype.is_complex or words.dtype == torch.bool:
            raise ParameterError(f"symbol codes must be integers, got {words.dtype}")
        k = len(self.net_alphabet)
        bad = (words < 0) | (words >= k)
        if bool(bad.any()):
            raise UnknownSymbolError(f"symbol code {int(words[bad][0])} is outside the alphabet (0..{k - 1})")
        return words.to(torch.long)

    def _run(self, words: torch.Tensor | None, upto: int | None = None, initial: torch.Tensor | None = None,
             last_only: bool = False) -> torch.Tensor:
        """Slot-major buffer (slots, B·L) after the first ``upto`` layers. ``initial`` (B, L, D₀) replaces
        the embedding and positional features (a hybrid's RNN states, :meth:`forward_from`). With
        ``last_only`` the attention steps from the last one on are computed for the last position only
        (the other positions' values are then garbage — only a generator's answer may be read)."""
        if initial is not None:
            n, length, d0 = initial.shape
            if d0 != self.emb.shape[1]:
                raise ParameterError(f"initial vectors have width {d0}, the network reads {self.emb.shape[1]}")
            self._check_initial(initial)
        else:
            words = self._check_words(words).to(self.device)
            n, length = words.shape
        if self.max_len is not None and length > self.max_len:
            raise ParameterError(f"words of length {length} exceed the audited bound max_len = {self.max_len}")
        h = torch.zeros(self.n_slots, n * length, dtype=self.dtype, device=self.device)
        if initial is not None:
            h[: self.emb.shape[1]] = initial.to(self.device, self.dtype).reshape(n * length, -1).T
        else:
            flat_words = words.reshape(-1)
            for a in range(0, n * length, COLUMNS):
                h[: self.emb.shape[1], a : a + COLUMNS] = self.emb[flat_words[a : a + COLUMNS]].T
            if self.n_pos:
                j = torch.arange(length, device=self.device, dtype=self.dtype)
                feats = torch.stack([j**d for d in range(self.n_pos)])  # (d + 1, L), exact integers
                h[: self.emb.shape[1]] += (self.pos_w @ feats).repeat(1, n)
        last_att = max((k for k, st in enumerate(self.steps) if st.attend is not None), default=-1)

        def attended(h: torch.Tensor, k: int) -> torch.Tensor:
            step = self.steps[k]
            parts = []
            for head, spec in enumerate(step.heads):
                rows = tuple(s for s, hd in zip(step.a_cols, step.a_heads) if hd == head)
                if not rows:
                    continue
                if last_only and k == last_att:
                    parts.append(self._attend_last(h, k, head, n, length, _rows(h, rows)))
                    continue
                if spec.mode != "hard":
                    parts.append(self._attention_weights(h, k, head, n, length, _rows(h, rows)))
                    continue
                idx, exists = self._attention(h, k, spec, n, length, head)
                flat = (idx + torch.arange(n, device=h.device)[:, None] * length).reshape(-1)
                att = torch.stack([h[r].index_select(0, flat) for r in rows])
                att *= exists.to(h.dtype).repeat(n)
                parts.append(att)
            return torch.cat(parts) if len(parts) > 1 else (parts[0] if parts else h[:0])

        self.run_steps(h, attended, upto)
        self._scratch_bufs = {}
        return h

    def _check_initial(self, initial: torch.Tensor) -> None:
        """Given layer-0 vectors must lie in the bounds the module was audited for (and be integers when
        the audit's exactness assumed so); a module built without ``initial_values`` refuses them."""
        if self._initial is None:
            raise ParameterError("this module was built without initial_values: its precision audit does not "
                                 "cover layer-0 vectors given directly")
        lo, hi, integral = self._initial
        x = initial.detach().to("cpu", torch.float64)
        if bool((x < lo).any() or (x > hi).any()):
            raise ParameterError("layer-0 vectors leave the bounds the module was audited for")
        if integral and not bool((x == x.round()).all()):
            raise ParameterError("layer-0 vectors must be integers (the audit proved exactness for integers)")

    def _attend_last(self, h: torch.Tensor, k: int, head: int, n: int, length: int,
                     values: torch.Tensor) -> torch.Tensor:
        """Head ``head`` of step ``k`` for the last query position of each word only (O(L)); the attended
        rows (r, n·L) are zero elsewhere. Same rule as the full computation: hard = argmax + tie-break,
        average = mean over the maximal set, softmax = weights exp(β(s − max))."""
        spec = self.steps[k].heads[head]
        last = torch.arange(n, device=h.device) * length + length - 1
        q = self.query(h[:, last], k, head)  # (r, n)
        key = self.key(h, k, head).view(-1, n, length)
        score = torch.einsum("rb,rbj->bj", q, key)  # (n, L)
        pos = torch.arange(length, device=h.device)
        allowed = _unmasked(spec.mask, torch.tensor(length - 1, device=h.device), pos)  # (L keys,)
        vals = values.view(-1, n, length)
        if spec.mode == "hard":
            score = score.masked_fill(~allowed, float("-inf"))
            top = (score == score.amax(1, keepdim=True)) & allowed
            rank = pos if spec.tiebreak == "rightmost" else length - 1 - pos
            j = torch.where(top, rank, -1).argmax(1)  # the position of the largest rank
            att = vals[:, torch.arange(n, device=h.device), j] * allowed.any().to(h.dtype)
        else:
            att = torch.einsum("bj,rbj->rb", _weights(spec, score, allowed, h.dtype), vals)
        out = values.new_zeros(values.shape)
        out[:, last] = att
        return out

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
        words = self._check_words(words)
        n, length = words.shape
        return self._run(words, upto).T.reshape(n, length, self.n_slots)

    def forward(self, words: torch.Tensor) -> torch.Tensor:
        """Acceptance (B, L) bool at every position, or for a generator the index (B, L) of the largest
        logit at every position (the smallest index among equal logits; a certified network has none)."""
        words = self._check_words(words)
        n, length = words.shape
        out = self.readout(self._run(words))
        if self.generator:
            return out.argmax(0).view(n, length)
        return (out > 0).view(n, length)

    def logits(self, words: torch.Tensor) -> torch.Tensor:
        """A generator's logits (B, L, |output_symbols|)."""
        if not self.generator:
            raise ParameterError("logits: this network has an acceptance vector, not an output read-out")
        words = self._check_words(words)
        n, length = words.shape
        return self.readout(self._run(words)).T.reshape(n, length, -1)

    def generate(self, words: torch.Tensor | None = None, initial: torch.Tensor | None = None) -> torch.Tensor:
        """A generator's answer (B,) — the index into ``output_symbols`` — read at the last position. The
        last attention step is computed for the last position only (O(L) instead of O(L²)); ``initial``
        (B, L, D₀) replaces the embedding (:meth:`forward_from`)."""
        if not self.generator:
            raise ParameterError("generate: this network has an acceptance vector, not an output read-out")
        if initial is None:
            if isinstance(words, torch.Tensor) and words.dim() == 2 and words.shape[0] == 0 and words.shape[1] > 0:
                return torch.zeros(0, dtype=torch.long, device=self.device)  # an empty batch has no answers
            words = self._check_words(words)
        n, length = (initial.shape[:2] if initial is not None else words.shape)
        h = self._run(words, initial=initial, last_only=True)
        last = torch.arange(n, device=h.device) * length + length - 1
        return self.readout(h[:, last]).argmax(0)

    def forward_from(self, initial: torch.Tensor) -> torch.Tensor:
        """:meth:`forward` with the layer-0 vectors given (B, L, D₀) instead of embedded words — the
        transformer half of a hybrid ([WDL] Def 5.5), whose inputs are an RNN's states."""
        n, length, _ = initial.shape
        out = self.readout(self._run(None, initial=initial))
        return out.argmax(0).view(n, length) if self.generator else (out > 0).view(n, length)


def to_torch(
    net: UHAT, dtype: torch.dtype | str = torch.float64, device: str | torch.device = "cpu", fast: bool = True,
    max_len: int | None = None, certificate: object | None = None, initial_values=None,
) -> UHATModule:
    """The exact executable network; raises DtypeError if ``dtype`` is not proved exact.
    ``fast=False`` forces the dense O(L²) attention everywhere (for cross-checks); ``fast=True`` uses
    the O(L) running maximum for key-only scores and the exact O(L·K) class kernel otherwise.
    ``max_len`` bounds the word length (required with positional features: the audit depends on it);
    ``certificate`` (:class:`~constructions.uhat.certified.FloatCertificate`) is required for networks
    that no float dtype runs exactly (averaging/softmax heads, rational weights); ``initial_values``
    ((lo, hi) per layer-0 coordinate) audits runs whose layer-0 vectors are given (:meth:`forward_from`:
    a hybrid's RNN states) and is required for them."""
    return UHATModule(net, parse_dtype(dtype), device, fast, max_len, certificate, initial_values)


__all__ = ["UHATModule", "to_torch"]
