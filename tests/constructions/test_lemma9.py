"""The Lemma 9 compiler: both forms agree with the interpreter, refuse what Lemma 9 cannot take."""
from __future__ import annotations

from dataclasses import replace

import pytest

from automata.errors import NotLemma9FormError
from constructions.brasp.formula import FALSE, TRUE, Q, conj, disj
from constructions.brasp.program import AttentionOp, Program
from constructions.library.presets import PRESETS
from constructions.uhat.lemma9 import compile_lemma9, paper_layer_count, paper_layer_counts, paper_nonzeros_lower_bound
from constructions.uhat.model import AttentionLayer, ReLULayer
from proofs_check.deciders import dfa_decider, program_decider, uhat_decider
from proofs_check.exhaustive import exhaustive_check
from tasks.presets import PRESET_TASKS
from tests.constructions.randprog import random_program


@pytest.mark.parametrize("seed", range(24))
def test_random_programs_both_forms_agree_with_interpreter(seed: int) -> None:
    prog = random_program(seed)
    deciders = [program_decider(prog)]
    for packed in (False, True):
        deciders.append(uhat_decider(compile_lemma9(prog, packed=packed), f"UHAT packed={packed}"))
    report = exhaustive_check(prog.alphabet, deciders, 5)
    assert report.agree, report.summary()


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_presets_interpreter_uhat_and_reference_agree_up_to_8(key: str) -> None:
    prog = PRESETS[key]()
    task = PRESET_TASKS[key]()
    deciders = [
        dfa_decider(task.reference_dfa()),
        program_decider(prog),
        uhat_decider(compile_lemma9(prog), "UHAT paper"),
        uhat_decider(compile_lemma9(prog, packed=True), "UHAT packed"),
    ]
    report = exhaustive_check(prog.alphabet, deciders, 8)
    assert report.agree, report.summary()
    assert report.words == sum(len(prog.alphabet) ** n for n in range(1, 9))
    assert sum(report.accepted) > 0


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_paper_form_weights_and_layer_formula(key: str) -> None:
    prog = PRESETS[key]()
    net = compile_lemma9(prog)
    values = {v for layer in net.layers for m in layer.maps() for v in m.values()}
    values |= set(net.embedding.values()) | set(net.accept.values())
    assert values <= {-1, 1}, "Lemma 9: all weights in {-1, 0, 1}"
    assert len(net.layers) == paper_layer_count(prog)
    packed = compile_lemma9(prog, packed=True)
    assert packed.size().layers < net.size().layers


def _layer_kinds(net) -> tuple[int, int]:
    return (sum(isinstance(x, AttentionLayer) for x in net.layers), sum(isinstance(x, ReLULayer) for x in net.layers))


@pytest.mark.parametrize("source", ["presets", "random", "families"])
def test_layer_counts_by_kind_and_the_nonzero_lower_bound(source: str) -> None:
    """paper_layer_counts = the built network's (UHA, ReLU) layers; paper_nonzeros_lower_bound ≤ its
    non-zero weights, and not vacuous (at least a tenth of them)."""
    from proofs_check.registry import family

    if source == "presets":
        programs = [PRESETS[k]() for k in sorted(PRESETS)]
    elif source == "random":
        programs = [random_program(seed) for seed in range(30)]
    else:
        programs = [family("counter").program(n, "full") for n in (1, 2, 4)]
        programs += [family("dyck").program(d, "2") for d in (1, 3)] + [family("tiling-witness").program(2, "strict")]
    for prog in programs:
        net = compile_lemma9(prog)
        assert paper_layer_counts(prog) == _layer_kinds(net)
        nnz, bound = net.size().nonzeros, paper_nonzeros_lower_bound(prog)
        assert nnz / 10 <= bound <= nnz, (bound, nnz)


def test_random_programs_layer_formula() -> None:
    for seed in range(30):
        prog = random_program(seed)
        assert len(compile_lemma9(prog).layers) == paper_layer_count(prog)


def test_score_outside_lemma9_form_is_refused() -> None:
    bad = AttentionOp("X", "rightmost", "j<i", disj(conj(Q("a", "i"), Q("b", "j")), Q("a", "j")), TRUE, FALSE)
    prog = Program(("a", "b"), (bad,))
    with pytest.raises(NotLemma9FormError) as err:
        compile_lemma9(prog)
    assert "\n" not in str(err.value) and "X" in str(err.value)


def test_i_only_score_conjunct_is_folded_soundly() -> None:
    op = AttentionOp("X", "leftmost", "j>i", conj(Q("a", "i"), Q("b", "j")), Q("b", "j"), Q("b"))
    prog = Program(("a", "b"), (op,), accept_at="first")
    ds = [program_decider(prog), uhat_decider(compile_lemma9(prog)), uhat_decider(compile_lemma9(prog, packed=True))]
    assert exhaustive_check(prog.alphabet, ds, 7).agree


def test_wrong_tiebreak_is_caught_with_counterexample(capsys) -> None:
    prog = PRESETS["ab_plus"]()
    net = compile_lemma9(prog)
    k = next(i for i, l in enumerate(net.layers) if isinstance(l, AttentionLayer) and l.attends)
    flipped = replace(net.layers[k], tiebreak="leftmost" if net.layers[k].tiebreak == "rightmost" else "rightmost")
    broken = replace(net, layers=net.layers[:k] + (flipped,) + net.layers[k + 1 :])
    report = exhaustive_check(prog.alphabet, [program_decider(prog), uhat_decider(broken, "broken")], 6)
    print(report.summary())
    assert not report.agree
    assert "DISAGREE" in capsys.readouterr().out
