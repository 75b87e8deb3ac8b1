"""The packed form of a Lemma 9 network: the same function, far fewer layers.

Semantics-preserving optimisations of [BCL] Lemma 9's construction (THEORY §2):
* n-ary ∧ as one unit ReLU(Σx − (n−1)); n-ary ∨ as 1 − ReLU(1 − Σx); ¬ is free (1 − x, folded into the
  affine maps that read it) — so a predicate is an affine expression of ReLU units, never copied;
* every gate is scheduled as soon as its inputs exist (ASAP levels), so independent gates and
  operations share layers (several ReLUs per layer: the feed-forward variant of the model);
* the affine maps of a level are merged into the C map of that level's UHA layer, and the score's
  1 − S, 1 − P_k live in A and B directly;
* a coordinate is projected away after its last use.
Each level is one UHA layer (with the level's attention, if any) followed by one ReLU layer.

Because the attended vector is zero when no position is unmasked, R is guarded by
"the attended vector is a position": Σ_a Q_a(o) = 1 (the one-hot embedding).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count

from constructions.brasp.formula import And, Const, Formula, Not, Or, Pred, atoms, conj, disj, flip_side, iff, neg
from constructions.brasp.program import AttentionOp, PositionOp, Program
from constructions.uhat.builder import ATT, AttentionSpec, Lin, NetworkBuilder
from constructions.uhat.form import split_score
from constructions.uhat.model import UHAT


@dataclass
class _Level:
    attention: AttentionSpec | None = None
    rows: dict[str, Lin] = field(default_factory=dict)  # gates' pre-activations and copies
    relu: list[str] = field(default_factory=list)


class _Packed:
    def __init__(self, program: Program) -> None:
        self.program = program
        self.symbols = [f"Q_{a}" for a in program.alphabet]
        self.avail: dict[str, int] = {q: 0 for q in self.symbols}
        self.levels: dict[int, _Level] = {}
        self.att_level: dict[str, int] = {}  # '@'-scope tag -> its attention level
        self.fresh = count()
        self.gate_cache: dict[tuple[Lin, str, int | None], Lin] = {}
        self.op_levels: dict[str, int] = {}  # attention op name -> its level (one attention per level)

    def level(self, k: int) -> _Level:
        return self.levels.setdefault(k, _Level())

    # -- gates ---------------------------------------------------------------------------
    def _ready(self, lin: Lin) -> int:
        return max([0, *(self.avail[n] for n in lin.names() if not n.startswith(ATT))])

    def _gate(self, pre: Lin, scope: int | None, kind: str) -> Lin:
        """A ReLU unit on ``pre``; ``scope`` is the attention level whose '@' terms ``pre`` reads."""
        key = (pre, kind, scope if any(n.startswith(ATT) for n in pre.names()) else None)
        if key in self.gate_cache:
            return self.gate_cache[key]
        at = self._ready(pre)
        if scope is not None and any(n.startswith(ATT) for n in pre.names()):
            if at > scope:  # the attended vector is gone by then: read copies made at ``scope``
                pre = self._materialise(pre, scope)
                at = self._ready(pre)
            else:
                at = scope
        name = f"_{kind}{next(self.fresh)}"
        lvl = self.level(at)
        lvl.rows[name] = pre
        lvl.relu.append(name)
        self.avail[name] = at + 1
        self.gate_cache[key] = Lin.of(name)
        return Lin.of(name)

    def _materialise(self, lin: Lin, scope: int) -> Lin:
        parts = []
        for n, v in lin.terms:
            if n.startswith(ATT):
                cp = f"_cp{scope}{n}"
                if cp not in self.avail:
                    self.level(scope).rows[cp] = Lin.of(n)
                    self.avail[cp] = scope + 1
                parts.append((v, Lin.of(cp)))
            else:
                parts.append((v, Lin.of(n)))
        return Lin.combine(parts, lin.const)

    def lin(self, f: Formula, env: dict[tuple[str, str], Lin], scope: int | None = None) -> Lin:
        """The 0/1 value of ``f`` as an affine expression of units (creating gates as needed)."""
        if isinstance(f, Pred):
            return env[(f.name, f.side)]
        if isinstance(f, Const):
            return Lin.constant(int(f.value))
        if isinstance(f, Not):
            return self.lin(f.arg, env, scope).neg()
        args = [self.lin(a, env, scope) for a in f.args]
        if len(args) == 1:
            return args[0]
        if isinstance(f, And):
            return self._gate(Lin.combine([(1, a) for a in args], -(len(args) - 1)), scope, "and")
        if isinstance(f, Or):
            unit = self._gate(Lin.combine([(-1, a) for a in args], 1), scope, "nor")
            return unit.neg()
        raise TypeError(f)

    # -- operations ----------------------------------------------------------------------
    def values(self) -> dict[str, Lin]:
        """Every predicate → the affine expression over unit names that holds it (gates built on the way)."""
        values: dict[str, Lin] = {q: Lin.of(q) for q in self.symbols}
        for op in self.program.ops:
            env = {(n, "i"): v for n, v in values.items()}
            if isinstance(op, PositionOp):
                values[op.name] = self.lin(op.formula, env)
            else:
                values[op.name] = self._attention(op, values, env)
        return values

    def run(self) -> UHAT:
        return self._emit(self.values()[self.program.output])

    def _attention(self, op: AttentionOp, values: dict[str, Lin], env) -> Lin:
        form = split_score(op)
        s = self.lin(flip_side(form.s_j, "i"), env)
        p_k = [values[k] for k in form.keys]
        # Σ_k [P_k(i)P_k(j) + (1−P_k(i))(1−P_k(j))] − (1 − S(j)) minus the i-only part Σ_k (1 − P_k(i)):
        # the same maximisers in every row, with |K| + 1 query/key rows instead of 2|K| + 1.
        query = tuple([*p_k, Lin.constant(1)])
        key = tuple(
            [*(Lin.combine([(2, p)]) for p in p_k), Lin.combine([(-1, p) for p in p_k] + [(1, s)], -1)]
        )
        s_i = self.lin(form.s_i, env)
        j_reads = [values[n] for n, side in atoms(op.value) if side == "j"]
        ready = max(self._ready(x) for x in (*query, *key, s_i, *j_reads))
        at = ready
        while self.level(at).attention is not None:
            at += 1
        self.level(at).attention = AttentionSpec(op.mask, op.tiebreak, query, key)
        self.op_levels[op.name] = at
        exists = Lin.combine([(1, Lin.of(ATT + q)) for q in self.symbols])
        j_env = {(n, "j"): v.attended() for n, v in values.items()}
        full = {**env, **j_env, ("_exists", "j"): exists, ("_S", "j"): s.attended()}
        r = conj(
            Pred("_exists", "j"),
            Pred("_S", "j"),
            *(iff(Pred(k, "i"), Pred(k, "j")) for k in form.keys),
            form.s_i,
        )
        full[("_R", "i")] = self.lin(r, full, scope=at)
        out = disj(conj(Pred("_R"), op.value), conj(neg(Pred("_R")), op.default))
        return self.lin(out, full, scope=at)

    # -- layout --------------------------------------------------------------------------
    def _emit(self, output: Lin) -> UHAT:
        last_use: dict[str, float] = {}
        end = max([*self.levels, -1]) + 1
        for k, lvl in self.levels.items():
            reads = [*lvl.rows.values()]
            if lvl.attention:
                reads += [*lvl.attention.query, *lvl.attention.key]
            for lin in reads:
                for n in lin.names():
                    n = n[1:] if n.startswith(ATT) else n
                    last_use[n] = max(last_use.get(n, -1), k)
        for n in output.names():
            last_use[n] = float("inf")
        emitted = [k for k in range(end) if k in self.levels and (self.levels[k].rows or self.levels[k].attention)]
        need = [len(self.levels[k].attention.query) if self.levels[k].attention else 0 for k in emitted]
        pads = [f"_pad{n}" for n in range(max([0, *need]))]
        width0 = len(self.symbols)
        b = NetworkBuilder(self.program.alphabet, "packed", names=self.symbols + pads[: max(0, (need[:1] or [0])[0] - width0)])
        for e, k in enumerate(emitted):
            lvl = self.levels[k]
            keep = [n for n in b.names if last_use.get(n, -1) > k]
            rows = dict(lvl.rows)
            nxt = need[e + 1] if e + 1 < len(emitted) else 0
            for pad in pads[: max(0, nxt - len(keep) - len(rows))]:
                rows[pad] = Lin()  # a zero coordinate: A, B map R → R, so R ≥ #score rows
            b.uha(rows, keep=keep, attention=lvl.attention)
            b.relu(lvl.relu)
        return b.finish(output, self.program.accept_at)


def compile_packed(program: Program) -> UHAT:
    return _Packed(program).run()


def packed_values(program: Program) -> dict[str, Lin]:
    """Predicate name → the affine expression over coordinate names that holds it in
    ``compile_packed(program)`` (the same deterministic gate construction, without emitting layers)."""
    return _Packed(program).values()


def packed_attention_ops(program: Program) -> tuple[str, ...]:
    """The attention operations of ``program`` in the order of the attention layers of
    ``compile_packed(program)`` (each level holds at most one attention, levels are emitted in order)."""
    packer = _Packed(program)
    packer.values()
    return tuple(sorted(packer.op_levels, key=packer.op_levels.__getitem__))


__all__ = ["compile_packed", "packed_attention_ops", "packed_values"]
