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

PyTorch conventions (:mod:`constructions.torch_io`): the audit's bound is stored in the module, so
``.to(dtype)`` / ``.half()`` / ``.float()`` / ``.double()`` / ``.type()`` re-check it and either convert
or raise :class:`DtypeError` leaving the module unchanged; changed weights (in place or by
``load_state_dict``) are re-audited from the tensors (:func:`tensor_bound`) before the next run;
``forward(words, lengths=…)`` / ``attention_mask=…`` runs a batch of mixed lengths (a padded step
leaves the state unchanged, padded positions read False); :func:`constructions.torch_io.save` /
``load`` write and read the module without the symbolic network.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import torch

from automata.errors import DtypeError, ParameterError
from constructions.dtypes import parse_device, parse_dtype
from constructions.exact import abs_bound
from constructions.rnn.model import ElmanRNN
from constructions.rnn.deep import DeepRNN
from constructions.rnn.deep_torch import deep_to_torch
from constructions.rnn.torch_common import (AuditedRecurrent, dense, exact_dtype, integral, ints, last_verdicts,
                                            prefix_verdicts, sigma)
from constructions.torch_exact import ExactModule, field, fraction, lossless

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


class RNNModule(AuditedRecurrent):
    """forward(LongTensor (B, L)) → BoolTensor (B, L): ⟨t, h_p⟩ + c > 0 after every prefix p."""

    kind = "rnn"
    NAMES = ("W", "table", "h0", "t", "c")

    def __init__(self, rnn: ElmanRNN, dtype: torch.dtype = torch.float64, device: str | torch.device = "cpu"):
        super().__init__()
        report = audit(rnn)
        dtype = exact_dtype(dtype, report.max_abs, report.integral, "RNN")
        w, _ = dense(rnn.W, torch.int64)
        u, b = dense(rnn.U, torch.int64)
        t, c = dense(rnn.readout, torch.int64)
        d = rnn.units
        tensors = {"W": w, "table": (u.T + b).contiguous(), "h0": torch.tensor([int(v) for v in rnn.h0],
                   dtype=torch.int64).reshape(d), "t": t.reshape(d), "c": c.reshape(())}
        self._setup(tensors, rnn.alphabet, rnn.activation, rnn.max_activation, report.max_abs, dtype,
                    parse_device(device))

    def _setup(self, tensors: dict[str, torch.Tensor], alphabet, activation: str, max_activation: int,
               bound: Fraction, dtype: torch.dtype, device: torch.device) -> None:
        self.activation = activation
        self.alphabet = tuple(alphabet)
        self.max_activation = max_activation
        self.bound = bound  # the proved bound on every value and partial sum
        for name in self.NAMES:
            if not lossless(tensors[name], dtype):
                raise DtypeError(f"RNN: {name} holds values {dtype} does not represent exactly")
            self.register_buffer(name, tensors[name].to(dtype))
        self.dtype = dtype
        self._seen = self._key()
        self.to(device)

    @classmethod
    def from_file(cls, meta: dict, tensors: dict[str, torch.Tensor], dtype: torch.dtype,
                  device: str | torch.device, fast: bool) -> "RNNModule":
        """The module of a weights file: shapes checked, the bound re-derived from the tensors."""
        alphabet, activation = field(meta, "alphabet", list), field(meta, "activation", str)
        max_activation = field(meta, "max_activation", int)
        stored = fraction(field(meta, "audit", dict).get("max_abs"))
        d = tensors["W"].shape[0]
        shapes = {"W": (d, d), "table": (len(alphabet), d), "h0": (d,), "t": (d,), "c": ()}
        if set(tensors) != set(shapes) or any(tuple(tensors[k].shape) != v for k, v in shapes.items()):
            raise ParameterError("the RNN tensors have the wrong names or shapes")
        if activation not in ("relu", "satlin", "heaviside") or not all(isinstance(a, str) for a in alphabet):
            raise ParameterError("bad activation or alphabet")
        integral, bound = tensor_bound(tensors["W"], tensors["table"], tensors["h0"], tensors["t"], tensors["c"],
                                       max_activation)
        if not integral or bound > stored:
            raise ParameterError(f"the stored bound {stored} does not cover the tensors ({bound})")
        exact_dtype(dtype, stored, True, "RNN")
        module = cls.__new__(cls)
        ExactModule.__init__(module)
        module._setup(tensors, alphabet, activation, max_activation, stored, dtype, parse_device(device))
        return module

    def file_parts(self) -> tuple[dict, dict[str, torch.Tensor]]:
        self._sync()
        return ({"alphabet": list(self.alphabet), "activation": self.activation, "max_activation": self.max_activation,
                 "audit": {"integral": True, "max_abs": str(self.bound)}}, self.state_dict())

    def _tensor_bound(self) -> tuple[bool, Fraction]:
        return tensor_bound(self.W, self.table, self.h0, self.t, self.c, self.max_activation)

    @property
    def device(self) -> torch.device:
        return self.W.device

    def _sigma(self, x: torch.Tensor) -> torch.Tensor:
        return sigma(x, self.activation)

    def _chunk_float(self, cols: torch.Tensor, out: torch.Tensor, valid: torch.Tensor | None = None) -> torch.Tensor:
        """Floating dtypes: states as (B, D) rows, dense BLAS products; a padded step keeps the state."""
        h = self.h0.expand(cols.shape[1], -1)
        peak = torch.zeros((), dtype=self.dtype, device=self.device)
        for p in range(cols.shape[0]):
            new = self._sigma(h @ self.W.T + self.table.index_select(0, cols[p]))
            h = new if valid is None else torch.where(valid[p][:, None], new, h)
            if self.activation == "relu":
                peak = torch.maximum(peak, h.max())
            out[p] = h @ self.t + self.c > 0
        return peak

    def _chunk_int(self, cols: torch.Tensor, out: torch.Tensor, valid: torch.Tensor | None = None) -> torch.Tensor:
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
            h = self._sigma(pre) if valid is None else torch.where(valid[p][None, :], self._sigma(pre), h)
            if self.activation == "relu":
                peak = torch.maximum(peak, h.max())
            acc = self.c.expand(cols.shape[1]).clone()
            for c, v in t_nz:
                acc.add_(h[c], alpha=v)
            out[p] = acc > 0
        return peak

    def forward(self, words: torch.Tensor, chunk: int = 1 << 16, *, lengths=None, attention_mask=None) -> torch.Tensor:
        """Acceptance after every prefix; rows run ``chunk`` at a time (cache-sized blocks). With
        ``lengths`` / ``attention_mask`` padded positions read False and never change the state."""
        self._sync()
        run = self._chunk_float if self.dtype.is_floating_point else self._chunk_int
        return prefix_verdicts(words, len(self.alphabet), self.device, chunk, run,
                               self.max_activation if self.activation == "relu" else None, lengths, attention_mask)

    def accepts(self, words: torch.Tensor, *, lengths=None, attention_mask=None) -> torch.Tensor:
        """(B,) bool: each word's verdict after its own last symbol."""
        return last_verdicts(self.forward(words, lengths=lengths, attention_mask=attention_mask), words, lengths,
                             attention_mask)


def tensor_bound(w: torch.Tensor, table: torch.Tensor, h0: torch.Tensor, t: torch.Tensor, c: torch.Tensor,
                 max_activation: int) -> tuple[bool, Fraction]:
    """(integral, bound) of the computation the module performs, from its tensors, in exact integers:
    with hb = max(max_activation, |h0|), every pre-activation partial sum is ≤ Σ_c |W_rc|·hb + max_a
    |table_ar| and the read-out's ≤ Σ_c |t_c|·hb + |c| (the module adds the table row to W·h)."""
    tensors = (w, table, h0, t, c)
    if not all(integral(x) for x in tensors):
        return False, Fraction(0)
    hb = max([max_activation, *(abs(v) for v in ints(h0))])
    table_max = [max((abs(v) for v in col), default=0) for col in zip(*ints(table))] or [0] * w.shape[0]
    pre = [sum(abs(x) for x in row) * hb + m for row, m in zip(ints(w), table_max)]
    ro = sum(abs(x) for x in ints(t)) * hb + abs(int(ints(c)))
    return True, Fraction(max([hb, ro, *pre]))


def to_torch(rnn: ElmanRNN, dtype: torch.dtype | str = torch.float64, device: str | torch.device = "cpu") -> RNNModule:
    """The exact PyTorch module of ``rnn`` (raises :class:`DtypeError` if ``dtype`` is not exact); a
    :class:`~constructions.rnn.deep.DeepRNN` gets its own module (:func:`~constructions.rnn.deep_torch.deep_to_torch`)."""
    if isinstance(rnn, DeepRNN):
        return deep_to_torch(rnn, dtype, device)  # type: ignore[return-value]
    if not isinstance(rnn, ElmanRNN):
        from automata.errors import ArgumentError

        raise ArgumentError(f"to_torch needs an ElmanRNN (or a DeepRNN), got {type(rnn).__name__}")
    return RNNModule(rnn, parse_dtype(dtype), device)
