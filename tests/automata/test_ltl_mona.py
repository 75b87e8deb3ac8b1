"""Our LTL → DFA (:mod:`automata.ltl.to_dfa`) against the external reference ltlf2dfa + MONA (:mod:`automata.ltl.mona`).

Tests that need MONA and ltlf2dfa skip without them, except when ``CI == "true"``: there they fail, so
that a missing install step cannot hide behind green skips.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from automata.dfa import DFA
from automata.errors import SuccinctError
from automata.ltl import mona
from automata.ltl.formula import FALSE, TRUE, Binary, Formula, Letter, LTLError, Unary
from automata.ltl.semantics import reference_holds
from automata.ltl.syntax import parse, to_text
from automata.ltl.to_dfa import ltl_to_dfa

EXAMPLE_1 = "Q_b & H(Q_b -> Y Q_a) & H((Q_a & Y true) -> Y Q_b)"


def require_mona() -> None:
    """Skip without MONA or ltlf2dfa; fail instead when CI=true (the install step is missing)."""
    if mona.available():
        return
    if shutil.which("mona") is None:
        msg = f"the LTL reference (automata.ltl.mona) needs MONA: {mona.INSTALL_MONA}"
    else:
        msg = f"the LTL reference (automata.ltl.mona) needs ltlf2dfa: {mona.INSTALL_LTLF2DFA}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{msg}: the CI install step for MONA/ltlf2dfa is missing", pytrace=False)
    pytest.skip(msg)


@pytest.fixture(scope="module")
def reference() -> None:
    require_mona()


def explain(f: Formula, alphabet: tuple[str, ...], word: tuple[str, ...]) -> str:
    """Which side the definition (reference_holds) agrees with, on a distinguishing word."""
    truth = bool(word) and reference_holds(f, word, len(word))
    ours = ltl_to_dfa(f, alphabet).accepts(word)
    theirs = mona.mona_dfa(f, alphabet).accepts(word)
    return (f"{to_text(f)!r} over {alphabet}: word {word!r}: definition {truth}, ltl_to_dfa {ours}, "
            f"MONA {theirs}")


# -- the paper's Example 1 -----------------------------------------------------------------------

def test_example_1_is_ab_plus(reference: None) -> None:
    f = parse(EXAMPLE_1)
    d = mona.mona_dfa(f, ("a", "b"))
    ab_plus = DFA.from_table("ab", {"s": {"a": "A", "b": "dead"}, "A": {"a": "dead", "b": "B"},
                                    "B": {"a": "A", "b": "dead"}, "dead": {"a": "dead", "b": "dead"}},
                             "s", {"B"})
    assert d.equivalent(ab_plus) is None
    assert d.num_states == 4 and d.is_complete
    assert d.identical(ab_plus.minimise())
    assert d.identical(d.minimise())
    assert mona.compare(f, ("a", "b")) is None


# -- hand-picked formulas: every operator, constants, letters absent, odd symbols -------------------

HAND_PICKED = [
    ("true", "ab"), ("false", "ab"), ("a", "ab"), ("!a", "ab"), ("a & b", "ab"), ("a | b", "abc"),
    ("a -> Y b", "ab"), ("a <-> Y b", "ab"), ("a S b", "ab"), ("a U b", "ab"), ("b S a", "abc"),
    ("Y a", "ab"), ("Y true", "a"), ("!Y true", "ab"), ("P a", "abc"), ("H a", "ab"), ("X a", "ab"),
    ("X true", "ab"), ("F b", "ab"), ("G a", "ab"), ("P(a & F b)", "abc"), ("G F a", "ab"),
    ("H(b -> Y Y a)", "abc"), ("(a S b) U (c S a)", "abc"), ("Y(a U b) <-> (a S b)", "ab"),
    ("a & !a", "ab"), ("a | !a", "ab"), ("H true & G true", "ab"), ("P a & !P a", "abc"),
    ("b", "abc"), ("true U a", "abc"), ("false S true", "ab"), ("Q_# S Q_0", ("#", "0")),
    ("Q_0 & Y(Q_# U Q_x)", ("0", "#", "x")), ("H(Q_# -> Y Q_0) & P Q_#", ("#", "0")),
    (EXAMPLE_1, "ab"), (EXAMPLE_1, "abc"), ("(a -> b) -> a", "ab"), ("X X a -> Y Y b", "ab"),
]


@pytest.mark.parametrize("text,alphabet", HAND_PICKED, ids=[f"{t} / {''.join(a)}" for t, a in HAND_PICKED])
def test_hand_picked(reference: None, text: str, alphabet: str | tuple[str, ...]) -> None:
    alphabet = tuple(alphabet)
    f = parse(text, alphabet)
    word = mona.compare(f, alphabet)
    assert word is None, explain(f, alphabet, word)


def test_letters_absent_from_formula_stay_in_alphabet(reference: None) -> None:
    d = mona.mona_dfa(parse("a"), ("a", "b", "c"))
    assert d.alphabet == ("a", "b", "c")
    assert d.accepts("ca") and not d.accepts("ab") and not d.accepts("ac") and not d.accepts("")
    assert mona.mona_dfa(parse("true"), ("x",)).accepts("x")
    assert not mona.mona_dfa(parse("true"), ("x",)).accepts("")  # ltlf2dfa accepts ε; we drop it


def test_constants_and_extremes(reference: None) -> None:
    valid = mona.mona_dfa(parse("true"), ("a", "b"))
    assert valid.num_states == 2 and valid.shortest_accepted() == ("a",)
    for text in ("false", "a & !a", "X true & !F true"):
        empty = mona.mona_dfa(parse(text), ("a", "b"))
        assert empty.num_states == 1 and empty.is_empty()


def test_program_shape(reference: None) -> None:
    program = mona.mona_program(parse("Q_# S Q_0"), ("#", "0"))
    assert "var2 P0, P1;" in program or "var2 P1, P0;" in program
    assert "#" in program.splitlines()[0]  # ltlf2dfa's comment line; symbols never reach MONA
    assert mona.propositions(("#", "0", "x")) == {"#": "p0", "0": "p1", "x": "p2"}
    with pytest.raises(LTLError):
        mona.to_ltlf2dfa(parse("c"), ("a", "b"))


# -- random formulas ---------------------------------------------------------------------------

ALPHABETS = [("a", "b"), ("a", "b", "c"), ("#", "0"), ("0", "1", "#")]
UNARY_OPS = ("!", "Y", "P", "H", "X", "F", "G")
BINARY_OPS = ("&", "|", "->", "<->", "S", "U")


def formulas(alphabet: tuple[str, ...], depth: int) -> st.SearchStrategy[Formula]:
    """Formulas of depth <= ``depth`` over ``alphabet``: every operator; leaves mostly letters, and
    leaves rarer than operators above depth 1 (uniform branches give mostly trivial languages)."""
    letter = st.sampled_from(alphabet).map(Letter)
    leaves = st.one_of(letter, letter, letter, st.sampled_from([TRUE, FALSE]))
    if depth == 0:
        return leaves
    sub = formulas(alphabet, depth - 1)
    unary = st.builds(Unary, st.sampled_from(UNARY_OPS), sub)
    binary = st.builds(Binary, st.sampled_from(BINARY_OPS), sub, sub)
    return st.one_of(leaves, unary, binary, unary, binary)


def cases(alphabet: tuple[str, ...]) -> st.SearchStrategy[tuple[tuple[str, ...], Formula]]:
    """At the last position a future operator at the root is false (X, F, U) or trivial (G), so half
    the roots are past operators: then the future operators below them matter."""
    inner = formulas(alphabet, 3)
    past_root = st.one_of(st.builds(Unary, st.sampled_from(("Y", "P", "H")), inner),
                          st.builds(Binary, st.just("S"), inner, inner))
    return st.tuples(st.just(alphabet), st.one_of(formulas(alphabet, 4), past_root))


CASES = st.sampled_from(ALPHABETS).flatmap(cases)


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(CASES)
def test_random_formulas_agree_with_mona(reference: None, case: tuple[tuple[str, ...], Formula]) -> None:
    alphabet, f = case
    word = mona.compare(f, alphabet)
    assert word is None, explain(f, alphabet, word)


# -- negative tests: the comparison catches wrong automata ---------------------------------------

def test_non_strict_since_is_detected(reference: None) -> None:
    """Forgetting the Y around ltlf2dfa's (non-strict) since gives a different language, caught at 'b'."""
    from ltlf2dfa.base import MonaProgram
    from ltlf2dfa.ppltl import PPLTLAnd, PPLTLAtomic, PPLTLSince, PPLTLTrue

    alphabet = ("a", "b")
    props = mona.propositions(alphabet)
    wrong = PPLTLAnd([PPLTLTrue(), PPLTLSince([PPLTLAtomic(props["a"]), PPLTLAtomic(props["b"])])])
    output = mona.run_mona(MonaProgram(wrong).mona_program())
    wrong_dfa = mona.parse_mona_dfa(output, props, alphabet)
    f = parse("a S b")
    word = ltl_to_dfa(f, alphabet).equivalent(wrong_dfa)
    print("non-strict since differs on", word)
    assert word == ("b",)
    assert not reference_holds(f, word, len(word)) and wrong_dfa.accepts(word)


def test_flipped_accepting_state_is_detected(reference: None) -> None:
    alphabet = ("a", "b")
    f = parse(EXAMPLE_1)
    good = mona.mona_dfa(f, alphabet)
    for q in range(good.num_states):
        acc = good.accepting.copy()
        acc[q] = not acc[q]
        bad = DFA(alphabet, good.delta, good.start, acc)
        word = ltl_to_dfa(f, alphabet).equivalent(bad)
        print(f"state {q} flipped: differs on {word}")
        assert word is not None
        truth = len(word) > 0 and reference_holds(f, word, len(word))  # ε is never in L(f)
        assert bad.accepts(word) != truth
    # state 1 is reached by 'a' alone: the shortest witness
    acc = good.accepting.copy()
    acc[good.delta[good.start, 0]] ^= True
    assert ltl_to_dfa(f, alphabet).equivalent(DFA(alphabet, good.delta, good.start, acc)) == ("a",)


# -- concurrency: every call has its own program file -----------------------------------------------

def test_concurrent_calls_get_their_own_automaton(reference: None) -> None:
    alphabet = ("a", "b", "c")
    texts = ["a S b", "b S a", "a U c", "H(a -> Y b)", "G(b -> X a)", "P c & !P a", "Y Y a", EXAMPLE_1]
    fs = [parse(t) for t in texts]
    sequential = [mona.mona_dfa(f, alphabet) for f in fs]
    for i in range(len(fs)):  # pairwise different languages, so a mix-up cannot go unnoticed
        for j in range(i):
            assert sequential[i].equivalent(sequential[j]) is not None, (texts[i], texts[j])
    with ThreadPoolExecutor(4) as pool:
        for _ in range(3):
            parallel = list(pool.map(lambda f: mona.mona_dfa(f, alphabet), fs))
            for t, s, p in zip(texts, sequential, parallel):
                assert p.identical(s), t


# -- a missing MONA ----------------------------------------------------------------------------

def test_missing_mona_binary_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    assert not mona.available()
    with pytest.raises(mona.MonaError) as info:
        mona.run_mona("true;\n")
    msg = str(info.value)
    assert "\n" not in msg and "apt-get install mona" in msg and "not installed" in msg
    assert isinstance(info.value, SuccinctError)


def test_missing_mona_binary_which(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda *a, **k: None)
    assert not mona.available()
    with pytest.raises(mona.MonaError, match=r"apt-get install mona"):
        mona.run_mona("true;\n")
    with pytest.raises(mona.MonaError, match=r"apt-get install mona|pip install ltlf2dfa"):
        mona.mona_dfa(parse("a"), ("a",))


def test_mona_failure_and_timeout_are_typed(reference: None) -> None:
    with pytest.raises(mona.MonaError, match="MONA failed"):
        mona.run_mona("this is not MONA (")
    hard = mona.mona_program(parse("H(a -> " + "Y " * 16 + "b)"), ("a", "b"))  # 2^16 + 2 states: seconds
    with pytest.raises(mona.MonaError, match="did not finish"):
        mona.run_mona(hard, timeout=0.3)


def test_import_without_ltlf2dfa() -> None:
    """Importing the module never needs ltlf2dfa; using it raises MonaError saying how to install it."""
    code = ("import sys; sys.modules['ltlf2dfa'] = None\n"
            "from automata.ltl import mona\n"
            "from automata.ltl.syntax import parse\n"
            "assert not mona.available()\n"
            "try:\n    mona.mona_program(parse('a'), ('a',))\n"
            "except mona.MonaError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    assert out.returncode == 0, out.stderr
    assert "pip install ltlf2dfa" in out.stdout


def test_doctests() -> None:
    import doctest

    result = doctest.testmod(mona)
    assert result.failed == 0 and result.attempted > 0


def test_parse_mona_dfa_reads_dummy_letter_and_variable_order() -> None:
    """A hand-written MONA answer: variables listed B A (declaration order), dummy letter first, ε accepted."""
    text = """
DFA for formula with free variables: P1 P0 
Initial state: 0
Accepting states: 1 
Rejecting states: 0 2 

Automaton has 3 states and 5 BDD-nodes
Transitions:
State 0: XX -> state 1
State 1: 10 -> state 1
State 1: 0X -> state 2
State 1: 11 -> state 2
State 2: XX -> state 2
"""
    # over letters a (p0) and b (p1): stays in 1 on b only; ε dropped: L = b+
    d = mona.parse_mona_dfa(text, {"a": "p0", "b": "p1"}, ("a", "b"))
    b_plus = DFA.from_table("ab", {0: {"b": 1, "a": 2}, 1: {"b": 1, "a": 2}, 2: {"a": 2, "b": 2}}, 0, {1})
    assert d.equivalent(b_plus) is None and d.identical(d.minimise())
    assert not d.accepts("")
    with pytest.raises(mona.MonaError):
        mona.parse_mona_dfa("nothing here", {"a": "p0"}, ("a",))
    unsat = "DFA for formula with free variables: P0 \nInitial state: 0\nAccepting states: \n" \
            "Rejecting states: 0 \n\nAutomaton has 1 state and 1 BDD-node\nTransitions:\nState 0: X -> state 0\n"
    e = mona.parse_mona_dfa(unsat, {"a": "p0", "b": "p1"}, ("a", "b"))
    assert e.is_empty() and e.num_states == 1 and bool(np.all(e.delta == 0))
