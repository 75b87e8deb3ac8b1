"""Symbolic Elman RNNs exactly as in THEORY §7, with exact semantics and size measures.

* State ``h_t ∈ Q^D``; ``h_0`` is given. For each symbol ``w_t``:
  ``h_t = σ(W h_{t−1} + U e(w_t) + b)`` with ``e`` the one-hot encoding of the symbol over the ordered
  alphabet. ``W`` is an :class:`Affine` ``D → D`` without bias; ``U`` is an :class:`Affine`
  ``|Σ| → D`` whose **bias is b** (the bias is folded into ``U``, so there is no separate field).
* ``σ`` is applied coordinate-wise: ``'relu'`` (max(x, 0)), ``'heaviside'`` (1 if x > 0 else 0) or
  ``'satlin'`` (min(max(x, 0), 1)).
* A non-empty word is accepted iff ``⟨t, h_L⟩ + c > 0``; ``readout`` is the :class:`Affine` ``D → 1``
  with bias ``c``. The empty word is never accepted.
* ``precision_bits`` is the ``k`` of THEORY §5 claimed by the construction: every coordinate of every
  reachable state takes at most ``2^k`` values. For an integral network (all three activations are
  non-negative) the claim is read as: every reachable coordinate is an integer in ``0..2^k − 1``;
  :meth:`ElmanRNN.check_precision` verifies it on given words, and the torch backend's exactness audit
  relies on it for ReLU networks (and re-checks it at run time).

Exact semantics run on ``numpy.int64`` when every weight is an integer (switching to Python integers
should a value ever approach the int64 range) and on :class:`fractions.Fraction` otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Iterator, Literal, Sequence

import numpy as np

from automata.alphabet import check_codes, decode_word, encode_word, show_word
from automata.errors import ParameterError, PrecisionError
from constructions.exact import ZERO_BITS, Affine, bit_length

Activation = Literal["relu", "heaviside", "satlin"]
ACTIVATIONS: tuple[str, ...] = ("relu", "heaviside", "satlin")
_INT_SAFE = 1 << 62  # keep int64 pre-activations below this (Python ints beyond)


@dataclass(frozen=True)
class RNNSize:
    """Size measures of an :class:`ElmanRNN` (THEORY §1's conventions, §5's state bits k·D).

    ``params`` counts the dense entries of W (D·D), U (D·|Σ|), b (D), h0 (D) and the readout (D + 1);
    ``total_bits`` is the bit length of that dense encoding (zeros included), ``max_bits`` the longest
    entry, ``state_bits`` = ``precision · units``.
    """

    units: int
    alphabet_size: int
    activation: str
    precision: int
    params: int
    nonzeros: int
    total_bits: int
    max_bits: int
    state_bits: int


def sigma(x: np.ndarray, activation: str) -> np.ndarray:
    """σ coordinate-wise on an int64 or object (Fraction / int) array."""
    if activation == "heaviside":
        return np.where(x > 0, 1, 0).astype(x.dtype)
    if x.dtype != object:
        return np.maximum(x, 0) if activation == "relu" else np.clip(x, 0, 1)
    zero = np.zeros_like(x)
    out = np.where(x > 0, x, zero)
    return np.where(out < 1, out, zero + 1) if activation == "satlin" else out


class RecurrentRuns:
    """Runs shared by the RNN models: a subclass supplies ``alphabet``, ``readout``, ``units``,
    ``_trajectory(codes)`` (the ``(D, B)`` state after each symbol)."""

    def _codes(self, words: np.ndarray) -> np.ndarray:
        return check_codes(words, self.alphabet)

    def _checked_alphabet(self) -> tuple[str, ...]:
        """The alphabet as a tuple; ParameterError if empty or with repeats."""
        alphabet = tuple(self.alphabet)
        if not alphabet or len(set(alphabet)) != len(alphabet):
            raise ParameterError(f"alphabet must be non-empty and without repeats, got {alphabet!r}")
        return alphabet

    def _checked_state(self, d: int) -> tuple[tuple[Fraction, ...], tuple[str, ...]]:
        """Validate the readout, h0, precision_bits and unit names against D = ``d``; h0 and the names."""
        if (self.readout.in_dim, self.readout.out_dim) != (d, 1):
            raise ParameterError(f"readout must map D={d} → 1, got {self.readout.in_dim}→{self.readout.out_dim}")
        h0 = tuple(Fraction(v) for v in self.h0)
        if len(h0) != d:
            raise ParameterError(f"h0 has {len(h0)} entries, expected D={d}")
        if isinstance(self.precision_bits, bool) or not isinstance(self.precision_bits, int) or self.precision_bits < 1:
            raise ParameterError(f"precision_bits must be a positive integer, got {self.precision_bits!r}")
        names = tuple(self.unit_names) or tuple(f"h{i}" for i in range(d))
        if len(names) != d:
            raise ParameterError(f"{len(names)} unit names for D={d} units")
        return h0, names

    def accepting(self, h: np.ndarray) -> np.ndarray:
        """``(B,)`` bool: ``⟨t, h⟩ + c > 0`` for a ``(D, B)`` state array."""
        c = self.readout.bias_dict().get(0, Fraction(0))
        integral = h.dtype != object
        if integral:  # the readout's sum may leave int64 even when the state does not: go to Python ints
            hm = int(np.abs(h).max()) if h.size else 0
            if abs(c) + sum(abs(v) for _, _, v in self.readout.entries) * max(hm, 1) >= _INT_SAFE:
                h, integral = h.astype(object), False
        acc = np.zeros(h.shape[1], dtype=h.dtype) + (int(c) if integral else c)
        for _, col, v in self.readout.entries:
            acc = acc + (int(v) if integral else v) * h[col]
        return np.asarray(acc > 0, dtype=bool)

    def run_prefixes(self, words: np.ndarray, chunk: int = 1 << 14) -> np.ndarray:
        """``(B, L)`` bool: column ``p − 1`` says whether the prefix ``w_1..w_p`` is accepted.

        Rows are processed ``chunk`` at a time (cache-sized blocks; the result does not depend on it).
        """
        w = self._codes(words)
        out = np.zeros(w.shape, dtype=bool)
        for lo in range(0, w.shape[0], chunk):
            for t, h in enumerate(self._trajectory(w[lo : lo + chunk])):
                out[lo : lo + chunk, t] = self.accepting(h)
        return out

    def run(self, words: np.ndarray) -> np.ndarray:
        """``(B,)`` bool acceptance of each row; ``L = 0`` (the empty word) is rejected."""
        w = self._codes(words)
        if w.shape[1] == 0:
            return np.zeros(w.shape[0], dtype=bool)
        return self.run_prefixes(w)[:, -1]

    def accepts(self, word: Sequence[str]) -> bool:
        """Whether a word (a sequence of symbols) is accepted; foreign symbols raise."""
        codes = encode_word(word, self.alphabet)
        return bool(len(codes) > 0 and self.run(codes[None, :])[0])

    def states(self, words: np.ndarray) -> np.ndarray:
        """``(B, L, D)`` array of ``h_1..h_L`` (int64 or object) — for small batches."""
        w = self._codes(words)
        hs = [h.T for h in self._trajectory(w)]
        if not hs:
            return np.zeros((w.shape[0], 0, self.units), dtype=np.int64)
        return np.stack(hs, axis=1)

    def check_precision(self, words: np.ndarray) -> None:
        """Raise :class:`PrecisionError` at the first (word, position, unit) outside the claimed range.

        Integral networks: every coordinate must be an integer in ``0..max_activation``. Otherwise:
        each coordinate may take at most ``2^k`` distinct values over the given runs.
        """
        w = self._codes(words)
        if self.is_integral():
            hi = self.max_activation
            for t, h in enumerate(self._trajectory(w)):
                bad = (h < 0) | (h > hi)
                if bad.any():
                    unit, row = (int(x[0]) for x in np.nonzero(bad))
                    word = show_word(decode_word(w[row, : t + 1], self.alphabet))
                    raise PrecisionError(
                        f"unit {self.unit_names[unit]} = {h[unit, row]} after {t + 1} symbols of word "
                        f"#{row} ({word}); precision_bits={self.precision_bits} allows 0..{hi}")
            return
        seen: list[set] = [set() for _ in range(self.units)]
        for h in self._trajectory(w):
            for unit in range(self.units):
                seen[unit].update(h[unit].tolist())
                if len(seen[unit]) > 1 << self.precision_bits:
                    raise PrecisionError(
                        f"unit {self.unit_names[unit]} takes more than 2^{self.precision_bits} values")


@dataclass(frozen=True)
class ElmanRNN(RecurrentRuns):
    """An Elman RNN ``(Σ, W, U (bias b), h0, σ, readout)``; see the module docstring."""

    alphabet: tuple[str, ...]
    W: Affine
    U: Affine
    h0: tuple[Fraction, ...]
    activation: Activation
    readout: Affine
    precision_bits: int = 1
    unit_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        alphabet = self._checked_alphabet()
        d = self.W.out_dim
        if self.W.in_dim != d:
            raise ParameterError(f"W must be square D→D, got {self.W.in_dim}→{self.W.out_dim}")
        if self.W.bias:
            raise ParameterError("W must have no bias; put b into U's bias")
        if (self.U.in_dim, self.U.out_dim) != (len(alphabet), d):
            raise ParameterError(
                f"U must map |Σ|={len(alphabet)} → D={d}, got {self.U.in_dim}→{self.U.out_dim}")
        if self.activation not in ACTIVATIONS:
            raise ParameterError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {self.activation!r}")
        h0, names = self._checked_state(d)
        object.__setattr__(self, "alphabet", alphabet)
        object.__setattr__(self, "h0", h0)
        object.__setattr__(self, "unit_names", names)

    # -- basic views ----------------------------------------------------------------------------
    @property
    def units(self) -> int:
        return self.W.out_dim

    def bias(self) -> tuple[Fraction, ...]:
        """The vector b (U's bias)."""
        b = self.U.bias_dict()
        return tuple(b.get(r, Fraction(0)) for r in range(self.units))

    def maps(self) -> tuple[Affine, ...]:
        return (self.W, self.U, self.readout)

    def is_integral(self) -> bool:
        return all(m.is_integral() for m in self.maps()) and all(v.denominator == 1 for v in self.h0)

    @property
    def max_activation(self) -> int:
        """The bound on every coordinate that ``precision_bits`` claims (integral networks)."""
        return 1 if self.activation != "relu" else (1 << self.precision_bits) - 1

    def size(self) -> RNNSize:
        d, k = self.units, len(self.alphabet)
        values = [v for m in self.maps() for v in m.values()] + [v for v in self.h0 if v != 0]
        params = d * d + d * k + d + d + (d + 1)
        nz = len(values)
        total = sum(bit_length(v) for v in values) + (params - nz) * ZERO_BITS
        return RNNSize(
            units=d,
            alphabet_size=k,
            activation=self.activation,
            precision=self.precision_bits,
            params=params,
            nonzeros=nz,
            total_bits=total,
            max_bits=max([ZERO_BITS, *(bit_length(v) for v in values)]),
            state_bits=self.precision_bits * d,
        )

    # -- exact semantics --------------------------------------------------------------------------
    def _tables(self, integral: bool):
        conv = int if integral else Fraction
        d, k = self.units, len(self.alphabet)
        dt = np.int64 if integral else object
        ut = np.zeros((d, k), dtype=dt) if integral else np.full((d, k), Fraction(0), dtype=object)
        b = self.U.bias_dict()
        for r in range(d):
            ut[r, :] = conv(b.get(r, 0))
        for r, c, v in self.U.entries:
            ut[r, c] += conv(v)
        w_entries = [(r, c, conv(v)) for r, c, v in self.W.entries]
        return ut, w_entries

    def initial_state(self, batch: int) -> np.ndarray:
        """``(D, B)`` array of ``h0`` (int64 for integral networks, Fractions otherwise)."""
        if self.is_integral():
            return np.repeat(np.array([int(v) for v in self.h0], dtype=np.int64)[:, None], batch, axis=1)
        return np.repeat(np.array(self.h0, dtype=object)[:, None], batch, axis=1)

    def step(self, h: np.ndarray, symbols: np.ndarray) -> np.ndarray:
        """One exact step on a ``(D, B)`` state array and ``(B,)`` symbol codes."""
        syms = self._codes(np.asarray(symbols).reshape(1, -1))[0]
        return self._step(h, syms, *self._cached_tables(h.dtype != object))

    def _cached_tables(self, integral: bool):
        key = "_tables_int" if integral else "_tables_obj"
        if key not in self.__dict__:
            ut, w = self._tables(integral)
            rows = [Fraction(0)] * self.units
            for r, _, v in self.W.entries:
                rows[r] += abs(v)
            wsum = max([Fraction(0), *rows])  # max_r Σ_c |W_rc|
            usum = int(np.abs(ut).max()) if integral and ut.size else 0
            object.__setattr__(self, key, (ut, w, wsum, usum))
        return self.__dict__[key]

    def _step(self, h: np.ndarray, syms: np.ndarray, ut, w_entries, wsum, usum) -> np.ndarray:
        if h.dtype != object:
            hm = int(np.abs(h).max()) if h.size else 0
            if wsum * hm + usum >= _INT_SAFE:  # leave int64 before anything could overflow
                h = h.astype(object)
        if h.dtype == object:
            pre = np.take(ut.astype(object), syms, axis=1)
            for r, c, v in w_entries:
                pre[r] += v * h[c]
            return sigma(pre, self.activation)
        pre = np.take(ut, syms, axis=1)
        for r, c, v in w_entries:
            if v == 1:
                pre[r] += h[c]
            elif v == -1:
                pre[r] -= h[c]
            else:
                pre[r] += v * h[c]
        if self.activation == "relu":
            return np.maximum(pre, 0, out=pre)
        if self.activation == "satlin":
            return np.clip(pre, 0, 1, out=pre)
        return (pre > 0).astype(np.int64)

    def _trajectory(self, words: np.ndarray) -> Iterator[np.ndarray]:
        w = self._codes(words)
        integral = self.is_integral()
        tables = self._cached_tables(integral)
        h = self.initial_state(w.shape[0])
        for t in range(w.shape[1]):
            h = self._step(h, w[:, t], *tables)
            yield h
