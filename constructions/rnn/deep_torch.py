"""Executable PyTorch form of a :class:`DeepRNN` (feed-forward transition) — exact, CPU or CUDA.

``deep_to_torch(rnn, dtype, device)`` returns a :class:`DeepRNNModule`; ``forward`` maps a LongTensor
``(B, L)`` of symbol codes to a BoolTensor ``(B, L)`` (prefix acceptance), like
:mod:`constructions.rnn.torch_backend` does for Elman RNNs. Every layer's dense matrix and bias, ``h0``
and the readout are registered buffers.

Exactness (THEORY §1, no rounding): weights must be integral, and an interval (absolute-sum) audit
bounds every pre-activation and readout partial sum, assuming each state coordinate lies in
``0..2^k − 1`` (the ``precision_bits`` claim) or below ``|h0|``; the bound must lie within the dtype's
exact integer range (:func:`constructions.dtypes.check_exact`), else :class:`DtypeError`. When the last
layer is ReLU the claim is re-checked on every run (a larger state raises :class:`DtypeError`).
Floating dtypes use dense products (BLAS); int64 adds one column outer product per input coordinate
(integer matmul is missing on CUDA).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import torch
from torch import nn

from constructions.dtypes import parse_dtype
from constructions.exact import abs_bound
from constructions.rnn.deep import DeepRNN
from constructions.rnn.torch_backend import dense, exact_dtype, prefix_verdicts, sigma


@dataclass(frozen=True)
class DeepAudit:
    """Bounds behind the exactness check; ``max_abs`` bounds every value and partial sum."""

    integral: bool
    state_bound: Fraction
    layer_bounds: tuple[Fraction, ...]  # per layer: bound on every pre-activation (and partial sum)
    readout_bound: Fraction
    max_abs: Fraction


def audit(rnn: DeepRNN) -> DeepAudit:
    """Interval audit of one transition and of the readout, see the module docstring."""
    hb = max([Fraction(rnn.max_activation), *(abs(v) for v in rnn.h0)])
    xs = [hb] * rnn.units + [Fraction(1)] * len(rnn.alphabet)
    bounds = []
    for layer in rnn.layers:
        pre = abs_bound(layer.affine, xs)
        bounds.append(max([Fraction(0), *pre]))
        xs = pre if layer.activation == "relu" else [Fraction(1)] * len(pre)
    ro = max(abs_bound(rnn.readout, [hb] * rnn.units))
    return DeepAudit(rnn.is_integral(), hb, tuple(bounds), ro, max([hb, ro, *bounds]))


class DeepRNNModule(nn.Module):
    """forward(LongTensor (B, L)) → BoolTensor (B, L): readout(h_p) > 0 after every prefix p."""

    def __init__(self, rnn: DeepRNN, dtype: torch.dtype = torch.float64, device: str | torch.device = "cpu"):
        super().__init__()
        report = audit(rnn)
        dtype = exact_dtype(dtype, report.max_abs, report.integral, "DeepRNN")
        self.dtype = dtype
        self.alphabet = rnn.alphabet
        self.units = rnn.units
        self.activations = tuple(layer.activation for layer in rnn.layers)
        self.max_activation = rnn.max_activation
        for i, layer in enumerate(rnn.layers):
            mat, bias = dense(layer.affine, dtype)
            self.register_buffer(f"M{i}", mat)
            self.register_buffer(f"b{i}", bias)
        t, c = dense(rnn.readout, dtype)
        self.register_buffer("h0", torch.tensor([int(v) for v in rnn.h0], dtype=torch.int64).to(dtype))
        self.register_buffer("t", t.reshape(rnn.units))
        self.register_buffer("c", c.reshape(()))
        self.to(device)

    @property
    def device(self) -> torch.device:
        return self.h0.device

    def _layer(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return getattr(self, f"M{i}"), getattr(self, f"b{i}")

    def _affine(self, mat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``x @ mat.T`` for (B, n) rows: BLAS for floats, column outer products for int64."""
        if self.dtype.is_floating_point:
            return x @ mat.T
        out = torch.zeros((x.shape[0], mat.shape[0]), dtype=self.dtype, device=self.device)
        for c in range(mat.shape[1]):
            out += x[:, c : c + 1] * mat[:, c]
        return out

    def _chunk(self, cols: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        d = self.units
        h = self.h0.expand(cols.shape[1], -1)
        m0, b0 = self._layer(0)
        sym_table = (m0[:, d:].T + b0).contiguous()  # (|Σ|, H1): the one-hot part plus the bias
        peak = torch.zeros((), dtype=self.dtype, device=self.device)
        for p in range(cols.shape[0]):
            x = sigma(self._affine(m0[:, :d], h) + sym_table.index_select(0, cols[p]), self.activations[0])
            for i in range(1, len(self.activations)):
                mat, bias = self._layer(i)
                x = sigma(self._affine(mat, x) + bias, self.activations[i])
            h = x
            if self.activations[-1] == "relu" and h.numel():
                peak = torch.maximum(peak, h.max())
            out[p] = self._affine(self.t.reshape(1, -1), h).reshape(-1) + self.c > 0
        return peak

    def forward(self, words: torch.Tensor, chunk: int = 1 << 16) -> torch.Tensor:
        """Acceptance after every prefix; rows run ``chunk`` at a time."""
        return prefix_verdicts(words, len(self.alphabet), self.device, chunk, self._chunk, self.max_activation)


def deep_to_torch(rnn: DeepRNN, dtype: torch.dtype | str = torch.float64,
                  device: str | torch.device = "cpu") -> DeepRNNModule:
    """The exact PyTorch module of ``rnn`` (raises :class:`DtypeError` if ``dtype`` is not exact)."""
    return DeepRNNModule(rnn, parse_dtype(dtype), device)
