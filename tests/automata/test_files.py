"""The one atomic file writer: the old file survives a failed write, no temporary file is left behind."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from automata.errors import ParameterError
from automata.files import write_bytes_atomic


def test_writes_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    write_bytes_atomic(target, b"one")
    write_bytes_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(ParameterError, match="cannot write .*No space left"):
        write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_an_interrupt_removes_the_temporary_file(tmp_path: Path, monkeypatch) -> None:
    def interrupt(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_bytes_atomic(tmp_path / "x", b"data")
    assert os.listdir(tmp_path) == []


def test_refusals(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="is a directory"):
        write_bytes_atomic(tmp_path, b"x")
    with pytest.raises(ParameterError, match="cannot write"):
        write_bytes_atomic(tmp_path / "no" / "such" / "x", b"x")
