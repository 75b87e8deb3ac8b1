"""Property: the B-RASP text format round-trips ([BCL] §2.3's notation; docs/theory.md §2).

For every well-formed program ``p`` the printer accepts (odd symbols, every mask and tie-break, any
formula AST — nested ∧ inside ∧, ``¬¬x``, constants inside connectives), in both print styles:
``parse_program(format_program(p, style)) == p`` and printing the parsed program gives the same text;
the ASCII print is ASCII (where the names are) and parses to the same program as the Unicode one.
Planted printer bugs must make these properties fail with a counterexample.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from constructions.brasp import syntax
from constructions.brasp.formula import Q
from constructions.brasp.program import PositionOp, Program
from constructions.brasp.syntax import format_program, parse_program
from tests.strategies import counterexample, syntax_programs

STYLES = ("unicode", "ascii")
ROUND_TRIP = st.tuples(syntax_programs(), st.sampled_from(STYLES))
SMALL_PROGRAMS = syntax_programs(max_ops=3)
HYP = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@pytest.fixture(autouse=True)
def no_eval(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parser and printer must never hand text to eval/exec (house rule). Patched in the syntax
    module's namespace only: hypothesis itself compiles its wrappers with exec."""

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("eval/exec called")

    for name in ("eval", "exec", "compile"):
        assert not hasattr(syntax, name)
        monkeypatch.setattr(syntax, name, forbidden, raising=False)


def check_round_trip(case: tuple[Program, str]) -> None:
    program, style = case
    text = format_program(program, style=style)  # type: ignore[arg-type]
    back = parse_program(text)
    assert (back, format_program(back, style=style)) == (program, text)  # type: ignore[arg-type]


def check_ascii(program: Program) -> None:
    ascii_text = format_program(program, style="ascii")
    if all(s.isascii() for s in (*program.alphabet, program.name)):
        assert ascii_text.isascii(), "non-ASCII character in the ASCII print"
    assert parse_program(ascii_text) == parse_program(format_program(program, style="unicode"))


@HYP
@given(ROUND_TRIP)
def test_parse_inverts_format(case: tuple[Program, str]) -> None:
    note(format_program(case[0], style=case[1]))  # type: ignore[arg-type]
    check_round_trip(case)


@HYP
@given(SMALL_PROGRAMS)
def test_ascii_style_is_ascii_and_styles_agree(program: Program) -> None:
    note(format_program(program, style="ascii"))
    check_ascii(program)


PLANTED = {
    # leftmost attention printed with the rightmost arrow: the parse differs from the program
    "tie-break arrow": ([("unicode", "leftmost", "▶_j"), ("ascii", "leftmost", ">_j")], ROUND_TRIP, check_round_trip),
    # the ASCII printer writes the Unicode negation
    "ascii negation": ([("ascii", "not", "¬")], SMALL_PROGRAMS, check_ascii),
    # the non-strict mask j<=i printed as the strict one
    "mask": ([("unicode", "j<=i", "j<i"), ("ascii", "j<=i", "j<i")], ROUND_TRIP, check_round_trip),
}


@pytest.mark.parametrize("bug", sorted(PLANTED))
def test_planted_printer_bug_is_caught(bug: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each planted printer bug makes its property fail; the counterexample is printed."""
    patches, strategy, check = PLANTED[bug]
    tried: list[object] = []

    def counted(case: object) -> None:
        tried.append(case)
        check(case)

    with monkeypatch.context() as planted:
        for style, key, text in patches:
            planted.setitem(syntax._SYMBOLS[style], key, text)
        found = counterexample(strategy, counted)
        with pytest.raises(AssertionError):
            check(found)
    check(found)  # the same case passes once the printer is restored
    program = found[0] if isinstance(found, tuple) else found
    print(f"planted bug {bug!r}: caught after {len(tried)} examples; counterexample\n{format_program(program)}")


@pytest.mark.parametrize("separator", ["\u2028", "\r", "\x85", "\n"])
def test_program_name_with_line_separator_is_refused(separator: str) -> None:
    """A name holding a line separator would print as two lines that parse_program splits: refused."""
    with pytest.raises(syntax.MalformedProgramError, match="one non-empty line"):
        Program(("a",), (PositionOp("X", Q("a")),), name=f"x{separator}y")
