"""z3 proofs, for every n, of the attention lemmas behind the retrieval transformers ([WDL] Thm 4.6).

Each construction of :mod:`constructions.library.retrieval_uhat` rests on a few facts about its heads'
scores; a fact is proved by asking z3 for a counterexample over **unbounded** integers (n, positions and
token values are symbolic: the proof covers every n at once) and getting ``unsat``:

* quadratic match: 2uv − v² ≤ u² − 1 for v ≠ u (Index's position match, every previous-token/offset head);
* offset heads: at position p the head with offset r attends max(p − r, 0), margin ≥ 1;
* AR: 2u·prev − prev² + prevkey − 1 is maximal (= u²) exactly at prevkey = 1 ∧ prev = u, margin ≥ 1;
* c-gram: L·Σ_s(2w_s x_s − x_s²) − p over positions 0 ≤ p < L: the first full match beats every other
  position by ≥ 1;
* Counting: the maximal set of 2uv − v² + u²·isbos is exactly {BOS} ∪ {v = u} (margin 1 outside), and
  M·(1/(t + 2) − 1/(c + 2)) with M = (n + 1)(n + 2) is ≥ 1 when c > t and ≤ 0 otherwise (0 ≤ c, t ≤ n);
* read-out: the logits 2wz − w² of an integral z put round(z) = z first by ≥ 1.

The link to the built network: :func:`head_scores_match` evaluates each built head's score on a
symbolic residual and proves it equal to the lemma's expression (for the n the network was built for).
A lemma with a planted error (:data:`BROKEN`) must be refuted with a concrete counterexample.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import z3

from automata.errors import ParameterError


@dataclass(frozen=True)
class LemmaResult:
    name: str
    statement: str
    proved: bool
    seconds: float
    counterexample: str = ""

    def line(self) -> str:
        verdict = "PROVED for every n" if self.proved else f"REFUTED: {self.counterexample}"
        return f"  {self.name:<28} {verdict} ({self.seconds:.2f} s) — {self.statement}"


def _prove(name: str, statement: str, build: Callable[[], tuple[list, z3.BoolRef]], timeout_ms: int = 60_000) -> LemmaResult:
    """``build`` returns (hypotheses, claim); proved iff hypotheses ∧ ¬claim is unsat."""
    t0 = time.perf_counter()
    hyps, claim = build()
    s = z3.Solver()
    s.set("timeout", timeout_ms)
    s.add(*hyps, z3.Not(claim))
    r = s.check()
    dt = time.perf_counter() - t0
    if r == z3.unsat:
        return LemmaResult(name, statement, True, dt)
    if r == z3.sat:
        m = s.model()
        cex = ", ".join(f"{d.name()} = {m[d]}" for d in sorted(m.decls(), key=lambda d: d.name()) if d.arity() == 0)
        return LemmaResult(name, statement, False, dt, cex)
    return LemmaResult(name, statement, False, dt, f"z3 gave up ({s.reason_unknown()})")


Ints = z3.Ints


def quadratic_match(q_scale: int = 2) -> tuple[list, z3.BoolRef]:
    u, v = Ints("u v")
    score = lambda x: q_scale * u * x - x * x  # noqa: E731
    return [u >= 0, v >= 0, v != u], score(u) - score(v) >= 1


def offset_head(r_min: int = 1) -> tuple[list, z3.BoolRef]:
    """Position p ≥ 1, offset r ≥ 1, candidates 0 ≤ j < p: the winner o = max(p − r, 0) beats j ≠ o by ≥ 1."""
    p, r, j = Ints("p r j")
    o = z3.If(p - r >= 0, p - r, 0)
    score = lambda x: 2 * (p - r) * x - x * x  # noqa: E731
    return [p >= 1, r >= r_min, j >= 0, j < p, j != o], score(o) - score(j) >= 1


def ar_match(prevkey_term: bool = True) -> tuple[list, z3.BoolRef]:
    u, prev, pk = Ints("u prev prevkey")
    score = 2 * u * prev - prev * prev + (pk - 1 if prevkey_term else 0)
    target = z3.And(pk == 1, prev == u)
    claim = z3.If(target, score == u * u, score <= u * u - 1)
    return [u >= 1, z3.Or(pk == 0, pk == 1)], claim


def cgram_match(c: int, tiebreak_term: bool = True) -> tuple[list, z3.BoolRef]:
    """Two positions 0 ≤ p, q < L; p matches the query window w fully and is the first match; q ≠ p."""
    L, p, q = Ints("L p q")
    w = [z3.Int(f"w{s}") for s in range(1, c)]
    x = [z3.Int(f"x{s}") for s in range(1, c)]  # q's window
    def score(win, pos):
        m = z3.Sum([2 * ws * xs - xs * xs for ws, xs in zip(w, win)])
        return L * m - (pos if tiebreak_term else 0)
    q_matches = z3.And(*[xs == ws for xs, ws in zip(x, w)])
    hyps = [L >= c + 1, p >= 0, p < L, q >= 0, q < L, q != p, z3.Implies(q_matches, q > p)]
    return hyps, score(w, p) - score(x, q) >= 1


def counting_set() -> tuple[list, z3.BoolRef]:
    u, v, bos = Ints("u v isbos")
    score = 2 * u * v - v * v + u * u * bos
    in_set = z3.Or(z3.And(bos == 1, v == 0), z3.And(bos == 0, v == u))
    claim = z3.If(in_set, score == u * u, score <= u * u - 1)
    return [u >= 1, z3.Or(z3.And(bos == 1, v == 0), z3.And(bos == 0, v >= 1))], claim


def counting_threshold(big: Callable | None = None) -> tuple[list, z3.BoolRef]:
    n, c, t = Ints("n c t")
    M = (n + 1) * (n + 2) if big is None else big(n)
    d = z3.ToReal(M) * (z3.Q(1, 1) / z3.ToReal(t + 2) - z3.Q(1, 1) / z3.ToReal(c + 2))
    hyps = [n >= 1, c >= 0, c <= n, t >= 0, t <= n]
    return hyps, z3.If(c > t, d >= 1, d <= 0)


def readout() -> tuple[list, z3.BoolRef]:
    z, w = Ints("z w")
    return [w != z], (2 * z * z - z * z) - (2 * w * z - w * w) >= 1


LEMMAS: dict[str, list[tuple[str, str, Callable]]] = {
    "index": [("position match", "2iv − v² ≤ i² − 1 for every position v ≠ i", quadratic_match),
              ("read-out", "logits 2wz − w²: z first by ≥ 1 for integral z", readout)],
    "ar": [("previous-token head", "position p attends p − 1, margin ≥ 1", offset_head),
           ("key match", "2u·prev − prev² + prevkey − 1 maximal exactly at the value after key u", ar_match),
           ("read-out", "logits 2wz − w²: z first by ≥ 1 for integral z", readout)],
    "cgram": [("offset heads", "head r at position p attends max(p − r, 0), margin ≥ 1", offset_head),
              ("window match c=2", "L·Σ(2w x − x²) − p: the first full match wins by ≥ 1", lambda: cgram_match(2)),
              ("window match c=3", "the same for two-token windows", lambda: cgram_match(3)),
              ("read-out", "logits 2wz − w²: z first by ≥ 1 for integral z", readout)],
    "counting": [("previous-token head", "position p attends p − 1, margin ≥ 1", offset_head),
                 ("count set", "2uv − v² + u²·isbos maximal exactly on {BOS} ∪ {v = u}", counting_set),
                 ("threshold", "M(1/(t+2) − 1/(c+2)) ≥ 1 iff c > t, else ≤ 0; M = (n+1)(n+2)", counting_threshold),
                 ("read-out", "logits 2wz − w²: z first by ≥ 1 for integral z", readout)],
}

# planted errors: each must be refuted with a counterexample (the negative tests of the proofs)
BROKEN: dict[str, tuple[str, Callable]] = {
    "index": ("query (2·1·i, −1) scaled wrong: (3i, −1)", lambda: quadratic_match(3)),
    "ar": ("no prevkey term (a value equal to u after a value)", lambda: ar_match(False)),
    "cgram": ("no −p term: repeated grams tie", lambda: cgram_match(2, False)),
    "counting": ("M = n + 1 instead of (n + 1)(n + 2)", lambda: counting_threshold(lambda n: n + 1)),
}


def prove_task(task: str, timeout_ms: int = 60_000) -> list[LemmaResult]:
    """Every lemma of ``task`` (index, ar, cgram, counting), for every n."""
    key = task.replace("-binary", "").replace("-k2", "").rstrip("3")
    if key not in LEMMAS:
        raise ParameterError(f"no retrieval lemmas for {task!r}; known: {', '.join(LEMMAS)}")
    return [_prove(name, st, build, timeout_ms) for name, st, build in LEMMAS[key]]


def refute_broken(task: str, timeout_ms: int = 60_000) -> LemmaResult:
    key = task.replace("-binary", "").replace("-k2", "").rstrip("3")
    what, build = BROKEN[key]
    return _prove(f"broken: {what}", "must be refuted", build, timeout_ms)


def head_scores_match(net, task) -> list[str]:
    """Each built head's score, evaluated on a symbolic residual, against the lemma's score expression at
    this n (z3-proved equal); returns one line per head. Raises AssertionError-free: a mismatch is a line
    starting with MISMATCH."""
    from constructions.uhat.model import AttentionLayer

    names = net.names[0]
    sym = {name: z3.Real(f"{name}_i") for name in names}
    key = {name: z3.Real(f"{name}_j") for name in names}
    lines = []
    for k, layer in enumerate(net.layers):
        if not isinstance(layer, AttentionLayer):
            continue
        for h, head in enumerate(layer.heads):
            qv = _apply(head.A, [sym[n] for n in names])
            kv = _apply(head.B, [key[n] for n in names])
            score = z3.Sum([a * b for a, b in zip(qv, kv)]) if qv else z3.RealVal(0)
            expected = _expected(type(task).__name__, k, h, sym, key, task)
            s = z3.Solver()
            s.add(z3.Not(score == expected), sym["one"] == 1, key["one"] == 1, key["pos2"] == key["pos"] * key["pos"])
            if "tok2" in key:
                s.add(key["tok2"] == key["tok"] * key["tok"])
            ok = s.check() == z3.unsat
            lines.append(f"  layer {k + 1} head {h + 1}: built score {'=' if ok else 'MISMATCH ≠'} lemma score")
    return lines


def _apply(m, xs):
    out = [z3.RealVal(0)] * m.out_dim
    for r, v in m.bias:
        out[r] = out[r] + z3.RealVal(str(v))
    for r, c, v in m.entries:
        out[r] = out[r] + z3.RealVal(str(v)) * xs[c]
    return out


def _expected(name: str, layer: int, head: int, i: dict, j: dict, task):
    """The lemma's score expression over the query-side (i) and key-side (j) residual coordinates."""
    if name == "IndexTask":
        return 2 * i["tok"] * j["pos"] - j["pos2"]
    if name == "ARTask":
        if layer == 0:
            return 2 * (i["pos"] - 1) * j["pos"] - j["pos2"]
        return 2 * i["tok"] * j["prev"] - j["prev2"] + j["prevkey"] - 1
    if name == "CgramTask":
        if layer == 0:
            return 2 * (i["pos"] - (head + 1)) * j["pos"] - j["pos2"]
        L = task.input_length
        ws = [i["tok"]] + [i[f"p{s}"] for s in range(1, task.c - 1)]
        return L * z3.Sum([2 * w * j[f"p{s}"] - j[f"p{s}sq"] for s, w in enumerate(ws, start=1)]) - j["pos"]
    if name == "CountingTask":
        if layer == 0:
            return 2 * (i["pos"] - 1) * j["pos"] - j["pos2"]
        return 2 * i["prev"] * j["tok"] - j["tok2"] + i["prev2"] * j["isbos"]
    raise ParameterError(f"no lemma for {name}")


__all__ = ["BROKEN", "LEMMAS", "LemmaResult", "head_scores_match", "prove_task", "refute_broken"]
