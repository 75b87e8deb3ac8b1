"""RNNs whose transition is a small exact feed-forward network (THEORY §7; [BCL] §2.4).

[BCL] §2.4 defines an RNN as a tuple ``(Σ, g, h0, f)`` with an *arbitrary* transition
``g : Q^D × Σ → Q^D`` run at a fixed precision of ``k`` bits per state coordinate; its lower bounds
are on the state bits ``k·D`` only. A single threshold/ReLU layer cannot compute a DFA step from an
``O(√m)``-unit encoding (the next row/column indicator is an OR of ANDs), which is why the compact
constructions of Horne & Hush (1996) and Indyk (1995) use a depth-2 transition. :class:`DeepRNN`
is that model:

* the state is ``h_t ∈ Q^D``, with ``h_0`` given;
* the transition is a tuple of layers ``(A_1, σ_1), …, (A_n, σ_n)``: layer 1 reads the concatenation
  ``(h_{t−1}, e(w_t))`` (``e`` = one-hot over the ordered alphabet, so ``A_1`` maps ``D + |Σ|`` inputs),
  layer ``i > 1`` reads the output of layer ``i − 1``, and layer ``n``'s output (width ``D``) is
  ``h_t``. Each ``σ_i`` is ``'relu'``, ``'heaviside'`` (1 iff x > 0) or ``'satlin'``, coordinate-wise;
* a non-empty word is accepted iff ``readout(h_L) > 0`` (``readout`` an :class:`Affine` ``D → 1``);
  the empty word is never accepted;
* ``precision_bits = k``: every coordinate of every reachable state takes at most ``2^k`` values
  (for integral networks: is an integer in ``0..2^k − 1``); :meth:`DeepRNN.check_precision` checks it.

**Sizes** (:meth:`DeepRNN.size`): state units ``D``; hidden units ``Σ_{i<n} width(A_i)``; ``params``
= the dense entries of every ``A_i`` (matrix and bias) + ``D`` (``h0``) + ``D + 1`` (readout);
``state_bits = k·D``; ``total_bits`` is the dense encoding's bit length (THEORY §1's convention).

Exact semantics are batched over words, on ``numpy.int64`` when every weight and ``h0`` is an integer
(falling back to Python integers before any value could leave the int64 range) and on
:class:`fractions.Fraction` otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Iterator

import numpy as np

from automata.alphabet import check_codes
from automata.errors import ParameterError
from constructions.exact import ZERO_BITS, Affine, bit_length
from constructions.rnn.model import RecurrentRuns, sigma

ACTIVATIONS: tuple[str, ...] = ("relu", "heaviside", "satlin")
_INT_SAFE = 1 << 62
_FLOAT_EXACT = 1 << 53  # integers below this are exact in float64, as are their sums below it


@dataclass(frozen=True)
class Layer:
    """One transition layer: ``x ↦ σ(A x)`` with ``A`` an exact :class:`Affine` (bias included)."""

    affine: Affine
    activation: str

    def __post_init__(self) -> None:
        if not isinstance(self.affine, Affine):
            raise ParameterError(f"a layer needs an Affine map, got {type(self.affine).__name__}")
        if self.activation not in ACTIVATIONS:
            raise ParameterError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {self.activation!r}")


@dataclass(frozen=True)
class DeepRNNSize:
    """Size measures of a :class:`DeepRNN` (THEORY §1 conventions; ``state_bits = k·D`` as in §5)."""

    state_units: int
    hidden_units: int
    depth: int
    alphabet_size: int
    precision: int
    params: int
    nonzeros: int
    total_bits: int
    max_bits: int
    state_bits: int

    @property
    def units(self) -> int:
        """The state units D (what the lower bounds on k·D count), as in :class:`~constructions.rnn.model.RNNSize`."""
        return self.state_units


@dataclass(frozen=True)
class _Dense:
    """A layer's dense tables (int64 or Fraction), float64 copies of integral ones, and the bounds
    ``max_r Σ_c |M_rc|`` and ``max_r |b_r|`` that decide which arithmetic is exact."""

    matrix: np.ndarray
    bias: np.ndarray
    row_abs: Fraction
    bias_abs: Fraction
    matrix_f: np.ndarray | None = None
    bias_f: np.ndarray | None = None


def _dense(affine: Affine, integral: bool) -> _Dense:
    m, b = affine.to_dense()
    mf = bf = None
    if integral and any(abs(v) >= _INT_SAFE for v in affine.values()):  # huge weights: Python ints
        m = np.array([[int(v) for v in row] for row in m], dtype=object).reshape(affine.out_dim, affine.in_dim)
        b = np.array([int(v) for v in b], dtype=object)
    elif integral:
        m = np.array([[int(v) for v in row] for row in m], dtype=np.int64).reshape(affine.out_dim, affine.in_dim)
        b = np.array([int(v) for v in b], dtype=np.int64)
        mf, bf = m.astype(np.float64), b.astype(np.float64).reshape(-1, 1)
    rows = [Fraction(0)] * affine.out_dim
    for r, _, v in affine.entries:
        rows[r] += abs(v)
    return _Dense(m, b.reshape(-1, 1), max([Fraction(0), *rows]),
                  max([Fraction(0), *(abs(v) for _, v in affine.bias)]), mf, bf)


@dataclass(frozen=True)
class DeepRNN(RecurrentRuns):
    """An RNN ``(Σ, layers, h0, readout)`` with a feed-forward transition; see the module docstring."""

    alphabet: tuple[str, ...]
    layers: tuple[Layer, ...]
    h0: tuple[Fraction, ...]
    readout: Affine
    precision_bits: int = 1
    unit_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        alphabet = self._checked_alphabet()
        layers = tuple(self.layers)
        if not layers or not all(isinstance(layer, Layer) for layer in layers):
            raise ParameterError("the transition needs at least one Layer (and only Layer objects)")
        d = layers[-1].affine.out_dim
        expected = d + len(alphabet)
        for i, layer in enumerate(layers):
            if layer.affine.in_dim != expected:
                what = f"(h, e(w)) of width D + |Σ| = {d} + {len(alphabet)}" if i == 0 else f"layer {i}'s output"
                raise ParameterError(f"layer {i + 1} reads {layer.affine.in_dim} inputs, but {what} has {expected}")
            expected = layer.affine.out_dim
        h0, names = self._checked_state(d)
        object.__setattr__(self, "alphabet", alphabet)
        object.__setattr__(self, "layers", layers)
        object.__setattr__(self, "h0", h0)
        object.__setattr__(self, "unit_names", names)

    # -- views and sizes ------------------------------------------------------------------------
    @property
    def units(self) -> int:
        """The number ``D`` of state units."""
        return self.layers[-1].affine.out_dim

    @property
    def hidden_widths(self) -> tuple[int, ...]:
        return tuple(layer.affine.out_dim for layer in self.layers[:-1])

    def maps(self) -> tuple[Affine, ...]:
        return (*(layer.affine for layer in self.layers), self.readout)

    def is_integral(self) -> bool:
        """Whether every weight and ``h0`` entry is an integer (then runs use int64 / Python ints)."""
        if "_integral" not in self.__dict__:
            value = all(m.is_integral() for m in self.maps()) and all(v.denominator == 1 for v in self.h0)
            object.__setattr__(self, "_integral", value)
        return self.__dict__["_integral"]

    @property
    def max_activation(self) -> int:
        """The bound on every state coordinate that ``precision_bits`` claims (integral networks)."""
        return (1 << self.precision_bits) - 1

    def size(self) -> DeepRNNSize:
        d = self.units
        values = [v for m in self.maps() for v in m.values()] + [v for v in self.h0 if v != 0]
        params = sum(layer.affine.dense_entries for layer in self.layers) + d + (d + 1)
        nz = len(values)
        return DeepRNNSize(
            state_units=d,
            hidden_units=sum(self.hidden_widths),
            depth=len(self.layers),
            alphabet_size=len(self.alphabet),
            precision=self.precision_bits,
            params=params,
            nonzeros=nz,
            total_bits=sum(bit_length(v) for v in values) + (params - nz) * ZERO_BITS,
            max_bits=max([ZERO_BITS, *(bit_length(v) for v in values)]),
            state_bits=self.precision_bits * d,
        )

    # -- exact semantics --------------------------------------------------------------------------
    def _tables(self, integral: bool) -> tuple[_Dense, ...]:
        key = "_dense_int" if integral else "_dense_obj"
        if key not in self.__dict__:
            object.__setattr__(self, key, tuple(_dense(layer.affine, integral) for layer in self.layers))
        return self.__dict__[key]

    def initial_state(self, batch: int) -> np.ndarray:
        """``(D, B)`` array of ``h0`` (int64 for integral networks, Fractions otherwise)."""
        if self.is_integral() and all(abs(v) < _INT_SAFE for v in self.h0):
            col = np.array([int(v) for v in self.h0], dtype=np.int64)
        elif self.is_integral():
            col = np.array([int(v) for v in self.h0], dtype=object)
        else:
            col = np.array(self.h0, dtype=object)
        return np.repeat(col.reshape(-1, 1), batch, axis=1)

    def _step(self, h: np.ndarray, syms: np.ndarray) -> np.ndarray:
        """One exact transition on a ``(D, B)`` state array and ``(B,)`` symbol codes.

        Integral layers multiply in float64 (BLAS) while ``Σ_c |M_rc|·max|x| + |b| < 2^53``, so every
        partial sum is an integer that float64 holds exactly; in int64 below ``2^62``; on Python
        integers beyond. Fraction networks compute on Fractions throughout.
        """
        d = self.units
        x = h
        for i, (layer, dense) in enumerate(zip(self.layers, self._tables(self.is_integral()))):
            m, b = dense.matrix, dense.bias
            if x.dtype != object:
                hm = int(np.abs(x).max()) if x.size else 0
                bound = dense.row_abs * max(hm, 1) + dense.bias_abs
                if bound < _FLOAT_EXACT and dense.matrix_f is not None:
                    m, b = dense.matrix_f, dense.bias_f
                    x = x.astype(np.float64)
                elif bound + 1 >= _INT_SAFE:
                    x = x.astype(object)
            if x.dtype == object and m.dtype != object:  # left int64 earlier: compute on Python ints
                m, b = m.astype(object), b.astype(object)
            pre = m[:, :d] @ x + m[:, d + syms] + b if i == 0 else m @ x + b
            if pre.dtype == np.float64:
                pre = pre.astype(np.int64)
            x = sigma(pre, layer.activation)
        return x

    def step(self, h: np.ndarray, symbols: np.ndarray) -> np.ndarray:
        """One exact step on a ``(D, B)`` state array and ``(B,)`` symbol codes (validated)."""
        syms = check_codes(np.asarray(symbols).reshape(1, -1), self.alphabet)[0]
        h = np.asarray(h)
        if h.ndim != 2 or h.shape != (self.units, syms.size):
            raise ParameterError(f"state must have shape (D={self.units}, B={syms.size}), got {h.shape}")
        return self._step(h, syms)

    def _trajectory(self, words: np.ndarray) -> Iterator[np.ndarray]:
        w = check_codes(words, self.alphabet)
        h = self.initial_state(w.shape[0])
        for t in range(w.shape[1]):
            h = self._step(h, w[:, t])
            yield h
