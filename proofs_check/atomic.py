"""Atomic output sets: every file is written under a temporary name and renamed into place."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable, Mapping

from automata.errors import ParameterError


def table_files(render: Callable[[str], str]) -> dict[str, str]:
    """table.md / table.csv / table.tex from ``render(fmt)`` (fmt: md, csv, latex)."""
    return {f"table.{ext}": render(fmt) for fmt, ext in (("md", "md"), ("csv", "csv"), ("latex", "tex"))}


def write_atomically(out: Path, texts: Mapping[str, str], extra: Callable[[Path], None] | None = None,
                     extra_name: str = "plot.png") -> None:
    """Write ``texts`` (name → content) and, with ``extra``, the file ``extra_name`` that ``extra(path)``
    writes, into directory ``out``: all into a temporary sibling directory first, then each renamed into
    place (a failure leaves the old files untouched)."""
    if out.exists() and not out.is_dir():
        raise ParameterError(f"--out {out} exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=out, prefix=".tmp-") as tmp:
            for name, text in texts.items():
                (Path(tmp) / name).write_text(text)
            if extra is not None:
                extra(Path(tmp) / extra_name)
            for name in [*texts, *([extra_name] if extra is not None else [])]:
                os.replace(Path(tmp) / name, out / name)
    except OSError as err:
        raise ParameterError(f"cannot write to {out}: {err.strerror}") from None


__all__ = ["write_atomically"]
