"""The compiled exact RNN run equals the numpy semantics, and refuses what it cannot run exactly."""
from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest

from automata.alphabet import encode_word
from automata.errors import ParameterError, PrecisionError
from constructions.exact import Affine
from constructions.library.counter_rnn import counter_rnn
from constructions.library.tiling_rnn import tiling_rnn
from constructions.rnn.compiled import run_prefixes_compiled
from constructions.rnn.model import ElmanRNN
from tasks.tiling import shortest_word
from tasks.tiling_witness import counter_witness

RNNS = [counter_rnn(2, "stream"), counter_rnn(3, "full"), tiling_rnn(counter_witness(1, "strict")),
        tiling_rnn(counter_witness(2, "as-stated"))]


@pytest.mark.parametrize("rnn", RNNS, ids=["counter2s", "counter3f", "tiling1", "tiling2"])
def test_equals_numpy_semantics(rnn) -> None:
    rng = np.random.default_rng(7)
    for length in (1, 5, 40):
        for _ in range(10):
            w = rng.integers(0, len(rnn.alphabet), size=length)
            assert (run_prefixes_compiled(rnn, w) == rnn.run_prefixes(w[None])[0]).all()


def test_witness_word_n3() -> None:
    inst = counter_witness(3, "strict")
    rnn = tiling_rnn(inst)
    out = run_prefixes_compiled(rnn, encode_word(shortest_word(inst), rnn.alphabet))
    assert bool(out[-1]) and int(out.sum()) == 1


def _doubler() -> ElmanRNN:
    """h' = ReLU(2h + [a]) — grows past any claimed precision."""
    return ElmanRNN(("a", "b"), Affine.build(1, 1, {(0, 0): 2}), Affine.build(2, 1, {(0, 0): 1}),
                    (Fraction(0),), "relu", Affine.build(1, 1, {(0, 0): 1}), 3, ("h",))


def test_precision_claim_checked() -> None:
    with pytest.raises(PrecisionError, match="after 4 symbols"):
        run_prefixes_compiled(_doubler(), np.zeros(5, dtype=np.int64))  # 1, 3, 7 ≤ 7; 15 > 7


def test_refusals() -> None:
    half = replace(_doubler(), W=Affine.build(1, 1, {(0, 0): Fraction(1, 2)}))
    with pytest.raises(ParameterError, match="integral"):
        run_prefixes_compiled(half, np.zeros(3, dtype=np.int64))
    huge = replace(_doubler(), readout=Affine.build(1, 1, {(0, 0): 2**61}), precision_bits=8)
    with pytest.raises(ParameterError, match="int64"):
        run_prefixes_compiled(huge, np.zeros(3, dtype=np.int64))
