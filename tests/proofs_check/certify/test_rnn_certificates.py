"""RNN certificates (proofs_check.certify.rnn): z3 proofs for all lengths, and broken weights caught."""
from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest

from automata.dfa import DFA
from automata.errors import ParameterError, StateLimitError
from constructions.library.counter_rnn import counter_rnn
from constructions.library.dfa_rnn import dfa_to_rnn
from proofs_check.certify.rnn import SINK, certify_rnn
from proofs_check.certify.rnn_symbolic import certify_counter_symbolic, certify_invariant, counter_invariant_groups
from proofs_check.deciders import dfa_decider, rnn_decider
from proofs_check.exhaustive import exhaustive_check
from tasks.counter import CounterTask


def random_dfa(seed: int) -> DFA:
    rng = np.random.default_rng(seed)
    m, k = int(rng.integers(2, 8)), int(rng.integers(1, 4))
    delta = rng.integers(-1, m, size=(m, k)) if rng.random() < 0.5 else rng.integers(0, m, size=(m, k))
    return DFA("abc"[:k], delta, int(rng.integers(0, m)), rng.random(m) < 0.4)


@pytest.mark.parametrize("variant", ["full", "stream"])
@pytest.mark.parametrize("n", [1, 2, 3])
def test_counter_rnn_certified(n: int, variant: str) -> None:
    cert = certify_rnn(counter_rnn(n, variant), CounterTask(n, variant).reference_dfa())
    assert cert.proved, cert.render()
    assert cert.counterexample is None and "PROVED" in cert.render()
    assert cert.units == 6 * n + 3


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["full", "stream"])
def test_counter_rnn_certified_n4(variant: str) -> None:
    assert certify_rnn(counter_rnn(4, variant), CounterTask(4, variant).reference_dfa()).proved


@pytest.mark.parametrize("seed", range(12))
def test_one_hot_rnn_certified_on_random_dfas(seed: int) -> None:
    dfa = random_dfa(seed)
    cert = certify_rnn(dfa_to_rnn(dfa), dfa)
    assert cert.proved, cert.render()


def _mutants(rnn, seed: int, count: int):
    rng = random.Random(seed)
    for _ in range(count):
        r, c, v = rng.choice(rnn.W.entries)
        new = rng.choice([x for x in (-1, 0, 1, 2) if x != v])
        yield replace(rnn, W=rnn.W.with_entry(r, c, new))


def test_broken_weight_gives_the_exhaustive_counterexample() -> None:
    """Negative test: every refuted mutant's word is the shortest-then-least disagreement that the
    exhaustive checker finds; a mutant the certificate proves is one the exhaustive check cannot refute."""
    dfa = CounterTask(1).reference_dfa()
    refuted = 0
    for mutant in _mutants(counter_rnn(1), 3, 10):
        try:
            cert = certify_rnn(mutant, dfa, max_pairs=3000)
        except StateLimitError:
            continue
        ex = exhaustive_check(dfa.alphabet, [dfa_decider(dfa), rnn_decider(mutant.run_prefixes, "mutant")], 7)
        if cert.proved:
            assert ex.agree
            continue
        cex = cert.counterexample
        assert cex is not None and cex.word is not None
        assert cex.rnn_accepts == mutant.accepts(cex.word) != dfa.accepts(cex.word)
        if len(cex.word) <= 7:
            assert ex.disagreement is not None and ex.disagreement.word == cex.word
        refuted += 1
        assert "NOT PROVED" in cert.render()
    assert refuted >= 3


def test_broken_one_hot_readout_caught() -> None:
    dfa = random_dfa(4)
    rnn = dfa_to_rnn(dfa)
    r, c, v = rnn.readout.entries[0] if rnn.readout.entries else (0, 1, 0)
    broken = replace(rnn, readout=rnn.readout.with_entry(0, c, 0 if v else 1))
    cert = certify_rnn(broken, dfa)
    assert not cert.proved and cert.counterexample is not None
    w = cert.counterexample.word
    assert broken.accepts(w) != dfa.accepts(w)
    ex = exhaustive_check(dfa.alphabet, [dfa_decider(dfa), rnn_decider(broken.run_prefixes, "broken")], 6)
    assert ex.disagreement is not None and ex.disagreement.word == w


def test_supplied_encoding_checked_and_bad_one_refuted() -> None:
    """A supplied encoding is checked as given; a corrupted vector breaks the one-step obligation and z3
    names the (state, symbol) and a concrete word."""
    dfa = CounterTask(1).reference_dfa()
    rnn = counter_rnn(1)
    good = certify_rnn(rnn, dfa)
    enc = good.encoding()
    assert certify_rnn(rnn, dfa, enc).proved
    q = next(q for q in enc if q != SINK and q != dfa.start)
    bad = dict(enc)
    v = list(bad[q][0])
    v[-1] = 1 - v[-1]
    bad[q] = (tuple(v),) + bad[q][1:]
    cert = certify_rnn(rnn, dfa, bad)
    assert not cert.proved and cert.counterexample is not None
    assert cert.counterexample.kind in ("step", "readout")
    assert cert.counterexample.word is not None


def test_bad_input_raises() -> None:
    dfa = CounterTask(1).reference_dfa()
    with pytest.raises(ParameterError):
        certify_rnn(dfa_to_rnn(random_dfa(1)), dfa)
    with pytest.raises(ParameterError):
        certify_rnn(counter_rnn(1), dfa, {0: [(0, 1)]})


# ---- the symbolic invariant (no state enumeration) ---------------------------------------------------

@pytest.mark.parametrize("n", [1, 3, 8])
def test_counter_rnn_invariant_inductive(n: int) -> None:
    rnn = counter_rnn(n)
    proof = certify_invariant(rnn, counter_invariant_groups(rnn))
    assert proof.proved, proof.render()
    assert "PROVED inductive" in proof.render()


def test_invariant_negative() -> None:
    """A broken weight, or dropping the exclusivity that keeps the AND-gadgets exact, is refuted with a
    concrete (state, symbol)."""
    rnn = counter_rnn(3)
    groups = counter_invariant_groups(rnn)
    r, c, _ = rnn.W.entries[4]
    broken = replace(rnn, W=rnn.W.with_entry(r, c, 2))
    proof = certify_invariant(broken, groups)
    assert not proof.proved and proof.counterexample is not None
    state, symbol = proof.counterexample
    assert symbol in rnn.alphabet and set(state.values()) <= {0, 1}
    assert not certify_invariant(rnn, groups[1:]).proved  # without position exclusivity: not inductive
    with pytest.raises(ParameterError):
        certify_invariant(rnn, [("nope",)])


def test_rational_weights_use_exact_reals() -> None:
    """Readout t/2 with bias −1/3 still accepts exactly (1/2 − 1/3 > 0); bias −1/2 makes 1/2 − 1/2 = 0:
    the certificate fails with the shortest word the DFA accepts (no tolerance anywhere)."""
    from fractions import Fraction

    from constructions.exact import Affine

    dfa = random_dfa(0)
    rnn = dfa_to_rnn(dfa)
    ro = rnn.readout
    for c, ok in ((Fraction(-1, 3), True), (Fraction(-1, 2), False)):
        half = Affine.build(ro.in_dim, 1, {(r, col): v / 2 for r, col, v in ro.entries}, {0: c})
        cert = certify_rnn(replace(rnn, readout=half), dfa)
        assert cert.proved is ok
        if not ok:
            assert cert.counterexample is not None and cert.counterexample.word is not None
            assert dfa.accepts(cert.counterexample.word) and cert.counterexample.rnn_accepts is False
            # the supplied (correct) encoding reaches the same failure through z3's readout check
            enc = certify_rnn(rnn, dfa).encoding()
            via_z3 = certify_rnn(replace(rnn, readout=half), dfa, enc)
            assert not via_z3.proved and via_z3.counterexample.kind == "readout"
            assert via_z3.counterexample.word is not None and dfa.accepts(via_z3.counterexample.word)


# ---- the symbolic language-level proof (reference state kept symbolic) --------------------------------

@pytest.mark.parametrize("variant", ["full", "stream"])
@pytest.mark.parametrize("n", [1, 2, 5])
def test_counter_symbolic_proof(n: int, variant: str) -> None:
    proof = certify_counter_symbolic(CounterTask(n, variant))
    assert proof.proved, proof.render()
    assert "PROVED for every length" in proof.render()


@pytest.mark.slow
def test_counter_symbolic_proof_n12() -> None:
    assert certify_counter_symbolic(CounterTask(12)).proved


@pytest.mark.parametrize("variant", ["full", "stream"])
def test_counter_symbolic_agrees_with_explicit_on_mutants(variant: str) -> None:
    """Negative tests: mutants of W, U and the readout. The symbolic proof never accepts a mutant that the
    explicit certificate refutes (soundness), and refutes at least some with a named reference state."""
    task = CounterTask(2, variant)
    rnn, dfa = counter_rnn(2, variant), task.reference_dfa()
    rng = random.Random(5)
    refuted = 0
    for _ in range(10):
        part = rng.choice(["W", "U", "readout"])
        m = getattr(rnn, part)
        r, c, v = rng.choice(m.entries)
        mutant = replace(rnn, **{part: m.with_entry(r, c, rng.choice([x for x in (-1, 0, 1, 2) if x != v]))})
        sym = certify_counter_symbolic(task, mutant)
        if sym.proved:
            assert certify_rnn(mutant, dfa, max_pairs=5000).proved
        else:
            refuted += 1
            assert "NOT PROVED" in sym.render() and sym.counterexample is not None
    assert refuted >= 5
