"""Emitting UHAT layers over a named residual layout (used by both Lemma 9 compilers).

Coordinates are named; :class:`Lin` is an affine expression over them. A name prefixed with ``@``
denotes that coordinate of the *attended* vector a_n (legal only in the C map of an attention layer).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Iterable, Mapping, Sequence

from constructions.exact import Affine
from constructions.uhat.model import UHAT, AttentionLayer, Layer, Mask, ReLULayer, TieBreak

ATT = "@"


@dataclass(frozen=True)
class Lin:
    """Σ coef·coordinate + const, exact."""

    terms: tuple[tuple[str, Fraction], ...] = ()
    const: Fraction = Fraction(0)

    @staticmethod
    def of(name: str) -> "Lin":
        return Lin(((name, Fraction(1)),))

    @staticmethod
    def constant(c: int | Fraction) -> "Lin":
        return Lin((), Fraction(c))

    @staticmethod
    def combine(parts: Iterable[tuple[int | Fraction, "Lin"]], const: int | Fraction = 0) -> "Lin":
        acc: dict[str, Fraction] = {}
        total = Fraction(const)
        for coef, lin in parts:
            c = Fraction(coef)
            for name, v in lin.terms:
                acc[name] = acc.get(name, Fraction(0)) + c * v
            total += c * lin.const
        return Lin(tuple(sorted((n, v) for n, v in acc.items() if v != 0)), total)

    def __add__(self, other: "Lin") -> "Lin":
        return Lin.combine([(1, self), (1, other)])

    def __sub__(self, other: "Lin") -> "Lin":
        return Lin.combine([(1, self), (-1, other)])

    def neg(self) -> "Lin":
        """1 − self (Boolean negation of a 0/1 value)."""
        return Lin.combine([(-1, self)], 1)

    def names(self) -> set[str]:
        return {n for n, _ in self.terms}

    def attended(self) -> "Lin":
        """The same expression read on the attended vector."""
        return Lin(tuple((ATT + n, v) for n, v in self.terms), self.const)

    def single(self) -> str | None:
        """The coordinate name if the expression is exactly one coordinate."""
        if self.const == 0 and len(self.terms) == 1 and self.terms[0][1] == 1:
            return self.terms[0][0]
        return None


@dataclass(frozen=True)
class AttentionSpec:
    mask: Mask
    tiebreak: TieBreak
    query: tuple[Lin, ...]  # rows of A (over v_n)
    key: tuple[Lin, ...]  # rows of B (over v_m)


@dataclass
class NetworkBuilder:
    """Accumulates layers; the layout is the list of coordinate names of the current residual."""

    alphabet: tuple[str, ...]
    model: str
    names: list[str] = field(default_factory=list)
    layers: list[Layer] = field(default_factory=list)
    history: list[tuple[str, ...]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.names:
            self.names = [f"Q_{a}" for a in self.alphabet]
        self.embedding = Affine.build(
            len(self.alphabet), len(self.names), {(k, k): 1 for k in range(len(self.alphabet))}
        )
        self.history = [tuple(self.names)]
        self._index = {n: k for k, n in enumerate(self.names)}

    def index(self, name: str) -> int:
        try:
            return self._index[name]
        except KeyError:
            raise KeyError(f"coordinate {name!r} is not in the current layout") from None

    def has(self, name: str) -> bool:
        return name in self._index

    def _row(self, lin: Lin, r: int) -> dict[int, Fraction]:
        out: dict[int, Fraction] = {}
        for name, v in lin.terms:
            col = r + self.index(name[1:]) if name.startswith(ATT) else self.index(name)
            out[col] = out.get(col, Fraction(0)) + v
        return out

    def _map(self, rows: Sequence[Lin], in_dim: int, out_dim: int, attended_ok: bool) -> Affine:
        entries: dict[tuple[int, int], Fraction] = {}
        bias: dict[int, Fraction] = {}
        r = len(self.names)
        for k, lin in enumerate(rows):
            if not attended_ok and any(n.startswith(ATT) for n in lin.names()):
                raise ValueError("query/key rows may not read the attended vector")
            for col, v in self._row(lin, r).items():
                entries[(k, col)] = v
            if lin.const:
                bias[k] = lin.const
        return Affine.build(in_dim, out_dim, entries, bias)

    def uha(
        self,
        rows: Mapping[str, Lin],
        keep: Sequence[str] | None = None,
        attention: AttentionSpec | None = None,
    ) -> None:
        """One UHA layer: output layout = ``keep`` (default: everything) followed by ``rows``."""
        keep = list(self.names) if keep is None else [n for n in self.names if n in set(keep)]
        new_names = keep + list(rows)
        if len(set(new_names)) != len(new_names):
            raise ValueError("a coordinate would appear twice in the layout")
        r = len(self.names)
        c_rows = [Lin.of(n) for n in keep] + list(rows.values())
        C = self._map(c_rows, 2 * r, len(new_names), attended_ok=attention is not None)
        if attention is None:
            A = B = Affine.zero(r, r)
            mask: Mask = "none"
            tie: TieBreak = "leftmost"
        else:
            if len(attention.query) != len(attention.key) or len(attention.query) > r:
                raise ValueError("query and key need the same number of rows, at most the width")
            A = self._map(attention.query, r, r, attended_ok=False)
            B = self._map(attention.key, r, r, attended_ok=False)
            mask, tie = attention.mask, attention.tiebreak
        self.layers.append(AttentionLayer(A, B, C, mask, tie))
        self._set_names(new_names)

    def relu(self, names: Sequence[str]) -> None:
        if not names:
            return
        coords = tuple(sorted(self.index(n) for n in names))
        if self.model == "paper":
            for c in coords:
                self.layers.append(ReLULayer(len(self.names), (c,)))
                self.history.append(tuple(self.names))
        else:
            self.layers.append(ReLULayer(len(self.names), coords))
            self.history.append(tuple(self.names))

    def _set_names(self, names: list[str]) -> None:
        self.names = names
        self._index = {n: k for k, n in enumerate(names)}
        self.history.append(tuple(names))

    def finish(self, output: Lin, accept_at: str) -> UHAT:
        """Acceptance ⟨t, v⟩ > 0 with t linear: an affine output is first written to a coordinate."""
        name = output.single()
        if name is None:
            name = "_out"
            self.uha({name: output}, keep=[])
        t = Affine.build(len(self.names), 1, {(0, self.index(name)): 1})
        return UHAT(
            alphabet=self.alphabet,
            embedding=self.embedding,
            layers=tuple(self.layers),
            accept=t,
            accept_at=accept_at,  # type: ignore[arg-type]
            model=self.model,  # type: ignore[arg-type]
            names=tuple(self.history),
        )
