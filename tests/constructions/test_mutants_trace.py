"""Which coordinates a UHAT layer *writes* in a trace (docs/theory.md §1; ``constructions/uhat/trace.py``):
a row is a pass-through only when it copies the same-named coordinate with weight 1 **and no bias**.

Found by ``make mutation`` (issue 14): dropping the bias condition survived the default suite, whose
compiled networks never add a bias to a same-named copy. Here a hand-built layer does."""
from __future__ import annotations

from constructions.exact import Affine
from constructions.uhat.model import UHAT, AttentionLayer
from constructions.uhat.trace import trace_uhat


def _net() -> UHAT:
    """Layout (x, y, z) → (x, y, z, w): x' = x (a copy), y' = y + 1 (same name, biased), z' = x (same
    name, another source), w = attended y (a new name)."""
    emb = Affine.build(2, 3, {(0, 0): 1, (1, 1): 1, (2, 0): 1})
    c = Affine.build(6, 4, {(0, 0): 1, (1, 1): 1, (2, 0): 1, (3, 4): 1}, {1: 1})
    layer = AttentionLayer(Affine.zero(3, 1), Affine.zero(3, 1), c, "j<i", "rightmost")
    names = (("x", "y", "z"), ("x", "y", "z", "w"))
    return UHAT(("a", "b"), emb, (layer,), Affine.build(4, 1, {(0, 1): 1}), model="packed", names=names)


def test_a_biased_same_name_row_is_written() -> None:
    t = trace_uhat(_net(), ("a", "b", "a"))
    (step,) = t.layers
    assert step.names == ("x", "y", "z", "w")
    assert [step.names[r] for r in step.written] == ["y", "z", "w"]
    assert t.vectors[1][1] == 1 and step.vectors[1][1] == 2  # y + 1 at 'b'
