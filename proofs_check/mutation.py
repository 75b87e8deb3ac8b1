"""Mutation testing: single-weight changes of a compiled network must be caught by the checks.

A mutant that no exhaustive check up to the stated length distinguishes is reported as *equivalent up
to that length* (for example a change to A in a layer whose B is zero changes no score).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Sequence

import numpy as np

from automata.alphabet import Word, encode_word

from constructions.exact import Affine
from constructions.uhat.model import UHAT, AttentionLayer
from proofs_check.deciders import Decider, uhat_decider
from proofs_check.exhaustive import CheckReport, Disagreement, exhaustive_check
from proofs_check.progress import bar as progress_bar

MAX_MUTANTS = 10_000  # `succinct mutate --count`: each mutant is an exhaustive check of its own


@dataclass(frozen=True)
class Mutation:
    layer: int  # 0 = embedding, 1..L = layers, L+1 = acceptance vector
    part: str  # "emb", "A", "B", "C", "t"
    row: int
    col: int | None  # None: bias entry
    old: Fraction
    new: Fraction

    def __str__(self) -> str:
        where = f"bias[{self.row}]" if self.col is None else f"[{self.row},{self.col}]"
        return f"layer {self.layer} {self.part}{where}: {self.old} → {self.new}"


def _maps(net: UHAT) -> list[tuple[int, str, Affine]]:
    out = [(0, "emb", net.embedding)]
    for k, layer in enumerate(net.layers, start=1):
        if isinstance(layer, AttentionLayer):
            out += [(k, "A", layer.A), (k, "B", layer.B), (k, "C", layer.C)]
    out.append((len(net.layers) + 1, "t", net.accept))
    return out


def random_mutation(net: UHAT, rng: random.Random) -> Mutation:
    maps = [m for m in _maps(net) if m[2].nonzeros]
    k, part, m = rng.choice(maps)
    biasable = part in ("A", "B", "C")
    if rng.random() < 0.75:  # change an existing weight
        choices = [(r, c, v) for r, c, v in m.entries] + ([(r, None, v) for r, v in m.bias] if biasable else [])
        row, col, old = rng.choice(choices)
    else:  # set a weight that was zero
        row = rng.randrange(m.out_dim)
        col = None if biasable and rng.random() < 0.2 else rng.randrange(m.in_dim)
        old = (m.bias_dict() if col is None else m.rows().get(row, {})).get(
            row if col is None else col, Fraction(0)
        )
    new = Fraction(rng.choice([v for v in (-1, 0, 1, 2) if v != old]))
    return Mutation(k, part, row, col, Fraction(old), new)


def apply_mutation(net: UHAT, mut: Mutation) -> UHAT:
    if mut.part == "emb":
        return replace(net, embedding=net.embedding.with_entry(mut.row, mut.col, mut.new))
    if mut.part == "t":
        return replace(net, accept=net.accept.with_entry(mut.row, mut.col, mut.new))
    layer = net.layers[mut.layer - 1]
    assert isinstance(layer, AttentionLayer)
    old_map = getattr(layer, mut.part)
    new_layer = replace(layer, **{mut.part: old_map.with_entry(mut.row, mut.col, mut.new)})
    layers = net.layers[: mut.layer - 1] + (new_layer,) + net.layers[mut.layer :]
    return replace(net, layers=layers)


@dataclass(frozen=True)
class MutantResult:
    mutation: Mutation
    report: CheckReport  # the exhaustive check up to the stated length
    sample_disagreement: Disagreement | None = None  # on the task's sample words (longer words)

    @property
    def counterexample(self) -> Disagreement | None:
        return self.report.disagreement or self.sample_disagreement

    @property
    def caught(self) -> bool:
        return self.counterexample is not None

    def line(self) -> str:
        if self.report.disagreement is not None:
            return f"caught  {self.mutation}: counterexample {self.report.disagreement}"
        if self.sample_disagreement is not None:
            return f"caught  {self.mutation}: on a sample word, counterexample {self.sample_disagreement}"
        return f"equivalent up to length {self.report.max_len} (and on the samples)  {self.mutation}"


def _first_disagreement(alphabet, deciders: list[Decider], words: Sequence[Word]) -> Disagreement | None:
    """Shortest, then least, sample word on which the deciders' whole-word verdicts differ."""
    for w in sorted(set(words), key=lambda u: (len(u), [alphabet.index(a) for a in u])):
        codes = np.asarray([encode_word(w, alphabet)])
        verdicts = [bool(d.whole(codes)[0]) for d in deciders]
        if len(set(verdicts)) > 1:
            return Disagreement(w, tuple(zip((d.name for d in deciders), verdicts)))
    return None


def mutation_campaign(
    net: UHAT,
    references: list[Decider],
    alphabet,
    count: int,
    max_len: int,
    seed: int = 0,
    samples: Sequence[Word] = (),
    progress: bool = False,
) -> list[MutantResult]:
    """``count`` random single-weight mutants, each checked on all words up to ``max_len`` and, when
    that finds nothing, on the ``samples`` (longer words: the family's positives and near-misses).
    ``progress``: a bar of mutants on stderr (:mod:`proofs_check.progress`), its total ``count`` = the
    length of the result, the number a campaign's "k/K mutants caught" reports."""
    rng = random.Random(seed)
    alphabet = tuple(alphabet)
    results: list[MutantResult] = []
    with progress_bar(count, "mutate", "mutant", progress) as bar:
        for _ in range(count):
            mut = random_mutation(net, rng)
            mutant = apply_mutation(net, mut)
            ds = [*references, uhat_decider(mutant, "mutant")]
            report = exhaustive_check(alphabet, ds, max_len)
            extra = None if not report.agree else _first_disagreement(alphabet, ds, samples)
            results.append(MutantResult(mut, report, extra))
            bar.update(1)
            bar.step(f"{sum(r.caught for r in results)} caught")
    return results
