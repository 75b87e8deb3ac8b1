"""The one-hot (Minsky-style) DFA → Elman RNN construction [Minsky 1967; THEORY §7].

Minsky (*Computation: Finite and Infinite Machines*, 1967) simulates a finite automaton by a net of
threshold units, one unit per (state, last input) pair. Here, for a DFA ``(Q, Σ, δ, q0, F)``:

* one **start** unit, 1 in ``h0`` and 0 after the first step (its pre-activation is always 0);
* one unit ``[q, a]`` for every pair with ``q = δ(p, a)`` for some state ``p`` reachable from ``q0``
  (the other pairs can never be active, so they are pruned). By default the DFA is first trimmed
  (:meth:`DFA.trim`: states that cannot reach an accepting state, such as a sink, are dropped and
  their transitions become missing — the language is unchanged); unit names use the trimmed numbering;
* ReLU, ``h_t[q, a] = ReLU( Σ_{[p, b] : δ(p, a) = q} h_{t−1}[p, b] + [δ(q0, a) = q]·h_{t−1}[start]
  + x_a − 1 )`` where ``x_a = e(w_t)_a``. Exactly one unit is 1 after each symbol — the one of the
  current state and the symbol just read — or none once a missing transition was taken (the run is
  dead for good). All values are 0/1, so ``precision_bits = 1``; all weights lie in {−1, 0, 1}.
* readout ``Σ_{q ∈ F, a} h[q, a]`` with ``c = 0``: accept iff the current state is accepting.

**Size formula.** ``D = 1 + |{(δ(p, a), a) : p reachable, δ(p, a) defined}| ≤ m·|Σ| + 1`` units for
``m`` states (of the trimmed DFA by default); ``W`` has one non-zero per (unit, predecessor unit) edge.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from automata.dfa import DFA
from constructions.exact import Affine
from constructions.rnn.model import ElmanRNN


def reachable_states(dfa: DFA) -> list[int]:
    """States reachable from the start, in BFS order."""
    seen, order = {dfa.start}, [dfa.start]
    for q in order:
        for r in dfa.delta[q]:
            r = int(r)
            if r >= 0 and r not in seen:
                seen.add(r)
                order.append(r)
    return order


def unit_pairs(dfa: DFA) -> list[tuple[int, int]]:
    """The sorted (state, symbol) pairs that get a unit (the start unit excluded)."""
    pairs = {(int(dfa.delta[p, a]), a) for p in reachable_states(dfa) for a in range(len(dfa.alphabet))
             if dfa.delta[p, a] >= 0}
    return sorted(pairs)


def predicted_units(dfa: DFA, trim: bool = True) -> int:
    """The size formula: ``1 + |{(δ(p, a), a) : p reachable}|`` (on ``dfa.trim()`` if ``trim``)."""
    return 1 + len(unit_pairs(dfa.trim() if trim else dfa))


def dfa_to_rnn(dfa: DFA, trim: bool = True) -> ElmanRNN:
    """The one-hot ReLU RNN recognising exactly ``L(dfa)`` (non-empty words); see the module docstring."""
    if trim:
        dfa = dfa.trim()
    k = len(dfa.alphabet)
    pairs = unit_pairs(dfa)
    index = {pq: i + 1 for i, pq in enumerate(pairs)}  # unit 0 is the start unit
    d = 1 + len(pairs)
    w: dict[tuple[int, int], int] = {}
    u: dict[tuple[int, int], int] = {}
    bias: dict[int, int] = {}
    delta = np.asarray(dfa.delta)
    for (q, a), row in index.items():
        u[(row, a)] = 1
        bias[row] = -1
    sources = [(dfa.start, 0)] + [(p, col) for (p, _), col in index.items()]
    for p, col in sources:  # edge [p, ·] → [δ(p, a), a]
        for a in range(k):
            if delta[p, a] >= 0:
                w[(index[(int(delta[p, a]), a)], col)] = 1
    readout = {(0, index[(q, a)]): 1 for (q, a) in pairs if dfa.accepting[q]}
    names = ("start", *(f"[{q},{dfa.alphabet[a]}]" for q, a in pairs))
    return ElmanRNN(
        alphabet=dfa.alphabet,
        W=Affine.build(d, d, w),
        U=Affine.build(k, d, u, bias),
        h0=(Fraction(1),) + (Fraction(0),) * len(pairs),
        activation="relu",
        readout=Affine.build(d, 1, readout),
        precision_bits=1,
        unit_names=names,
    )
