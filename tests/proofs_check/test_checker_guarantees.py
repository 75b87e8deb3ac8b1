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
