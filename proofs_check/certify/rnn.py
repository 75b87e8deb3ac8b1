"""z3 certificates that an Elman RNN recognises exactly a DFA's language, for every word length.

THEORY §7 (RNN constructions) and §5 (Prop 1 of [BCL]: a finite-precision RNN *is* an automaton). A
certificate is a finite **invariant** ``S ⊆ Q × Q^D`` (DFA state, hidden vector) — the *encoding* of
each DFA state as the hidden vector(s) that represent it — together with a z3 proof of

1. **initiation**: every step from ``(q0, h0)`` lands in ``S``;
2. **consecution**: for every ``(q, h) ∈ S`` and every symbol ``a``: ``(δ(q, a), σ(W h + U e_a + b)) ∈ S``
   (ONE step maps ``enc(q)`` with ``a`` into ``enc(δ(q, a))``);
3. **readout**: for every ``(q, h) ∈ S``: ``⟨t, h⟩ + c > 0`` iff ``q`` is accepting.

By induction on the length, after any non-empty word ``w`` the pair (DFA state, RNN state) lies in ``S``,
so the RNN accepts ``w`` iff the DFA does — for all lengths at once. Missing DFA transitions go to an
explicit rejecting sink.

The encoding is computed (``encoding=None``) by a breadth-first search over the product, symbols in
alphabet order: the first reached pair whose readout disagrees with the DFA gives the **shortest, then
lexicographically least** counterexample word (the BFS path to the state plus the symbol), exactly the
word :func:`proofs_check.exhaustive.exhaustive_check` reports. A supplied encoding (``state → vectors``)
is checked as given; a z3 model of a failed step names ``(state, vector, symbol)`` and, where the pair is
reachable, a concrete word. ``functional`` says whether each state has exactly one vector (a function of
the state, e.g. the counter RNN's live states; the one-hot construction's unit ``[q, a]`` also remembers
the last symbol, and dead runs keep stale registers, so they are relations).

Sizes: ``|S|`` pairs (≤ m·2^(kD)); the z3 query per symbol has ``D`` variables and ``O(|S|·D)`` atoms.

Where the states are too many to list: :func:`certify_invariant` proves an inductive bit-level invariant
(every unit in {0, 1}, documented exclusive groups) symbolically in ``h``; :func:`certify_counter_symbolic`
proves the counter RNN (``6n + 3`` units) equivalent to :class:`tasks.counter.CounterAutomaton` with the
reference state ``(v, p, x)`` symbolic (``v`` a bit-vector): ``O(D)`` variables, no ``2^n`` enumeration.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping, Sequence

import numpy as np
import z3

from automata.alphabet import Word, show_word
from automata.dfa import DFA
from automata.errors import ParameterError, StateLimitError
from constructions.rnn.deep import DeepRNN
from constructions.rnn.model import ElmanRNN

Vector = tuple[Fraction, ...]
SINK = -1


@dataclass(frozen=True)
class RNNCounterexample:
    """A failed obligation: from ``state`` (with hidden vector ``hidden``) reading ``symbol``."""

    kind: str  # "readout" (RNN and DFA disagree after word) or "step" (encoding not closed)
    state: int
    hidden: Vector
    symbol: str
    word: Word | None  # BFS path to the pair + the symbol (None: the pair is not reachable)
    rnn_accepts: bool | None
    dfa_accepts: bool | None

    def __str__(self) -> str:
        w = "unreachable pair" if self.word is None else f"word {show_word(self.word)} (length {len(self.word)})"
        verdict = ""
        if self.rnn_accepts is not None:
            verdict = (f": RNN {'accepts' if self.rnn_accepts else 'rejects'}, DFA "
                       f"{'accepts' if self.dfa_accepts else 'rejects'}")
        return f"{self.kind} fails at state {self.state}, symbol {self.symbol!r} — {w}{verdict}"


@dataclass(frozen=True)
class RNNCertificate:
    """The invariant ``S`` and the verdict of the z3 proof (see the module docstring)."""

    units: int
    dfa_states: int
    alphabet: tuple[str, ...]
    pairs: tuple[tuple[int, Vector], ...]  # S (the initial pair not included)
    functional: bool
    max_vectors_per_state: int
    proved: bool
    counterexample: RNNCounterexample | None
    explore_seconds: float
    z3_seconds: float

    def encoding(self) -> dict[int, tuple[Vector, ...]]:
        out: dict[int, list[Vector]] = {}
        for q, h in self.pairs:
            out.setdefault(q, []).append(h)
        return {q: tuple(v) for q, v in out.items()}

    def render(self) -> str:
        head = (f"RNN certificate: D = {self.units} units vs DFA with {self.dfa_states} states over "
                f"{' '.join(self.alphabet)}; invariant |S| = {len(self.pairs)} (state, vector) pairs, "
                f"{'one vector per state' if self.functional else f'≤ {self.max_vectors_per_state} vectors per state'}")
        if self.proved:
            verdict = ("PROVED for every length (z3: initiation, one-step consecution for all (q, h) ∈ S and "
                       "all symbols, readout > 0 exactly on accepting states)")
        else:
            verdict = f"NOT PROVED: {self.counterexample}"
        return f"{head}\n  {verdict}\n  [explore {self.explore_seconds:.2f}s, z3 {self.z3_seconds:.2f}s]"


# ---- exact one-step semantics -----------------------------------------------------------------------


class _Stepper:
    def __init__(self, rnn: ElmanRNN) -> None:
        self.rnn = rnn
        self.integral = rnn.is_integral()

    def arr(self, vecs: Sequence[Vector]) -> np.ndarray:
        if self.integral:
            return np.array([[int(x) for x in v] for v in vecs], dtype=np.int64).T.reshape(self.rnn.units, -1)
        return np.array([list(v) for v in vecs], dtype=object).T.reshape(self.rnn.units, -1)

    def step(self, vecs: Sequence[Vector], symbol: int) -> list[Vector]:
        h = self.arr(vecs)
        out = self.rnn.step(h, np.full(len(vecs), symbol, dtype=np.int64))
        return [tuple(Fraction(x) for x in col) for col in out.T.tolist()]

    def accepting(self, vecs: Sequence[Vector]) -> list[bool]:
        return [bool(x) for x in self.rnn.accepting(self.arr(vecs))]


def _check_alphabets(rnn: ElmanRNN, dfa: DFA) -> None:
    if tuple(rnn.alphabet) != tuple(dfa.alphabet):
        raise ParameterError(f"RNN alphabet {' '.join(rnn.alphabet)} differs from the DFA's {' '.join(dfa.alphabet)}")


def _next(dfa: DFA, q: int, a: int) -> int:
    return SINK if q == SINK else int(dfa.delta[q, a])


def _acc(dfa: DFA, q: int) -> bool:
    return q != SINK and bool(dfa.accepting[q])


# ---- exploration -------------------------------------------------------------------------------------


@dataclass
class _Graph:
    nodes: list[tuple[int, Vector]]  # node 0 = the initial pair (q0, h0) before any symbol
    parent: list[tuple[int, int]]  # (parent node, symbol); node 0: (-1, -1)

    def word(self, node: int, alphabet: Sequence[str]) -> Word:
        out: list[str] = []
        while node > 0:
            node, a = self.parent[node]
            out.append(alphabet[a])
        return tuple(reversed(out))


def _explore(rnn: ElmanRNN, dfa: DFA, max_pairs: int, stop_on_mismatch: bool, target: tuple[int, Vector] | None = None):
    """BFS over the product, layer by layer (shortest-then-least paths). Returns (graph, mismatch node)."""
    st = _Stepper(rnn)
    g = _Graph([(dfa.start, tuple(rnn.h0))], [(-1, -1)])
    index: dict[tuple[int, Vector], int] = {}
    frontier = [0]
    k = len(rnn.alphabet)
    while frontier:
        new: list[int] = []
        vecs = [g.nodes[x][1] for x in frontier]
        succ = [st.step(vecs, a) for a in range(k)]
        for pos, x in enumerate(frontier):
            q = g.nodes[x][0]
            for a in range(k):
                key = (_next(dfa, q, a), succ[a][pos])
                if key in index:
                    continue
                index[key] = len(g.nodes)
                g.nodes.append(key)
                g.parent.append((x, a))
                new.append(index[key])
                if target is not None and key == target:
                    return g, index[key]
                if len(index) > max_pairs:
                    raise StateLimitError(f"the RNN × DFA product has more than {max_pairs} reachable pairs")
        if stop_on_mismatch or target is None:
            accs = st.accepting([g.nodes[x][1] for x in new]) if new else []
            for x, racc in zip(new, accs):
                if racc != _acc(dfa, g.nodes[x][0]) and stop_on_mismatch:
                    return g, x
        frontier = new
    return g, None


# ---- the z3 proof ------------------------------------------------------------------------------------


def _lit(v: Fraction, integral: bool) -> str:
    """An SMT-LIB numeral (the z3 queries are emitted as SMT-LIB text: building millions of z3 Python
    objects costs far more than the solving)."""
    v = Fraction(v)
    mag = abs(v)
    body = str(mag.numerator) if integral else f"(/ {mag.numerator}.0 {mag.denominator}.0)"
    return f"(- {body})" if v < 0 else body


def _sigma(x: str, activation: str, integral: bool) -> str:
    zero, one = _lit(Fraction(0), integral), _lit(Fraction(1), integral)
    if activation == "relu":
        return f"(ite (> {x} {zero}) {x} {zero})"
    if activation == "heaviside":
        return f"(ite (> {x} {zero}) {one} {zero})"
    return f"(ite (> {x} {one}) {one} (ite (> {x} {zero}) {x} {zero}))"


def _affine(consts: Fraction, terms: Sequence[tuple[Fraction, str]], integral: bool) -> str:
    parts = [_lit(consts, integral)] + [
        (x if v == 1 else f"(* {_lit(v, integral)} {x})") for v, x in terms]
    return parts[0] if len(parts) == 1 else f"(+ {' '.join(parts)})"


def _deep_step_terms(rnn: DeepRNN, a: int, integral: bool) -> list[str]:
    """SMT-LIB terms of one :class:`DeepRNN` step on symbol ``a`` over ``h0 … h(D−1)``: layer 1 reads
    (h, e_a) — the one-hot input folded into the constants — and each later layer the terms before it."""
    d = rnn.units
    xs = [f"h{c}" for c in range(d)]
    for i, layer in enumerate(rnn.layers):
        rows, bias = layer.affine.rows(), layer.affine.bias_dict()
        out = []
        for r in range(layer.affine.out_dim):
            row = rows.get(r, {})
            const = Fraction(bias.get(r, Fraction(0))) + (Fraction(row.get(d + a, 0)) if i == 0 else 0)
            terms = [(Fraction(v), xs[c]) for c, v in sorted(row.items()) if c < len(xs) and v != 0]
            out.append(_sigma(_affine(const, terms, integral), layer.activation, integral))
        xs = out
    return xs


def _z3_check(rnn: ElmanRNN, dfa: DFA, init: Vector, pairs: Sequence[tuple[int, Vector]], chunk: int = 32):
    """Prove initiation + consecution + readout; return None or (kind, pair index (-1 = init), symbol).

    The certificate names, for every source pair ``i`` and symbol ``a``, a witness target pair
    ``j(i, a)`` with ``q_j = δ(q_i, a)`` (found by hashing the exact numeric step); z3 then proves, per
    chunk of sources and per symbol, ``σ(W h + U e_a + b) = h_{j(i, a)}`` for every ``(k = i, h = h_i)``
    (the hidden vector as an ``ite`` table of the pair index ``k``), and the readout condition. A source
    without a witness is a failed step."""
    integral = rnn.is_integral() and all(x.denominator == 1 for _, h in pairs for x in h)
    d = rnn.units
    if not isinstance(rnn, DeepRNN):
        w_rows = rnn.W.rows()
        ub = rnn.bias()
        u_rows = rnn.U.rows()
    sources = [(dfa.start, init)] + list(pairs)  # source 0 = initial pair (readout exempt)
    where = {pv: i for i, pv in enumerate(pairs)}
    t = rnn.readout.rows().get(0, {})
    c = rnn.readout.bias_dict().get(0, Fraction(0))
    score = _affine(Fraction(c), [(v, f"h{col}") for col, v in sorted(t.items())], integral)
    if isinstance(rnn, DeepRNN):
        nxt = {a: _deep_step_terms(rnn, a, integral) for a in range(len(rnn.alphabet))}
    else:
        nxt = {a: [_sigma(_affine(ub[r] + u_rows.get(r, {}).get(a, Fraction(0)),
                                  [(v, f"h{col}") for col, v in sorted(w_rows.get(r, {}).items())], integral),
                          rnn.activation, integral) for r in range(d)] for a in range(len(rnn.alphabet))}
    st = _Stepper(rnn)
    witness: dict[int, list[Vector]] = {}
    for a in range(len(rnn.alphabet)):
        claimed = st.step([v for _, v in sources], a)  # the numeric run proposes the witnesses
        witness[a] = []
        for i, ((q, _), hv) in enumerate(zip(sources, claimed)):
            if (_next(dfa, q, a), hv) not in where:
                return "step", i - 1, a
            witness[a].append(pairs[where[(_next(dfa, q, a), hv)]][1])

    def table(values: Sequence[Vector], r: int, lo: int, hi: int) -> str:
        expr = _lit(values[hi - 1][r], integral)
        for i in range(hi - 2, lo - 1, -1):
            expr = f"(ite (= k {i}) {_lit(values[i][r], integral)} {expr})"
        return expr

    mk = z3.Int if integral else z3.Real
    decls = {"k": z3.Int("k"), **{f"h{r}": mk(f"h{r}") for r in range(d)}}

    def parse(text: str):
        return z3.parse_smt2_string(text, decls=decls)

    for lo in range(0, len(sources), chunk):  # short ite tables keep z3's case split cheap
        hi = min(lo + chunk, len(sources))
        src = f"(assert (and (>= k {lo}) (< k {hi})))\n" + "".join(
            f"(assert (= h{r} {table([v for _, v in sources], r, lo, hi)}))\n" for r in range(d))
        solver = z3.Solver()
        solver.add(parse(src))
        acc_ids = [i for i in range(max(lo, 1), hi) if _acc(dfa, sources[i][0])]
        acc = "(or " + " ".join(f"(= k {i})" for i in acc_ids) + " false)"
        solver.push()
        solver.add(parse(f"(assert (and (>= k 1) (not (= (> {score} {_lit(Fraction(0), integral)}) {acc}))))"))
        if solver.check() == z3.sat:
            return "readout", solver.model().eval(decls["k"]).as_long() - 1, None
        solver.pop()
        for a in range(len(rnn.alphabet)):
            solver.push()
            diff = " ".join(f"(not (= {nxt[a][r]} {table(witness[a], r, lo, hi)}))" for r in range(d))
            solver.add(parse(f"(assert (or {diff}))"))
            if solver.check() == z3.sat:
                return "step", solver.model().eval(decls["k"]).as_long() - 1, a
            solver.pop()
    return None


# ---- public API --------------------------------------------------------------------------------------


def _as_vector(v: Sequence[object], d: int) -> Vector:
    out = tuple(Fraction(x) for x in v)  # type: ignore[arg-type]
    if len(out) != d:
        raise ParameterError(f"an encoding vector has {len(out)} entries, the RNN has D = {d} units")
    return out


def certify_rnn(
    rnn: ElmanRNN,
    dfa: DFA,
    encoding: Mapping[int, Sequence[Sequence[object]]] | None = None,
    max_pairs: int = 200_000,
) -> RNNCertificate:
    """Certify ``L(rnn) = L(dfa)`` for all lengths (module docstring). ``encoding``: DFA state (−1 = the
    sink of missing transitions) → its hidden vectors; computed by product BFS when None. Raises
    :class:`ParameterError` on mismatched alphabets, :class:`StateLimitError` if the product is larger
    than ``max_pairs`` (the RNN is then not finite-state on this DFA's runs, or too big to list)."""
    _check_alphabets(rnn, dfa)
    d = rnn.units
    t0 = time.perf_counter()
    cex: RNNCounterexample | None = None
    if encoding is None:
        g, bad = _explore(rnn, dfa, max_pairs, stop_on_mismatch=True)
        pairs = list(dict.fromkeys(g.nodes[1:]))
        if bad is not None:
            parent, a = g.parent[bad]
            q, hv = g.nodes[parent]
            word = g.word(bad, rnn.alphabet)
            qn, hn = g.nodes[bad]
            cex = RNNCounterexample("readout", q, hv, rnn.alphabet[a], word,
                                    _Stepper(rnn).accepting([hn])[0], _acc(dfa, qn))
    else:
        pairs = list(dict.fromkeys((int(q), _as_vector(v, d)) for q, vs in encoding.items() for v in vs))
        for q, _ in pairs:
            if not (q == SINK or 0 <= q < dfa.num_states):
                raise ParameterError(f"encoding names state {q}; the DFA has states 0..{dfa.num_states - 1} (−1: sink)")
    t1 = time.perf_counter()
    if cex is None:
        fail = _z3_check(rnn, dfa, tuple(rnn.h0), pairs)
        if fail is not None:
            cex = _counterexample(rnn, dfa, pairs, fail, max_pairs)
    t2 = time.perf_counter()
    counts: dict[int, int] = {}
    for q, _ in pairs:
        counts[q] = counts.get(q, 0) + 1
    most = max(counts.values(), default=0)
    return RNNCertificate(d, dfa.num_states, tuple(rnn.alphabet), tuple(pairs), most <= 1, most, cex is None,
                          cex, t1 - t0, t2 - t1)


def _counterexample(rnn: ElmanRNN, dfa: DFA, pairs, fail, max_pairs: int) -> RNNCounterexample:
    kind, idx, a = fail
    q, hv = (dfa.start, tuple(rnn.h0)) if idx < 0 else pairs[idx]
    word: Word | None
    if idx < 0:
        word = ()
    else:
        try:
            g, node = _explore(rnn, dfa, max_pairs, stop_on_mismatch=False, target=(q, hv))
            word = None if node is None else g.word(node, rnn.alphabet)
        except StateLimitError:
            word = None
    st = _Stepper(rnn)
    if kind == "readout":
        return RNNCounterexample("readout", q, hv, "", word, st.accepting([hv])[0], _acc(dfa, q))
    full = None if word is None else word + (rnn.alphabet[a],)
    hn = st.step([hv], a)[0]
    return RNNCounterexample("step", q, hv, rnn.alphabet[a], full, st.accepting([hn])[0], _acc(dfa, _next(dfa, q, a)))


__all__ = ["certify_rnn", "RNNCertificate", "RNNCounterexample", "SINK"]
