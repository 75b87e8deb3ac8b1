"""Atomic output sets: every file is written under a temporary name and renamed into place."""
from __future__ import annotations

import os
import signal
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Mapping

from automata.errors import ParameterError


def table_files(render: Callable[[str], str]) -> dict[str, str]:
    """table.md / table.csv / table.tex from ``render(fmt)`` (fmt: md, csv, latex)."""
    return {f"table.{ext}": render(fmt) for fmt, ext in (("md", "md"), ("csv", "csv"), ("latex", "tex"))}


def write_atomically(out: Path, texts: Mapping[str, str],
                     files: Mapping[str, Callable[[Path], None]] | None = None) -> None:
    """Write ``texts`` (name → content) and ``files`` (name → a writer called with the path to write, e.g.
    ``{"plot.png": draw}``) into directory ``out``: all into a temporary sibling directory first, then each
    renamed into place (a failure leaves the old files untouched)."""
    if out.exists() and not out.is_dir():
        raise ParameterError(f"--out {out} exists and is not a directory")
    writers = dict(files or {})
    with _sigterm_interrupts():
        _write(out, texts, writers, [*texts, *writers])


@contextmanager
def _sigterm_interrupts():
    """During the write, SIGTERM raises KeyboardInterrupt (so the temporary directory is removed and a
    half-moved set is rolled back) instead of killing the process on the spot; main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):  # pragma: no cover - signal handler
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def _write(out: Path, texts: Mapping[str, str], writers: Mapping[str, Callable[[Path], None]],
           names: list[str]) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=out, prefix=".tmp-") as tmp:
            new, old = Path(tmp) / "new", Path(tmp) / "old"
            new.mkdir()
            old.mkdir()
            for name, text in texts.items():
                (new / name).write_text(text)
            for name, write in writers.items():
                write(new / name)
            for name in names:  # every target must be replaceable before anything moves
                if (out / name).is_dir():
                    raise IsADirectoryError(21, "a directory is in the way", str(out / name))
            moved: list[str] = []
            try:
                for name in names:  # the old set aside, then the new one in; undone on any failure
                    if (out / name).exists():
                        os.replace(out / name, old / name)
                    moved.append(name)
                    os.replace(new / name, out / name)
            except BaseException:
                for name in moved:
                    if (old / name).exists():
                        os.replace(old / name, out / name)
                    elif (out / name).exists():
                        os.remove(out / name)
                raise
    except OSError as err:
        raise ParameterError(f"cannot write to {out}: {err.strerror} ({err.filename})") from None


__all__ = ["write_atomically"]
