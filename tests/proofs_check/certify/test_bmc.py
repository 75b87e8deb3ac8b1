"""Bounded model checking (proofs_check.certify.bmc) against the exhaustive checker: same verdicts and
the same shortest-then-least counterexamples."""
from __future__ import annotations

import random

import pytest

from automata.errors import ParameterError
from constructions.library.counter_brasp import counter_program
from constructions.library.presets import PRESETS
from constructions.library.tiling_brasp import tiling_program
from constructions.uhat.lemma9 import compile_lemma9
from proofs_check.certify.bmc import (
    bmc_program_accepts,
    bmc_program_vs_dfa,
    bmc_uhat_accepts,
    bmc_uhat_vs_dfa,
    bmc_uhat_vs_program,
)
from proofs_check.deciders import dfa_decider, uhat_decider
from proofs_check.exhaustive import exhaustive_check
from proofs_check.mutation import apply_mutation, random_mutation
from tasks.counter import CounterTask
from tasks.presets import PRESET_TASKS
from tasks.tiling_witness import counter_witness


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_agree_with_their_dfas(name: str) -> None:
    program, dfa = PRESETS[name](), PRESET_TASKS[name]().reference_dfa()
    net = compile_lemma9(program, packed=True)
    assert not bmc_uhat_vs_dfa(net, dfa, 5).found
    assert not bmc_program_vs_dfa(program, dfa, 5).found
    assert exhaustive_check(dfa.alphabet, [dfa_decider(dfa), uhat_decider(net, causal=False)], 5).agree
    best = bmc_uhat_accepts(net, 5)
    assert best.word == dfa.shortest_accepted()


def test_paper_faithful_net_agrees_with_its_program() -> None:
    program = PRESETS["ab_plus"]()
    assert not bmc_uhat_vs_program(compile_lemma9(program), program, 4).found


def test_mutants_give_the_exhaustive_counterexample() -> None:
    """Negative tests: broken networks are caught with the very word exhaustive checking reports."""
    net = compile_lemma9(PRESETS["ab_plus"](), packed=True)
    dfa = PRESET_TASKS["ab_plus"]().reference_dfa()
    rng = random.Random(0)
    caught = 0
    for _ in range(6):
        mutant = apply_mutation(net, random_mutation(net, rng))
        bmc = bmc_uhat_vs_dfa(mutant, dfa, 5)
        ex = exhaustive_check(dfa.alphabet, [dfa_decider(dfa), uhat_decider(mutant, "mutant", causal=False)], 5)
        assert (bmc.word is None) == ex.agree
        if bmc.word is not None:
            assert ex.disagreement is not None and bmc.word == ex.disagreement.word
            assert dict(bmc.verdicts)["DFA"] == dfa.accepts(bmc.word)
            assert "UHAT ≠ DFA" in bmc.render()
            caught += 1
    assert caught >= 3


def test_wrong_reference_caught() -> None:
    """A program checked against another language's DFA: the shortest-then-least difference."""
    program = PRESETS["ab_plus"]()
    other = PRESET_TASKS["stair3"]().reference_dfa()
    with pytest.raises(ParameterError):
        bmc_program_vs_dfa(program, other, 3)
    dfa = PRESET_TASKS["ab_plus"]().reference_dfa()
    wrong = dfa.product(dfa, "diff")  # the empty language over {a, b}
    res = bmc_program_vs_dfa(program, wrong, 4)
    assert res.word == ("a", "b") == dfa.shortest_accepted()


def test_counter_stream_shortest_accepted_word() -> None:
    program = counter_program(1, "stream")
    dfa = CounterTask(1, "stream").reference_dfa()
    assert bmc_program_accepts(program, 4).word == dfa.shortest_accepted() == ("0", "a", "#")
    assert bmc_uhat_accepts(compile_lemma9(program, packed=True), 3).word == ("0", "a", "#")


def test_printed_tiling_program_accepts_nothing_short() -> None:
    program = tiling_program(counter_witness(1), "printed")
    assert not bmc_program_accepts(program, 4).found
    with pytest.raises(ParameterError):
        bmc_program_accepts(program, 0)
