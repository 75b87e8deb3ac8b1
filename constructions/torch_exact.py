"""PyTorch conventions shared by the compiled modules (UHAT, Elman RNN, DeepRNN): dtype and device
moves and batches of mixed lengths (docs/architecture.md, constructions/); their weights file is
:mod:`constructions.torch_io`.

**Moves** (:class:`ExactModule`). ``.to(dtype)``, ``.half()``, ``.float()``, ``.double()``, ``.type()``
and ``.bfloat16()`` all reach :meth:`torch.nn.Module._apply`; the override first learns the target
dtype and device by applying the same function to a probe tensor, then re-checks the module's
exactness proof for the new dtype (THEORY §1, [BCL] Prop 12: every value has polynomially many bits,
so an integer dtype or a float with a p-bit significand is exact when the audit's bound is ≤ its
exact range) — from the bounds the module stored when it was built (or loaded), never from the
symbolic network. A refused dtype raises :class:`~automata.errors.DtypeError` **before** any tensor
is touched, so the module is unchanged. Device moves (cpu, cuda[:K]) never change values.
``load_state_dict`` validates names, shapes and lossless casts first (typed errors), and a weight set
that fails the module's exactness proof is rolled back.

**Batches of mixed lengths** (Hugging Face style): ``lengths`` (B,) or ``attention_mask`` (B, L),
True/1 on the real symbols of each row — right padding only (a row's symbols are a prefix). Padded
positions may hold anything, conventionally :data:`PAD`; :func:`pad_words` builds both tensors.
"""
from __future__ import annotations

import hashlib
from fractions import Fraction
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import torch
from torch import nn

from automata.alphabet import is_iterable
from automata.errors import ArgumentError, DtypeError, ParameterError, SuccinctError, shown
from constructions.dtypes import parse_dtype

PAD = -1  # the conventional code of a padded position (any value there is ignored)


class ModelFileError(SuccinctError, ValueError):
    """A weights file is missing, truncated, corrupt, foreign or of an unsupported version."""


# ---- batches of mixed lengths -------------------------------------------------------------------


def pad_words(words: Sequence[Sequence[int]], pad: int = PAD) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad symbol-code sequences into ``(words (B, L) int64, lengths (B,) int64)``."""
    if isinstance(pad, bool) or not isinstance(pad, (int, np.integer)) or not -2**63 <= pad < 2**63:
        raise ArgumentError(f"pad_words: pad must be an int64 symbol code, got {shown(pad)}")
    if not is_iterable(words) or isinstance(words, (dict, set, frozenset)):
        raise ArgumentError(f"pad_words takes a sequence of words (sequences of int codes), got {shown(words)}")
    if isinstance(words, (str, bytes)) or any(isinstance(w, (str, bytes)) for w in words):
        raise ParameterError("pad_words takes sequences of symbol codes, not strings: encode each word with "
                             "automata.alphabet.encode_word(word, alphabet) first")
    if not all(is_iterable(w) for w in words):
        raise ArgumentError("pad_words takes a sequence of words, each a sequence of int codes")
    rows = [list(w) for w in words]
    if any(isinstance(x, bool) or not isinstance(x, (int, np.integer)) or not -2**63 <= x < 2**63
           for w in rows for x in w):
        raise ParameterError("pad_words takes integer symbol codes")
    if not rows or any(len(w) == 0 for w in rows):
        raise ParameterError("pad_words needs at least one word, and every word at least one symbol")
    length = max(len(w) for w in rows)
    out = torch.full((len(rows), length), pad, dtype=torch.long)
    for b, w in enumerate(rows):
        out[b, : len(w)] = torch.as_tensor(w, dtype=torch.long)
    return out, torch.tensor([len(w) for w in rows], dtype=torch.long)


def resolve_lengths(words: torch.Tensor, lengths: object = None, attention_mask: object = None) -> torch.Tensor | None:
    """The validated (B,) int64 lengths (each 1..L) given by ``lengths`` or a right-padded
    ``attention_mask`` (B, L); None when neither is given. Typed errors otherwise."""
    if lengths is None and attention_mask is None:
        return None
    if lengths is not None and attention_mask is not None:
        raise ParameterError("give lengths or attention_mask, not both")
    n, length = words.shape
    if attention_mask is not None:
        mask = _tensor(attention_mask, "attention_mask")
        if tuple(mask.shape) != (n, length) or mask.dtype.is_floating_point or mask.dtype.is_complex:
            raise ParameterError(f"attention_mask must be a ({n}, {length}) bool or 0/1 integer tensor, "
                                 f"got {tuple(mask.shape)} {mask.dtype}")
        if bool(((mask != 0) & (mask != 1)).any()):
            raise ParameterError("attention_mask holds values other than 0/1")
        mask = mask.to("cpu", torch.bool)
        lens = mask.sum(1)
        if not torch.equal(mask, torch.arange(length)[None, :] < lens[:, None]):
            raise ParameterError("attention_mask must mark a prefix of every row (right padding only)")
    else:
        lens = _tensor(lengths, "lengths")
        if lens.dtype.is_floating_point or lens.dtype.is_complex or lens.dtype == torch.bool:
            raise ParameterError(f"lengths must be integers, got {lens.dtype}")
        if tuple(lens.shape) != (n,):
            raise ParameterError(f"lengths must have shape ({n},), got {tuple(lens.shape)}")
        lens = lens.to("cpu", torch.long)
    if bool((lens < 1).any()) or bool((lens > length).any()):
        raise ParameterError(f"every length must lie in 1..{length} (no empty words)")
    return lens


def _tensor(value: object, what: str) -> torch.Tensor:
    """``torch.as_tensor(value)``, :class:`ParameterError` for what cannot be one (a str, ragged lists)."""
    if isinstance(value, (str, bytes)):
        raise ArgumentError(f"{what} must be a tensor of integers, got {shown(value)}")
    try:
        return torch.as_tensor(value)
    except (TypeError, ValueError, RuntimeError, OverflowError):
        raise ParameterError(f"{what} must be a tensor of integers, got {shown(value)}") from None


def valid_positions(lengths: torch.Tensor, length: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """(B, L) bool: position i of row b is a real symbol (i < lengths[b])."""
    return torch.arange(length, device=device)[None, :] < lengths.to(device)[:, None]


# ---- the base class: moves and state dicts --------------------------------------------------------


class ExactModule(nn.Module):
    """A compiled network whose exactness proof follows every dtype move and weight change.

    Subclasses set ``self.dtype`` and implement :meth:`_check_dtype` (raise unless the stored proof
    covers a dtype), :meth:`_after_apply` (after a move), :meth:`_weights_changed` (re-prove after new
    weights), :meth:`file_parts` and :meth:`from_file`."""

    dtype: torch.dtype
    kind: str = ""

    @property
    def device(self) -> torch.device:
        return next(self.buffers()).device

    def _check_dtype(self, dtype: torch.dtype) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _after_apply(self) -> None:
        """Called after a successful move (the buffers are converted)."""

    def _weights_changed(self) -> None:
        """Called after new weights were loaded; re-proves exactness (raises a SuccinctError if not)."""

    def to(self, *args: Any, **kwargs: Any):  # type: ignore[override]
        """``nn.Module.to``, with a :class:`ParameterError` for arguments torch cannot read (a bad device or
        dtype name, a wrong type) instead of torch's RuntimeError/TypeError."""
        try:
            dtype = torch._C._nn._parse_to(*args, **kwargs)[1]
        except (RuntimeError, TypeError, ValueError) as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise ParameterError(f"to: cannot read the arguments {shown(args)} ({first[:120]})") from None
        if dtype is not None and not (dtype.is_floating_point or dtype.is_complex):
            raise DtypeError(f"to: a module moves to floating point dtypes only, got {dtype}")
        return super().to(*args, **kwargs)

    def _apply(self, fn: Callable[[torch.Tensor], torch.Tensor], recurse: bool = True):
        if "dtype" not in self.__dict__:  # still being built
            return super()._apply(fn, recurse)
        probe = fn(torch.zeros((), dtype=self.dtype, device=self.device))
        if probe.device.type not in ("cpu", "cuda"):
            raise ParameterError(f"device {probe.device} is not supported; use cpu or cuda[:K]")
        new = probe.dtype
        if new != self.dtype:
            new = parse_dtype(new)  # DtypeError for dtypes no exactness bound exists for
            self._check_dtype(new)  # DtypeError before anything is converted: the module is unchanged
        out = super()._apply(fn, recurse)
        self.dtype = new
        self._after_apply()
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False):
        """:meth:`torch.nn.Module.load_state_dict` with typed errors: unknown or missing names, shapes,
        and values the module's dtype does not hold exactly are refused before anything is copied; new
        weights outside the module's exactness proof are rolled back (and the error raised)."""
        own = self.state_dict()
        if not isinstance(state_dict, Mapping):
            raise ParameterError(f"state_dict must be a mapping, got {type(state_dict).__name__}")
        missing, extra = sorted(set(own) - set(state_dict)), sorted(set(state_dict) - set(own))
        if strict and (missing or extra):
            raise ParameterError(f"state_dict does not fit: missing {missing[:3]}, unexpected {extra[:3]}")
        for name, value in state_dict.items():
            if name not in own:
                continue
            if not isinstance(value, torch.Tensor) or value.layout not in (torch.strided, torch.sparse_coo):
                raise ParameterError(f"state_dict[{name!r}] must be a dense or sparse COO tensor")
            if value.shape != own[name].shape:
                raise ParameterError(f"state_dict[{name!r}] has shape {tuple(value.shape)}, the module "
                                     f"needs {tuple(own[name].shape)}")
            if not lossless(value, own[name].dtype):
                raise DtypeError(f"state_dict[{name!r}] holds values {own[name].dtype} does not represent exactly")
        layout = {k: v.layout for k, v in own.items()}
        state_dict = {k: (v.to_sparse() if layout.get(k) == torch.sparse_coo and v.layout == torch.strided else
                          v.to_dense() if layout.get(k) == torch.strided and v.layout != torch.strided else v)
                      for k, v in state_dict.items()}
        before = {k: v.clone() for k, v in own.items()}
        out = super().load_state_dict(state_dict, strict, assign)
        try:
            self._weights_changed()
        except SuccinctError:
            super().load_state_dict(before, True, assign)
            self._weights_changed()
            raise
        return out

    def file_parts(self) -> tuple[dict, dict[str, torch.Tensor]]:  # pragma: no cover - abstract
        """(JSON-able metadata, tensors) of the weights file."""
        raise NotImplementedError

    @classmethod
    def from_file(cls, meta: dict, tensors: dict[str, torch.Tensor], dtype: torch.dtype,
                  device: str | torch.device, fast: bool) -> "ExactModule":  # pragma: no cover - abstract
        raise NotImplementedError


def lossless(value: torch.Tensor, dtype: torch.dtype) -> bool:
    """Whether every entry of ``value`` (dense or sparse COO) survives a cast to ``dtype`` (and back) unchanged."""
    if value.layout == torch.sparse_coo:
        value = value.coalesce().values()
    if value.numel() == 0 or value.dtype == dtype:
        return True
    if dtype == torch.bool:
        return bool(((value == 0) | (value == 1)).all())
    if value.dtype.is_floating_point and not dtype.is_floating_point:
        if not bool(torch.isfinite(value).all()) or not bool((value == value.round()).all()):
            return False
        limit = float(torch.iinfo(dtype).max)
        if float(value.abs().max()) >= limit:
            return False
    elif not value.dtype.is_floating_point and dtype.is_floating_point and value.dtype != torch.bool:
        top = int(value.abs().max())
        if top >= 2**63 - 1 or (dtype != torch.float64 and float(top) >= float(torch.finfo(dtype).max)):
            return False
    return bool(torch.equal(value.to(dtype).to(value.dtype), value))


def digest(tensors: Mapping[str, torch.Tensor], meta: str = "") -> str:
    """SHA-256 over ``meta`` (the file's metadata text: masks, tie-breaks, alphabet, …) and the sorted
    names, dtypes, shapes and bytes of ``tensors``."""
    h = hashlib.sha256()
    h.update(f"{len(meta)}|{meta}|".encode())
    for name in sorted(tensors):
        t = tensors[name].detach().to("cpu")
        h.update(f"{name}|{t.dtype}|{t.layout}|{tuple(t.shape)}|".encode())
        if t.layout == torch.sparse_coo:
            t = t.coalesce()
            h.update(t.indices().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
            t = t.values()
        h.update(t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def field(meta: Mapping, name: str, kind: type | tuple[type, ...], where: object = "metadata") -> Any:
    """``meta[name]`` if it has type ``kind`` (bool is never an int here), else :class:`ModelFileError`."""
    value = meta.get(name) if isinstance(meta, Mapping) else None
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise ModelFileError(f"{where}: field {name!r} is missing or not {'/'.join(k.__name__ for k in kinds)}")
    return value


def fraction(text: object, where: object = "metadata") -> Fraction:
    """A Fraction written as ``"p/q"`` or ``"p"`` in the metadata."""
    if not isinstance(text, str) or len(text) > 4096:
        raise ModelFileError(f"{where}: a number must be a string 'p/q'")
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise ModelFileError(f"{where}: {text[:40]!r} is not a number") from None


__all__ = ["PAD", "ExactModule", "ModelFileError", "digest", "field", "fraction", "lossless", "pad_words",
           "resolve_lengths", "valid_positions"]
