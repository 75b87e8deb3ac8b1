"""An exact RNN for IsTree with n·⌈log2 n⌉ + O(log n) bits of state: the upper bound above [WDL] Thm 4.7's Ω(n).

[WDL] Wen, Dang, Lyu, *RNNs are not Transformers (Yet)*, ICLR 2025 (arXiv 2402.18510), Thm 4.7: an RNN
with o(n) bits of memory cannot solve IsTree of size n, with any chain of thought (the lower bound as a
number: :mod:`tasks.istree_bounds`). The matching upper bound is **our construction** (not the paper's;
its appendix is not available to us): union–find by relabelling, one component label per vertex. It
satisfies the statement's upper side — O(n log n) bits — without any chain of thought.

**The language.** The release's no-CoT format (``rnn/data.py``, ``use_cot=False``): the prompt of
:mod:`tasks.istree` (``[BOS] u - v … [EOS]``, n − 1 edges, u > v) followed by the answer ``[TRUE]`` or
``[FALSE]``. The network accepts exactly the words *prompt · answer* where the prompt lists n − 1 edges
``u - v`` with n > u > v ≥ 0 and the answer says whether the (multi)graph is a tree. Repeated edges are
allowed in this language (a repeated edge closes a 2-cycle, so the answer is ``[FALSE]``): telling a
repeat from a cycle would need the edge set, and on the task's domain (distinct edges) the answer is
networkx's. Every other word (wrong kinds, u ≤ v, too few or too many edges, a wrong answer, anything
after the answer) is rejected.

**Model.** :class:`constructions.rnn.deep.DeepRNN` with a depth-4 ReLU transition ([BCL] §2.4 allows any
transition; the lower bounds count state bits only). Every weight is an integer; every state unit is an
integer in ``0..2^k − 1``, k = max(1, ⌈log2 n⌉) (``precision_bits``, checked by ``check_precision``).

**State** (D = n + 11 units): labels ``L0 … L(n−1)`` (``L_v = v`` initially), ``LA`` (the label of the
current edge's first endpoint u), ``U`` (u itself, for the check u > v), ``K`` (edges read), ``cyc``
(edges that joined two equal labels — each closes a cycle), and the one-hot phase ``S, A, D, B, E, T, F``
(expect BOS / an endpoint u or EOS / the dash / an endpoint v / the answer / accepted TRUE / accepted FALSE;
all zero = reject for good). Readout ``T + F > 0``.

**Transition** (x = the one-hot token; every selection is a ReLU with a gate of weight n, exact because
every label is < n):

1. ``sel_x = ReLU(L_x + n·[token = x] − n)`` picks the current vertex's label; phase ANDs
   (``A ∧ vertex``, ``B ∧ vertex``, …); ``full = ReLU(K − (n − 2)) = [K = n − 1]``; ``[u > v]`` as
   ``ReLU(U − v) − ReLU(U − v − 1)``.
2. ``LB`` = the label of v at a ``B ∧ vertex`` step, else ``LA`` (two gated ReLUs); at an
   ``A ∧ vertex`` step ``LA ← L_u``, ``U ← u``; the new phases and ``K``.
3. With ``d_y = L_y − LA`` and ``c = LB − LA``: ``c·[d_y = 0] = g(d_y, c + n) − n·[d_y = 0]`` where
   ``g(d, C) = ReLU(C − Md) + ReLU(C + Md) − 2M·ReLU(d) + Md − C`` (= C·[d = 0] for integers d and
   0 ≤ C ≤ M = 2n) and ``[d = 0] = ReLU(d + 1) − 2ReLU(d) + ReLU(d − 1)`` — five ReLUs per vertex;
   ``[LB = LA]`` likewise (the cycle test).
4. ``L_y ← L_y + c·[L_y = LA]`` (u's class takes v's label), ``cyc ← cyc + [LB = LA] + [B ∧ vertex] − 1``
   (outside a B step ``LB = LA``, so nothing changes), the rest carried.

An edge joining equal labels is counted in ``cyc``; with n − 1 edges the graph is a tree iff no edge
closed a cycle, so ``[TRUE]`` is accepted iff ``cyc = 0``.

**Sizes** (:func:`rnn_size`, tested against the built network): D = n + 11 state units of
k = max(1, ⌈log2 n⌉) bits — **state bits (n + 11)·⌈log2 n⌉ = n⌈log2 n⌉ + O(log n)** (:func:`rnn_state_bits`);
hidden widths 2n + 16, n + 17, 6n + 17; parameters (dense, as :meth:`DeepRNN.size` counts them)
:func:`rnn_params` = h₁(2n + 17) + h₂(h₁ + 1) + h₃(h₂ + 1) + D(h₃ + 1) + 2D + 1 — Θ(n²). Against the lower
bound log2 R(n) ≈ n − 1 bits of :mod:`tasks.istree_bounds` the gap is a factor ⌈log2 n⌉.

:func:`rnn_answers` answers a batch of edge lists (B, n − 1, 2) by running the network's weights on
``prompt · [TRUE]`` in the float dtype that :func:`float_plan` proves exact by interval arithmetic
(float32 up to n = 200 at least; the tests check it against :meth:`DeepRNN.run`), batched in torch: all
360,360 inputs of n = 6 in ≈ 1.7 s, ≈ 215,000 inputs/s with one torch thread (on a loaded 2-core machine
more threads only contend: 2 threads ≈ 11,000/s); the DeepRNN's own exact run ≈ 64,000 inputs/s (one
BLAS thread).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Mapping

import numpy as np
import torch

from automata.errors import ParameterError
from constructions.exact import Affine
from constructions.rnn.deep import DeepRNN, Layer
from tasks.istree import BOS, DASH, EOS, FALSE, TRUE, IsTreeTask

CITATION = "[WDL] Thm 4.7 (the upper-bound side; a construction of ours)"
DEPTH = 4
PHASES = ("S", "A", "D", "B", "E", "T", "F")
CONTROL = ("LA", "U", "K", "cyc")


def precision(n: int) -> int:
    """k = max(1, ⌈log2 n⌉): bits of the integers 0..n − 1."""
    return max(1, (n - 1).bit_length())


@dataclass(frozen=True)
class IsTreeRNNSize:
    """The formulas of the module docstring: state units D, hidden widths, precision k, alphabet size."""

    units: int
    hidden: tuple[int, int, int]
    precision: int
    alphabet_size: int

    @property
    def state_bits(self) -> int:
        return self.units * self.precision

    @property
    def params(self) -> int:
        d, (h1, h2, h3) = self.units, self.hidden
        return h1 * (d + self.alphabet_size + 1) + h2 * (h1 + 1) + h3 * (h2 + 1) + d * (h3 + 1) + d + (d + 1)


def _check_n(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or int(n) < 2:
        raise ParameterError(f"istree_rnn: n must be an integer ≥ 2, got {n!r}")
    return int(n)


def rnn_size(n: int) -> IsTreeRNNSize:
    """D = n + 11, hidden (2n + 16, n + 17, 6n + 17), k = max(1, ⌈log2 n⌉), |Σ| = n + 5."""
    n = _check_n(n)
    return IsTreeRNNSize(n + 11, (2 * n + 16, n + 17, 6 * n + 17), precision(n), n + 5)


def rnn_state_bits(n: int) -> int:
    """(n + 11)·max(1, ⌈log2 n⌉) = n⌈log2 n⌉ + O(log n)."""
    return rnn_size(n).state_bits


def rnn_params(n: int) -> int:
    """Dense parameters of the built network (module docstring), Θ(n²)."""
    return rnn_size(n).params


# ---- a depth-d ReLU transition by name ------------------------------------------------------------------


class _Deep:
    """Named nodes per layer: layer 1 reads the state units and ``x:<symbol>`` inputs, layer i > 1 the
    nodes of layer i − 1; the last layer's nodes are the state units (same names, same order)."""

    def __init__(self, alphabet: tuple[str, ...], depth: int) -> None:
        self.alphabet = alphabet
        self.depth = depth
        self.h0: dict[str, int] = {}
        self.nodes: list[dict[str, tuple[dict[str, int], int]]] = [{} for _ in range(depth)]

    def unit(self, name: str, h0: int = 0) -> None:
        self.h0[name] = h0

    def node(self, layer: int, name: str, terms: Mapping[str, int], bias: int = 0) -> str:
        if name in self.nodes[layer - 1]:
            raise ParameterError(f"duplicate node {name} in layer {layer}")
        self.nodes[layer - 1][name] = (dict(terms), bias)
        return name

    def carry(self, name: str, src: int, dst: int) -> None:
        """``name`` (a node of layer ``src``, ≥ 0 valued) copied unchanged through layers src+1..dst."""
        for layer in range(src + 1, dst + 1):
            self.node(layer, name, {name: 1})

    def build(self, readout: Mapping[str, int], precision_bits: int) -> DeepRNN:
        units = list(self.h0)
        if list(self.nodes[-1]) != units:
            missing = set(units) ^ set(self.nodes[-1])
            raise ParameterError(f"the last layer must compute exactly the state units (differ: {sorted(missing)})")
        sym = {a: i for i, a in enumerate(self.alphabet)}
        prev = {u: i for i, u in enumerate(units)}
        in_dim = len(units) + len(self.alphabet)
        layers = []
        for k, nodes in enumerate(self.nodes):
            entries: dict[tuple[int, int], int] = {}
            bias: dict[int, int] = {}
            for r, (terms, b) in enumerate(nodes.values()):
                for name, w in terms.items():
                    if k == 0 and name.startswith("x:"):
                        col = len(units) + sym[name[2:]]
                    elif name in prev:
                        col = prev[name]
                    else:
                        raise ParameterError(f"layer {k + 1} node reads {name!r}, not a node of layer {k}")
                    entries[(r, col)] = entries.get((r, col), 0) + w
                bias[r] = b
            layers.append(Layer(Affine.build(in_dim, len(nodes), entries, bias), "relu"))
            prev = {name: i for i, name in enumerate(nodes)}
            in_dim = len(nodes)
        ro = {(0, units.index(u)): w for u, w in readout.items()}
        return DeepRNN(self.alphabet, tuple(layers), tuple(Fraction(self.h0[u]) for u in units),
                       Affine.build(len(units), 1, ro), precision_bits=precision_bits, unit_names=tuple(units))


def _add(a: Mapping[str, int], b: Mapping[str, int], scale: int = 1) -> dict[str, int]:
    """The linear form a + scale·b (coefficients of equal names added)."""
    out = dict(a)
    for k, w in b.items():
        out[k] = out.get(k, 0) + scale * w
    return out


def istree_rnn(task: IsTreeTask) -> DeepRNN:
    """The union–find RNN for ``task`` (module docstring)."""
    if not isinstance(task, IsTreeTask):
        raise ParameterError(f"istree_rnn needs an IsTreeTask, got {type(task).__name__}")
    return _build(task.n)


@lru_cache(maxsize=16)
def _build(n: int) -> DeepRNN:
    task = IsTreeTask(n)
    net = _Deep(task.alphabet, DEPTH)
    labels = [f"L{v}" for v in range(n)]
    for v, name in enumerate(labels):
        net.unit(name, v)
    for name in CONTROL:
        net.unit(name)
    for name in PHASES:
        net.unit(name, 1 if name == "S" else 0)
    xs = {f"x:{v}": 1 for v in range(n)}  # "the token is a vertex"
    value = {f"x:{v}": v for v in range(n)}  # the vertex's number (0 for other tokens)
    big = 2 * n  # M of the relabelling gadget: c + n ≤ 2n − 1 < M

    # layer 1: pass-throughs, the current vertex's label, comparisons, phase ANDs
    for y in labels:
        net.node(1, f"k{y}", {y: 1})
    for v in range(n):
        net.node(1, f"sel{v}", {f"L{v}": 1, f"x:{v}": n}, -n)
    for name in ("LA", "U", "K", "cyc"):
        net.node(1, f"k{name}", {name: 1})
    net.node(1, "val", value)
    net.node(1, "full", {"K": 1}, -(n - 2))
    net.node(1, "zc", {"cyc": -1}, 1)
    net.node(1, "gt1", {"U": 1, **{k: -w for k, w in value.items()}})
    net.node(1, "gt2", {"U": 1, **{k: -w for k, w in value.items()}}, -1)
    net.node(1, "toA0", {"S": 1, f"x:{BOS}": 1}, -1)
    net.node(1, "toB", {"D": 1, f"x:{DASH}": 1}, -1)
    net.node(1, "av", {"A": 1, **xs}, -1)
    net.node(1, "ae", {"A": 1, f"x:{EOS}": 1}, -1)
    net.node(1, "bv", {"B": 1, **xs}, -1)
    net.node(1, "et", {"E": 1, f"x:{TRUE}": 1}, -1)
    net.node(1, "ef", {"E": 1, f"x:{FALSE}": 1}, -1)

    # layer 2: LB (v's label at a B step, else LA), the new LA / U / K / phases
    sel = {f"sel{v}": 1 for v in range(n)}
    for y in labels:
        net.node(2, f"k{y}", {f"k{y}": 1})
    net.node(2, "lb1", {**sel, "bv": n}, -n)
    net.node(2, "lb2", {"kLA": 1, "bv": -n})
    net.node(2, "kLA", {"kLA": 1})
    net.node(2, "la1", {**sel, "av": n}, -n)
    net.node(2, "la2", {"kLA": 1, "av": -n})
    net.node(2, "u1", {"val": 1, "av": n}, -n)
    net.node(2, "u2", {"kU": 1, "av": -n})
    net.node(2, "okE", {"bv": 1, "gt1": 1, "gt2": -1}, -1)
    net.node(2, "kK", {"kK": 1})
    net.node(2, "toA0", {"toA0": 1})
    net.node(2, "pD", {"av": 1, "full": -1})
    net.node(2, "pB", {"toB": 1})
    net.node(2, "pE", {"ae": 1, "full": 1}, -1)
    net.node(2, "pT", {"et": 1, "zc": 1}, -1)
    net.node(2, "pF", {"ef": 1, "zc": -1})
    net.node(2, "kcyc", {"kcyc": 1})
    net.node(2, "bv", {"bv": 1})

    # layer 3: the relabelling gadget per vertex, the cycle test, carries
    c_plus_n = {"lb1": 1, "lb2": 1, "kLA": -1}  # c + n = LB − LA + n
    for y in labels:
        d = {f"k{y}": 1, "kLA": -1}
        net.node(3, f"k{y}", {f"k{y}": 1})
        net.node(3, f"gA{y}", _add(c_plus_n, d, -big), n)
        net.node(3, f"gB{y}", _add(c_plus_n, d, big), n)
        for tag, off in (("h1", 1), ("h0", 0), ("hm", -1)):
            net.node(3, f"{tag}{y}", d, off)
    for name in ("kLA", "lb1", "lb2", "kcyc", "bv"):
        net.node(3, name, {name: 1})
    e = {"lb1": 1, "lb2": 1, "kLA": -1}
    for tag, off in (("e1", 1), ("e0", 0), ("em", -1)):
        net.node(3, tag, e, off)
    net.node(3, "LAn", {"la1": 1, "la2": 1})
    net.node(3, "Un", {"u1": 1, "u2": 1})
    net.node(3, "Kn", {"kK": 1, "okE": 1})
    net.node(3, "pA", {"toA0": 1, "okE": 1})  # exclusive events
    for p in ("pD", "pB", "pE", "pT", "pF"):
        net.node(3, p, {p: 1})

    # layer 4: the new state
    for y in labels:
        # L + g(d, c + n) − n·[d = 0],  d = L − LA,  c + n = lb1 + lb2 − LA + n
        terms = {f"k{y}": 1 + big, f"gA{y}": 1, f"gB{y}": 1, f"h0{y}": -2 * big + 2 * n,
                 f"h1{y}": -n, f"hm{y}": -n, "kLA": -big + 1, "lb1": -1, "lb2": -1}
        net.node(4, y, terms, -n)
    net.node(4, "LA", {"LAn": 1})
    net.node(4, "U", {"Un": 1})
    net.node(4, "K", {"Kn": 1})
    net.node(4, "cyc", {"kcyc": 1, "e1": 1, "e0": -2, "em": 1, "bv": 1}, -1)
    net.node(4, "S", {})
    for p in PHASES[1:]:
        net.node(4, p, {f"p{p}": 1})
    return net.build({"T": 1, "F": 1}, precision(n))


def float_plan(rnn: DeepRNN) -> tuple[str, tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]]:
    """The dtype in which every partial sum of the transition is an exactly representable integer, and
    the layers as (state weights, per-symbol columns, bias) float arrays. Interval arithmetic from the
    precision claim (every state unit in 0..2^k − 1, every hidden node ≥ 0 after its ReLU): a partial sum
    is at most Σ_c |W_rc|·hi_c + |b_r|; float32 when that stays below 2^24, float64 below 2^53."""
    d = rnn.units
    hi = np.full(d, float(rnn.max_activation))
    worst = 0.0
    layers = []
    for k, dense in enumerate(rnn._tables(True)):
        m, b = dense.matrix.astype(np.float64), dense.bias.reshape(-1).astype(np.float64)
        x_hi = np.concatenate([hi, np.ones(len(rnn.alphabet))]) if k == 0 else hi
        worst = max(worst, float((np.abs(m) @ x_hi + np.abs(b)).max()))
        hi = np.maximum(0.0, np.maximum(m, 0) @ x_hi + b)
        layers.append((m[:, :d] if k == 0 else m, m[:, d:] if k == 0 else m[:, :0], b))
    if worst < 2.0**24:
        return "float32", tuple(tuple(a.astype(np.float32) for a in lay) for lay in layers)
    if worst < 2.0**53:
        return "float64", tuple(layers)
    raise ParameterError("istree_rnn: partial sums exceed 2^53; use the DeepRNN's own exact run")


def rnn_answers(task: IsTreeTask, edges: np.ndarray, chunk: int = 1 << 14) -> np.ndarray:
    """IsTree for a batch of edge lists (B, n − 1, 2) by the built network: ``prompt · [TRUE]`` accepted ⇔
    tree. (B,) bool. Runs the network's own weights in the float dtype :func:`float_plan` proves exact,
    row-major batches in torch (its thread setting: numpy's BLAS threads contend badly on a loaded
    machine); the tests check it against :meth:`DeepRNN.run`."""
    if not isinstance(task, IsTreeTask):
        raise ParameterError(f"rnn_answers needs an IsTreeTask, got {type(task).__name__}")
    e = np.asarray(edges)
    if e.ndim != 3 or e.shape[1:] != (task.m, 2) or (e.size and e.dtype.kind not in "iu"):
        raise ParameterError(f"edges must be an integer array (B, {task.m}, 2)")
    if e.size and (e.min() < 0 or e.max() >= task.n or (e[:, :, 0] <= e[:, :, 1]).any()):
        raise ParameterError(f"edges must be pairs (u, v) with {task.n} > u > v ≥ 0")
    rnn = istree_rnn(task)
    dtype, layers = float_plan(rnn)
    tdt = getattr(torch, dtype)
    (w_h, w_x, b1), rest = layers[0], layers[1:]
    cols = torch.from_numpy(np.ascontiguousarray(w_x.T + b1)).to(tdt)  # (|Σ|, width₁): what each symbol adds
    w_h_t = torch.from_numpy(np.ascontiguousarray(w_h.T)).to(tdt)
    rest_t = [(torch.from_numpy(np.ascontiguousarray(m.T)).to(tdt), torch.from_numpy(b).to(tdt)) for m, _, b in rest]
    readout = torch.zeros(rnn.units, dtype=tdt)
    for _, c, v in rnn.readout.entries:
        readout[c] = float(v)
    true_code = task.alphabet.index(TRUE)
    h0 = torch.tensor([float(v) for v in rnn.h0], dtype=tdt)
    out = np.empty(len(e), dtype=bool)
    with torch.no_grad():
        for lo in range(0, len(e), chunk):
            words = task.prompt_codes(e[lo: lo + chunk].astype(np.int64))
            words = torch.from_numpy(np.concatenate([words, np.full((len(words), 1), true_code)], axis=1))
            h = h0.expand(len(words), rnn.units)
            for t in range(words.shape[1]):
                x = torch.addmm(cols[words[:, t]], h, w_h_t).clamp_(min=0)
                for m_t, b in rest_t:
                    x = torch.addmm(b, x, m_t).clamp_(min=0)
                h = x
            out[lo: lo + chunk] = (h @ readout > 0).numpy()
    return out


__all__ = ["CITATION", "IsTreeRNNSize", "float_plan", "istree_rnn", "precision", "rnn_answers", "rnn_params", "rnn_size",
           "rnn_state_bits"]
