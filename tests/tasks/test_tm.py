"""tasks/tm.py: the machine format (parse/format round trip, one typed error per bad line) and the simulator."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from automata.errors import ParameterError
from tasks.tm import (
    MAX_TEXT,
    Config,
    TMFormatError,
    Transition,
    TuringMachine,
    format_tm,
    load_tm,
    parse_tm,
    simulate,
    step,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
TINY = "start: s\naccept: t\nsymbols: _ x\ns _ -> t x R\n"


@st.composite
def machines(draw: st.DrawFn, max_states: int = 3, max_symbols: int = 3) -> TuringMachine:
    """Random small machines: states q0.. plus acc (and maybe rej), symbols s0.., a random partial δ."""
    k = draw(st.integers(1, max_states))
    g = draw(st.integers(1, max_symbols))
    states = [f"q{i}" for i in range(k)]
    reject = draw(st.booleans())
    every = states + ["acc"] + (["rej"] if reject else [])
    symbols = [f"s{i}" for i in range(g)]
    trans = []
    for q in states:
        for a in symbols:
            if draw(st.integers(0, 4)) == 0:
                continue
            trans.append(Transition(q, a, draw(st.sampled_from(every)), draw(st.sampled_from(symbols)),
                                    draw(st.sampled_from("LRS"))))
    inputs = draw(st.lists(st.sampled_from(symbols), unique=True, max_size=min(2, g)))
    return TuringMachine(tuple(every), tuple(symbols), symbols[0], tuple(inputs), draw(st.sampled_from(states)),
                         "acc", tuple(trans), "rej" if reject else None, draw(st.sampled_from(["reject", "stay"])))


def test_tiny_machine_parses_and_runs() -> None:
    m = parse_tm(TINY)
    assert (m.states, m.symbols, m.blank, m.inputs, m.edge, m.name) == (("s", "t"), ("_", "x"), "_", (), "reject", "tm")
    r = simulate(m, 1)
    assert (r.outcome, r.steps, r.input) == ("accept", 1, ("_", "_"))
    assert [c.show() for c in r.configs] == ["[s]_ _", "x [t]_"]


@pytest.mark.parametrize("name", ["counter", "palindrome", "loop"])
def test_examples_round_trip(name: str) -> None:
    m = load_tm(str(EXAMPLES / f"{name}.tm"))
    assert parse_tm(format_tm(m)) == m and m.name == name


@given(machines())
def test_format_parse_round_trip(m: TuringMachine) -> None:
    assert parse_tm(format_tm(m)) == m


@pytest.mark.parametrize("text, line, fragment", [
    ("start: s\naccept: t\ns _ -> t x\n", 3, "expected 'STATE SYMBOL -> STATE SYMBOL MOVE'"),
    ("start: s\naccept: t\ns _ -> t x Q\n", 3, "the move must be L, R or S"),
    ("start: s\naccept: t\ns _ -> t x R\ns _ -> s x L\n", 4, "second transition for (s, _)"),
    ("start: s\naccept: t\nt _ -> s x R\n", 3, "halting state"),
    ("start: s\nstart: u\naccept: t\n", 2, "given twice"),
    ("colour: red\n", 1, "unknown key"),
    ("states: s t\nstart: s\naccept: t\ns _ -> u x R\n", 4, "unknown state 'u'"),
    ("symbols: _ x\nstart: s\naccept: t\ns _ -> t y R\n", 4, "unknown symbol 'y'"),
    ("start: s s\naccept: t\n", 1, "exactly one value"),
    ("start: s\naccept: t\nedge: wrap\n", 3, "edge must be"),
    ("start: s\naccept: t\ns _ -> t x$ R\n", 3, "letters, digits"),
    ("accept: t\n", 0, "missing 'start:'"),
    ("start: s\naccept: t\nreject: t\n", 3, "must differ"),
    ("symbols: a b\nstart: s\naccept: t\n", 1, "default blank"),
])
def test_bad_lines_name_their_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(TMFormatError) as err:
        parse_tm(text)
    assert err.value.line == line and fragment in str(err.value)
    assert isinstance(err.value, ParameterError)
    if line:
        assert str(err.value).startswith(f"tm format: line {line}: ")


def test_size_bounds_are_refused(tmp_path: Path) -> None:
    with pytest.raises(TMFormatError, match="characters"):
        parse_tm("#" * (MAX_TEXT + 1))
    many = "".join(f"q{i} _ -> q{i + 1} _ R\n" for i in range(70))
    with pytest.raises(TMFormatError, match="at most 64 states"):
        parse_tm("start: q0\naccept: q70\n" + many)
    with pytest.raises(TMFormatError, match="cannot read"):
        load_tm(str(tmp_path / "missing.tm"))
    (tmp_path / "bin.tm").write_bytes(b"\xff\xfe")
    with pytest.raises(TMFormatError, match="not UTF-8"):
        load_tm(str(tmp_path / "bin.tm"))


@given(st.text(alphabet=" \n:#->_abLRS01", max_size=80))
def test_any_text_parses_or_raises_the_typed_error(text: str) -> None:
    try:
        m = parse_tm(text)
    except TMFormatError:
        return
    assert parse_tm(format_tm(m)) == m


def test_simulator_outcomes_and_edges() -> None:
    m = load_tm(str(EXAMPLES / "counter.tm"))
    assert [len(simulate(m, n).configs) for n in (1, 2, 3)] == [9, 43, 759]
    assert simulate(m, 2, max_steps=10).outcome == "running"
    loop = simulate(load_tm(str(EXAMPLES / "loop.tm")), 2)
    assert (loop.outcome, loop.loop_start, len(loop.configs)) == ("loop", 0, 3)
    off = parse_tm("start: s\naccept: t\ns _ -> s _ L\n")  # edge: reject: moving off the left end rejects
    r = simulate(off, 1)
    assert r.outcome == "reject" and "moves off the tape" in r.reason and r.steps == 0
    stay = parse_tm("start: s\naccept: t\nedge: stay\ns _ -> u x L\nu x -> t x S\n")
    assert simulate(stay, 1).outcome == "accept"  # stayed on cell 1 and read its own mark
    stuck = parse_tm("start: s\naccept: t\nsymbols: _ x\ns x -> t x S\n")
    assert simulate(stuck, 1).outcome == "reject" and "no transition" in simulate(stuck, 1).reason
    nxt, why = step(stuck, Config("t", 0, ("_", "_")))
    assert nxt is None and why == "accept state t"


def test_palindrome_accepts_exactly_the_palindromes() -> None:
    m = load_tm(str(EXAMPLES / "palindrome.tm"))
    for n in (1, 2, 3):
        for w in m.inputs_of_length(1 << n):
            r = simulate(m, n, w)
            assert r.outcome in ("accept", "reject") and r.accepted == (w == w[::-1]), (w, r.reason)


def test_bad_inputs_are_typed_errors() -> None:
    m = load_tm(str(EXAMPLES / "palindrome.tm"))
    for bad, fragment in ((("a",) * 3, r"exactly 2\^2 = 4"), (("a", "X", "a", "a"), "not among")):
        with pytest.raises(ParameterError, match=fragment):
            simulate(m, 2, bad)
    for n in (0, 13, True):
        with pytest.raises(ParameterError, match="n must be"):
            simulate(m, n)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="max_steps"):
        simulate(m, 1, max_steps=-1)
    with pytest.raises(TMFormatError, match="deterministic"):
        TuringMachine(("s", "t"), ("_",), "_", (), "s", "t", (Transition("s", "_", "t", "_", "R"),) * 2)


def test_doctests() -> None:
    import doctest

    import tasks.tm
    import tasks.tm_tiling

    for module in (tasks.tm, tasks.tm_tiling):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__
