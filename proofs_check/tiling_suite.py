"""Lemma 8 on every instance of the tiling suite: the program is non-empty iff the instance is solvable,
and the compiled UHATs and the interpreter agree with the reference (issue 3 of the tracker).

[BCL] Bergsträßer, Cotterell, Lin, *Transformers are Inherently Succinct* (ICLR 2026), Problem 6,
Lemma 8 (the tiling program, THEORY §4, App. A) and Lemma 9 (its compilation to a UHAT). For each
instance of :data:`tasks.tiling_witness.INSTANCE_SUITE` (width ``W = 2^N``, ``τ = |T|`` tiles, alphabet
``k = τ + 3`` symbols, a cell ``N + 2`` symbols, a row ``W·(N+2)``) :func:`check_instance` compares five
recognisers: the **reference DFA** (the minimised :class:`tasks.tiling.TilingAutomaton`), the
**B-RASP interpreter** on :func:`constructions.library.tiling_brasp.tiling_program` (corrected ∨), the
**packed UHAT** and the **paper-faithful UHAT** of Lemma 9 (torch, float64 — the module's precision
audit bounds every value and refuses the dtype otherwise) and, on whole rows, the **direct checker**
:meth:`TilingTask.accepts` (decode + :func:`tasks.tiling.is_solution`). All of them are causal, so one
run over a word decides each of its prefixes; every prefix of every enumerated word is compared.

Word sets (all compared at every prefix, first disagreement = shortest, then lexicographically least):

1. all words of length ≤ ``L`` (``k^L`` at the top length, :func:`proofs_check.exhaustive.exhaustive_check`);
2. all shape-correct encodings with the right column bits and every tile choice, ``r ≤ R`` rows:
   ``Σ_{r≤R} τ^(r·W)`` encodings (plus all their cell-level prefixes);
3. all words of ``m ≤ M`` cells ``({0,1}^N T #)^m`` with *arbitrary* column bits: ``Σ_{m≤M} (2^N·τ)^m``;
4. all stacks of ``r ≤ S`` horizontally valid rows (:func:`valid_rows`, ``V ≤ τ^W`` of them; only the
   vertical, top and final-tile conditions remain to be checked): ``Σ_{r≤S} V^r`` — this reaches the
   minimal height of every suite instance but ``n2_three_layers`` (``V = 81``) at moderate budgets;
5. (solvable instances) the solver's word and all its ``(k−1)·|w|`` single-symbol changes.

``L``, ``M`` (≥ 1) and ``R``, ``S`` (≥ 0; 0 = set skipped) are the largest values whose top-level count
stays within the budgets (:class:`Bounds`; each report states them). The paper-faithful UHAT runs on
every word of every set, like the other recognisers; the direct checker on the whole-row encodings of
sets 2 and 4, up to ``direct_cap`` of each. The eq. (14e) **as printed** program (∧ in B's default)
runs on every word of sets 1–5: it must accept no prefix of any of them.

**What is proved and what is only checked.** The solver (:func:`tasks.tiling.solve_report`) is a
breadth-first search over up-colour vectors. A height it returns is the exact minimum; ``exhausted``
means the finite row graph has been explored completely, which *proves* that no solution of any height
exists (not merely none up to a bound). Lemma 8 (non-emptiness ⇔ solvable) is *shown* here, not
proved: solvable → the solver's shortest word is accepted by the interpreter and both UHATs, and no
checked shape-correct encoding with fewer rows is accepted; unsolvable → proved unsolvable by the
solver, and the program accepts none of the checked words — and, where the local abstraction of
:func:`proofs_check.certify.emptiness.prove_empty` suffices (every unsolvable suite instance but
``n2_segments_strict``), its language is **proved** empty for every length (z3); on a solvable instance
that proof must fail (a soundness cross-check). Agreement with the reference is exhaustive only up to
the stated bounds.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, fields
from typing import Callable, Mapping, Optional, Sequence

import numpy as np

from automata.alphabet import Word, all_words, decode_word, encode_word, show_word
from automata.errors import ParameterError, check_int
from constructions.brasp.interpreter import accepts_prefixes
from constructions.brasp.program import Program
from constructions.library.tiling_brasp import tiling_program
from constructions.uhat.lemma9 import compile_lemma9
from constructions.uhat.model import UHAT
from constructions.uhat.torch_backend import to_torch
from proofs_check.certify.emptiness import prove_empty
from proofs_check.deciders import Decider, dfa_decider, program_decider, uhat_decider, uhat_is_causal
from proofs_check.exhaustive import Disagreement, exhaustive_check
from proofs_check.progress import bar as progress_bar
from tasks.tiling import SolveReport, TilingInstance, TilingTask, encode, solve_report
from tasks.tiling_witness import INSTANCE_SUITE

UNKNOWN = "unknown"
ROW_TABLE_CAP = 2_000_000  # τ^W candidate rows filtered by valid_rows; above it set 4 is skipped
Suite = Mapping[str, Callable[[], tuple[TilingInstance, "int | None"]]]


@dataclass(frozen=True)
class Bounds:
    """Budgets: ``L``/``R``/``M``/``S`` are the largest values whose top-level word count (``k^L``,
    ``τ^(R·W)``, ``(2^N·τ)^M``, ``V^S``) is within ``word_budget``/``enc_budget``/``cell_budget``/
    ``stack_budget``, capped by ``max_len``/``max_rows``/``max_cells``/``max_stack_rows``;
    ``solver_rows`` bounds the row-graph search; ``chunk`` words go through the recognisers at once."""

    max_len: int = 8
    word_budget: int = 200_000
    max_rows: int = 8
    enc_budget: int = 100_000
    max_cells: int = 8
    cell_budget: int = 100_000
    solver_rows: int = 256
    direct_cap: int = 20_000  # whole-row encodings also given to TilingTask.accepts (Python, per word)
    max_stack_rows: int = 8
    stack_budget: int = 100_000
    chunk: int = 2048

    def __post_init__(self) -> None:
        for f in fields(self):
            check_int(getattr(self, f.name), f"tiling suite: {f.name}", 0 if f.name == "direct_cap" else 1)


@dataclass(frozen=True)
class SetCheck:
    """One enumerated word set: ``bound`` (L, R or M), distinct words compared, accepted among them
    (``accepted_by_rows[r-1]``: whole-row encodings with r rows, for sets 2–3), ``printed_accepted``:
    enumerated words with a prefix the printed program accepts (must be 0), the first disagreement."""

    label: str
    bound: int
    checked: int
    accepted: int
    accepted_by_rows: tuple[int, ...]
    printed_accepted: int
    disagreement: Disagreement | None
    seconds: float

    def failures(self, prefix: str = "") -> list[str]:
        """What went wrong in this set: a disagreement, or words the printed eq. (14e) program accepts."""
        out = []
        if self.disagreement is not None:
            out.append(f"{prefix}{self.label}: disagreement on {self.disagreement}")
        if self.printed_accepted:
            out.append(f"{prefix}{self.label}: the printed eq. (14e) program accepts {self.printed_accepted} words")
        return out


@dataclass(frozen=True)
class InstanceReport:
    name: str
    instance: TilingInstance
    expected_height: int | None | str  # "unknown": not compared
    solver: SolveReport
    solver_rows: int
    word: Word | None
    word_verdicts: tuple[tuple[str, bool], ...]  # the solver's word through every recogniser
    sets: tuple[SetCheck, ...]  # words ≤ L, encodings ≤ R rows, any bits ≤ M, row stacks ≤ S [, edits]
    direct_checked: int
    direct_disagreement: Word | None
    audit_bounds: tuple[int, int]  # precision audit: max |value| of the paper / packed network
    seconds: float
    proved_empty: bool = False  # z3: the program's language is empty for every length (certify/emptiness)

    @property
    def solvable(self) -> bool:
        return self.solver.height is not None

    @property
    def verdict(self) -> str:
        s = self.solver
        if s.height is not None:
            return f"min height {s.height}"
        if s.exhausted:
            return f"none, proved (row graph exhausted: {s.rows_explored} rows, {s.vectors} vectors)"
        return f"none with ≤ {self.solver_rows} rows (search bound)"

    @property
    def failures(self) -> tuple[str, ...]:
        out: list[str] = []
        s = self.solver
        if self.expected_height != UNKNOWN and s.height != self.expected_height:
            out.append(f"solver height {s.height} ≠ expected {self.expected_height}")
        if s.height is None and not s.exhausted:
            out.append("unsolvability not proved (search bound reached)")
        for c in self.sets:
            out += c.failures()
        if self.direct_disagreement is not None:
            out.append(f"direct checker disagrees on {show_word(self.direct_disagreement)}")
        if self.solvable:
            if not self.word_verdicts or not all(v for n, v in self.word_verdicts if n != "printed"):
                out.append(f"the solver's word is not accepted by all: {self.word_verdicts}")
            if dict(self.word_verdicts).get("printed"):
                out.append("the printed program accepts the solver's word")
            h = s.height or 0
            if self.word is not None and self.sets[0].bound < len(self.word) and self.sets[0].accepted:
                out.append(f"{self.sets[0].accepted} words shorter than the solver's shortest word are accepted")
            for c in self.sets[1:4]:
                early = sum(c.accepted_by_rows[: h - 1])
                if early:
                    out.append(f"{c.label}: {early} accepted encodings with fewer than {h} rows")
            if self.proved_empty:
                out.append("the emptiness proof claims an empty language although the solver's word is accepted")
        else:
            for c in self.sets:
                if c.accepted:
                    out.append(f"{c.label}: {c.accepted} accepted words although unsolvable")
        return tuple(out)

    @property
    def language(self) -> str:
        """Non-empty (the solver's word), or empty: proved for every length (z3) or only checked."""
        if self.solvable:
            return "non-empty"
        return "empty, proved (z3)" if self.proved_empty else "none found (checked)"

    @property
    def ok(self) -> bool:
        return not self.failures


# ---- enumeration ------------------------------------------------------------------------------------


def largest_within(base: int, cap: int, budget: int, floor: int = 1) -> int:
    """Largest b ≤ cap with base^b ≤ budget (at least ``floor``; 0 when base = 0)."""
    if base == 0 or (floor == 0 and base > budget):
        return 0
    b = 1
    while b < cap and base ** (b + 1) <= budget:
        b += 1
    return b


def cell_words(inst: TilingInstance, choices: np.ndarray, any_bits: bool) -> np.ndarray:
    """Codes of the words whose cells are ``choices`` (B, m): a tile index, or (with ``any_bits``)
    ``bits·τ + tile``; otherwise cell c gets the column bits of column ``c mod W``."""
    n, tau = inst.n, len(inst.tiles)
    batch, cells = choices.shape
    out = np.empty((batch, cells, n + 2), dtype=np.int64)
    if any_bits:
        bits, tiles = choices // tau, choices % tau
    else:
        bits, tiles = np.broadcast_to(np.arange(cells) % inst.width, (batch, cells)), choices
    for k in range(n):
        out[:, :, k] = (bits >> (n - 1 - k)) & 1  # codes of '0', '1' are 0, 1
    out[:, :, n] = 3 + tiles
    out[:, :, n + 1] = 2  # '#'
    return out.reshape(batch, cells * (n + 2))


def valid_rows(inst: TilingInstance) -> np.ndarray:
    """(V, W) tile indices of the horizontally valid rows (left/right borders 0, right = left between
    neighbours, the strict rule), in lexicographic order: the units of word set 4."""
    rows = all_words(inst.width, len(inst.tiles))
    left = np.array([t.left for t in inst.tiles])[rows]
    right = np.array([t.right for t in inst.tiles])[rows]
    ok = (left[:, 0] == 0) & (right[:, -1] == 0) & (right[:, :-1] == left[:, 1:]).all(axis=1)
    if inst.strict:
        ok &= (right[:, :-1] != 0).all(axis=1)
    return rows[ok]


@dataclass(frozen=True)
class UnitBudget:
    """A word set: words of ``count`` units from ``base`` choices each; ``cells`` cells per unit."""

    label: str
    base: int
    count: int
    cells: int
    expand: Callable[[np.ndarray], np.ndarray]  # (B, count) choices → (B, L) codes
    bound: int  # the stated bound (rows or cells)


def unit_budgets(inst: TilingInstance, bounds) -> tuple[UnitBudget, UnitBudget, UnitBudget]:
    """Word sets 2–4 within ``bounds`` (a :class:`Bounds`, or anything with its budget fields): correct
    encodings of up to so many rows, any tile per cell, stacks of valid rows (none when τ^W passes
    :data:`ROW_TABLE_CAP`)."""
    tau, width = len(inst.tiles), inst.width
    rows = largest_within(tau**width, bounds.max_rows, bounds.enc_budget, floor=0)
    cells = largest_within(tau * width, bounds.max_cells, bounds.cell_budget)
    table = valid_rows(inst) if tau**width <= ROW_TABLE_CAP else np.zeros((0, width), dtype=np.int64)
    stack = largest_within(len(table), bounds.max_stack_rows, bounds.stack_budget, floor=0)
    return (UnitBudget(f"encodings ≤ {rows} rows", tau, rows * width, 1, lambda c: cell_words(inst, c, False), rows),
            UnitBudget(f"any bits ≤ {cells} cells", tau * width, cells, 1, lambda c: cell_words(inst, c, True), cells),
            UnitBudget(f"row stacks ≤ {stack} rows", len(table), stack, width,
                       lambda c: cell_words(inst, table[c].reshape(len(c), -1), False), stack))


Best = Optional[tuple[int, tuple[int, ...]]]


def _first_bad(words: np.ndarray, outs: list[np.ndarray], best: Best,
               best_v: tuple[bool, ...]) -> tuple[Best, tuple[bool, ...]]:
    """Update (best, verdicts) with the shortest, then least, prefix on which the (B, L) verdicts differ."""
    bad = np.zeros(outs[0].shape, dtype=bool)
    for o in outs[1:]:
        bad |= o != outs[0]
    if bad.any():
        r_, c_ = np.nonzero(bad)
        p = int(c_.min())
        cand = (p + 1, min(tuple(int(x) for x in words[r, : p + 1]) for r in r_[c_ == p]))
        if best is None or cand < best:
            r = next(int(r) for r in r_[c_ == p] if tuple(words[r, : p + 1]) == cand[1])
            best, best_v = cand, tuple(bool(o[r, p]) for o in outs)
    return best, best_v


def _disagreement(inst: TilingInstance, deciders: Sequence[Decider], best: Best,
                  verdicts: tuple[bool, ...]) -> Disagreement | None:
    if best is None:
        return None
    return Disagreement(decode_word(best[1], inst.alphabet), tuple(zip((d.name for d in deciders), verdicts)))


def _edits(inst: TilingInstance, word: Word, deciders: Sequence[Decider], printed: Program) -> SetCheck:
    """Word set 5: the solver's word and all its single-symbol changes ((k−1)·|w| + 1 words), every
    prefix compared — near misses at the minimal height, also where set 4 does not reach it."""
    start = time.perf_counter()
    base = encode_word(word, inst.alphabet)
    k = len(inst.alphabet)
    words = np.repeat(base[None, :], 1 + (k - 1) * len(base), axis=0)
    row = 1
    for p in range(len(base)):
        for a in range(k):
            if a != base[p]:
                words[row, p] = a
                row += 1
    outs = [np.asarray(d(words), dtype=bool) for d in deciders]
    best, best_v = _first_bad(words, outs, None, ())
    dis = _disagreement(inst, deciders, best, best_v)
    printed_acc = int(accepts_prefixes(printed, words).any(axis=1).sum())
    return SetCheck(f"edits of the {len(word)}-symbol word", len(word), len(words), int(outs[0][:, -1].sum()), (),
                    printed_acc, dis, time.perf_counter() - start)


def enumerate_sets(
    inst: TilingInstance, units: UnitBudget, deciders: Sequence[Decider], printed: Program, chunk: int,
    direct: Callable[[Word], bool] | None, direct_cap: int,
) -> tuple[SetCheck, int, Word | None]:
    """All words of the set (every prefix compared; distinct unit-boundary prefixes counted)."""
    start = time.perf_counter()
    width, unit_len = inst.width, units.cells * (inst.n + 2)
    if units.count == 0:
        return SetCheck(units.label, 0, 0, 0, (), 0, None, 0.0), 0, None
    total = units.base**units.count
    n_rows = units.count * units.cells // width
    by_rows = [0] * n_rows
    accepted = printed_acc = 0
    best: Best = None
    best_v: tuple[bool, ...] = ()
    direct_n, direct_bad = 0, None
    for lo in range(0, total, chunk):
        choices = all_words(units.count, units.base, lo, lo + chunk)
        words = units.expand(choices)
        outs = [np.asarray(d(words), dtype=bool) for d in deciders]
        best, best_v = _first_bad(words, outs, best, best_v)
        printed_acc += int(accepts_prefixes(printed, words).any(axis=1).sum())
        ref = outs[0]
        for m in range(1, units.count + 1):  # distinct m-unit prefixes: the remaining choices are all 0
            fresh = ~choices[:, m:].any(axis=1) if m < units.count else np.ones(len(words), bool)
            end = m * unit_len
            acc_m = int(ref[:, end - 1][fresh].sum())
            accepted += acc_m
            if (m * units.cells) % width:
                continue
            by_rows[m * units.cells // width - 1] += acc_m
            if direct is None:
                continue
            for r in np.flatnonzero(fresh):
                if direct_n >= direct_cap:
                    break
                w = decode_word(words[r, :end], inst.alphabet)
                direct_n += 1
                if direct(w) != bool(ref[r, end - 1]) and (direct_bad is None or len(w) < len(direct_bad)):
                    direct_bad = w
    checked = sum(units.base**m for m in range(1, units.count + 1))
    dis = _disagreement(inst, deciders, best, best_v)
    check = SetCheck(units.label, units.bound, checked, accepted, tuple(by_rows), printed_acc, dis,
                     time.perf_counter() - start)
    return check, direct_n, direct_bad


# ---- the check --------------------------------------------------------------------------------------


def build_deciders(inst: TilingInstance, program: Program | None = None, paper: UHAT | None = None,
                   packed: UHAT | None = None) -> tuple[list[Decider], tuple[int, int]]:
    """Reference DFA, interpreter, packed and paper UHAT (float64, audited); overrides for negative tests."""
    program = tiling_program(inst) if program is None else program
    paper = compile_lemma9(program) if paper is None else paper
    packed = compile_lemma9(program, packed=True) if packed is None else packed
    ref = TilingTask(inst).reference().explore().minimise()
    if not (program.is_causal and uhat_is_causal(paper) and uhat_is_causal(packed)):
        raise ParameterError("tiling suite: the program and both networks must be causal (masks j<i / j<=i)")
    m_paper, m_packed = to_torch(paper, "float64"), to_torch(packed, "float64")  # audited, else DtypeError
    d_paper = uhat_decider(m_paper, "UHAT paper", causal=True)
    d_packed = uhat_decider(m_packed, "UHAT packed", causal=True)
    return [dfa_decider(ref), program_decider(program), d_packed, d_paper], (int(m_paper.bound), int(m_packed.bound))


def check_instance(
    instance: TilingInstance, expected_height: int | None | str = UNKNOWN, bounds: Bounds = Bounds(), name: str = "",
    program: Program | None = None, paper: UHAT | None = None, packed: UHAT | None = None,
) -> InstanceReport:
    """Run word sets 1–4 on ``instance`` (see the module docstring); ``expected_height`` (None: no
    solution) is compared with the solver unless "unknown". ``program``/``paper``/``packed`` replace the
    constructed objects (to show that broken ones are caught). Cost: about ``Σ_sets count·L²`` per
    recogniser; with the default :class:`Bounds` a suite instance takes seconds to a minute."""
    if not isinstance(instance, TilingInstance):
        raise ParameterError(f"tiling suite: expected a TilingInstance, got {type(instance).__name__}")
    start = time.perf_counter()
    program = tiling_program(instance) if program is None else program
    deciders, audit = build_deciders(instance, program, paper, packed)
    printed = tiling_program(instance, "printed")
    sol = solve_report(instance, bounds.solver_rows)
    word: Word | None = None
    verdicts: tuple[tuple[str, bool], ...] = ()
    if sol.grid is not None:
        word = encode(sol.grid)
        codes = encode_word(word, instance.alphabet)[None, :]
        verdicts = tuple((d.name, bool(d.whole(codes)[0])) for d in deciders)
        verdicts += (("printed", bool(accepts_prefixes(printed, codes)[0, -1])),)
    length = largest_within(len(instance.alphabet), bounds.max_len, bounds.word_budget)
    rep = exhaustive_check(instance.alphabet, deciders, length, chunk=bounds.chunk)
    empty = Decider("empty language", True, lambda w: np.zeros(w.shape, dtype=bool))
    pr_acc = sum(exhaustive_check(instance.alphabet, [program_decider(printed), empty], length,
                                  chunk=bounds.chunk).accepted)
    words = SetCheck(f"words ≤ {length}", length, rep.words, sum(rep.accepted), (), pr_acc, rep.disagreement,
                     rep.seconds)
    direct = TilingTask(instance).accepts
    sets: list[SetCheck] = [words]
    correct, anyb, stacks = unit_budgets(instance, bounds)
    check, dn, dbad = enumerate_sets(instance, correct, deciders, printed, bounds.chunk, direct, bounds.direct_cap)
    sets.append(check)
    sets.append(enumerate_sets(instance, anyb, deciders, printed, bounds.chunk, None, 0)[0])
    check, dn2, dbad2 = enumerate_sets(instance, stacks, deciders, printed, bounds.chunk, direct, bounds.direct_cap)
    sets.append(check)
    dbad = dbad if dbad is not None else dbad2
    if word is not None:
        sets.append(_edits(instance, word, deciders, printed))
    empty = prove_empty(program).proved_empty
    return InstanceReport(name or "instance", instance, expected_height, sol, bounds.solver_rows, word, verdicts,
                          tuple(sets), dn + dn2, dbad, audit, time.perf_counter() - start, empty)


def check_suite(instances: Suite | None = None, bounds: Bounds = Bounds(),
                names: Sequence[str] | None = None, progress: bool = False) -> list[InstanceReport]:
    """:func:`check_instance` on every suite instance (default :data:`INSTANCE_SUITE`), in order;
    ``progress``: a bar of instances on stderr, its total the "k/K instances pass" of :func:`render`."""
    suite = INSTANCE_SUITE if instances is None else instances
    keys = list(suite) if names is None else list(names)
    unknown = [x for x in keys if x not in suite]
    if unknown:
        raise ParameterError(f"tiling suite: unknown instances {unknown}; known: {', '.join(suite)}")
    out = []
    with progress_bar(len(keys), "suite", "instance", progress) as bar:
        for key in keys:
            bar.step(key)
            inst, height = suite[key]()
            out.append(check_instance(inst, height, bounds, key))
            bar.update(1)
    return out


def run_suite(max_len: int = 10, max_rows: int = 8, budget: int = 30_000,
              names: Sequence[str] | None = None, progress: bool = False) -> tuple[bool, str]:
    """For the CLI / demo (``succinct suite --max-len L --max-rows R``): :func:`check_suite` with
    ``L ≤ max_len`` (budget 2·``budget`` words), ``R, S ≤ max_rows`` and ``M ≤ max_rows`` cells (budget
    ``budget`` each); returns (all passed, :func:`render` text)."""
    bounds = Bounds(max_len=max_len, word_budget=2 * budget, max_rows=max_rows, enc_budget=budget,
                    max_cells=max_rows, cell_budget=budget, max_stack_rows=max_rows, stack_budget=budget)
    reports = check_suite(bounds=bounds, names=names, progress=progress)
    return all(r.ok for r in reports), render(reports)


# ---- rendering --------------------------------------------------------------------------------------

_HEAD = ("instance", "N", "|T|", "borders", "solver verdict", "language", "word: interp/paper/packed/printed",
         "words ≤ L", "encodings ≤ R rows", "any bits ≤ M cells", "row stacks ≤ S rows", "edits of the word",
         "agree", "time")


def _set(c: SetCheck, sym: str) -> str:
    if not c.checked:
        return f"{sym}=0: skipped"
    return f"{sym}={c.bound}: {c.checked:,} ({c.accepted:,} acc)"


def render(reports: Sequence[InstanceReport]) -> str:
    """A plain-text table, one line per instance, then the failures (if any) and a summary line."""
    rows = []
    for r in reports:
        i = r.instance
        v = dict(r.word_verdicts)
        yn = lambda b: "✓" if b else "✗"  # noqa: E731
        word = (f"{len(r.word)} sym: {yn(v['B-RASP interpreter'])}/{yn(v['UHAT paper'])}/{yn(v['UHAT packed'])}/"
                f"{'acc' if v['printed'] else 'rej'}") if r.word is not None else "—"
        edits = f"{r.sets[4].checked:,} ({r.sets[4].accepted} acc)" if len(r.sets) > 4 else "—"
        rows.append((r.name, str(i.n), str(len(i.tiles)), i.borders, r.verdict, r.language, word,
                     *(_set(c, sym) for c, sym in zip(r.sets, "LRMS")), edits, "yes" if r.ok else "NO",
                     f"{r.seconds:.1f}s"))
    widths = [max(len(x[c]) for x in [_HEAD, *rows]) for c in range(len(_HEAD))]
    line = lambda x: "  ".join(s.ljust(w) for s, w in zip(x, widths)).rstrip()  # noqa: E731
    out = [line(_HEAD), line(tuple("-" * w for w in widths)), *(line(x) for x in rows)]
    for r in reports:
        out += [f"{r.name}: {f}" for f in r.failures]
    good = sum(r.ok for r in reports)
    words = sum(c.checked for r in reports for c in r.sets)
    out.append(f"{good}/{len(reports)} instances pass; {words:,} words compared across reference DFA = "
               f"interpreter = packed UHAT = paper UHAT (float64, audited), direct checker on "
               f"{sum(r.direct_checked for r in reports):,} whole-row encodings; printed eq. (14e) program "
               f"accepts {sum(c.printed_accepted for r in reports for c in r.sets)} of them; "
               f"{sum(r.proved_empty for r in reports)} of {sum(not r.solvable for r in reports)} unsolvable "
               f"instances' programs proved empty for every length [{sum(r.seconds for r in reports):.1f}s]")
    return "\n".join(out)


__all__ = ["run_suite", "check_suite", "check_instance", "render", "build_deciders", "valid_rows", "Bounds",
           "SetCheck", "InstanceReport", "UNKNOWN", "UnitBudget", "cell_words", "enumerate_sets", "largest_within",
           "unit_budgets"]
