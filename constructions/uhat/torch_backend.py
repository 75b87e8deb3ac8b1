"""Executable PyTorch form of a symbolic UHAT — exact, CPU or CUDA (THEORY §1, [BCL] §2).

Hard attention is an argmax with an explicit tie-break (leftmost = smallest position, rightmost =
largest) over the unmasked positions; the attended vector is zero when none is unmasked. Never softmax.

**Weights.** ``state_dict()`` holds the network as named dense tensors — ``embedding.weight``,
``layers.k.A.weight`` / ``.bias``, ``layers.k.B.*``, ``layers.k.C.*``, ``layers.k.mask`` (ReLU),
``accept.weight`` or ``output.*`` (:mod:`constructions.uhat.torch_plan`) — and the forward pass runs
an *execution plan derived from exactly these tensors*: Lemma 9 networks have thousands of layers whose
C maps are the identity on most coordinates, so every coordinate lives in a slot of one buffer, a C row
that copies a coordinate keeps its slot and the other rows are a small dense block over the slots they
read (O(changed rows) work per layer). Changing a named tensor (in place, by ``load_state_dict`` or by
assignment) re-derives the plan and re-proves exactness before the next run.

**Speed.** Position-wise maps run in column chunks of ``COLUMNS`` positions through reused work
buffers; hard attention is O(L) (key-only scores: a running maximum; positional quadratic matches) or
O(L·K) (K distinct key vectors: :mod:`constructions.uhat.attention_kernel`), so a pass costs
O(L · (nonzeros + Σ_layers K)) time and O(L · slots) memory — e.g. the n = 4 witness word (6,291,456
symbols, 182 slots) in float32.

**Exactness.** Weights are integral and the precision audit (:mod:`constructions.uhat.precision`, value
sets over all words) bounds every value, score and partial sum within the dtype's exact range, else
:class:`DtypeError` naming the layer. The audit's bounds are stored in the module: ``.to(dtype)``,
``.half()``, ``.float()``, ``.double()``, ``.type()`` re-check them and refuse (module unchanged) or
convert (:class:`constructions.torch_exact.ExactModule`); :func:`constructions.torch_io.save` writes them.

**Retrieval extensions** (:mod:`constructions.uhat.model`): positional features are added to the
embedding (the audit then needs ``max_len``, and longer words are refused); every head of a layer is
gathered into the attended rows C reads; ``average`` and ``softmax`` heads run densely (O(L²) per head,
chunked over the batch). A network with averaging heads or rational weights is not exact in any float
dtype: it runs only with a :class:`~constructions.uhat.certified.FloatCertificate` for that dtype and
length bound, else :class:`DtypeError`. Generators (``net.output``) return, per position, the index of
the largest logit; :meth:`UHATModule.generate` reads it at the last position.

**Batches of mixed lengths**: ``forward(words, lengths=…)`` or ``attention_mask=…``
(:func:`constructions.torch_exact.resolve_lengths`); every row is computed as its own word — causal
networks in one pass (a padded position is never visible to an earlier one), others one pass per
distinct length — so padded positions are never attended, whatever the masks.
"""
from __future__ import annotations

from typing import Callable

import torch

from automata.errors import ParameterError, UnknownSymbolError, shown
from constructions.dtypes import parse_device, parse_dtype
from constructions.torch_exact import resolve_lengths
from constructions.uhat.attention_kernel import hard_attention
from constructions.uhat.model import UHAT
from constructions.uhat.precision import precision_audit
from constructions.uhat.torch_kernels import position_match, gather_rows, visible_keys, head_weights  # noqa: F401 (re-exported)
from constructions.uhat.torch_kernels import attend_last, attention_linear, attention_weights
from constructions.uhat.torch_plan import AttendSpec, PlanStep  # noqa: F401 (re-exported)
from constructions.uhat.torch_weights import CompiledUHAT, dtype_name

COLUMNS = 1 << 20  # positions per chunk of the position-wise maps (bounds the temporaries)
CAUSAL = ("j<i", "j<=i")


class UHATModule(CompiledUHAT):
    """forward(LongTensor (B, L)) → BoolTensor (B, L): ⟨t, v_n⟩ > 0 at every position n."""

    def __init__(self, net: UHAT, dtype: torch.dtype = torch.float64, device: str | torch.device = "cpu",
                 fast: bool = True, max_len: int | None = None, certificate: object | None = None,
                 initial_values=None, sparse: bool | None = None):
        super().__init__()
        if not isinstance(net, UHAT):
            raise ParameterError(f"to_torch needs a UHAT, got {type(net).__name__}")
        if max_len is not None and (isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 1):
            raise ParameterError(f"max_len must be an integer ≥ 1, got {shown(max_len)}")
        device, dtype = parse_device(device), parse_dtype(dtype)
        report = precision_audit(net, max_len, initial_values)
        cert = None
        if report.integral:
            report.check(dtype, "UHAT")
        else:  # averaging heads or rational weights: only with a proved read-out error bound
            from constructions.uhat.certified import require_certificate

            require_certificate(certificate, net, dtype, max_len)
            cert = {"dtype": dtype_name(dtype), "max_len": certificate.max_len,
                    "logit_error": float(certificate.logit_error), "readout_margin": str(certificate.readout_margin)}
        self._setup(net, report, dtype, device, fast, max_len, initial_values, cert, sparse)

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
        spec, blocks = self._plan.steps[k].heads[head], self._plan.blocks
        return self._mm(blocks[f"{spec.tag}_qw"], gather_rows(h, spec.q_cols)) + blocks[f"{spec.tag}_qb"][:, None]

    def key(self, h: torch.Tensor, k: int, head: int = 0) -> torch.Tensor:
        """Attention step ``k``'s key rows (r, N) of the columns of ``h`` (slots, N) for ``head``."""
        spec, blocks = self._plan.steps[k].heads[head], self._plan.blocks
        return self._mm(blocks[f"{spec.tag}_kw"], gather_rows(h, spec.k_cols)) + blocks[f"{spec.tag}_kb"][:, None]

    def readout(self, h: torch.Tensor) -> torch.Tensor:
        """⟨t, v⟩ for every column v of ``h`` (slots, N) — the verdict is ``readout(h) > 0`` — or, for a
        generator, the logits (|output_symbols|, N)."""
        plan = self.plan
        out = self._mm(plan.blocks["t"], h.index_select(0, plan.t_index)) + plan.blocks["t_bias"][:, None]
        return out if self.generator else out[0]

    def run_steps(self, h: torch.Tensor, attended: Callable[[torch.Tensor, int], torch.Tensor],
                  upto: int | None = None) -> None:
        """The first ``upto`` steps (all by default) in place on ``h`` (slots, N): ReLU steps clamp their
        slots, affine steps write their computed rows (:meth:`_write`); ``attended(h, k)`` gives the
        attended rows (|a_cols|, N) of attention step ``k``, gathered before the writes (which may reuse
        the slots it reads)."""
        steps = self.plan.steps
        for k, step in enumerate(steps if upto is None else steps[:upto]):
            if step.kind == "relu":
                for d in step.dest:
                    h[d].clamp_(min=0)
            elif step.dest:
                self._write(h, k, attended(h, k) if step.attend is not None else None)

    def _attention(self, h: torch.Tensor, k: int, spec: AttendSpec, n: int, length: int,
                   head: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
        """Attended position per query (n, L) and whether any position is unmasked (L,): the O(L)
        running maximum when the score reads the key only, else the O(L·K) class kernel of
        :mod:`constructions.uhat.attention_kernel` (chunked dense O(L²) when K is large or not ``fast``)."""
        if spec.key_only:
            return attention_linear(self, h, k, spec, n, length, head)
        q, key = self.query(h, k, head), self.key(h, k, head)
        if self.fast:
            found = position_match(q, key, spec, n, length)
            if found is not None:
                return found
        return hard_attention(q.view(-1, n, length), key.view(-1, n, length), spec.mask, spec.tiebreak, self.fast)

    def _check_words(self, words) -> torch.Tensor:
        """A (B, L) integer tensor of symbol codes in 0..|Σ|−1, B, L ≥ 1; typed errors otherwise (a
        negative code would otherwise index the embedding from the end: a silent wrong answer)."""
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
        self._sync()
        d0 = self.emb.shape[1]
        if initial is not None:
            n, length, width = initial.shape
            if width != d0:
                raise ParameterError(f"initial vectors have width {width}, the network reads {d0}")
            self._check_initial(initial)
        else:
            words = self._check_words(words).to(self.device)
            n, length = words.shape
        if self.max_len is not None and length > self.max_len:
            raise ParameterError(f"words of length {length} exceed the audited bound max_len = {self.max_len}")
        h = torch.zeros(self.n_slots, n * length, dtype=self.dtype, device=self.device)
        if initial is not None:
            h[:d0] = initial.to(self.device, self.dtype).reshape(n * length, -1).T
        else:
            flat_words = words.reshape(-1)
            for a in range(0, n * length, COLUMNS):
                h[:d0, a: a + COLUMNS] = self.emb[flat_words[a: a + COLUMNS]].T
            if self.n_pos:
                j = torch.arange(length, device=self.device, dtype=self.dtype)
                feats = torch.stack([j**d for d in range(self.n_pos)])  # (d + 1, L), exact integers
                h[:d0] += (self.pos_w @ feats).repeat(1, n)
        last_att = max((k for k, st in enumerate(self.steps) if st.attend is not None), default=-1)

        def attended(h: torch.Tensor, k: int) -> torch.Tensor:
            step = self._plan.steps[k]
            parts = []
            for head, spec in enumerate(step.heads):
                rows = tuple(s for s, hd in zip(step.a_cols, step.a_heads) if hd == head)
                if not rows:
                    continue
                if last_only and k == last_att:
                    parts.append(attend_last(self, h, k, head, n, length, gather_rows(h, rows)))
                elif spec.mode != "hard":
                    parts.append(attention_weights(self, h, k, head, n, length, gather_rows(h, rows)))
                else:
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

    def _write(self, h: torch.Tensor, k: int, att: torch.Tensor | None) -> None:
        """Step ``k``'s computed rows of C on the buffer ``h`` (slots, N), given the attended rows ``att``
        (|a_cols|, N) or None: column chunks through reused work buffers, written in place."""
        step, ix, blocks = self._plan.steps[k], self._plan.index[k], self._plan.blocks
        cwv, cwa, cb = blocks[f"l{k}_cwv"], blocks[f"l{k}_cwa"], blocks[f"l{k}_cb"]
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

    # -- public runs -----------------------------------------------------------------------------------------
    def residual(self, words: torch.Tensor, upto: int | None = None) -> torch.Tensor:
        """The slot buffer after the first ``upto`` layers (all by default), shape (B, L, slots)."""
        words = self._check_words(words)
        n, length = words.shape
        return self._run(words, upto).T.reshape(n, length, self.n_slots)

    def _whole(self, words: torch.Tensor) -> torch.Tensor:
        n, length = words.shape
        out = self.readout(self._run(words))
        return out.argmax(0).view(n, length) if self.generator else (out > 0).view(n, length)

    def causal(self) -> bool:
        """Whether no position ever sees a later one (every attending head masks j<i or j<=i)."""
        return all(spec.mask in CAUSAL for st in self.steps for spec in st.heads)

    def _padded(self, words: torch.Tensor, lengths, attention_mask) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Validated words (padded positions set to code 0) and lengths (None: every row is full)."""
        if not isinstance(words, torch.Tensor) or words.dim() != 2 or words.numel() == 0:
            return self._check_words(words), None
        lens = resolve_lengths(words, lengths, attention_mask)
        if lens is None:
            return self._check_words(words), None
        valid = torch.arange(words.shape[1])[None, :] < lens[:, None]
        words = self._check_words(torch.where(valid.to(words.device), words, torch.zeros_like(words)))
        return words[:, : int(lens.max())], lens

    def forward(self, words: torch.Tensor, *, lengths=None, attention_mask=None) -> torch.Tensor:
        """Acceptance (B, L) bool at every position, or for a generator the index (B, L) of the largest
        logit at every position (the smallest index among equal logits; a certified network has none).
        With ``lengths`` (B,) or a right-padded ``attention_mask`` (B, L) each row is run as its own word;
        its padded positions read False (a generator: −1) and are never attended."""
        full_len = words.shape[1] if isinstance(words, torch.Tensor) and words.dim() == 2 else 0
        words, lens = self._padded(words, lengths, attention_mask)
        if lens is None:
            return self._whole(words)
        n, length = words.shape
        if self.causal():  # a padded position is later than every real one: invisible to them
            out = self._whole(words)
        else:  # one pass per distinct length, each row truncated to its own word
            out = torch.zeros((n, length), dtype=torch.long if self.generator else torch.bool, device=self.device)
            for ell in torch.unique(lens).tolist():
                rows = torch.nonzero(lens == ell).flatten().to(self.device)
                out[rows, :ell] = self._whole(words[rows, :ell])
        valid = (torch.arange(full_len)[None, :] < lens[:, None]).to(self.device)
        padded = torch.full((n, full_len), -1 if self.generator else 0, dtype=out.dtype, device=self.device)
        padded[:, :length] = out
        return torch.where(valid, padded, padded.new_full((), -1 if self.generator else 0))

    def accepts(self, words: torch.Tensor, *, lengths=None, attention_mask=None) -> torch.Tensor:
        """(B,) bool: each word's verdict at its own last position (first, for ``accept_at="first"``)."""
        if self.generator:
            raise ParameterError("accepts: this network is a generator; use generate")
        out = self.forward(words, lengths=lengths, attention_mask=attention_mask)
        lens = resolve_lengths(words, lengths, attention_mask)
        last = torch.full((out.shape[0],), out.shape[1], dtype=torch.long) if lens is None else lens
        col = torch.zeros_like(last) if self.accept_at == "first" else last - 1
        return out[torch.arange(out.shape[0], device=out.device), col.to(out.device)]

    def logits(self, words: torch.Tensor) -> torch.Tensor:
        """A generator's logits (B, L, |output_symbols|)."""
        if not self.generator:
            raise ParameterError("logits: this network has an acceptance vector, not an output read-out")
        words = self._check_words(words)
        n, length = words.shape
        return self.readout(self._run(words)).T.reshape(n, length, -1)

    def generate(self, words: torch.Tensor | None = None, initial: torch.Tensor | None = None, *,
                 lengths=None, attention_mask=None) -> torch.Tensor:
        """A generator's answer (B,) — the index into ``output_symbols`` — read at the last position (with
        ``lengths`` / ``attention_mask``: at each word's own last position). The last attention step is
        computed for the last position only (O(L) instead of O(L²)); ``initial`` (B, L, D₀) replaces the
        embedding (:meth:`forward_from`)."""
        if not self.generator:
            raise ParameterError("generate: this network has an acceptance vector, not an output read-out")
        if initial is None:
            if isinstance(words, torch.Tensor) and words.dim() == 2 and words.shape[0] == 0 and words.shape[1] > 0:
                return torch.zeros(0, dtype=torch.long, device=self.device)  # an empty batch has no answers
            words, lens = self._padded(words, lengths, attention_mask)
            if lens is not None:
                out = torch.zeros(words.shape[0], dtype=torch.long, device=self.device)
                for ell in torch.unique(lens).tolist():
                    rows = torch.nonzero(lens == ell).flatten().to(self.device)
                    out[rows] = self.generate(words[rows, :ell])
                return out
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
    max_len: int | None = None, certificate: object | None = None, initial_values=None, sparse: bool | None = None,
) -> UHATModule:
    """The exact executable network; raises DtypeError if ``dtype`` is not proved exact.
    ``fast=False`` forces the dense O(L²) attention everywhere (for cross-checks); ``fast=True`` uses
    the O(L) running maximum for key-only scores and the exact O(L·K) class kernel otherwise.
    ``max_len`` bounds the word length (required with positional features: the audit depends on it);
    ``certificate`` (:class:`~constructions.uhat.certified.FloatCertificate`) is required for networks
    that no float dtype runs exactly (averaging/softmax heads, rational weights); ``initial_values``
    ((lo, hi) per layer-0 coordinate) audits runs whose layer-0 vectors are given (:meth:`forward_from`:
    a hybrid's RNN states) and is required for them. ``sparse`` stores the layers' A, B, C as sparse COO
    tensors (same names and values; default: only when their dense size exceeds ``DENSE_LIMIT``
    entries, e.g. the paper-faithful Lemma 9 networks of the tiling witness)."""
    return UHATModule(net, parse_dtype(dtype), device, fast, max_len, certificate, initial_values, sparse)


__all__ = ["UHATModule", "to_torch"]
