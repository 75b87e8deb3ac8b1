"""An independent reference for our LTL → DFA: ltlf2dfa 2.0.0 writes a MONA program, MONA 1.4 builds the automaton.

:func:`automata.ltl.to_dfa.ltl_to_dfa` is our own construction; this module checks it against an external
tool chain that shares none of its code. ltlf2dfa (PyPI, needs Python ≥ 3.11) turns LTLf/PPLTL formula
*objects* into a WS1S program; MONA (Debian package ``mona``) compiles that program into a minimal DFA
over valuations of the propositions. We read that DFA back over our letters, drop the empty word,
minimise it with our DFA core and compare languages (:func:`compare`: the shortest, then
lexicographically least, word on which the two differ, or None).

Our logic ([BCL] §2.1): finite non-empty words, one letter per position, Q_a, ⊤, ⊥, ¬, ∧, ∨ and
**strict** since/until, the word accepted iff the formula holds at its **last** position. ltlf2dfa's
since and until are *non-strict* (they include the current position), so the mapping is:

=================  ===========================================================================
ours               ltlf2dfa object (binary operators always get exactly two children)
=================  ===========================================================================
Q_σ                ``PPLTLAtomic("p<i>")`` for σ the i-th alphabet symbol (read below as {p<i>})
⊤, ⊥               ``PPLTLTrue()``, ``PPLTLFalse()``
¬φ, φ∧ψ, φ∨ψ       ``PPLTLNot(φ)``, ``PPLTLAnd([φ, ψ])``, ``PPLTLOr([φ, ψ])``
φ → ψ, φ ↔ ψ       ``PPLTLOr([¬φ, ψ])``, ``PPLTLOr([φ∧ψ, ¬φ∧¬ψ])`` (expanded here, see trap 2)
φ S ψ (strict)     ``PPLTLBefore(PPLTLSince([φ, ψ]))``  — Y(φ S' ψ), S' including the present
φ U ψ (strict)     ``LTLfNext(LTLfUntil([φ, ψ]))``      — X(φ U' ψ), X strong, U' including the present
Y φ, P φ, H φ      ``PPLTLBefore(φ)``, ``PPLTLBefore(PPLTLOnce(φ))``, ``PPLTLHistorically(φ)``
X φ, F φ, G φ      ``LTLfNext(φ)``, ``LTLfNext(LTLfEventually(φ))``, ``LTLfAlways(φ)``
root               ``PPLTLAnd([PPLTLTrue(), φ])``: a PPLTL root is evaluated at max($), the last position
=================  ===========================================================================

Y, P, H, X, F, G are mapped with ltlf2dfa's own operators, not through :func:`~automata.ltl.formula.core`,
so that our abbreviation expansion is checked too (H and G include the present, as in ours; P and F
are strict, as in ours). ``MonaProgram(root).mona_program()`` then gives MONA's input.

Traps, each observed with ltlf2dfa 2.0.0 and MONA 1.4-18:

1. ltlf2dfa's ``to_dfa()`` writes its program to one fixed scratch file inside the installed package,
   so concurrent calls can silently read back another formula's automaton. We never call it: the
   program goes to a private :func:`tempfile.TemporaryDirectory` and we run ``mona -q -u -w FILE``
   ourselves, with a timeout.
2. Its n-ary operators are not what they seem: n-ary past release ``a P b P c`` is computed as
   ``a P (b S c)`` and n-ary implication groups from the left; its ``P`` is past *release* and its
   ``O`` is once. We emit binary, fully nested operators only, and expand → and ↔ ourselves (its
   ``Implies``/``Equivalence`` go through its NNF and ``negate`` code).
3. Its automata accept the empty word whenever the formula allows it (``true`` does), deliberately
   (its maintainers confirmed it); our languages are subsets of Σ⁺, so ε is dropped: the real start
   state's transitions are copied into a fresh, rejecting start state.
4. Proposition names must match ``[a-z][a-z0-9_]*`` (MONA sees them upper-cased), so our symbols
   (``'#'``, ``'0'``, …) are renamed ``p0, p1, …`` by alphabet index.
5. MONA's DFA text: ``DFA for formula with free variables: P1 P0`` lists the variables in declaration
   order (not sorted); a guard such as ``01X`` gives one character per variable in that order (X: either
   value); ``Initial state: 0``; the automaton first reads one **dummy** letter (state 0 goes to the
   real start on every valuation); an unsatisfiable formula gives the single rejecting state 0 looping
   on itself (then the real start is 0 too). Propositions that do not occur are not declared at all.
6. The DFA is over valuations 2^AP, not over letters. We read letter σ as the valuation where only σ's
   proposition is true (letters absent from the formula: all declared propositions false), so no
   "exactly one letter" constraint is needed in the formula, and we never compare over 2^AP.

Measured: 20–45 ms per small random formula (mostly process start-up). ``H(a → Y^k b)`` gives 2^k + 2
MONA states (k = 16: about 8 s). ltlf2dfa writes the program as a tree (a shared subformula is
written out at every occurrence) and recurses over the formula, so this reference is for small
formulas; :func:`compare` is how the tests use it.

>>> propositions(("#", "0", "a"))
{'#': 'p0', '0': 'p1', 'a': 'p2'}
>>> from automata.ltl.syntax import parse
>>> if available():  # needs MONA and ltlf2dfa
...     d = mona_dfa(parse("a S b"), ("a", "b"))
...     assert (d.num_states, d.accepts("ba"), d.accepts("ab"), d.accepts("b")) == (3, True, False, False)
...     assert compare(parse("a S b"), ("a", "b")) is None
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from types import SimpleNamespace
from typing import Any, Sequence

import numpy as np

from automata.dfa import DFA
from automata.errors import SuccinctError
from automata.ltl.formula import Binary, Const, Formula, Letter, LTLError, Unary, postorder
from automata.ltl.syntax import check_alphabet

MONA_FLAGS = ("-q", "-u", "-w")
INSTALL_MONA = "install it with `apt-get install mona` (Debian/Ubuntu package `mona`, MONA 1.4)"
INSTALL_LTLF2DFA = "install it with `pip install ltlf2dfa==2.0.0` (needs Python >= 3.11)"


class MonaError(SuccinctError, RuntimeError):
    """MONA or ltlf2dfa is missing, MONA failed or timed out, or its output could not be read."""


# -- the ltlf2dfa side ----------------------------------------------------------------------------

def _ltlf2dfa() -> SimpleNamespace:
    """ltlf2dfa's classes, imported on first use (importing this module never needs ltlf2dfa)."""
    try:
        from ltlf2dfa import ltlf, ppltl
        from ltlf2dfa.base import MonaProgram
    except ImportError as e:
        raise MonaError(f"ltlf2dfa is not importable ({e}); {INSTALL_LTLF2DFA}") from e
    names = {ppltl: ("PPLTLAtomic", "PPLTLTrue", "PPLTLFalse", "PPLTLNot", "PPLTLAnd", "PPLTLOr", "PPLTLBefore",
                     "PPLTLSince", "PPLTLOnce", "PPLTLHistorically"),
             ltlf: ("LTLfNext", "LTLfUntil", "LTLfEventually", "LTLfAlways")}
    classes = {n: getattr(module, n) for module, ns in names.items() for n in ns}
    return SimpleNamespace(MonaProgram=MonaProgram, **classes)


def propositions(alphabet: Sequence[str]) -> dict[str, str]:
    """Symbol → proposition name (``p<index>``; ltlf2dfa accepts only ``[a-z][a-z0-9_]*``)."""
    return {a: f"p{i}" for i, a in enumerate(alphabet)}


def _check_alphabet(f: Formula, alphabet: Sequence[str]) -> tuple[str, ...]:
    alphabet = tuple(alphabet)
    if not alphabet or not all(isinstance(a, str) and a for a in alphabet) or len(set(alphabet)) != len(alphabet):
        raise LTLError(f"the alphabet must be distinct non-empty strings, got {alphabet!r}")
    check_alphabet(f, alphabet)
    return alphabet


_UNARY: dict[str, Any] = {  # ours → a function of ltlf2dfa's classes and the argument
    "!": lambda c, a: c.PPLTLNot(a),
    "Y": lambda c, a: c.PPLTLBefore(a),
    "P": lambda c, a: c.PPLTLBefore(c.PPLTLOnce(a)),  # strictly before
    "H": lambda c, a: c.PPLTLHistorically(a),  # now and always before
    "X": lambda c, a: c.LTLfNext(a),  # strong next
    "F": lambda c, a: c.LTLfNext(c.LTLfEventually(a)),  # strictly after
    "G": lambda c, a: c.LTLfAlways(a),  # now and always after
}
_BINARY: dict[str, Any] = {
    "&": lambda c, a, b: c.PPLTLAnd([a, b]),
    "|": lambda c, a, b: c.PPLTLOr([a, b]),
    "->": lambda c, a, b: c.PPLTLOr([c.PPLTLNot(a), b]),
    "<->": lambda c, a, b: c.PPLTLOr([c.PPLTLAnd([a, b]), c.PPLTLAnd([c.PPLTLNot(a), c.PPLTLNot(b)])]),
    "S": lambda c, a, b: c.PPLTLBefore(c.PPLTLSince([a, b])),  # strict since = Y(a S' b)
    "U": lambda c, a, b: c.LTLfNext(c.LTLfUntil([a, b])),  # strict until = X(a U' b)
}


def to_ltlf2dfa(f: Formula, alphabet: Sequence[str]) -> Any:
    """The ltlf2dfa formula object for ``f`` (see the module's table), rooted in a PPLTL class so that
    MONA evaluates it at the last position. Shared subformulas become shared objects."""
    alphabet = _check_alphabet(f, alphabet)
    c = _ltlf2dfa()
    props = propositions(alphabet)
    memo: dict[Formula, Any] = {}
    for node in postorder(f):
        if isinstance(node, Const):
            memo[node] = c.PPLTLTrue() if node.value else c.PPLTLFalse()
        elif isinstance(node, Letter):
            memo[node] = c.PPLTLAtomic(props[node.symbol])
        elif isinstance(node, Unary):
            memo[node] = _UNARY[node.op](c, memo[node.arg])
        else:
            assert isinstance(node, Binary)
            memo[node] = _BINARY[node.op](c, memo[node.left], memo[node.right])
    return c.PPLTLAnd([c.PPLTLTrue(), memo[f]])


MAX_TREE = 5_000  # ltlf2dfa writes (and recurses over) the formula tree: larger trees are refused
MAX_DEPTH = 150


def mona_program(f: Formula, alphabet: Sequence[str]) -> str:
    """MONA's input for ``f`` over ``alphabet`` (ltlf2dfa's ``MonaProgram``).

    ltlf2dfa recurses over the formula and writes its tree (shared subformulas repeated), so formulas
    with a tree above :data:`MAX_TREE` nodes or nesting above :data:`MAX_DEPTH` are refused with a
    :class:`MonaError` before any work."""
    check_size(f)
    root = to_ltlf2dfa(f, alphabet)
    try:
        return _ltlf2dfa().MonaProgram(root).mona_program()
    except RecursionError:
        raise MonaError("ltlf2dfa ran out of recursion on this formula") from None


def check_size(f: Formula) -> None:
    """:class:`MonaError` unless ltlf2dfa can take ``f`` (tree ≤ :data:`MAX_TREE`, nesting ≤ :data:`MAX_DEPTH`)."""
    from automata.ltl.formula import core, size
    from automata.ltl.formula import depth as formula_depth

    tree = size(core(f))
    depth = formula_depth(f)
    if tree > MAX_TREE or depth > MAX_DEPTH:
        raise MonaError(f"the reference handles formulas up to {MAX_TREE:,} core nodes and nesting "
                        f"{MAX_DEPTH} (ltlf2dfa writes and recurses over the tree); this one has "
                        f"{tree:,} nodes, nesting {depth}")


# -- the MONA side --------------------------------------------------------------------------------

def _mona_binary() -> str:
    path = shutil.which("mona")
    if path is None:
        raise MonaError(f"MONA is not installed (no `mona` on PATH); {INSTALL_MONA}")
    return path


def available() -> bool:
    """Whether the reference can run: ``mona`` on PATH and ltlf2dfa importable."""
    if shutil.which("mona") is None:
        return False
    try:
        _ltlf2dfa()
    except MonaError:
        return False
    return True


def run_mona(program_text: str, timeout: float = 60) -> str:
    """MONA's output (``mona -q -u -w``) for the program, run in a private temporary directory."""
    mona = _mona_binary()
    with tempfile.TemporaryDirectory(prefix="succinct-mona-") as tmp:
        path = os.path.join(tmp, "formula.mona")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(program_text)
        try:
            proc = subprocess.run([mona, *MONA_FLAGS, path], capture_output=True, text=True, timeout=timeout,
                                  cwd=tmp, check=False)
        except subprocess.TimeoutExpired as e:
            raise MonaError(f"MONA did not finish within {timeout} s") from e
        except OSError as e:
            raise MonaError(f"MONA could not be started ({e}); {INSTALL_MONA}") from e
    out = proc.stdout
    if proc.returncode != 0 or "DFA for formula with free variables:" not in out:
        detail = " ".join((proc.stderr + " " + out).split())[:500]
        raise MonaError(f"MONA failed (exit status {proc.returncode}): {detail or 'no output (killed by a signal?)'}")
    return out


_FREE = re.compile(r"^DFA for formula with free variables:(.*)$", re.M)
_INITIAL = re.compile(r"^Initial state:\s*(\d+)\s*$", re.M)
_ACCEPTING = re.compile(r"^Accepting states:(.*)$", re.M)
_COUNT = re.compile(r"^Automaton has (\d+) states?\b", re.M)
_EDGE = re.compile(r"^State (\d+): ([01X]*) -> state (\d+)\s*$", re.M)


def parse_mona_dfa(output: str, props: dict[str, str], alphabet: Sequence[str]) -> DFA:
    """The minimal complete DFA over ``alphabet`` of MONA's automaton (``-w`` output), ε dropped.

    ``props`` maps each symbol to its proposition name (:func:`propositions`). Letter σ is read as the
    valuation where only σ's proposition is true; the dummy first letter is skipped.
    """
    alphabet = tuple(alphabet)
    free = _FREE.search(output)
    initial = _INITIAL.search(output)
    accepting_line = _ACCEPTING.search(output)
    count = _COUNT.search(output)
    if not (free and initial and accepting_line and count):
        raise MonaError("MONA's output has no DFA (expected 'DFA for formula with free variables:', "
                        "'Initial state:', 'Accepting states:', 'Automaton has N states')")
    names = free.group(1).split()
    by_name = {p.upper(): a for a, p in props.items()}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise MonaError(f"MONA's automaton has free variables {unknown} that are no letter's proposition")
    m = int(count.group(1))
    if int(initial.group(1)) != 0:
        raise MonaError(f"expected MONA's initial state 0, got {initial.group(1)}")
    accepting = np.zeros(m, dtype=bool)
    for s in accepting_line.group(1).split():
        accepting[int(s)] = True
    # valuation of letter σ, one character per free variable in MONA's order
    values = [["1" if by_name[n] == a else "0" for n in names] for a in alphabet]
    delta = np.full((m, len(alphabet)), -1, dtype=np.int64)
    dummy: set[int] = set()
    for src_s, guard, dst_s in _EDGE.findall(output):
        src, dst = int(src_s), int(dst_s)
        if len(guard) != len(names):
            raise MonaError(f"MONA guard {guard!r} does not have one character per free variable {names}")
        if src == 0:
            dummy.add(dst)
        for k, val in enumerate(values):
            if all(g in ("X", v) for g, v in zip(guard, val)):
                if delta[src, k] not in (-1, dst):
                    raise MonaError(f"MONA's state {src} has two successors on letter {alphabet[k]!r}")
                delta[src, k] = dst
    if len(dummy) != 1:
        raise MonaError(f"MONA's state 0 should go to one real start state on the dummy letter, got {sorted(dummy)}")
    if (delta < 0).any():
        raise MonaError("MONA's automaton is not complete over the letters")
    real_start = dummy.pop()
    # a fresh start state: the real start's transitions, but rejecting (ε is not in our languages)
    table = np.vstack((delta, delta[real_start][None, :]))
    acc = np.append(accepting, False)
    return DFA(alphabet, table, m, acc).minimise()


def mona_dfa(f: Formula, alphabet: Sequence[str], timeout: float = 60) -> DFA:
    """The minimal complete DFA of L(f) ⊆ Σ⁺ computed by ltlf2dfa + MONA."""
    alphabet = _check_alphabet(f, alphabet)
    output = run_mona(mona_program(f, alphabet), timeout=timeout)
    return parse_mona_dfa(output, propositions(alphabet), alphabet)


def compare(f: Formula, alphabet: Sequence[str], timeout: float = 60) -> tuple[str, ...] | None:
    """None when our :func:`~automata.ltl.to_dfa.ltl_to_dfa` and MONA accept the same language, else the
    shortest (then lexicographically least) word on which they differ."""
    from automata.ltl.to_dfa import ltl_to_dfa

    alphabet = tuple(alphabet)
    return ltl_to_dfa(f, alphabet).equivalent(mona_dfa(f, alphabet, timeout=timeout))
