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
from constructions.rnn.compiled import RNNCheckpoint, run_checkpointed, run_prefixes_compiled
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


@pytest.mark.parametrize("rnn", RNNS, ids=["counter2s", "counter3f", "tiling1", "tiling2"])
def test_resume_from_checkpoints_equals_whole_run(rnn) -> None:
    rng = np.random.default_rng(11)
    word = rng.integers(0, len(rnn.alphabet), size=50)
    whole, marks = run_checkpointed(rnn, word, every=8)
    assert [m.position for m in marks] == list(range(0, 50, 8))
    assert (whole == rnn.run_prefixes(word[None])[0]).all()
    for mark in marks:
        bad = word.copy()
        p = int(rng.integers(mark.position, 50))
        bad[p] = (bad[p] + 1) % len(rnn.alphabet)
        got, _ = run_checkpointed(rnn, bad, resume=mark)
        assert not got[: mark.position].any()
        assert (got[mark.position:] == rnn.run_prefixes(bad[None])[0][mark.position:]).all()


def test_a_wrong_checkpoint_is_caught() -> None:
    """Negative test: resuming from h0 instead of the recorded state changes the verdicts."""
    inst = counter_witness(2, "strict")
    rnn = tiling_rnn(inst)
    word = encode_word(shortest_word(inst), rnn.alphabet)
    whole, marks = run_checkpointed(rnn, word, every=64)
    mid = marks[len(marks) // 2]
    wrong = RNNCheckpoint(mid.position, tuple(int(v) for v in rnn.h0))
    assert wrong.state != mid.state
    good, _ = run_checkpointed(rnn, word, resume=mid)
    bad, _ = run_checkpointed(rnn, word, resume=wrong)
    assert (good[mid.position:] == whole[mid.position:]).all()
    assert good[-1] and not bad[-1]
    print("resuming from h0 at", mid.position, "accepts the word:", bool(bad[-1]), "(the recorded state:", bool(good[-1]), ")")


def test_checkpoint_refusals() -> None:
    rnn = RNNS[0]
    with pytest.raises(ParameterError):
        run_checkpointed(rnn, np.zeros(3, dtype=np.int64), every=-1)
    with pytest.raises(ParameterError):
        run_checkpointed(rnn, np.zeros(3, dtype=np.int64), resume=RNNCheckpoint(3, tuple([0] * rnn.units)))
    with pytest.raises(ParameterError):
        run_checkpointed(rnn, np.zeros(3, dtype=np.int64), resume=RNNCheckpoint(0, (0,)))
    hi = rnn.max_activation
    for state in ((hi + 1,) + (0,) * (rnn.units - 1), (-1,) + (0,) * (rnn.units - 1), (2**62,) * rnn.units,
                  (0.5,) + (0,) * (rnn.units - 1)):
        with pytest.raises(ParameterError, match="outside"):
            run_checkpointed(rnn, np.zeros(3, dtype=np.int64), resume=RNNCheckpoint(0, state))
    for every in (2.5, True):
        with pytest.raises(ParameterError, match="every"):
            run_checkpointed(rnn, np.zeros(3, dtype=np.int64), every=every)
