"""A hypothesis strategy for IsTree tests: n-vertex graphs with n − 1 edges, trees and near-trees."""
from __future__ import annotations

from hypothesis import strategies as st


@st.composite
def graphs(draw, lo: int = 7, hi: int = 64) -> tuple[int, list[tuple[int, int]]]:
    """A random tree (random parents), possibly with one edge moved (then a cycle and two components),
    its edges (u, v), u > v, in random order; lo ≤ n ≤ hi."""
    n = draw(st.integers(lo, hi))
    perm = draw(st.permutations(range(n)))
    edges = {tuple(sorted((perm[i], perm[draw(st.integers(0, i - 1))]), reverse=True)) for i in range(1, n)}
    if draw(st.booleans()):
        edges.discard(draw(st.sampled_from(sorted(edges))))
        edges.add(draw(st.sampled_from([(u, v) for u in range(n) for v in range(u) if (u, v) not in edges])))
    return n, list(draw(st.permutations(sorted(edges))))
