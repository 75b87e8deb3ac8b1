"""Precision audit of a UHAT by value sets: what every coordinate, score and partial sum can be.

THEORY §1 (exactness; [BCL] Prop 12: every value of a run has polynomially many bits) and docs/architecture.md
(constructions/uhat). The audit is an abstract interpretation over **all words of every length**: each coordinate
after each layer gets a set of values it can take at any position of any word (a finite set, or an
interval once a set grows past :data:`SET_CAP` elements), computed layer by layer:

* embedding: coordinate r takes {emb(a)_r : a ∈ Σ};
* an affine row Σ_c w_c·x_c + b takes b + Σ_c w_c·V_c (Minkowski sum — it forgets correlations between
  coordinates, so it over-approximates, which is sound);
* hard attention copies some position's vector, or the zero vector when no position is unmasked, so an
  attended coordinate takes V_c ∪ {0}; the score ⟨A(v_n), B(v_m)⟩ takes Σ_r Q_r·K_r;
* ReLU maps V to {max(0, x)}.

With ``initial_values`` the layer-0 vectors are not embedded but given (a hybrid's RNN states, [WDL]
Def 5.5): each coordinate is then the given interval, and the audit covers every run whose layer-0
vectors lie in those bounds.

**Partial sums.** A backend may add the terms of a row (and its bias) in any order and any grouping, so
every partial sum is the sum of some subset of the terms. Each lies in
[Σ_t min(0, min t), Σ_t max(0, max t)] over the terms t (products w_c·x_c with x_c ∈ V_c, the bias, or
Q_r·K_r for a score); :attr:`LayerPrecision.partial` is the largest absolute value of those bounds.

**Why a dtype is then exact.** With integral weights and an integral embedding every value above is an
integer. A binary floating-point format with a p-bit significand represents every integer of absolute
value ≤ 2^p exactly; IEEE addition and multiplication return the exact result whenever it is
representable, so if every product and partial sum is an integer within ±2^p the whole computation is
exact in every order, and argmax comparisons and the final sign test are exact too. Integer dtypes are
exact below their overflow bound. :meth:`PrecisionReport.check` refuses any dtype whose bound the
audit's maximum exceeds (``bfloat16``: 2^8, ``float32``: 2^24, ``float64``: 2^53, ``int64``: 2^63 − 1).

The interval audit of :mod:`constructions.uhat.audit` bounds |x| by Σ|w|·bound; value sets are never
looser and are much tighter on Lemma 9 networks (predicates stay in {0, 1}; see
:attr:`LayerPrecision.boolean`).

>>> from constructions.library.presets import PRESETS
>>> from constructions.uhat.lemma9 import compile_lemma9
>>> rep = precision_audit(compile_lemma9(PRESETS["ab_plus"](), packed=True))
>>> rep.integral, rep.max_abs <= 8
(True, True)
"""
from __future__ import annotations

import functools

from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Sequence, Union

import torch

from automata.errors import ArgumentError, DtypeError, ParameterError, check_int, shown
from constructions.dtypes import EXACT_LIMIT, NAMES, parse_dtype
from constructions.uhat.model import UHAT, AttentionLayer

SET_CAP = 64  # past this many elements a value set becomes an interval
ZERO = Fraction(0)


@dataclass(frozen=True)
class Interval:
    lo: Fraction
    hi: Fraction


Values = Union[frozenset, Interval]  # a frozenset of Fractions, or an interval


def _lo(v: Values) -> Fraction:
    return v.lo if isinstance(v, Interval) else min(v)


def _hi(v: Values) -> Fraction:
    return v.hi if isinstance(v, Interval) else max(v)


def _cap(s: set) -> Values:
    if len(s) > SET_CAP:
        return Interval(min(s), max(s))
    return frozenset(s)


def _scale(v: Values, w: Fraction) -> Values:
    if isinstance(v, Interval):
        a, b = v.lo * w, v.hi * w
        return Interval(min(a, b), max(a, b))
    return frozenset(x * w for x in v)


def _add(u: Values, v: Values) -> Values:
    if isinstance(u, Interval) or isinstance(v, Interval) or len(u) * len(v) > 16 * SET_CAP:
        return Interval(_lo(u) + _lo(v), _hi(u) + _hi(v))
    return _cap({x + y for x in u for y in v})


def _mul(u: Values, v: Values) -> Values:
    if isinstance(u, Interval) or isinstance(v, Interval) or len(u) * len(v) > 16 * SET_CAP:
        corners = [a * b for a in (_lo(u), _hi(u)) for b in (_lo(v), _hi(v))]
        return Interval(min(corners), max(corners))
    return _cap({x * y for x in u for y in v})


def _with_zero(v: Values) -> Values:
    if isinstance(v, Interval):
        return Interval(min(v.lo, ZERO), max(v.hi, ZERO))
    return _cap(set(v) | {ZERO})


def _relu(v: Values) -> Values:
    if isinstance(v, Interval):
        return Interval(max(v.lo, ZERO), max(v.hi, ZERO))
    return frozenset(max(x, ZERO) for x in v)


def _sum(terms: Iterable[Values], bias: Fraction) -> tuple[Values, Fraction]:
    """The value set of Σ terms + bias, and the largest |partial sum| in any order."""
    total: Values = frozenset({bias})
    lo, hi = min(bias, ZERO), max(bias, ZERO)
    for t in terms:
        total = _add(total, t)
        lo += min(ZERO, _lo(t))
        hi += max(ZERO, _hi(t))
    return total, max(-lo, hi)


def _rows(m, inputs: Sequence[Values]) -> tuple[list[Values], Fraction]:
    rows = m.rows()
    bias = m.bias_dict()
    out: list[Values] = []
    partial = ZERO
    for r in range(m.out_dim):
        row = rows.get(r, {})
        b = bias.get(r, ZERO)
        if not b and len(row) == 1 and next(iter(row.values())) == 1:
            (c,) = row
            out.append(inputs[c])  # a copy: no arithmetic
            partial = max(partial, _abs(inputs[c]))
            continue
        v, p = _sum((_scale(inputs[c], w) for c, w in row.items()), b)
        out.append(v)
        partial = max(partial, p)
    return out, partial


@functools.lru_cache(maxsize=1 << 16)
def _abs(v: Values) -> Fraction:
    """max |x| over the value set (memoised: layers copy most coordinates' sets unchanged, and a frozenset
    keeps its hash)."""
    return max(abs(_lo(v)), abs(_hi(v)))


@dataclass(frozen=True)
class LayerPrecision:
    """What layer ``index`` (0 = the embedding) can produce, over every word and position."""

    index: int
    kind: str  # "embedding" | "initial" (given layer-0 vectors) | "attention" | "affine" | "relu" | "readout"
    width: int
    max_value: Fraction  # largest |coordinate| after the layer
    partial: Fraction  # largest |product or partial sum| computed inside the layer (scores included)
    score: Values | None  # the attention score's value set, if the layer attends
    boolean: int  # coordinates whose value set is ⊆ {0, 1}
    intervals: int  # coordinates that fell back to an interval

    @property
    def bits(self) -> int:
        """Bits an integer needs for every value of this layer: sign + magnitude."""
        return 1 + int(max(self.max_value, self.partial)).bit_length()


@dataclass(frozen=True)
class PrecisionReport:
    integral: bool
    layers: tuple[LayerPrecision, ...]

    @property
    def max_abs(self) -> Fraction:
        """The bound the torch backends check: every value, score and partial sum."""
        return max((max(p.max_value, p.partial) for p in self.layers), default=ZERO)

    @property
    def bits(self) -> int:
        return 1 + int(self.max_abs).bit_length()

    def exact(self, dtype: str | torch.dtype) -> bool:
        return self.integral and self.max_abs <= EXACT_LIMIT[parse_dtype(dtype)]

    def check(self, dtype: str | torch.dtype, what: str = "UHAT") -> None:
        """Raise :class:`DtypeError` unless ``dtype`` is proved exact for this network."""
        dt = parse_dtype(dtype)
        name = str(dt).replace("torch.", "")
        if not self.integral:
            raise DtypeError(f"{what} has non-integral weights or averaging heads; no {name} run of it is exact")
        if self.max_abs > EXACT_LIMIT[dt]:
            worst = max(self.layers, key=lambda p: max(p.max_value, p.partial))
            raise DtypeError(
                f"{what}: layer {worst.index} ({worst.kind}) reaches |value| {self.max_abs} but {name} "
                f"is exact only up to {EXACT_LIMIT[dt]}"
            )

    def render(self, every: bool = False) -> str:
        """A readable summary (every layer with ``every``, else the embedding, worst layers and verdicts)."""
        lines = [f"integral weights: {'yes' if self.integral else 'no'}; max |value| over all layers, scores "
                 f"and partial sums: {self.max_abs} ({self.bits} bits with sign)"]
        shown = self.layers if every else sorted(
            self.layers, key=lambda p: -max(p.max_value, p.partial))[:5]
        for p in sorted(shown, key=lambda p: p.index):
            score = "" if p.score is None else f", score ∈ {_show(p.score)}"
            lines.append(f"  layer {p.index:>5} {p.kind:<9} width {p.width:>4}: |x| ≤ {p.max_value}, partial ≤ "
                         f"{p.partial}, {p.bits} bits, {p.boolean}/{p.width} Boolean{score}")
        verdicts = [f"{n}: {'exact' if self.exact(n) else 'REFUSED'}" for n in ("bfloat16", "float32",
                                                                               "float64", "int64")]
        lines.append("dtypes — " + ", ".join(verdicts))
        return "\n".join(lines)


def _show(v: Values) -> str:
    if isinstance(v, Interval):
        return f"[{v.lo}, {v.hi}]"
    return "{" + ", ".join(str(x) for x in sorted(v)) + "}"


_BOOLEAN = frozenset({ZERO, Fraction(1)})


@functools.lru_cache(maxsize=1 << 16)
def _is_boolean(v: Values) -> bool:
    """Whether the value set is within {0, 1} (memoised like :func:`_abs`)."""
    return not isinstance(v, Interval) and v <= _BOOLEAN


def _record(index: int, kind: str, vals: Sequence[Values], partial: Fraction,
            score: Values | None = None) -> LayerPrecision:
    boolean = sum(1 for v in vals if _is_boolean(v))
    intervals = sum(1 for v in vals if isinstance(v, Interval))
    mx = max((_abs(v) for v in vals), default=ZERO)
    return LayerPrecision(index, kind, len(vals), mx, partial, score, boolean, intervals)


def _hull_with_zero(v: Values) -> Values:
    """What an averaging (average-hard or softmax) head can attend in a coordinate with values ``v``: any
    convex combination of them, or 0 when no position is unmasked."""
    return Interval(min(_lo(v), ZERO), max(_hi(v), ZERO))


def _position_values(net: UHAT, max_len: int | None) -> list[Values]:
    """Per embedding coordinate, the values P·p(j) adds for positions j = 0..max_len − 1."""
    width = net.embedding.out_dim
    if net.positions is None:
        return [frozenset({ZERO})] * width
    if max_len is None or max_len < 1:
        from automata.errors import ParameterError

        raise ParameterError("a network with positional features needs the word-length bound max_len ≥ 1")
    top = Fraction(max_len - 1)
    if max_len <= SET_CAP:
        feats = [frozenset(Fraction(j) ** d for j in range(max_len)) for d in range(net.positions.in_dim)]
    else:
        feats = [Interval(ZERO if d else Fraction(1), top**d) for d in range(net.positions.in_dim)]
    return _rows(net.positions, feats)[0]


Bounds = tuple[tuple[Fraction, Fraction], ...]
_CACHE: dict[tuple[int, int | None, Bounds | None], tuple[UHAT, "PrecisionReport"]] = {}


def precision_audit(net: UHAT, max_len: int | None = None,
                    initial_values: Sequence[tuple[Fraction | int, Fraction | int]] | None = None) -> PrecisionReport:
    """Value sets of every layer of ``net`` over all words (see the module docstring); for a network with
    positional features, over all words of length ≤ ``max_len`` (required then). The last few reports
    are kept (a network object is immutable), so repeated audits of one network are free.

    ``initial_values``: one bound ``(lo, hi)`` per layer-0 coordinate, for runs whose layer-0 vectors
    are given directly instead of embedded (the transformer half of a hybrid, [WDL] Def 5.5: an RNN's
    states, which grow with the word length). Coordinate r then takes any value in [lo_r, hi_r]
    ({lo_r} when lo_r = hi_r), the embedding and the positions are not used, and the verdict
    ``integral`` assumes — the caller's obligation — that the given vectors are **integers** whenever
    every bound is (an RNN with integer weights and start state)."""
    if not isinstance(net, UHAT):
        raise ArgumentError(f"precision_audit needs a UHAT, got {type(net).__name__}")
    if max_len is not None:
        max_len = check_int(max_len, "precision_audit: max_len", 1)
    bounds = None if initial_values is None else _bounds(net, initial_values)
    key = (id(net), max_len, bounds)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is net:
        return hit[1]
    report = _audit(net, max_len, bounds)
    if len(_CACHE) > 32:
        _CACHE.clear()
    _CACHE[key] = (net, report)
    return report


def _bounds(net: UHAT, initial_values: Sequence[tuple[Fraction | int, Fraction | int]]) -> Bounds:
    try:
        out = tuple((Fraction(lo), Fraction(hi)) for lo, hi in initial_values)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        raise ParameterError(f"initial_values must be (lo, hi) pairs of exact numbers, got {shown(initial_values)}") from None
    if len(out) != net.embedding.out_dim:
        raise ParameterError(f"initial_values needs one (lo, hi) per layer-0 coordinate ({net.embedding.out_dim}), "
                             f"got {len(out)}")
    if any(lo > hi for lo, hi in out):
        raise ParameterError("initial_values: every bound needs lo ≤ hi")
    return out


def _audit(net: UHAT, max_len: int | None, bounds: Bounds | None = None) -> PrecisionReport:
    if bounds is not None:
        vals: list[Values] = [frozenset({lo}) if lo == hi else Interval(lo, hi) for lo, hi in bounds]
    else:
        emb: dict[int, set] = {r: set() for r in range(net.embedding.out_dim)}
        cols = net.embedding.rows()
        for r in range(net.embedding.out_dim):
            for a in range(len(net.alphabet)):
                emb[r].add(cols.get(r, {}).get(a, ZERO))
        pos = _position_values(net, max_len)
        vals = [_add(frozenset(emb[r]), pos[r]) for r in range(net.embedding.out_dim)]
    layers = [_record(0, "embedding" if bounds is None else "initial", vals, _abs_max(vals))]
    hard = True
    for k, layer in enumerate(net.layers, start=1):
        if isinstance(layer, AttentionLayer):
            score = None
            partial = ZERO
            attended: list[Values] = []
            for head in layer.heads:
                if layer.attends:
                    q, pq = _rows(head.A, vals)
                    key, pk = _rows(head.B, vals)
                    sc, ps = _sum((_mul(a, b) for a, b in zip(q, key)), ZERO)
                    score = sc if score is None else Interval(min(_lo(score), _lo(sc)), max(_hi(score), _hi(sc)))
                    partial = max(partial, pq, pk, ps)
                    attended += [(_with_zero if head.mode == "hard" else _hull_with_zero)(v) for v in vals]
                    hard = hard and head.mode == "hard"
                else:
                    attended += [frozenset({ZERO})] * len(vals)
            vals, pc = _rows(layer.C, [*vals, *attended])
            layers.append(_record(k, "attention" if layer.attends else "affine", vals, max(partial, pc), score))
        else:
            vals = list(vals)
            for c in layer.coords:
                vals[c] = _relu(vals[c])
            layers.append(_record(k, "relu", vals, ZERO))
    out, p = _rows(net.accept if net.accept is not None else net.output, vals)
    layers.append(_record(len(net.layers) + 1, "readout", out, p))
    given_integral = bounds is None or all(lo.denominator == 1 and hi.denominator == 1 for lo, hi in bounds)
    return PrecisionReport(net.is_integral() and hard and given_integral, tuple(layers))


def _abs_max(vals: Sequence[Values]) -> Fraction:
    return max((_abs(v) for v in vals), default=ZERO)


__all__ = ["SET_CAP", "Interval", "LayerPrecision", "PrecisionReport", "precision_audit", "NAMES"]
