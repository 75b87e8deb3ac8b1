"""Unique-hard-attention transformers exactly as in [BCL] §2 (THEORY §1).

* Embedding ``emb: Σ → Q^D`` (no positional encodings), stored as an :class:`Affine` from the one-hot
  symbol to Q^D.
* :class:`AttentionLayer` of width R: affine ``A, B: Q^R → Q^R``, ``C: Q^R × Q^R → Q^S`` on the
  concatenation (v_n, a_n) — C *is* the residual; a mask and a tie-break. score(n, m) = ⟨A v_n, B v_m⟩;
  among unmasked positions of maximal score the leftmost/rightmost is attended; the attended vector is
  **zero** when no position is unmasked.
* :class:`ReLULayer`: ReLU on designated coordinates. [BCL]'s model has exactly one per layer
  (``UHAT.model == "paper"``); the packed variant applies several at once (``"packed"``), which is the
  equivalent feed-forward variant — layer counts always say which model they refer to.
* Acceptance: ⟨t, v⟩ > 0 at the last position (``accept_at="last"``) or the first.

All weights are exact rationals (:class:`fractions.Fraction` in sparse :class:`Affine` maps).

**Extensions for in-context retrieval** ([WDL] Thm 4.6; docs/tutorial.md §8) — the same model,
with every extension off by default (a [BCL] network uses none of them):

* ``positions``: an :class:`Affine` from the feature vector p(j) = (1, j, j², …, j^d) of the 0-based
  position j to Q^D, **added** to the embedding (v_j = emb(w_j) + P·p(j)); no bias.
* several heads per layer: ``extra_heads`` (:class:`Head`); C then reads (v_n, a_n¹, …, a_nᴴ), so
  ``C.in_dim = (1 + H)·R``.
* an attention ``mode`` per head: ``"hard"`` (argmax + tie-break, [BCL]'s UHA), ``"average"`` (the
  uniform average over the maximal set — average-hard attention) or ``"softmax"`` with an inverse
  temperature ``beta`` (weights ∝ exp(β·score)); the last two are only run in floating point and are
  certified by a proved error bound (:mod:`constructions.uhat.certified`).
* ``output``: logits over ``output_symbols`` read at the last position instead of an acceptance
  vector — the network *generates* an answer (argmax, unique by certificate).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal, Union

from automata.errors import ParameterError
from constructions.exact import ZERO_BITS, Affine

Mask = Literal["none", "j<i", "j>i", "j<=i", "j>=i"]
TieBreak = Literal["leftmost", "rightmost"]
AttentionMode = Literal["hard", "average", "softmax"]
MODES: tuple[str, ...] = ("hard", "average", "softmax")
MASKS: tuple[str, ...] = ("none", "j<i", "j>i", "j<=i", "j>=i")
TIEBREAKS: tuple[str, ...] = ("leftmost", "rightmost")


@dataclass(frozen=True)
class Head:
    """One attention head: score(n, m) = ⟨A v_n, B v_m⟩ over the positions its mask leaves.

    ``mode``: ``"hard"`` attends the maximal-score position picked by ``tiebreak``; ``"average"`` the
    uniform average over all maximal-score positions; ``"softmax"`` the average weighted by
    exp(``beta``·score). Every mode attends the zero vector when no position is unmasked."""

    A: Affine
    B: Affine
    mask: Mask
    tiebreak: TieBreak = "leftmost"
    mode: AttentionMode = "hard"
    beta: Fraction | None = None

    def __post_init__(self) -> None:
        if self.A.in_dim != self.B.in_dim or self.A.out_dim != self.B.out_dim:
            raise ValueError("head shapes do not fit: A, B: R→R'")
        if self.mode not in MODES:
            raise ValueError(f"unknown attention mode {self.mode!r}; choose {', '.join(MODES)}")
        if self.mask not in MASKS:
            raise ParameterError(f"unknown mask {self.mask!r}; choose {', '.join(MASKS)}")
        if self.tiebreak not in TIEBREAKS:
            raise ParameterError(f"unknown tie-break {self.tiebreak!r}; choose {' or '.join(TIEBREAKS)}")
        if (self.mode == "softmax") != (self.beta is not None):
            raise ValueError("a softmax head needs beta (and only a softmax head has one)")
        if self.beta is not None and Fraction(self.beta) <= 0:
            raise ValueError("beta must be positive")


@dataclass(frozen=True)
class AttentionLayer:
    A: Affine  # R -> R (query side)
    B: Affine  # R -> R (key side)
    C: Affine  # (1+H)R -> S on (v_n, a_n, a_n², …)
    mask: Mask
    tiebreak: TieBreak
    mode: AttentionMode = "hard"
    beta: Fraction | None = None
    extra_heads: tuple[Head, ...] = ()

    def __post_init__(self) -> None:
        r = self.A.in_dim
        if not (self.A.out_dim == self.B.out_dim and self.B.in_dim == r):
            raise ValueError("attention layer shapes do not fit: A, B: R→R', C: (1+H)R→S")
        if self.C.in_dim != (1 + self.n_heads) * r:
            raise ValueError(f"C must read (1 + {self.n_heads})·R = {(1 + self.n_heads) * r} inputs, reads {self.C.in_dim}")
        Head(self.A, self.B, self.mask, self.tiebreak, self.mode, self.beta)  # validates mode / beta
        if any(h.A.in_dim != r for h in self.extra_heads):
            raise ValueError("every head reads the layer's input width R")

    @property
    def n_heads(self) -> int:
        return 1 + len(self.extra_heads)

    @property
    def heads(self) -> tuple[Head, ...]:
        return (Head(self.A, self.B, self.mask, self.tiebreak, self.mode, self.beta), *self.extra_heads)

    @property
    def is_plain(self) -> bool:
        """One hard head: [BCL]'s UHA layer (what the Lemma 9 tooling handles)."""
        return not self.extra_heads and self.mode == "hard"

    @property
    def in_width(self) -> int:
        return self.A.in_dim

    @property
    def out_width(self) -> int:
        return self.C.out_dim

    @property
    def attends(self) -> bool:
        """False for a purely position-wise (affine) layer: C ignores the attended vector."""
        r = self.in_width
        return any(c >= r for _, c, _ in self.C.entries)

    def maps(self) -> tuple[Affine, ...]:
        return (self.A, self.B, self.C, *(m for h in self.extra_heads for m in (h.A, h.B)))


@dataclass(frozen=True)
class ReLULayer:
    width: int
    coords: tuple[int, ...]

    @property
    def in_width(self) -> int:
        return self.width

    @property
    def out_width(self) -> int:
        return self.width

    def maps(self) -> tuple[Affine, ...]:
        return ()


Layer = Union[AttentionLayer, ReLULayer]


@dataclass(frozen=True)
class UHATSize:
    """The size measures of THEORY §1; ``total_bits`` is |T|."""

    model: str
    uha_layers: int
    relu_layers: int
    relu_units: int
    max_width: int
    params: int  # dense entries of emb, every A, B, C (with biases) and t
    nonzeros: int
    max_bits: int
    total_bits: int
    heads: int = 1  # most heads in one attention layer
    table_params: int = 0  # dense entries of the per-symbol tables (embedding, output logits) — grow with |Σ|

    @property
    def layers(self) -> int:
        return self.uha_layers + self.relu_layers

    @property
    def core_params(self) -> int:
        """Parameters outside the per-symbol tables (constant in n for the retrieval constructions)."""
        return self.params - self.table_params


@dataclass(frozen=True)
class UHAT:
    alphabet: tuple[str, ...]
    embedding: Affine  # |Σ| -> D, column a = emb(a)
    layers: tuple[Layer, ...]
    accept: Affine | None  # D_final -> 1, no bias: accept iff ⟨t, v⟩ > 0 (None: a generator, see output)
    accept_at: Literal["last", "first"] = "last"
    model: Literal["paper", "packed"] = "paper"
    names: tuple[tuple[str, ...], ...] = field(default=(), compare=False, repr=False)
    # names[0]: coordinates after the embedding; names[k]: after layer k (for tracing), may be empty
    positions: Affine | None = None  # p(j) = (1, j, …, j^d) -> D, added to the embedding
    output: Affine | None = None  # D_final -> |output_symbols| logits at the last position
    output_symbols: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.embedding.in_dim != len(self.alphabet):
            raise ValueError("embedding must map the one-hot alphabet")
        width = self.embedding.out_dim
        if self.positions is not None and (self.positions.out_dim != width or self.positions.bias):
            raise ValueError("positions must map p(j) linearly to the embedding width")
        for k, layer in enumerate(self.layers):
            if layer.in_width != width:
                raise ValueError(f"layer {k + 1} expects width {layer.in_width}, gets {width}")
            if self.model == "paper" and isinstance(layer, ReLULayer) and len(layer.coords) != 1:
                raise ValueError(f"layer {k + 1}: the paper's model has one ReLU per layer")
            width = layer.out_width
        if (self.accept is None) == (self.output is None):
            raise ValueError("a network has an acceptance vector or an output read-out, exactly one")
        if self.accept is not None and (self.accept.in_dim != width or self.accept.out_dim != 1 or self.accept.bias):
            raise ValueError("acceptance vector must be a linear form on the final width")
        if self.output is not None and (self.output.in_dim != width or self.output.out_dim != len(self.output_symbols)):
            raise ValueError("output must map the final width to one logit per output symbol")

    @property
    def width_out(self) -> int:
        return self.layers[-1].out_width if self.layers else self.embedding.out_dim

    @property
    def is_plain(self) -> bool:
        """[BCL]'s model: no positions, one hard head per layer, an acceptance vector."""
        return (self.positions is None and self.output is None
                and all(layer.is_plain for layer in self.layers if isinstance(layer, AttentionLayer)))

    def require_plain(self, what: str) -> None:
        """Raise :class:`ParameterError` unless the network is in [BCL]'s model (``what`` needs it)."""
        if not self.is_plain:
            raise ParameterError(f"{what} handles [BCL]'s UHATs only (no positions, one hard head per layer, "
                                 "an acceptance vector); this network uses the retrieval extensions")

    def widths(self) -> list[int]:
        return [self.embedding.out_dim, *(layer.out_width for layer in self.layers)]

    def _maps(self) -> list[Affine]:
        maps = [self.embedding, self.accept if self.accept is not None else self.output]
        if self.positions is not None:
            maps.append(self.positions)
        for layer in self.layers:
            maps.extend(layer.maps())
        return maps

    def size(self) -> UHATSize:
        maps = self._maps()
        # the embedding, t and the position map carry no bias in the model: count only their matrices
        no_bias = self.embedding.out_dim + (1 if self.accept is not None else 0) + (self.positions.out_dim if self.positions else 0)
        params = sum(m.dense_entries for m in maps) - no_bias
        nonzeros = sum(m.nonzeros for m in maps)
        total_bits = sum(m.total_bits() for m in maps) - no_bias * ZERO_BITS
        max_bits = max(m.max_bits() for m in maps)
        relu = [layer for layer in self.layers if isinstance(layer, ReLULayer)]
        table = self.embedding.out_dim * self.embedding.in_dim
        if self.output is not None:
            table += self.output.out_dim * (self.output.in_dim + 1)
        return UHATSize(
            model=self.model,
            uha_layers=len(self.layers) - len(relu),
            relu_layers=len(relu),
            relu_units=sum(len(layer.coords) for layer in relu),
            max_width=max(self.widths()),
            params=params,
            nonzeros=nonzeros,
            max_bits=max_bits,
            total_bits=total_bits,
            heads=max([1, *(layer.n_heads for layer in self.layers if isinstance(layer, AttentionLayer))]),
            table_params=table if not self.is_plain else 0,
        )

    def is_integral(self) -> bool:
        return all(m.is_integral() for m in self._maps())


__all__ = [
    "MASKS",
    "TIEBREAKS",
    "AttentionLayer",
    "Head",
    "ReLULayer",
    "UHAT",
    "UHATSize",
    "Layer",
]
