"""What the exact recurrent PyTorch modules share: the Elman module (:mod:`constructions.rnn.torch_backend`)
and the stacked one (:mod:`constructions.rnn.deep_torch`) — dense integral weights, the proved-exact
dtype, the activations, the re-audit on changed buffers, and the batch driver with its precision check.
"""
from __future__ import annotations

from fractions import Fraction

import torch

from automata.errors import DtypeError, ParameterError, UnknownSymbolError
from constructions.dtypes import check_exact, parse_dtype
from constructions.exact import Affine
from constructions.torch_exact import ExactModule, lossless, resolve_lengths, valid_positions

SUPPORTED = (torch.float32, torch.float64, torch.int64)


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


class AuditedRecurrent(ExactModule):
    """The exactness bookkeeping the recurrent modules share: the bound proved for the current tensors is
    re-derived (:meth:`_tensor_bound`) whenever a buffer changed, and every dtype move is checked against
    it and against the buffers' own values."""

    label = "RNN"

    def _tensor_bound(self) -> tuple[bool, Fraction]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _key(self) -> tuple:
        return tuple((id(b), b._version) for b in self._buffers.values())

    def _sync(self) -> None:
        """Re-audit the tensors if a weight changed since the last proof (DtypeError if it fails)."""
        if self._key() == self._seen:
            return
        integral, bound = self._tensor_bound()
        check_exact(self.dtype, bound, integral, f"{self.label} (changed weights)")
        self.bound, self._seen = bound, self._key()

    def _weights_changed(self) -> None:
        self._sync()

    def _check_dtype(self, dtype: torch.dtype) -> None:
        self._sync()
        exact_dtype(dtype, self.bound, True, self.label)
        for name, buf in self._buffers.items():
            if not lossless(buf, dtype):
                raise DtypeError(f"{self.label}: {name} holds values {dtype} does not represent exactly")

    def _after_apply(self) -> None:
        self._seen = self._key()


def integral(x: torch.Tensor) -> bool:
    x = x.detach()
    return not x.dtype.is_floating_point or bool((torch.isfinite(x) & (x == x.round())).all())


def ints(x: torch.Tensor):
    """Exact Python integers of an integral tensor (nested lists, or one int for a scalar)."""
    x = x.detach().cpu()
    if x.dim() == 0:
        return int(x.item())
    if x.dim() == 1:
        return [int(v) for v in x.tolist()]
    return [[int(v) for v in row] for row in x.tolist()]


def last_verdicts(out: torch.Tensor, words: torch.Tensor, lengths, attention_mask) -> torch.Tensor:
    """(B,) the prefix verdicts ``out`` (B, L) read at each word's own last position."""
    lens = resolve_lengths(words, lengths, attention_mask)
    last = torch.full((out.shape[0],), out.shape[1] - 1, dtype=torch.long) if lens is None else lens - 1
    return out[torch.arange(out.shape[0], device=out.device), last.to(out.device)]


def prefix_verdicts(words: torch.Tensor, sigma: int, device: torch.device, chunk: int, run,
                    max_activation: int | None, lengths=None, attention_mask=None) -> torch.Tensor:
    """The driver shared by the RNN modules: validate a (B, L) batch of symbol codes, run it ``chunk``
    rows at a time through ``run(cols, out, valid) -> peak state value`` (which fills ``out``, shape
    (L, rows); ``valid`` (L, rows) or None: a padded step keeps the state), and refuse a run whose peak
    exceeds ``max_activation`` (the precision claim the audit relies on; None: no check). With
    ``lengths`` / ``attention_mask`` (:func:`constructions.torch_exact.resolve_lengths`) only the real
    positions must hold symbols, and padded positions read False. Returns (B, L) bool."""
    if not isinstance(words, torch.Tensor) or words.dim() != 2:
        raise ParameterError(f"words must be a (B, L) LongTensor of symbol codes, got "
                             f"{tuple(words.shape) if isinstance(words, torch.Tensor) else type(words).__name__}")
    if words.dtype.is_floating_point or words.dtype.is_complex or words.dtype == torch.bool:
        raise ParameterError(f"symbol codes must be integers, got {words.dtype}")
    words = words.to(device, torch.long)
    n, length = words.shape
    out = torch.zeros(length, n, dtype=torch.bool, device=device)
    if words.numel() == 0:
        return out.T
    lens = resolve_lengths(words, lengths, attention_mask)
    valid = None if lens is None else valid_positions(lens, length, device)
    if valid is not None:
        words = torch.where(valid, words, torch.zeros_like(words))
    if int(words.min()) < 0 or int(words.max()) >= sigma:
        raise UnknownSymbolError(f"symbol code out of range 0..{sigma - 1}")
    cols = words.T.contiguous()
    vcols = None if valid is None else valid.T.contiguous()
    peak = max(float(run(cols[:, lo: lo + chunk], out[:, lo: lo + chunk],
                         None if vcols is None else vcols[:, lo: lo + chunk])) for lo in range(0, n, chunk))
    if max_activation is not None and peak > max_activation:
        raise DtypeError(f"a state coordinate reached {peak} > {max_activation}, beyond the network's "
                         f"precision claim the exactness audit relies on")
    return out.T if valid is None else out.T & valid


__all__ = ["SUPPORTED", "AuditedRecurrent", "dense", "exact_dtype", "integral", "ints", "last_verdicts",
           "prefix_verdicts", "sigma"]
