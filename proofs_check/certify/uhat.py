"""z3 certificates that a compiled UHAT computes its B-RASP program for EVERY word length
([BCL] Lemma 9, THEORY §1–§2; docs/architecture.md).

:func:`certify_uhat` executes the network symbolically (:mod:`proofs_check.certify.uhat_spec`) on
Boolean variables standing for the program's predicates at one position i, and proves with z3, for every
operation P of the program (and the embedding and the acceptance vector), one *local* lemma:

* **embedding** — the coordinate of Q_a is 1 exactly when the symbol is a (one-hot; under "exactly one
  Q_a holds");
* **position-wise P := φ** — the affine maps and ReLU gates between P's inputs and P's coordinates
  compute ind(φ) for every Boolean assignment of the predicates (temporaries are whatever they are: only
  the coordinates that hold predicates are constrained);
* **attention P := ◀/▶_j[M, S] V : D**, compiled into the attention layer L (the layer whose attended
  variables P's coordinates read): (i) L's mask equals M; (ii) for a symbolic query i and two symbolic keys
  j, j': S(i,j) ∧ ¬S(i,j') ⇒ score(i,j) > score(i,j') and S(i,j) ∧ S(i,j') ⇒ score(i,j) = score(i,j');
  (iii) the layer's C and the gates after it give V(i,j) when the attended position j satisfies S, D(i)
  when it does not, and D(i) when the attended vector is the zero vector (no unmasked position);
  (iv) L's tie-break equals the operation's — or, if not, V cannot tell two qualifying keys apart;
* **acceptance** — ⟨t, v⟩ > 0 ⟺ the output predicate, at the same end of the word.

**Why these compose into a proof for all word lengths.** Fix a word of any length and a position i.
Induction over the layers: every coordinate's actual value equals its symbolic term evaluated at the
actual predicate values of i (and, for the attention layer L, of the attended position o_L(i), or with
``empty@L`` when nothing is unmasked). That is the definition of the symbolic execution for affine maps
and ReLUs — per-position values depend only on the position's own vector — and of hard attention for
the attended vector. Once P's lemma holds, P's coordinates equal P(i) at every position (the inductive
hypothesis for the next operations: Booleanity of every predicate coordinate is part of the lemma), so
re-pinning them to the variable P@i is an identity. For an attention op, (ii) says the maximal score among
unmasked positions is attained exactly by the positions with S(i,j) whenever one exists, all with equal
score, so with the same mask and tie-break (i) and (iv) the layer attends to exactly o(i); if none exists
it attends to *some* position with ¬S, or to the zero vector, and (iii) covers all three cases. Hence
P's coordinates hold P(i) at every position of every word; at the end (acceptance lemma) the network
accepts a word iff the program does. Nothing depends on the word length.

**Assumptions.** (1) Exact arithmetic in the model (rationals; whether a dtype is exact for a given
network is the precision audit's job, :mod:`constructions.uhat.precision`). (2) The program's
predicates are treated as independent Boolean variables — a stronger statement than needed (real words
realise only some assignments), which can only make the certificate refuse a correct network, never
accept a wrong one. (3) The placement of each predicate (:func:`~proofs_check.certify.uhat_spec.value_lins`)
is taken from the compiler; a wrong placement makes a lemma fail, it cannot make one pass.
(4) Lemmas are checked in the order their coordinates appear; each assumes the earlier ones (a refused
lemma's coordinates are still re-pinned, so the later entries localise further faults, but the whole
certificate is then REFUSED). (5) A network whose coordinates read the attended values of two attention layers at once, or feed an
attended value into another layer's keys, is reported ``unverified`` (the compilers never do this).

Sizes: one z3 query per embedding coordinate group, position op and acceptance; five or six per attention
op; each query has O(|φ|) Boolean variables (three positions' predicates for scores).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Sequence

import z3

from automata.errors import ParameterError
from constructions.brasp.program import AttentionOp, PositionOp, Program
from constructions.uhat.model import UHAT, AttentionLayer, ReLULayer
from proofs_check.certify.uhat_spec import (
    Sym,
    Unsupported,
    Vars,
    affine_all,
    lin_value,
    pin,
    relu,
    value_lins,
)

Verdict = str  # 'proved' | 'counterexample' | 'unverified'
ARROW = {"leftmost": "◀", "rightmost": "▶"}


@dataclass(frozen=True)
class Entry:
    """One lemma of the certificate."""

    op: str
    kind: str  # 'embedding' | 'position' | 'attention' | 'accept'
    layers: tuple[int, int]  # first and last layer (0 = the embedding) the lemma covers
    verdict: Verdict
    seconds: float
    detail: str = ""
    counterexample: tuple[tuple[str, str], ...] = ()  # z3 model: variable → value

    def line(self) -> str:
        a, b = self.layers
        where = f"layer {a}" if a == b else f"layer {a}–{b}"
        text = f"{where:<16} op {self.op} ({self.detail})" if self.detail else f"{where:<16} op {self.op}"
        out = f"{text}  {self.verdict}  {self.seconds:.2f} s"
        if self.counterexample:
            out += "\n    counterexample: " + ", ".join(f"{k}={v}" for k, v in self.counterexample)
        return out


@dataclass(frozen=True)
class Certificate:
    program: str
    model: str
    layers: int
    entries: tuple[Entry, ...]
    seconds: float

    @property
    def proved(self) -> bool:
        return all(e.verdict == "proved" for e in self.entries)

    @property
    def failures(self) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.verdict != "proved")

    def render(self) -> str:
        head = (
            f"z3 certificate: {self.program} → UHAT ({self.model}, {self.layers} layers): "
            f"{'PROVED for every word length' if self.proved else 'REFUSED'} "
            f"({len(self.entries)} lemmas, {self.seconds:.2f} s)"
        )
        return "\n".join([head, *("  " + e.line() for e in self.entries)])


class _Refuted(Exception):
    def __init__(self, what: str, model: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(what)
        self.what = what
        self.model = model


def _model(m: z3.ModelRef) -> tuple[tuple[str, str], ...]:
    out = []
    for d in m.decls():
        v = m[d]
        text = ("1" if z3.is_true(v) else "0") if z3.is_bool(v) else str(v)
        out.append((d.name(), text))
    return tuple(sorted(out))


def _refute(what: str, *facts: z3.BoolRef, timeout_ms: int) -> None:
    """Raise :class:`_Refuted` with a model if ``facts`` are satisfiable (i.e. the lemma fails)."""
    r = z3.unknown
    for make in _SOLVERS:  # a portfolio: z3's default solver is erratic on some of these queries
        s = make()
        s.set("timeout", timeout_ms)
        s.add(*facts)
        r = s.check()
        if r == z3.sat:
            raise _Refuted(what, _model(s.model()))
        if r == z3.unsat:
            return
    raise Unsupported(f"{what}: z3 answered {r}")


_SOLVERS = (
    lambda: z3.Then("simplify", "elim-term-ite", "smt").solver(),
    z3.Solver,
)


class _Certifier:
    def __init__(self, program: Program, net: UHAT, timeout_ms: int) -> None:
        if tuple(net.alphabet) != tuple(program.alphabet):
            raise ParameterError("certify_uhat: network and program have different alphabets")
        if len(net.names) != len(net.layers) + 1:
            raise ParameterError("certify_uhat: the network carries no coordinate names (net.names)")
        self.program, self.net, self.timeout = program, net, timeout_ms
        self.vs = Vars(program, net.is_integral())
        self.lins = value_lins(program, net.model == "packed")
        self.entries: list[Entry] = []
        self.saved: dict[int, list[Sym]] = {}  # attention layer → the stream entering it
        self.claimed: dict[int, str] = {}
        self.havoc: set[int] = set()  # attention layers that read attended-of-attended values
        self.since = 0

    # -- symbolic execution ---------------------------------------------------------------------------
    def _attended(self, k: int, coords: Sequence[Sym]):
        cache: dict[int, Sym] = {}
        g = f"L{k}"

        def read(c: int) -> Sym:
            if c not in cache:
                s = coords[c]
                if s.taint:  # the attended position's own attended values: unknown here — havoc it
                    self.havoc.add(k)
                    fresh = z3.Int(f"havoc@{g}#{c}") if self.vs.integral else z3.Real(f"havoc@{g}#{c}")
                    cache[c] = Sym(z3.If(self.vs.empty(g), self.vs.num(0), fresh), frozenset({k}))
                    return cache[c]
                cache[c] = Sym(z3.If(self.vs.empty(g), self.vs.num(0), self.vs.to_group(s.expr, g)), frozenset({k}))
            return cache[c]

        return read

    def _layer(self, k: int, layer, coords: list[Sym]) -> list[Sym]:
        if isinstance(layer, ReLULayer):
            out = list(coords)
            for c in layer.coords:
                out[c] = relu(out[c])
            return out
        assert isinstance(layer, AttentionLayer)
        r = layer.in_width
        if layer.attends:
            self.saved[k] = coords
            return affine_all(self.vs, layer.C, coords, self._attended(k, coords))
        return affine_all(self.vs, layer.C, coords[:r] + coords[:r], None)[: layer.out_width]

    def run(self) -> tuple[Entry, ...]:
        net, vs = self.net, self.vs
        one_hot = [Sym(vs.ind(vs.var(q, "i"))) for q in self.program.symbol_predicates]
        coords = affine_all(vs, net.embedding, one_hot)
        pending: list[str] = [*self.program.symbol_predicates, *(op.name for op in self.program.ops)]
        for k in range(len(net.layers) + 1):
            if k:
                coords = self._layer(k, net.layers[k - 1], coords)
            if k < len(net.layers) and isinstance(net.layers[k], ReLULayer):
                continue  # the block's ReLUs are not applied yet
            index = {n: c for c, n in enumerate(net.names[k])}
            ready = [p for p in pending if all(n in index for n in self.lins[p].names())]
            for p in ready:
                pending.remove(p)
                self._prove(p, k, index, coords)
            if ready:
                self.since = k + 1
        last = len(net.layers)
        for p in pending:
            self.entries.append(Entry(p, "position", (self.since, last), "unverified", 0.0,
                                      "its coordinates never appear in the network"))
        self._accept(coords, {n: c for c, n in enumerate(net.names[last])})
        return tuple(self.entries)

    # -- lemmas ---------------------------------------------------------------------------------------
    def _prove(self, p: str, k: int, index: dict[str, int], coords: list[Sym]) -> None:
        start = time.perf_counter()
        self.where: int | None = None
        op = None if p in self.program.symbol_predicates else self.program.op(p)
        kind = "embedding" if op is None else ("position" if isinstance(op, PositionOp) else "attention")
        first, detail, verdict, cex = (0 if op is None else self.since), "", "proved", ()
        value = lin_value(self.vs, self.lins[p], index, coords)
        try:
            if op is None:
                detail = "one-hot embedding"
                self._position(p, value, z3.BoolVal(True), self.vs.var(p, "i"))
            elif isinstance(op, PositionOp):
                detail = "position-wise"
                self._position(p, value, z3.BoolVal(True), self.vs.formula(op.formula, "i"))
            else:
                detail = f"attention {ARROW[op.tiebreak]}, {op.mask}"
                layer, extra = self._attention(op, value)
                detail += extra
                if layer is not None:
                    first = min(first, layer)
        except _Refuted as e:
            verdict, cex = "counterexample", e.model
            if isinstance(op, AttentionOp) and self.where is not None:
                detail += f", layer {self.where}"
                first = min(first, self.where)
            detail = f"{detail}; {e.what}" if detail else e.what
            if value.taint & self.havoc:
                verdict, cex = "unverified", ()
                detail += " (it reads an attended position's attended values, which the certificate cannot track)"
        except Unsupported as e:
            verdict, detail = "unverified", f"{detail}; {e}" if detail else str(e)
        try:
            pin(self.vs, p, self.lins[p], index, coords)
        except Unsupported as e:
            verdict = "unverified" if verdict == "proved" else verdict
            detail = f"{detail}; {e}"
        self.entries.append(Entry(p, kind, (min(first, k), k), verdict, time.perf_counter() - start, detail, cex))

    def _constraints(self, *groups: str) -> list[z3.BoolRef]:
        return [self.vs.onehot(g) for g in dict.fromkeys(("i", *groups))]

    def _position(self, p: str, value: Sym, guard: z3.BoolRef, target: z3.BoolRef) -> None:
        groups = [f"L{t}" for t in value.taint]
        _refute(f"{p}'s coordinate ≠ its formula", *self._constraints(*groups), guard,
                value.expr != self.vs.ind(target), timeout_ms=self.timeout)

    def _attention(self, op: AttentionOp, value: Sym) -> tuple[int | None, str]:
        vs, t = self.vs, self.timeout
        detail = ""
        if len(value.taint) > 1:
            raise Unsupported(f"{op.name} reads attention layers {sorted(value.taint)} at once")
        layer_k = next(iter(value.taint), None)
        g = f"L{layer_k}" if layer_k is not None else f"V{op.name}"
        if layer_k is not None:
            detail += f", layer {layer_k}"
            self.where = layer_k
            if layer_k in self.claimed:
                raise Unsupported(f"layer {layer_k} already implements {self.claimed[layer_k]}")
            self.claimed[layer_k] = op.name
            layer = self.net.layers[layer_k - 1]
            assert isinstance(layer, AttentionLayer)
            if layer.mask != op.mask:
                raise _Refuted(f"mask {layer.mask} ≠ the program's {op.mask}", (("mask", layer.mask),))
            self._scores(op, layer_k, layer)
        base = self._constraints(g)
        s_ij = vs.formula(op.score, "i", g)
        out, z = value.expr, vs.empty(g)
        _refute("attends to a qualifying j but outputs ≠ V(i, j)", *base, z3.Not(z), s_ij,
                out != vs.ind(vs.formula(op.value, "i", g)), timeout_ms=t)
        _refute("attends to a non-qualifying j but outputs ≠ D(i)", *base, z3.Not(z), z3.Not(s_ij),
                out != vs.ind(vs.formula(op.default, "i")), timeout_ms=t)
        _refute("no unmasked position (zero vector) but outputs ≠ D(i)", *self._constraints(), z,
                out != vs.ind(vs.formula(op.default, "i")), timeout_ms=t)
        if layer_k is not None and self.net.layers[layer_k - 1].tiebreak != op.tiebreak:  # type: ignore[union-attr]
            g2 = g + "'"
            other = vs.to_group(z3.substitute(out, *[(vs.var(n, g), vs.var(n, g2)) for n in vs.preds]), "i")
            _refute(f"tie-break {self.net.layers[layer_k - 1].tiebreak} ≠ the program's {op.tiebreak} "  # type: ignore[union-attr]
                    "and two qualifying keys give different outputs",
                    *self._constraints(g, g2), z3.Not(z), s_ij, vs.formula(op.score, "i", g2), out != other,
                    timeout_ms=t)
            detail += "; tie-break differs but V cannot tell qualifying keys apart"
        return layer_k, detail

    def _scores(self, op: AttentionOp, k: int, layer: AttentionLayer) -> None:
        vs, coords = self.vs, self.saved[k]
        query = affine_all(vs, layer.A, coords)
        key = affine_all(vs, layer.B, coords)
        if any(s.taint for s in key):
            raise Unsupported(f"layer {k}'s keys read attended values")
        g1, g2 = f"K{k}", f"K{k}'"

        def score(g: str) -> z3.ArithRef:
            terms = [q.expr * vs.to_group(b.expr, g) for q, b in zip(query, key) if not _zero(q) and not _zero(b)]
            return z3.Sum(*terms) if len(terms) > 1 else (terms[0] if terms else vs.num(0))

        base = self._constraints(g1, g2, *(f"L{t}" for q in query for t in q.taint))
        s1, s2 = vs.formula(op.score, "i", g1), vs.formula(op.score, "i", g2)
        sc1, sc2 = score(g1), score(g2)
        _refute(f"layer {k}: a key with S does not outscore a key without S", *base, s1, z3.Not(s2),
                sc1 <= sc2, timeout_ms=self.timeout)
        _refute(f"layer {k}: two keys with S have different scores", *base, s1, s2, sc1 != sc2,
                timeout_ms=self.timeout)

    def _accept(self, coords: list[Sym], index: dict[str, int]) -> None:
        start = time.perf_counter()
        last = len(self.net.layers)
        verdict, detail, cex = "proved", f"⟨t, v⟩ > 0 at the {self.net.accept_at} position", ()
        try:
            if self.net.accept_at != self.program.accept_at:
                raise _Refuted(f"accepts at the {self.net.accept_at} position, the program at the "
                               f"{self.program.accept_at}", (("accept_at", self.net.accept_at),))
            (s,) = affine_all(self.vs, self.net.accept, coords)
            out = self.vs.pred(self.program.output, "i")
            _refute("⟨t, v⟩ > 0 differs from the output predicate", *self._constraints(*(f"L{t}" for t in s.taint)),
                    (s.expr > 0) != out, timeout_ms=self.timeout)
        except _Refuted as e:
            verdict, detail, cex = "counterexample", e.what, e.model
        except Unsupported as e:
            verdict, detail = "unverified", str(e)
        self.entries.append(Entry("accept", "accept", (last, last), verdict, time.perf_counter() - start, detail, cex))


def _zero(s: Sym) -> bool:
    e = z3.simplify(s.expr)
    return z3.is_int_value(e) and e.as_long() == 0 or z3.is_rational_value(e) and e.as_fraction() == 0


def certify_uhat(program: Program, net: UHAT, timeout_ms: int = 60_000) -> Certificate:
    """Prove with z3 that ``net`` (``compile_lemma9(program, packed=...)``) computes ``program`` for every
    word length; a refused lemma carries z3's counterexample (an assignment of predicate values)."""
    start = time.perf_counter()
    entries = _Certifier(program, net, timeout_ms).run()
    return Certificate(program.name, net.model, len(net.layers), entries, time.perf_counter() - start)



def counterexample_word(program: Program, net: UHAT, max_len: int = 8):
    """The shortest (then least) word of length ≤ ``max_len`` on which the B-RASP interpreter and the
    network (float64 torch backend, exact for these integral networks) disagree, or None — turns a
    refused lemma's assignment into a concrete word when one exists within the bound."""
    from proofs_check.deciders import program_decider, uhat_decider
    from proofs_check.exhaustive import exhaustive_check

    deciders = [program_decider(program), uhat_decider(net, "UHAT")]
    return exhaustive_check(program.alphabet, deciders, max_len).disagreement


__all__ = ["Certificate", "Entry", "certify_uhat", "counterexample_word"]
