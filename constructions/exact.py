"""Exact sparse affine maps with rational entries, shared by UHATs and RNNs.

Networks compiled by Lemma 9 have 10^5..10^6 entries, far too many for sympy matrices, so weights are
stored sparsely as :class:`fractions.Fraction`; :meth:`Affine.to_sympy` gives the symbolic view for
small maps (LaTeX, teaching).

>>> m = Affine.build(2, 2, {(0, 0): 1, (1, 0): -1}, {1: 1})   # x -> (x0, 1 - x0)
>>> m.apply([Fraction(1), Fraction(0)])
(Fraction(1, 1), Fraction(0, 1))
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Iterable, Mapping, Sequence

import numpy as np

Number = int | Fraction


def bit_length(x: Fraction) -> int:
    """Bits of one rational entry: sign + numerator (at least one bit) + denominator.

    The convention of THEORY §1: numerator plus denominator bits, with one sign bit.
    """
    x = Fraction(x)
    return 1 + max(1, abs(x.numerator).bit_length()) + x.denominator.bit_length()


ZERO_BITS = bit_length(Fraction(0))


@dataclass(frozen=True)
class Affine:
    """x ↦ M x + b with M of shape (out_dim, in_dim); entries and bias hold only non-zeros."""

    in_dim: int
    out_dim: int
    entries: tuple[tuple[int, int, Fraction], ...]
    bias: tuple[tuple[int, Fraction], ...] = ()

    @staticmethod
    def build(
        in_dim: int,
        out_dim: int,
        entries: Mapping[tuple[int, int], Number],
        bias: Mapping[int, Number] | None = None,
    ) -> "Affine":
        ent = tuple(
            sorted((r, c, Fraction(v)) for (r, c), v in entries.items() if Fraction(v) != 0)
        )
        bs = tuple(sorted((r, Fraction(v)) for r, v in (bias or {}).items() if Fraction(v) != 0))
        for r, c, _ in ent:
            if not (0 <= r < out_dim and 0 <= c < in_dim):
                raise IndexError(f"entry ({r},{c}) outside {out_dim}x{in_dim}")
        for r, _ in bs:
            if not 0 <= r < out_dim:
                raise IndexError(f"bias row {r} outside {out_dim}")
        return Affine(in_dim, out_dim, ent, bs)

    @staticmethod
    def zero(in_dim: int, out_dim: int) -> "Affine":
        return Affine(in_dim, out_dim, (), ())

    # -- measures ---------------------------------------------------------------------------
    @property
    def dense_entries(self) -> int:
        """Entries of the dense matrix and bias vector."""
        return self.out_dim * self.in_dim + self.out_dim

    @property
    def nonzeros(self) -> int:
        return len(self.entries) + len(self.bias)

    def values(self) -> Iterable[Fraction]:
        for _, _, v in self.entries:
            yield v
        for _, v in self.bias:
            yield v

    def total_bits(self) -> int:
        """Bit length of the dense encoding (zeros included)."""
        nz = sum(bit_length(v) for v in self.values())
        return nz + (self.dense_entries - self.nonzeros) * ZERO_BITS

    def max_bits(self) -> int:
        return max([ZERO_BITS, *(bit_length(v) for v in self.values())])

    def is_integral(self) -> bool:
        return all(v.denominator == 1 for v in self.values())

    # -- views ------------------------------------------------------------------------------
    def rows(self) -> dict[int, dict[int, Fraction]]:
        out: dict[int, dict[int, Fraction]] = {}
        for r, c, v in self.entries:
            out.setdefault(r, {})[c] = v
        return out

    def bias_dict(self) -> dict[int, Fraction]:
        return dict(self.bias)

    def to_dense(self) -> tuple[np.ndarray, np.ndarray]:
        """Dense (object-dtype Fraction) matrix and bias; for small maps only."""
        m = np.full((self.out_dim, self.in_dim), Fraction(0), dtype=object)
        b = np.full(self.out_dim, Fraction(0), dtype=object)
        for r, c, v in self.entries:
            m[r, c] = v
        for r, v in self.bias:
            b[r] = v
        return m, b

    def to_sympy(self):
        """(M, b) as sympy Rational matrices — for printing and LaTeX of small maps."""
        import sympy

        m = sympy.zeros(self.out_dim, self.in_dim)
        b = sympy.zeros(self.out_dim, 1)
        for r, c, v in self.entries:
            m[r, c] = sympy.Rational(v.numerator, v.denominator)
        for r, v in self.bias:
            b[r, 0] = sympy.Rational(v.numerator, v.denominator)
        return m, b

    def apply(self, x: Sequence[Number]) -> tuple[Fraction, ...]:
        """Exact evaluation on one vector."""
        out = [Fraction(0)] * self.out_dim
        for r, v in self.bias:
            out[r] += v
        for r, c, v in self.entries:
            out[r] += v * x[c]
        return tuple(out)

    def with_entry(self, row: int, col: int | None, value: Number) -> "Affine":
        """A copy with one matrix entry (or, with ``col=None``, one bias entry) replaced."""
        if col is None:
            b = self.bias_dict()
            b[row] = Fraction(value)
            return Affine.build(self.in_dim, self.out_dim, {(r, c): v for r, c, v in self.entries}, b)
        e = {(r, c): v for r, c, v in self.entries}
        e[(row, col)] = Fraction(value)
        return Affine.build(self.in_dim, self.out_dim, e, self.bias_dict())


def abs_bound(m: Affine, in_bounds: Sequence[Fraction]) -> list[Fraction]:
    """Per output row, Σ|w|·bound + |b|: bounds every partial sum of the row's evaluation."""
    out = [abs(v) for v in (m.bias_dict().get(r, Fraction(0)) for r in range(m.out_dim))]
    for r, c, v in m.entries:
        out[r] += abs(v) * in_bounds[c]
    return out


def _decimals(x: float | Fraction, places: int, up: bool) -> str:
    scaled = Fraction(x) * 10**places  # exact: Fraction(float) is the float's own value
    whole = math.ceil(scaled) if up else math.floor(scaled)
    return f"{Decimal(whole).scaleb(-places):,.{places}f}"


def down2(x: float | Fraction, places: int = 2) -> str:
    """``x`` to ``places`` decimals rounded **down**, exactly: a printed lower bound is still a lower bound."""
    return _decimals(x, places, up=False)


def up2(x: float | Fraction, places: int = 2) -> str:
    """``x`` to ``places`` decimals rounded **up**, exactly: a printed least admissible value (a certified
    softmax β) is still admissible."""
    return _decimals(x, places, up=True)
