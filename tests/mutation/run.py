"""Run the curated mutants (:mod:`tests.mutation.mutants`) against the tests: ``make mutation``.

Usage: ``python -m tests.mutation.run [--only SUBSTRING ...] [--list] [--jobs 1|2] [--full] [--timeout S]
[--json PATH]``.

The working tree is never modified. The runner copies the repository's files (tracked, plus untracked
ones git does not ignore) into a temporary directory — one copy per job — and there, for each mutant:

1. checks that ``original`` occurs exactly once in the file (a stale entry is reported, never guessed);
2. plants the replacement and checks that the file still compiles (:func:`py_compile.compile`);
3. runs the mutant's tests (``--full``: the whole default suite) with the project's Python,
   ``PYTHONPATH`` = the copy, ``CI=true``, ``-x -p no:cacheprovider``, under a timeout;
4. restores the file and drops its bytecode and numba caches.

Before any mutant, the unmutated copy must pass every selected test (one run of the union of the
selections, or the full suite): a failing selection is reported as broken, and its mutants are not run.
A mutant is **killed** when its tests fail (the first failing test is recorded), or time out (reported
as ``timeout``); it **survived** otherwise. The exit status is 0 only when every mutant is killed or
survived and is listed in :data:`~tests.mutation.mutants.EQUIVALENT` with a written reason; a listed
mutant that is killed also fails the run (its argument is wrong).
"""
from __future__ import annotations

import argparse
import json
import os
import py_compile
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from queue import Queue
from typing import Sequence

from tests.mutation.mutants import EQUIVALENT, MUTANTS, Mutant

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
DEFAULT_TIMEOUT = 300
MAX_JOBS = 2  # the reference machine has 2 cores, shared
_FAIL = re.compile(r"^(FAILED|ERROR) (\S+)", re.M)
_LIVE: set[subprocess.Popen] = set()  # the test runs in flight (killed on an interrupt)
_LIVE_LOCK = threading.Lock()


class MutationError(Exception):
    """The mutant list or the environment is unusable (a stale snippet, a broken baseline)."""


@dataclass(frozen=True)
class Outcome:
    """What one mutant did: ``status`` is killed, timeout (killed by the timeout), survived,
    equivalent (survived and listed in EQUIVALENT) or stale-equivalent (listed but killed)."""

    mutant: Mutant
    status: str
    seconds: float
    killer: str  # the first failing test, or a note

    @property
    def killed(self) -> bool:
        return self.status in ("killed", "timeout", "stale-equivalent")

    @property
    def ok(self) -> bool:
        return self.status in ("killed", "timeout", "equivalent")


# -- the list ------------------------------------------------------------------------------------
def check_list(mutants: Sequence[Mutant], root: Path) -> list[str]:
    """Every problem of the list against the sources under ``root`` (empty: usable): names unique,
    each snippet exactly once in its file, replacement different, test files present, known
    EQUIVALENT names."""
    problems = []
    names = [m.name for m in mutants]
    for n in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"{n}: duplicate name")
    for m in mutants:
        path = root / m.file
        if not path.is_file():
            problems.append(f"{m.name}: no file {m.file}")
            continue
        count = path.read_text(encoding="utf-8").count(m.original)
        if count != 1:
            problems.append(f"{m.name}: the snippet occurs {count} times in {m.file} (must be exactly once)")
        if m.original == m.replacement:
            problems.append(f"{m.name}: the replacement equals the original")
        if not m.tests:
            problems.append(f"{m.name}: no tests")
        for t in m.tests:
            if not (root / t.split("::")[0]).is_file():
                problems.append(f"{m.name}: no test file {t}")
    for n in EQUIVALENT:
        if n not in names:
            problems.append(f"EQUIVALENT names an unknown mutant {n!r}")
        elif not EQUIVALENT[n].strip():
            problems.append(f"EQUIVALENT[{n!r}] has no reason")
    return problems


def select(mutants: Sequence[Mutant], only: Sequence[str] | None) -> list[Mutant]:
    """The mutants whose name, area or file contains one of ``only`` (all of them without it)."""
    return [m for m in mutants if not only or any(s in m.name or s in m.area or s in m.file for s in only)]


# -- the copy --------------------------------------------------------------------------------------
def repository_files(root: Path) -> list[str]:
    """Tracked files plus untracked ones that git does not ignore (read-only git commands only)."""
    out = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         check=True, capture_output=True).stdout
    return sorted({p for p in out.decode("utf-8", "surrogateescape").split("\0") if p})


def make_copy(root: Path, dest: Path, files: Sequence[str]) -> None:
    for rel in files:
        src = root / rel
        if not src.is_file() or src.is_symlink():
            continue  # deleted in the working tree, or a link
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)


def _env(copy: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(PYTHONPATH=str(copy), CI="true", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               NUMBA_NUM_THREADS="1", PYTHONHASHSEED="0")
    env.pop("HYPOTHESIS_PROFILE", None)
    return env


def check_isolation(copy: Path) -> None:
    """The copy's packages, not the working tree's (the editable install), must be the ones imported."""
    code = ("import automata, constructions, tasks, proofs_check, tests;"
            "print('\\n'.join(m.__file__ for m in (automata, constructions, tasks, proofs_check, tests)))")
    out = subprocess.run([str(PYTHON), "-c", code], cwd=copy, env=_env(copy), capture_output=True, text=True,
                         timeout=120)
    paths = out.stdout.split()
    if out.returncode or len(paths) != 5 or not all(Path(p).resolve().is_relative_to(copy.resolve()) for p in paths):
        raise MutationError(f"the copy does not shadow the working tree: {out.stdout or out.stderr}")


def _drop_caches(path: Path) -> None:
    """Bytecode and numba caches of one module (a restored file must never run a mutant's cache)."""
    cache = path.parent / "__pycache__"
    if cache.is_dir():
        for f in cache.glob(f"{path.stem}.*"):
            f.unlink(missing_ok=True)


# -- running tests -----------------------------------------------------------------------------------
def run_tests(copy: Path, tests: Sequence[str], timeout: float, stop_first: bool = True) -> tuple[int | None, str, float]:
    """(pytest's exit status or None on timeout, its output, seconds) for ``tests`` in ``copy``."""
    cmd = [str(PYTHON), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE", *(["-x"] if stop_first else []), *tests]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=copy, env=_env(copy), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    with _LIVE_LOCK:
        _LIVE.add(proc)
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out, time.perf_counter() - start
    except subprocess.TimeoutExpired:
        _kill(proc)
        out, _ = proc.communicate()
        return None, out, time.perf_counter() - start
    except BaseException:
        _kill(proc)
        proc.wait()
        raise
    finally:
        with _LIVE_LOCK:
            _LIVE.discard(proc)


def _kill(proc: subprocess.Popen) -> None:
    """Kill the process group this runner started for ``proc`` (pytest and its children)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def kill_live() -> None:
    """Kill every test run in flight (an interrupt: worker threads would otherwise wait for them)."""
    with _LIVE_LOCK:
        for proc in list(_LIVE):
            _kill(proc)


def first_failure(output: str) -> str:
    hit = _FAIL.search(output)
    if hit:
        return hit.group(2)
    lines = [ln for ln in output.strip().splitlines() if ln.strip()]
    return lines[-1][:120] if lines else "(no output)"


def baseline(copy: Path, selections: Sequence[tuple[str, ...]], timeout: float) -> dict[tuple[str, ...], str]:
    """Run the union of ``selections`` on the unmutated copy; the broken selections → their failure."""
    union = list(dict.fromkeys(t for sel in selections for t in sel))
    rc, out, secs = run_tests(copy, union, timeout, stop_first=False)
    print(f"baseline: {len(union)} test selections in {secs:.0f}s: "
          f"{'passed' if rc == 0 else 'TIMEOUT' if rc is None else f'exit {rc}'}", flush=True)
    if rc == 0:
        return {}
    if rc is None:
        return {sel: "baseline timed out" for sel in selections}
    failed = [m.group(2) for m in _FAIL.finditer(out)]
    if not failed:
        return {sel: f"baseline exit {rc}: {first_failure(out)}" for sel in selections}
    broken = {}
    for sel in selections:
        hits = [f for f in failed if any(f == t or f.startswith(t.split("::")[0]) for t in sel)]
        if hits:
            broken[sel] = hits[0]
    return broken


def run_mutant(m: Mutant, copy: Path, timeout: float, full: bool) -> Outcome:
    path = copy / m.file
    source = path.read_text(encoding="utf-8")
    if source.count(m.original) != 1:
        raise MutationError(f"{m.name}: the snippet does not occur exactly once in {m.file}")
    try:
        path.write_text(source.replace(m.original, m.replacement), encoding="utf-8")
        _drop_caches(path)
        with tempfile.TemporaryDirectory() as tmp:
            try:
                py_compile.compile(str(path), cfile=str(Path(tmp) / "m.pyc"), doraise=True)
            except py_compile.PyCompileError as e:
                raise MutationError(f"{m.name}: the mutated file does not compile: {e.msg.strip()}") from None
        rc, out, secs = run_tests(copy, () if full else m.tests, timeout)
    finally:
        path.write_text(source, encoding="utf-8")
        _drop_caches(path)
    listed = m.name in EQUIVALENT
    if rc is None:
        return Outcome(m, "stale-equivalent" if listed else "timeout", secs, f"timeout after {timeout:.0f}s")
    if rc == 0:
        return Outcome(m, "equivalent" if listed else "survived", secs, EQUIVALENT.get(m.name, ""))
    if rc == 5:
        raise MutationError(f"{m.name}: its tests collected nothing")
    return Outcome(m, "stale-equivalent" if listed else "killed", secs, first_failure(out))


# -- reporting ---------------------------------------------------------------------------------------
def _short(text: str, width: int = 110) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def table(outcomes: Sequence[Outcome]) -> str:
    rows = [("mutant", "area", "status", "s", "first failing test / reason")]
    rows += [(o.mutant.name, o.mutant.area, o.status, f"{o.seconds:.0f}", _short(o.killer)) for o in outcomes]
    w = [max(len(r[c]) for r in rows) for c in range(4)]
    return "\n".join(f"{r[0]:<{w[0]}}  {r[1]:<{w[1]}}  {r[2]:<{w[2]}}  {r[3]:>{w[3]}}  {r[4]}" for r in rows)


def summary(outcomes: Sequence[Outcome], seconds: float) -> str:
    total = len(outcomes)
    killed = sum(o.status in ("killed", "timeout") for o in outcomes)
    timeouts = sum(o.status == "timeout" for o in outcomes)
    equivalent = sum(o.status == "equivalent" for o in outcomes)
    survived = [o.mutant.name for o in outcomes if o.status == "survived"]
    stale = [o.mutant.name for o in outcomes if o.status == "stale-equivalent"]
    rate = f"{killed / (total - equivalent):.1%}" if total > equivalent else "n/a"
    lines = [f"mutants: {total}, killed: {killed} ({timeouts} by timeout), equivalent: {equivalent}, "
             f"survived: {len(survived)}; kill rate {killed}/{total - equivalent} = {rate} of the "
             f"non-equivalent mutants ({killed}/{total} = {killed / max(total, 1):.1%} of all); {seconds:.0f}s"]
    if survived:
        lines.append("SURVIVED (neither killed nor argued equivalent): " + ", ".join(survived))
    if stale:
        lines.append("KILLED although listed in EQUIVALENT (the argument is wrong): " + ", ".join(stale))
    return "\n".join(lines)


def write_json(path: Path, outcomes: Sequence[Outcome], seconds: float) -> None:
    data = {"seconds": round(seconds, 1), "mutants": [
        {"name": o.mutant.name, "area": o.mutant.area, "file": o.mutant.file, "status": o.status,
         "seconds": round(o.seconds, 1), "killer": o.killer, "description": o.mutant.description}
        for o in outcomes]}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)  # atomic: never a half-written report


# -- main --------------------------------------------------------------------------------------------
def _args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tests.mutation.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--only", action="append", metavar="SUBSTRING",
                   help="run the mutants whose name, area or file contains this (repeatable: any of them)")
    p.add_argument("--list", action="store_true", help="list the mutants and exit")
    p.add_argument("--jobs", type=int, default=1, help=f"parallel copies (1..{MAX_JOBS})")
    p.add_argument("--full", action="store_true", help="run the whole default suite for every mutant")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per mutant's test run")
    p.add_argument("--json", type=Path, help="also write the outcomes to this file (atomically)")
    a = p.parse_args(argv)
    if not 1 <= a.jobs <= MAX_JOBS:
        p.error(f"--jobs must be 1..{MAX_JOBS}")
    if not 1 <= a.timeout <= 3600:
        p.error("--timeout must be 1..3600 seconds")
    return a


def main(argv: Sequence[str] | None = None) -> int:
    a = _args(argv)
    problems = check_list(MUTANTS, ROOT)
    if problems:
        print("error: the mutant list does not match the sources:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 2
    chosen = select(MUTANTS, a.only)
    if not chosen:
        print(f"error: no mutant matches {' or '.join(map(repr, a.only or []))}", file=sys.stderr)
        return 2
    if a.list:
        for m in chosen:
            print(f"{m.name:<28} {m.file}: {m.description} [{', '.join(m.tests)}]")
        return 0
    if not PYTHON.exists():
        print(f"error: no project Python at {PYTHON} (run make install)", file=sys.stderr)
        return 2
    start = time.perf_counter()
    files = repository_files(ROOT)
    with tempfile.TemporaryDirectory(prefix="succinct-mutation-") as tmp:
        copies = [Path(tmp) / f"copy{j}" for j in range(min(a.jobs, len(chosen)))]
        for c in copies:
            make_copy(ROOT, c, files)
        try:
            check_isolation(copies[0])
            selections = [("tests",)] if a.full else list(dict.fromkeys(m.tests for m in chosen))
            broken = baseline(copies[0], selections, 4 * a.timeout)
        except MutationError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        if broken:
            for sel, why in broken.items():
                print(f"error: selection {' '.join(sel)} fails on the unmutated code: {why}", file=sys.stderr)
            return 2
        free: Queue[Path] = Queue()
        for c in copies:
            free.put(c)

        def one(m: Mutant) -> Outcome:
            copy = free.get()
            try:
                o = run_mutant(m, copy, a.timeout, a.full)
            finally:
                free.put(copy)
            print(f"  {o.status:<16} {m.name} ({o.seconds:.0f}s) {_short(o.killer)}", flush=True)
            return o

        pool = ThreadPoolExecutor(max_workers=len(copies))
        try:
            outcomes = list(pool.map(one, chosen))
        except MutationError as e:
            kill_live()
            print(f"error: {e}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            kill_live()
            print("error: interrupted; the working tree was never modified", file=sys.stderr)
            return 130
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    seconds = time.perf_counter() - start
    print(table(outcomes))
    print(summary(outcomes, seconds))
    if a.json:
        write_json(a.json, outcomes, seconds)
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
