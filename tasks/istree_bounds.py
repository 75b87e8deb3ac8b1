"""The RNN lower bound for IsTree as a number ([WDL] Thm 4.7; docs/tutorial.md §9).

Split an input after its first n − 2 edges: the prefix α (a set of n − 2 edges, in any order) and the
last edge β. After α an RNN's whole future — reading β, any chain of thought, the answer — depends only on
its state, so two prefixes with different **answer rows** row(α) = {β ∉ α : α + β is a tree} need
different states: 2^B ≥ R(n) = the number of distinct rows, for any CoT.

A row is empty when α has a cycle, and otherwise α is a forest of two trees on a bipartition {S, V∖S}
whose row is the cut between S and V∖S — any bipartition occurs. Hence the closed form

    R(n) = 2^(n−1) − 1 + [n ≥ 5]      (an n − 2-edge prefix can hold a cycle only from n = 5 on),

which :func:`count_rows` checks by enumerating every prefix set (n ≤ 8: 376,740 sets). For the bound
holds for RNNs that answer every list of n − 1 edges, a repeated edge making a (multi)graph that is not a
tree. For RNNs that must only answer *valid* inputs (distinct edges) distinct rows are not enough: two
prefixes must be told apart by a β valid after both (n = 3: R = 3 rows, yet every valid input is a tree).
:func:`fooling_set` gives F(n) = 2^(n−3) + [n ≥ 5] such prefixes with a proof, re-checked pairwise by
:func:`check_fooling`: B ≥ log2 F(n) ≈ n − 3 bits — Ω(n) either way, as Thm 4.7 says.
"""
from __future__ import annotations

import itertools
import math

from automata.errors import ParameterError

ENUM_MAX_N = 8  # count_rows enumerates C(n(n−1)/2, n − 2) prefix sets: 376,740 for n = 8


def closed_form_rows(n: int) -> int:
    """R(n) = 2^(n−1) − 1 + [n ≥ 5] for n ≥ 2."""
    if n < 2:
        raise ParameterError("istree needs n ≥ 2")
    return (1 << (n - 1)) - 1 + (1 if n >= 5 else 0)


def log2_rows(n: int) -> float:
    """log2 R(n) in bits (exact arithmetic for large n: n − 1 + log2(1 ± 2^(1−n)))."""
    if n > 1000:
        return float(n - 1)  # the correction is below 2^-999
    return math.log2(closed_form_rows(n))


def _components(n: int, edges: tuple[tuple[int, int], ...]) -> tuple[list[int], bool]:
    """Union–find labels of every vertex and whether the edges close a cycle."""
    root = list(range(n))

    def find(x: int) -> int:
        while root[x] != x:
            root[x] = root[root[x]]
            x = root[x]
        return x

    cycle = False
    for u, v in edges:
        a, b = find(u), find(v)
        if a == b:
            cycle = True
        else:
            root[a] = b
    return [find(x) for x in range(n)], cycle


def rows(n: int) -> dict[frozenset[tuple[int, int]], tuple[tuple[int, int], ...]]:
    """Every distinct answer row, mapped to its lexicographically first prefix set (enumeration)."""
    if not 2 <= n <= ENUM_MAX_N:
        raise ParameterError(f"istree rows are enumerated for 2 ≤ n ≤ {ENUM_MAX_N} (closed form beyond)")
    all_edges = [(u, v) for u in range(n) for v in range(u)]
    out: dict[frozenset[tuple[int, int]], tuple[tuple[int, int], ...]] = {}
    for alpha in itertools.combinations(all_edges, n - 2):
        label, cycle = _components(n, alpha)
        if cycle:
            row: frozenset[tuple[int, int]] = frozenset()
        else:
            row = frozenset((u, v) for u, v in all_edges if label[u] != label[v])
        out.setdefault(row, alpha)
    return out


def count_rows(n: int) -> int:
    """R(n) by enumerating every prefix set of n − 2 edges."""
    return len(rows(n))


def closed_form_fooling(n: int) -> int:
    """F(n) = 2^(n−3) + [n ≥ 5] (n ≥ 3; F(2) = 1): the size of :func:`fooling_set`."""
    if n < 2:
        raise ParameterError("istree needs n ≥ 2")
    return 1 if n == 2 else (1 << (n - 3)) + (1 if n >= 5 else 0)


def fooling_set(n: int) -> list[tuple[tuple[int, int], ...]]:
    """Prefix sets pairwise told apart by a last edge **valid after both** (in neither prefix): for every
    S with {0, 2} ⊆ S ∌ 1, the star from 0 over S and the star from 1 over V∖S (row = the cut of S), and,
    from n = 5 on, a prefix holding a triangle (the empty row). Proof: for S ≠ T pick x ∈ S Δ T, say
    x ∈ S∖T; y = 2 (in S ∩ T, x ≠ 2) makes {x, y} a cut edge of T but not of S, and it touches neither
    0 nor 1, so neither star prefix holds it; a triangle prefix has n − 2 edges and every cut at least
    n − 1, so some cut edge is free. :func:`check_fooling` re-checks every pair by enumeration."""
    if n < 2:
        raise ParameterError("istree needs n ≥ 2")
    if n == 2:
        return [()]
    rest = [v for v in range(3, n)]
    out = []
    for bits in range(1 << len(rest)):
        s = {0, 2} | {v for k, v in enumerate(rest) if bits >> k & 1}
        t = sorted(set(range(n)) - s)
        edges = [(x, 0) for x in sorted(s - {0})] + [(max(1, x), min(1, x)) for x in t if x != 1]
        out.append(tuple(sorted(edges)))
    if n >= 5:
        tri = [(1, 0), (2, 0), (2, 1)] + [(x, 0) for x in range(3, n - 2)]  # n − 2 edges, a triangle
        out.append(tuple(sorted(tri)))
    return out


def answers_differ(n: int, a1: tuple[tuple[int, int], ...], a2: tuple[tuple[int, int], ...]) -> tuple[int, int] | None:
    """A last edge in neither prefix on which the two inputs' answers differ (None if there is none)."""
    for b in ((u, v) for u in range(n) for v in range(u)):
        if b in a1 or b in a2:
            continue
        t1 = not _components(n, (*a1, b))[1] and len(set(_components(n, (*a1, b))[0])) == 1
        t2 = not _components(n, (*a2, b))[1] and len(set(_components(n, (*a2, b))[0])) == 1
        if t1 != t2:
            return b
    return None


def check_fooling(n: int) -> int:
    """Check :func:`fooling_set` pairwise by enumeration; return its size (= :func:`closed_form_fooling`)."""
    if not 2 <= n <= ENUM_MAX_N:
        raise ParameterError(f"the fooling set is checked for 2 ≤ n ≤ {ENUM_MAX_N}")
    prefixes = fooling_set(n)
    edges = {(u, v) for u in range(n) for v in range(u)}
    for a in prefixes:
        if len(a) != n - 2 or len(set(a)) != n - 2 or not set(a) <= edges:
            raise ParameterError(f"n={n}: prefix {a} is not n − 2 = {n - 2} distinct edges of K_n")
    for a1, a2 in itertools.combinations(prefixes, 2):
        if answers_differ(n, a1, a2) is None:
            raise ParameterError(f"n={n}: prefixes {a1} and {a2} are not told apart by a valid last edge")
    return len(prefixes)


__all__ = ["ENUM_MAX_N", "answers_differ", "check_fooling", "closed_form_fooling", "closed_form_rows", "count_rows",
           "fooling_set", "log2_rows", "rows"]
