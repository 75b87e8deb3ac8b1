"""The documentation runs: docs/api.md's examples (doctest), the B-RASP files of examples/, the code blocks
of docs/brasp-syntax.md and the quick tier of docs/check_numbers.py (issue 13 items 7 and 10).

Each checker also gets a planted bug it must catch. The full tier of the number checker (minutes) is
marked slow; it needs MONA (ltlf2dfa's backend) and fails without it when CI=true, skips otherwise.
"""
from __future__ import annotations

import contextlib
import doctest
import importlib.util
import io
import os
import re
import sys
from pathlib import Path
from typing import Callable

import pytest

from automata.alphabet import all_words
from automata.errors import MalformedProgramError
from constructions.brasp.interpreter import accepts as brasp_accepts
from constructions.brasp.syntax import format_program, parse_program
from proofs_check.cli import main as succinct
from proofs_check.registry import family

ROOT = Path(__file__).resolve().parent.parent


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "docs" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


numbers = _load("check_numbers")


def fenced(text: str, info: str) -> list[tuple[int, str, str]]:
    """(first line number, info string, content) of every fenced block whose info starts with ``info``."""
    out, lines, k = [], text.splitlines(), 0
    while k < len(lines):
        m = re.match(r"^(`{3,})(.*)$", lines[k])
        if m:
            end = next(j for j in range(k + 1, len(lines)) if lines[j].startswith(m.group(1)))
            if m.group(2).split()[:1] == [info]:
                out.append((k + 2, m.group(2).strip(), "\n".join(lines[k + 1:end])))
            k = end
        k += 1
    return out


# --------------------------------------------------------------------------- docs/api.md


def run_pycon(path: Path) -> doctest.TestResults:
    """Every ```pycon block of ``path`` as one doctest session (shared globals), with the document's
    line numbers in failure reports."""
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    globs: dict[str, object] = {"__name__": "api_md"}
    for line, _, body in fenced(path.read_text(encoding="utf-8"), "pycon"):
        test = parser.get_doctest(body + "\n", globs, path.name, str(path), line - 1)
        test.globs = globs  # DocTest copies its globals: share one namespace, as in a session
        runner.run(test, clear_globs=False)
    return runner.summarize(verbose=False)


def test_api_examples_run() -> None:
    result = run_pycon(ROOT / "docs" / "api.md")
    assert result.attempted > 50 and result.failed == 0


def test_api_doctest_catches_a_wrong_output(tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text("```pycon\n>>> 1 + 1\n3\n\n```\n", encoding="utf-8")
    with contextlib.redirect_stdout(io.StringIO()):
        assert run_pycon(bad).failed == 1


# --------------------------------------------------------------------------- examples/


def _counter_n1(word: str) -> bool:
    h = {("a", "b"), ("b", "a"), ("b", "c"), ("c", "b")}
    return len(word) == 6 and word[:1] + word[2:4] + word[5] == "0#1#" and (word[1], word[4]) in h


EXAMPLES: dict[str, tuple[str, Callable[[str], bool]]] = {
    "ab_plus.brasp": ("(ab)+ — a b repeated one or more times", lambda w: re.fullmatch(r"(ab)+", w) is not None),
    "dyck1_depth2.brasp": ('Dyck-1 of depth at most 2 — (l(lr)*r)+ over l = "(", r = ")"',
                           lambda w: re.fullmatch(r"(l(lr)*r)+", w) is not None),
    "counter_n1.brasp": ("the counter of [BCL] Example 2 for n = 1, full variant: 0x#1y# with (x, y) in "
                         "H = {ab, ba, bc, cb}", _counter_n1),
    "first_equals_last.brasp": ("words over {a, b} whose first symbol equals their last symbol", lambda w: w[0] == w[-1]),
    "alternating.brasp": ("words over {a, b} with no two equal neighbours (abab…, baba…)",
                          lambda w: all(x != y for x, y in zip(w, w[1:]))),
    "first_repeats.brasp": ("words over {a, b, c} whose first symbol occurs again later", lambda w: w[0] in w[1:]),
}
MAX_LEN = 6


def language_mismatch(text: str, predicate: Callable[[str], bool], max_len: int = MAX_LEN) -> str | None:
    """The shortest, then least, word up to ``max_len`` where the program and the predicate differ."""
    program = parse_program(text)
    k = len(program.alphabet)
    for length in range(1, max_len + 1):
        words = all_words(length, k)
        got = brasp_accepts(program, words)
        for row, verdict in zip(words, got):
            word = "".join(program.alphabet[c] for c in row)
            if bool(verdict) != predicate(word):
                return word
    return None


def test_every_example_is_listed() -> None:
    assert sorted(p.name for p in (ROOT / "examples").glob("*.brasp")) == sorted(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_states_its_language(name: str) -> None:
    text = (ROOT / "examples" / name).read_text(encoding="utf-8")
    stated, predicate = EXAMPLES[name]
    assert text.splitlines()[0] == f"# language: {stated}"
    assert language_mismatch(text, predicate) is None


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_passes_succinct_program(name: str) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = succinct(["program", str(ROOT / "examples" / name), "--max-len", str(MAX_LEN)])
    assert code == 0 and ": AGREE [" in out.getvalue()


def test_counter_example_is_the_library_program() -> None:
    text = (ROOT / "examples" / "counter_n1.brasp").read_text(encoding="utf-8")
    assert parse_program(text) == family("counter").program(1, "full")
    assert format_program(parse_program(text)) in text


def test_a_wrong_example_is_caught(tmp_path: Path) -> None:
    text = (ROOT / "examples" / "ab_plus.brasp").read_text(encoding="utf-8")
    wrong = text.replace("Y(i) := ▶_j[1, ¬I(j)] 0 : 1", "Y(i) := ▶_j[j<i, ¬I(j)] 0 : 1")
    assert wrong != text
    assert language_mismatch(wrong, EXAMPLES["ab_plus.brasp"][1]) == "a"
    bad = tmp_path / "bad.brasp"
    bad.write_text("alphabet: a b\nY(i) := X(i)\n", encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert succinct(["program", str(bad)]) == 2
    assert err.getvalue() == "error: line 2: unknown predicate X (not a symbol predicate nor defined earlier)\n"


# --------------------------------------------------------------------------- docs/brasp-syntax.md


def syntax_problems(text: str) -> list[str]:
    """Every ```brasp block parses and round-trips, or fails with the message of its '# error:' line."""
    problems = []
    for line, _, body in fenced(text, "brasp"):
        first = body.splitlines()[0] if body else ""
        expected = first[len("# error: "):] if first.startswith("# error: ") else None
        try:
            program = parse_program(body)
        except MalformedProgramError as err:
            if str(err) != expected:
                problems.append(f"line {line}: {err} (expected {expected or 'no error'})")
            continue
        if expected is not None:
            problems.append(f"line {line}: parsed, expected the error {expected!r}")
        elif not parse_program(format_program(program)) == parse_program(format_program(program, "ascii")) == program:
            problems.append(f"line {line}: does not round-trip through format_program")
    return problems


def test_syntax_doc_blocks() -> None:
    text = (ROOT / "docs" / "brasp-syntax.md").read_text(encoding="utf-8")
    assert len(fenced(text, "brasp")) >= 20
    assert syntax_problems(text) == []


def test_syntax_doc_check_catches_a_wrong_message() -> None:
    text = (ROOT / "docs" / "brasp-syntax.md").read_text(encoding="utf-8")
    planted = text.replace("# error: line 3: unknown predicate X", "# error: line 4: unknown predicate X", 1)
    assert planted != text and len(syntax_problems(planted)) == 1
    bad_program = "```brasp\nalphabet: a b\nY(i) := Q_c(i)\n```\n"
    assert len(syntax_problems(bad_program)) == 1


# --------------------------------------------------------------------------- docs/check_numbers.py


def test_quick_numbers_match() -> None:
    outcomes = numbers.run_checks("quick")
    bad = [f"{o.what}\n{o.detail}" for o in outcomes if not o.ok]
    assert len(outcomes) > 40 and bad == []


@pytest.mark.parametrize("expected, actual, ok", [
    (["a <time> s"], ["a 1,234.5 s"], True),
    (["a <time> s"], ["a fast s"], False),
    (["x ... z"], ["x y y z"], True),
    (["x", "...", "z"], ["x", "z"], True),
    (["x", "...", "z"], ["x", "1", "2", "z"], True),
    (["x", "z"], ["x", "y", "z"], False),
    (["11 accepted"], ["12 accepted"], False),
    (["x"], ["x", "y"], False),
])
def test_matcher(expected: list[str], actual: list[str], ok: bool) -> None:
    assert numbers.matches(expected, actual) is ok


def test_matcher_finds_a_quoted_table_anywhere() -> None:
    assert numbers.matches(["| 1 | 2 |"], ["title", "| 1 | 2 |", "- note"], anywhere=True)
    assert not numbers.matches(["| 1 | 3 |"], ["title", "| 1 | 2 |", "- note"], anywhere=True)


def test_a_wrong_transcript_and_exit_status_are_caught() -> None:
    doc = ("```console quick\n$ succinct ltl 'a S b' --dfa\n...\nDFA:      4 states ...\n...\n```\n"
           "```console quick\n$ succinct verify counter -n 0 --max-len 2\nerror: ...\n[exit 3]\n```\n")
    first, second = numbers.read_marks("doc.md", doc)
    assert (first.line, first.exit, second.exit) == (2, 0, 3)
    runner = numbers.Runner()
    assert not numbers.check_command(first, runner).ok
    outcome = numbers.check_command(second, runner)
    assert not outcome.ok and "exit status 2, expected 3" in outcome.detail


def test_a_wrong_claim_is_caught() -> None:
    claim = numbers.load_claims()[0]
    texts = {claim.doc: "nothing here"}
    assert "not in the document" in numbers.check_claim(claim, texts).detail
    wrong = type(claim)(claim.doc, claim.tier, claim.text, lambda: claim.text + " (changed)")
    assert not numbers.check_claim(wrong, {claim.doc: claim.text}).ok


@pytest.mark.parametrize("doc", [
    "```console\n$ succinct tasks\n```\n",  # no tier
    "```console quick\n$ python x.py\n```\n",  # not a succinct command
    "<!-- output-of quick: succinct tasks -->\n\ntext\n",  # nothing quoted
    "<!-- output-of: succinct tasks -->\n| a |\n",  # no tier
])
def test_malformed_marks_are_refused(doc: str) -> None:
    with pytest.raises(numbers.MarkError):
        numbers.read_marks("doc.md", doc)


def test_every_claim_module_names_existing_text() -> None:
    texts = {doc: (ROOT / doc).read_text(encoding="utf-8") for doc in numbers.DOCS}
    missing = [c.text for c in numbers.load_claims() if numbers.normalise(c.text) not in numbers.normalise(texts[c.doc])]
    assert missing == []


@pytest.mark.slow
def test_full_numbers_match() -> None:
    from automata.ltl.mona import available

    if not available() and os.environ.get("CI") != "true":
        pytest.skip("MONA is not installed (the full tier compares with it)")
    outcomes = numbers.run_checks("full")
    bad = [f"{o.what}\n{o.detail}" for o in outcomes if not o.ok]
    assert bad == []

