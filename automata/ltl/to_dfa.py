"""Our LTL → DFA: the subformula-labelling automaton, determinised and minimised with the DFA core.

For a word a₁…a_N, label every position with the truth value of every subformula of the core formula
(:func:`automata.ltl.formula.core`). The labelling is **unique** and **locally checkable**:

* Boolean nodes and letters are functions of the other labels and the letter at the same position;
* strict since: (φ S ψ)(1) = 0 and (φ S ψ)(i+1) = ψ(i) ∨ (φ(i) ∧ (φ S ψ)(i));
* strict until: (φ U ψ)(N) = 0 and (φ U ψ)(i) = ψ(i+1) ∨ (φ(i+1) ∧ (φ U ψ)(i+1)).

So an NFA whose state after position i is (a_i, the labels of the S and U nodes at i) reads the word
left to right, computes S labels deterministically, *guesses* U labels and checks each guess one step
later; it accepts when every U label is 0 at the end (nothing left to come) and φ holds there. Its
states number at most |Σ|·2^t + 1 for t temporal subformulas (the bound behind the table's LTL lower
bound: a satisfiable formula with t temporal subformulas has a model of length ≤ |Σ|·2^t). For a
past-only formula the NFA is deterministic. We keep the NFA states that can still accept, determinise
by the subset construction and minimise with :meth:`automata.dfa.DFA.minimise`; the result is the
minimal complete DFA of L(φ) ⊆ Σ⁺ (the empty word is rejected).

>>> from automata.ltl.syntax import parse
>>> d = ltl_to_dfa(parse("a S b"), ("a", "b"))
>>> d.num_states, d.accepts("ba"), d.accepts("ab")
(3, True, False)
"""
from __future__ import annotations

import sys
import time
from collections import deque
from dataclasses import dataclass
from typing import Sequence


from automata.dfa import DFA
from automata.errors import ParameterError, StateLimitError, shown
from automata.implicit import FunctionAutomaton
from automata.ltl.bdd import BDD
from automata.ltl.formula import Binary, Const, Formula, Letter, Unary, core, postorder
from automata.ltl.syntax import alphabet_tuple, check_alphabet

MAX_NFA_STATES = 200_000
MAX_DFA_STATES = 200_000


@dataclass(frozen=True)
class _Circuit:
    """The core DAG in postorder: per node an opcode and child indices."""

    ops: tuple[tuple, ...]  # ("const", v) ("letter", code|None) ("not", a) ("and", a, b) ("or", a, b) ("S", a, b) ("U", a, b)
    root: int
    temporal: tuple[int, ...]  # node indices of S and U nodes, postorder

    @staticmethod
    def build(f: Formula, alphabet: Sequence[str]) -> "_Circuit":
        nodes = postorder(core(f))
        index = {id(n): k for k, n in enumerate(nodes)}
        codes = {a: k for k, a in enumerate(alphabet)}
        ops: list[tuple] = []
        for n in nodes:
            if isinstance(n, Const):
                ops.append(("const", n.value))
            elif isinstance(n, Letter):
                ops.append(("letter", codes.get(n.symbol)))
            elif isinstance(n, Unary):
                ops.append(("not", index[id(n.arg)]))
            else:
                assert isinstance(n, Binary)
                op = {"&": "and", "|": "or"}.get(n.op, n.op)
                ops.append((op, index[id(n.left)], index[id(n.right)]))
        temporal = tuple(k for k, o in enumerate(ops) if o[0] in ("S", "U"))
        return _Circuit(tuple(ops), len(nodes) - 1, temporal)


class _NFA:
    """The labelling NFA, explored on demand. A state is (letter code, values of all nodes as a tuple)."""

    def __init__(self, circuit: _Circuit, k: int) -> None:
        self.c = circuit
        self.k = k

    def successors(self, x: tuple | None, letter: int) -> list[tuple]:
        """Every labelled state y at the next position consistent with x (None: y is position 1)."""
        ops = self.c.ops
        xv = x[1] if x is not None else None
        out: list[tuple] = []
        # depth-first over the nodes in postorder, branching at U nodes
        stack: list[tuple[int, list[bool]]] = [(0, [])]
        n = len(ops)
        while stack:
            pos, vals = stack.pop()
            while pos < n:
                op = ops[pos]
                kind = op[0]
                if kind == "const":
                    v = op[1]
                elif kind == "letter":
                    v = op[1] == letter
                elif kind == "not":
                    v = not vals[op[1]]
                elif kind == "and":
                    v = vals[op[1]] and vals[op[2]]
                elif kind == "or":
                    v = vals[op[1]] or vals[op[2]]
                elif kind == "S":
                    v = xv is not None and (xv[op[2]] or (xv[op[1]] and xv[pos]))
                else:  # U: guess, checked against x
                    phi, psi = vals[op[1]], vals[op[2]]
                    choices = (False, True)
                    if xv is not None:
                        want = xv[pos]
                        if psi or not phi:
                            if want != psi:  # x's label must equal psi(y) (phi(y) irrelevant)
                                choices = ()
                        else:
                            choices = (want,)
                    if not choices:
                        break
                    if len(choices) == 2:
                        stack.append((pos + 1, vals + [True]))  # the other branch, on its own copy
                    v = choices[0]
                vals.append(v)
                pos += 1
            else:
                out.append((letter, tuple(vals)))
        return out

    def accepting(self, y: tuple) -> bool:
        vals = y[1]
        return bool(vals[self.c.root]) and not any(vals[t] for t in self.c.temporal if self.c.ops[t][0] == "U")


def labelling_nfa(f: Formula, alphabet: Sequence[str], max_states: int = MAX_NFA_STATES
                  ) -> tuple[list[list[list[int]]], list[bool]]:
    """The reachable labelling NFA: ``succ[q][a]`` (state 0 is the start, before any letter) and
    ``accepting[q]``. Raises :class:`StateLimitError` beyond ``max_states``."""
    alphabet = tuple(alphabet)
    check_alphabet(f, alphabet)
    nfa = _NFA(_Circuit.build(f, alphabet), len(alphabet))
    states: list[tuple | None] = [None]
    ids: dict[tuple, int] = {}
    succ: list[list[list[int]]] = []
    accepting: list[bool] = [False]
    i = 0
    while i < len(states):
        x = states[i]
        row = []
        for a in range(len(alphabet)):
            targets = []
            for y in nfa.successors(x, a):
                j = ids.get(y)
                if j is None:
                    if len(states) >= max_states:
                        raise StateLimitError(f"the labelling NFA of this formula has more than {max_states:,} states")
                    j = ids[y] = len(states)
                    states.append(y)
                    accepting.append(nfa.accepting(y))
                targets.append(j)
            row.append(targets)
        succ.append(row)
        i += 1
    return succ, accepting


def _useful(succ: list[list[list[int]]], accepting: list[bool]) -> list[bool]:
    """States from which an accepting state is reachable."""
    preds: list[list[int]] = [[] for _ in succ]
    for q, row in enumerate(succ):
        for targets in row:
            for t in targets:
                preds[t].append(q)
    useful = list(accepting)
    queue = deque(q for q, acc in enumerate(accepting) if acc)
    while queue:
        t = queue.popleft()
        for q in preds[t]:
            if not useful[q]:
                useful[q] = True
                queue.append(q)
    return useful


def ltl_to_dfa(f: Formula, alphabet: Sequence[str], *, method: str = "symbolic",
               max_nfa_states: int = MAX_NFA_STATES, max_dfa_states: int = MAX_DFA_STATES,
               minimal: bool = True, time_limit: float | None = None) -> DFA:
    """The minimal complete DFA of L(f) ⊆ Σ⁺ (``minimal=False``: before minimising).

    ``method="symbolic"`` (default): the deterministic construction of :func:`symbolic_dfa`;
    ``"subset"``: the labelling NFA determinised by the subset construction. Both are ours and are
    tested against each other and against MONA. Raises :class:`StateLimitError` beyond the limits.
    """
    alphabet = alphabet_tuple(alphabet)
    if not isinstance(method, str) or method not in ("symbolic", "subset"):
        raise ParameterError(f"unknown LTL → DFA method {shown(method)}; choose symbolic or subset")
    if method == "symbolic":
        dfa = symbolic_dfa(f, alphabet, max_states=max_dfa_states, time_limit=time_limit)
        return dfa.minimise() if minimal else dfa
    if method != "subset":
        raise ParameterError(f"unknown LTL → DFA method {method!r}; choose symbolic or subset")
    deadline = None if time_limit is None else time.monotonic() + time_limit
    succ, accepting = labelling_nfa(f, alphabet, max_nfa_states)
    useful = _useful(succ, accepting)
    code = {x: k for k, x in enumerate(alphabet)}

    def step(subset: frozenset, symbol: str) -> frozenset | None:
        if deadline is not None and time.monotonic() > deadline:
            raise _OutOfTime(f"the subset construction ran out of its {time_limit:g} s")
        t = frozenset(r for q in subset for r in succ[q][code[symbol]] if useful[r])
        return t or None

    automaton = FunctionAutomaton(alphabet, frozenset([0]) if useful[0] else frozenset(), step,
                                  lambda subset: any(accepting[q] for q in subset))
    dfa = _explore(automaton, max_dfa_states, "the subset construction for this formula")
    return dfa.minimise() if minimal else dfa


class _OutOfTime(StateLimitError):
    """The symbolic construction's time limit ran out."""


def _explore(automaton: FunctionAutomaton, max_states: int, what: str) -> DFA:
    try:
        return automaton.explore(max_states)
    except _OutOfTime:
        raise
    except StateLimitError:
        raise StateLimitError(f"{what} exceeds {max_states:,} states") from None


def nfa_state_bound(f: Formula, alphabet: Sequence[str]) -> int:
    """|Σ|·2^t + 1 for t temporal subformulas of the core formula: the labelling NFA's state bound."""
    t = len(_Circuit.build(f, tuple(alphabet)).temporal)
    return len(tuple(alphabet)) * 2 ** t + 1


def symbolic_dfa(f: Formula, alphabet: Sequence[str], max_states: int = MAX_DFA_STATES,
                 max_bdd_nodes: int = 5_000_000, time_limit: float | None = None) -> DFA:
    """A deterministic construction: no guessing, no subsets.

    After reading w₁…w_i the automaton keeps, for every since node m, the value m(i+1) as a Boolean
    function (a BDD) of the *unknown* until values at position i, and whether φ holds at i when
    nothing comes after (every until value 0). Reading a = w_{i+1}, in postorder of the core DAG:
    letters are constants; an until node n gets a fresh variable x_n (its value at i+1, still unknown)
    and the old unknown is resolved, n(i) = ψ(i+1) ∨ (φ(i+1) ∧ x_n); a since node composes its stored
    function with those resolutions; Boolean nodes combine. Then m(i+2) = ψ(i+1) ∨ (φ(i+1) ∧ m(i+1))
    is stored. Equal functions are equal BDD nodes, so equal states are recognised; the state count is
    that of the residual information, before minimisation. ``time_limit`` (seconds) bounds the work:
    :class:`StateLimitError` when it runs out, like the state and BDD-node limits.
    """
    deadline = None if time_limit is None else time.monotonic() + time_limit
    alphabet = tuple(alphabet)
    check_alphabet(f, alphabet)
    c = _Circuit.build(f, alphabet)
    m = BDD(max_bdd_nodes)
    since_nodes = tuple(k for k in c.temporal if c.ops[k][0] == "S")
    if sum(1 for k in c.temporal if c.ops[k][0] == "U") > 3000:
        raise StateLimitError("more than 3,000 until subformulas: out of reach of the symbolic construction")
    slot = {k: s for s, k in enumerate(since_nodes)}

    def step(state: tuple, symbol: str) -> tuple:
        if deadline is not None and time.monotonic() > deadline:
            raise _OutOfTime(f"the symbolic DFA ran out of its {time_limit:g} s")
        return _symbolic_step(c, m, state[1], slot, since_nodes, code[symbol])

    code = {x: k for k, x in enumerate(alphabet)}
    start = (False, tuple(0 for _ in since_nodes))
    automaton = FunctionAutomaton(alphabet, start, step, lambda state: state[0])
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, 20_000))  # BDD recursions are as deep as the until variables
    try:
        return _explore(automaton, max_states, "the symbolic DFA of this formula")
    finally:
        sys.setrecursionlimit(old_limit)


def _symbolic_step(c: _Circuit, m: BDD, stored: tuple[int, ...], slot: dict[int, int],
                   since_nodes: tuple[int, ...], letter: int) -> tuple[bool, tuple[int, ...]]:
    vals: list[int] = []
    sub: dict[int, int] = {}
    for k, op in enumerate(c.ops):
        kind = op[0]
        if kind == "const":
            v = 1 if op[1] else 0
        elif kind == "letter":
            v = 1 if op[1] == letter else 0
        elif kind == "not":
            v = m.not_(vals[op[1]])
        elif kind == "and":
            v = m.and_(vals[op[1]], vals[op[2]])
        elif kind == "or":
            v = m.or_(vals[op[1]], vals[op[2]])
        elif kind == "U":
            v = m.var(k)
            sub[k] = m.or_(vals[op[2]], m.and_(vals[op[1]], v))
        else:  # S: the stored function of the previous position's unknowns, resolved
            v = m.compose(stored[slot[k]], sub)
        vals.append(v)
    new = tuple(m.or_(vals[c.ops[k][2]], m.and_(vals[c.ops[k][1]], vals[k])) for k in since_nodes)
    return (m.restrict_zero(vals[c.root]), new)
