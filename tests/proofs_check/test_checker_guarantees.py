"""The exhaustive checker's own guarantees (issue 14): with three or more deciders a broken one in the
middle is caught, on both the causal (prefix) and the whole-word path, and reported with every verdict."""
from __future__ import annotations

import numpy as np
import pytest

from automata.errors import ParameterError
from proofs_check.deciders import Decider, dfa_decider
from proofs_check.exhaustive import exhaustive_check
from proofs_check.registry import family


def _ab_plus():
    task = family("ab-plus").task(None, None)
    return task.alphabet, task.reference_dfa()


def _flip_at(fn, target: tuple[int, ...]):
    """``fn`` with the verdict on the word ``target`` (codes) flipped."""
    def run(words: np.ndarray) -> np.ndarray:
        out = np.array(fn(words), dtype=bool, copy=True)
        for r, w in enumerate(words):
            n = len(target)
            if len(w) >= n and tuple(int(x) for x in w[:n]) == target:
                if out.ndim == 2:
                    out[r, n - 1] = ~out[r, n - 1]
                elif len(w) == n:
                    out[r] = ~out[r]
        return out
    return run


@pytest.mark.parametrize("causal", [True, False])
@pytest.mark.parametrize("position", [1, 2, 3])
def test_a_broken_decider_anywhere_among_four_is_caught(causal: bool, position: int) -> None:
    alphabet, dfa = _ab_plus()
    good = dfa_decider(dfa)
    if not causal:
        good = Decider("reference DFA (whole words)", False, dfa.run)
    broken = Decider("broken", causal, _flip_at(good.fn, (0, 1, 0)))  # 'a b a': its verdict flipped
    ds = [good, Decider("copy 1", causal, good.fn), Decider("copy 2", causal, good.fn), Decider("copy 3", causal, good.fn)]
    ds[position] = broken
    report = exhaustive_check(alphabet, ds, 5)
    assert not report.agree
    assert report.disagreement.word == ("a", "b", "a")
    verdicts = dict(report.disagreement.verdicts)
    assert verdicts["broken"] is True and verdicts["reference DFA" if causal else "reference DFA (whole words)"] is False
    assert len(verdicts) == 4


def test_all_agree_when_nothing_is_broken() -> None:
    alphabet, dfa = _ab_plus()
    good = dfa_decider(dfa)
    report = exhaustive_check(alphabet, [good, Decider("copy", True, good.fn), Decider("copy 2", True, good.fn)], 6)
    assert report.agree and report.words == sum(2 ** n for n in range(1, 7))
    assert report.accepted == (0, 1, 0, 1, 0, 1)  # (ab)+: one word of each even length


@pytest.mark.parametrize("chunk", [0, -1, -(1 << 15)])
def test_a_chunk_that_checks_nothing_is_refused(chunk: int) -> None:
    alphabet, dfa = _ab_plus()
    good = dfa_decider(dfa)
    with pytest.raises(ParameterError, match="chunk"):
        exhaustive_check(alphabet, [good, Decider("copy", True, good.fn)], 4, chunk=chunk)


@pytest.mark.parametrize("data,fragment", [
    (b"alphabet: a b\nP(i) := Q_a(i) \xff\n", "not UTF-8 text (byte 0xff at offset 29)"),
    (b"\xef\xbb\xbfalphabet: a b\nP(i) := Q_a(i) & Q_b(i) &", "line 2:"),
    (b"alphabet: a b\nP(i) := " + b"(" * 5000 + b"Q_a(i)" + b")" * 5000, "nested deeper than"),
])
def test_program_files_that_are_not_programs(tmp_path, capsys, data: bytes, fragment: str) -> None:
    from proofs_check.cli import main

    path = tmp_path / "p.brasp"
    path.write_bytes(data)
    assert main(["program", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and fragment in err


@pytest.mark.parametrize("max_len", [12, 10_000, 10 ** 9])
def test_word_counts_are_bounded_before_any_work(max_len: int, capsys) -> None:
    """--max-len 10000 used to fail while formatting its own error (a 7,782-digit count); 10**9 summed for
    minutes. Now the running count stops at the limit."""
    import time

    from proofs_check.cli import main

    t = time.perf_counter()
    assert main(["verify", "counter", "-n", "1", "--max-len", str(max_len)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: more than the limit of 50,000,000 words") and err.count("\n") == 1
    assert time.perf_counter() - t < 10


def test_count_words() -> None:
    from proofs_check.exhaustive import count_words

    assert count_words(2, 3, 100) == 14 and count_words(1, 7, 100) == 7 and count_words(6, 2, 42) == 42
    with pytest.raises(ParameterError, match="more than the limit of 41 words"):
        count_words(6, 2, 41)
    with pytest.raises(ParameterError, match="more than the limit of 5 words"):
        count_words(1, 10 ** 12, 5)


def test_a_stopped_check_reports_the_words_it_checked() -> None:
    """Whole-word deciders stop after the length of the first disagreement: the report counts the words
    actually decided, not every word up to max_len."""
    alphabet, dfa = _ab_plus()
    good = Decider("whole", False, dfa.run)
    broken = Decider("broken", False, _flip_at(dfa.run, (0, 1)))
    report = exhaustive_check(alphabet, [good, broken], 8)
    assert report.disagreement.word == ("a", "b") and report.words == 2 + 4
