"""`succinct verify|table|show istree` — IsTree with CoT ([WDL] Thm 4.7) on the command line."""
from __future__ import annotations

from pathlib import Path

import pytest

from proofs_check.cli import main
from proofs_check.istree_check import check_sample, istree_range, side_stride


def test_verify_every_graph(capsys):
    assert main(["verify", "istree", "-n", "4"]) == 0
    out = capsys.readouterr().out
    assert "120 ordered edge lists (every one)" in out and "AGREE" in out
    assert "exact RNN" in out and "RAG" in out and "hybrid" in out


def test_verify_break_weight_prints_the_graph(capsys):
    assert main(["verify", "istree", "-n", "4", "--break-weight"]) == 0
    out = capsys.readouterr().out
    assert "DISAGREE" in out and "graph:    [BOS]" in out and "expected:" in out and "perturbed on purpose" in out


def test_verify_sample(capsys):
    assert main(["verify", "istree", "-n", "9", "--sample", "200", "--seed", "3"]) == 0
    assert "200 random edge lists" in capsys.readouterr().out


@pytest.mark.parametrize("argv, fragment", [
    (["verify", "istree", "-n", "1"], "n must be an integer in 2..1024"),
    (["verify", "istree"], "needs -n"),
    (["verify", "istree", "-n", "4", "--max-len", "3"], "--max-len is not an option"),
    (["verify", "istree", "-n", "4", "--dtype", "float16"], "not proved exact"),
    (["verify", "istree", "-n", "4", "--dtype", "int7"], "dtype"),
    (["verify", "istree", "-n", "4", "--sample", "0"], "--sample must be"),
    (["verify", "istree", "-n", "8"], "exceed the single-process limit"),
    (["verify", "istree", "-n", "4", "--sample", "5", "--shards", "2"], "--sample"),
    (["prove", "istree"], "no z3 section"),
    (["accepts", "istree", "-n", "3", "x"], "not available"),
    (["mutate", "istree", "-n", "3", "--max-len", "2"], "not available"),
    (["table", "istree", "-n", "1..3"], "is outside 2..1024"),
    (["table", "istree", "-n", "100..120"], "none in 100..120"),
    (["verify", "istree", "-n", "3", "--dtype", "int64"], "must be a float dtype"),
    (["verify", "istree", "-n", "4", "--sample", "3", "--seed", "-1"], "--seed must be"),
    (["table", "istree", "-n", "3..5", "--variant", "x"], "--variant is not an option"),
])
def test_bad_arguments_one_error_line(capsys, argv, fragment):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and fragment in err[0], err


def test_table_out_writes_the_set(tmp_path: Path, capsys):
    out = tmp_path / "t"
    assert main(["table", "istree", "-n", "3..5", "--out", str(out)]) == 0
    for name in ("table.md", "table.csv", "table.tex", "plot.png"):
        assert (out / name).stat().st_size > 0
    md = (out / "table.md").read_text()
    assert "| 5 | 13 | 8 | 5 | 61 |" in md and "enumerated" in md


def test_show_and_tasks(capsys):
    assert main(["show", "istree", "-n", "4", "--what", "sizes"]) == 0
    assert "core formula" in capsys.readouterr().out
    assert main(["show", "istree", "-n", "3", "--what", "layers"]) == 0
    assert main(["tasks"]) == 0
    assert "istree" in capsys.readouterr().out


def test_side_sample_is_by_index_and_merges():
    """RAG and the hybrid check every s-th input by its index: two ranges give the single run's counts."""
    assert side_stride(5040) == 1 and side_stride(360_360) == 19
    whole = istree_range(4, 0, 120)
    a, b = istree_range(4, 0, 50), istree_range(4, 50, 120)
    for key, value in whole["stats"].items():
        merged = max(a["stats"][key], b["stats"][key]) if key == "longest_cot" else a["stats"][key] + b["stats"][key]
        assert merged == value, key


def test_side_sample_by_absolute_index_n6():
    """n = 6: RAG and the hybrid check every 19th input by its index in the whole space, so split ranges
    check exactly the inputs the whole range checks."""
    whole = istree_range(6, 0, 400)
    a, b = istree_range(6, 0, 157), istree_range(6, 157, 400)
    assert whole["stats"]["rag_checked"] == len(range(0, 400, 19)) == 22
    assert a["stats"]["rag_checked"] + b["stats"]["rag_checked"] == 22
    assert a["stats"]["hybrid_checked"] + b["stats"]["hybrid_checked"] == whole["stats"]["hybrid_checked"]


def test_check_sample_reports():
    r = check_sample(6, 300, seed=1)
    assert r["count"] == 300 and r["first"] is None
