"""Hybrid linear RNNs (an RNN followed by one transformer layer) for the [WDL] retrieval tasks.

[WDL] Wen, Dang, Lyu, *RNNs are not Transformers (Yet)*, ICLR 2025 (arXiv 2402.18510), Def 5.5 (a
hybrid RNN: an RNN whose states feed **one** transformer layer) and Thm 5.6 (constant-size hybrid linear
RNNs solve Index, AR, c-gram retrieval and Counting without chain of thought). The paper's weights are
not available to us: the hybrids below are **constructions of ours satisfying Thm 5.6** for Index
(Def 4.2), AR (Def 4.3), c-gram retrieval (Def 4.4, c = 2, 3) and Counting (Def 4.5), not the paper's.

**The RNN** (:class:`LinearRNN`) is linear with exact integer weights: s_t = A·s_{t−1} + B·e(w_t) + b,
e = the one-hot of the symbol, s_{−1} = s0; ``states[t]`` is the state after reading the symbol at the
0-based position t (BOS = 0), the convention of the transformer's p(j). Its units are

* a **counter** (one, pos, pos2): A = [[1,0,0],[1,1,0],[1,2,1]] on it and s0 = (1, −1, 1) give exactly
  (1, t, t²) after position t (the transformer's positional features, here computed by the RNN);
* a **token part** of the current symbol written by B (A's rows are zero there): its numeric code v
  (``task.value``) and v², plus per-task flags;
* a **shift register**: A copies the token part one slot down, so the state holds the previous c − 1
  symbols' codes (0 before the start).

**The transformer half** is a generator :class:`~constructions.uhat.model.UHAT` whose layer-0 vectors
*are* the RNN's states (its embedding is the zero map and ``positions=None``): one attention layer with
one head (causal mask j ≤ i), its position-wise part C (plus a ReLU layer for Counting) and the read-out
logits 2w·z − w² (argmax w = round(z)). The RNN's register does what the previous-token / offset heads
of :mod:`constructions.library.retrieval_uhat` did, so the hybrid's one layer is that network's layer 2
(AR, c-gram, Counting) or its only layer (Index):

* **Index**: query (2·tok, −1) against (pos, pos2): position i wins (margin 1); z = its tok.
* **AR**: query (2u, −1, 1) against (prev, prev2, prevkey − 1): the value right after key u wins (margin 1).
* **c-gram**: score L·Σ_s (2 w_s p_s − p_s²) − pos over the query window (tok, p1, …) and each position's
  register (p1, p2, …): the first occurrence wins (margin 1); z = its tok.
* **Counting**: an **average** head scores 2u·tok − tok2 + u²·flag (u = q from the register, flag = 1 at
  the BOS and at ``#t``): the maximal set is the BOS, the c data positions holding q, the query and
  ``#t``, so the averages are flag → 2/(c + 3) and num → t/(c + 3) (num = t at ``#t``). Then
  e = 1 − 2·avg(flag) − avg(num) = (c − 1 − t)/(c + 3) is ≥ 0 iff c > t, else ≤ −1/(n + 3); with
  M = n + 3, r₁ = ReLU(M·e + 1), r₂ = ReLU(M·e), z = r₁ − r₂ ∈ {0, 1} (no, yes). Every weight is an
  integer (M the only one growing with n); the average is not exact in floats, so the run carries a
  float certificate (:mod:`constructions.uhat.certified`, ``initial_bounds`` = the RNN's state bounds).

**Sizes** (:func:`hybrid_size`, tested against the built objects; L = the input length):

* RNN units d — Index 4, AR 9, c-gram 5 + 2(c − 1), Counting 9; transformer half: 1 attention layer,
  1 head, width d + 1 (Index, AR, c-gram) or d + 2 (Counting, with 2 ReLU units); core non-zeros
  (A, s0, the head, C) Index 18, AR 29, c-gram 17 + 8(c − 1), Counting 32: constants in n.
* Bits per unit p(n) = 1 + bl(V) (sign + magnitude, bl = bit length), V = the largest |state entry| =
  (L − 1)²: Index, AR (n + 1)², c-gram (n + c − 1)², Counting max((n + 2)², k²); state bits d·p(n) =
  O(log n) (:func:`state_bits`), against the Ω(n) bits an RNN alone needs (Thm 4.6: Index always;
  AR, c-gram, Counting with |Σ| = Θ(n)).
* Growing tables: B's d·|Σ| entries and the read-out's |answers|·(width + 1) (the vocabulary grows with n).

Exactness: the hard-head hybrids run in a float dtype only after :func:`precision_audit` with
``initial_values`` = the RNN's state bounds proves every value, score and partial sum exact
(:meth:`Hybrid.audit`; float64 at every n tested, up to 4096; float32 up to n = 2895 for Index and AR,
202 / 160 for c-gram with c = 2 / 3, 123 for Counting with k = 2 (certified)); Counting
runs with a :class:`FloatCertificate` (:meth:`Hybrid.certificate`; the proved logit error grows like
n³·2⁻⁵³: 5·10⁻⁷ at n = 1024, 3·10⁻⁵ at n = 4096, against the read-out margin 1).
The RNN's own int64 run is guarded by the same bounds (no overflow, else :class:`DtypeError`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Callable, Mapping, Sequence

import numpy as np
import torch

from automata.errors import DtypeError, ParameterError
from constructions.exact import Affine
from constructions.library.retrieval_uhat import READOUT_MARGIN, Layout, Row, match_head, readout_logits
from constructions.uhat.certified import FloatCertificate, certify_float
from constructions.uhat.model import UHAT, AttentionLayer, Head, ReLULayer
from constructions.uhat.precision import PrecisionReport, precision_audit
from constructions.uhat.semantics import generate_exact
from constructions.uhat.torch_backend import UHATModule, to_torch
from tasks.retrieval import ARTask, CgramTask, CountingTask, IndexTask, RetrievalTask

CITATION = "[WDL] Def 5.5 / Thm 5.6 (hybrid linear RNN + one transformer layer); a construction of ours"
INT64_MAX = 2**63 - 1
IntMatrix = tuple[tuple[int, ...], ...]


def _int(label: str, x: object) -> int:
    """An exact integer entry (int, numpy integer, or integral Fraction / float); else ParameterError."""
    if isinstance(x, (bool, np.bool_)):
        raise ParameterError(f"{label}: entries must be integers, got {x!r}")
    v = Fraction(x) if isinstance(x, (int, np.integer, Fraction)) else Fraction(float(x))  # type: ignore[arg-type]
    if v.denominator != 1:
        raise ParameterError(f"{label}: the linear RNN has integer weights, got {x!r}")
    return int(v)


def _matrix(label: str, m: object) -> IntMatrix:
    rows = tuple(tuple(_int(label, x) for x in row) for row in m)  # type: ignore[union-attr]
    if not rows or len({len(r) for r in rows}) != 1 or not rows[0]:
        raise ParameterError(f"{label} must be a non-empty rectangular matrix")
    return rows


@dataclass(frozen=True)
class LinearRNN:
    """s_t = A·s_{t−1} + B·e(w_t) + b over exact integers (``states[t]`` after reading w_t; s_{−1} = s0).

    ``A`` is d × d, ``B`` d × |Σ| (column a = what symbol a writes), ``s0`` and ``b`` have d entries;
    any integer array-likes (numpy, integral Fractions) are stored as tuples of Python ints."""

    A: IntMatrix
    B: IntMatrix
    s0: tuple[int, ...]
    b: tuple[int, ...] | None = None
    names: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        A, B = _matrix("A", self.A), _matrix("B", self.B)
        s0 = tuple(_int("s0", x) for x in self.s0)
        b = tuple(_int("b", x) for x in self.b) if self.b is not None else (0,) * len(s0)
        d = len(s0)
        if d == 0 or len(A) != d or len(A[0]) != d or len(B) != d or len(b) != d:
            raise ParameterError(f"linear RNN shapes: A {len(A)}×{len(A[0])}, B {len(B)}×{len(B[0])}, "
                                 f"s0 {d}, b {len(b)} — need A d×d, B d×|Σ|, s0 and b of length d")
        if self.names and len(self.names) != d:
            raise ParameterError(f"names: {len(self.names)} names for {d} units")
        for name, v in (("A", A), ("B", B), ("s0", s0), ("b", b)):
            object.__setattr__(self, name, v)

    @property
    def dim(self) -> int:
        return len(self.s0)

    @property
    def symbols(self) -> int:
        return len(self.B[0])

    @property
    def nonzeros(self) -> int:
        """Non-zero entries of the constant core A, s0, b (B is the per-symbol table)."""
        return sum(x != 0 for row in self.A for x in row) + sum(x != 0 for x in (*self.s0, *self.b))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(A, B, s0, b) as int64 arrays (DtypeError if an entry does not fit)."""
        try:
            return tuple(np.array(m, dtype=np.int64) for m in (self.A, self.B, self.s0, self.b))  # type: ignore
        except OverflowError:
            raise DtypeError("a linear RNN weight does not fit int64") from None

    def bounds(self, length: int, initial: bool = False) -> tuple[tuple[int, int], ...]:
        """Per unit, (lo, hi) over the states after every position < ``length`` of every word (and s0
        with ``initial``): interval arithmetic in exact Python integers, sound for any A, B, b (tight
        for the counters and registers here, whose intervals are exact)."""
        return _bounds(self, int(length), bool(initial))

    def magnitude(self, length: int) -> int:
        """The largest |entry| of s0 and of every state of a word of length ≤ ``length``."""
        return max(max(-lo, hi) for lo, hi in self.bounds(length, initial=True))

    def unit_bits(self, length: int) -> int:
        """Bits per unit as a signed integer: 1 + bit length of :meth:`magnitude`."""
        return 1 + self.magnitude(length).bit_length()

    def state_bits(self, length: int) -> int:
        """The state as d signed integers of :meth:`unit_bits` bits each."""
        return self.dim * self.unit_bits(length)

    def _guard(self, length: int) -> None:
        growth = max(sum(abs(x) for x in row) for row in self.A)
        add = max(max(abs(x) for x in row) + abs(c) for row, c in zip(self.B, self.b))
        if self.magnitude(length) * growth + add > INT64_MAX:
            raise DtypeError(f"linear RNN: words of length {length} overflow int64 (states up to "
                             f"{self.magnitude(length)}, |A| row sums up to {growth})")

    def _codes(self, codes: np.ndarray) -> np.ndarray:
        c = np.asarray(codes)
        if c.ndim != 2 or c.shape[1] == 0 or not np.issubdtype(c.dtype, np.integer):
            raise ParameterError("codes must be a non-empty (batch, length) integer array")
        if c.size and (c.min() < 0 or c.max() >= self.symbols):
            raise ParameterError(f"codes must be symbol indices in 0..{self.symbols - 1}")
        return c.astype(np.int64, copy=False)

    def states(self, codes: np.ndarray) -> np.ndarray:
        """(batch, L, d) int64: the exact states after each position (overflow-guarded)."""
        c = self._codes(codes)
        n, length = c.shape
        self._guard(length)
        A, B, s0, b = self.arrays()
        cols = B.T + b  # (|Σ|, d): what each symbol adds
        out = np.empty((n, length, self.dim), dtype=np.int64)
        s = np.broadcast_to(s0, (n, self.dim))
        for t in range(length):
            s = s @ A.T + cols[c[:, t]]
            out[:, t] = s
        return out

    def states_torch(self, codes: torch.Tensor) -> torch.Tensor:
        """:meth:`states` in torch int64 on ``codes``' device (CPU or CUDA; no integer matmul needed)."""
        if codes.dim() != 2 or codes.shape[1] == 0:
            raise ParameterError("codes must be a non-empty (batch, length) LongTensor")
        if codes.numel() and (int(codes.min()) < 0 or int(codes.max()) >= self.symbols):
            raise ParameterError(f"codes must be symbol indices in 0..{self.symbols - 1}")
        n, length = codes.shape
        self._guard(length)
        dev = codes.device
        A, B, s0, b = (torch.from_numpy(m).to(dev) for m in self.arrays())
        cols = B.T + b
        out = torch.empty(n, length, self.dim, dtype=torch.int64, device=dev)
        s = s0.expand(n, self.dim)
        for t in range(length):
            s = (s[:, None, :] * A[None]).sum(-1) + cols[codes[:, t]]
            out[:, t] = s
        return out


@lru_cache(maxsize=64)
def _bounds(rnn: LinearRNN, length: int, initial: bool) -> tuple[tuple[int, int], ...]:
    if length < 1:
        raise ParameterError("length must be ≥ 1")
    col_lo = [min(row) + c for row, c in zip(rnn.B, rnn.b)]
    col_hi = [max(row) + c for row, c in zip(rnn.B, rnn.b)]
    terms = [[(c, a) for c, a in enumerate(row) if a] for row in rnn.A]
    lo, hi = list(rnn.s0), list(rnn.s0)
    out_lo, out_hi = (list(rnn.s0), list(rnn.s0)) if initial else (None, None)
    for _ in range(length):
        lo, hi = ([sum(a * (lo[c] if a > 0 else hi[c]) for c, a in terms[r]) + col_lo[r] for r in range(rnn.dim)],
                  [sum(a * (hi[c] if a > 0 else lo[c]) for c, a in terms[r]) + col_hi[r] for r in range(rnn.dim)])
        out_lo = lo if out_lo is None else [min(x, y) for x, y in zip(out_lo, lo)]
        out_hi = hi if out_hi is None else [max(x, y) for x, y in zip(out_hi, hi)]
    return tuple(zip(out_lo, out_hi))  # type: ignore[arg-type]


@dataclass(frozen=True)
class HybridSize:
    """A hybrid's size: the constant core (:attr:`core`) and what grows with n (unit bits, tables)."""

    units: int  # d, the RNN's state dimension
    unit_bits: int  # p(n) = 1 + bl(V(n)), sign included
    attention_layers: int
    heads: int
    relu_units: int
    width: int  # the transformer half's largest width
    core_nonzeros: int  # non-zeros of A, s0, b and of the attention layer's maps (head A/B, C)
    table_params: int  # d·|Σ| (B) + |answers|·(width + 1) (read-out): grow with the vocabulary

    @property
    def state_bits(self) -> int:
        return self.units * self.unit_bits

    @property
    def core(self) -> tuple[int, int, int, int, int, int]:
        """(units, attention layers, heads, ReLU units, width, core non-zeros): constant in n."""
        return (self.units, self.attention_layers, self.heads, self.relu_units, self.width, self.core_nonzeros)


_MODULES: dict[tuple[int, int, str, str], tuple["Hybrid", UHATModule]] = {}


@dataclass(frozen=True)
class Hybrid:
    """A linear RNN followed by one transformer layer ([WDL] Def 5.5): the RNN's states are the
    transformer half's layer-0 vectors; :meth:`answer` reads the generated answer at the last position."""

    rnn: LinearRNN
    net: UHAT

    def __post_init__(self) -> None:
        if self.net.output is None:
            raise ParameterError("the transformer half must be a generator (an output read-out)")
        if self.rnn.dim != self.net.embedding.out_dim or self.rnn.symbols != len(self.net.alphabet):
            raise ParameterError(f"the RNN has {self.rnn.dim} units over {self.rnn.symbols} symbols; the network "
                                 f"reads width {self.net.embedding.out_dim} over {len(self.net.alphabet)} symbols")

    @property
    def attention(self) -> AttentionLayer:
        (layer,) = [x for x in self.net.layers if isinstance(x, AttentionLayer)]
        return layer

    def audit(self, length: int) -> PrecisionReport:
        """The transformer half's precision audit for layer-0 vectors = the RNN's states of words of
        length ≤ ``length``."""
        return precision_audit(self.net, length, initial_values=self.rnn.bounds(length))

    def attention_bits(self, length: int) -> int:
        """Bits (sign + magnitude) of every value, score and partial sum of the transformer half."""
        return self.audit(length).bits

    def certificate(self, length: int, dtype: str = "float64") -> FloatCertificate:
        """The float certificate of the transformer half (for averaging heads) on the RNN's states."""
        mags = [max(-lo, hi) for lo, hi in self.rnn.bounds(length)]
        return certify_float(self.net, dtype, length, {}, READOUT_MARGIN, initial_bounds=mags)

    def module(self, length: int, dtype: str = "float64", device: str = "cpu") -> UHATModule:
        """The transformer half in torch, proved exact (hard heads: the audit on the RNN's bounds) or
        certified (averaging heads) for words of length ≤ ``length``; :class:`DtypeError` otherwise.
        (the module audits the RNN's state bounds and refuses layer-0 vectors outside them.)"""
        key = (id(self), length, str(dtype), str(device))
        hit = _MODULES.get(key)
        if hit is not None and hit[0] is self:
            return hit[1]
        report = self.audit(length)
        cert = None
        if report.integral:
            report.check(dtype, "hybrid transformer half")
        else:
            cert = self.certificate(length, dtype)
            if not cert.ok:
                raise DtypeError(f"hybrid transformer half not certified in {dtype}: {cert.reason}")
        module = to_torch(self.net, dtype, device, max_len=length, certificate=cert,
                          initial_values=self.rnn.bounds(length))
        if len(_MODULES) > 16:
            _MODULES.clear()
        _MODULES[key] = (self, module)
        return module

    def answer(self, codes: np.ndarray, dtype: str = "float64", device: str = "cpu") -> np.ndarray:
        """Answer symbol indices (into the alphabet) of a (batch, L) batch of input codes: the RNN's
        int64 states (torch), then the transformer half's ``generate(initial=states)``."""
        words = torch.as_tensor(np.asarray(codes), dtype=torch.int64, device=device)
        module = self.module(words.shape[1], dtype, device)
        with torch.no_grad():
            states = self.rnn.states_torch(words)
            got = module.generate(initial=states.to(module.dtype)).cpu().numpy()
        return self._symbols()[got]

    def answer_exact(self, codes: Sequence[int]) -> tuple[int, Fraction]:
        """One input's answer (alphabet index) and logit margin by the exact rational semantics
        (:func:`~constructions.uhat.semantics.run_exact` with the RNN's states as ``initial``)."""
        states = self.rnn.states(np.asarray(codes, dtype=np.int64)[None])[0]
        sym, margin = generate_exact(self.net, None, initial=[[int(x) for x in row] for row in states])
        return self.net.alphabet.index(sym), margin

    def _symbols(self) -> np.ndarray:
        """Alphabet index of every output symbol (a dict lookup: the alphabet has ~2n symbols)."""
        index = {s: k for k, s in enumerate(self.net.alphabet)}
        return np.array([index[s] for s in self.net.output_symbols], dtype=np.int64)

    def size(self, length: int) -> HybridSize:
        """The size measured on the built objects, bits per unit for words of length ≤ ``length``."""
        layer = self.attention
        maps = [m for h in layer.heads for m in (h.A, h.B)] + [layer.C]
        relu = sum(len(x.coords) for x in self.net.layers if isinstance(x, ReLULayer))
        out = self.net.output
        return HybridSize(self.rnn.dim, self.rnn.unit_bits(length), 1, layer.n_heads, relu, max(self.net.widths()),
                          self.rnn.nonzeros + sum(m.nonzeros for m in maps),
                          self.rnn.dim * self.rnn.symbols + out.out_dim * (out.in_dim + 1))


# -- the constructions ------------------------------------------------------------------------------
COUNTER = ("one", "pos", "pos2")


def _rnn(task: RetrievalTask, lay: Layout, token: Mapping[str, Callable[[str], int]],
         shift: Mapping[str, str]) -> LinearRNN:
    """Counter (1, t, t²) with s0 = (1, −1, 1); ``token`` units written by B per symbol; ``shift``:
    unit ← the previous state's unit (the register)."""
    d, ix = lay.width, lay.index
    A = [[0] * d for _ in range(d)]
    for r, c, a in (("one", "one", 1), ("pos", "one", 1), ("pos", "pos", 1),
                    ("pos2", "one", 1), ("pos2", "pos", 2), ("pos2", "pos2", 1)):
        A[ix(r)][ix(c)] = a
    for dst, src in shift.items():
        A[ix(dst)][ix(src)] = 1
    B = [[0] * len(task.alphabet) for _ in range(d)]
    for unit, f in token.items():
        for a, sym in enumerate(task.alphabet):
            B[ix(unit)][a] = f(sym)
    s0 = [0] * d
    s0[ix("one")], s0[ix("pos")], s0[ix("pos2")] = 1, -1, 1
    return LinearRNN(tuple(map(tuple, A)), tuple(map(tuple, B)), tuple(s0), None, lay.names)


def _generator(task: RetrievalTask, lay: Layout, extra: Sequence[str], head: Head, updates: Mapping[str, Row],
               z: Row, relu: Sequence[str] = ()) -> UHAT:
    """The transformer half: zero embedding (the RNN's states are given), one attention layer whose C
    keeps the state and writes ``extra`` coordinates, an optional ReLU on ``relu``, read-out on z."""
    out = Layout((*lay.names, *extra))
    cols = [*lay.names, *(f"@1:{n}" for n in lay.names)]
    C = lay.affine([updates.get(n, {n: 1}) for n in out.names], cols)
    layers: list = [AttentionLayer(head.A, head.B, C, head.mask, head.tiebreak, head.mode, head.beta)]
    if relu:
        layers.append(ReLULayer(out.width, tuple(out.index(r) for r in relu)))
    return UHAT(task.alphabet, Affine.zero(len(task.alphabet), lay.width), tuple(layers), None, "last", "packed",
                (lay.names, *(out.names,) * len(layers)), positions=None, output=readout_logits(task, out, z),
                output_symbols=tuple(task.answer_symbols))



def index_hybrid(task: IndexTask) -> Hybrid:
    """Index (Def 4.2): RNN (one, pos, pos2, tok), d = 4; the head matches (2·tok, −1)·(pos, pos2)."""
    lay = Layout((*COUNTER, "tok"))
    rnn = _rnn(task, lay, {"tok": task.value}, {})
    head = match_head(lay, [{"tok": 2}, {"one": -1}], [{"pos": 1}, {"pos2": 1}], "j<=i", None)
    return Hybrid(rnn, _generator(task, lay, ("out",), head, {"out": {"@1:tok": 1}}, {"out": 1}))


def ar_hybrid(task: ARTask) -> Hybrid:
    """AR (Def 4.3): RNN (counter, tok, tok2, iskey, prev, prev2, prevkey), d = 9; register prev ← tok."""
    lay = Layout((*COUNTER, "tok", "tok2", "iskey", "prev", "prev2", "prevkey"))
    token = {"tok": task.value, "tok2": lambda s: task.value(s) ** 2, "iskey": lambda s: int(s.startswith("k"))}
    rnn = _rnn(task, lay, token, {"prev": "tok", "prev2": "tok2", "prevkey": "iskey"})
    head = match_head(lay, [{"tok": 2}, {"one": -1}, {"one": 1}], [{"prev": 1}, {"prev2": 1}, {"prevkey": 1, "1": -1}],
                       "j<=i", None)
    return Hybrid(rnn, _generator(task, lay, ("out",), head, {"out": {"@1:tok": 1}}, {"out": 1}))


def cgram_hybrid(task: CgramTask) -> Hybrid:
    """c-gram (Def 4.4): RNN (counter, tok, tok2, p1, p1sq, …, p_{c−1}, p_{c−1}sq), d = 5 + 2(c − 1);
    the head scores L·Σ_s (2·w_s·p_s − p_s²) − pos, w = (tok, p1, …) at the last position."""
    c, length = task.c, task.input_length
    regs = [name for r in range(1, c) for name in (f"p{r}", f"p{r}sq")]
    lay = Layout((*COUNTER, "tok", "tok2", *regs))
    shift = {"p1": "tok", "p1sq": "tok2"}
    shift.update({f"p{r}": f"p{r - 1}" for r in range(2, c)})
    shift.update({f"p{r}sq": f"p{r - 1}sq" for r in range(2, c)})
    rnn = _rnn(task, lay, {"tok": task.value, "tok2": lambda s: task.value(s) ** 2}, shift)
    q_rows: list[Row] = []
    k_rows: list[Row] = []
    for s in range(1, c):
        w = "tok" if s == 1 else f"p{s - 1}"
        q_rows += [{w: 2 * length}, {"one": -length}]
        k_rows += [{f"p{s}": 1}, {f"p{s}sq": 1}]
    head = match_head(lay, [*q_rows, {"one": -1}], [*k_rows, {"pos": 1}], "j<=i", None)
    return Hybrid(rnn, _generator(task, lay, ("out",), head, {"out": {"@1:tok": 1}}, {"out": 1}))


def counting_hybrid(task: CountingTask) -> Hybrid:
    """Counting (Def 4.5): RNN (counter, tok, tok2, flag, num, prev, prev2), d = 9 — tok = the value of
    data symbols (0 otherwise), flag = [BOS or #t], num = t at #t; one average head, then
    r₁ = ReLU(M·e + 1), r₂ = ReLU(M·e), e = 1 − 2·avg(flag) − avg(num), M = n + 3 (module docstring)."""
    lay = Layout((*COUNTER, "tok", "tok2", "flag", "num", "prev", "prev2"))
    data = lambda s: task.value(s) if s.isdigit() else 0  # noqa: E731 — data symbols "1".."k"
    token = {"tok": data, "tok2": lambda s: data(s) ** 2, "flag": lambda s: int(s == "<s>" or s.startswith("#")),
             "num": lambda s: task.value(s) if s.startswith("#") else 0}
    rnn = _rnn(task, lay, token, {"prev": "tok", "prev2": "tok2"})
    query = lay.affine([{"prev": 2}, {"one": -1}, {"prev2": 1}])  # (2u, −1, u²), u = q from the register
    head = Head(query, lay.affine([{"tok": 1}, {"tok2": 1}, {"flag": 1}]), "j<=i", "leftmost", "average")
    big = task.n + 3
    e = {"@1:flag": -2 * big, "@1:num": -big}
    updates = {"r1": {**e, "1": big + 1}, "r2": {**e, "1": big}}
    return Hybrid(rnn, _generator(task, lay, ("r1", "r2"), head, updates, {"r1": 1, "r2": -1}, ("r1", "r2")))


def retrieval_hybrid(task: RetrievalTask) -> Hybrid:
    """The hybrid for ``task`` (Index, AR, c-gram, Counting)."""
    for cls, build in ((IndexTask, index_hybrid), (ARTask, ar_hybrid), (CgramTask, cgram_hybrid),
                       (CountingTask, counting_hybrid)):
        if isinstance(task, cls):
            return build(task)  # type: ignore[operator]
    raise ParameterError(f"no hybrid construction for {type(task).__name__}")


# -- the size formulas ------------------------------------------------------------------------------
def _units(task: RetrievalTask) -> tuple[int, int, int]:
    """(d, ReLU units, core non-zeros) per task: constants (c-gram's depend on c). Core non-zeros =
    9 (counter: 6 in A, 3 in s0) + register copies + the head's query/key entries + C (d kept
    coordinates + the computed rows): Index 9 + 0 + 4 + 5, AR 9 + 3 + 7 + 10,
    c-gram 9 + 2(c − 1) + (4(c − 1) + 2) + (6 + 2(c − 1)) = 17 + 8(c − 1), Counting 9 + 2 + 6 + 15."""
    if isinstance(task, IndexTask):
        return 4, 0, 18
    if isinstance(task, ARTask):
        return 9, 0, 29
    if isinstance(task, CgramTask):
        return 5 + 2 * (task.c - 1), 0, 17 + 8 * (task.c - 1)
    if isinstance(task, CountingTask):
        return 9, 2, 32
    raise ParameterError(f"no hybrid construction for {type(task).__name__}")


def largest_state_entry(task: RetrievalTask) -> int:
    """V(n), the largest |state entry| over all words of the input length L: (L − 1)², and k² for Counting."""
    top = (task.input_length - 1) ** 2
    return max(top, task.kk ** 2) if isinstance(task, CountingTask) else top


def state_bits(task: RetrievalTask) -> int:
    """The linear RNN's state in bits: d units × p(n) = 1 + bl(V(n)) bits (sign + magnitude): O(log n)."""
    return _units(task)[0] * (1 + largest_state_entry(task).bit_length())


def hybrid_size(task: RetrievalTask) -> HybridSize:
    """The size formulas of the module docstring (what :meth:`Hybrid.size` measures)."""
    d, relu, nz = _units(task)
    width = d + (2 if relu else 1)
    table = d * len(task.alphabet) + len(task.answer_symbols) * (width + 1)
    return HybridSize(d, 1 + largest_state_entry(task).bit_length(), 1, 1, relu, width, nz, table)


def core_size(task: RetrievalTask) -> tuple[int, int, int, int, int, int]:
    """:attr:`HybridSize.core` by formula: (d, 1, 1, ReLU units, width, core non-zeros), constant in n."""
    return hybrid_size(task).core


__all__ = ["CITATION", "Hybrid", "HybridSize", "LinearRNN", "ar_hybrid", "cgram_hybrid", "core_size", "counting_hybrid",
           "hybrid_size", "index_hybrid", "largest_state_entry", "retrieval_hybrid", "state_bits"]
