"""The tiling task of [BCL] Problem 6 / Lemma 8 (THEORY §4–§5): encoding, the direct checker, the
reference automaton against decode + check, the row-graph solver, the witness family and the suite."""
from __future__ import annotations

import numpy as np
import pytest

from automata.alphabet import all_words
from automata.errors import ParameterError, UnknownSymbolError
from tasks.tiling import (
    Tile,
    TilingInstance,
    TilingTask,
    decode,
    encode,
    is_solution,
    min_height,
    rows_over,
    shortest_word,
    solve,
    solve_report,
    violations,
)
from tasks.tiling_witness import (
    INSTANCE_SUITE,
    counter_grid,
    counter_tiles,
    counter_witness,
    expected_witness_height,
    expected_witness_length,
)

T = Tile
PAIR = TilingInstance(1, (T(0, 0, 1, 0, "a"), T(1, 0, 0, 0, "b")), "b")
# two layers: [p, q] then [t, f]; also z = (0,0,0,0) usable as stated
LAYERS = TilingInstance(
    1, (T(0, 1, 1, 0, "p"), T(1, 1, 0, 0, "q"), T(0, 0, 1, 1, "t"), T(1, 0, 0, 1, "f"), T(0, 0, 0, 0, "z")), "f"
)


def single_symbol_changes(word: tuple[str, ...], alphabet: tuple[str, ...], spots=None) -> list[tuple[str, ...]]:
    spots = range(len(word)) if spots is None else spots
    return [word[:p] + (s,) + word[p + 1:] for p in spots for s in alphabet if s != word[p]]


# ---- encoding ---------------------------------------------------------------------------------------


def test_encode_layout_and_round_trip() -> None:
    grid = (("p", "q"), ("t", "f"))
    word = encode(grid)
    assert "".join(word) == "0p#1q#0t#1f#"
    assert decode(LAYERS, word) == grid
    g4 = (("a", "b", "a", "b"),)
    assert " ".join(encode(g4)) == "0 0 a # 0 1 b # 1 0 a # 1 1 b #"
    inst = TilingInstance(2, PAIR.tiles, "b")
    assert decode(inst, encode(g4)) == g4
    w3 = counter_witness(3)
    grid3 = solve(w3, 300)
    assert grid3 is not None and decode(w3, encode(grid3)) == grid3


@pytest.mark.parametrize(
    "text",
    ["", "0p#", "0p#1q", "1p#0q#", "0p#1q1", "0p#1#q", "0x#1q#", "0p#1q#0t#", "##0p#1q"],
)
def test_decode_rejects_malformed(text: str) -> None:
    word = tuple(text)
    with pytest.raises(ParameterError):
        decode(LAYERS, word)


def test_encode_rejects_bad_shapes() -> None:
    for grid in [(), (("a",),), (("a", "b", "a"),), (("a", "b"), ("a",))]:
        with pytest.raises(ParameterError):
            encode(grid)  # type: ignore[arg-type]


# ---- the direct checker -----------------------------------------------------------------------------


def test_is_solution_hand_grids() -> None:
    assert is_solution(LAYERS, (("p", "q"), ("t", "f")))
    assert is_solution(LAYERS.with_borders("strict"), (("p", "q"), ("t", "f")))
    assert is_solution(LAYERS, (("z", "z"), ("p", "q"), ("t", "f")))  # interior colour 0 as stated
    assert not is_solution(LAYERS.with_borders("strict"), (("z", "z"), ("p", "q"), ("t", "f")))
    assert is_solution(PAIR, (("a", "b"),))


@pytest.mark.parametrize(
    "grid, fragment",
    [
        ((("p", "q"),), "top border"),  # also not final
        ((("t", "f"),), "bottom border"),
        ((("q", "q"), ("t", "f")), "left border"),
        ((("p", "p"), ("t", "f")), "right border"),
        ((("p", "q"), ("t", "q")), "final tile"),
        ((("p", "q"), ("f", "f")), "left border"),
        ((("p", "q"), ("z", "f")), "≠ left"),  # horizontal mismatch 0 ≠ 1
        ((("p", "q"), ("p", "q"), ("t", "f")), "≠ down"),  # vertical mismatch up 1 ≠ down 0
        ((("p", "q", "q"),), "cells"),
        ((("p", "x"),), "unknown"),
        ((), "no rows"),
    ],
)
def test_violations_caught(grid, fragment: str) -> None:
    reasons = violations(LAYERS, grid)
    print(grid, "→", reasons)
    assert reasons and any(fragment in r for r in reasons)
    assert not is_solution(LAYERS, grid)


def test_strict_interior_zero_caught() -> None:
    inst = TilingInstance(2, PAIR.tiles, "b")
    grid = (("a", "b", "a", "b"),)
    assert is_solution(inst, grid)
    reasons = violations(inst.with_borders("strict"), grid)
    print(reasons)
    assert reasons and all("strict" in r for r in reasons)


# ---- parameters -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: TilingInstance(0, PAIR.tiles, "b"),
        lambda: TilingInstance(True, PAIR.tiles, "b"),  # type: ignore[arg-type]
        lambda: TilingInstance(1, (), "b"),
        lambda: TilingInstance(1, (T(0, 0, 1, 0, "a"), T(1, 0, 0, 0, "a")), "a"),
        lambda: TilingInstance(1, PAIR.tiles, "c"),
        lambda: TilingInstance(1, PAIR.tiles, "b", "loose"),
        lambda: T(0, 0, 1, 0, "#"),
        lambda: T(0, 0, 1, 0, "1"),
        lambda: T(0, 0, 1, 0, ""),
        lambda: T(-1, 0, 1, 0, "a"),
        lambda: T(0.5, 0, 1, 0, "a"),  # type: ignore[arg-type]
        lambda: TilingTask(PAIR, max_rows=0),
        lambda: solve_report(PAIR, 0),
    ],
)
def test_parameter_errors(make) -> None:
    with pytest.raises(ParameterError):
        make()


def test_unknown_symbol_raises() -> None:
    with pytest.raises(UnknownSymbolError):
        TilingTask(PAIR).accepts(("0", "c", "#"))


# ---- the reference automaton vs decode + check ------------------------------------------------------


def _compare_exhaustive(task: TilingTask, max_len: int) -> int:
    dfa = task.reference().explore()
    alphabet = task.alphabet
    positives = 0
    for length in range(1, max_len + 1):
        codes = all_words(length, len(alphabet))
        fast = dfa.run(codes)
        words = [tuple(alphabet[i] for i in row) for row in codes.tolist()]
        slow = np.array([task.accepts(w) for w in words])
        assert (fast == slow).all(), words[int(np.argmax(fast != slow))]
        positives += int(slow.sum())
    return positives


def test_reference_exhaustive_two_tiles_length_8() -> None:
    # alphabet 0 1 # a b: all 488,280 words of length ≤ 8
    assert _compare_exhaustive(TilingTask(PAIR), 8) == 1  # only 0a#1b#


def test_reference_exhaustive_three_tiles_length_6() -> None:
    inst = TilingInstance(1, (T(0, 0, 1, 0, "a"), T(1, 0, 0, 0, "b"), T(0, 0, 0, 0, "z")), "z")
    assert _compare_exhaustive(TilingTask(inst), 6) == 1  # only 0z#1z# (as stated)
    assert _compare_exhaustive(TilingTask(inst.with_borders("strict")), 6) == 0


def test_reference_on_two_row_words_and_changes() -> None:
    for borders in ("as-stated", "strict"):
        task = TilingTask(LAYERS.with_borders(borders))
        aut = task.reference()
        base = encode((("p", "q"), ("t", "f")))
        three = encode((("z", "z"), ("p", "q"), ("t", "f")))
        for w in [base, three, base + base[:6], base[:6] + base] + single_symbol_changes(base, task.alphabet):
            assert aut.accepts(w) == task.accepts(w), w
        assert task.accepts(three) == (borders == "as-stated")


@pytest.mark.parametrize("n, borders", [(1, "strict"), (2, "strict"), (1, "as-stated"), (2, "as-stated")])
def test_reference_on_witness_words_and_all_changes(n: int, borders: str) -> None:
    task = TilingTask(counter_witness(n, borders))
    dfa = task.reference().explore()
    word = shortest_word(task.instance)
    assert word is not None and task.accepts(word) and dfa.accepts(word)
    changes = single_symbol_changes(word, task.alphabet)
    index = {a: k for k, a in enumerate(task.alphabet)}
    codes = np.array([[index[s] for s in w] for w in changes], dtype=np.int64)
    fast = dfa.run(codes)
    slow = np.array([task.accepts(w) for w in changes])
    assert (fast == slow).all()
    # the minimal DFA's shortest word has the solver's length
    shortest = dfa.minimise().shortest_accepted()
    assert shortest is not None and len(shortest) == len(word) == expected_witness_length(n, borders)


def test_reference_on_witness_n3_sampled_changes() -> None:
    task = TilingTask(counter_witness(3))
    aut = task.reference()
    word = shortest_word(task.instance)
    assert word is not None and aut.accepts(word)
    spots = [0, 2, 3, 4, 40, 41, 5000, 5003, len(word) - 2, len(word) - 1]
    for w in single_symbol_changes(word, task.alphabet, spots)[::3]:
        assert aut.accepts(w) == task.accepts(w)


# ---- the solver and the witness ---------------------------------------------------------------------


def test_witness_tiles() -> None:
    tiles = counter_tiles()
    assert len(tiles) == 17 and len({t.name for t in tiles}) == 17
    assert len({(t.left, t.up, t.right, t.down) for t in tiles}) == 17
    final = counter_witness(2).tile("top_lsb_b0")
    assert (final.left, final.up, final.right, final.down) == (1, 0, 0, 1)
    assert sum(t.up == 0 for t in tiles) == 5 and sum(t.down == 0 for t in tiles) == 3


@pytest.mark.parametrize("n", [1, 2, 3])
def test_witness_strict_height(n: int) -> None:
    inst = counter_witness(n)
    report = solve_report(inst, 2 ** (2**n) + 1)
    assert report.height == 2 ** (2**n) == expected_witness_height(n)
    assert report.grid is not None and is_solution(inst, report.grid)
    # row j holds the W-bit value j − 1 (column 1 = MSB; up colour 2 = bit 1)
    lookup = {t.name: t for t in inst.tiles}
    for j, row in enumerate(report.grid[:-1]):
        bits = "".join("1" if lookup[x].up == 2 else "0" for x in row)
        assert int(bits, 2) == j
    assert min_height(inst, 2 ** (2**n) - 1) is None  # no shorter solution
    assert len(encode(report.grid)) == expected_witness_length(n) == {1: 24, 2: 256, 3: 10240}[n]


@pytest.mark.parametrize("n", [1, 2, 3])
def test_counter_grid_is_the_row_search_solution(n: int) -> None:
    grid = counter_grid(n)
    assert grid == list(solve_report(counter_witness(n), 2 ** (2**n) + 1).grid)
    assert encode(grid) == shortest_word(counter_witness(n))


def test_counter_grid_refuses_bad_n() -> None:
    for n in (0, -1, 1.5, True):
        with pytest.raises(ParameterError):
            counter_grid(n)  # type: ignore[arg-type]


def test_counter_grid_n4_is_a_solution() -> None:
    grid = counter_grid(4)
    assert len(grid) == 2**16 and is_solution(counter_witness(4), grid)
    assert len(encode(grid)) == expected_witness_length(4) == 6_291_456
    broken = [*grid[:100], grid[101], grid[100], *grid[102:]]  # two rows swapped
    assert not is_solution(counter_witness(4), broken)
    print(violations(counter_witness(4), broken)[:1])


@pytest.mark.parametrize("n", [1, 2, 3])
def test_witness_as_stated_collapses_to_4(n: int) -> None:
    inst = counter_witness(n, "as-stated")
    grid = solve(inst, 20)
    assert grid is not None and len(grid) == 4 and is_solution(inst, grid)


def test_shortest_word_lengths() -> None:
    assert [len(shortest_word(counter_witness(n)) or ()) for n in (1, 2, 3)] == [24, 256, 10240]


@pytest.mark.parametrize("name", sorted(INSTANCE_SUITE))
def test_suite_known_answers(name: str) -> None:
    inst, answer = INSTANCE_SUITE[name]()
    assert INSTANCE_SUITE[name].__doc__
    report = solve_report(inst, 50)
    assert report.height == answer, (name, report)
    task = TilingTask(inst)
    if answer is None:
        assert report.exhausted  # unsolvable for every height
        assert task.reference().explore().minimise().is_empty()
    else:
        assert report.grid is not None and is_solution(inst, report.grid)
        word = encode(report.grid)
        assert task.accepts(word) and task.reference().accepts(word)
        shortest = task.reference().explore().minimise().shortest_accepted()
        assert shortest is not None and len(shortest) == len(word)


def test_suite_size_and_borders() -> None:
    assert len(INSTANCE_SUITE) >= 10
    answers = {k: f()[1] for k, f in INSTANCE_SUITE.items()}
    assert None in answers.values() and {1, 2, 3} <= set(answers.values())
    assert answers["shortcut_as_stated"] == 2 and answers["shortcut_strict"] == 3


def test_rows_over_strict_vs_as_stated() -> None:
    inst = TilingInstance(2, PAIR.tiles, "b")
    assert rows_over(inst, (0, 0, 0, 0)) == [("a", "b", "a", "b")]
    assert rows_over(inst.with_borders("strict"), (0, 0, 0, 0)) == []


# ---- negatives --------------------------------------------------------------------------------------


def test_wrong_tile_set_rejected() -> None:
    """A wrong carry tile mid_b1c1 = (2,2,2,2) (outputs bit 1, not 0) breaks the strict counter at n = 2:
    0011 + 1 becomes 0101, the top is reached after 8 rows, and the true witness word is rejected."""
    tiles = tuple(T(2, 2, 2, 2, "mid_b1c1") if t.name == "mid_b1c1" else t for t in counter_tiles())
    inst = TilingInstance(2, tiles, "top_lsb_b0", "strict")
    report = solve_report(inst, 64)
    print("with a wrong mid_b1c1:", report.height, "rows instead of 16")
    assert report.height == 8
    word = shortest_word(counter_witness(2))
    assert word is not None
    reasons = violations(inst, decode(inst, word))
    print("the witness word under the wrong tile set:", reasons)
    assert reasons and not TilingTask(inst).accepts(word) and not TilingTask(inst).reference().accepts(word)
    missing = tuple(t for t in counter_tiles() if t.name != "mid_b1c1")  # without the tile: no solution
    assert solve_report(TilingInstance(2, missing, "top_lsb_b0", "strict"), 64).exhausted


def test_corrupted_grid_rejected() -> None:
    inst = counter_witness(2)
    grid = solve(inst, 20)
    assert grid is not None
    rows = [list(r) for r in grid]
    rows[5][3] = "lsb_b1" if rows[5][3] == "lsb_b0" else "lsb_b0"
    bad = tuple(tuple(r) for r in rows)
    reasons = violations(inst, bad)
    print("corrupted cell (6,4):", reasons)
    assert reasons
    task = TilingTask(inst)
    assert not task.accepts(encode(bad)) and not task.reference().accepts(encode(bad))


# ---- task interface ---------------------------------------------------------------------------------


def test_task_samples_and_lower_bounds() -> None:
    task = TilingTask(counter_witness(2))
    s = task.samples()
    aut = task.reference()
    assert s.positive and all(task.accepts(w) and aut.accepts(w) for w in s.positive)
    assert s.negative and not any(task.accepts(w) or aut.accepts(w) for w in s.negative)
    assert s.near_miss and not any(task.accepts(w) or aut.accepts(w) for w in s.near_miss)
    bounds = {b.measure: b for b in task.lower_bounds()}
    assert bounds["DFA states"].value == 257
    assert bounds["DFA states"].value <= task.reference_dfa().num_states
    assert bounds["RNN state bits k*D"].value == pytest.approx(np.log2(257))
    assert bounds["LTL formula size"].value == 4 and "c" in bounds["LTL formula size"].reason
    empty = TilingTask(INSTANCE_SUITE["blank_strict"]()[0])
    assert all(b.value is None for b in empty.lower_bounds())
    assert "Problem 6" in str(task.citation) and "Lemma 8" in str(task.citation)
    assert task.params == {"n": 2, "tiles": 17, "final": "top_lsb_b0", "borders": "strict"}
