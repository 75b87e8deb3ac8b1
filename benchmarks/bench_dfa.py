"""Explicit-DFA benchmarks: build and minimise the big automata of [BCL] Example 2 and of the tiling
witness (THEORY §3, §5), and compare minimisation with automata-lib.

* counter: :func:`tasks.counter.counter_dfa` for ``N = 16`` (``≈ 3.5·10^6`` reachable states),
  minimised to ``(N+2)·2^(N+1) − N = 2,359,280`` states; the budget is 60 s for build + minimise.
* witness: the explored reference DFA of ``TilingTask(counter_witness(3, "strict"))`` minimised
  (226,862 states).
* The compiled kernels (:mod:`automata.hopcroft`, numba) are loaded — or compiled, on a cold cache —
  once before timing (:func:`warm_up`); that one-time cost is printed separately.
* automata-lib (``automata-lib==9.2.0``, benchmarks only): the same complete DFA exported to a temp
  dir, minified by ``DFA.minify()`` in a separate venv (``benchmarks/.venv-automata-lib``, created on
  first use: its import name ``automata`` clashes with ours). Equal state counts are required; for
  the largest size it gets a wall-clock cap of 20× our time, and a cap hit is reported as ``≥ 20×``.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from automata.dfa import DFA

PIN = "automata-lib==9.2.0"
VENV = Path(__file__).resolve().parent / ".venv-automata-lib"
CAP_FACTOR = 20

_CHILD = r'''
import array, json, sys, time
meta = json.load(open(sys.argv[1]))
m, alphabet = meta["states"], meta["alphabet"]
k = len(alphabet)
flat = array.array("q")
with open(sys.argv[2], "rb") as f:
    flat.frombytes(f.read())
import automata.base.config as config
config.should_validate_automata = False  # our export is valid: do not charge its validation
config.allow_mutable_automata = True  # skip freezing: its fastest setting
from automata.fa.dfa import DFA
transitions = {q: {a: flat[q * k + i] for i, a in enumerate(alphabet)} for q in range(m)}
dfa = DFA(states=frozenset(range(m)), input_symbols=frozenset(alphabet), transitions=transitions,
          initial_state=meta["start"], final_states=frozenset(meta["accepting"]))
print("ready", flush=True)
t, c = time.perf_counter(), time.process_time()
small = dfa.minify(retain_names=False)
print(json.dumps({"seconds": time.perf_counter() - t, "cpu": time.process_time() - c,
                  "states": len(small.states)}), flush=True)
'''


def warm_up() -> float:
    """Wall seconds to load (or, on a cold cache, compile) the numba kernels of :mod:`automata.hopcroft`
    by minimising one small counter DFA above the compiled-path threshold; a one-time cost per process
    that the timings below should not include."""
    from tasks.counter import counter_dfa

    t0 = time.perf_counter()
    counter_dfa(8).minimise()  # 7,665 states >= automata.graph.COMPILED_MIN
    return time.perf_counter() - t0


def counter_timing(n: int, variant: str = "full") -> tuple[DFA, float, float, DFA]:
    """``(built DFA, build seconds, minimise seconds, minimal DFA)`` for the counter of size ``n``."""
    built, t_build, t_min, minimal, _, _ = _counter_timing(n, variant)
    return built, t_build, t_min, minimal


def _counter_timing(n: int, variant: str = "full") -> tuple[DFA, float, float, DFA, float, float]:
    """As :func:`counter_timing`, plus this process's CPU seconds for build + minimise and for minimise."""
    from tasks.counter import counter_dfa

    c0, t0 = time.process_time(), time.perf_counter()
    built = counter_dfa(n, variant)
    c1, t1 = time.process_time(), time.perf_counter()
    minimal = built.minimise()
    c2 = time.process_time()
    return built, t1 - t0, time.perf_counter() - t1, minimal, c2 - c0, c2 - c1


def witness_timing(n: int) -> tuple[int, float, int, float]:
    """``(explored states, explore seconds, minimal states, minimise seconds)`` for the strict witness."""
    from tasks.tiling import TilingTask
    from tasks.tiling_witness import counter_witness

    t0 = time.perf_counter()
    explored = TilingTask(counter_witness(n, "strict")).reference().explore(10_000_000)
    t1 = time.perf_counter()
    minimal = explored.minimise()
    return explored.num_states, t1 - t0, minimal.num_states, time.perf_counter() - t1


def _witness_n4_estimate(states3: int) -> None:
    """Why the N = 4 witness DFA is not built. The reference DFA reads the grid row by row remembering the
    previous row's W = 2^n up-colours, so its explored size is positions-per-row · 2^W · c(n) with
    positions-per-row = W·(n+2); the factor c measured for N = 1, 2, 3 grows (3.0, 8.3, 46.5). Even with
    c(4) = c(3) the N = 4 automaton has ≈ 96 · 2^16 · 46.5 ≈ 2.9·10^8 states: its 20-symbol int32
    transition table alone is ≈ 22 GiB, more than the whole machine (24 GiB) once minimisation's
    arrays are added. (The certified minimum — shortest word + 1 — is 6,291,457 states.)"""
    from tasks.tiling import TilingTask
    from tasks.tiling_witness import counter_witness

    counts = [TilingTask(counter_witness(n, "strict")).reference().explore(10_000).num_states for n in (1, 2)]
    counts.append(states3)
    c = [s / (2**n * (n + 2) * 2 ** (2**n)) for n, s in zip((1, 2, 3), counts)]
    est = 2**4 * 6 * 2**16 * c[2]
    print(f"witness N=4 (strict): not built — explored states N=1..3: {', '.join(f'{s:,}' for s in counts)} "
          f"= positions per row · 2^W · c with c = {', '.join(f'{x:.1f}' for x in c)}; with c(4) ≥ c(3): "
          f"≥ {est:.2g} states, transition table ≥ {est * 20 * 4 / 2**30:.0f} GiB (machine 24 GiB; "
          f"certified minimum 6,291,457 states = shortest word + 1)")


def ensure_venv() -> Path:
    """The automata-lib venv's python, created with ``python3 -m venv`` + pip on first use."""
    python = VENV / "bin" / "python"
    if not (VENV / ".installed").exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", PIN], check=True)
        (VENV / ".installed").write_text(PIN + "\n")
    return python


def automata_lib_minify(dfa: DFA, cap_s: float | None = None) -> tuple[float | None, int | None, float | None]:
    """automata-lib's ``minify()`` wall seconds, state count and CPU seconds on the complete ``dfa``;
    all None when it ran past ``cap_s`` wall seconds (counted from the end of its own DFA construction)."""
    python = ensure_venv()
    d = dfa.complete()
    with tempfile.TemporaryDirectory() as tmp:
        meta, data, script = Path(tmp, "meta.json"), Path(tmp, "delta.bin"), Path(tmp, "child.py")
        meta.write_text(json.dumps({"states": d.num_states, "alphabet": list(d.alphabet), "start": d.start,
                                    "accepting": [int(q) for q in d.accepting.nonzero()[0]]}))
        data.write_bytes(d.delta.astype("<i8").tobytes())
        script.write_text(_CHILD)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        proc = subprocess.Popen([str(python), str(script), str(meta), str(data)], stdout=subprocess.PIPE,
                                text=True, cwd=tmp, env=env)
        assert proc.stdout is not None
        try:
            if proc.stdout.readline().strip() != "ready":
                raise RuntimeError(f"automata-lib child failed (exit {proc.wait()})")
            out, _ = proc.communicate(timeout=cap_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return None, None, None
    result = json.loads(out.strip().splitlines()[-1])
    return float(result["seconds"]), int(result["states"]), float(result["cpu"])


def compare(n: int, cap: bool, timing: tuple[DFA, float, float, DFA] | None = None) -> None:
    """One comparison line for the counter of size ``n``; ``timing`` = (built DFA, our minimise wall
    seconds, our minimise CPU seconds, minimal DFA) to reuse, else measured here."""
    if timing is None:
        built, _, _, _, _, _ = _counter_timing(n)  # a warm-up, then the timed minimisation
        c0, t0 = time.process_time(), time.perf_counter()
        minimal = built.minimise()
        ours, ours_cpu = time.perf_counter() - t0, time.process_time() - c0
    else:
        built, ours, ours_cpu, minimal = timing
    cap_s = CAP_FACTOR * ours if cap else None
    theirs, states, theirs_cpu = automata_lib_minify(built, cap_s)
    if theirs is None:
        print(f"automata-lib  counter N={n}: did not finish within {cap_s:.1f}s = {CAP_FACTOR}x ours "
              f"({ours:.2f}s): speed-up >= {CAP_FACTOR}x")
        return
    if states != minimal.num_states:
        raise AssertionError(f"automata-lib gives {states} states, we give {minimal.num_states}")
    cpu = f"; CPU {theirs_cpu:.2f}s vs {ours_cpu:.2f}s: {theirs_cpu / ours_cpu:.1f}x" if ours_cpu else ""
    print(f"automata-lib  counter N={n}: {built.num_states:,} -> {states:,} states (equal); "
          f"minify {theirs:.2f}s vs ours {ours:.2f}s: speed-up {theirs / ours:.1f}x{cpu}")


def run(quick: bool = False) -> None:
    from tasks.counter import expected_min_dfa_states

    n = 8 if quick else 16
    print(f"compiled kernels (numba, automata/hopcroft.py) loaded in {warm_up():.2f}s (one-time, not timed below)")
    built, t_build, t_min, minimal, cpu, cpu_min = _counter_timing(n)
    ok = minimal.num_states == expected_min_dfa_states(n)
    print(f"counter N={n}: built {built.num_states:,} states in {t_build:.2f}s; minimised to "
          f"{minimal.num_states:,} states in {t_min:.2f}s (closed form {'OK' if ok else 'MISMATCH'}); "
          f"total {t_build + t_min:.2f}s wall, {cpu:.2f}s CPU (budget 60s)")
    if not ok:
        raise AssertionError("the minimal counter DFA does not have the closed-form size")
    wn = 2 if quick else 3
    states, t_exp, small, t_wmin = witness_timing(wn)
    print(f"witness N={wn} (strict): explored {states:,} states in {t_exp:.2f}s; minimised to {small:,} "
          f"states in {t_wmin:.2f}s")
    if quick:
        return  # no automata-lib download in a smoke run
    _witness_n4_estimate(states)
    for size in (8, 10, 12):
        compare(size, cap=False)
    compare(16, cap=True, timing=(built, t_min, cpu_min, minimal))
