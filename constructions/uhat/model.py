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
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union

from constructions.exact import ZERO_BITS, Affine

Mask = Literal["none", "j<i", "j>i", "j<=i", "j>=i"]
TieBreak = Literal["leftmost", "rightmost"]


@dataclass(frozen=True)
class AttentionLayer:
    A: Affine  # R -> R (query side)
    B: Affine  # R -> R (key side)
    C: Affine  # 2R -> S on (v_n, a_n)
    mask: Mask
    tiebreak: TieBreak

    def __post_init__(self) -> None:
        r = self.A.in_dim
        if not (self.A.out_dim == self.B.out_dim and self.B.in_dim == r and self.C.in_dim == 2 * r):
            raise ValueError("attention layer shapes do not fit: A, B: R→R', C: 2R→S")

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
        return (self.A, self.B, self.C)


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

    @property
    def layers(self) -> int:
        return self.uha_layers + self.relu_layers


@dataclass(frozen=True)
class UHAT:
    alphabet: tuple[str, ...]
    embedding: Affine  # |Σ| -> D, column a = emb(a)
    layers: tuple[Layer, ...]
    accept: Affine  # D_final -> 1, no bias: accept iff ⟨t, v⟩ > 0
    accept_at: Literal["last", "first"] = "last"
    model: Literal["paper", "packed"] = "paper"
    names: tuple[tuple[str, ...], ...] = field(default=(), compare=False, repr=False)
    # names[0]: coordinates after the embedding; names[k]: after layer k (for tracing), may be empty

    def __post_init__(self) -> None:
        if self.embedding.in_dim != len(self.alphabet):
            raise ValueError("embedding must map the one-hot alphabet")
        width = self.embedding.out_dim
        for k, layer in enumerate(self.layers):
            if layer.in_width != width:
                raise ValueError(f"layer {k + 1} expects width {layer.in_width}, gets {width}")
            if self.model == "paper" and isinstance(layer, ReLULayer) and len(layer.coords) != 1:
                raise ValueError(f"layer {k + 1}: the paper's model has one ReLU per layer")
            width = layer.out_width
        if self.accept.in_dim != width or self.accept.out_dim != 1 or self.accept.bias:
            raise ValueError("acceptance vector must be a linear form on the final width")

    @property
    def width_out(self) -> int:
        return self.accept.in_dim

    def widths(self) -> list[int]:
        return [self.embedding.out_dim, *(layer.out_width for layer in self.layers)]

    def size(self) -> UHATSize:
        maps = [self.embedding, self.accept]
        for layer in self.layers:
            maps.extend(layer.maps())
        # the embedding and t carry no bias in the model: count only their matrices
        params = sum(m.dense_entries for m in maps) - self.embedding.out_dim - 1
        nonzeros = sum(m.nonzeros for m in maps)
        total_bits = sum(m.total_bits() for m in maps) - (self.embedding.out_dim + 1) * ZERO_BITS
        max_bits = max(m.max_bits() for m in maps)
        relu = [layer for layer in self.layers if isinstance(layer, ReLULayer)]
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
        )

    def is_integral(self) -> bool:
        maps = [self.embedding, self.accept]
        for layer in self.layers:
            maps.extend(layer.maps())
        return all(m.is_integral() for m in maps)


__all__ = [
    "AttentionLayer",
    "ReLULayer",
    "UHAT",
    "UHATSize",
    "Layer",
]
