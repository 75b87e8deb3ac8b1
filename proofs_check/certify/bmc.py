"""Bounded model checking with z3: UHATs, B-RASP programs and DFAs over symbolic words (docs/architecture.md).

A word of length L is ``L`` integer variables ``s_p ∈ 0..|Σ|−1`` (alphabet order). Encodings:

* **UHAT** ([BCL] §2, THEORY §1): the embedding is an ``ite`` table of ``s_p``; an attention layer at
  position n ranges over the positions its mask leaves (a fixed set, the mask depends on positions only);
  a selector ``sel(n, m)`` holds iff m's score ``⟨A v_n, B v_m⟩`` is maximal among them and no
  strictly-better-placed position (smaller m for leftmost, larger for rightmost) has the same score; the
  attended vector is the selected position's vector, the zero vector when no position is unmasked; the
  output is ``C(v_n, a_n)``; ReLU layers are ``ite(x > 0, x, 0)``. Exact integer (or rational) arithmetic.
* **B-RASP** ([YCA], THEORY §2): one Boolean per predicate and position; an attention is an ``ite`` chain
  over the unmasked positions in tie-break order (value of the first selectable one, else the default).
* **DFA**: state variables ``q_0 = start``, ``q_{p+1} = δ(q_p, s_p)`` (a table; −1 = the dead sink).

Searches iterate ``L = 1, 2, …, max_len`` (shortest) and then fix the symbols greedily, position by
position, to the least one that keeps the query satisfiable (push/pop) — **shortest, then
lexicographically least**, the order :func:`proofs_check.exhaustive.exhaustive_check` reports.
Query size per length: UHAT ``O(layers · L² · width)`` terms, B-RASP ``O(ops · L² · |formula|)``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Sequence

import z3

from automata.alphabet import Word, show_word
from automata.dfa import DFA
from automata.errors import ParameterError
from constructions.brasp.formula import And, Const, Formula, Not, Or, Pred
from constructions.brasp.program import AttentionOp, PositionOp, Program
from constructions.exact import Affine
from constructions.uhat.model import UHAT, AttentionLayer, ReLULayer


@dataclass(frozen=True)
class BMCResult:
    """``word``: the shortest-then-least word found (None: none up to ``max_len``)."""

    question: str
    max_len: int
    word: Word | None
    verdicts: tuple[tuple[str, bool], ...]
    seconds: float

    @property
    def found(self) -> bool:
        return self.word is not None

    def render(self) -> str:
        if self.word is None:
            return f"BMC {self.question}: no word of length 1..{self.max_len} [{self.seconds:.2f}s]"
        v = ", ".join(f"{n}: {'accept' if b else 'reject'}" for n, b in self.verdicts)
        return (f"BMC {self.question}: {show_word(self.word)} (length {len(self.word)}) — {v} "
                f"[{self.seconds:.2f}s]")


# ---- encodings -----------------------------------------------------------------------------------------


def _num(v: Fraction, integral: bool):
    return z3.IntVal(int(v)) if integral else z3.RealVal(v)


def _apply(m: Affine, x: Sequence, integral: bool) -> list:
    rows = m.rows()
    bias = m.bias_dict()
    out = []
    for r in range(m.out_dim):
        terms = [(x[c] if v == 1 else (-x[c] if v == -1 else _num(v, integral) * x[c]))
                 for c, v in sorted(rows.get(r, {}).items())]
        b = bias.get(r, Fraction(0))
        if b != 0 or not terms:
            terms.append(_num(b, integral))
        out.append(terms[0] if len(terms) == 1 else z3.Sum(terms))
    return out


def _unmasked(mask: str, n: int, length: int) -> list[int]:
    test = {"none": lambda m: True, "j<i": lambda m: m < n, "j>i": lambda m: m > n,
            "j<=i": lambda m: m <= n, "j>=i": lambda m: m >= n}[mask]
    return [m for m in range(length) if test(m)]


def uhat_accepts_formula(net: UHAT, syms: Sequence, solver: z3.Solver, tag: str = "u") -> z3.BoolRef:
    """The net's acceptance of the symbolic word ``syms`` (auxiliary definitions go into ``solver``)."""
    integral = net.is_integral()
    mk = z3.Int if integral else z3.Real
    length = len(syms)
    emb = net.embedding.rows()
    vs = []
    for p, s in enumerate(syms):
        vec = []
        for r in range(net.embedding.out_dim):
            col = emb.get(r, {})
            expr = _num(Fraction(0), integral)
            for a in range(len(net.alphabet)):
                if col.get(a, 0) != 0:
                    expr = z3.If(s == a, _num(col[a], integral), expr)
            vec.append(expr)
        vs.append(vec)
    for k, layer in enumerate(net.layers):
        if isinstance(layer, ReLULayer):
            coords = set(layer.coords)
            vs = [[z3.If(x > 0, x, _num(Fraction(0), integral)) if r in coords else x for r, x in enumerate(v)]
                  for v in vs]
            continue
        assert isinstance(layer, AttentionLayer)
        new = []
        if layer.attends:
            qs = [_apply(layer.A, v, integral) for v in vs]
            ks = [_apply(layer.B, v, integral) for v in vs]
        for n in range(length):
            if layer.attends:
                cand = _unmasked(layer.mask, n, length)
                scores = []
                for m in cand:
                    sc = mk(f"{tag}.L{k}.score{n}_{m}")
                    solver.add(sc == z3.Sum([_num(Fraction(0), integral)] + [a * b for a, b in zip(qs[n], ks[m])]))
                    scores.append(sc)
                att = [_num(Fraction(0), integral)] * layer.in_width
                order = cand if layer.tiebreak == "rightmost" else list(reversed(cand))
                for idx_m in ([cand.index(m) for m in order]):  # innermost = the preferred position
                    m = cand[idx_m]
                    better = [scores[idx_m] > scores[o] if (o < idx_m) == (layer.tiebreak == "leftmost")
                              else scores[idx_m] >= scores[o] for o in range(len(cand)) if o != idx_m]
                    sel = z3.And(better) if better else z3.BoolVal(True)
                    att = [z3.If(sel, vs[m][r], att[r]) for r in range(layer.in_width)]
                out = _apply(layer.C, list(vs[n]) + att, integral)
            else:
                out = _apply(layer.C, list(vs[n]) + [_num(Fraction(0), integral)] * layer.in_width, integral)
            fresh = [mk(f"{tag}.L{k}.v{n}_{r}") for r in range(len(out))]
            solver.add([f == e for f, e in zip(fresh, out)])
            new.append(fresh)
        vs = new
    where = length - 1 if net.accept_at == "last" else 0
    return z3.Sum([_num(Fraction(0), integral)] + _apply(net.accept, vs[where], integral)) > 0


def formula_to_z3(f: Formula, at_i: dict, at_j: dict) -> z3.BoolRef:
    """A B-RASP formula as a z3 Boolean, atoms at i / j taken from ``at_i`` / ``at_j`` (name → z3 Bool)."""
    if isinstance(f, Const):
        return z3.BoolVal(f.value)
    if isinstance(f, Pred):
        return (at_i if f.side == "i" else at_j)[f.name]
    if isinstance(f, Not):
        return z3.Not(formula_to_z3(f.arg, at_i, at_j))
    if isinstance(f, (And, Or)):
        parts = [formula_to_z3(a, at_i, at_j) for a in f.args]
        return z3.And(parts) if isinstance(f, And) else z3.Or(parts)
    raise TypeError(f"not a formula: {f!r}")


def program_accepts_formula(program: Program, syms: Sequence, solver: z3.Solver, tag: str = "p") -> z3.BoolRef:
    """The program's acceptance of the symbolic word ``syms``."""
    length = len(syms)
    envs: list[dict] = [{q: s == a for a, q in enumerate(program.symbol_predicates)} for s in syms]
    for op in program.ops:
        for n in range(length):
            out = z3.Bool(f"{tag}.{op.name}.{n}")
            if isinstance(op, PositionOp):
                expr = formula_to_z3(op.formula, envs[n], envs[n])
            else:
                assert isinstance(op, AttentionOp)
                cand = _unmasked(op.mask, n, length)
                order = cand if op.tiebreak == "leftmost" else list(reversed(cand))
                expr = formula_to_z3(op.default, envs[n], envs[n])
                for m in reversed(order):  # the preferred position ends up outermost
                    expr = z3.If(formula_to_z3(op.score, envs[n], envs[m]), formula_to_z3(op.value, envs[n], envs[m]), expr)
            solver.add(out == expr)
        for n in range(length):
            envs[n][op.name] = z3.Bool(f"{tag}.{op.name}.{n}")
    return envs[-1 if program.accept_at == "last" else 0][program.output]


def dfa_accepts_formula(dfa: DFA, syms: Sequence, solver: z3.Solver, tag: str = "d") -> z3.BoolRef:
    """The DFA's acceptance of the symbolic word (missing transitions go to the dead state −1)."""
    q = z3.IntVal(dfa.start)
    for p, s in enumerate(syms):
        nxt = z3.IntVal(-1)
        for state in range(dfa.num_states):
            for a in range(len(dfa.alphabet)):
                target = int(dfa.delta[state, a])
                if target >= 0:
                    nxt = z3.If(z3.And(q == state, s == a), z3.IntVal(target), nxt)
        var = z3.Int(f"{tag}.q{p + 1}")
        solver.add(var == nxt)
        q = var
    acc = [q == state for state in range(dfa.num_states) if dfa.accepting[state]]
    return z3.Or(acc) if acc else z3.BoolVal(False)


# ---- search --------------------------------------------------------------------------------------------

Builder = Callable[[Sequence, z3.Solver], list]  # returns the acceptance formulas of the compared parties


def _search(alphabet: Sequence[str], names: Sequence[str], build: Builder, goal: Callable[[list], z3.BoolRef],
            max_len: int, question: str) -> BMCResult:
    if max_len < 1:
        raise ParameterError("max_len must be at least 1")
    start = time.perf_counter()
    k = len(alphabet)
    for length in range(1, max_len + 1):
        syms = [z3.Int(f"s{p}") for p in range(length)]
        solver = z3.Solver()
        solver.add([z3.And(s >= 0, s < k) for s in syms])
        accs = build(syms, solver)
        solver.add(goal(accs))
        if solver.check() != z3.sat:
            continue
        for s in syms:  # lexicographically least: fix each symbol to the least feasible one
            for a in range(k):
                if a == k - 1 or solver.check(s == a) == z3.sat:
                    solver.add(s == a)
                    break
        assert solver.check() == z3.sat
        model = solver.model()
        word = tuple(alphabet[model.eval(s).as_long()] for s in syms)
        verdicts = tuple((n, z3.is_true(model.eval(acc, model_completion=True))) for n, acc in zip(names, accs))
        return BMCResult(question, max_len, word, verdicts, time.perf_counter() - start)
    return BMCResult(question, max_len, None, (), time.perf_counter() - start)


def _same_alphabet(a: Sequence[str], b: Sequence[str]) -> None:
    if tuple(a) != tuple(b):
        raise ParameterError(f"alphabets differ: {' '.join(a)} vs {' '.join(b)}")


def bmc_uhat_vs_dfa(net: UHAT, dfa: DFA, max_len: int) -> BMCResult:
    """The shortest, then least, word of length ≤ ``max_len`` on which ``net`` and ``dfa`` differ."""
    _same_alphabet(net.alphabet, dfa.alphabet)
    return _search(net.alphabet, ("UHAT", "DFA"),
                   lambda syms, s: [uhat_accepts_formula(net, syms, s), dfa_accepts_formula(dfa, syms, s)],
                   lambda accs: accs[0] != accs[1], max_len, "UHAT ≠ DFA")


def bmc_program_vs_dfa(program: Program, dfa: DFA, max_len: int) -> BMCResult:
    """The shortest, then least, word on which the B-RASP program and ``dfa`` differ."""
    _same_alphabet(program.alphabet, dfa.alphabet)
    return _search(program.alphabet, ("B-RASP", "DFA"),
                   lambda syms, s: [program_accepts_formula(program, syms, s), dfa_accepts_formula(dfa, syms, s)],
                   lambda accs: accs[0] != accs[1], max_len, "B-RASP ≠ DFA")


def bmc_uhat_vs_program(net: UHAT, program: Program, max_len: int) -> BMCResult:
    """The shortest, then least, word on which a compiled network and its program differ."""
    _same_alphabet(net.alphabet, program.alphabet)
    return _search(net.alphabet, ("UHAT", "B-RASP"),
                   lambda syms, s: [uhat_accepts_formula(net, syms, s), program_accepts_formula(program, syms, s)],
                   lambda accs: accs[0] != accs[1], max_len, "UHAT ≠ B-RASP")


def bmc_uhat_accepts(net: UHAT, max_len: int) -> BMCResult:
    """The shortest, then least, word the network accepts."""
    return _search(net.alphabet, ("UHAT",), lambda syms, s: [uhat_accepts_formula(net, syms, s)],
                   lambda accs: accs[0], max_len, "UHAT accepts")


def bmc_program_accepts(program: Program, max_len: int) -> BMCResult:
    """The shortest, then least, word the B-RASP program accepts."""
    return _search(program.alphabet, ("B-RASP",), lambda syms, s: [program_accepts_formula(program, syms, s)],
                   lambda accs: accs[0], max_len, "B-RASP accepts")


__all__ = ["BMCResult", "bmc_uhat_vs_dfa", "bmc_program_vs_dfa", "bmc_uhat_vs_program", "bmc_uhat_accepts",
           "bmc_program_accepts", "uhat_accepts_formula", "program_accepts_formula", "dfa_accepts_formula"]
