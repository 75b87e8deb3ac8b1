"""One progress policy for every long command: a tqdm bar on stderr whose count is the summary's count.

Policy (issue 13 item 8): ``--progress`` forces bars, ``--no-progress`` disables them, neither → bars
only when stderr is a terminal (:func:`wanted`), so tests, pipes and CI logs stay clean. Bars write to
**stderr only**; stdout is byte for byte the same with and without them.

Counts that agree: a bar counts the units its command's summary then reports — words of every length
1..L for ``verify`` (the exhaustive check's causal pass credits each distinct prefix once), inputs for
the retrieval and IsTree checks, formulas for ``verify ltl-random``, shards for sharded runs, mutants,
suite instances, table rows, proof sections, corruptions, demo sections — and its total is that number,
so an uninterrupted run ends at ``N/N`` with N the summary's number. Updates come per chunk or per
step, never per word (tqdm itself redraws at most every :data:`MIN_INTERVAL` seconds).

While a bar is drawn, :meth:`Bar.printing` routes ``print`` output through the bar: whole lines only,
the bar cleared before them and redrawn after (nothing changes on stdout itself).
"""
from __future__ import annotations

import argparse
import io
import sys
from contextlib import contextmanager, redirect_stdout
from typing import Iterator, TextIO

from automata.errors import ParameterError

MIN_INTERVAL = 0.2  # seconds between redraws
BAR_FORMAT = "{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}{postfix}]"
HELP = "progress bar on stderr (--no-progress: none; default: only when stderr is a terminal)"


def add_progress_option(parser: argparse.ArgumentParser) -> None:
    """``--progress`` / ``--no-progress`` (dest ``progress``: True, False, or None for the TTY default)."""
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None, help=HELP)


def wanted(flag: bool | None, stream: TextIO | None = None) -> bool:
    """The policy: ``flag`` when given, else whether ``stream`` (default: the current ``sys.stderr``) is a
    terminal. Anything but True, False or None is a :class:`ParameterError`."""
    if flag is None:
        stream = sys.stderr if stream is None else stream
        try:
            return bool(stream.isatty())
        except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
            return False
    if not isinstance(flag, bool):
        raise ParameterError(f"progress must be True, False or None (the TTY default), got {flag!r}")
    return flag


class Bar:
    """A counting bar (tqdm on stderr) or, when disabled, nothing at all. ``total`` None: a count without
    a known total. Use as a context manager: the bar is closed (its final ``N/N`` left on its line) on
    any exit."""

    def __init__(self, total: int | None, desc: str, unit: str, enabled: bool, initial: int = 0) -> None:
        if total is not None and (isinstance(total, bool) or not isinstance(total, int) or total < 0):
            raise ParameterError(f"a progress total must be an integer ≥ 0 or None, got {total!r}")
        self.n = initial
        self.total = total
        self._bar = None
        self._step = ""
        if enabled:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=desc, unit=unit, initial=initial, file=sys.stderr, leave=True,
                             unit_scale=False, dynamic_ncols=True, mininterval=MIN_INTERVAL, smoothing=0.1,
                             bar_format=BAR_FORMAT if total is not None else None, disable=False)

    @property
    def enabled(self) -> bool:
        return self._bar is not None

    def update(self, k: int = 1) -> None:
        """``k`` more units done (one call per chunk or step)."""
        self.n += k
        if self._bar is not None:
            self._bar.update(k)

    def advance_to(self, done: int) -> None:
        """For callbacks that report a running count: ``done`` units in all so far."""
        if done > self.n:
            self.update(done - self.n)

    def step(self, text: str) -> None:
        """Name the step now running (a slow column, a section) after the count; redrawn only when the
        text changes."""
        if self._bar is not None and text != self._step:
            self._step = text
            self._bar.set_postfix_str(text, refresh=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def printing(self) -> Iterator[None]:
        """``print`` (``sys.stdout``) while the bar is drawn: whole lines, the bar cleared before and
        redrawn after; a disabled bar changes nothing."""
        if self._bar is None:
            yield
            return
        proxy = _LinesAroundBar(sys.stdout, self)
        try:
            with redirect_stdout(proxy):
                yield
        finally:
            proxy.flush_rest()

    def _write_lines(self, target: TextIO, text: str) -> None:
        if self._bar is not None:
            self._bar.clear()
        target.write(text)
        target.flush()
        if self._bar is not None:
            self._bar.refresh()


class _LinesAroundBar(io.TextIOBase):
    """A stdout stand-in that passes complete lines to the real stdout around the bar's redraws."""

    def __init__(self, target: TextIO, bar: Bar) -> None:
        super().__init__()
        self._target, self._bar, self._pending = target, bar, ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        cut = self._pending.rfind("\n") + 1
        if cut:
            lines, self._pending = self._pending[:cut], self._pending[cut:]
            self._bar._write_lines(self._target, lines)
        return len(text)

    def flush(self) -> None:  # partial lines wait for their newline (or the end of Bar.printing)
        pass

    def flush_rest(self) -> None:
        if self._pending:
            self._bar._write_lines(self._target, self._pending)
            self._pending = ""


def bar(total: int | None, desc: str, unit: str, enabled: bool, initial: int = 0) -> Bar:
    """A :class:`Bar` of ``total`` units named ``desc`` (``enabled`` False: a silent counter)."""
    return Bar(total, desc, unit, enabled, initial)


__all__ = ["Bar", "HELP", "add_progress_option", "bar", "wanted"]
