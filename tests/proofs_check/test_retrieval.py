"""The retrieval side of [WDL]: constructions' sizes, exhaustive checks, z3 lemmas, the table and the CLI."""
from __future__ import annotations

import math

import pytest
import torch

from constructions.library.retrieval_uhat import core_size, retrieval_uhat
from proofs_check.cli import main
from proofs_check.retrieval_check import broken_weight, check_task, transformer_answerers
from proofs_check.retrieval_proofs import LEMMAS, head_scores_match, prove_task, refute_broken
from proofs_check.retrieval_table import retrieval_row, table_ns
from tasks.retrieval import retrieval_task

torch.set_num_threads(1)
NAMES = ("index", "index-binary", "ar", "cgram", "cgram3", "counting", "counting-k2")


@pytest.mark.parametrize("name", NAMES)
def test_core_size_is_constant_and_matches_the_formula(name: str) -> None:
    seen = set()
    for n in (4, 6, 16, 64, 256):
        task = retrieval_task(name, n)
        net = retrieval_uhat(task)
        size, formula = net.size(), core_size(task)
        assert (size.layers, size.uha_layers, size.heads, size.max_width) == (
            formula.layers, formula.attention_layers, formula.heads, formula.width)
        seen.add((size.layers, size.heads, size.max_width, size.core_params))
        # the per-symbol tables grow with the vocabulary: one embedding column per symbol
        assert size.table_params >= len(task.alphabet)
    assert len(seen) == 1, f"{name}: the core changes with n: {seen}"


@pytest.mark.parametrize("name,n", [("index-binary", 10), ("index", 5), ("ar", 6), ("cgram", 5), ("cgram3", 5),
                                    ("counting", 4), ("counting-k2", 6)])
def test_every_input_agrees(name: str, n: int) -> None:
    task = retrieval_task(name, n)
    report = check_task(task, transformer_answerers(task))
    assert report.exhaustive and report.inputs > 0
    assert report.agree, report.summary()


@pytest.mark.parametrize("name,n", [("index", 4), ("ar", 4), ("cgram", 4), ("counting", 3)])
def test_a_broken_weight_is_caught_with_a_concrete_input(name: str, n: int) -> None:
    task = retrieval_task(name, n)
    report = check_task(task, transformer_answerers(task, broken=True))
    assert not report.agree
    print(report.summary())
    assert report.first.word.startswith("<s> ")
    assert retrieval_uhat(task) != broken_weight(retrieval_uhat(task))


def test_random_inputs_at_large_n() -> None:
    task = retrieval_task("index", 1024)
    report = check_task(task, transformer_answerers(task), sample=4, seed=1)
    assert report.agree and report.inputs == 4 and not report.exhaustive


@pytest.mark.parametrize("task", list(LEMMAS))
def test_lemmas_proved_for_every_n_and_the_broken_one_refuted(task: str) -> None:
    assert all(r.proved for r in prove_task(task)), [r.line() for r in prove_task(task)]
    bad = refute_broken(task)
    assert not bad.proved and "=" in bad.counterexample, bad.line()


@pytest.mark.parametrize("name", NAMES)
def test_built_heads_compute_the_lemma_scores(name: str) -> None:
    task = retrieval_task(name, 6)
    lines = head_scores_match(retrieval_uhat(task), task)
    assert lines and all("MISMATCH" not in line for line in lines)


def test_head_score_link_catches_a_broken_head() -> None:
    task = retrieval_task("ar", 4)
    net = retrieval_uhat(task)
    from dataclasses import replace

    layer = net.layers[1]
    bad = replace(net, layers=(net.layers[0], replace(layer, A=layer.A.with_entry(0, net.names[0].index("tok"), 3))))
    assert any("MISMATCH" in line for line in head_scores_match(bad, task))


def test_table_rows_counting_8_and_the_shape() -> None:
    row = retrieval_row("counting", 8)
    assert math.isclose(row.lb_bits, math.log2(math.comb(15, 7)), rel_tol=1e-12)
    assert round(row.lb_bits, 2) == 12.65
    big = retrieval_row("index", 1024)
    small = retrieval_row("index", 16)
    assert (big.layers, big.heads, big.width, big.core_params) == (small.layers, small.heads, small.width, small.core_params)
    assert big.lb_bits == 1024 * math.log2(1024) and small.lb_bits == 16 * 4
    assert big.bits <= small.bits + 2 * (math.log2(1024) - math.log2(16)) + 2  # bits grow like log n
    assert big.beta_min > small.beta_min
    assert table_ns(list(range(2, 200)), "ar") == [n for n in range(2, 65) if n % 2 == 0] + [128]


def test_enumerated_rows_match_the_closed_form_in_a_row() -> None:
    row = retrieval_row("index-binary", 8)
    assert row.lb_how == "enumerated" and row.lb_bits == 8


def test_cli_verify_prove_table(capsys) -> None:
    assert main(["verify", "index-binary", "-n", "6"]) == 0
    out = capsys.readouterr().out
    assert "AGREE" in out and "RNN" in out and "RAG" in out and "hybrid" in out
    assert main(["verify", "index", "-n", "4", "--break-weight"]) == 0
    assert "DISAGREE" in capsys.readouterr().out
    assert main(["prove", "index", "-n", "8"]) == 0
    assert "ALL PROVED" in capsys.readouterr().out
    assert main(["table", "counting", "-n", "8..8"]) == 0
    assert "12.65" in capsys.readouterr().out


@pytest.mark.parametrize("argv,needle", [
    (["verify", "index", "-n", "0"], "error:"),
    (["verify", "ar", "-n", "3"], "even"),
    (["verify", "index"], "needs -n"),
    (["verify", "nosuch", "-n", "3"], "unknown task"),
    (["table", "index", "-n", "1..70000"], "65536"),
    (["verify", "index", "-n", "4", "--sample", "0"], "--sample"),
])
def test_cli_bad_input_one_line(argv, needle, capsys) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and needle in err and err.count("\n") == 1


def test_table_writes_atomically(tmp_path, capsys) -> None:
    assert main(["table", "index", "-n", "2..4", "--out", str(tmp_path / "t")]) == 0
    names = sorted(p.name for p in (tmp_path / "t").iterdir())
    assert names == ["plot.png", "table.csv", "table.md", "table.tex"]


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device (none here)")
@pytest.mark.parametrize("name,n", [("index", 6), ("ar", 8), ("cgram3", 6), ("counting", 5)])
def test_cuda_every_input_agrees(name: str, n: int) -> None:
    task = retrieval_task(name, n)
    report = check_task(task, transformer_answerers(task, device="cuda"))
    assert report.agree, report.summary()
    big = retrieval_task(name, 4096 if name != "ar" else 4096)
    assert check_task(big, transformer_answerers(big, device="cuda"), sample=50).agree


def test_cli_show_layers_latex_sizes(capsys) -> None:
    assert main(["show", "counting", "-n", "4", "--what", "layers"]) == 0
    out = capsys.readouterr().out
    assert "average, mask j<i" in out and "r1 := 30·inv" in out  # M = (n + 1)(n + 2) = 30
    assert main(["show", "cgram3", "-n", "5", "--what", "layers"]) == 0
    assert "head 2" in capsys.readouterr().out
    assert main(["show", "index", "-n", "3", "--what", "latex"]) == 0
    assert r"\mathrm{logits}" in capsys.readouterr().out
    assert main(["show", "ar", "-n", "4", "--what", "sizes"]) == 0
    assert "core formula" in capsys.readouterr().out
    assert main(["show", "index", "-n", "100", "--what", "latex"]) == 0  # sparse: any size up to the non-zero limit
    assert r"\section*{index n=100}" in capsys.readouterr().out
