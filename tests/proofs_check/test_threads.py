"""The CLI's thread policy (proofs_check/threads.py): free cores, an override, OpenMP threads that sleep."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch

from automata.errors import ParameterError
from proofs_check import threads


def test_configure(monkeypatch) -> None:
    old = torch.get_num_threads()
    try:
        monkeypatch.setenv(threads.ENV, "3")
        assert threads.configure() == 3 and torch.get_num_threads() == 3
        monkeypatch.setenv(threads.ENV, "torch")
        assert threads.configure() is None and torch.get_num_threads() == 3  # left alone
        monkeypatch.setenv(threads.ENV, "auto")
        assert threads.configure() == threads.free_cores() == torch.get_num_threads()
        for bad in ("0", "x", "1000"):
            monkeypatch.setenv(threads.ENV, bad)
            with pytest.raises(ParameterError, match=threads.ENV):
                threads.configure()
    finally:
        torch.set_num_threads(old)


def test_free_cores_follow_the_load(monkeypatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 0, 0))
    assert threads.free_cores() == 2
    monkeypatch.setattr(os, "getloadavg", lambda: (1.4, 0, 0))
    assert threads.free_cores() == 1
    monkeypatch.setattr(os, "getloadavg", lambda: (7.0, 0, 0))
    assert threads.free_cores() == 1  # never 0


@pytest.mark.parametrize("preset,expected", [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_openmp_waits_passively_unless_the_user_says_otherwise(preset, expected) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if preset:
        env["OMP_WAIT_POLICY"] = preset
    out = subprocess.run([sys.executable, "-c", "import proofs_check, os; print(os.environ['OMP_WAIT_POLICY'])"],
                         capture_output=True, text=True, env=env, check=True, timeout=60).stdout
    assert out.strip() == expected
