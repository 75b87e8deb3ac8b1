"""Turing machine → 2^n-tiling → B-RASP → UHAT, checked end to end against the simulator.

[BCL] Bergsträßer, Cotterell, Lin, *Transformers are Inherently Succinct* (ICLR 2026): Thm 15 reduces a
space-``2^n`` machine to a ``2^n``-tiling instance (Problem 6, Prop 7: EXPSPACE-complete) — a reduction
the paper only cites; :mod:`tasks.tm_tiling` is our (standard) construction — then Lemma 8 gives the
B-RASP program (:func:`constructions.library.tiling_brasp.tiling_program`, ``3n + τ + 18`` operations)
and Lemma 9 the UHAT (:func:`constructions.uhat.lemma9.compile_lemma9`: the packed network, and the
paper-faithful one when its layer count, :func:`~constructions.uhat.lemma9.paper_layer_count`, is at
most ``paper_max_layers``). ``τ`` is :func:`tasks.tm_tiling.tile_count` (``O(|Q|·|Γ|)``, independent
of ``n``), so every object is polynomial in ``n`` and ``|M|``.

Recognisers (all causal, all compared at every prefix where words are enumerated): the **simulator**
(:func:`tasks.tm_tiling.simulator_accepts`: the word decodes to the grid of an accepting run of the
machine on the input of its first row), the **tiling checker** (decode + :func:`tasks.tiling.is_solution`),
the **B-RASP interpreter**, the **packed UHAT** and the **paper UHAT** (torch float64, audited), and the
minimal **reference DFA** of the instance when it has at most ``dfa_states`` states. Checks:

(a) runs: every input of ``I^W`` (at most ``max_inputs``), simulated; the encoding of its run
    (:func:`tasks.tm_tiling.run_grid`) is accepted by every recogniser iff the run accepts;
(b) exhaustive word sets, reusing :mod:`proofs_check.tiling_suite`'s enumerators: all words of length
    ≤ L, all shape-correct encodings of ≤ R rows, any column bits ≤ M cells, stacks of ≤ S valid rows;
(c) corruptions of every accepted encoding (random single-symbol changes, one tile replaced, the last
    row dropped, a row repeated): every recogniser agrees with the simulator (which rejects them);
(d) the shortest word: the simulator's shortest accepting run has ``C`` configurations, so the shortest
    word has ``(C + 1)·2^n·(n + 2)`` symbols; the tiling solver's minimal height must be ``C + 1`` and
    its grid accepted by the simulator; an empty language (every run halts rejecting or loops) must have
    no solution (the solver exhausts the row graph or finds none within ``solver_rows``).
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, fields
from itertools import islice
from typing import Callable

import numpy as np

from automata.alphabet import Word, decode_word, encode_word, show_word
from automata.errors import ParameterError, StateLimitError, check_int
from constructions.brasp.program import Program
from constructions.library.tiling_brasp import tiling_program, tiling_program_size
from constructions.uhat.lemma9 import compile_lemma9, paper_layer_count
from constructions.uhat.model import UHAT, UHATSize
from constructions.uhat.class_exec import class_prefixes
from constructions.uhat.torch_backend import UHATModule, to_torch
from proofs_check.deciders import Decider, dfa_decider, program_decider, uhat_decider
from proofs_check.exhaustive import exhaustive_check
from proofs_check.tiling_suite import ROW_TABLE_CAP, SetCheck, enumerate_sets, largest_within, unit_budgets
from tasks.tiling import SolveReport, TilingTask, decode, encode, is_solution, solve_report
from tasks.tm import Run, TuringMachine, simulate
from tasks.tm_tiling import TMTiling, program_ops, run_grid, simulator_accepts, tile_count, tm_tiling


LONG_WORD = 2_048  # longer words (runs, corruptions) go through the networks by class-memoised execution


@dataclass(frozen=True)
class TMBounds:
    """Budgets of (a)–(d): ``L``/``R``/``M``/``S`` are the largest values whose word count is within
    the budget (``max_len`` etc. cap them; 0 budgets skip sets 2–4); ``corruptions`` random
    single-symbol changes per accepted encoding; ``dfa_states`` caps the reference DFA."""

    max_inputs: int = 256
    max_steps: int = 100_000
    max_len: int = 4
    word_budget: int = 20_000
    max_rows: int = 4
    enc_budget: int = 20_000
    max_cells: int = 4
    cell_budget: int = 20_000
    max_stack_rows: int = 4
    stack_budget: int = 20_000
    corruptions: int = 24
    solver_rows: int = 4096
    paper_max_layers: int = 5_000
    dfa_states: int = 20_000
    seed: int = 0
    chunk: int = 512

    def __post_init__(self) -> None:
        for f in fields(self):
            low = 1 if f.name in ("max_inputs", "max_len", "max_rows", "max_cells", "max_stack_rows", "chunk",
                                  "solver_rows") else 0
            check_int(getattr(self, f.name), f"tm check: {f.name}", low)


@dataclass(frozen=True)
class Built:
    """The objects under test and the recognisers (``deciders[0]`` is the simulator)."""

    reference: TMTiling  # tm_tiling(machine, n): the names the run grids use
    tiling: TMTiling  # the construction under test (default: the same)
    program: Program
    packed: UHAT
    paper: UHAT | None
    paper_layers: int
    dfa_states: int | None
    deciders: tuple[Decider, ...]
    whole: dict[str, Callable[[Word], bool]]  # whole-word tests of the Python recognisers (no prefixes)
    modules: dict[str, UHATModule]  # the torch networks, for class-memoised runs of long words


@dataclass(frozen=True)
class Mismatch:
    """A word on which the recognisers disagree, with its origin (input, corruption, set)."""

    origin: str
    word: Word
    verdicts: tuple[tuple[str, bool], ...]

    def __str__(self) -> str:
        v = ", ".join(f"{n}: {'accept' if b else 'reject'}" for n, b in self.verdicts)
        w = show_word(self.word)
        return f"{self.origin}: {w if len(w) <= 120 else w[:117] + '...'} (length {len(self.word)}) — {v}"


@dataclass(frozen=True)
class TMReport:
    machine: TuringMachine
    n: int
    sizes: dict[str, object]
    size_failures: tuple[str, ...]
    runs: tuple[Run, ...]
    inputs_complete: bool
    run_mismatch: Mismatch | None
    sets: tuple[SetCheck, ...]
    corruptions: int
    corrupt_accepted: int
    corrupt_mismatch: Mismatch | None
    solver: SolveReport
    shortest_rows: int | None
    shortest_length: int | None
    solver_failure: str | None
    recognisers: tuple[str, ...]
    seconds: float

    @property
    def failures(self) -> tuple[str, ...]:
        out = list(self.size_failures)
        if self.run_mismatch is not None:
            out.append(f"(a) runs disagree on {self.run_mismatch}")
        for c in self.sets:
            out += c.failures("(b) ")
        if self.corrupt_mismatch is not None:
            out.append(f"(c) corruption: disagreement on {self.corrupt_mismatch}")
        if self.solver_failure is not None:
            out.append(f"(d) {self.solver_failure}")
        return tuple(out)

    @property
    def ok(self) -> bool:
        return not self.failures


# ---- building --------------------------------------------------------------------------------------


def _row_decider(name: str, tt: TMTiling, fn: Callable[[Word], bool]) -> Decider:
    """A causal decider from a whole-word test: verdicts at whole-row prefixes (no other prefix decodes)."""
    alphabet, row = tt.instance.alphabet, tt.width * (tt.n + 2)
    cache: dict[Word, bool] = {}

    def run(words: np.ndarray) -> np.ndarray:
        out = np.zeros(words.shape, dtype=bool)
        for p in range(row, words.shape[1] + 1, row):
            for b in range(len(words)):
                w = decode_word(words[b, :p], alphabet)
                if w not in cache:
                    if len(cache) > 200_000:
                        cache.clear()
                    cache[w] = fn(w)
                out[b, p - 1] = cache[w]
        return out

    return Decider(name, True, run)


def _checker(tt: TMTiling) -> Callable[[Word], bool]:
    def accepts(w: Word) -> bool:
        try:
            return is_solution(tt.instance, decode(tt.instance, w))
        except ParameterError:
            return False
    return accepts


def _simulator(tt: TMTiling) -> Callable[[Word], bool]:
    def accepts(w: Word) -> bool:
        try:
            return simulator_accepts(tt, decode(tt.instance, w))
        except ParameterError:
            return False
    return accepts


def build(machine: TuringMachine, n: int, bounds: TMBounds = TMBounds(), tiling: TMTiling | None = None) -> Built:
    """The reference tiling, the construction under test (``tiling``, e.g. a broken one) with its program
    and networks, and every recogniser."""
    ref = tm_tiling(machine, n)
    tt = ref if tiling is None else tiling
    if tt.instance.alphabet != ref.instance.alphabet:
        raise ParameterError("tm check: the tiling under test must use the reference's tile names, in order")
    program = tiling_program(tt.instance)
    packed = compile_lemma9(program, packed=True)
    layers = paper_layer_count(program)
    paper = compile_lemma9(program) if layers <= bounds.paper_max_layers else None
    whole = {"simulator": _simulator(ref), "tiling checker": _checker(tt)}
    modules = {"UHAT packed": to_torch(packed, "float64")}
    if paper is not None:
        modules["UHAT paper"] = to_torch(paper, "float64")
    deciders = [*(_row_decider(k, tt, fn) for k, fn in whole.items()), program_decider(program),
                *(uhat_decider(mod, k, causal=True) for k, mod in modules.items())]
    states = None
    if bounds.dfa_states:
        try:
            dfa = TilingTask(tt.instance).reference_dfa(bounds.dfa_states)
            deciders.append(dfa_decider(dfa))
            states = dfa.num_states
        except StateLimitError:
            pass
    return Built(ref, tt, program, packed, paper, layers, states, tuple(deciders), whole, modules)


def sizes(machine: TuringMachine, n: int, built: Built) -> tuple[dict[str, object], tuple[str, ...]]:
    """Built sizes beside the closed forms; the failures where they differ."""
    tc = tile_count(machine)
    formula = tiling_program_size(built.tiling.instance)
    pk: UHATSize = built.packed.size()
    out: dict[str, object] = {
        "|M|": machine.size, "W": 1 << n, "tiles": len(built.tiling.instance.tiles), "tiles (formula)": tc["tiles"],
        "tiles (bound)": tc["bound"], "program ops": len(built.program.ops), "program ops (formula)": program_ops(machine, n),
        "formula nodes": formula["formula_nodes"], "packed UHA layers": pk.uha_layers, "packed ReLU layers": pk.relu_layers,
        "packed width": pk.max_width, "packed params": pk.params, "packed non-zeros": pk.nonzeros,
        "paper layers (closed form)": built.paper_layers,
    }
    if built.paper is not None:
        pp = built.paper.size()
        out.update({"paper layers": pp.layers, "paper width": pp.max_width, "paper params": pp.params})
    if built.dfa_states is not None:
        out["reference DFA states"] = built.dfa_states
    bad = []
    if built.tiling is built.reference and not (out["tiles"] == tc["tiles"] <= tc["bound"]):
        bad.append(f"tiles: built {out['tiles']}, formula {tc['tiles']}, bound {tc['bound']}")
    if not out["program ops"] == formula["ops"] == 3 * n + len(built.tiling.instance.tiles) + 18:
        bad.append(f"program ops: built {out['program ops']}, Lemma 8's formula {formula['ops']}")
    if built.paper is not None and out["paper layers"] != built.paper_layers:
        bad.append(f"paper layers: built {out['paper layers']}, closed form {built.paper_layers}")
    return out, tuple(bad)


# ---- the checks ------------------------------------------------------------------------------------


def _verdicts(built: Built, codes: np.ndarray) -> list[tuple[tuple[str, bool], ...]]:
    """Whole-word verdicts of every recogniser on a (B, L) batch."""
    alphabet = built.reference.instance.alphabet
    outs = []
    for d in built.deciders:
        fn = built.whole.get(d.name)
        if d.name in built.modules and codes.shape[1] > LONG_WORD:  # dense attention is O(L²): by classes
            outs.append(np.array([bool(class_prefixes(built.modules[d.name], w)[-1]) for w in codes], dtype=bool))
        elif fn is None:
            outs.append(np.asarray(d.whole(codes), dtype=bool))
        else:
            outs.append(np.array([fn(decode_word(w, alphabet)) for w in codes], dtype=bool))
    return [tuple((d.name, bool(o[b])) for d, o in zip(built.deciders, outs)) for b in range(len(codes))]


def check_runs(machine: TuringMachine, n: int, built: Built, bounds: TMBounds
               ) -> tuple[tuple[Run, ...], bool, Mismatch | None]:
    """(a): every input's run, encoded, through every recogniser; expected: the run's outcome."""
    width = 1 << n
    total = len(machine.initial_symbols) ** width
    runs = tuple(simulate(machine, n, w, bounds.max_steps)
                 for w in islice(machine.inputs_of_length(width), bounds.max_inputs))
    alphabet = built.reference.instance.alphabet
    for run in runs:
        grid = run_grid(built.reference, run)
        word = encode(grid)
        if decode(built.reference.instance, word) != grid:
            raise AssertionError("decode(encode(grid)) != grid")
        verdicts = _verdicts(built, encode_word(word, alphabet)[None, :])[0]
        if any(v != run.accepted for _, v in verdicts):
            origin = f"the run on input {show_word(run.input)} ({run.outcome}: {run.reason})"
            return runs, total <= bounds.max_inputs, Mismatch(origin, word, verdicts)
    return runs, total <= bounds.max_inputs, None


def corruptions(word: Word, tt: TMTiling, count: int, rng: np.random.Generator) -> list[tuple[str, Word]]:
    """Random single-symbol changes, one tile replaced by another, the last row dropped, a row repeated."""
    alphabet = tt.instance.alphabet
    row = tt.width * (tt.n + 2)
    out: list[tuple[str, Word]] = []
    for _ in range(count):
        p = int(rng.integers(len(word)))
        sym = alphabet[int(rng.integers(len(alphabet) - 1))]
        sym = alphabet[-1] if sym == word[p] else sym
        out.append((f"symbol {p + 1} → {sym}", word[:p] + (sym,) + word[p + 1:]))
    tiles = [p for p in range(len(word)) if word[p] in tt.info]
    for _ in range(count // 4 if tiles else 0):
        p = tiles[int(rng.integers(len(tiles)))]
        names = [t.name for t in tt.instance.tiles if t.name != word[p]]
        sym = names[int(rng.integers(len(names)))]
        out.append((f"tile at symbol {p + 1} → {sym}", word[:p] + (sym,) + word[p + 1:]))
    if len(word) > row:
        out.append(("last row dropped", word[:-row]))
        r = int(rng.integers(len(word) // row))
        out.append((f"row {r + 1} repeated", word[:(r + 1) * row] + word[r * row:]))
    return out


def check_corruptions(runs: tuple[Run, ...], built: Built, bounds: TMBounds) -> tuple[int, int, Mismatch | None]:
    """(c): corruptions of each accepted encoding; every recogniser must agree with the simulator."""
    rng = np.random.default_rng(bounds.seed)
    alphabet = built.reference.instance.alphabet
    checked = accepted = 0
    for run in runs:
        if not run.accepted:
            continue
        by_len: dict[int, list[tuple[str, Word]]] = {}
        for label, w in corruptions(encode(run_grid(built.reference, run)), built.reference, bounds.corruptions, rng):
            by_len.setdefault(len(w), []).append((label, w))
        for group in by_len.values():
            codes = np.stack([encode_word(w, alphabet) for _, w in group])
            for (label, w), v in zip(group, _verdicts(built, codes)):
                checked += 1
                accepted += v[0][1]
                if len({b for _, b in v}) > 1:
                    return checked, accepted, Mismatch(f"input {show_word(run.input)}, {label}", w, v)
    return checked, accepted, None


def check_sets(built: Built, bounds: TMBounds) -> tuple[SetCheck, ...]:
    """(b): tiling_suite's word sets 1–4 with these budgets, the simulator as the reference."""
    inst = built.tiling.instance
    deciders = list(built.deciders)
    printed = tiling_program(inst, "printed")
    tau, width = len(inst.tiles), inst.width
    length = largest_within(len(inst.alphabet), bounds.max_len, bounds.word_budget)
    rep = exhaustive_check(inst.alphabet, deciders, length, chunk=bounds.chunk)
    sets = [SetCheck(f"words ≤ {length}", length, rep.words, sum(rep.accepted), (), 0, rep.disagreement, rep.seconds)]
    correct, anyb, stacks = unit_budgets(inst, bounds)
    stacks = dataclasses.replace(stacks, label=f"{stacks.label} ({stacks.base} valid rows)" if tau**width <= ROW_TABLE_CAP
                                 else f"row stacks (τ^W = {tau**width:,} candidate rows > {ROW_TABLE_CAP:,})")
    for u in (correct, anyb, stacks):
        sets.append(enumerate_sets(inst, u, deciders, printed, bounds.chunk, None, 0)[0])
    return tuple(sets)


def check_shortest(runs: tuple[Run, ...], complete: bool, built: Built, bounds: TMBounds
                   ) -> tuple[SolveReport, int | None, int | None, str | None]:
    """(d): the solver's minimal height against the simulator's shortest accepting run."""
    tt = built.reference
    sol = solve_report(built.tiling.instance, bounds.solver_rows)
    acc = [r for r in runs if r.accepted]
    rows = min(len(r.configs) for r in acc) + 1 if acc else None
    length = rows * tt.width * (tt.n + 2) if rows else None
    decided = complete and all(r.outcome != "running" for r in runs)
    if sol.grid is not None and not simulator_accepts(tt, sol.grid):
        return sol, rows, length, f"the solver's {sol.height}-row solution is no accepting run of the machine"
    if not decided:
        if rows is not None and (sol.height is None or sol.height > rows):
            return sol, rows, length, f"solver height {sol.height}, but an accepting run gives {rows} rows"
        return sol, rows, length, None
    if rows is None:
        if sol.height is not None:
            return sol, rows, length, f"no run accepts, but the solver found {sol.height} rows"
        return sol, rows, length, None
    if sol.height != rows:
        return sol, rows, length, f"solver height {sol.height} ≠ {rows} = the shortest accepting run's rows"
    return sol, rows, length, None


STAGES = ("build", "sizes", "(a) runs", "(b) word sets", "(c) corruptions", "(d) shortest word")


def check_tm(machine: TuringMachine, n: int, bounds: TMBounds = TMBounds(), tiling: TMTiling | None = None,
             built: Built | None = None, stage: Callable[[str], None] | None = None) -> TMReport:
    """(a)–(d) on ``machine`` at width ``2^n``; ``tiling`` replaces the construction under test (a broken
    tile set or a corrupted machine's tiling, to show it is caught). ``stage`` is called with each of
    :data:`STAGES` as it starts (a progress bar's step)."""
    start = time.perf_counter()
    note = stage or (lambda name: None)
    if built is None:
        note(STAGES[0])
        built = build(machine, n, bounds, tiling)
    note(STAGES[1])
    size, size_bad = sizes(machine, n, built)
    note(STAGES[2])
    runs, complete, run_bad = check_runs(machine, n, built, bounds)
    note(STAGES[3])
    sets = check_sets(built, bounds)
    note(STAGES[4])
    checked, corrupt_acc, corrupt_bad = check_corruptions(runs, built, bounds)
    note(STAGES[5])
    sol, rows, length, sol_bad = check_shortest(runs, complete, built, bounds)
    return TMReport(machine, n, size, size_bad, runs, complete, run_bad, sets, checked, corrupt_acc, corrupt_bad,
                    sol, rows, length, sol_bad, tuple(d.name for d in built.deciders), time.perf_counter() - start)


def render(r: TMReport) -> str:
    """The report as text: one line per check, the failures, then AGREE or DISAGREE."""
    acc = sum(x.accepted for x in r.runs)
    outcomes = {o: sum(x.outcome == o for x in r.runs) for o in ("accept", "reject", "loop", "running")}
    lines = [f"recognisers: {' = '.join(r.recognisers)}",
             f"(a) runs: {len(r.runs)} input(s){'' if r.inputs_complete else ' (not all)'} — "
             + ", ".join(f"{v} {k}" for k, v in outcomes.items() if v)
             + f"; every encoding accepted iff its run accepts: {'yes' if r.run_mismatch is None else 'NO'}"]
    for c in r.sets:
        status = "skipped" if not c.checked else f"{c.checked:,} words ({c.accepted:,} accepted)"
        lines.append(f"(b) {c.label}: {status} [{c.seconds:.1f}s]")
    lines.append(f"(c) corruptions of the {acc} accepted encoding(s): {r.corruptions} checked, "
                 f"{r.corruptions - r.corrupt_accepted} rejected by the simulator, all recognisers agree: "
                 f"{'yes' if r.corrupt_mismatch is None else 'NO'}")
    s = r.solver
    sol = (f"min height {s.height}" if s.height is not None else
           "no solution (row graph exhausted)" if s.exhausted else "no solution within the row bound")
    short = ("no accepting run" if r.shortest_rows is None else
             f"{r.shortest_rows} rows = {r.shortest_length:,} symbols ({r.shortest_rows} × 2^{r.n} × {r.n + 2})")
    lines.append(f"(d) shortest word: simulator {short}; tiling solver {sol} ({s.rows_explored:,} rows, "
                 f"{s.vectors:,} vectors)")
    lines += [f"FAIL {f}" for f in r.failures]
    lines.append(("AGREE" if r.ok else "DISAGREE") + f" [{r.seconds:.1f}s]")
    return "\n".join(lines)


def with_broken_tile(tt: TMTiling, name: str, **colours: int) -> TMTiling:
    """``tt`` with one tile's colours changed (names kept): a broken tile set for negative tests."""
    tiles = tuple(dataclasses.replace(t, **colours) if t.name == name else t for t in tt.instance.tiles)
    if name not in {t.name for t in tt.instance.tiles}:
        raise ParameterError(f"tm check: no tile {name!r}")
    return dataclasses.replace(tt, instance=dataclasses.replace(tt.instance, tiles=tiles))


__all__ = ["STAGES", "TMBounds", "Built", "Mismatch", "TMReport", "build", "sizes", "check_runs", "check_sets",
           "check_corruptions", "check_shortest", "check_tm", "render", "corruptions", "with_broken_tile"]
