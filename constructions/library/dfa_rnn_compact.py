"""The compact DFA → RNN construction with ``O(√m)`` state units [THEORY §7].

The idea — lay the ``m`` states out on a ``√m × √m`` grid and let a depth-2 threshold network move
the (row, column) code — is that of Horne & Hush (*Bounds on the complexity of recurrent neural
network implementations of finite state machines*, Neural Networks 1996) and Indyk (*Optimal
simulation of automata by neural nets*, STACS 1995), after Dewdney's and Alon–Dewdney–Ott's
threshold-net simulations. The network below is our own exact variant on the
:class:`constructions.rnn.deep.DeepRNN` model ([BCL] §2.4: any transition, ``k`` bits per unit).

Construction for a DFA ``(Q, Σ, δ, q0, F)`` (first completed with a rejecting sink if partial;
``reduce=True`` minimises it first). Let ``m = |Q|``, ``k = |Σ|``, ``s = ⌈√m⌉``, ``R = ⌈m/s⌉``.

* **Numbering.** The accepting states get the numbers ``0..|F|−1``, the others ``|F|..m−1`` (each
  group in the DFA's order); number ``q`` sits in row ``r = q div s`` and column ``c = q mod s``.
* **State** (``D = (R − 1) + (s − 1)`` units, all 0/1, so ``k = 1`` bit each): the thermometer codes
  ``T_i = [r ≥ i]`` (``i = 1..R−1``) and ``C_j = [c ≥ j]`` (``j = 1..s−1``). With ``T_0 = 1`` and
  ``T_R = 0`` the one-hot indicators ``[r = i] = T_i − T_{i+1}`` and ``[c = j] = C_j − C_{j+1}`` are
  affine in ``h``.
* **Layer 1** (ReLU; one unit per row ``r`` and symbol ``σ`` in each of two families, a family being
  dropped when its code is empty, i.e. rows when ``R = 1`` and columns when ``s = 1``)::

      z_{r,σ} = ReLU( Σ_c α_{r,σ}(c)·[c_cur = c] + M·([r_cur = r] + x_σ − 2) )

  with ``α_{r,σ}(c) = 1 + row(δ(q_{r,c}, σ))`` and ``M = R`` in the row family,
  ``α = 1 + col(δ(q_{r,c}, σ))`` and ``M = s`` in the column family (``α`` of an empty grid cell
  repeats its left neighbour). Telescoping, ``Σ_c α(c)[c_cur = c] = α(0) + Σ_{j≥1} (α(j) − α(j−1))·C_j``.
  If ``r_cur = r`` and ``w_t = σ`` the unit equals ``α ≥ 1``; otherwise its argument is at most
  ``α − M ≤ 0``. So exactly one unit of each family is non-zero, and it equals ``1 + r'``
  (resp. ``1 + c'``) for the next state ``q' = δ(q, w_t)`` (an OR of ANDs, done by the sum below).
* **Layer 2** (Heaviside): ``T'_i = H(Σ_{r,σ} z^{row}_{r,σ} − i)`` and ``C'_j = H(Σ z^{col} − j)``.
* **Readout**: the state number ``q = s·Σ T_i + Σ C_j`` is affine in ``h``, and ``q ∈ F`` iff
  ``q < |F|`` by the numbering, so ``readout(h) = |F| − s·Σ_i T_i − Σ_j C_j`` — no extra unit (a
  set of (row, column) pairs is not a linear form in general; the renumbering makes it one).

**Size formulas** (``m`` = states of the completed, optionally minimised, DFA; ``[P]`` = 1 if P):

* state units ``D = R + s − 2 ≤ 2⌈√m⌉ − 2`` (``R ∈ {s − 1, s}`` for ``m ≥ 2``), ``state_bits = D``;
* hidden units ``H = k·R·([R > 1] + [s > 1]) ≤ 2k⌈√m⌉``; depth 2;
* ``params = H·(D + k + 1) + D·(H + 1) + 2D + 1``; every weight is an integer of absolute value at
  most ``max(2s, |F|)``, so the network runs on int64.

:func:`compare_with_dfa` checks any RNN with ``run_prefixes`` (this one, :class:`ElmanRNN`) against a
DFA on every non-empty word up to a length and returns the shortest, then least, disagreement.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import isqrt
from typing import Protocol

import numpy as np

from automata.alphabet import all_words, decode_word
from automata.dfa import DFA
from automata.errors import ParameterError
from constructions.exact import Affine
from constructions.rnn.deep import DeepRNN, Layer

Word = tuple[str, ...]


def ceil_sqrt(m: int) -> int:
    """``⌈√m⌉`` exactly (integer arithmetic)."""
    r = isqrt(m)
    return r if r * r == m else r + 1


@dataclass(frozen=True)
class CompactLayout:
    """The grid: ``number[q]`` is state ``q``'s number, in row ``number // s`` and column ``number % s``."""

    m: int
    k: int
    s: int
    rows: int
    accepting: int
    number: tuple[int, ...]

    @property
    def state_units(self) -> int:
        return self.rows + self.s - 2

    @property
    def hidden_units(self) -> int:
        return self.k * self.rows * (int(self.rows > 1) + int(self.s > 1))

    def code(self, q: int) -> tuple[int, ...]:
        """The state vector ``(T_1..T_{R−1}, C_1..C_{s−1})`` of DFA state ``q``."""
        r, c = divmod(self.number[q], self.s)
        return tuple(int(r >= i) for i in range(1, self.rows)) + tuple(int(c >= j) for j in range(1, self.s))


def predicted_size(m: int, k: int) -> dict[str, int]:
    """The size formulas of the module docstring for ``m`` states and ``k`` symbols."""
    if m < 1 or k < 1:
        raise ParameterError(f"need m >= 1 states and k >= 1 symbols, got m={m}, k={k}")
    s = ceil_sqrt(m)
    rows = -(-m // s)
    d = rows + s - 2
    h = k * rows * (int(rows > 1) + int(s > 1))
    return {"s": s, "rows": rows, "state_units": d, "hidden_units": h, "depth": 2,
            "params": h * (d + k + 1) + d * (h + 1) + 2 * d + 1, "state_bits": d}


def _prepare(dfa: DFA, reduce: bool) -> DFA:
    if not isinstance(dfa, DFA):
        raise ParameterError(f"expected a DFA, got {type(dfa).__name__}")
    return dfa.minimise() if reduce else dfa.complete()


def compact_layout(dfa: DFA, reduce: bool = False) -> CompactLayout:
    """The grid layout that :func:`dfa_to_compact_rnn` uses (on the completed / minimised DFA)."""
    d = _prepare(dfa, reduce)
    m, k = d.num_states, len(d.alphabet)
    order = [q for q in range(m) if d.accepting[q]] + [q for q in range(m) if not d.accepting[q]]
    number = [0] * m
    for n, q in enumerate(order):
        number[q] = n
    s = ceil_sqrt(m)
    return CompactLayout(m, k, s, -(-m // s), int(d.accepting.sum()), tuple(number))


def dfa_to_compact_rnn(dfa: DFA, reduce: bool = False) -> DeepRNN:
    """A depth-2 :class:`DeepRNN` with ``R + s − 2`` 0/1 state units recognising ``L(dfa) \\ {ε}``.

    See the module docstring for the construction and its size formulas; ``reduce=True`` builds it
    on the minimal DFA (fewer states, same language).
    """
    d = _prepare(dfa, reduce)
    lay = compact_layout(d)
    k, s, rows = lay.k, lay.s, lay.rows
    nt, nc = rows - 1, s - 1  # thermometer widths: T_1..T_{R−1} then C_1..C_{s−1}
    dim = nt + nc
    state_at = {n: q for q, n in enumerate(lay.number)}

    def t_col(i: int) -> int | None:  # column of T_i in (h, x); None for the constants T_0, T_R
        return i - 1 if 1 <= i <= nt else None

    ent: dict[tuple[int, int], int] = {}
    bias: dict[int, int] = {}
    unit = 0
    families = []
    for fam, (wanted, big) in enumerate(((nt > 0, rows), (nc > 0, s))):
        if not wanted:
            continue
        first = unit
        for r in range(rows):
            for a in range(k):
                alpha: list[int] = []
                for c in range(s):
                    q = state_at.get(r * s + c)
                    if q is None:  # empty cell (last row): repeat the left neighbour
                        alpha.append(alpha[-1])
                        continue
                    row_next, col_next = divmod(lay.number[int(d.delta[q, a])], s)
                    alpha.append(1 + (row_next if fam == 0 else col_next))
                b = alpha[0] - 2 * big
                for j in range(1, s):
                    if alpha[j] != alpha[j - 1]:
                        ent[(unit, nt + j - 1)] = alpha[j] - alpha[j - 1]
                lo, hi = t_col(r), t_col(r + 1)  # [r_cur = r] = T_r − T_{r+1}
                if lo is None:
                    b += big if r == 0 else 0
                else:
                    ent[(unit, lo)] = ent.get((unit, lo), 0) + big
                if hi is not None:
                    ent[(unit, hi)] = ent.get((unit, hi), 0) - big
                ent[(unit, dim + a)] = big
                bias[unit] = b
                unit += 1
        families.append((fam, range(first, unit)))
    hidden = unit
    out_ent: dict[tuple[int, int], int] = {}
    out_bias: dict[int, int] = {}
    for fam, members in families:
        width, offset = (nt, 0) if fam == 0 else (nc, nt)
        for i in range(1, width + 1):
            for z in members:
                out_ent[(offset + i - 1, z)] = 1
            out_bias[offset + i - 1] = -i
    readout = {(0, i): -s for i in range(nt)} | {(0, nt + j): -1 for j in range(nc)}
    names = tuple(f"row≥{i}" for i in range(1, rows)) + tuple(f"col≥{j}" for j in range(1, s))
    return DeepRNN(
        alphabet=d.alphabet,
        layers=(Layer(Affine.build(dim + k, hidden, ent, bias), "relu"),
                Layer(Affine.build(hidden, dim, out_ent, out_bias), "heaviside")),
        h0=tuple(Fraction(v) for v in lay.code(d.start)),
        readout=Affine.build(dim, 1, readout, {0: lay.accepting}),
        precision_bits=1,
        unit_names=names,
    )


class _PrefixRunner(Protocol):
    alphabet: tuple[str, ...]

    def run_prefixes(self, words: np.ndarray) -> np.ndarray: ...


def compare_with_dfa(rnn: _PrefixRunner, dfa: DFA, max_len: int, chunk: int = 1 << 15,
                     max_words: int = 1 << 24) -> Word | None:
    """The shortest, then lexicographically least, non-empty word of length ≤ ``max_len`` on which
    ``rnn`` and ``dfa`` disagree, or None (the empty word is excluded: RNNs never accept it).

    All ``|Σ|^max_len`` words of length ``max_len`` are run in lexicographic chunks; every shorter word
    is a prefix of one of them, and for the least differing prefix length the first differing row
    (in lexicographic order) spells the least word. Raises :class:`ParameterError` for a length below
    1, mismatched alphabets, or more than ``max_words`` words.
    """
    if isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 1:
        raise ParameterError(f"max_len must be a positive integer, got {max_len!r}")
    if tuple(rnn.alphabet) != tuple(dfa.alphabet):
        raise ParameterError(f"alphabets differ: {rnn.alphabet!r} vs {dfa.alphabet!r}")
    k = len(dfa.alphabet)
    if k**max_len > max_words:
        raise ParameterError(f"{k}^{max_len} words exceed the limit of {max_words}")
    best: tuple[int, Word] | None = None
    for lo in range(0, k**max_len, chunk):
        words = all_words(max_len, k, lo, lo + chunk)
        if best is not None:
            words = words[:, : best[0]]  # only strictly shorter disagreements can still win
            if words.shape[1] == 0:
                break
        diff = np.asarray(rnn.run_prefixes(words)) != dfa.run_prefixes(words)
        if diff.any():
            col = int(np.flatnonzero(diff.any(axis=0))[0])
            row = int(np.flatnonzero(diff[:, col])[0])
            if best is None or col < best[0]:
                best = (col, decode_word(words[row, : col + 1], dfa.alphabet))
    return None if best is None else best[1]
