"""Symbolic RNN certificates: invariants and the counter RNN proved against its reference without
listing states (issue 4 item 2; [BCL] §2.4 / Prop 1; the counter RNN of constructions/library/counter_rnn.py)."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Sequence

import z3

from automata.errors import ParameterError
from constructions.rnn.model import ElmanRNN


# ---- symbolic invariant (no enumeration of states) -------------------------------------------------


@dataclass(frozen=True)
class InvariantProof:
    """``proved``: ``Inv(h) := h ∈ {0,1}^D ∧ ⋀_g Σ_{u∈g} h_u ≤ 1`` holds at ``h0`` and every step keeps it."""

    units: int
    groups: tuple[tuple[str, ...], ...]
    proved: bool
    counterexample: tuple[dict[str, int], str] | None  # (a state satisfying Inv, symbol) that breaks it
    seconds: float
    claim: str = ""  # set by certify_counter_symbolic: the language-level statement proved

    def render(self) -> str:
        if self.claim:
            if self.proved:
                return f"{self.claim}\n  PROVED for every length (z3, symbolic reference state) [{self.seconds:.2f}s]"
            state, what = self.counterexample or ({}, "")
            return f"{self.claim}\n  NOT PROVED: obligation '{what}' fails at reference state {state} [{self.seconds:.2f}s]"
        head = (f"symbolic invariant: D = {self.units} units, all in {{0, 1}}, {len(self.groups)} exclusive "
                f"groups (largest {max((len(g) for g in self.groups), default=0)} units)")
        if self.proved:
            return f"{head}\n  PROVED inductive for every length (z3, over all 2^D candidate states) [{self.seconds:.2f}s]"
        state, sym = self.counterexample or ({}, "")
        on = ", ".join(k for k, v in state.items() if v) or "all units 0"
        return f"{head}\n  NOT INDUCTIVE: from a state with {on} reading {sym!r} [{self.seconds:.2f}s]"


def counter_invariant_groups(rnn: ElmanRNN) -> tuple[tuple[str, ...], ...]:
    """Exclusive groups of the counter RNN (:mod:`constructions.library.counter_rnn`): the position units
    (every unit that is not a register hold), and for each register ``R_j`` / ``L_C`` the units of its
    variable (read off the +1 entries of its hold unit's row of W)."""
    names = rnn.unit_names
    rows = rnn.W.rows()
    holds = [r for r, nm in enumerate(names) if nm.endswith(".hold")]
    groups = [tuple(nm for r, nm in enumerate(names) if r not in holds)]
    for r in holds:
        groups.append(tuple(names[c] for c, v in sorted(rows.get(r, {}).items()) if v > 0))
    return tuple(groups)


def certify_invariant(rnn: ElmanRNN, groups: Sequence[Sequence[str]]) -> InvariantProof:
    """Prove with z3, symbolically in the hidden state, that ``Inv`` (see :class:`InvariantProof`) is
    inductive: the bit-vector abstraction of THEORY §5's Prop 1 (precision k = 1) for every length, with
    the exclusivity relations the construction documents. Sizes: D Boolean-valued integer variables."""
    start = time.perf_counter()
    if not rnn.is_integral():
        raise ParameterError("the symbolic invariant needs an integral RNN")
    index = {nm: r for r, nm in enumerate(rnn.unit_names)}
    try:
        gidx = [[index[nm] for nm in g] for g in groups]
    except KeyError as err:
        raise ParameterError(f"unknown unit {err.args[0]!r} in an exclusive group") from None
    d = rnn.units
    h = [z3.Int(f"h{r}") for r in range(d)]

    def inv(xs) -> z3.BoolRef:
        return z3.And([z3.And(x >= 0, x <= 1) for x in xs] + [z3.Sum([xs[r] for r in g]) <= 1 for g in gidx if g])

    h0 = [int(v) for v in rnn.h0]
    holds0 = all(v in (0, 1) for v in h0) and all(sum(h0[r] for r in g) <= 1 for g in gidx)
    if not holds0:
        return InvariantProof(d, tuple(map(tuple, groups)), False, (dict(zip(rnn.unit_names, h0)), ""), 0.0)
    rows, ub, u_rows = rnn.W.rows(), rnn.bias(), rnn.U.rows()
    for a, sym in enumerate(rnn.alphabet):
        nxt = []
        for r in range(d):
            pre = z3.Sum([z3.IntVal(int(ub[r] + u_rows.get(r, {}).get(a, 0)))]
                         + [int(v) * h[c] for c, v in rows.get(r, {}).items()])
            nxt.append(z3.If(pre > 0, pre, 0) if rnn.activation == "relu" else
                       (z3.If(pre > 0, 1, 0) if rnn.activation == "heaviside" else z3.If(pre > 1, 1, z3.If(pre > 0, pre, 0))))
        solver = z3.Solver()
        solver.add(inv(h), z3.Not(inv(nxt)))
        if solver.check() == z3.sat:
            m = solver.model()
            state = {nm: m.eval(h[r], model_completion=True).as_long() for r, nm in enumerate(rnn.unit_names)}
            return InvariantProof(d, tuple(map(tuple, groups)), False, (state, sym), time.perf_counter() - start)
    return InvariantProof(d, tuple(map(tuple, groups)), True, None, time.perf_counter() - start)


def _z3_step(rnn: ElmanRNN, h: Sequence, a: int) -> list:
    rows, ub, u_rows = rnn.W.rows(), rnn.bias(), rnn.U.rows()
    out = []
    for r in range(rnn.units):
        pre = z3.Sum([z3.IntVal(int(ub[r] + u_rows.get(r, {}).get(a, 0)))] + [int(v) * h[c] for c, v in rows.get(r, {}).items()])
        out.append(z3.If(pre > 0, pre, 0))
    return out


def certify_counter_symbolic(task, rnn: ElmanRNN | None = None) -> InvariantProof:
    """Prove ``L(counter RNN) = L(task)`` for **every length** with the reference state kept symbolic
    (block value ``v`` a bit-vector of n+1 bits, position ``p``, latest letter ``x``): no enumeration of
    the ``Θ(2^n·n)`` states. Relation: a live reference state ``s`` ↔ the exact vector ``enc(s)`` the
    construction documents (one position unit, registers ``R_j`` = bit j of v (read) or v−1 (not yet read),
    ``L_C`` = [x ∈ C], a register's hold unit 0 in the step that rewrites it); the reference's dead state ↔
    every ``h`` with :func:`certify_invariant`'s ``Inv`` and not **Live** (Live: a start/P0/Z/letter/last-slot
    unit, an E unit at slot t with some later R_j = 0, or an F unit with all later R_j = 1 — the runs that
    can still complete the increment). z3 proves ``h0 = enc(start)``; one step maps ``enc(s)`` to
    ``enc(δ(s, a))`` or into the dead class; the dead class is closed; readout > 0 exactly on accepting
    states. ``task``: a :class:`tasks.counter.CounterTask` (default H only: the unit names it reads)."""
    from constructions.library.counter_rnn import counter_rnn_for, letter_structure
    from tasks.counter import LETTERS

    start = time.perf_counter()
    rnn = rnn or counter_rnn_for(task)
    n, full = task.n, task.variant == "full"
    names = rnn.unit_names
    ix = {nm: r for r, nm in enumerate(names)}
    classes, groups = letter_structure(LETTERS, task.relation)
    claim = (f"counter RNN (D = {rnn.units}) ≡ counter(n={n}, {task.variant}) reference, whose "
             f"{(n + 2) * 2 ** (n + 1) - n} minimal-DFA states are never listed")
    h = [z3.Int(f"h{r}") for r in range(rnn.units)]
    v, p, x = z3.BitVec("v", n + 1), z3.Int("p"), z3.Int("x")  # x: −1 none, 0 a, 1 b, 2 c
    top = z3.BitVecVal(1 << n, n + 1)

    def bit(val, j):  # slot j, most significant first
        return z3.Extract(n - 1 - j, n - 1 - j, val) == 1

    def eqpre(val, t):
        return z3.LShR(val, n - t) == z3.LShR(val - 1, n - t)

    def inx(val, letters):
        return z3.Or([val == LETTERS.index(y) for y in letters])

    def enc(v, p, x) -> dict[str, z3.BoolRef]:
        pos = z3.UGE(v, 1)
        e = {"start": z3.And(v == 0, p == 0), "P0": z3.And(pos, p == 0)}
        for t in range(1, n + 1):
            tag = str(t) if t < n else "n"
            e[f"z{tag}"] = z3.And(p == t, v == 0)
            if t < n:
                for b in (0, 1):
                    e[f"e{tag}.{b}"] = z3.And(p == t, pos, eqpre(v, t), bit(v, t - 1) == (b == 1))
            e[f"f{tag}.flip"] = z3.And(p == t, pos, eqpre(v, t - 1), z3.Not(eqpre(v, t)))
            if t >= 2:
                e[f"f{tag}.F"] = z3.And(p == t, pos, z3.Not(eqpre(v, t - 1)))
        for j in range(n):
            val = z3.If(p > j, bit(v, j), z3.And(pos, bit(v - 1, j)))
            e[f"R{j}.hold"] = z3.And(p != j + 1, val)
        for ys, _, _ in groups:
            e["letter." + "".join(ys)] = z3.And(p == n + 1, inx(x, ys))
        for cname, members in classes.items():
            e[f"L{cname}.hold"] = z3.And(p != n + 1, inx(x, members))
        if set(e) != set(names):
            raise ParameterError(f"unexpected counter RNN units: {sorted(set(names) ^ set(e))}")
        return e

    def is_enc(hs, v, p, x):
        e = enc(v, p, x)
        return z3.And([hs[ix[nm]] == z3.If(e[nm], 1, 0) for nm in names])

    def live(hs):
        regs = [z3.Sum([hs[ix[u]] for u in g]) for g in counter_invariant_groups(rnn)[1:1 + n]]
        always = ["start", "P0", "zn", "fn.flip", "fn.F", *(f"z{t}" for t in range(1, n)),
                  *(f"letter.{''.join(ys)}" for ys, _, _ in groups)]
        opts = [hs[ix[u]] == 1 for u in always if u in ix]
        for t in range(1, n):
            ee = z3.Sum([hs[ix[f"e{t}.{b}"]] for b in (0, 1)])
            ff = z3.Sum([hs[ix[u]] for u in (f"f{t}.flip", f"f{t}.F") if u in ix])
            opts.append(z3.And(ee == 1, z3.Or([regs[j] == 0 for j in range(t, n)])))
            opts.append(z3.And(ff == 1, z3.And([regs[j] == 1 for j in range(t, n)])))
        return z3.Or(opts)

    ginv = [[ix[u] for u in g] for g in counter_invariant_groups(rnn)]

    def inv(hs):
        return z3.And([z3.And(y >= 0, y <= 1) for y in hs] + [z3.Sum([hs[r] for r in g]) <= 1 for g in ginv])

    reach = z3.And(z3.ULE(v, top), p >= 0, p <= n + 1, x >= -1, x <= 2, z3.Implies(v == top, p == 0),
                   (x == -1) == z3.And(v == 0, p <= n))
    t_acc = rnn.readout.rows().get(0, {})
    score = z3.Sum([z3.IntVal(int(rnn.readout.bias_dict().get(0, 0)))] + [int(w) * h[c] for c, w in t_acc.items()])
    accepting = z3.And(p == 0, v == top if full else z3.UGE(v, 1))

    def fail(sym: str, *facts) -> InvariantProof | None:
        s = z3.Solver()
        s.add(*facts)
        if s.check() == z3.sat:
            m = s.model()
            st = {"v": m.eval(v, model_completion=True).as_long(), "p": m.eval(p, model_completion=True).as_long(),
                  "x": m.eval(x, model_completion=True).as_long()}
            return InvariantProof(rnn.units, (), False, (st, sym), time.perf_counter() - start, claim)
        return None

    h0 = [int(c) for c in rnn.h0]
    e0 = enc(z3.BitVecVal(0, n + 1), z3.IntVal(0), z3.IntVal(-1))
    checks = [("start", z3.Or([z3.simplify(z3.If(e0[nm], 1, 0)) != h0[ix[nm]] for nm in names])),
              ("readout", z3.And(reach, z3.Not(z3.And(v == 0, p == 0)), is_enc(h, v, p, x), (score > 0) != accepting)),
              ("readout", z3.And(inv(h), z3.Not(live(h)), score > 0))]
    for label, fact in checks:
        bad = fail(label, fact)
        if bad:
            return bad
    rel = {(x_, y_) for x_, y_ in task.relation}
    for a, sym in enumerate(rnn.alphabet):
        if sym in "01":
            ok = z3.Or([z3.And(p == j, bit(v, j) == (sym == "1")) for j in range(n)])
            nv, np_, nx = v, p + 1, x
        elif sym in LETTERS:
            ok = z3.And(p == n, z3.Or(x == -1, inx(x, [y for y in LETTERS if (y, sym) in rel] or ["?"])))
            nv, np_, nx = v, z3.IntVal(n + 1), z3.IntVal(LETTERS.index(sym))
        else:
            ok = p == n + 1
            nv, np_, nx = v + 1, z3.IntVal(0), x
        ok = z3.And(v != top, ok)
        nh = _z3_step(rnn, h, a)
        target = z3.If(ok, z3.And(is_enc(nh, nv, np_, nx), z3.substitute(reach, (v, nv), (p, np_), (x, nx))),
                       z3.And(inv(nh), z3.Not(live(nh))))
        for label, fact in ((f"step {sym}", z3.And(reach, is_enc(h, v, p, x), z3.Not(target))),
                            (f"dead step {sym}", z3.And(inv(h), z3.Not(live(h)), z3.Not(z3.And(inv(nh), z3.Not(live(nh))))))):
            bad = fail(label, fact)
            if bad:
                return bad
    return InvariantProof(rnn.units, (), True, None, time.perf_counter() - start, claim)


__all__ = ["InvariantProof", "certify_invariant", "certify_counter_symbolic", "counter_invariant_groups"]
