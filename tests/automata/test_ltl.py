"""LTL over finite words (:mod:`automata.ltl`): parser and printers, sizes, the batched evaluator
against the definition, and our LTL → DFA (symbolic and subset) against each other and the evaluator.

Semantics throughout: finite non-empty words, strict S and U, a formula read at the last position.
Negative tests break one piece on purpose (a non-strict since, a flipped accepting state, an until
left pending at the end) and check that the comparisons used here catch it, with the distinguishing word.
"""
from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from automata.alphabet import all_words, decode_word
from automata.dfa import DFA
from automata.errors import ParameterError
from automata.ltl import semantics, to_dfa
from automata.ltl.formula import (
    FALSE, TRUE, Binary, Const, Formula, Letter, LTLError, Unary, check, conj, core, core_size, dag_size,
    disj, is_core, letters, neg, postorder, size, temporal_depth)
from automata.ltl.semantics import accepts, accepts_word, evaluate, holds, reference_holds
from automata.ltl.syntax import MAX_PARENS, describe, parse, to_latex, to_text
from automata.ltl.to_dfa import labelling_nfa, ltl_to_dfa, nfa_state_bound, symbolic_dfa
from tests.automata.ltl_strategies import TWO_LETTERS, cases

EXAMPLE_1 = "Q_b & H(Q_b -> Y Q_a) & H((Q_a & Y true) -> Y Q_b)"
a, b, c = Letter("a"), Letter("b"), Letter("c")

AB_PLUS = DFA.from_table("ab", {"s": {"a": "A", "b": "dead"}, "A": {"a": "dead", "b": "B"},
                                "B": {"a": "A", "b": "dead"}, "dead": {"a": "dead", "b": "dead"}}, "s", {"B"})


# -- comparison helpers (used by the positive and the negative tests alike) -------------------------

def evaluator_vs_definition(f: Formula, alphabet: tuple[str, ...], max_len: int
                            ) -> tuple[tuple[str, ...], int] | None:
    """The first (word, 1-based position) — shortest word, lexicographic — where :func:`holds`
    differs from :func:`reference_holds`, or None."""
    for length in range(1, max_len + 1):
        words = all_words(length, len(alphabet))
        fast = holds(f, alphabet, words)
        for row, codes in enumerate(words):
            word = decode_word(codes, alphabet)
            for n in range(1, length + 1):
                if bool(fast[row, n - 1]) != reference_holds(f, word, n):
                    return word, n
    return None


def dfa_vs_evaluator(dfa: DFA, f: Formula, alphabet: tuple[str, ...], max_len: int) -> tuple[str, ...] | None:
    """The shortest, then lexicographically least, non-empty word of length ≤ ``max_len`` on which
    ``dfa`` and the evaluator disagree, or None. The empty word is never in L(φ)."""
    if dfa.accepts(()):
        return ()
    for length in range(1, max_len + 1):
        words = all_words(length, len(alphabet))
        bad = np.flatnonzero(dfa.run(words) != accepts(f, alphabet, words))
        if bad.size:
            return decode_word(words[bad[0]], alphabet)
    return None


# -- parser and printers ---------------------------------------------------------------------------

@settings(max_examples=200, deadline=None, derandomize=True)
@given(cases())
def test_repr_is_fully_parenthesised_text_the_parser_reads_back(case: tuple[tuple[str, ...], Formula]) -> None:
    """``repr`` does not use the printer (automata.ltl.formula imports nothing of syntax), yet shows the
    same formula: stripping ``<LTL …>`` and parsing gives the very node back."""
    _, f = case
    text = repr(f)
    assert text.startswith("<LTL ") and text.endswith(">")
    assert parse(text[5:-1]) is f, text


def test_repr_of_letters_the_syntax_cannot_write() -> None:
    """A letter with a space or an operator character has no text form: the repr gives the size instead
    of text the parser would misread; its letter class is the parser's (the two modules cannot share it)."""
    from automata.ltl import formula, syntax
    from automata.ltl.formula import Binary, Letter

    assert formula._Q_SYMBOL.pattern == syntax._SYMBOL_CHARS + r"\Z"
    assert repr(Letter("a b")) == "<LTL formula, tree of 1 nodes>"
    assert repr(Binary("S", Letter("a"), Letter("x(y"))) == "<LTL formula, tree of 3 nodes>"
    assert repr(Binary("S", Letter("a"), Letter("#"))) == "<LTL (a S Q_#)>"


@settings(max_examples=300, deadline=None, derandomize=True)
@given(cases())
def test_parse_of_to_text_is_the_same_object(case: tuple[tuple[str, ...], Formula]) -> None:
    alphabet, f = case
    text = to_text(f)
    assert "\n" not in text
    assert parse(text) is f
    assert parse(text, alphabet) is f
    assert to_text(parse(text)) == text
    latex = to_latex(f)
    assert isinstance(latex, str) and latex and "\n" not in latex
    assert to_latex(f) == latex  # deterministic
    assert latex.count(r"\left(") == latex.count(r"\right)")
    assert isinstance(describe(f), str)


def test_odd_symbols_print_as_q_names() -> None:
    for symbol, text in [("#", "Q_#"), ("0", "Q_0"), ("Y", "Q_Y"), ("true", "Q_true"), ("S", "Q_S"), ("_x", "Q__x"),
                         ("a1", "a1"), ("open_paren", "open_paren")]:
        assert to_text(Letter(symbol)) == text
        assert parse(text) is Letter(symbol)
    assert to_latex(Binary("S", Letter("#"), Letter("0"))) == r"Q_{\#} \mathbin{\mathsf{S}} Q_{0}"
    for unprintable in ("a b", "x->y", "(", "a&b"):
        with pytest.raises(LTLError):
            to_text(Letter(unprintable))
        assert to_latex(Unary("Y", Letter(unprintable))) == to_latex(Unary("Y", Letter(unprintable)))  # LaTeX takes any symbol
    assert to_latex(Letter("a_b{}%")) == r"Q_{a\_b\{\}\%}"


PRECEDENCE = [
    ("a -> b -> c", Binary("->", a, Binary("->", b, c))),  # -> groups to the right
    ("(a -> b) -> c", Binary("->", Binary("->", a, b), c)),
    ("a & b | c", Binary("|", Binary("&", a, b), c)),
    ("a | b & c", Binary("|", a, Binary("&", b, c))),
    ("a & b & c", Binary("&", Binary("&", a, b), c)),  # & | <-> group to the left
    ("a | b | c", Binary("|", Binary("|", a, b), c)),
    ("a <-> b <-> c", Binary("<->", Binary("<->", a, b), c)),
    ("a | b -> c", Binary("->", Binary("|", a, b), c)),
    ("a -> b <-> c", Binary("<->", Binary("->", a, b), c)),
    ("a S b & c", Binary("&", Binary("S", a, b), c)),
    ("a & b U c", Binary("&", a, Binary("U", b, c))),
    ("Y a S b", Binary("S", Unary("Y", a), b)),
    ("!a U !b", Binary("U", Unary("!", a), Unary("!", b))),
    ("(a S b) S c", Binary("S", Binary("S", a, b), c)),
    ("a S (b U c)", Binary("S", a, Binary("U", b, c))),
    ("!!a", Unary("!", Unary("!", a))),
    ("X Y a", Unary("X", Unary("Y", a))),
    ("H(a -> Y b)", Unary("H", Binary("->", a, Unary("Y", b)))),
    ("true S false", Binary("S", TRUE, FALSE)),
    ("Q_# S Q_0", Binary("S", Letter("#"), Letter("0"))),
    ("¬a ∧ b → ⊤ ∨ ⊥", Binary("->", Binary("&", Unary("!", a), b), Binary("|", TRUE, FALSE))),
    ("a ↔ b", Binary("<->", a, b)),
    ("  a\t&\n b ", Binary("&", a, b)),
]


@pytest.mark.parametrize("text,expected", PRECEDENCE, ids=[t for t, _ in PRECEDENCE])
def test_precedence_and_associativity(text: str, expected: Formula) -> None:
    f = parse(text)
    assert f is expected
    assert parse(to_text(f)) is f


def test_example_1_text() -> None:
    f = parse(EXAMPLE_1)
    assert to_text(f) == "b & H(b -> Y a) & H(a & Y true -> Y b)"
    assert parse(to_text(f)) is f
    assert to_latex(f).startswith(r"Q_{b} \wedge \mathsf{H}\,\left(")


def one_line_error(text: object, **kw: object) -> str:
    """The message of the :class:`LTLError` that ``parse`` must raise (and nothing else)."""
    with pytest.raises(LTLError) as err:
        parse(text, **kw)  # type: ignore[arg-type]
    msg = str(err.value)
    assert msg and "\n" not in msg and "\r" not in msg, repr(msg)
    return msg


BAD = [
    ("a S b S c", 7), ("a U b S c", 7), ("a S b U c", 7), ("(a", 3), ("a)", 2), ("a b", 3), ("A", 1), ("Q_", 1),
    ("a $ b", 3), ("a <- b", 3), ("a - b", 3), ("a ->", 5), ("true false", 6), ("S", 1), ("a S", 4), ("!", 2),
    ("Ya", 1), ("()", 2), ("a &", 4), ("& a", 1), ("a | | b", 5), ("a\nb", 3), ("a @", 3), ("Q_a)", 4),
    ("Y", 2), ("a S !", 6),
]


@pytest.mark.parametrize("text,col", BAD, ids=[repr(t) for t, _ in BAD])
def test_bad_text_gives_one_line_error_with_column(text: str, col: int) -> None:
    msg = one_line_error(text)
    assert msg.startswith(f"column {col}:"), msg


def test_s_u_chain_message() -> None:
    assert "parenthesise" in one_line_error("a S b S c")


def test_empty_too_long_and_non_text() -> None:
    assert "empty" in one_line_error("")
    assert "empty" in one_line_error(" \t\n ")
    assert "longer" in one_line_error("a" * 2_000_000)
    assert "longer" in one_line_error("a & " * 500_000 + "a")
    for bad in (None, 3, b"a", ["a"], Letter("a"), 1.5):
        assert "text" in one_line_error(bad)


def test_deep_nesting_is_refused_or_iterative() -> None:
    msg = one_line_error("(" * (MAX_PARENS + 1) + "a" + ")" * (MAX_PARENS + 1))
    assert msg.startswith(f"column {MAX_PARENS + 1}:")
    assert "never closed" in one_line_error("(" * 5000 + "a")
    one_line_error("(" * 5000)
    one_line_error(")" * 5000)
    deepest = "(" * MAX_PARENS + "a" + ")" * MAX_PARENS
    assert parse(deepest) is a
    f = parse("!" * 100_000 + "a", ("a",))  # unary chains are a loop: no recursion limit
    assert size(f) == 100_001 and temporal_depth(f) == 0
    del f
    g = parse(" & ".join(["Y a"] * 20_000))
    assert size(g) == 20_000 * 3 - 1 and dag_size(g) == 19_999 + 3  # Y a shared: ⊥, a, ⊥ S a, and the ∧ chain


def test_unknown_letters_with_alphabet() -> None:
    msg = one_line_error("a & c", alphabet=("a", "b"))
    assert "c" in msg and "alphabet" in msg
    one_line_error("Q_# S Q_1", alphabet=("#", "0"))
    assert parse("Q_# S Q_0", ("#", "0")) is Binary("S", Letter("#"), Letter("0"))
    assert parse("true", ()) is TRUE


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.text(max_size=40))
def test_random_text_parses_or_raises_ltl_error(text: str) -> None:
    try:
        f = parse(text)
    except LTLError as err:
        assert "\n" not in str(err)
        return
    assert parse(to_text(f)) is f


TOKENS = ["a", "b", "Q_#", "Q_0", "true", "false", "!", "Y", "P", "H", "X", "F", "G", "&", "|", "->", "<->",
          "S", "U", "(", ")", "¬", "∧", "→", " ", "Q_", "<", "$"]


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(TOKENS), max_size=25), st.booleans())
def test_random_token_soup_parses_or_raises_ltl_error(tokens: list[str], spaced: bool) -> None:
    text = (" " if spaced else "").join(tokens)
    try:
        f = parse(text, ("a", "b", "#", "0"))
    except LTLError as err:
        msg = str(err)
        assert "\n" not in msg and (msg.startswith("column ") or "empty" in msg or "alphabet" in msg), msg
        return
    assert parse(to_text(f)) is f


def test_malformed_formula_objects() -> None:
    for bad in (Unary("Z", a), Binary("^", a, b), Letter(""), Const(1), Unary("!", "a")):  # type: ignore[arg-type]
        with pytest.raises(LTLError):
            check(bad)
        with pytest.raises(LTLError):
            to_text(bad)
    with pytest.raises(LTLError):
        ltl_to_dfa(Letter("c"), ("a", "b"))
    with pytest.raises(LTLError):
        holds(Letter("c"), ("a", "b"), np.zeros((1, 1), dtype=np.int64))


# -- interning and sizes ---------------------------------------------------------------------------

def test_interning_is_identity() -> None:
    assert Binary("S", Letter("a"), Unary("Y", Letter("b"))) is Binary("S", a, Unary("Y", b))
    assert Const(True) is TRUE and Letter("a") is a
    import pickle

    f = parse(EXAMPLE_1)
    assert pickle.loads(pickle.dumps(f)) is f


def test_sizes_of_hand_examples() -> None:
    f = parse(EXAMPLE_1)
    # as written: b (1) + H(b -> Y a) (5) + ∧ + H(a ∧ Y⊤ → Y b) (8) + ∧
    assert size(f) == 16
    # core: Y x = ⊥ S x (3 nodes for 2), φ → ψ = ¬φ ∨ ψ, H φ = φ ∧ ¬(⊤ S ¬φ) (2|φ| + 5)
    assert core_size(f) == 45
    assert dag_size(f) == 22
    assert size(parse("a S b")) == core_size(parse("a S b")) == dag_size(parse("a S b")) == 3
    assert (size(parse("H a")), core_size(parse("H a")), dag_size(parse("H a"))) == (2, 7, 6)
    assert (core_size(parse("G a")), dag_size(parse("G a"))) == (7, 6)
    assert (core_size(parse("Y a")), core_size(parse("X a")), core_size(parse("P a")), core_size(parse("F a"))) == (3,) * 4
    assert core_size(parse("a <-> b")) == 9 and dag_size(parse("a <-> b")) == 7
    shared = parse("(a S b) & Y(a S b) & X(a S b)")
    assert size(shared) == 13 and core_size(shared) == 15 and dag_size(shared) == 8  # a b ⊥, a S b once
    assert temporal_depth(f) == 2 and letters(f) == ("a", "b")


@settings(max_examples=300, deadline=None, derandomize=True)
@given(cases())
def test_size_invariants(case: tuple[tuple[str, ...], Formula]) -> None:
    alphabet, f = case
    g = core(f)
    assert is_core(g)
    assert core(g) is g
    assert dag_size(f) <= core_size(f) and size(f) <= core_size(f)
    assert dag_size(f) == len(postorder(g)) and core_size(f) == size(g)
    if is_core(f):
        assert core(f) is f
    assert len(postorder(f)) <= size(f)
    assert set(letters(f)) <= set(alphabet)


def test_builders_fold() -> None:
    assert neg(neg(a)) is a and neg(TRUE) is FALSE
    assert conj() is TRUE and conj(a, TRUE, a) is a and conj(a, FALSE) is FALSE
    assert disj() is FALSE and disj(a, FALSE, a) is a and disj(a, TRUE) is TRUE
    assert conj(a, b, c) is Binary("&", Binary("&", a, b), c)


# -- the evaluator against the definition ----------------------------------------------------------

@settings(max_examples=300, deadline=None, derandomize=True)
@given(cases(4, TWO_LETTERS))
def test_evaluator_is_the_definition(case: tuple[tuple[str, ...], Formula]) -> None:
    alphabet, f = case
    assert evaluator_vs_definition(f, alphabet, 5) is None


HAND = ["a S b", "a U b", "Y a", "X a", "P a", "F a", "H a", "G a", "!Y true", "X true", "G F a", "P(a & F b)",
        "H(a -> Y Y b)", "(a S b) U (b S a)", "Y(a U b) <-> (a S b)", "a -> b", "false S true", "true U a",
        EXAMPLE_1]


@pytest.mark.parametrize("text", HAND)
def test_evaluator_hand_examples(text: str) -> None:
    f = parse(text)
    assert evaluator_vs_definition(f, ("a", "b"), 6) is None
    table = evaluate(f, ("a", "b"), all_words(4, 2))
    assert set(table) == set(postorder(f)) and all(v.shape == (16, 4) and v.dtype == bool for v in table.values())


def test_evaluator_strictness_and_last_position() -> None:
    ab = ("a", "b")
    assert not accepts_word(parse("a S b"), ab, "b")  # strict: the position itself does not count
    assert accepts_word(parse("a S b"), ab, "ba") and accepts_word(parse("a S b"), ab, "baa")
    assert accepts_word(parse("a S b"), ab, "bab")  # b, then only a strictly between
    assert not accepts_word(parse("a S b"), ab, "ab") and not accepts_word(parse("a S b"), ab, "aab")
    assert accepts_word(parse("b S b"), ab, "bb")
    assert not accepts_word(parse("a U b"), ab, "ab")  # read at the last position: nothing after it
    assert not accepts_word(parse("X true"), ab, "ab") and accepts_word(parse("G a"), ab, "ba")
    assert not accepts_word(parse("true"), ab, "")  # the empty word is never in L(φ)
    assert accepts_word(parse("!Y true"), ab, "a") and not accepts_word(parse("!Y true"), ab, "aa")
    assert holds(parse("a U b"), ab, np.array([[0, 0, 1, 0]])).tolist() == [[True, True, False, False]]
    assert holds(parse("H a"), ab, np.array([[0, 0, 1, 0]])).tolist() == [[True, True, False, False]]
    assert holds(parse("G a"), ab, np.array([[0, 1, 0, 0]])).tolist() == [[False, False, True, True]]


def test_evaluator_refuses_bad_words() -> None:
    f = parse("a S b")
    for words in (np.zeros((2, 0), dtype=np.int64), np.zeros(3, dtype=np.int64), np.array([[0, 2]]),
                  np.array([[0.0, 1.0]]), np.array([[-1, 0]])):
        with pytest.raises(ParameterError):
            holds(f, ("a", "b"), words)


# -- LTL → DFA --------------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None, derandomize=True)
@given(cases())
def test_symbolic_and_subset_dfas_agree_with_each_other_and_the_evaluator(case) -> None:
    alphabet, f = case
    sym = ltl_to_dfa(f, alphabet)
    sub = ltl_to_dfa(f, alphabet, method="subset")
    assert sym.equivalent(sub) is None, to_text(f)
    assert sym.identical(sub)  # minimal complete DFAs in BFS numbering are unique
    assert dfa_vs_evaluator(sym, f, alphabet, 6) is None, to_text(f)
    # minimal DFA invariants
    for d in (sym, sub):
        assert d.alphabet == alphabet and d.is_complete
        assert d.minimise().identical(d)
        assert d.reachable().num_states == d.num_states
        assert not d.accepting[d.start]  # ε ∉ L(φ)
    raw = symbolic_dfa(f, alphabet)
    assert raw.num_states >= sym.num_states and raw.minimise().identical(sym)
    assert ltl_to_dfa(f, alphabet, method="subset", minimal=False).minimise().identical(sym)
    succ, _ = labelling_nfa(f, alphabet)
    assert len(succ) <= nfa_state_bound(f, alphabet)


def test_example_1_is_ab_plus_with_four_states() -> None:
    f = parse(EXAMPLE_1)
    for method in ("symbolic", "subset"):
        d = ltl_to_dfa(f, ("a", "b"), method=method)
        assert d.num_states == 4 and d.is_complete
        assert d.equivalent(AB_PLUS) is None
        assert d.identical(AB_PLUS.minimise())
        assert d.count_by_length(6) == [0, 0, 1, 0, 1, 0, 1]
    # over a larger alphabet the language is still (ab)+
    d3 = ltl_to_dfa(f, ("a", "b", "c"))
    assert d3.num_states == 4 and d3.accepts("abab") and not d3.accepts("abc") and not d3.accepts("cab")


HAND_DFA = [("a S b", "ab", 3), ("true", "ab", 2), ("false", "ab", 1), ("X true", "ab", 1), ("a", "abc", 2),
            ("Y a", "ab", 4), ("G F a", "ab", 1), ("P a & !P a", "ab", 1), ("H(a -> Y Y b)", "ab", None),
            ("(a S b) U (b S a)", "ab", None), ("Q_# S Q_0", ("#", "0"), 3)]


@pytest.mark.parametrize("text,alphabet,states", HAND_DFA, ids=[t for t, _, _ in HAND_DFA])
def test_hand_dfas(text: str, alphabet, states: int | None) -> None:
    alphabet = tuple(alphabet)
    f = parse(text, alphabet)
    sym, sub = ltl_to_dfa(f, alphabet), ltl_to_dfa(f, alphabet, method="subset")
    assert sym.identical(sub)
    assert dfa_vs_evaluator(sym, f, alphabet, 7) is None
    if states is not None:
        assert sym.num_states == states
    succ, acc = labelling_nfa(f, alphabet)
    assert len(succ) == len(acc) <= nfa_state_bound(f, alphabet)


def test_past_only_labelling_nfa_is_deterministic() -> None:
    f = parse(EXAMPLE_1)
    succ, _ = labelling_nfa(f, ("a", "b"))
    assert all(len(targets) == 1 for row in succ for targets in row)
    assert nfa_state_bound(f, ("a", "b")) == 2 * 2**5 + 1  # five S nodes in the core DAG


def test_state_limits_and_methods() -> None:
    from automata.errors import StateLimitError

    f = parse("H(a -> Y Y Y Y b) & F(b & X X X a)")
    with pytest.raises(StateLimitError):
        ltl_to_dfa(f, ("a", "b"), max_dfa_states=3)
    with pytest.raises(StateLimitError):
        ltl_to_dfa(f, ("a", "b"), method="subset", max_nfa_states=3)
    with pytest.raises(ParameterError):
        ltl_to_dfa(f, ("a", "b"), method="mona")


# -- negative tests: a broken piece is caught, with the distinguishing word -------------------------

def test_non_strict_since_in_the_evaluator_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    def non_strict(phi: np.ndarray, psi: np.ndarray) -> np.ndarray:
        mark = ~phi | psi
        idx = np.where(mark, np.arange(mark.shape[1])[None, :], -1)
        j = np.maximum.accumulate(idx, axis=1)  # j ≤ i instead of j < i
        return np.take_along_axis(psi, np.maximum(j, 0), axis=1) & (j >= 0)

    f = parse("a S b")
    dfa = ltl_to_dfa(f, ("a", "b"))
    monkeypatch.setattr(semantics, "_since", non_strict)
    assert evaluator_vs_definition(f, ("a", "b"), 5) == (("b",), 1)
    assert dfa_vs_evaluator(dfa, f, ("a", "b"), 5) == ("b",)
    # the example of Prop 16's one-attention-layer reading also sees it: b S a on "ab" is false
    assert evaluator_vs_definition(parse("b S a"), ("a", "b"), 5) == (("a",), 1)


def test_flipped_accepting_state_is_caught() -> None:
    f = parse(EXAMPLE_1)
    good = ltl_to_dfa(f, ("a", "b"))
    acc = good.accepting.copy()
    state = int(good.delta[good.delta[good.start, 0], 1])  # after "ab"
    acc[state] = not acc[state]
    broken = DFA(good.alphabet, good.delta, good.start, acc)
    assert dfa_vs_evaluator(broken, f, ("a", "b"), 6) == ("a", "b")
    assert good.equivalent(broken) == ("a", "b")
    assert not broken.accepts("ab") and accepts_word(f, ("a", "b"), "ab")


def test_pending_until_accepted_at_the_end_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The subset method must reject when a guessed until is still owed at the last position."""
    f = parse("X a")
    monkeypatch.setattr(to_dfa._NFA, "accepting", lambda self, y: bool(y[1][self.c.root]))
    broken = ltl_to_dfa(f, ("a", "b"), method="subset")
    assert dfa_vs_evaluator(broken, f, ("a", "b"), 4) == ("a",)
    assert broken.equivalent(ltl_to_dfa(f, ("a", "b"))) == ("a",)


def test_non_strict_since_in_the_symbolic_dfa_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start the symbolic construction with every since already true (as if j = i counted at position 1)."""
    f = parse("a S b")
    real = to_dfa._symbolic_step

    def broken_step(c, m, stored, slot, since_nodes, letter):
        if stored and all(s == 0 for s in stored):
            stored = tuple(1 for _ in stored)
        return real(c, m, stored, slot, since_nodes, letter)

    monkeypatch.setattr(to_dfa, "_symbolic_step", broken_step)
    broken = ltl_to_dfa(f, ("a", "b"))
    assert dfa_vs_evaluator(broken, f, ("a", "b"), 5) == ("a",)


# -- timing guard ----------------------------------------------------------------------------------

def test_formula_with_many_temporal_nodes_is_quick() -> None:
    f = parse(" & ".join(f"H({x} -> Y {y})" for x, y in itertools.product("abc", repeat=2)))
    t0 = time.perf_counter()
    d = ltl_to_dfa(f, ("a", "b", "c"))
    assert d.equivalent(ltl_to_dfa(f, ("a", "b", "c"), method="subset")) is None
    assert dfa_vs_evaluator(d, f, ("a", "b", "c"), 5) is None
    assert time.perf_counter() - t0 < 10
