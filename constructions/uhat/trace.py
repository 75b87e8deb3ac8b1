"""A run of a UHAT laid open, layer by layer and position by position (docs/theory.md §1).

For every attention layer and position i: the unmasked positions j, their scores ⟨A v_i, B v_j⟩, the
set of maximal scores and the position the tie-break picks (▶ rightmost / ◀ leftmost; average heads
attend the whole maximal set; no unmasked position attends the zero vector) — and the coordinates the
layer writes, by name, with their exact values. ReLU layers list the coordinates they clamp.

The numbers are the exact semantics (:mod:`constructions.uhat.semantics`, rationals); the trace checks
that its own attention picks equal the reference run's, so a trace never disagrees with the verdicts
the verifier reports. It is quadratic in the word length and meant for words a person reads: at most
:data:`MAX_TRACE_LEN` positions.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

from automata.errors import ParameterError
from constructions.uhat.model import UHAT, AttentionLayer, Head
from constructions.uhat.semantics import run_exact, scores

MAX_TRACE_LEN = 256
MAX_TRACE_WORK = 500_000_000  # layers × width × L²: the exact quadratic run (≈ 1 min on the reference machine)


@dataclass(frozen=True)
class HeadPick:
    """One head at one position (0-based ``position``; scores of the unmasked ``candidates``)."""

    position: int
    candidates: tuple[int, ...]
    scores: tuple[Fraction, ...]
    ties: tuple[int, ...]  # the positions of maximal score
    attended: tuple[int, ...]  # the position picked (hard), the maximal set (average); () = zero vector
    head: Head

    @property
    def best(self) -> Fraction | None:
        return max(self.scores) if self.scores else None

    def score_of(self, j: int) -> Fraction | None:
        """The score of position j, None when j is masked."""
        try:
            return self.scores[self.candidates.index(j)]
        except ValueError:
            return None

    @property
    def reason(self) -> str:
        """Why this position was attended, in words."""
        if not self.candidates:
            return f"no position with {self.head.mask}: zero vector"
        if self.head.mode != "hard":
            return f"{self.head.mode} over the {len(self.ties)} maximal position(s)"
        if len(self.ties) == 1:
            return "unique maximum"
        side = "rightmost ▶" if self.head.tiebreak == "rightmost" else "leftmost ◀"
        return f"{len(self.ties)}-way tie, {side}"


@dataclass(frozen=True)
class LayerStep:
    """Layer ``index`` (1-based, as printed by ``succinct show --what layers``)."""

    index: int
    kind: str  # "attention", "affine" (an attention layer whose C ignores the attended vector) or "relu"
    layer: object
    picks: tuple[tuple[HeadPick, ...], ...]  # [position][head]; () for affine and ReLU layers
    names: tuple[str, ...]  # coordinate names after the layer
    written: tuple[int, ...]  # coordinates the layer writes (not copied through unchanged)
    vectors: tuple[tuple[Fraction, ...], ...]  # [position] the vector after the layer


@dataclass(frozen=True)
class UHATTrace:
    net: UHAT
    word: tuple[str, ...]
    names: tuple[str, ...]  # coordinates after the embedding
    vectors: tuple[tuple[Fraction, ...], ...]  # after the embedding
    layers: tuple[LayerStep, ...]
    out: tuple[tuple[Fraction, ...], ...]  # ⟨t, v⟩ (or the logits) per position

    @property
    def accepted(self) -> bool | None:
        """The verdict (⟨t, v⟩ > 0 at the read position); None for a generator."""
        if self.net.accept is None:
            return None
        at = -1 if self.net.accept_at == "last" else 0
        return self.out[at][0] > 0

    @property
    def attention_layers(self) -> tuple[LayerStep, ...]:
        return tuple(s for s in self.layers if s.kind == "attention")


def layer_names(net: UHAT) -> list[tuple[str, ...]]:
    """Coordinate names after the embedding and after each layer: ``net.names`` where the compiler
    recorded them, the previous layer's where the width is unchanged, else ``x0, x1, …``."""
    out: list[tuple[str, ...]] = []
    for k, width in enumerate(net.widths()):
        if len(net.names) > k and len(net.names[k]) == width:
            out.append(tuple(net.names[k]))
        elif out and len(out[-1]) == width:
            out.append(out[-1])
        else:
            out.append(tuple(f"x{r}" for r in range(width)))
    return out


def _written(layer: AttentionLayer, before: Sequence[str], after: Sequence[str]) -> tuple[int, ...]:
    """Rows of C that are not the same-named input coordinate copied through with weight 1 and no bias."""
    rows: dict[int, list[tuple[int, Fraction]]] = {}
    for r, c, v in layer.C.entries:
        rows.setdefault(r, []).append((c, v))
    bias = dict(layer.C.bias)
    index = {n: c for c, n in enumerate(before)}
    out = []
    for r, name in enumerate(after):
        copy = name in index and rows.get(r) == [(index[name], Fraction(1))] and not bias.get(r)
        if not copy:
            out.append(r)
    return tuple(out)


def _picks(layer: AttentionLayer, vs: Sequence[tuple[Fraction, ...]], softmax_as_hard: bool) -> tuple[tuple[HeadPick, ...], ...]:
    rows = []
    for i in range(len(vs)):
        row = []
        for head in layer.heads:
            cands, vals = scores(head, vs, i)
            best = max(vals) if vals else None
            ties = tuple(j for j, s in zip(cands, vals) if s == best)
            hard = head.mode == "hard" or (head.mode == "softmax" and softmax_as_hard)
            attended = ((ties[0] if head.tiebreak == "leftmost" else ties[-1],) if hard else ties) if ties else ()
            row.append(HeadPick(i, tuple(cands), tuple(vals), ties, attended, head))
        rows.append(tuple(row))
    return tuple(rows)


def trace_uhat(net: UHAT, word: Sequence[str], softmax_as_hard: bool = False,
               max_len: int = MAX_TRACE_LEN) -> UHATTrace:
    """The exact run of ``net`` on ``word`` with every attention decision explained (see the module)."""
    word = tuple(word)
    if not 1 <= len(word) <= max_len:
        raise ParameterError(f"a trace takes words of 1..{max_len} symbols, got {len(word)}")
    work = len(net.layers) * max(net.widths()) * len(word) ** 2
    if work > MAX_TRACE_WORK:
        raise ParameterError(f"tracing {len(word)} symbols through {len(net.layers):,} layers of width up to "
                             f"{max(net.widths())} is ≈ {work:,} exact operations, more than {MAX_TRACE_WORK:,}: "
                             "use a shorter word or the packed form")
    run = run_exact(net, word, softmax_as_hard)
    names = layer_names(net)
    steps = []
    for k, layer in enumerate(net.layers):
        before, after = run.layers[k], run.layers[k + 1]
        if isinstance(layer, AttentionLayer):
            if layer.attends:
                picks = _picks(layer, before, softmax_as_hard)
                mine = tuple(tuple(p.attended for p in row) for row in picks)
                if mine != run.attended[k]:  # pragma: no cover - would be a bug in this module
                    raise AssertionError(f"trace and reference disagree on layer {k + 1}'s attention")
                kind = "attention"
            else:
                picks, kind = (), "affine"
            written = _written(layer, names[k], names[k + 1])
        else:
            picks, kind, written = (), "relu", tuple(layer.coords)
        steps.append(LayerStep(k + 1, kind, layer, picks, names[k + 1], written, after))
    return UHATTrace(net, word, names[0], run.layers[0], tuple(steps), run.out)


__all__ = ["HeadPick", "LayerStep", "MAX_TRACE_LEN", "MAX_TRACE_WORK", "UHATTrace", "layer_names", "trace_uhat"]
