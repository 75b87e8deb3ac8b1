"""Chunked, checkpointed, resumable evaluation of CAUSAL B-RASP programs (THEORY §2; [YCA] §3,
[BCL] §2.3, Lemma 8's program in particular).

A program is causal (``Program.is_causal``) when every attention looks left only (mask ``j<i`` or
``j<=i``) and it accepts at the last position: the output at position p depends on w_1..w_p alone.
Such a program can be run chunk by chunk (positions ``s .. s+n−1``, default n = 2^16) keeping, per
attention, a *carry* that summarises everything before the chunk:

* per selection group (operations with the same score, mask and tie-break select the same o(i), see
  :func:`constructions.brasp.interpreter.selection_groups`) and per class c of the score's i-side
  valuation (2^a classes for a score reading a atoms at i; :mod:`constructions.brasp.fast_attention`):
  the tie-break's choice among the positions j < s whose j-only table T_c(j) holds — the last such
  (rightmost) or the first (leftmost), −1 if none;
* per attention operation: the values, at those carried positions, of the predicates its value
  formula reads at j.

Inside a chunk, o(i) is the running max/min of T_c started from the carry
(:func:`constructions.brasp.fast_attention.select_causal_chunk`); where it falls before the chunk, the
value's j-atoms come from the carry. So nothing before the chunk is read again: time
O(L · Σ_ops 2^a · |formula|), memory O(n · #predicates) plus the (L − start,) output; a checkpoint holds
Σ_groups 2^a_g positions and Σ_ops v_op · 2^a_g booleans (v_op = the value's j-atoms) — independent of L.
For Lemma 8's tiling program (THEORY §4) the eq_B scores have a = N, every other score a = 0.

A :class:`Checkpoint` is the complete state before a chunk boundary. :func:`stream_evaluate` with
``resume=cp`` restarts at ``cp.position`` and is exact **provided ``codes[:cp.position]`` equals the
word the checkpoint was taken on** — the caller guarantees this (it is not checked; the checkpoint only
records which program it belongs to). Typical use: run a clean word once with ``keep=True``; for a
word corrupted at position p, resume from the last checkpoint at or before p; the verdict is
``run.output[-1]``.

>>> from constructions.brasp.syntax import parse_program
>>> p = parse_program("alphabet: a b\\nPA(i) := ▶_j[j<i, 1] Q_a(j) : 0")
>>> run = stream_evaluate(p, np.array([0, 1, 0, 0, 1]), chunk=2, keep=True)
>>> run.output.tolist(), [c.position for c in run.checkpoints]
([False, True, False, True, True], [0, 2, 4])
>>> stream_evaluate(p, np.array([0, 1, 1, 0, 1]), chunk=2, resume=run.checkpoints[1]).output.tolist()
[False, False, True]
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from automata.alphabet import check_codes
from automata.errors import ParameterError
from constructions.brasp import fast_attention as fa
from constructions.brasp.formula import Pred, atoms
from constructions.brasp.interpreter import compiled, eval_formula, evaluate, selection_groups
from constructions.brasp.program import AttentionOp, PositionOp, Program

DEFAULT_CHUNK = 1 << 16


@dataclass(frozen=True, eq=False)
class Checkpoint:
    """The complete interpreter state before position ``position`` (a chunk boundary).

    ``positions[g]``: (2^a,) int64, per class of selection group g's i-side valuation, the carried
    chosen position (−1: none yet). ``values[k]``: (v, 2^a) bool, for the k-th attention operation, its
    value's j-atoms (``StreamPlan.value_atoms[k]`` order) at those positions. Arrays are read-only copies.
    """

    position: int
    program_key: str
    positions: tuple[np.ndarray, ...]
    values: tuple[np.ndarray, ...]

    def same_state(self, other: "Checkpoint") -> bool:
        """Equal position, program and carries (then the remaining outputs agree on equal suffixes)."""
        return (self.position == other.position and self.program_key == other.program_key
                and all(np.array_equal(a, b) for a, b in zip(self.positions, other.positions))
                and all(np.array_equal(a, b) for a, b in zip(self.values, other.values)))


@dataclass(frozen=True, eq=False)
class StreamRun:
    """The result of :func:`stream_evaluate`; the verdict on the word is ``output[-1]``."""

    start: int                     # first position computed (0, or the resume checkpoint's position)
    output: np.ndarray             # (L - start,) bool: the output predicate at positions start..L-1
    checkpoints: tuple[Checkpoint, ...]   # the state before each chunk computed (empty unless keep=True)


@dataclass(frozen=True)
class StreamPlan:
    """What a causal program needs per chunk: selection groups, their i-atoms, each op's value j-atoms."""

    program_key: str
    group: tuple[int, ...]                      # per attention op (in program order): its group
    group_op: tuple[AttentionOp, ...]           # per group: its first op (score, mask, tie-break)
    i_atoms: tuple[tuple[str, ...], ...]        # per group: the score's i-atoms (class-code bits)
    value_atoms: tuple[tuple[str, ...], ...]    # per attention op: its value's j-atoms, sorted


def program_key(program: Program) -> str:
    """A fingerprint of the program (SHA-256 of its repr), stored in checkpoints."""
    return hashlib.sha256(repr(program).encode()).hexdigest()[:20]


def plan(program: Program, max_atoms: int = fa.MAX_ATOMS) -> StreamPlan:
    """The :class:`StreamPlan`; ParameterError unless causal with ≤ ``max_atoms`` i-atoms per score."""
    if not program.is_causal:
        raise ParameterError(f"streaming needs a causal program (masks j<i / j<=i, accept at last); "
                             f"{program.name} is not")
    groups, _ = selection_groups(program)
    firsts: dict[int, AttentionOp] = {}
    for op in program.attention_ops:
        firsts.setdefault(groups[op.name], op)
    i_atoms = tuple(fa.score_i_atoms(firsts[g].score) for g in range(len(firsts)))
    for g, names in enumerate(i_atoms):
        if len(names) > max_atoms:
            raise ParameterError(f"{firsts[g].name}: its score reads {len(names)} predicates at i; "
                                 f"streaming carries 2^a classes and allows a ≤ {max_atoms}")
    return StreamPlan(program_key(program), tuple(groups[op.name] for op in program.attention_ops),
                      tuple(firsts[g] for g in range(len(firsts))), i_atoms,
                      tuple(tuple(sorted(n for n, s in atoms(op.value) if s == "j")) for op in program.attention_ops))


def initial_checkpoint(pl: StreamPlan) -> Checkpoint:
    """The state before position 0: nothing carried."""
    pos = tuple(_frozen(np.full(1 << len(a), -1, dtype=np.int64)) for a in pl.i_atoms)
    vals = tuple(_frozen(np.zeros((len(v), 1 << len(pl.i_atoms[g])), dtype=bool))
                 for v, g in zip(pl.value_atoms, pl.group))
    return Checkpoint(0, pl.program_key, pos, vals)


def _check_shapes(cp: Checkpoint, blank: Checkpoint) -> None:
    """A checkpoint's carries must have the program's shapes and dtypes (else ParameterError)."""
    ok = len(cp.positions) == len(blank.positions) and len(cp.values) == len(blank.values)
    ok = ok and all(isinstance(a, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype
                    for a, b in zip((*cp.positions, *cp.values), (*blank.positions, *blank.values)))
    if not ok:
        raise ParameterError("the checkpoint's carries do not have this program's shapes (malformed checkpoint)")


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.flags.writeable = False
    return a


@dataclass
class _Carry:
    """Mutable working copy of a checkpoint's carries."""

    positions: list[np.ndarray]
    values: list[np.ndarray]

    @staticmethod
    def of(cp: Checkpoint) -> "_Carry":
        return _Carry([p.copy() for p in cp.positions], [v.copy() for v in cp.values])

    def snapshot(self, position: int, key: str) -> Checkpoint:
        return Checkpoint(position, key, tuple(map(_frozen, self.positions)), tuple(map(_frozen, self.values)))


@dataclass(frozen=True)
class _ChunkSelection:
    """One group's selection in a chunk: absolute chosen position per i (−1 none), local index to read
    the value's j-atoms at (0 where o(i) is not in the chunk), the positions whose o(i) lies before the
    chunk with their classes (read from the carry), and the group's carried positions after the chunk."""

    chosen: np.ndarray
    local: np.ndarray
    outside: np.ndarray
    outside_code: np.ndarray
    after: np.ndarray


def _carry_only(table: np.ndarray, tiebreak: str, start: int, carry: int) -> int:
    """The carry after a chunk in which class c does not occur (no selection needed)."""
    if tiebreak == "leftmost" and carry >= 0:
        return carry
    hits = np.flatnonzero(table)
    if not hits.size:
        return carry
    return start + int(hits[-1] if tiebreak == "rightmost" else hits[0])


def _select_chunk(op: AttentionOp, i_atoms: tuple[str, ...], env: dict[str, np.ndarray], start: int, n: int,
                  before: np.ndarray, above: np.ndarray) -> _ChunkSelection:
    code = fa.class_codes(i_atoms, env) if i_atoms else np.zeros(n, dtype=np.uint8)
    present = np.bincount(code, minlength=len(before)) > 0
    chosen = np.empty(n, dtype=np.int64)
    after = before.copy()
    for c in range(len(before)):
        table = np.broadcast_to(fa.class_table(op.score, i_atoms, c, env, eval_formula), (n,))
        if not present[c]:
            after[c] = _carry_only(table, op.tiebreak, start, int(before[c]))
            continue
        ch, after[c] = fa.select_causal_chunk(table, op.mask, op.tiebreak, start, int(before[c]), above)
        if len(before) == 1:
            chosen = ch
        else:
            np.copyto(chosen, ch, where=code == c)
    outside = np.flatnonzero((chosen < start) & (chosen >= 0))
    return _ChunkSelection(chosen, np.maximum(chosen - start, 0), outside, code[outside], after)


def _attend_chunk(op: AttentionOp, names: tuple[str, ...], sel: _ChunkSelection, carried: np.ndarray,
                  env: dict[str, np.ndarray], start: int, n: int) -> np.ndarray:
    """V(i, o(i)) or D(i) on the chunk; j-atoms at o(i) < start come from ``carried`` (v, 2^a)."""
    gathered: dict[str, np.ndarray] = {}
    for row, name in enumerate(names):
        at = env[name].take(sel.local)
        at[sel.outside] = carried[row][sel.outside_code]
        gathered[name] = at

    def at_chosen(p: Pred) -> np.ndarray:
        return env[p.name] if p.side == "i" else gathered[p.name]

    value = np.broadcast_to(eval_formula(compiled(op.value), at_chosen), (n,))
    default = np.broadcast_to(eval_formula(compiled(op.default), lambda p: env[p.name]), (n,))
    return np.where(sel.chosen >= 0, value, default)


def _update_values(names: tuple[str, ...], carried: np.ndarray, sel: _ChunkSelection,
                   env: dict[str, np.ndarray], start: int) -> None:
    """Classes whose carried position moved into this chunk read the value's j-atoms there."""
    moved = np.flatnonzero(sel.after >= start)
    if moved.size:
        local = sel.after[moved] - start
        for row, name in enumerate(names):
            carried[row, moved] = env[name][local]


def _run_chunk(program: Program, pl: StreamPlan, codes: np.ndarray, start: int, carry: _Carry) -> np.ndarray:
    """Every predicate on positions ``start .. start + len(codes) − 1``; updates ``carry`` in place."""
    n = len(codes)
    env: dict[str, np.ndarray] = {q: codes == k for k, q in enumerate(program.symbol_predicates)}
    selections: dict[int, _ChunkSelection] = {}
    above = np.arange(start + 1, start + n + 1)
    k = 0
    for op in program.ops:
        if isinstance(op, PositionOp):
            out = np.broadcast_to(eval_formula(compiled(op.formula), lambda p: env[p.name]), (n,))
        else:
            assert isinstance(op, AttentionOp)
            g = pl.group[k]
            if g not in selections:
                selections[g] = _select_chunk(op, pl.i_atoms[g], env, start, n, carry.positions[g], above)
            sel = selections[g]
            out = _attend_chunk(op, pl.value_atoms[k], sel, carry.values[k], env, start, n)
            _update_values(pl.value_atoms[k], carry.values[k], sel, env, start)
            k += 1
        env[op.name] = np.ascontiguousarray(out, dtype=bool)
    for g, sel in selections.items():
        carry.positions[g] = sel.after
    return env[program.output]


def stream_evaluate(program: Program, codes: np.ndarray, chunk: int = DEFAULT_CHUNK, *,
                    resume: Checkpoint | None = None, keep: bool = False) -> StreamRun:
    """The output predicate of a causal ``program`` on one word (1-D codes), chunk by chunk.

    Equals ``evaluate(program, codes[None])[program.output][0][start:]``. With ``resume`` the run
    starts at ``resume.position`` from its carries: valid only if ``codes[:resume.position]`` is the word
    the checkpoint came from (the caller's guarantee). ``keep=True`` returns the state before every
    chunk computed (positions start, start + chunk, …). ParameterError: non-causal program, chunk < 1,
    an empty or non-1-D word, a checkpoint of another program or outside the word; unknown codes raise
    what :func:`automata.alphabet.check_codes` raises.
    """
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise ParameterError(f"chunk must be a positive integer, got {chunk!r}")
    pl = plan(program)
    arr = np.asarray(codes)
    if arr.ndim != 1:
        raise ParameterError(f"stream_evaluate takes one word (1-D codes), got shape {arr.shape}")
    if arr.size == 0:
        raise ParameterError("words are non-empty: got a word of length 0")
    word = check_codes(arr[None, :], program.alphabet)[0]
    length = len(word)
    if resume is not None and not isinstance(resume, Checkpoint):
        raise ParameterError(f"resume must be a Checkpoint, got {type(resume).__name__}")
    state = resume if resume is not None else initial_checkpoint(pl)
    if state.program_key != pl.program_key:
        raise ParameterError("the checkpoint was taken on another program")
    if not 0 <= state.position < length:
        raise ParameterError(f"resume position {state.position} is outside the word (length {length})")
    if resume is not None:
        _check_shapes(resume, initial_checkpoint(pl))
    start = state.position
    carry = _Carry.of(state)
    output = np.empty(length - start, dtype=bool)
    kept: list[Checkpoint] = []
    for s in range(start, length, int(chunk)):
        if keep:
            kept.append(state if s == start else carry.snapshot(s, pl.program_key))
        e = min(s + int(chunk), length)
        output[s - start:e - start] = _run_chunk(program, pl, word[s:e], s, carry)
    return StreamRun(start, output, tuple(kept))


def last_checkpoint(run: StreamRun, position: int) -> Checkpoint:
    """The kept checkpoint with the largest position ≤ ``position`` (to resume after a change there)."""
    best = [cp for cp in run.checkpoints if cp.position <= position]
    if not best:
        raise ParameterError(f"no kept checkpoint at or before position {position}")
    return best[-1]


def first_disagreement(program: Program, codes: np.ndarray, chunk: int = DEFAULT_CHUNK,
                       resume: Checkpoint | None = None) -> int | None:
    """Cross-check: the first position where :func:`stream_evaluate` differs from the whole-word
    :func:`constructions.brasp.interpreter.evaluate` (None if they agree everywhere computed)."""
    run = stream_evaluate(program, codes, chunk, resume=resume)
    whole = evaluate(program, np.asarray(codes)[None, :])[program.output][0][run.start:]
    bad = np.flatnonzero(whole != run.output)
    return int(run.start + bad[0]) if bad.size else None


__all__ = ["Checkpoint", "DEFAULT_CHUNK", "StreamPlan", "StreamRun", "first_disagreement", "initial_checkpoint",
           "last_checkpoint", "plan", "program_key", "stream_evaluate"]
