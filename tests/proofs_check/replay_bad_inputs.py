"""Replay the list of bad inputs (``bad_inputs.txt``) through the CLI: each must be refused with exit
status 2 and exactly one stderr line starting with ``error: `` — never a traceback, never the internal-error
exit 70, never a hang (at most 60 s) and never more than 2 GiB (issue 14, "must show").

Standalone: ``python tests/proofs_check/replay_bad_inputs.py [--fork] [--timeout S] [--only TEXT]`` prints
one line per input (exit code, seconds, peak MB, argv, the error line) and a summary; exit 0 when every
input passes. ``tests/proofs_check/test_bad_inputs.py`` calls :func:`replay` on the same list.

Two ways to run one input (:func:`run_cli`):

* ``subprocess`` (the default here): ``python -m proofs_check ARGV`` in a fresh process under
  ``RLIMIT_AS`` = 2 GiB (set in ``preexec_fn``), its own session (a timeout kills the whole group, Dask
  workers included), stdin from /dev/null, ``CUDA_VISIBLE_DEVICES=""`` (so ``--device cuda`` meets a
  machine without CUDA everywhere);
* ``fork``: a child of this process (the imports are already done by :func:`warm_up`, so an input costs
  its own work only) calls :func:`proofs_check.cli.main` with its stdout/stderr on files and the
  interpreter's encodings, under ``RLIMIT_AS`` = this process's address space + 2 GiB. Where this process
  sees CUDA, inputs that name it go through ``subprocess`` instead (there CUDA is hidden).

Both measure the child's peak resident memory (``wait4``'s ``ru_maxrss``) and kill its process group at the
timeout.

The list's format: one input per line, words split as a POSIX shell does (``shlex``); ``#`` starts a
comment line; an optional `` => FRAGMENT`` at the end names text the error line must contain. Placeholders,
expanded per input: ``{tmp}`` (a fresh temporary directory), ``{file:NAME}`` (the fixture NAME of
:data:`FIXTURES` written there; ``missing`` is a path that does not exist, ``dir`` a directory, ``fifo`` a
named pipe that nobody writes to), ``{dir:NAME}`` (a directory NAME there, e.g. ``x.html``),
``{rep:TEXT:N}`` (TEXT repeated N times; TEXT without ``:`` or ``}``), ``{chr:N}`` (the character of code
point N; not 0, which no argv can hold).
"""
from __future__ import annotations

import argparse
import io
import os
import re
import resource
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Literal, Sequence

ROOT = Path(__file__).resolve().parents[2]
LIST = Path(__file__).with_name("bad_inputs.txt")
TIMEOUT_S = 60.0
MEM_BYTES = 2 << 30
Mode = Literal["subprocess", "fork"]

if str(ROOT) not in sys.path:  # run as a script: the project's packages importable
    sys.path.insert(0, str(ROOT))


def _program_ops(k: int) -> str:
    return "alphabet: a b\n" + "\n".join(f"P{i}(i) := Q_a(i) ∧ ¬Q_b(i)" for i in range(k)) + "\n"


# name → bytes of the file (a callable, so that big fixtures are built only when used); "dir" is a directory
FIXTURES: dict[str, Callable[[], bytes]] = {
    "ok": lambda: b"alphabet: a b\nY(i) := >_j[j<i, 1] Q_a(j) : 0\n",
    "tm": lambda: b"start: s\naccept: t\ninput: a b\ns a -> t a S\ns b -> s b R\n",
    "esc_alphabet": lambda: b"alphabet: a \x1b[31mb\nY(i) := Q_a(i)\n",
    "plain": lambda: b"just a file\n",
    "empty": lambda: b"",
    "blank": lambda: b"\n\n   \n# only a comment\n",
    "not_utf8": lambda: b"alphabet: a b\nY(i) := Q_a(i) \xff\xfe\n",
    "latin1": lambda: "alphabet: \xe9 b\nY(i) := Q_\xe9(i)\n".encode("latin-1"),
    "bom_garbage": lambda: b"\xef\xbb\xbf@@@ ((( garbage :=\n",
    "bom_only": lambda: b"\xef\xbb\xbf",
    "nul_bytes": lambda: b"alphabet: a\x00 b\nY(i) := Q_a(i)\x00\n",
    "random_bytes": lambda: bytes((i * 193 + 71) % 256 for i in range(4096)),
    "deep_parens": lambda: ("alphabet: a\nY(i) := " + "(" * 5000 + "Q_a(i)" + ")" * 5000 + "\n").encode(),
    "deep_not": lambda: ("alphabet: a\nY(i) := " + "¬" * 5000 + "Q_a(i)\n").encode(),
    "unbalanced": lambda: b"alphabet: a\nY(i) := ((Q_a(i)\n",
    "ops_3000": lambda: _program_ops(3000).encode(),
    "huge_10mb": lambda: b"# " + b"x" * (10 << 20) + b"\n",
    "unknown_pred": lambda: b"alphabet: a b\nY(i) := Z(i) \xe2\x88\xa7 Q_a(i)\n",
    "unknown_symbol_pred": lambda: b"alphabet: a b\nY(i) := Q_c(i)\n",
    "bad_mask": lambda: b"alphabet: a b\nY(i) := >_j[j<>i, 1] Q_a(j) : 0\n",
    "bad_mask_eq": lambda: b"alphabet: a b\nY(i) := >_j[j=i, 1] Q_a(j) : 0\n",
    "bad_tiebreak": lambda: b"alphabet: a b\nY(i) := ^_j[j<i, 1] Q_a(j) : 0\n",
    "default_reads_j": lambda: b"alphabet: a b\nY(i) := >_j[j<i, 1] Q_a(j) : Q_a(j)\n",
    "position_reads_j": lambda: b"alphabet: a b\nY(i) := Q_a(j)\n",
    "no_alphabet": lambda: b"Y(i) := Q_a(i)\n",
    "empty_alphabet": lambda: b"alphabet:\nY(i) := 1\n",
    "dup_symbols": lambda: b"alphabet: a a\nY(i) := Q_a(i)\n",
    "dup_names": lambda: b"alphabet: a b\nY(i) := Q_a(i)\nY(i) := Q_b(i)\n",
    "no_ops": lambda: b"alphabet: a b\n",
    "bad_accept": lambda: b"alphabet: a b\naccept: middle\nY(i) := Q_a(i)\n",
    "not_lemma9": lambda: b"alphabet: a b\nY(i) := >_j[j<i, Q_a(i) | Q_b(j)] Q_a(j) : 0\n",
    "self_reference": lambda: b"alphabet: a b\nY(i) := Y(i) & Q_a(i)\n",
    "long_line": lambda: ("alphabet: a\nY(i) := " + " ∧ ".join(["Q_a(i)"] * 120_000) + "\n").encode(),
}


@dataclass(frozen=True)
class BadInput:
    """One line of the list: its argv template and the fragment the error line must contain (or None)."""

    line: int
    template: tuple[str, ...]
    expect: str | None

    def text(self) -> str:
        return shlex.join(self.template)


@dataclass(frozen=True)
class Outcome:
    """What one run of the CLI did."""

    argv: tuple[str, ...]
    rc: int | None  # None: killed at the timeout
    seconds: float
    peak_mb: float
    stdout: str
    stderr: str

    @property
    def error_line(self) -> str:
        lines = self.stderr.splitlines()
        return lines[0] if len(lines) == 1 else (f"<{len(lines)} lines> " + " | ".join(lines[-3:]))[:400]

    def problems(self, expect: str | None = None, timeout: float = TIMEOUT_S,
                 mem_mb: float = MEM_BYTES / 2**20) -> list[str]:
        """Why this is not a clean refusal (empty: it is)."""
        out: list[str] = []
        if self.rc is None:
            out.append(f"hung: killed after {timeout:.0f} s")
        elif self.rc != 2:
            out.append(f"exit {self.rc}, not 2")
        if self.rc is not None and (not self.stderr.endswith("\n") or len(self.stderr.splitlines()) != 1
                                    or not self.stderr.startswith("error: ")):
            out.append("stderr is not exactly one 'error: ' line")
        if "Traceback" in self.stderr:
            out.append("traceback")
        if self.peak_mb > mem_mb:
            out.append(f"peak {self.peak_mb:.0f} MB > {mem_mb:.0f} MB")
        if expect is not None and expect.lower() not in self.stderr.lower():
            out.append(f"error line lacks {expect!r}")
        return out


_PLACEHOLDER = re.compile(r"\{(tmp|file:(\w+)|rep:([^:}]*):(\d+)|chr:(\d+)|dir:(\w[\w./-]*))\}")


def load_inputs(path: Path = LIST) -> list[BadInput]:
    """The list's inputs, in order; duplicates (same template) refused."""
    inputs: list[BadInput] = []
    seen: set[tuple[str, ...]] = set()
    for k, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        body, sep, expect = (" " + line).rpartition(" => ")
        if not sep:
            body, expect = line, ""
        template = tuple(shlex.split(body))
        if template in seen:
            raise ValueError(f"{path.name}:{k}: duplicate input {body!r}")
        seen.add(template)
        inputs.append(BadInput(k, template, expect.strip() or None))
    return inputs


def materialise(template: Sequence[str], tmp: Path) -> list[str]:
    """The argv of ``template`` with its placeholders expanded (fixtures written into ``tmp``)."""

    def expand(m: re.Match) -> str:
        if m.group(1) == "tmp":
            return str(tmp)
        if m.group(2) is not None:
            name = m.group(2)
            path = tmp / f"{name}.brasp"
            if name == "dir":
                path.mkdir(exist_ok=True)
            elif name == "fifo":
                os.mkfifo(path)
            elif name != "missing":
                path.write_bytes(FIXTURES[name]())
            return str(path)
        if m.group(5) is not None:
            return chr(int(m.group(5)))
        if m.group(6) is not None:
            (tmp / m.group(6)).mkdir(parents=True, exist_ok=True)
            return str(tmp / m.group(6))
        return m.group(3) * int(m.group(4))

    return [_PLACEHOLDER.sub(expand, word) for word in template]


def _limit_memory(nbytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (nbytes, nbytes))


def _address_space() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _reap(pid: int, deadline: float) -> tuple[int | None, float]:
    """(exit status or None if killed at ``deadline``, peak RSS in MB) of child ``pid`` (its group killed)."""
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _, status, usage = os.wait4(pid, 0)
            return None, usage.ru_maxrss / 1024
        time.sleep(0.01)
    try:
        os.killpg(pid, signal.SIGKILL)  # leftovers of the group (Dask workers) end with it
    except (ProcessLookupError, PermissionError):
        pass
    code = os.waitstatus_to_exitcode(status)
    return (128 - code if code < 0 else code), usage.ru_maxrss / 1024


def _child_main(argv: list[str], out: str, err: str, limit: int, cwd: str) -> None:  # pragma: no cover - child
    """In the forked child: new session, memory limit, stdout/stderr on files, then the CLI; never returns."""
    rc = 99
    try:
        os.setsid()
        _limit_memory(limit)
        os.chdir(cwd)
        for fd, path in ((1, out), (2, err)):
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(handle, fd)
            os.close(handle)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        # the encodings and error handlers of a real interpreter here (stdout is strict in a UTF-8 locale)
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding=sys.__stdout__.encoding,
                                      errors=sys.__stdout__.errors)
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding=sys.__stderr__.encoding,
                                      errors=sys.__stderr__.errors, line_buffering=True)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        from proofs_check.cli import main

        rc = main(argv)
    except SystemExit as exc:  # argparse's --help
        rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
        rc = 98
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(rc if isinstance(rc, int) else 97)


WARM_MODULES = (
    "torch", "proofs_check.cli", "proofs_check.cli.commands", "proofs_check.suite", "proofs_check.exhaustive",
    "proofs_check.cli.ltl", "proofs_check.cli.draw", "proofs_check.cli.trace",
    "proofs_check.cli.retrieval", "proofs_check.cli.istree", "constructions.brasp.syntax",
    "constructions.uhat.lemma9", "constructions.library.presets", "tasks.retrieval", "proofs_check.tiling_suite",
    "proofs_check.long_word", "proofs_check.dask_run", "proofs_check.shard_checks", "proofs_check.latex",
    "proofs_check.prove", "proofs_check.mutation", "proofs_check.table", "constructions.dtypes",
)


def warm_up() -> None:
    """Import what most commands import (and build the parser once), so that a forked child pays only for
    its own input's work."""
    import importlib

    for name in WARM_MODULES:
        importlib.import_module(name)
    from proofs_check.cli import build_parser
    from proofs_check.registry import families

    build_parser()
    families()


def run_cli(argv: Sequence[str], mode: Mode = "subprocess", timeout: float = TIMEOUT_S,
            mem_bytes: int = MEM_BYTES, cwd: Path | None = None) -> Outcome:
    """Run ``succinct ARGV`` once (see the module docstring for the two modes), bounded in time and memory."""
    argv = list(argv)
    with tempfile.TemporaryDirectory(prefix="replay-io-") as io_dir:
        out, err = os.path.join(io_dir, "out"), os.path.join(io_dir, "err")
        run_dir = str(cwd or io_dir)
        start = time.monotonic()
        if mode == "subprocess":
            env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "PYTHONPATH": str(ROOT)}
            with open(out, "wb") as fo, open(err, "wb") as fe:
                proc = subprocess.Popen([sys.executable, "-m", "proofs_check", *argv], cwd=run_dir, env=env,
                                        stdin=subprocess.DEVNULL, stdout=fo, stderr=fe, start_new_session=True,
                                        preexec_fn=lambda: _limit_memory(mem_bytes))
                rc, peak = _reap(proc.pid, start + timeout)
                proc.returncode = -1 if rc is None else rc  # reaped above; Popen must not wait again
        else:
            limit = _address_space() + mem_bytes
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - child
                _child_main(argv, out, err, limit, run_dir)
            rc, peak = _reap(pid, start + timeout)
        seconds = time.monotonic() - start
        read = lambda p: Path(p).read_bytes().decode("utf-8", errors="backslashreplace")  # noqa: E731
        return Outcome(tuple(argv), rc, seconds, peak, read(out), read(err))


@dataclass(frozen=True)
class Replayed:
    """One input of the list and what its run did."""

    item: BadInput
    outcome: Outcome
    problems: tuple[str, ...]

    def line(self) -> str:
        o = self.outcome
        shown = shlex.join(o.argv)
        shown = shown if len(shown) <= 100 else shown[:97] + "..."
        mark = "ok  " if not self.problems else "FAIL"
        tail = o.error_line if not self.problems else "; ".join(self.problems) + " :: " + o.error_line
        rc = "--" if o.rc is None else o.rc
        return f"{mark} rc={rc:>3} {o.seconds:6.2f}s {o.peak_mb:7.0f}MB  {shown}  → {tail}"


def replay(inputs: Iterable[BadInput] | None = None, mode: Mode = "subprocess", timeout: float = TIMEOUT_S,
           mem_bytes: int = MEM_BYTES, echo: Callable[[str], None] | None = None) -> list[Replayed]:
    """Run every input (default: the whole list) in a fresh temporary directory; ``echo`` gets each line."""
    results: list[Replayed] = []
    cuda = False
    if mode == "fork":
        warm_up()
        cuda = _cuda_here()
    for item in (load_inputs() if inputs is None else inputs):
        how: Mode = "subprocess" if cuda and any("cuda" in w for w in item.template) else mode
        with tempfile.TemporaryDirectory(prefix="replay-") as tmp:
            argv = materialise(item.template, Path(tmp))
            outcome = run_cli(argv, mode=how, timeout=timeout, mem_bytes=mem_bytes, cwd=Path(tmp))
        # the argv as listed (placeholders unexpanded: a 10,000-character word is shown as its template)
        outcome = Outcome(item.template, outcome.rc, outcome.seconds, outcome.peak_mb, outcome.stdout, outcome.stderr)
        result = Replayed(item, outcome, tuple(outcome.problems(item.expect, timeout, mem_bytes / 2**20)))
        results.append(result)
        if echo is not None:
            echo(result.line())
    return results


def _cuda_here() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def summary(results: Sequence[Replayed]) -> str:
    bad = [r for r in results if r.problems]
    slowest = max(results, key=lambda r: r.outcome.seconds)
    biggest = max(results, key=lambda r: r.outcome.peak_mb)
    return (f"{len(results) - len(bad)}/{len(results)} inputs refused with exit 2 and one error line; "
            f"{len(bad)} failed; total {sum(r.outcome.seconds for r in results):.1f} s, slowest "
            f"{slowest.outcome.seconds:.1f} s ({slowest.item.text()[:60]}), peak {biggest.outcome.peak_mb:.0f} MB "
            f"({biggest.item.text()[:60]})")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fork", action="store_true", help="fork this process per input instead of a fresh python")
    ap.add_argument("--timeout", type=float, default=TIMEOUT_S, help="seconds per input (default 60)")
    ap.add_argument("--only", help="only inputs whose text contains this")
    args = ap.parse_args(argv)
    inputs = [i for i in load_inputs() if args.only is None or args.only in i.text()]
    results = replay(inputs, mode="fork" if args.fork else "subprocess", timeout=args.timeout,
                     echo=lambda s: print(s, flush=True))
    print(summary(results))
    return 0 if not any(r.problems for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
