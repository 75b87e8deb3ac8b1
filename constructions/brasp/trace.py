"""A B-RASP run as the predicate table of [BCL] §3 (docs/theory.md §2), with the attended positions.

Row by row, every predicate's value at every position; for an attention operation
P(i) := ◀/▶_j[M(i, j), S(i, j)] V(i, j) : D(i) also the attended position
o(i) = min/max { j : M(i, j) ∧ S(i, j) } (None where that set is empty and the default D(i) is used).

The values are the interpreter's (:func:`constructions.brasp.interpreter.evaluate_word`); the attended
positions are computed here from the definition, and the trace checks that V(i, o(i)) / D(i) reproduce
the interpreter's value at every position — so the table a teacher shows is the run the verifier checks.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from automata.errors import ParameterError
from constructions.brasp.formula import And, Const, Formula, Not, Or, Pred
from constructions.brasp.interpreter import evaluate_word, mask_matrix
from constructions.brasp.program import AttentionOp, Op, Program

MAX_TRACE_LEN = 256

def holds(f: Formula, env: dict[str, list[bool]], i: int, j: int) -> bool:
    """The formula at the pair (i, j): i-side predicates read at i, j-side ones at j."""
    if isinstance(f, Const):
        return f.value
    if isinstance(f, Pred):
        return env[f.name][i if f.side == "i" else j]
    if isinstance(f, Not):
        return not holds(f.arg, env, i, j)
    if isinstance(f, And):
        return all(holds(a, env, i, j) for a in f.args)
    if isinstance(f, Or):
        return any(holds(a, env, i, j) for a in f.args)
    raise TypeError(f"not a formula: {f!r}")


def attended_position(op: AttentionOp, env: dict[str, list[bool]], i: int) -> int | None:
    """o(i) (0-based), or None when no position satisfies the mask and the score."""
    row = mask_matrix(op.mask, len(env[next(iter(env))]))[i]
    chosen = [j for j, allowed in enumerate(row) if allowed and holds(op.score, env, i, j)]
    if not chosen:
        return None
    return chosen[0] if op.tiebreak == "leftmost" else chosen[-1]


@dataclass(frozen=True)
class OpStep:
    op: Op
    values: tuple[bool, ...]
    attended: tuple[int | None, ...]  # attention operations: o(i) per position (0-based); () otherwise


@dataclass(frozen=True)
class ProgramTrace:
    program: Program
    word: tuple[str, ...]
    symbols: dict[str, tuple[bool, ...]]  # Q_a per position
    steps: tuple[OpStep, ...]

    @property
    def accepted(self) -> bool:
        out = self.steps[-1].values
        return out[-1] if self.program.accept_at == "last" else out[0]


def trace_program(program: Program, word: Sequence[str], max_len: int = MAX_TRACE_LEN) -> ProgramTrace:
    """The predicate table of ``program`` on ``word`` (see the module)."""
    word = tuple(word)
    if not 1 <= len(word) <= max_len:
        raise ParameterError(f"a trace takes words of 1..{max_len} symbols, got {len(word)}")
    env = evaluate_word(program, word)
    steps = []
    for op in program.ops:
        values = tuple(env[op.name])
        attended: tuple[int | None, ...] = ()
        if isinstance(op, AttentionOp):
            attended = tuple(attended_position(op, env, i) for i in range(len(word)))
            again = tuple(holds(op.value, env, i, j) if j is not None else holds(op.default, env, i, i)
                          for i, j in enumerate(attended))
            if again != values:  # pragma: no cover - would be an interpreter bug
                raise AssertionError(f"{op.name}: the definition and the interpreter disagree")
        steps.append(OpStep(op, values, attended))
    symbols = {q: tuple(env[q]) for q in program.symbol_predicates}
    return ProgramTrace(program, word, symbols, tuple(steps))


__all__ = ["MAX_TRACE_LEN", "OpStep", "ProgramTrace", "attended_position", "holds", "trace_program"]
