"""The B-RASP text format: round trips, precedence, aliases, and one-line errors with line numbers."""
from __future__ import annotations

import builtins

import pytest

from automata.errors import MalformedProgramError
from constructions.brasp.formula import And, Const, Not, Or, P, Q, iff, implies
from constructions.brasp.program import AttentionOp, PositionOp, Program
from constructions.brasp.syntax import format_formula, format_program, parse_program
from constructions.library.presets import PRESETS

AB_PLUS_TEXT = """\
# (ab)+, THEORY §2
program: ab_plus
alphabet: a b
AB(i) := ▶_j[j<i, 1] Q_a(j) ∧ Q_b(i) : 0
BA(i) := ◀_j[j>i, 1] Q_a(i) ∧ Q_b(j) : 0
I(i) := AB(i) ∨ BA(i)
Y(i) := ▶_j[1, ¬I(j)] 0 : 1
"""


@pytest.fixture(autouse=True)
def no_eval(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parser must never hand text to eval/exec."""

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("eval/exec called")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)


@pytest.mark.parametrize("key", sorted(PRESETS))
@pytest.mark.parametrize("style", ["unicode", "ascii"])
def test_presets_round_trip(key: str, style: str) -> None:
    program = PRESETS[key]()
    text = format_program(program, style=style)  # type: ignore[arg-type]
    assert parse_program(text) == program
    assert format_program(parse_program(text), style=style) == text  # type: ignore[arg-type]
    if style == "ascii":
        assert text.isascii()


def test_theory_example_parses_to_preset() -> None:
    assert parse_program(AB_PLUS_TEXT) == PRESETS["ab_plus"]()


def test_ascii_and_simulator_spellings() -> None:
    text = """\
program: ab_plus
alphabet: a b
accept: last
AB(i) := >_j[j<i, 1] Q_a(j) & Q_b(i) : 0
BA(i) := <[i<j, 1] Q_a(i) and Q_b(j) : 0
I(i) := AB(i) || BA(i)
Y(i) := >_j[1, not I(j)] 0 : 1
"""
    assert parse_program(text) == PRESETS["ab_plus"]()


@pytest.mark.parametrize(
    "mask_text, mask",
    [("1", "none"), ("j<i", "j<i"), ("j>i", "j>i"), ("j<=i", "j<=i"), ("j≤i", "j<=i"),
     ("j>=i", "j>=i"), ("j≥i", "j>=i"), ("i<j", "j>i"), ("i>j", "j<i"), ("i<=j", "j>=i"), ("i>=j", "j<=i")],
)
def test_masks(mask_text: str, mask: str) -> None:
    p = parse_program(f"alphabet: a\nX(i) := ◀_j[{mask_text}, 1] Q_a(j) : 0")
    assert p.ops[0] == AttentionOp("X", "leftmost", mask, Const(True), Q("a", "j"), Const(False))  # type: ignore[arg-type]


def formula_of(text: str) -> object:
    p = parse_program(f"alphabet: a b c d\nX(i) := {text}")
    op = p.ops[0]
    assert isinstance(op, PositionOp)
    return op.formula


def test_precedence_and_associativity() -> None:
    a, b, c, d = Q("a"), Q("b"), Q("c"), Q("d")
    assert formula_of("Q_a(i) ∨ Q_b(i) ∧ Q_c(i)") == Or((a, And((b, c))))
    assert formula_of("¬Q_a(i) ∧ Q_b(i)") == And((Not(a), b))
    assert formula_of("!(Q_a(i) | Q_b(i))") == Not(Or((a, b)))
    assert formula_of("~~Q_a(i)") == Not(Not(a))
    assert formula_of("(Q_a(i) ∧ Q_b(i)) ∧ Q_c(i)") == And((And((a, b)), c))
    assert formula_of("Q_a(i) → Q_b(i) → Q_c(i)") == implies(a, implies(b, c))
    assert formula_of("Q_a(i) -> Q_b(i) ∨ Q_c(i)") == implies(a, Or((b, c)))
    assert formula_of("Q_a(i) ↔ Q_b(i) → Q_c(i)") == iff(a, implies(b, c))
    assert formula_of("Q_a(i) <-> Q_b(i) <-> Q_d(i)") == iff(iff(a, b), d)
    assert formula_of("⊤ ∧ ⊥") == And((Const(True), Const(False)))


def test_multichar_and_punctuation_symbols() -> None:
    text = "alphabet: 0 1 # ab a\nX(i) := ▶_j[j<i, Q_#(j)] Q_ab(j) ∨ Q_a(i) : Q_1(i)\nQ_x(i) := X(i)"
    p = parse_program(text)
    assert p.alphabet == ("0", "1", "#", "ab", "a")
    assert p.ops[0].score == Q("#", "j")  # type: ignore[union-attr]
    assert p.ops[0].value == Or((Q("ab", "j"), Q("a")))  # type: ignore[union-attr]
    assert p.ops[1].name == "Q_x"
    assert parse_program(format_program(p)) == p


def test_accept_first_and_name() -> None:
    p = parse_program("program: mirror\nalphabet: a b\naccept: first\nY(i) := ◀_j[j>i, Q_b(j)] 0 : Q_a(i)")
    assert p.accept_at == "first" and p.name == "mirror"
    assert parse_program(format_program(p, "ascii")) == p


def test_format_formula_parenthesises_nested() -> None:
    f = Or((And((P("A"), P("B", "j"))), Not(Or((P("C"), P("D"))))))
    assert format_formula(f) == "(A(i) ∧ B(j)) ∨ ¬(C(i) ∨ D(i))"
    assert format_formula(f, "ascii") == "(A(i) & B(j)) | !(C(i) | D(i))"


def test_format_rejects_unwritable_names() -> None:
    prog = Program(("a",), (PositionOp("B→0", Q("a")),))
    with pytest.raises(MalformedProgramError, match="cannot be written"):
        format_program(prog)


MALFORMED = [
    ("alphabet: a b\nX(i) := ▶_j[j<i, 1] Q_a(j)\n", 2, "expected ':' before the default, found end of line"),
    ("alphabet: a b\n\nX(i) := ▶_j[j<i 1] Q_a(j) : 0\n", 3, "expected ',' after the mask"),
    ("alphabet: a b\nX(i) := ▶_j[j<i, 1 Q_a(j) : 0\n", 2, "expected ']' after the score, found 'Q_a'"),
    ("alphabet: a b\nX(i) := ▶_j[j<k, 1] Q_a(j) : 0\n", 2, "expected a mask"),
    ("alphabet: a b\nX(i) := Q_a(i) ∧ Foo(i)\n", 2, "unknown predicate Foo"),
    ("alphabet: a b\nX(i) := ▶_j[1, 1] Q_a(j) : Q_b(j)\n", 2, "the default may only read position i"),
    ("alphabet: a b\nX(i) := Q_a(j)\n", 2, "the formula may only read position i"),
    ("alphabet: a b\nX(i) := Q_a(i)\nX(i) := Q_b(i)\n", 3, "already defined"),
    ("alphabet: a b\nX(i) := Q_a(i) ∧\n", 2, "expected a predicate"),
    ("alphabet: a b\nX(i) := (Q_a(i) ∨ Q_b(i)\n", 2, "expected ')' to close '('"),
    ("alphabet: a b\nX(i) = Q_a(i)\n", 2, "unexpected character '='"),
    ("X(i) := Q_a(i)\n", 1, "expected 'alphabet: ...' before the first operation"),
    ("alphabet: a b\naccept: middle\nX(i) := Q_a(i)\n", 2, "expected 'last' or 'first'"),
    ("alphabet: a b\nX(j) := Q_a(i)\n", 2, "expected 'i' in the head"),
    ("alphabet: a b\nX(i) := Q_a(i) Q_b(i)\n", 2, "expected end of line after the operation"),
    ("alphabet: a b\nX(i) := 2\n", 2, "expected the constant 0 or 1"),
    ("alphabet: a a\nX(i) := Q_a(i)\n", 1, "lists a symbol twice"),
    ("alphabet: a b\nX(i) := __import__(i)\n", 2, "unknown predicate __import__"),
    ("alphabet: a b\nX(i) := ▶_j[j<i, 1] Q_a(j) : 0\nalphabet: c\n", 3, "'alphabet:' given twice"),
    ("# nothing\nalphabet: a b\n", 3, "expected at least one operation"),
]


@pytest.mark.parametrize("text, line, message", MALFORMED)
def test_errors_are_one_line_with_line_number(text: str, line: int, message: str) -> None:
    with pytest.raises(MalformedProgramError) as info:
        parse_program(text)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith(f"line {line}: "), msg
    assert message in msg, msg


def test_parser_limits_nesting_size_and_bom() -> None:
    """Bounded input (issue 14): nesting beyond MAX_NESTING, more than MAX_OPS operations or MAX_TEXT
    characters are one MalformedProgramError, never a RecursionError; a byte-order mark is skipped."""
    from constructions.brasp.syntax import MAX_NESTING, MAX_OPS, MAX_TEXT

    ok = "alphabet: a b\nP(i) := " + "(" * MAX_NESTING + "Q_a(i)" + ")" * MAX_NESTING
    assert parse_program(ok).ops[0].name == "P"
    for deep in ("(" * (MAX_NESTING + 1) + "Q_a(i)" + ")" * (MAX_NESTING + 1), "¬" * 5000 + "Q_a(i)",
                 "(" * 5000 + "Q_a(i)" + ")" * 5000):
        with pytest.raises(MalformedProgramError, match=f"nested deeper than {MAX_NESTING}"):
            parse_program("alphabet: a b\nP(i) := " + deep)
    many = "alphabet: a\n" + "\n".join(f"P{k}(i) := Q_a(i)" for k in range(MAX_OPS + 1))
    with pytest.raises(MalformedProgramError, match=f"line {MAX_OPS + 2}: more than"):
        parse_program(many)
    with pytest.raises(MalformedProgramError, match="characters; at most"):
        parse_program("#" * (MAX_TEXT + 1))
    assert parse_program("\ufeffalphabet: a b\nY(i) := Q_a(i)").alphabet == ("a", "b")
