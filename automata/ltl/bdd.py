"""A small reduced ordered BDD package (hash-consed nodes, memoised ite), for the symbolic LTL → DFA.

Nodes are ints: 0 is false, 1 is true, every other node is (var, lo, hi) with lo ≠ hi, unique by
construction, so two functions are equal iff their nodes are equal — the property the DFA
construction relies on to recognise a state it has seen. Variables are ints, smaller first.

>>> m = BDD()
>>> x, y = m.var(0), m.var(1)
>>> f = m.or_(m.and_(x, y), m.not_(x))
>>> f == m.or_(m.not_(x), y), m.restrict_zero(f), m.compose(f, {0: y, 1: 1})
(True, True, 1)
"""
from __future__ import annotations

from automata.errors import StateLimitError

FALSE, TRUE = 0, 1


class BDD:
    def __init__(self, max_nodes: int = 5_000_000) -> None:
        self.var_of: list[int] = [1 << 60, 1 << 60]  # terminals sort after every variable
        self.lo: list[int] = [0, 1]
        self.hi: list[int] = [0, 1]
        self.unique: dict[tuple[int, int, int], int] = {}
        self.ite_memo: dict[tuple[int, int, int], int] = {}
        self.max_nodes = max_nodes

    def __len__(self) -> int:
        return len(self.var_of)

    def node(self, v: int, lo: int, hi: int) -> int:
        if lo == hi:
            return lo
        key = (v, lo, hi)
        n = self.unique.get(key)
        if n is None:
            if len(self.var_of) >= self.max_nodes:
                raise StateLimitError(f"the BDDs of this formula exceed {self.max_nodes:,} nodes")
            n = len(self.var_of)
            self.var_of.append(v)
            self.lo.append(lo)
            self.hi.append(hi)
            self.unique[key] = n
        return n

    def var(self, v: int) -> int:
        return self.node(v, FALSE, TRUE)

    def ite(self, f: int, g: int, h: int) -> int:
        """if f then g else h."""
        if f == TRUE:
            return g
        if f == FALSE:
            return h
        if g == h:
            return g
        if g == TRUE and h == FALSE:
            return f
        key = (f, g, h)
        r = self.ite_memo.get(key)
        if r is not None:
            return r
        v = min(self.var_of[f], self.var_of[g], self.var_of[h])
        f0, f1 = self._cof(f, v)
        g0, g1 = self._cof(g, v)
        h0, h1 = self._cof(h, v)
        r = self.node(v, self.ite(f0, g0, h0), self.ite(f1, g1, h1))
        self.ite_memo[key] = r
        return r

    def _cof(self, f: int, v: int) -> tuple[int, int]:
        if self.var_of[f] == v:
            return self.lo[f], self.hi[f]
        return f, f

    def not_(self, f: int) -> int:
        return self.ite(f, FALSE, TRUE)

    def and_(self, f: int, g: int) -> int:
        return self.ite(f, g, FALSE)

    def or_(self, f: int, g: int) -> int:
        return self.ite(f, TRUE, g)

    def restrict_zero(self, f: int) -> bool:
        """f with every variable set to 0."""
        while f > TRUE:
            f = self.lo[f]
        return f == TRUE

    def compose(self, f: int, sub: dict[int, int]) -> int:
        """f with every variable v replaced, simultaneously, by the function ``sub[v]`` (absent: kept)."""
        memo: dict[int, int] = {}

        def go(n: int) -> int:
            if n <= TRUE:
                return n
            r = memo.get(n)
            if r is None:
                v = self.var_of[n]
                g = sub.get(v)
                if g is None:
                    g = self.var(v)
                r = memo[n] = self.ite(g, go(self.hi[n]), go(self.lo[n]))
            return r

        return go(f)
