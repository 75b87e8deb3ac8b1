"""Progress bars (issue 13 item 8): stderr only, on by flag or TTY, and a final N/N equal to the summary's N.

Each command runs in process with ``--progress`` (forced: pytest's stderr is no terminal); the bar's
last ``| N/M [`` must have N = M = the number its summary line reports. Planted bugs (the old causal
credit of one word per row, a wrong c-gram total) must make that comparison fail.
"""
from __future__ import annotations

import io
import itertools
import os
import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from automata.alphabet import all_words
from automata.errors import ParameterError
from proofs_check import exhaustive
from proofs_check.cli import retrieval as retrieval_commands
from proofs_check.cli import main
from proofs_check.demo import SECTIONS, run_sections
from proofs_check.progress import Bar, bar, wanted
from proofs_check.cli.retrieval import _avoiding, cgram_valid_inputs

FINAL = re.compile(r"\| (\d+)/(\d+) \[")
TM_COUNTER = str(Path(__file__).resolve().parents[2] / "examples" / "counter.tm")


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _final(err: str) -> tuple[int, int]:
    """The bar's last drawn count and total (tqdm redraws with carriage returns)."""
    hits = FINAL.findall(err)
    assert hits, f"no bar on stderr: {err!r}"
    return int(hits[-1][0]), int(hits[-1][1])


def _number(pattern: str, out: str) -> int:
    m = re.search(pattern, out)
    assert m, f"{pattern!r} not in {out!r}"
    return int(m.group(1).replace(",", ""))


def _table_rows(out: str) -> int:
    return sum(bool(re.match(r"\| \d+ \|", line)) for line in out.splitlines())


def _mona() -> None:
    from automata.ltl import mona

    if not mona.available():
        if os.environ.get("CI") == "true":
            pytest.fail("MONA/ltlf2dfa missing: the CI install step (.ci/run: apt-get install mona) did not run")
        pytest.skip("MONA or ltlf2dfa not installed")


CASES = [  # argv, the summary's number (a regex group or a function of stdout)
    (["verify", "counter", "-n", "1", "--max-len", "6"], r"([\d,]+) words of length 1\.\.6"),
    (["verify", "ab-plus", "--max-len", "8"], r"([\d,]+) words of length 1\.\.8"),
    (["verify", "index", "-n", "3"], r"([\d,]+) inputs \(all\)"),
    (["verify", "cgram", "-n", "3"], r"([\d,]+) inputs \(all\)"),
    (["verify", "index", "-n", "3", "--sample", "50"], r"([\d,]+) inputs \(random\)"),
    (["verify", "ltl-random", "--count", "20"], r"(\d+) formulas"),
    (["mutate", "counter", "-n", "1", "--count", "3", "--max-len", "4"], r"\d+/(\d+) mutants caught"),
    (["suite", "blank_strict", "--max-len", "3", "--max-rows", "2", "--budget", "60"], r"\d+/(\d+) instances pass"),
    (["table", "counter", "-n", "1..2"], _table_rows),
    (["prove", "ab-plus", "--what", "precision,uhat"], r"ALL PROVED: (\d+) sections"),
    (["witness-word", "-n", "1", "--corruptions", "3"], r"\d+/(\d+) random single-symbol corruptions"),
]


def _summary_number(summary, out: str) -> int:
    return summary(out) if callable(summary) else _number(summary, out)


@pytest.mark.parametrize("argv, summary", CASES, ids=[" ".join(a[:2]) + f"-{i}" for i, (a, _) in enumerate(CASES)])
def test_the_final_count_is_the_summarys_number(capsys, argv, summary) -> None:
    if "ltl-random" in argv:
        _mona()
    code, out, err = _run(capsys, *argv, "--progress")
    assert code == 0, out + err
    done, total = _final(err)
    assert done == total == _summary_number(summary, out)
    assert FINAL.search(out) is None  # no bar on stdout


def test_counter_max_len_8_counts_every_length() -> None:
    """The measured bug: the causal pass showed k^8 = 1,679,616 words while the summary said 2,015,538."""
    k, chunk = 6, 1 << 15
    credited = sum(exhaustive._decided(all_words(8, k, lo, lo + chunk)) for lo in range(0, k**8, chunk))
    assert credited == sum(k**n for n in range(1, 9)) == 2_015_538


@given(st.integers(1, 4), st.integers(1, 5), st.integers(1, 50))
def test_causal_chunks_credit_each_word_once(k: int, length: int, chunk: int) -> None:
    credited = sum(exhaustive._decided(all_words(length, k, lo, lo + chunk)) for lo in range(0, k**length, chunk))
    assert credited == sum(k**n for n in range(1, length + 1))


def test_the_old_causal_credit_is_caught(capsys, monkeypatch) -> None:
    """Planted: one word per row of the longest length (the old bar) — the check's own count of the words
    it decided no longer equals the number of words up to max_len, and it stops as a bug (exit 70)."""
    monkeypatch.setattr(exhaustive, "_decided", lambda words: len(words))
    code, out, err = _run(capsys, "verify", "counter", "-n", "1", "--max-len", "4", "--progress")
    assert code == 70 and "decided 1,296 words, expected 1,554" in err


def test_a_wrong_cgram_total_is_caught(capsys, monkeypatch) -> None:
    """Planted: the c-gram total counted over all rows instead of the valid ones."""
    monkeypatch.setattr(retrieval_commands, "cgram_valid_inputs", lambda n, c: n ** (n + c - 1))
    code, out, err = _run(capsys, "verify", "cgram", "-n", "3", "--progress")
    assert code == 0
    done, total = _final(err)
    assert done == _number(r"([\d,]+) inputs", out) == 45 != total == 81


@pytest.mark.parametrize("n, c", [(n, c) for c in (2, 3) for n in range(c, 6)])
def test_cgram_valid_inputs_equal_the_enumeration(n: int, c: int) -> None:
    from tasks.retrieval import CgramTask

    task = CgramTask(n, c)
    total = task.input_space()
    valid = sum(int(task.encode_inputs(lo, min(total, lo + 4096))[1].sum()) for lo in range(0, total, 4096))
    assert cgram_valid_inputs(n, c) == valid


@given(st.integers(1, 3), st.integers(0, 6), st.lists(st.integers(0, 2), min_size=1, max_size=3))
def test_words_avoiding_a_pattern(k: int, m: int, y: list[int]) -> None:
    y = tuple(a % k for a in y)
    brute = sum(not any(w[i:i + len(y)] == y for i in range(m - len(y) + 1))
                for w in itertools.product(range(k), repeat=m))
    assert _avoiding(y, k, m) == brute


QUIET = [
    ["verify", "ab-plus", "--max-len", "6"],
    ["verify", "index", "-n", "3"],
    ["table", "counter", "-n", "1..2"],
    ["witness-word", "-n", "1", "--corruptions", "2"],
    ["tm", TM_COUNTER, "-n", "1", "--verify", "--budget", "300"],
]
TIMES = re.compile(r"\d[\d,]*(\.\d+)?\s?(s|words/s|inputs/s)\b|\d+\.\d+s")


@pytest.mark.parametrize("argv", QUIET, ids=[" ".join(a[:2]) for a in QUIET])
def test_no_bar_without_a_terminal_and_the_same_stdout(capsys, argv) -> None:
    code, plain, err = _run(capsys, *argv)
    assert code == 0 and err == ""
    code, off, err = _run(capsys, *argv, "--no-progress")
    assert code == 0 and err == ""
    code, forced, err = _run(capsys, *argv, "--progress")
    assert code == 0 and FINAL.search(err)
    assert TIMES.sub("T", plain) == TIMES.sub("T", off) == TIMES.sub("T", forced)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_the_bar_by_default(capsys, monkeypatch) -> None:
    tty = _Terminal()
    monkeypatch.setattr(sys, "stderr", tty)
    assert main(["verify", "ab-plus", "--max-len", "5"]) == 0
    assert _final(tty.getvalue()) == (62, 62)
    assert FINAL.search(capsys.readouterr().out) is None
    tty2 = _Terminal()
    monkeypatch.setattr(sys, "stderr", tty2)
    assert main(["verify", "ab-plus", "--max-len", "5", "--no-progress"]) == 0
    assert tty2.getvalue() == ""


def test_the_policy() -> None:
    assert wanted(True, io.StringIO()) and not wanted(False, _Terminal())
    assert wanted(None, _Terminal()) and not wanted(None, io.StringIO())
    closed = io.StringIO()
    closed.close()
    assert not wanted(None, closed)
    with pytest.raises(ParameterError):
        wanted("yes")  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        Bar(-1, "x", "unit", False)


def test_a_bar_writes_to_stderr_only(capsys) -> None:
    with bar(5, "t", "unit", True) as b, b.printing():
        for k in range(5):
            print(f"line {k}", end="\n" if k % 2 else "")
            b.update(1)
            b.advance_to(b.n)  # no-op: already there
    out, err = capsys.readouterr()
    assert out == "line 0line 1\nline 2line 3\nline 4"
    assert _final(err) == (5, 5) and "line" not in err
    with bar(5, "t", "unit", False) as b, b.printing():
        print("quiet")
        b.update(5)
    out, err = capsys.readouterr()
    assert (out, err, b.n) == ("quiet\n", "", 5)


def test_demo_sections_count_and_keep_going(capsys) -> None:
    def good() -> bool:
        print("good section")
        return True

    def bad() -> bool:
        print("bad section")
        return False

    assert run_sections([("a", good), ("b", bad), ("c", good)], progress=True) == 2
    out, err = capsys.readouterr()
    assert out == "good section\nbad section\ngood section\n"
    assert _final(err) == (3, 3)
    assert len({name for name, _ in SECTIONS}) == len(SECTIONS) >= 10


@pytest.mark.slow
def test_sharded_bar_counts_shards(capsys) -> None:
    code, out, err = _run(capsys, "verify", "ab-plus", "--max-len", "4", "--shards", "2", "--workers", "1",
                          "--progress")
    assert code == 0
    assert _final(err) == (2, 2) and "2 shards (0 resumed)" in out


@pytest.mark.slow
def test_istree_bar_counts_edge_lists(capsys) -> None:
    code, out, err = _run(capsys, "verify", "istree", "-n", "3", "--progress")
    assert code == 0
    done, total = _final(err)
    assert done == total == _number(r"istree n=3: ([\d,]+) ordered", out)


def test_disagreement_stops_the_bar_at_the_reported_count(capsys) -> None:
    """A perturbed retrieval weight: the check stops early and the bar stops at the summary's count."""
    code, out, err = _run(capsys, "verify", "index", "-n", "3", "--break-weight", "--progress")
    assert code == 0 and "DISAGREE" in out
    done, total = _final(err)
    assert 0 < done == _number(r"([\d,]+) inputs", out) and total == 81


def test_tm_verify_counts_its_stages(capsys) -> None:
    """``tm --verify --progress``: one unit per stage of proofs_check.tm_check.STAGES, each named while it
    runs; without --verify there is no bar even when forced (nothing long runs)."""
    from proofs_check.tm_check import STAGES

    code, out, err = _run(capsys, "tm", TM_COUNTER, "-n", "1", "--verify", "--budget", "300", "--progress")
    assert code == 0 and out.rstrip().splitlines()[-1].startswith("AGREE")
    assert _final(err) == (len(STAGES), len(STAGES))
    assert all(name in err for name in STAGES[1:])
    code, out, err = _run(capsys, "tm", TM_COUNTER, "-n", "1", "--progress")
    assert code == 0 and err == ""
