"""Smoke run of the benchmark runner: the quick variant of the DFA and exhaustive benchmarks (tiny
sizes, no automata-lib download)."""
from __future__ import annotations

import pytest

from automata.errors import ParameterError
from benchmarks import run as runner


def test_runner_lists_the_benchmarks() -> None:
    assert {"dfa", "exhaustive"} <= set(runner.names())


def test_quick_run_of_our_benchmarks(capsys) -> None:
    assert runner.run_all(quick=True, only=("dfa", "exhaustive")) == ["dfa", "exhaustive"]
    out = capsys.readouterr().out
    assert "== dfa (quick)" in out and "== exhaustive (quick)" in out
    assert "counter N=8" in out and "closed form OK" in out and "witness N=2" in out
    assert "AGREE" in out and "per-word loop" in out
    assert "automata-lib" not in out  # never downloaded in tests


def test_unknown_benchmark_is_a_typed_error(capsys) -> None:
    with pytest.raises(ParameterError, match="unknown benchmark"):
        runner.run_all(only=("nope",))
    assert runner.main(["--only", "nope"]) == 2
    assert "unknown benchmark nope" in capsys.readouterr().err
