"""Executable PyTorch form of a symbolic Elman RNN — exact, CPU or CUDA.

``to_torch(rnn, dtype, device)`` returns an :class:`RNNModule` whose ``forward`` maps a LongTensor
``(B, L)`` of symbol codes to a BoolTensor ``(B, L)``: whether each prefix is accepted. The weights
(``W``, the symbol table ``U e(a) + b``, ``h0``, ``t``, ``c``) are registered buffers, so
``state_dict()`` holds them.

Exactness (THEORY §1: never rely on rounding): weights must be integral, and the interval audit bounds
every pre-activation and readout partial sum, assuming ``0 ≤ h ≤ max_activation`` (1 for Heaviside and
saturated linear; ``2^k − 1`` for ReLU, i.e. the network's ``precision_bits`` claim) and ``|h0|``,
within the dtype's exact integer range (:mod:`constructions.dtypes`); otherwise :class:`DtypeError`.
For ReLU networks the claim itself is re-checked on every run: a state beyond it raises
:class:`DtypeError` instead of returning a possibly rounded answer.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import torch
from torch import nn

from automata.errors import DtypeError, ParameterError, UnknownSymbolError
from constructions.dtypes import check_exact, parse_dtype
from constructions.exact import Affine, abs_bound
from constructions.rnn.model import ElmanRNN

SUPPORTED = (torch.float32, torch.float64, torch.int64)


@dataclass(frozen=True)
class RNNAudit:
    """Bounds behind the exactness check: ``max_abs`` bounds every value and partial sum."""

    integral: bool
    state_bound: Fraction  # assumed bound on |h| (max activation, or |h0| if larger)
    pre_bound: Fraction  # bound on every pre-activation and its partial sums
    readout_bound: Fraction
    max_abs: Fraction


def audit(rnn: ElmanRNN) -> RNNAudit:
    """Interval (absolute-sum) audit of one step and of the readout, see the module docstring."""
    hb = max([Fraction(rnn.max_activation), *(abs(v) for v in rnn.h0)])
    hs = [hb] * rnn.units
    w = abs_bound(rnn.W, hs)
    u = abs_bound(rnn.U, [Fraction(1)] * len(rnn.alphabet))  # one-hot input: Σ|U_ra| + |b_r| bounds it
    pre = max([Fraction(0), *(x + y for x, y in zip(w, u))])
    ro = max(abs_bound(rnn.readout, hs))
    return RNNAudit(rnn.is_integral(), hb, pre, ro, max(pre, ro, hb))


def _dense(m: Affine) -> tuple[list[list[int]], list[int]]:
    mat = [[0] * m.in_dim for _ in range(m.out_dim)]
    for r, c, v in m.entries:
        mat[r][c] = int(v)
    bias = m.bias_dict()
    return mat, [int(bias.get(r, 0)) for r in range(m.out_dim)]


class RNNModule(nn.Module):
    """forward(LongTensor (B, L)) → BoolTensor (B, L): ⟨t, h_p⟩ + c > 0 after every prefix p."""

    def __init__(self, rnn: ElmanRNN, dtype: torch.dtype = torch.float64, device: str | torch.device = "cpu"):
        super().__init__()
        dtype = parse_dtype(dtype)
        if dtype not in SUPPORTED:
            raise DtypeError(f"RNN backend supports float32, float64 and int64, not {dtype}")
        report = audit(rnn)
        check_exact(dtype, report.max_abs, report.integral, "RNN")
        self.dtype = dtype
        self.activation = rnn.activation
        self.alphabet = rnn.alphabet
        self.max_activation = rnn.max_activation
        w, _ = _dense(rnn.W)
        u, b = _dense(rnn.U)
        t, c = _dense(rnn.readout)
        d = rnn.units
        self.register_buffer("W", torch.tensor(w, dtype=dtype).reshape(d, d))
        table = torch.tensor(u, dtype=dtype).reshape(d, len(rnn.alphabet)).T + torch.tensor(b, dtype=dtype)
        self.register_buffer("table", table.contiguous())  # (|Σ|, D): U e(a) + b
        self.register_buffer("h0", torch.tensor([int(v) for v in rnn.h0], dtype=dtype).reshape(d))
        self.register_buffer("t", torch.tensor(t, dtype=dtype).reshape(d))
        self.register_buffer("c", torch.tensor(c, dtype=dtype).reshape(()))
        self.to(device)

    @property
    def device(self) -> torch.device:
        return self.W.device

    def _sigma(self, x: torch.Tensor) -> torch.Tensor:
        if self.activation == "relu":
            return x.clamp_min(0)
        if self.activation == "satlin":
            return x.clamp(0, 1)
        return (x > 0).to(x.dtype)

    def _chunk_float(self, cols: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """Floating dtypes: states as (B, D) rows, dense BLAS products."""
        h = self.h0.expand(cols.shape[1], -1)
        peak = torch.zeros((), dtype=self.dtype, device=self.device)
        for p in range(cols.shape[0]):
            h = self._sigma(h @ self.W.T + self.table.index_select(0, cols[p]))
            if self.activation == "relu":
                peak = torch.maximum(peak, h.max())
            out[p] = h @ self.t + self.c > 0
        return peak

    def _chunk_int(self, cols: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """Integer dtypes: states as (D, B) columns, one fused add per non-zero weight (integer
        matmul is slow on CPU and missing on CUDA; the weights read here are the buffers)."""
        w_nz = [(int(r), int(c), int(self.W[r, c])) for r, c in self.W.nonzero().tolist()]
        t_nz = [(int(c), int(self.t[c])) for (c,) in self.t.nonzero().tolist()]
        table_t = self.table.T.contiguous()
        h = self.h0.unsqueeze(1).expand(-1, cols.shape[1])
        peak = torch.zeros((), dtype=self.dtype, device=self.device)
        for p in range(cols.shape[0]):
            pre = table_t.index_select(1, cols[p])
            for r, c, v in w_nz:
                pre[r].add_(h[c], alpha=v)
            h = self._sigma(pre)
            if self.activation == "relu":
                peak = torch.maximum(peak, h.max())
            acc = self.c.expand(cols.shape[1]).clone()
            for c, v in t_nz:
                acc.add_(h[c], alpha=v)
            out[p] = acc > 0
        return peak

    def forward(self, words: torch.Tensor, chunk: int = 1 << 16) -> torch.Tensor:
        """Acceptance after every prefix; rows run ``chunk`` at a time (cache-sized blocks)."""
        run = self._chunk_float if self.dtype.is_floating_point else self._chunk_int
        return prefix_verdicts(words, len(self.alphabet), self.device, chunk, run,
                               self.max_activation if self.activation == "relu" else None)


def prefix_verdicts(words: torch.Tensor, sigma: int, device: torch.device, chunk: int, run,
                    max_activation: int | None) -> torch.Tensor:
    """The driver shared by the RNN modules: validate a (B, L) batch of symbol codes, run it ``chunk``
    rows at a time through ``run(cols, out) -> peak state value`` (which fills ``out``, shape (L, rows)),
    and refuse a run whose peak exceeds ``max_activation`` (the precision claim the audit relies on;
    None: no check). Returns (B, L) bool."""
    if words.dim() != 2:
        raise ParameterError(f"words must be a (B, L) LongTensor of symbol codes, got shape {tuple(words.shape)}")
    words = words.to(device, torch.long)
    n, length = words.shape
    out = torch.zeros(length, n, dtype=torch.bool, device=device)
    if words.numel() == 0:
        return out.T
    if int(words.min()) < 0 or int(words.max()) >= sigma:
        raise UnknownSymbolError(f"symbol code out of range 0..{sigma - 1}")
    cols = words.T.contiguous()
    peak = max(float(run(cols[:, lo : lo + chunk], out[:, lo : lo + chunk])) for lo in range(0, n, chunk))
    if max_activation is not None and peak > max_activation:
        raise DtypeError(f"a state coordinate reached {peak} > {max_activation}, beyond the network's "
                         f"precision claim the exactness audit relies on")
    return out.T


def to_torch(rnn: ElmanRNN, dtype: torch.dtype | str = torch.float64, device: str | torch.device = "cpu") -> RNNModule:
    """The exact PyTorch module of ``rnn`` (raises :class:`DtypeError` if ``dtype`` is not exact)."""
    return RNNModule(rnn, parse_dtype(dtype), device)
