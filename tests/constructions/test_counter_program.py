"""The counter program of [BCL] Example 2: the interpreter agrees with the reference DFA on every prefix
of every word up to a length (one causal pass per length), the full word is accepted and all its
single-symbol changes rejected, the size formula holds, and a broken program is caught."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from automata.alphabet import all_words, decode_word, encode_word, show_word
from automata.dfa import DFA
from automata.errors import ParameterError
from constructions.brasp.formula import Formula, P, conj, disj, neg, size, sides
from constructions.brasp.interpreter import accepts, accepts_prefixes
from constructions.brasp.program import AttentionOp, Program
from constructions.library.counter_brasp import counter_program, counter_program_size
from tasks.counter import CounterTask

CHUNK = 100_000


def first_disagreement(program: Program, dfa: DFA, length: int) -> tuple[str, ...] | None:
    """The shortest, then lexicographically least, word of length 1..length on which the program and
    the DFA differ. Every such word is a prefix of a length-``length`` word, and the program is causal,
    so one pass over the length-``length`` words (in chunks) decides all of them."""
    k = len(program.alphabet)
    best: tuple[int, np.ndarray] | None = None
    for start in range(0, k**length, CHUNK):
        words = all_words(length, k, start, start + CHUNK)
        diff = accepts_prefixes(program, words) != dfa.run_prefixes(words)
        cols = np.flatnonzero(diff.any(axis=0))
        if cols.size and (best is None or cols[0] < best[0]):  # later rows: lexicographically larger
            col = int(cols[0])
            best = (col, words[int(np.flatnonzero(diff[:, col])[0]), : col + 1])
    return None if best is None else decode_word(best[1], program.alphabet)


def single_symbol_changes(word: tuple[str, ...], alphabet: tuple[str, ...]) -> list[tuple[str, ...]]:
    return [word[:p] + (s,) + word[p + 1:] for p in range(len(word)) for s in alphabet if s != word[p]]


def letter_swaps(word: tuple[str, ...], n: int) -> set[tuple[str, ...]]:
    """The single-symbol changes that stay in the language (default H): a letter a ↔ c, since a and c
    have the same neighbours in H. Every full word alternates b with a/c, so there are 2^(n−1) of them."""
    swap = {"a": "c", "c": "a"}
    return {word[:p] + (swap[word[p]],) + word[p + 1:] for p in range(n, len(word), n + 2) if word[p] in swap}


def formula_nodes(program: Program) -> int:
    return sum(
        size(op.score) + size(op.value) + size(op.default) if isinstance(op, AttentionOp) else size(op.formula)
        for op in program.ops
    )


@pytest.mark.parametrize("variant", ["full", "stream"])
@pytest.mark.parametrize("n, length", [(1, 6), (2, 8)])
def test_program_matches_reference_on_all_prefixes(n: int, length: int, variant: str) -> None:
    program = counter_program(n, variant)
    assert program.is_causal and program.in_strict_model
    dfa = CounterTask(n, variant).reference_dfa()
    bad = first_disagreement(program, dfa, length)
    assert bad is None, f"first disagreement: {show_word(bad)}"


@pytest.mark.parametrize("variant", ["full", "stream"])
def test_simulator_form_matches_reference(variant: str) -> None:
    program = counter_program(1, variant, strict_form=False)
    assert program.is_causal and not program.in_strict_model
    assert first_disagreement(program, CounterTask(1, variant).reference_dfa(), 6) is None
    program2 = counter_program(2, variant, strict_form=False)
    s = CounterTask(2, variant).samples()
    for words, expected in ((s.positive, True), (s.negative + s.near_miss, False)):
        for word in words:
            assert bool(accepts(program2, encode_word(word, program2.alphabet)[None, :])[0]) is expected


@pytest.mark.parametrize("variant", ["full", "stream"])
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
def test_lemma9_form_with_empty_k(n: int, variant: str) -> None:
    """Every attention: mask j<i, rightmost, a score reading position j only (Lemma 9, K = ∅)."""
    program = counter_program(n, variant)
    assert program.accept_at == "last" and program.output == "Y"
    for op in program.attention_ops:
        assert (op.mask, op.tiebreak) == ("j<i", "rightmost"), op.name
        assert sides(op.score) <= {"j"}, op.name


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_full_word_accepted_and_every_single_change_rejected(n: int) -> None:
    """Every single-symbol change is rejected except the a ↔ c letter swaps, which stay valid."""
    program = counter_program(n, "full")
    word = CounterTask(n).full_word()
    assert accepts(program, encode_word(word, program.alphabet)[None, :]).tolist() == [True]
    changes = single_symbol_changes(word, program.alphabet)
    codes = np.stack([encode_word(c, program.alphabet) for c in changes])
    accepted = {changes[k] for k in np.flatnonzero(accepts(program, codes))}
    swaps = letter_swaps(word, n)
    assert len(swaps) == 2 ** (n - 1)
    assert accepted == swaps, f"differ on: {[show_word(c) for c in sorted(accepted ^ swaps)][:3]}"
    stream = counter_program(n, "stream")  # every block boundary of the full word is a stream word
    prefixes = accepts_prefixes(stream, encode_word(word, program.alphabet)[None, :])[0]
    assert np.flatnonzero(prefixes).tolist() == [v * (n + 2) - 1 for v in range(1, 2**n + 1)]


@pytest.mark.parametrize("strict_form", [True, False])
@pytest.mark.parametrize("variant", ["full", "stream"])
def test_size_formula(variant: str, strict_form: bool) -> None:
    relations = [
        frozenset({("a", "b"), ("b", "c"), ("b", "a"), ("c", "b")}),
        frozenset(),
        frozenset({("c", "c")}),
        frozenset((x, y) for x in "abc" for y in "abc"),
    ]
    for n in range(1, 7):
        for h in relations:
            program = counter_program(n, variant, h, strict_form)
            expected = counter_program_size(n, variant, h, strict_form)
            assert expected == {
                "ops": len(program.ops),
                "attention_ops": len(program.attention_ops),
                "position_ops": len(program.ops) - len(program.attention_ops),
                "formula_nodes": formula_nodes(program),
                "increment_nodes": size(program.op("INC").value),
            }, (n, sorted(h))
    assert counter_program_size(4)["ops"] == 2 * 4 + 6


def test_parameter_errors() -> None:
    for kwargs in ({"n": 0}, {"n": 21}, {"n": 2, "variant": "x"}, {"n": 2, "relation": {("a", "z")}}):
        with pytest.raises(ParameterError):
            counter_program(**kwargs)
        with pytest.raises(ParameterError):
            counter_program_size(**kwargs)


def _msb_blind_increment(n: int) -> Formula:
    """A broken increment: the disjunct for a carry into bit k < n forgets that bit n must not change."""
    def b(k: int, side: str) -> Formula:
        return P(f"B_{k}", side)  # type: ignore[arg-type]

    def keep(r: int) -> Formula:
        return disj(conj(b(r, "i"), b(r, "j")), conj(neg(b(r, "i")), neg(b(r, "j"))))

    return disj(*(
        conj(
            *(conj(neg(b(r, "i")), b(r, "j")) for r in range(1, k)),
            b(k, "i"),
            neg(b(k, "j")),
            *(keep(r) for r in range(k + 1, n)),  # r = n is missing: the off-by-one bug
        )
        for k in range(1, n + 1)
    ))


def test_broken_increment_is_caught(capsys: pytest.CaptureFixture[str]) -> None:
    n, variant = 2, "stream"
    good = counter_program(n, variant)
    ops = tuple(
        dataclasses.replace(op, value=_msb_blind_increment(n)) if op.name == "INC" else op for op in good.ops
    )
    broken = Program(good.alphabet, ops, good.accept_at, "counter with an MSB-blind increment")
    dfa = CounterTask(n, variant).reference_dfa()
    bad = first_disagreement(broken, dfa, 8)
    print(f"{broken.name}: first disagreeing word {show_word(bad) if bad else None}")
    assert bad == tuple("00a#11b#")  # 0 → 3 accepted as an increment
    assert "00a#11b#" in capsys.readouterr().out


@pytest.mark.parametrize("variant", ["full", "stream"])
def test_compiled_paper_size_closed_form(variant: str) -> None:
    from constructions.library.counter_brasp import counter_uhat_paper_size
    from constructions.uhat.lemma9 import compile_lemma9

    for n in range(1, 8):
        s = compile_lemma9(counter_program(n, variant)).size()
        assert counter_uhat_paper_size(n, variant) == {
            "layers": s.layers,
            "relu_layers": s.relu_layers,
            "width": s.max_width,
        }, n
