"""Closed forms for the compiled size of the tiling witness's UHAT ([BCL] Lemma 8 + Lemma 9, THEORY §5).

The program is :func:`constructions.library.tiling_brasp.tiling_program` on the 17-tile witness
:func:`tasks.tiling_witness.counter_witness` (width ``2^N``), compiled by
:func:`constructions.uhat.lemma9.compile_lemma9`. The formulas below were found by exact interpolation
(sympy, rational arithmetic) on N = 2..8 and are checked against the built networks for other N
(``tests/constructions/test_tiling_sizes.py``: N = 2..4, 9 and 12, the slow N ≤ 16 check with -m slow);
they are **valid for N ≥ 2** (N = 1 differs by the ``[N≥2]`` terms of
:func:`constructions.library.tiling_brasp.tiling_program_size`: B_+1's increment degenerates) —
:func:`paper_size` refuses N < 2.

Paper-faithful network (one ReLU per layer; ``s`` = strict borders):

* ReLU layers = binary ∧ gates = ``3N² + 23N + 804`` (strict), ``3N² + 21N + 793`` (as stated); the
  ``3N²`` is B_+1's increment formula (``6N² − 2N`` nodes), the linear terms are the N-bit ``eq``/``Z``/``O``
  tests (D_⊥, E_↓, B_1→0, C) and the A/B bit chains; the constant is E's τ² = 289 tile-pair matchings;
* UHA layers = ``6N² + 58N + 1557`` (strict), ``6N² + 55N + 1525`` (as stated): every ∧ also has its
  affine layer, plus ¬/constant layers and one attention layer per attention op (3N + τ + 12 of them);
* width = ``max(14N + 380, 6N² + 2N + 27)`` (strict; ``14N + 379`` as stated): the persistent
  predicates plus one operation's temporaries — an E matching disjunction for N ≤ 8, B_+1's increment
  (Θ(N²) temporaries) from N = 9 on;
* params (dense entries) = a degree-6 polynomial (:data:`PAPER_PARAMS`): Θ(N²) layers of width Θ(N²)
  with dense ``(w+1)·w`` maps, leading term ``288 N⁶``;
* non-zeros = ``18N⁴ + 12N³ + 463N² + 11473N + 196859`` (strict): the copies of all live predicates
  through each of Θ(N²) layers over width Θ(N²) ⇒ Θ(N⁴);
* every weight is in {−1, 0, 1} (max bits 3 = the bits of 0), so total bits ``|T| = 3·params``.

Packed network: ``3N + 35`` UHA and ``3N + 35`` ReLU layers (all N ≥ 1), ReLU units ``17N + 301``
(strict; ``17N + 296`` as stated), width ``2N + 174`` (``2N + 172``). Its params / non-zeros / bits
depend on the ASAP schedule and on the bit length of thresholds like ``N + 1`` (``max_bits`` steps at
N = 7, 15): no polynomial fits, so they are measured on the built network (< 1 s for N ≤ 16);
:func:`packed_partial` gives the closed-form part.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from automata.errors import ParameterError
from constructions.uhat.model import UHATSize

VARIANTS = ("strict", "as-stated")
Poly = tuple[Fraction, ...]  # ascending coefficients


def _p(*cs: int | str) -> Poly:
    return tuple(Fraction(c) for c in cs)


PAPER_UHA: dict[str, Poly] = {"strict": _p(1557, 58, 6), "as-stated": _p(1525, 55, 6)}
PAPER_RELU: dict[str, Poly] = {"strict": _p(804, 23, 3), "as-stated": _p(793, 21, 3)}
PAPER_WIDTH_LINEAR: dict[str, Poly] = {"strict": _p(380, 14), "as-stated": _p(379, 14)}
PAPER_WIDTH_QUADRATIC: Poly = _p(27, 2, 6)
PAPER_PARAMS: dict[str, Poly] = {
    "strict": _p(166333864, "37924049/3", 459594, "34960/3", 4074, 288, 288),
    "as-stated": _p(164626140, "74776621/6", "898313/2", "34204/3", 4074, 288, 288),
}
PAPER_NONZEROS: dict[str, Poly] = {
    "strict": _p(196859, 11473, 463, 12, 18),
    "as-stated": _p(194120, "22249/2", "899/2", 12, 18),
}
PAPER_WEIGHT_BITS = 3  # bits of a weight in {−1, 0, 1}
PACKED_LAYERS: Poly = _p(35, 3)
PACKED_UNITS: dict[str, Poly] = {"strict": _p(301, 17), "as-stated": _p(296, 17)}
PACKED_WIDTH: dict[str, Poly] = {"strict": _p(174, 2), "as-stated": _p(172, 2)}


def evaluate(poly: Poly, n: int) -> int:
    """The polynomial at ``n``, exactly; it must be an integer there."""
    v = Fraction(sum(c * n**k for k, c in enumerate(poly)))
    if v.denominator != 1:
        raise ParameterError(f"tiling sizes: polynomial not integral at N = {n}: {v}")
    return int(v)


def _check(n: int, variant: str, lo: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < lo:
        raise ParameterError(f"tiling sizes: the closed forms hold for integer N ≥ {lo}, got {n!r}")
    if variant not in VARIANTS:
        raise ParameterError(f"tiling sizes: unknown variant {variant!r}; choose {', '.join(VARIANTS)}")


def paper_size(n: int, variant: str = "strict") -> UHATSize:
    """The paper-faithful UHAT's :class:`UHATSize` for the witness of width ``2^n`` (N ≥ 2), exactly."""
    _check(n, variant, 2)
    relu = evaluate(PAPER_RELU[variant], n)
    params = evaluate(PAPER_PARAMS[variant], n)
    width = max(evaluate(PAPER_WIDTH_LINEAR[variant], n), evaluate(PAPER_WIDTH_QUADRATIC, n))
    return UHATSize(
        model="paper",
        uha_layers=evaluate(PAPER_UHA[variant], n),
        relu_layers=relu,
        relu_units=relu,
        max_width=width,
        params=params,
        nonzeros=evaluate(PAPER_NONZEROS[variant], n),
        max_bits=PAPER_WEIGHT_BITS,
        total_bits=PAPER_WEIGHT_BITS * params,
    )


@dataclass(frozen=True)
class PackedPartial:
    """The closed-form measures of the packed network (the rest is measured on the built one)."""

    uha_layers: int
    relu_layers: int
    relu_units: int
    max_width: int


def packed_partial(n: int, variant: str = "strict") -> PackedPartial:
    """Layers (all N ≥ 1), ReLU units and width (N ≥ 2) of the packed witness network."""
    _check(n, variant, 2)
    layers = evaluate(PACKED_LAYERS, n)
    return PackedPartial(layers, layers, evaluate(PACKED_UNITS[variant], n), evaluate(PACKED_WIDTH[variant], n))


def paper_size_hook(n: int, variant: str) -> UHATSize | None:
    """For :class:`proofs_check.registry.Family`: the closed form where it holds (N ≥ 2), else None."""
    return paper_size(n, variant) if n >= 2 else None


def compare(n: int, variant: str, built: UHATSize) -> tuple[str, ...]:
    """Every measure where the closed form disagrees with a built network's size (empty: all agree).
    ``built.model`` picks the formula (paper: every measure; packed: layers, units, width)."""
    if built.model == "paper":
        want = vars(paper_size(n, variant))
    else:
        want = vars(packed_partial(n, variant))
    have = vars(built)
    return tuple(f"{k}: formula {v} ≠ built {have[k]}" for k, v in want.items() if have[k] != v)
