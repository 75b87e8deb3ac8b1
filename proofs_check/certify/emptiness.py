"""Emptiness of a B-RASP program for ALL word lengths, by a local (position-wise) abstract interpretation.

THEORY §2 (B-RASP), §4 and App. A (the erratum of [BCL] eq. (14e)): with B's aggregate default printed as
``B_1→0(i) ∧ B_+1(i)`` the tiling program accepts nothing. Non-emptiness is EXPSPACE-complete in general
([BCL] Thm 4/5), so this is a sound but incomplete method: it either proves emptiness or says
"not proved empty" (and then, where possible, shows an accepted word).

**Abstraction.** One position i is described by a Boolean variable per predicate. Symbol predicates are
one-hot; a position-wise op is its formula; an attention op ``P := ◀/▶_j[M, S] V : D`` is
``P(i) = found ? V(i, o) : D(i)`` with a free Boolean ``found`` and a vector of predicate variables for the
attended position ``o`` that must satisfy ``S(i, o)`` when found. Operations with the same mask, tie-break
and score formula select the **same** position, so they share ``found`` and ``o`` — this keeps the
correlation the erratum's argument needs (B_1→0 and B_+1 both look at the rightmost earlier #). The
attended position is itself a position: its symbols are one-hot and its predicates obey the same
definitions, unrolled ``depth`` levels deep (attention outputs at the deepest level are left free).
Every real run at every position gives a model, so if "output = 1" is unsatisfiable (z3), no word is
accepted, whatever its length. The value set of every predicate ({0}, {1} or {0, 1}) is reported too.

Sizes: ``(1 + g + g² + … + g^depth)`` position vectors for ``g`` distinct attention groups, each with
``|Σ| + #ops`` Boolean variables; formulas as in the program.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import z3

from automata.alphabet import Word, encode_word, show_word
from automata.errors import ParameterError
from constructions.brasp import interpreter
from constructions.brasp.program import AttentionOp, PositionOp, Program
from proofs_check.certify.bmc import bmc_program_accepts, formula_to_z3


@dataclass(frozen=True)
class EmptinessReport:
    """The verdict; ``value_sets`` maps each predicate to the values it can take (abstractly)."""

    program: str
    proved_empty: bool
    depth: int
    groups: int
    value_sets: tuple[tuple[str, tuple[bool, ...]], ...]
    witness: Word | None  # an accepted word (checked with the interpreter), when one was found
    witness_source: str
    seconds: float

    def constant_predicates(self) -> dict[str, bool]:
        return {name: vals[0] for name, vals in self.value_sets if len(vals) == 1}

    def render(self) -> str:
        consts = self.constant_predicates()
        shown = ", ".join(f"{k} ≡ {int(v)}" for k, v in consts.items()) or "none"
        lines = [f"emptiness of {self.program}: {len(self.value_sets)} predicates, {self.groups} attention "
                 f"groups (ops sharing mask, tie-break and score attend to the same position), depth {self.depth}",
                 f"  constant predicates: {shown}"]
        if self.proved_empty:
            lines.append("  PROVED EMPTY for every length: the output predicate can never be 1 (z3: unsat)")
        else:
            lines.append("  NOT PROVED EMPTY (the local abstraction allows output 1)")
            if self.witness is not None:
                lines.append(f"  accepted word ({self.witness_source}, length {len(self.witness)}): "
                             f"{show_word(self.witness)}")
        lines.append(f"  [{self.seconds:.2f}s]")
        return "\n".join(lines)


def _group_key(op: AttentionOp) -> tuple:
    return (op.mask, op.tiebreak, op.score)


class _Abstraction:
    """Builds the constraints of one position and (recursively) the positions it attends to."""

    def __init__(self, program: Program, depth: int) -> None:
        self.program = program
        self.depth = depth
        self.groups: dict[tuple, int] = {}
        for op in program.attention_ops:
            self.groups.setdefault(_group_key(op), len(self.groups))
        self.constraints: list[z3.BoolRef] = []
        self.count = 0

    def position(self, tag: str, level: int) -> dict[str, z3.BoolRef]:
        """Predicate variables of a position (``tag`` names it) with its constraints added."""
        self.count += 1
        p = self.program
        env = {q: z3.Bool(f"{tag}.{q}") for q in p.symbol_predicates}
        self.constraints.append(z3.PbEq([(v, 1) for v in env.values()], 1))
        attended: dict[int, tuple[z3.BoolRef, dict[str, z3.BoolRef]] | None] = {}
        for op in p.ops:
            out = z3.Bool(f"{tag}.{op.name}")
            env[op.name] = out
            if isinstance(op, PositionOp):
                self.constraints.append(out == formula_to_z3(op.formula, env, env))
                continue
            assert isinstance(op, AttentionOp)
            if level >= self.depth:
                continue  # free at the deepest level
            g = self.groups[_group_key(op)]
            if g not in attended:
                attended[g] = None  # filled lazily: the attended position needs all predicates declared
            attended[g] = attended[g] or self._attend(tag, g, level)
            found, other = attended[g]
            self.constraints.append(z3.Implies(found, formula_to_z3(op.score, env, other)))
            self.constraints.append(out == z3.If(found, formula_to_z3(op.value, env, other), formula_to_z3(op.default, env, env)))
        return env

    def _attend(self, tag: str, g: int, level: int) -> tuple[z3.BoolRef, dict[str, z3.BoolRef]]:
        found = z3.Bool(f"{tag}.found{g}")
        return found, self.position(f"{tag}.o{g}", level + 1)


def prove_empty(
    program: Program,
    depth: int = 1,
    witness: Sequence[str] | None = None,
    bmc_max_len: int = 0,
    witness_search: Callable[[], Sequence[str] | None] | None = None,
) -> EmptinessReport:
    """Try to prove ``program`` accepts no word (module docstring). When it cannot: use ``witness`` (if
    given and accepted by the interpreter), else ``witness_search()``, else bounded model checking
    (:func:`proofs_check.certify.bmc.bmc_program_accepts`) up to ``bmc_max_len``."""
    if depth < 0:
        raise ParameterError(f"depth must be ≥ 0, got {depth}")
    start = time.perf_counter()
    ab = _Abstraction(program, depth)
    env = ab.position("i", 0)
    solver = z3.Solver()
    solver.add(ab.constraints)
    values = []
    for name in (*program.symbol_predicates, *(op.name for op in program.ops)):
        vals = tuple(v for v in (False, True) if solver.check(env[name] == z3.BoolVal(v)) == z3.sat)
        values.append((name, vals))
    empty = True not in dict(values)[program.output]
    word: Word | None = None
    source = ""
    if not empty:
        candidates: list[tuple[str, Callable[[], Sequence[str] | None]]] = []
        if witness is not None:
            candidates.append(("given", lambda: witness))
        if witness_search is not None:
            candidates.append(("search", witness_search))
        if bmc_max_len > 0:
            candidates.append((f"bounded model checking ≤ {bmc_max_len}",
                               lambda: bmc_program_accepts(program, bmc_max_len).word))
        for label, make in candidates:
            w = make()
            if w is not None and _accepted(program, w):
                word, source = tuple(w), label
                break
    return EmptinessReport(program.name, empty, depth, len(ab.groups), tuple(values), word, source,
                           time.perf_counter() - start)


def _accepted(program: Program, word: Sequence[str]) -> bool:
    if not word:
        return False
    codes = encode_word(word, program.alphabet).reshape(1, -1)
    return bool(np.asarray(interpreter.accepts(program, codes))[0])


__all__ = ["prove_empty", "EmptinessReport"]
