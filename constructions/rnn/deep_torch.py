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

PyTorch conventions as for :class:`~constructions.rnn.torch_backend.RNNModule`: dtype moves re-check
the stored bound (or raise :class:`DtypeError`, module unchanged), changed weights are re-audited from
the tensors (:func:`deep_tensor_bound`, the same formula as :func:`audit`), ``lengths`` /
``attention_mask`` run mixed lengths, and :mod:`constructions.torch_io` saves and loads the module.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import torch

from automata.errors import DtypeError, ParameterError
from constructions.dtypes import parse_device, parse_dtype
from constructions.exact import abs_bound
from constructions.rnn.deep import ACTIVATIONS, DeepRNN
from constructions.rnn.torch_common import AuditedRecurrent, dense, exact_dtype, integral, ints, last_verdicts, prefix_verdicts, sigma
from constructions.torch_exact import ExactModule, field, fraction, lossless


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


class DeepRNNModule(AuditedRecurrent):
    """forward(LongTensor (B, L)) → BoolTensor (B, L): readout(h_p) > 0 after every prefix p."""

    kind = "deep_rnn"
    label = "DeepRNN"

    def __init__(self, rnn: DeepRNN, dtype: torch.dtype = torch.float64, device: str | torch.device = "cpu"):
        super().__init__()
        report = audit(rnn)
        dtype = exact_dtype(dtype, report.max_abs, report.integral, "DeepRNN")
        tensors = {}
        for i, layer in enumerate(rnn.layers):
            tensors[f"M{i}"], tensors[f"b{i}"] = dense(layer.affine, torch.int64)
        t, c = dense(rnn.readout, torch.int64)
        tensors.update({"h0": torch.tensor([int(v) for v in rnn.h0], dtype=torch.int64), "t": t.reshape(rnn.units),
                        "c": c.reshape(())})
        self._setup(tensors, rnn.alphabet, rnn.units, tuple(layer.activation for layer in rnn.layers),
                    rnn.max_activation, report.max_abs, dtype, parse_device(device))

    def _setup(self, tensors: dict[str, torch.Tensor], alphabet, units: int, activations: tuple[str, ...],
               max_activation: int, bound: Fraction, dtype: torch.dtype, device: torch.device) -> None:
        self.alphabet = tuple(alphabet)
        self.units = units
        self.activations = activations
        self.max_activation = max_activation
        self.bound = bound
        names = [n for i in range(len(activations)) for n in (f"M{i}", f"b{i}")] + ["h0", "t", "c"]
        for name in names:
            if not lossless(tensors[name], dtype):
                raise DtypeError(f"DeepRNN: {name} holds values {dtype} does not represent exactly")
            self.register_buffer(name, tensors[name].to(dtype))
        self.dtype = dtype
        self._seen = self._key()
        self.to(device)

    @classmethod
    def from_file(cls, meta: dict, tensors: dict[str, torch.Tensor], dtype: torch.dtype,
                  device: str | torch.device, fast: bool) -> "DeepRNNModule":
        """The module of a weights file: shapes checked, the bound re-derived from the tensors."""
        alphabet, units = field(meta, "alphabet", list), field(meta, "units", int)
        activations = tuple(field(meta, "activations", list))
        max_activation = field(meta, "max_activation", int)
        stored = fraction(field(meta, "audit", dict).get("max_abs"))
        if not activations or not all(a in ACTIVATIONS for a in activations) or not all(
                isinstance(a, str) for a in alphabet):
            raise ParameterError("bad activations or alphabet")
        width = units + len(alphabet)
        shapes = {}
        for i in range(len(activations)):
            rows = tensors[f"M{i}"].shape[0] if i + 1 < len(activations) else units
            shapes[f"M{i}"], shapes[f"b{i}"], width = (rows, width), (rows,), rows
        shapes.update({"h0": (units,), "t": (units,), "c": ()})
        if set(tensors) != set(shapes) or any(tuple(tensors[k].shape) != v for k, v in shapes.items()):
            raise ParameterError("the DeepRNN tensors have the wrong names or shapes")
        is_integral, bound = deep_tensor_bound(tensors, activations, len(alphabet), max_activation)
        if not is_integral or bound > stored:
            raise ParameterError(f"the stored bound {stored} does not cover the tensors ({bound})")
        exact_dtype(dtype, stored, True, "DeepRNN")
        module = cls.__new__(cls)
        ExactModule.__init__(module)
        module._setup(tensors, alphabet, units, activations, max_activation, stored, dtype, parse_device(device))
        return module

    def file_parts(self) -> tuple[dict, dict[str, torch.Tensor]]:
        self._sync()
        return ({"alphabet": list(self.alphabet), "units": self.units, "activations": list(self.activations),
                 "max_activation": self.max_activation, "audit": {"integral": True, "max_abs": str(self.bound)}},
                self.state_dict())

    def _tensor_bound(self) -> tuple[bool, Fraction]:
        return deep_tensor_bound(dict(self._buffers), self.activations, len(self.alphabet), self.max_activation)

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

    def _chunk(self, cols: torch.Tensor, out: torch.Tensor, valid: torch.Tensor | None = None) -> torch.Tensor:
        """One block of rows (see :func:`prefix_verdicts`); a padded step (``valid`` False) keeps the state."""
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
            h = x if valid is None else torch.where(valid[p][:, None], x, h)
            if self.activations[-1] == "relu" and h.numel():
                peak = torch.maximum(peak, h.max())
            out[p] = self._affine(self.t.reshape(1, -1), h).reshape(-1) + self.c > 0
        return peak

    def forward(self, words: torch.Tensor, chunk: int = 1 << 16, *, lengths=None, attention_mask=None) -> torch.Tensor:
        """Acceptance after every prefix; rows run ``chunk`` at a time. With ``lengths`` /
        ``attention_mask`` padded positions read False and never change the state."""
        self._sync()
        return prefix_verdicts(words, len(self.alphabet), self.device, chunk, self._chunk, self.max_activation,
                               lengths, attention_mask)

    def accepts(self, words: torch.Tensor, *, lengths=None, attention_mask=None) -> torch.Tensor:
        """(B,) bool: each word's verdict after its own last symbol."""
        return last_verdicts(self.forward(words, lengths=lengths, attention_mask=attention_mask), words, lengths,
                             attention_mask)


def deep_tensor_bound(tensors: dict[str, torch.Tensor], activations: tuple[str, ...], sigma_size: int,
                      max_activation: int) -> tuple[bool, Fraction]:
    """(integral, bound) from the tensors, in exact integers — :func:`audit`'s formula: per layer
    Σ_c |M_rc|·x_c + |b_r| with x = (hb, …, hb, 1, …, 1) for layer 0, then the previous bounds (ReLU) or
    1; the read-out Σ|t|·hb + |c|; hb = max(max_activation, |h0|)."""
    if not all(integral(x) for x in tensors.values()):
        return False, Fraction(0)
    units = tensors["h0"].shape[0]
    hb = max([max_activation, *(abs(v) for v in ints(tensors["h0"]))])
    xs = [hb] * units + [1] * sigma_size
    bounds = []
    for i, act in enumerate(activations):
        pre = [sum(abs(w) * x for w, x in zip(row, xs)) + abs(b)
               for row, b in zip(ints(tensors[f"M{i}"]), ints(tensors[f"b{i}"]))]
        bounds.append(max([0, *pre]))
        xs = pre if act == "relu" else [1] * len(pre)
    ro = sum(abs(x) for x in ints(tensors["t"])) * hb + abs(ints(tensors["c"]))
    return True, Fraction(max([hb, ro, *bounds]))


def deep_to_torch(rnn: DeepRNN, dtype: torch.dtype | str = torch.float64,
                  device: str | torch.device = "cpu") -> DeepRNNModule:
    """The exact PyTorch module of ``rnn`` (raises :class:`DtypeError` if ``dtype`` is not exact)."""
    return DeepRNNModule(rnn, parse_dtype(dtype), device)
