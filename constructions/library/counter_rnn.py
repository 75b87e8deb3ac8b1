"""A structured ReLU RNN for the counter language of [BCL] Example 2 (THEORY §3, §7): 6n + 3 units.

The language (both variants, see :mod:`tasks.counter`): blocks ``bin_n(v) x_v #`` for ``v = 0, 1, …``
(bits most significant first), letters ``x_v`` with ``(x_v, x_{v+1}) ∈ H``; ``full`` = exactly the
``2^n`` blocks, ``stream`` = the first ``m`` blocks, ``1 ≤ m ≤ 2^n``. Its minimal DFA has
``Θ(2^n·n)`` states (THEORY §5's automaton bound: the shortest word is that long), so the one-hot route
(:mod:`constructions.library.dfa_rnn`) needs exponentially many units; this network has ``O(n)`` units
of precision ``k = 1`` (every value is 0 or 1), i.e. ``6n + 3`` state bits.

**Gadget.** Every logical variable is the sum of mutually exclusive units, each unit an AND of
literals: ``ReLU(Σ positive + Σ (1 − negative) − (#literals − 1))``; a literal is an old-state
variable or a set of input symbols (``Σ_s x_s``). Exclusivity keeps every variable in {0, 1}, so the
AND is exact. A unit may serve several variables (it is then counted once).

**State** (``j`` = bit slots ``0..n−1`` of the block, MSB first):

* ``start`` (1 only in ``h0``) — "at slot 0 of the first block";
* ``P0 = AND(P_{n+1}, x_#)`` — "at slot 0 of a later block";
* in block positions ``1..n−1``, one exclusive unit family per comparison state:
  ``Z`` (first block, all bits 0 so far), ``E`` (bits equal to the previous block's so far), ``F``
  (the increment's flip, previous 0 → current 1, happened, and since then previous 1 → current 0):
  ``Z_{j+1} = AND(Z_j, x_0)``; ``E_{j+1} = AND(E_j, x_0, ¬R_j) + AND(E_j, x_1, R_j)``;
  ``F_{j+1} = AND(E_j, x_1, ¬R_j) + AND(F_j, x_0, R_j)``, with ``Z_0 = start``, ``E_0 = P0``;
* after the last bit only the successful comparisons survive:
  ``P_n = AND(Z_{n−1}, x_0) + AND(E_{n−1}, x_1, ¬R_{n−1}) + AND(F_{n−1}, x_0, R_{n−1})``;
* the letter slot: ``P_{n+1} = Σ_groups AND(P_n, x_group, ¬L_forbidden)``: letters are grouped by
  (allowed predecessors, allowed successors); ``L_C`` remembers that the last letter lies in class
  ``C`` of letters with equal successor sets — ``L_C = [group units of C] + AND(L_C, ¬P_n)``;
  only classes that forbid some letter get a register (in the first block all ``L_C = 0``);
* bit registers ``R_j`` (the bit at slot ``j`` of the latest block): ``R_j = AND(R_j, ¬pos_j) +
  [the units at slot j that read x_1]`` with ``pos_j`` the units of position ``j``; the comparison
  reads the old ``R_j`` in the very step that overwrites it.

A wrong symbol, a wrong letter or a failed increment has no successor unit, so every position unit
becomes 0 and stays 0: the run is dead (this replaces a separate ``alive`` flag).

**Readout.** ``stream``: ``P0 > 0`` (a block was just completed correctly; a block after ``1^n`` has no
flip and dies). ``full``: ``P0 + Σ_j R_j − n > 0`` (also the last block was ``1^n``, so exactly
``2^n`` blocks were read).

**Size formula.** ``D = 6n − 1 + g + r`` with ``g`` letter groups and ``r`` letter registers:
``start`` + ``P0`` (2), the bit transitions (``5n − 3``), ``n`` register holds, ``g`` letter units,
``r`` letter holds. For H = {(a,b),(b,c),(b,a),(c,b)}: g = r = 2, **D = 6n + 3**.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Sequence

from automata.errors import ParameterError
from constructions.exact import Affine
from constructions.rnn.model import ElmanRNN
from tasks.counter import ALPHABET, DEFAULT_H, LETTERS, SEP, CounterTask, check_params


@dataclass(frozen=True)
class Lit:
    """A literal: an old-state variable (``var``) or a set of current input symbols (``syms``)."""

    var: str | None = None
    syms: tuple[str, ...] = ()
    positive: bool = True


def V(name: str, positive: bool = True) -> Lit:
    return Lit(var=name, positive=positive)


def X(*syms: str) -> Lit:
    return Lit(syms=tuple(syms))


class AndNet:
    """Collects AND-units and variables (sums of units), then compiles them to an :class:`ElmanRNN`."""

    def __init__(self) -> None:
        self.units: list[tuple[str, tuple[Lit, ...]]] = []
        self.h0: dict[str, int] = {}
        self.vars: dict[str, list[str]] = {}

    def unit(self, name: str, *lits: Lit, var: str | Iterable[str] = ()) -> str:
        """Add unit ``name`` = AND(lits) (no literals: a unit that is 0 after every step)."""
        if any(name == u for u, _ in self.units):
            raise ParameterError(f"duplicate unit {name}")
        self.units.append((name, lits))
        for v in dict.fromkeys([var] if isinstance(var, str) else var):
            self.add(v, name)
        return name

    def add(self, var: str, *units: str) -> None:
        self.vars.setdefault(var, []).extend(units)

    def compile(self, alphabet: Sequence[str], readout: Sequence[Lit], precision_bits: int = 1) -> ElmanRNN:
        """Compile; the readout is AND(readout literals) as the threshold ``Σ literals − (#−1) > 0``."""
        index = {name: i for i, (name, _) in enumerate(self.units)}
        sym = {a: i for i, a in enumerate(alphabet)}
        d = len(self.units)
        w: dict[tuple[int, int], int] = {}
        u: dict[tuple[int, int], int] = {}
        bias: dict[int, int] = {}

        def linear(row: int, lits: Sequence[Lit], wd: dict, ud: dict | None) -> int:
            for lit in lits:
                s = 1 if lit.positive else -1
                if lit.var is not None:
                    for name in self.vars.get(lit.var, []):  # an undeclared variable is constant 0
                        wd[(row, index[name])] = wd.get((row, index[name]), 0) + s
                else:
                    if ud is None:
                        raise ParameterError("the readout cannot read input symbols")
                    for a in lit.syms:
                        ud[(row, sym[a])] = ud.get((row, sym[a]), 0) + s
            return sum(1 for lit in lits if not lit.positive) - (len(lits) - 1)

        for row, (_, lits) in enumerate(self.units):
            if lits:
                bias[row] = linear(row, lits, w, u)
        r: dict[tuple[int, int], int] = {}
        c = linear(0, readout, r, None)
        return ElmanRNN(
            alphabet=tuple(alphabet),
            W=Affine.build(d, d, w),
            U=Affine.build(len(alphabet), d, u, bias),
            h0=tuple(Fraction(self.h0.get(name, 0)) for name, _ in self.units),
            activation="relu",
            readout=Affine.build(d, 1, r, {0: c}),
            precision_bits=precision_bits,
            unit_names=tuple(name for name, _ in self.units),
        )


def letter_structure(letters: Sequence[str], relation: Iterable[tuple[str, str]]):
    """Successor classes (registers) and (predecessor, successor) groups of the letters.

    Returns ``(classes, groups)``: ``classes`` maps a class name to its letters; ``groups`` is a list
    of ``(letters, successor class, forbidden predecessor classes)``.
    """
    h = set(relation)
    succ = {x: frozenset(y for y in letters if (x, y) in h) for x in letters}
    pred = {y: frozenset(x for x in letters if (x, y) in h) for y in letters}
    by_succ: dict[frozenset, list[str]] = {}
    for x in letters:
        by_succ.setdefault(succ[x], []).append(x)
    cls_of = {x: "".join(members) for members in by_succ.values() for x in members}
    by_group: dict[tuple[frozenset, str], list[str]] = {}
    for y in letters:
        by_group.setdefault((pred[y], cls_of[y]), []).append(y)
    groups = []
    for (pset, cname), ys in by_group.items():
        forbidden = tuple(sorted({cls_of[x] for x in letters if x not in pset}))
        groups.append((tuple(ys), cname, forbidden))
    used = {f for _, _, fb in groups for f in fb}
    classes = {cls_of[m[0]]: tuple(m) for m in by_succ.values() if cls_of[m[0]] in used}
    return classes, groups


def predicted_units(n: int, relation: Iterable[tuple[str, str]] = DEFAULT_H) -> int:
    """The size formula ``6n − 1 + g + r`` (``6n + 3`` for the default H)."""
    classes, groups = letter_structure(LETTERS, relation)
    return 6 * n - 1 + len(groups) + len(classes)


def counter_rnn_for(task: CounterTask) -> ElmanRNN:
    """The structured RNN for a :class:`tasks.counter.CounterTask` (its n, variant and H)."""
    return counter_rnn(task.n, task.variant, task.relation)


def counter_rnn(n: int, variant: str = "full", relation: Iterable[tuple[str, str]] = DEFAULT_H) -> ElmanRNN:
    """The structured counter RNN (see the module docstring) for ``n``-bit blocks."""
    relation = check_params(n, variant, relation)
    n = int(n)
    alphabet = ALPHABET
    classes, groups = letter_structure(LETTERS, relation)
    net = AndNet()
    # Variables read the *old* state: V("R0") is the sum of R0's units in h_{t-1}.
    net.unit("start", var=("Z0", "pos0"))
    net.h0["start"] = 1
    net.unit("P0", V("Pn+1"), X(SEP), var=("P0", "E0", "pos0"))
    for j in range(n):
        r = f"R{j}"
        if j < n - 1:
            to = {s: (s + str(j + 1), f"pos{j + 1}") for s in "ZEF"}
            tag = str(j + 1)
        else:  # the last bit: only the successful comparisons reach the letter slot
            to = {s: ("Pn",) for s in "ZEF"}
            tag = "n"
        net.unit(f"z{tag}", V(f"Z{j}"), X("0"), var=to["Z"])
        if j < n - 1:
            net.unit(f"e{tag}.0", V(f"E{j}"), X("0"), V(r, False), var=to["E"])
            net.unit(f"e{tag}.1", V(f"E{j}"), X("1"), V(r), var=(*to["E"], r))
        net.unit(f"f{tag}.flip", V(f"E{j}"), X("1"), V(r, False), var=(*to["F"], r))
        if j >= 1:
            net.unit(f"f{tag}.F", V(f"F{j}"), X("0"), V(r), var=to["F"])
    for j in range(n):
        net.unit(f"R{j}.hold", V(f"R{j}"), V(f"pos{j}", False), var=f"R{j}")
    for ys, cname, forbidden in groups:
        lits = [V("Pn"), X(*ys)] + [V("L" + f, False) for f in forbidden]
        net.unit("letter." + "".join(ys), *lits, var=("Pn+1", *(("L" + cname,) if cname in classes else ())))
    for cname in classes:
        net.unit(f"L{cname}.hold", V("L" + cname), V("Pn", False), var="L" + cname)
    readout = [V("P0")] + ([V(f"R{j}") for j in range(n)] if variant == "full" else [])
    return net.compile(alphabet, readout)
