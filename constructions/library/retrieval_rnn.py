"""Exact "store everything" RNNs for the [WDL] retrieval tasks: the upper bound above Thm 4.6's Ω(n).

[WDL] Wen, Dang, Lyu, *RNNs are not Transformers (Yet)*, ICLR 2025 (arXiv 2402.18510), Thm 4.6: an RNN
with o(n) bits of state cannot solve Index, AR, c-gram retrieval or Counting of size n (for Index already
over {0, 1}; for the others because the alphabet grows with n). The matching **upper
bound** is the obvious one — remember the data, answer at the end — and these are constructions of ours
(not the paper's) that realise it exactly, with ``O(n log |Σ|)`` state bits. Each network accepts exactly
the language ``L_n = { input · answer }`` of :mod:`tasks.retrieval` (formats fixed there): it checks the
symbol kind at every position, AR's keys being a permutation and the c-gram query occurring, and rejects
every other word (too short, too long, foreign order).

**Model.** :class:`constructions.rnn.deep.DeepRNN` with a two-layer ReLU transition ([BCL] §2.4 allows
any transition; lower bounds count state bits only): layer 1 (the *gates*) reads ``(h_{t−1}, e(w_t))``,
layer 2 (the new state) reads the gates. Every weight is an integer; every state unit is an integer in
``0..2^k − 1`` (``precision_bits = k``, checked by ``check_precision``), so the state has ``k·D`` bits.
Readout: the sum of the accepting units ``> 0``.

**Common parts.** A one-hot position chain ``start`` (1 in ``h0`` only), ``P_0 .. P_T``:
``P_t = ReLU(P_{t−1} + Σ_{a allowed at t} x_a − 1)`` (an AND gate), so ``P_t = 1`` iff the first ``t+1``
symbols have the right kinds; a wrong symbol zeroes the chain for good. Data values are stored as
integers, one unit per slot: ``M_j ← M_j + ReLU(z(x) + B·P_{j−1} − B)`` (``z`` the symbol's code, ``B``
its bound) writes ``z`` exactly at position ``j``. Equality of an integer ``u`` with the current code
is ``ReLU(1 − ReLU(u − z) − ReLU(z − u))`` (gates ``r1, r2`` then a state unit).

* **Index** (``s`` data symbols, code ``value − 1`` ∈ 0..s−1): ``P_{−1..n+1}``, ``M_1..M_n``, ``Acc``. At
  the query ``?i`` every ``M_j`` with ``j ≠ i`` is zeroed (``ReLU(M_j − s·Σ_{i≠j} x_{?i})``), so at the
  answer step ``Σ_j M_j = x_i``'s code; ``Acc = ReLU(pa − r1 − r2)`` with ``pa = P_{n+1} ∧ data``.
  **D = 2n + 4, k = max(1, ⌈log2 s⌉)** (binary: k = 1, 2n + 4 bits; range: (2n + 4)⌈log2 n⌉ bits).
* **AR** (m = n/2, values 1..n): ``P``, ``T_q`` (the value after key ``kq``, 0 = unseen), ``K_q`` ("key kq
  was just read and is fresh": ``ReLU(P_key + x_{kq} − 1 − T_q)``, so a repeated key never sets it and the
  value position after it needs ``Σ K_q = 1``), ``A = Σ_q ReLU(T_q + n(x_{kq} + P_n − 2))`` (= T_q at
  the query), ``Acc``. **D = 2n + 5, k = ⌊log2 n⌋ + 1.**
* **c-gram** (values 1..n, ``J = n − c + 1`` windows): ``P_{−1..n}``, ``M_1..M_n``, match bits
  ``E^{(r)}_j = E^{(r−1)}_j ∧ [M_{j+r−1} = y_r]`` (``E^{(0)} = P_n ∧ data``) for ``r = 1..c−1``, and
  ``G_j = ReLU(E_j − Σ_{j'<j} E_{j'} − r1 − r2)`` against ``M_{j+c−1}`` at the answer step: ``G_j = 1``
  iff window ``j`` is the **first** match and the answer is its successor; no match → all ``G = 0``
  (the query must occur). Readout ``Σ_j G_j``. **D = 2n + 2 + c(n − c + 1), k = ⌊log2 n⌋ + 1**
  (4n for c = 2, 5n − 4 for c = 3).
* **Counting** (k types, integer counters): ``S, D`` (data phase), ``N`` (data tokens read; at the query
  it becomes the selected count), ``C_1..C_k``, ``Q, T, Y, Acc``. "``D ∧ x_a ∧ N < n``" is the difference
  of two gates ``ReLU(n(D + x_a − 2) + n − N) − ReLU(… − 1)``; the query step is ``D ∧ type ∧ N = n``;
  ``Y = [N > t]`` at ``#t``. **D = k + 7, k_bits = ⌊log2 n⌋ + 1** — ``O(k log n)``, i.e. ``O(n log |Σ|)``
  for k = n.

:func:`retrieval_rnn_size` gives units, gates, precision, state bits and parameters from these formulas
without building (the tests compare it with ``DeepRNN.size()``).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping, Sequence

from automata.errors import ParameterError
from constructions.exact import Affine
from constructions.rnn.deep import DeepRNN, Layer
from tasks.retrieval import ARTask, CgramTask, CountingTask, IndexTask, RetrievalTask

CITATION = "[WDL] Thm 4.6 (the upper-bound side; a construction of ours)"


@dataclass(frozen=True)
class RetrievalRNNSize:
    """The size formulas of the module docstring: state ``units`` D, ``hidden`` gates, ``precision`` k,
    the alphabet size; ``state_bits = k·D`` and ``params`` as :meth:`DeepRNN.size` counts them."""

    units: int
    hidden: int
    precision: int
    alphabet_size: int

    @property
    def state_bits(self) -> int:
        return self.precision * self.units

    @property
    def params(self) -> int:
        d, h = self.units, self.hidden
        return h * (d + self.alphabet_size + 1) + d * (h + 1) + d + (d + 1)


# ---- a two-layer ReLU transition by name ---------------------------------------------------------------


class _Net:
    """Collects state units (with ``h0``), gates (layer 1: ReLU of state and input) and the rule of each
    state unit (layer 2: ReLU of gates), then compiles a :class:`DeepRNN`."""

    def __init__(self, alphabet: Sequence[str]) -> None:
        self.alphabet = tuple(alphabet)
        self._sym = {a: i for i, a in enumerate(self.alphabet)}
        self.h0: dict[str, int] = {}
        self.gates: dict[str, tuple[dict[str, int], dict[str, int], int]] = {}
        self.rules: dict[str, tuple[dict[str, int], int]] = {}

    def unit(self, name: str, h0: int = 0) -> str:
        if name in self.h0:
            raise ParameterError(f"duplicate unit {name}")
        self.h0[name] = h0
        return name

    def gate(self, name: str, h: Mapping[str, int] | None = None, x: Mapping[str, int] | None = None,
             bias: int = 0) -> str:
        if name in self.gates:
            raise ParameterError(f"duplicate gate {name}")
        self.gates[name] = (dict(h or {}), dict(x or {}), bias)
        return name

    def rule(self, unit: str, gates: Mapping[str, int], bias: int = 0) -> None:
        self.rules[unit] = (dict(gates), bias)

    def build(self, readout: Mapping[str, int], precision: int) -> DeepRNN:
        units = list(self.h0)
        ui = {u: i for i, u in enumerate(units)}
        gi = {g: i for i, g in enumerate(self.gates)}
        d, k = len(units), len(self.alphabet)
        e1: dict[tuple[int, int], int] = {}
        b1: dict[int, int] = {}
        for r, (h, x, bias) in enumerate(self.gates.values()):
            for u, w in h.items():
                e1[(r, ui[u])] = e1.get((r, ui[u]), 0) + w
            for a, w in x.items():
                if a not in self._sym:
                    raise ParameterError(f"gate reads symbol {a!r} outside the task's alphabet")
                e1[(r, d + self._sym[a])] = w
            b1[r] = bias
        e2 = {(ui[u], gi[g]): w for u, (gs, _) in self.rules.items() for g, w in gs.items()}
        b2 = {ui[u]: b for u, (_, b) in self.rules.items()}
        layers = (Layer(Affine.build(d + k, len(self.gates), e1, b1), "relu"),
                  Layer(Affine.build(len(self.gates), d, e2, b2), "relu"))
        return DeepRNN(self.alphabet, layers, tuple(Fraction(self.h0[u]) for u in units),
                       Affine.build(d, 1, {(0, ui[u]): w for u, w in readout.items()}),
                       precision_bits=precision, unit_names=tuple(units))

    def chain(self, kinds: Sequence[Sequence[str]], units: int,
              extra: Mapping[int, Mapping[str, int]] | None = None) -> list[str]:
        """The position chain: gate ``g{t}`` = AND(P_{t−1}, x ∈ kinds[t], extra[t]) for every t, unit
        ``P{t}`` = that gate for ``t < units`` (``P_{−1}`` = ``start``); returns the gate names."""
        self.unit("start", 1)
        names = []
        for t, syms in enumerate(kinds):
            more = dict((extra or {}).get(t, {}))  # one more literal (a sum of exclusive 0/1 units)
            lits = {**more, "start" if t == 0 else f"P{t - 1}": 1}
            g = self.gate(f"g{t}", lits, {a: 1 for a in syms}, -1 - (1 if more else 0))
            names.append(g)
            if t < units:
                self.unit(f"P{t}")
                self.rule(f"P{t}", {g: 1})
        return names

    def store(self, j: int, code: Mapping[str, int], big: int, keep: Mapping[str, int] | None = None) -> str:
        """Memory unit ``M{j}``: ``ReLU(keep + write)``, keep = ``ReLU(M_j + Σ keep-weights·x)``, write =
        ``ReLU(z(x) + big·P_{j−1} − big)`` (``P_{j−1}`` = unit ``P{j-1}``)."""
        m = self.unit(f"M{j}")
        self.gate(f"keep{j}", {m: 1}, keep)
        self.gate(f"write{j}", {f"P{j - 1}": big}, code, -big)
        self.rule(m, {f"keep{j}": 1, f"write{j}": 1})
        return m

    def compare(self, name: str, h: Mapping[str, int], code: Mapping[str, int]) -> tuple[str, str]:
        """Gates ``ReLU(u − z)`` and ``ReLU(z − u)`` for ``u = Σ h`` and the current code ``z``."""
        neg = {a: -v for a, v in code.items()}
        return (self.gate(f"{name}.hi", h, neg), self.gate(f"{name}.lo", {u: -w for u, w in h.items()}, code))


def _bits(v: int) -> int:
    """Bits for the integers ``0..v`` (at least 1)."""
    return max(1, int(v).bit_length())


# ---- the four constructions -------------------------------------------------------------------------


def index_rnn(task: IndexTask) -> DeepRNN:
    """Index (Def 4.2) as ``L_n``: D = 2n + 4 units of precision max(1, ⌈log2 s⌉) (module docstring)."""
    _check(task, IndexTask)
    n, s = task.n, task.width
    data = task.answer_symbols
    code = {a: task.value(a) - 1 for a in data if task.value(a) > 1}
    queries = [f"?{i}" for i in range(1, n + 1)]
    net = _Net(task.alphabet)
    g = net.chain([["<s>"]] + [data] * n + [queries, data], n + 2)
    mem = [net.store(j, code, s, {q: -s for q in queries if q != f"?{j}"}) for j in range(1, n + 1)]
    hi, lo = net.compare("r", {m: 1 for m in mem}, code)
    net.unit("Acc")
    net.rule("Acc", {g[n + 2]: 1, hi: -1, lo: -1})
    return net.build({"Acc": 1}, _bits(s - 1))


def ar_rnn(task: ARTask) -> DeepRNN:
    """Associative recall (Def 4.3, distinct keys) as ``L_n``: D = 2n + 5, precision ⌊log2 n⌋ + 1."""
    _check(task, ARTask)
    n, m = task.n, task.m
    vals = task.answer_symbols
    keys = [f"k{q}" for q in range(1, m + 1)]
    code = {a: task.value(a) for a in vals}
    net = _Net(task.alphabet)
    fresh = {f"K{q}": 1 for q in range(1, m + 1)}
    kinds = [["<s>"]] + [keys, vals] * m + [keys, vals]
    g = net.chain(kinds, n + 2, {t: fresh for t in range(2, n + 1, 2)})
    for q in range(1, m + 1):
        t_q, k_q = net.unit(f"T{q}"), net.unit(f"K{q}")
        key_pos = {f"P{t}": 1 for t in range(0, n - 1, 2)}
        net.rule(k_q, {net.gate(f"fresh{q}", {**key_pos, t_q: -1}, {f"k{q}": 1}, -1): 1})
        net.gate(f"keep{q}", {t_q: 1})
        net.gate(f"write{q}", {k_q: n}, code, -n)
        net.rule(t_q, {f"keep{q}": 1, f"write{q}": 1})
        net.gate(f"sel{q}", {t_q: 1, f"P{n}": n}, {f"k{q}": n}, -2 * n)
    net.unit("A")
    net.rule("A", {f"sel{q}": 1 for q in range(1, m + 1)})
    hi, lo = net.compare("r", {"A": 1}, code)
    net.unit("Acc")
    net.rule("Acc", {g[n + 2]: 1, hi: -1, lo: -1})
    return net.build({"Acc": 1}, _bits(n))


def cgram_rnn(task: CgramTask) -> DeepRNN:
    """c-gram retrieval (Def 4.4, first occurrence) as ``L_n``: D = 2n + 2 + c(n − c + 1), precision
    ⌊log2 n⌋ + 1 (module docstring)."""
    _check(task, CgramTask)
    n, c = task.n, task.c
    windows = n - c + 1
    data = task.answer_symbols
    code = {a: task.value(a) for a in data}
    net = _Net(task.alphabet)
    g = net.chain([["<s>"]] + [data] * (n + 1), n + 1)  # gate g{n+1} = P_n ∧ data: the first query symbol
    mem = [net.store(j, code, n) for j in range(1, n + 1)]
    cmp = [net.compare(f"d{j}", {m: 1}, code) for j, m in enumerate(mem, 1)]
    prev: dict[int, str] = {j: g[n + 1] for j in range(1, windows + 1)}  # E^(0)_j, already a gate
    for r in range(1, c + 1):
        last = r == c
        for j in range(1, windows + 1):
            hi, lo = cmp[j + r - 2]
            if last:  # G_j: first match and the answer equals M_{j+c-1}
                unit = net.unit(f"G{j}")
                net.rule(unit, {prev[j]: 1, **{prev[i]: -1 for i in range(1, j)}, hi: -1, lo: -1})
            else:
                unit = net.unit(f"E{r}.{j}")
                net.rule(unit, {prev[j]: 1, hi: -1, lo: -1})
        if not last:
            prev = {j: net.gate(f"pass.E{r}.{j}", {f"E{r}.{j}": 1}) for j in range(1, windows + 1)}
    return net.build({f"G{j}": 1 for j in range(1, windows + 1)}, _bits(n))


def counting_rnn(task: CountingTask) -> DeepRNN:
    """Counting (Def 4.5) as ``L_n``: D = k + 7 units of precision ⌊log2 n⌋ + 1 (module docstring)."""
    _check(task, CountingTask)
    n, k = task.n, task.kk
    types = [str(a) for a in range(1, k + 1)]
    nums = {f"#{t}": t for t in range(n + 1)}
    net = _Net(task.alphabet)
    for u in ("S", "D", "N"):
        net.unit(u, 1 if u == "S" else 0)
    counts = [net.unit(f"C{a}") for a in types]
    for u in ("Q", "T", "Y", "Acc"):
        net.unit(u)
    every = {a: 1 for a in types}
    s0 = net.gate("s0", {"S": 1}, {"<s>": 1}, -1)
    dx = net.gate("dx", {"D": 1}, every, -1)
    # inc = g1 − g2 = [D ∧ type ∧ N < n]; inc_a likewise with x_a
    g1 = net.gate("inc+", {"D": n, "N": -1}, {a: n for a in types}, -n)
    g2 = net.gate("inc-", {"D": n, "N": -1}, {a: n for a in types}, -n - 1)
    sel = {}
    for a, ca in zip(types, counts):
        net.gate(f"keep{a}", {ca: 1})
        net.gate(f"inc{a}+", {"D": n, "N": -1}, {a: n}, -n)
        net.gate(f"inc{a}-", {"D": n, "N": -1}, {a: n}, -n - 1)
        net.rule(ca, {f"keep{a}": 1, f"inc{a}+": 1, f"inc{a}-": -1})
        sel[net.gate(f"sel{a}", {ca: 1, "D": n, "N": n}, {a: n}, -n * n - 2 * n)] = 1
    net.gate("keepN", {"N": 1})
    net.rule("D", {s0: 1, g1: 1, g2: -1})
    net.rule("N", {"keepN": 1, g1: n + 1, g2: -(n + 1), dx: -n, **sel})
    net.rule("Q", {dx: 1, g1: -1, g2: 1})
    hashes = {a: 1 for a in nums}
    net.rule("T", {net.gate("qx", {"Q": 1}, hashes, -1): 1})
    y1 = net.gate("y+", {"N": 1, "Q": n}, {a: n - t for a, t in nums.items()}, -2 * n)
    y2 = net.gate("y-", {"N": 1, "Q": n}, {a: n - t for a, t in nums.items()}, -2 * n - 1)
    net.rule("Y", {y1: 1, y2: -1})
    ay = net.gate("ay", {"T": 1, "Y": 1}, {"yes": 1}, -2)
    an = net.gate("an", {"T": 1, "Y": -1}, {"no": 1}, -1)
    net.rule("Acc", {ay: 1, an: 1})
    return net.build({"Acc": 1}, _bits(n))


_BUILDERS = ((IndexTask, index_rnn), (ARTask, ar_rnn), (CgramTask, cgram_rnn), (CountingTask, counting_rnn))


def retrieval_rnn(task: RetrievalTask) -> DeepRNN:
    """The construction for any of the four tasks (dispatch on its type)."""
    for cls, build in _BUILDERS:
        if isinstance(task, cls):
            return build(task)
    raise ParameterError(f"retrieval_rnn: expected a retrieval task, got {type(task).__name__}")


def _check(task: object, cls: type) -> None:
    if not isinstance(task, cls):
        raise ParameterError(f"expected a {cls.__name__}, got {type(task).__name__}")


# ---- the size formulas ------------------------------------------------------------------------------


def _positive(label: str, v: object, lo: int = 1) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < lo:
        raise ParameterError(f"{label} must be an integer ≥ {lo}, got {v!r}")
    return v


def index_rnn_size(n: int, variant: str = "range") -> RetrievalRNNSize:
    """Index: D = 2n + 4, gates 3n + 5, k = max(1, ⌈log2 s⌉), |Σ| = 1 + s + n (s = 2 or n)."""
    n = _positive("n", n)
    if variant not in ("range", "binary"):
        raise ParameterError(f"unknown Index variant {variant!r}")
    s = 2 if variant == "binary" else n
    return RetrievalRNNSize(2 * n + 4, 3 * n + 5, _bits(s - 1), 1 + s + n)


def ar_rnn_size(n: int) -> RetrievalRNNSize:
    """AR: D = 2n + 5, gates 3n + 5, k = ⌊log2 n⌋ + 1, |Σ| = 1 + n + n/2."""
    n = _positive("n", n, 2)
    if n % 2:
        raise ParameterError(f"AR needs n even, got {n}")
    return RetrievalRNNSize(2 * n + 5, 3 * n + 5, _bits(n), 1 + n + n // 2)


def cgram_rnn_size(n: int, c: int = 2) -> RetrievalRNNSize:
    """c-gram: D = 2n + 2 + c(n − c + 1), gates 5n + 2 + (c − 1)(n − c + 1), k = ⌊log2 n⌋ + 1, |Σ| = n + 1."""
    if c not in (2, 3) or isinstance(c, bool):
        raise ParameterError(f"c must be 2 or 3, got {c!r}")
    n = _positive("n", n, c)
    j = n - c + 1
    return RetrievalRNNSize(2 * n + 2 + c * j, 5 * n + 2 + (c - 1) * j, _bits(n), n + 1)


def counting_rnn_size(n: int, k: int | None = None) -> RetrievalRNNSize:
    """Counting: D = k + 7, gates 4k + 10, k_bits = ⌊log2 n⌋ + 1, |Σ| = n + k + 4."""
    n = _positive("n", n)
    k = n if k is None else _positive("k", k)
    return RetrievalRNNSize(k + 7, 4 * k + 10, _bits(n), n + k + 4)


def retrieval_rnn_size(task: RetrievalTask) -> RetrievalRNNSize:
    """The formula's value for ``task``'s parameters (nothing is built)."""
    if isinstance(task, IndexTask):
        return index_rnn_size(task.n, task.variant)
    if isinstance(task, ARTask):
        return ar_rnn_size(task.n)
    if isinstance(task, CgramTask):
        return cgram_rnn_size(task.n, task.c)
    if isinstance(task, CountingTask):
        return counting_rnn_size(task.n, task.kk)
    raise ParameterError(f"retrieval_rnn_size: expected a retrieval task, got {type(task).__name__}")


__all__ = ["CITATION", "RetrievalRNNSize", "ar_rnn", "ar_rnn_size", "cgram_rnn", "cgram_rnn_size", "counting_rnn",
           "counting_rnn_size", "index_rnn", "index_rnn_size", "retrieval_rnn", "retrieval_rnn_size"]
