"""Exact reference semantics of the (extended) UHAT model, one word at a time, in rationals.

The definition of :mod:`constructions.uhat.model` executed literally with :class:`fractions.Fraction`:
v_j = emb(w_j) + P·(1, j, …, j^d); per attention layer and head, the scores ⟨A v_i, B v_j⟩ over the
unmasked j; ``hard`` attends the leftmost/rightmost maximal position, ``average`` the exact mean over the
maximal positions, the zero vector when none is unmasked; C reads (v_i, a_i¹, …, a_iᴴ); ReLU layers
clamp their coordinates. ``softmax`` heads have irrational weights: :func:`run_exact` evaluates them as
their β → ∞ limit only when asked (``softmax_as_hard=True``: the *hard* reference the softmax
certificate compares with), else it refuses them. ``initial`` (layer-0 vectors given directly, e.g. an
RNN's states in a hybrid, [WDL] Def 5.5) replaces the embedding and the positional features.

It is quadratic in the word length and slow (pure Python): the ground truth the torch backend is
tested against on small words, never the production path.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

from automata.alphabet import encode_word, is_iterable
from automata.errors import ArgumentError, ParameterError, shown
from constructions.uhat.model import UHAT, AttentionLayer, Head

ZERO = Fraction(0)


def _unmasked(mask: str, i: int, length: int) -> range | list[int]:
    return {
        "none": range(length),
        "j<i": range(i),
        "j>i": range(i + 1, length),
        "j<=i": range(i + 1),
        "j>=i": range(i, length),
    }[mask]


def _dot(a: Sequence[Fraction], b: Sequence[Fraction]) -> Fraction:
    return sum((x * y for x, y in zip(a, b)), ZERO)


def scores(head: Head, vs: Sequence[tuple[Fraction, ...]], i: int) -> tuple[list[int], list[Fraction]]:
    """The unmasked positions j at position ``i`` (0-based) and their scores ⟨A v_i, B v_j⟩."""
    cands = list(_unmasked(head.mask, i, len(vs)))
    if not cands:
        return [], []
    q = head.A.apply(vs[i])
    return cands, [_dot(q, head.B.apply(vs[j])) for j in cands]


def attend(head: Head, vs: Sequence[tuple[Fraction, ...]], i: int, softmax_as_hard: bool = False
           ) -> tuple[tuple[Fraction, ...], tuple[int, ...]]:
    """The vector head ``head`` attends at position ``i`` and the positions it averages (one for hard)."""
    mode = head.mode
    if mode == "softmax":
        if not softmax_as_hard:
            raise ParameterError("softmax attention has irrational weights; its exact reference is the hard limit")
        mode = "hard"
    cands, vals = scores(head, vs, i)
    if not cands:
        return tuple(ZERO for _ in vs[0]), ()
    best = max(vals)
    top = [j for j, s in zip(cands, vals) if s == best]
    if mode == "hard":
        j = top[0] if head.tiebreak == "leftmost" else top[-1]
        return vs[j], (j,)
    n = len(top)
    return tuple(sum((vs[j][r] for j in top), ZERO) / n for r in range(len(vs[0]))), tuple(top)


@dataclass(frozen=True)
class ExactRun:
    """Every layer's vectors (``layers[0]`` after the embedding) and the attended positions per
    attention layer and head; ``out`` the acceptance value ⟨t, v⟩ or the logits, per position."""

    layers: tuple[tuple[tuple[Fraction, ...], ...], ...]
    attended: tuple[tuple[tuple[tuple[int, ...], ...], ...], ...]  # [layer][position][head] → positions
    out: tuple[tuple[Fraction, ...], ...]


def _initial_vectors(net: UHAT, initial: Sequence[Sequence[Fraction | int]]) -> list[tuple[Fraction, ...]]:
    """Given layer-0 vectors as exact rationals, checked against the network's input width."""
    width = net.embedding.out_dim
    if isinstance(initial, (str, bytes)) or not is_iterable(initial):
        raise ArgumentError(f"initial must be rows of exact numbers, got {shown(initial)}")
    try:
        vs = [tuple(Fraction(x) for x in row) for row in initial]
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        raise ParameterError(f"initial must be rows of exact numbers (int, Fraction), got {shown(initial)}") from None
    if not vs:
        raise ParameterError("words are non-empty")
    if any(len(v) != width for v in vs):
        raise ParameterError(f"initial vectors must have width {width}, the network's input width")
    return vs


def run_exact(net: UHAT, word: Sequence[str] | None, softmax_as_hard: bool = False,
              initial: Sequence[Sequence[Fraction | int]] | None = None) -> ExactRun:
    """The exact run of ``net`` on ``word`` (symbols). ``initial`` (L rows of D₀ exact numbers) gives the
    layer-0 vectors directly instead of embedding ``word`` (which is then ignored and may be None) — the
    transformer half of an RNN–transformer hybrid ([WDL] Def 5.5), whose inputs are the RNN's states;
    neither the embedding nor the positional features are added to them."""
    if not isinstance(net, UHAT):
        raise ArgumentError(f"run_exact needs a UHAT, got {type(net).__name__}")
    if initial is not None:
        vs = _initial_vectors(net, initial)
    else:
        vs = _embedded(net, word)
    layers = [tuple(vs)]
    attended = []
    for layer in net.layers:
        if isinstance(layer, AttentionLayer):
            new, picks = [], []
            for i in range(len(vs)):
                atts, where = [], []
                for head in layer.heads:
                    a, pos = attend(head, vs, i, softmax_as_hard) if layer.attends else (
                        tuple(ZERO for _ in vs[i]), ())
                    atts.extend(a)
                    where.append(pos)
                new.append(layer.C.apply([*vs[i], *atts]))
                picks.append(tuple(where))
            vs = new
            attended.append(tuple(picks))
        else:
            vs = [tuple(max(x, ZERO) if r in layer.coords else x for r, x in enumerate(v)) for v in vs]
            attended.append(())
        layers.append(tuple(vs))
    readout = net.accept if net.accept is not None else net.output
    out = tuple(readout.apply(v) for v in vs)
    return ExactRun(tuple(layers), tuple(attended), out)


def _embedded(net: UHAT, word: Sequence[str] | None) -> list[tuple[Fraction, ...]]:
    """v_j = emb(w_j) + P·(1, j, …, j^d) for every position j of ``word``."""
    if word is None:
        raise ParameterError("run_exact needs a word or the initial vectors")
    codes = encode_word(word, net.alphabet)
    if len(codes) == 0:
        raise ParameterError("words are non-empty")
    emb = net.embedding
    vs = []
    for j, c in enumerate(codes):
        one_hot = [Fraction(int(a == c)) for a in range(len(net.alphabet))]
        v = list(emb.apply(one_hot))
        if net.positions is not None:
            feats = [Fraction(j) ** d for d in range(net.positions.in_dim)]
            v = [x + y for x, y in zip(v, net.positions.apply(feats))]
        vs.append(tuple(v))
    return vs


def generate_exact(net: UHAT, word: Sequence[str] | None, softmax_as_hard: bool = False,
                   initial: Sequence[Sequence[Fraction | int]] | None = None) -> tuple[str, Fraction]:
    """A generator's answer at the last position and its logit margin (best − second best; the whole
    best logit when there is one output symbol). A margin of 0 is a tie: no unique answer. ``initial``:
    as in :func:`run_exact`."""
    if not isinstance(net, UHAT):
        raise ArgumentError(f"generate_exact needs a UHAT, got {type(net).__name__}")
    if net.output is None:
        raise ParameterError("generate_exact needs a network with an output read-out")
    logits = run_exact(net, word, softmax_as_hard, initial).out[-1]
    order = sorted(range(len(logits)), key=lambda k: (-logits[k], k))
    margin = logits[order[0]] - logits[order[1]] if len(order) > 1 else logits[order[0]]
    return net.output_symbols[order[0]], margin


__all__ = ["ExactRun", "attend", "generate_exact", "run_exact", "scores"]
