"""Emptiness proofs for all lengths (proofs_check.certify.emptiness): the printed eq. (14e) is empty."""
from __future__ import annotations

import pytest

from automata.errors import ParameterError
from constructions.brasp.interpreter import evaluate_word
from constructions.library.presets import PRESETS
from constructions.library.tiling_brasp import tiling_program
from proofs_check.certify.emptiness import prove_empty
from tasks.tiling import shortest_word
from tasks.tiling_witness import INSTANCE_SUITE, counter_witness


@pytest.mark.parametrize("n", [1, 2, 3])
def test_printed_witness_program_proved_empty(n: int) -> None:
    report = prove_empty(tiling_program(counter_witness(n), "printed"))
    assert report.proved_empty, report.render()
    assert report.constant_predicates()["B"] is False and report.constant_predicates()["Y"] is False
    assert "PROVED EMPTY" in report.render()


@pytest.mark.parametrize("name", sorted(INSTANCE_SUITE))
def test_printed_suite_empty_and_solvable_corrected_not(name: str) -> None:
    instance, height = INSTANCE_SUITE[name]()
    assert prove_empty(tiling_program(instance, "printed")).proved_empty
    corrected = prove_empty(tiling_program(instance), witness_search=lambda: shortest_word(instance, 8))
    if height is not None:  # soundness: a non-empty program is never "proved empty"
        assert not corrected.proved_empty
        assert corrected.witness is not None and len(corrected.witness) == height * instance.width * (instance.n + 2)


def test_corrected_witness_program_not_empty_with_word() -> None:
    """Negative test: the corrected program is not proved empty, and its witness word is accepted."""
    instance = counter_witness(1)
    program = tiling_program(instance)
    report = prove_empty(program, witness=shortest_word(instance))
    assert not report.proved_empty
    assert report.witness is not None and len(report.witness) == 24
    assert evaluate_word(program, list(report.witness))["Y"][-1]
    assert "NOT PROVED EMPTY" in report.render() and "accepted word" in report.render()


def test_bmc_supplies_a_witness_for_presets() -> None:
    report = prove_empty(PRESETS["ab_plus"](), bmc_max_len=3)
    assert not report.proved_empty and report.witness == ("a", "b")


def test_wrong_witness_is_not_reported() -> None:
    report = prove_empty(PRESETS["ab_plus"](), witness=("a", "a"))
    assert not report.proved_empty and report.witness is None


def test_sharing_is_needed_depth0_and_bad_depth() -> None:
    """Without attention (depth 0) every attention output is free: the printed program is not proved
    empty — the method's precision comes from the shared attended position."""
    program = tiling_program(counter_witness(1), "printed")
    assert not prove_empty(program, depth=0).proved_empty
    with pytest.raises(ParameterError):
        prove_empty(program, depth=-1)
