"""The mutation harness itself (issue 14 item 2, ``make mutation``; :mod:`tests.mutation`): the curated
list matches the sources, stale or ambiguous entries are refused, and on a toy repository a planted bug
is killed, an untested one survives, and the file is restored byte for byte either way."""
from __future__ import annotations

import py_compile
from pathlib import Path

import pytest

from tests.mutation import run
from tests.mutation.mutants import EQUIVALENT, MUTANTS, Mutant
from tests.mutation.run import MutationError, Outcome, check_list, first_failure, run_mutant, summary

ROOT = Path(__file__).resolve().parents[1]


def test_the_curated_list_matches_the_sources() -> None:
    assert len(MUTANTS) >= 40
    assert check_list(MUTANTS, ROOT) == [], "update tests/mutation/mutants.py to the edited sources"
    assert all(reason.strip() for reason in EQUIVALENT.values())


def test_every_mutant_still_compiles(tmp_path: Path) -> None:
    """A mutant that does not compile would be 'killed' by an import error: not a test of the tests."""
    for m in MUTANTS:
        src = (ROOT / m.file).read_text(encoding="utf-8").replace(m.original, m.replacement)
        path = tmp_path / f"{m.name}.py"
        path.write_text(src, encoding="utf-8")
        py_compile.compile(str(path), cfile=str(tmp_path / "x.pyc"), doraise=True)


def _mutant(name: str, original: str, replacement: str, file: str = "toy.py",
            tests: tuple[str, ...] = ("test_toy.py",)) -> Mutant:
    return Mutant(name, "toy", file, original, replacement, "a toy mutant", tests)


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    (tmp_path / "toy.py").write_text("def add(a, b):\n    return a + b\n\n\ndef unused(a):\n    return a * 2\n")
    (tmp_path / "test_toy.py").write_text("from toy import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n")
    return tmp_path


def test_stale_ambiguous_and_duplicate_entries_are_reported(toy: Path) -> None:
    (toy / "toy.py").write_text((toy / "toy.py").read_text() + "\n\ndef again(a, b):\n    return a + b\n")
    problems = check_list([
        _mutant("gone", "return a - b", "return a"),
        _mutant("twice", "return a + b", "return a - b"),
        _mutant("same", "return a * 2", "return a * 2"),
        _mutant("same", "def unused(a):", "def unused(b):"),
        _mutant("no-test", "def add(", "def plus(", tests=("test_missing.py",)),
        _mutant("no-file", "x", "y", file="nowhere.py"),
    ], toy)
    text = "\n".join(problems)
    assert "gone: the snippet occurs 0 times" in text
    assert "twice: the snippet occurs 2 times" in text
    assert "same: duplicate name" in text and "same: the replacement equals the original" in text
    assert "no-test: no test file test_missing.py" in text
    assert "no-file: no file nowhere.py" in text


def test_a_planted_bug_is_killed_and_an_untested_one_survives(toy: Path) -> None:
    before = (toy / "toy.py").read_bytes()
    killed = run_mutant(_mutant("toy-sub", "return a + b", "return a - b"), toy, 120, full=False)
    assert killed.status == "killed" and killed.killer == "test_toy.py::test_add"
    assert (toy / "toy.py").read_bytes() == before
    survived = run_mutant(_mutant("toy-unused", "return a * 2", "return a * 3"), toy, 120, full=False)
    assert survived.status == "survived"
    assert (toy / "toy.py").read_bytes() == before


def test_a_mutant_that_does_not_compile_is_refused_and_the_file_restored(toy: Path) -> None:
    before = (toy / "toy.py").read_bytes()
    with pytest.raises(MutationError, match="does not compile"):
        run_mutant(_mutant("toy-syntax", "return a + b", "return a +"), toy, 120, full=False)
    assert (toy / "toy.py").read_bytes() == before


def test_a_hanging_test_counts_as_killed_by_timeout(toy: Path) -> None:
    m = _mutant("toy-hang", "return a + b", "__import__('time').sleep(60)")
    o = run_mutant(m, toy, 3, full=False)
    assert o.status == "timeout" and o.killed and o.ok


def test_summary_counts_equivalents_apart() -> None:
    m = MUTANTS[0]
    outs = [Outcome(m, "killed", 1.0, "t"), Outcome(m, "equivalent", 1.0, "why"), Outcome(m, "survived", 1.0, "")]
    text = summary(outs, 3.0)
    assert "mutants: 3, killed: 1" in text and "kill rate 1/2 = 50.0%" in text and "SURVIVED" in text
    assert not all(o.ok for o in outs)


def test_first_failure_reads_pytest_summaries() -> None:
    assert first_failure("x\nFAILED tests/a.py::test_b[1] - assert 0\n") == "tests/a.py::test_b[1]"
    assert first_failure("ERROR tests/a.py - ImportError\n") == "tests/a.py"
    assert first_failure("") == "(no output)"


def test_options_are_bounded(capsys) -> None:
    for argv in (["--jobs", "3"], ["--jobs", "0"], ["--timeout", "0"]):
        with pytest.raises(SystemExit) as e:
            run._args(argv)
        assert e.value.code == 2
    assert run.main(["--only", "no-such-mutant-anywhere"]) == 2
    assert "no mutant matches" in capsys.readouterr().err
