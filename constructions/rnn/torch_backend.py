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


def dense(m: Affine, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """The integral map ``m`` as a dense (out, in) matrix and an (out,) bias, in ``dtype``."""
    mat = torch.zeros((m.out_dim, m.in_dim), dtype=torch.int64)
    for r, c, v in m.entries:
        mat[r, c] = int(v)
    bias = torch.zeros(m.out_dim, dtype=torch.int64)
    for r, v in m.bias:
        bias[r] = int(v)
    return mat.to(dtype), bias.to(dtype)


def exact_dtype(dtype: torch.dtype | str, max_abs: Fraction, integral: bool, what: str) -> torch.dtype:
    """``dtype`` parsed, one of :data:`SUPPORTED`, and proved exact for values up to ``max_abs``
    (:func:`constructions.dtypes.check_exact`); else :class:`DtypeError` naming ``what``."""
    dtype = parse_dtype(dtype)
    if dtype not in SUPPORTED:
        raise DtypeError(f"{what} backend supports float32, float64 and int64, not {dtype}")
    check_exact(dtype, max_abs, integral, what)
    return dtype


def sigma(x: torch.Tensor, activation: str) -> torch.Tensor:
    """The activation (relu, satlin or heaviside) on a tensor, in its dtype."""
    if activation == "relu":
        return x.clamp_min(0)
    if activation == "satlin":
        return x.clamp(0, 1)
    return (x > 0).to(x.dtype)


class RNNModule(nn.Module):
    """forward(LongTensor (B, L)) → BoolTensor (B, L): ⟨t, h_p⟩ + c > 0 after every prefix p."""

    def __init__(self, rnn: ElmanRNN, dtype: torch.dtype = torch.float64, device: str | torch.device = "cpu"):
        super().__init__()
        report = audit(rnn)
        dtype = exact_dtype(dtype, report.max_abs, report.integral, "RNN")
        self.dtype = dtype
        self.activation = rnn.activation
        self.alphabet = rnn.alphabet
        self.max_activation = rnn.max_activation
        w, _ = dense(rnn.W, dtype)
        u, b = dense(rnn.U, dtype)
        t, c = dense(rnn.readout, dtype)
        d = rnn.units
        self.register_buffer("W", w)
        self.register_buffer("table", (u.T + b).contiguous())  # (|Σ|, D): U e(a) + b
        self.register_buffer("h0", torch.tensor([int(v) for v in rnn.h0], dtype=torch.int64).to(dtype).reshape(d))
        self.register_buffer("t", t.reshape(d))
        self.register_buffer("c", c.reshape(()))
        self.to(device)

    @property
    def device(self) -> torch.device:
        return self.W.device

    def _sigma(self, x: torch.Tensor) -> torch.Tensor:
        return sigma(x, self.activation)

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
