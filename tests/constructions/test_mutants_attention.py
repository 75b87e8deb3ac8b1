"""The last-position attention step of :meth:`UHATModule.generate` (``torch_kernels.attend_last``) honours
the tie-break ([BCL] §2: ◀ leftmost / ▶ rightmost among the maximal scores; docs/theory.md §1).

Found by ``make mutation`` (issue 14): resolving leftmost ties rightmost in ``attend_last`` survived the
default suite — its random networks rarely tie at the last position with differing values. Here every
score ties, so the tie-break alone decides the answer."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from automata.alphabet import all_words
from constructions.exact import Affine
from constructions.uhat.model import MASKS, UHAT, AttentionLayer
from constructions.uhat.semantics import generate_exact
from constructions.uhat.torch_backend import to_torch


def _echo(mask: str, tiebreak: str) -> UHAT:
    """One hard head whose scores are all 0 (a zero query): it attends the leftmost / rightmost unmasked
    position, and the answer is the symbol there (one-hot logits; the zero vector ties both logits)."""
    emb = Affine.build(2, 2, {(0, 0): 1, (1, 1): 1})
    layer = AttentionLayer(Affine.zero(2, 1), Affine.build(2, 1, {(0, 0): 1, (0, 1): 1}),
                           Affine.build(4, 2, {(0, 2): 1, (1, 3): 1}), mask, tiebreak)
    out = Affine.build(2, 2, {(0, 0): 1, (1, 1): 1})
    return UHAT(("a", "b"), emb, (layer,), None, model="packed", output=out, output_symbols=("a", "b"))


@pytest.mark.parametrize("mask", MASKS)
@pytest.mark.parametrize("tiebreak", ["leftmost", "rightmost"])
def test_generate_breaks_ties_like_the_exact_semantics(mask: str, tiebreak: str) -> None:
    net = _echo(mask, tiebreak)
    module = to_torch(net, "float64")
    for length in range(1, 6):
        words = all_words(length, 2, 0, 2**length)
        got = module.generate(torch.from_numpy(words)).tolist()
        full = module.logits(torch.from_numpy(words))[:, -1]
        for w, g, row in zip(words.tolist(), got, full):
            sym, margin = generate_exact(net, ["ab"[c] for c in w])
            if margin > 0:  # no unmasked position: the zero vector, a tie, no unique answer
                assert "ab"[g] == sym, (w, mask, tiebreak)
                assert int(row.argmax()) == g  # the last-only step = the full computation


def test_the_tie_break_decides_by_hand() -> None:
    words = torch.from_numpy(np.array([[0, 1, 1], [1, 0, 0]]))
    assert to_torch(_echo("none", "leftmost"), "float64").generate(words).tolist() == [0, 1]
    assert to_torch(_echo("none", "rightmost"), "float64").generate(words).tolist() == [1, 0]
    assert to_torch(_echo("j<i", "leftmost"), "float64").generate(words).tolist() == [0, 1]
    assert to_torch(_echo("j<i", "rightmost"), "float64").generate(words).tolist() == [1, 0]
