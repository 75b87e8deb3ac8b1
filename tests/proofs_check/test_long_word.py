"""The witness word through every recogniser, and its corruptions, via proofs_check.long_word."""
from __future__ import annotations

import numpy as np
import pytest

from automata.errors import ParameterError
from proofs_check import long_word
from proofs_check.cli import main
from proofs_check.long_word import check_witness_word
from tasks.tiling_witness import expected_witness_length


@pytest.mark.parametrize("n", [1, 2, 3])
def test_word_accepted_and_corruptions_rejected(n: int) -> None:
    report = check_witness_word(n, corruptions=12 if n < 3 else 6)
    assert report.length == expected_witness_length(n)
    assert all(report.accepted.values()) and report.prefix_free
    assert len(report.corruptions) == (12 if n < 3 else 6) and report.ok
    assert len({c.position for c in report.corruptions}) > 1
    assert "rejected by all four" in report.summary()


def test_resuming_from_inner_checkpoints() -> None:
    """With a checkpoint every 8 positions the interpreter and the RNN resume mid-word."""
    report = check_witness_word(2, corruptions=20, every=8, seed=3)
    assert report.ok and any(c.position >= 8 for c in report.corruptions)


def test_resuming_after_the_corruption_is_caught(monkeypatch) -> None:
    """Negative test: resuming from the first checkpoint AFTER the corruption skips it — accepted."""
    real = long_word.last_checkpoint

    def late(run, position):
        later = [cp for cp in run.checkpoints if cp.position > position]
        return later[0] if later else real(run, position)

    monkeypatch.setattr(long_word, "last_checkpoint", late)
    report = check_witness_word(2, corruptions=20, every=8, seed=3)
    assert not report.ok and any(c.verdicts["B-RASP"] for c in report.corruptions)
    print(report.summary())


def test_workers_give_the_same_verdicts() -> None:
    one = check_witness_word(2, corruptions=6, seed=5)
    two = check_witness_word(2, corruptions=6, seed=5, workers=2)
    assert one.corruptions == two.corruptions


def test_a_recogniser_that_accepts_everything_is_caught(monkeypatch) -> None:
    """Negative test: a UHAT run that says yes everywhere fails the prefix and corruption checks."""
    real = long_word.class_run

    def yes(module, word):
        run = real(module, word)
        return type(run)(np.ones_like(run.verdicts), run.max_classes, run.max_pairs)

    monkeypatch.setattr(long_word, "class_run", yes)
    report = check_witness_word(1, corruptions=3)
    assert not report.ok and not report.prefix_free
    assert all(c.verdicts["UHAT"] and not c.verdicts["reference"] for c in report.corruptions)
    print(report.summary())
    assert "ACCEPTED by ['UHAT']" in report.summary()


def test_refusals() -> None:
    for bad in ({"n": 0}, {"n": 5}, {"n": 2, "corruptions": -1}, {"n": 2, "every": 0}, {"n": 2, "workers": 0}):
        with pytest.raises(ParameterError):
            check_witness_word(**bad)


def test_cli(capsys) -> None:
    assert main(["witness-word", "-n", "2", "--corruptions", "3"]) == 0
    out = capsys.readouterr().out
    assert "256 symbols" in out and "3/3 random single-symbol corruptions rejected by all four" in out
