"""`succinct prove`: every section proved on correct constructions, a broken network refused."""
from __future__ import annotations

from dataclasses import replace

import pytest

from constructions.uhat import lemma9
from constructions.uhat.model import AttentionLayer
from proofs_check import prove
from proofs_check.cli import main
from proofs_check.prove import prove_member
from proofs_check.registry import family


def test_counter_all_sections_proved() -> None:
    report = prove_member(family("counter"), 1, "full")
    titles = [s.title for s in report.sections]
    assert report.proved and all(s.proved for s in report.sections)
    assert any("symbolic" in t for t in titles) and any("precision" in t for t in titles)
    assert sum("layer certificates" in t for t in titles) == 2  # paper and packed


def test_witness_emptiness_and_rnn(capsys) -> None:
    code = main(["prove", "tiling-witness", "-n", "1", "--form", "packed", "--what", "empty,rnn"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "PROVED EMPTY for every length" in out and "B ≡ 0" in out
    assert "accepted word (search, length 24)" in out
    assert "ALL PROVED" in out


def test_broken_network_is_not_proved(monkeypatch, capsys) -> None:
    """A compiled network with one attention tie-break flipped: the report says NOT PROVED, exit 1."""
    real = lemma9.compile_lemma9

    def broken(program, packed=False):
        net = real(program, packed=packed)
        layers = list(net.layers)
        k = next(i for i, lay in enumerate(layers) if isinstance(lay, AttentionLayer) and lay.attends)
        flip = "leftmost" if layers[k].tiebreak == "rightmost" else "rightmost"
        layers[k] = replace(layers[k], tiebreak=flip)
        return replace(net, layers=tuple(layers))

    monkeypatch.setattr(prove, "compile_lemma9", broken)
    code = main(["prove", "ab-plus", "--what", "uhat", "--form", "packed"])
    out = capsys.readouterr().out
    assert code == 1
    assert "NOT PROVED" in out and "SOME NOT PROVED" in out


def test_large_reference_dfa_is_skipped_not_proved(monkeypatch) -> None:
    monkeypatch.setattr(prove, "RNN_DFA_LIMIT", 10)
    report = prove_member(family("counter"), 1, "full", sections=("rnn",))
    explicit = report.sections[0]
    assert explicit.proved is None and explicit.status == "SKIPPED" and "states" in explicit.text
    assert "skipped" in report.render()


@pytest.mark.parametrize("argv, fragment", [
    (["prove", "counter", "-n", "1", "--what", "magic"], "unknown proof section 'magic'"),
    (["prove", "counter", "-n", "99"], "out of range"),
])
def test_bad_input_one_line(capsys, argv, fragment) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1
