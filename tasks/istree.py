"""IsTree with chain of thought ([WDL] Thm 4.7, Thm 5.6) in the format of the paper's code release.

[WDL] = Wen, Dang, Lyu, *RNNs are not Transformers (Yet)*, ICLR 2025 (arXiv 2402.18510); the code release
(github.com/dangxingyu/rnn-icrag, ``rnn/data.py``) fixes the token format, re-implemented here from its
description (docs/tutorial.md §9):

* **Input** (the prompt): ``[BOS]``, then every edge as three tokens ``u - v`` with u > v, the edges in
  the given order, then ``[EOS]``. A graph on n vertices 0..n−1 has exactly m = n − 1 edges here (the
  generators' setting), so *tree ⇔ connected ⇔ acyclic*. The paper writes the same list as
  ``<s> u1 ∼ v1 u2 ∼ v2 …``; :func:`parse_graph` reads both (and the release's raw ``3-1,2-0`` form).
* **Chain of thought**: a depth-first Euler tour from vertex 0, each vertex's neighbours in input order,
  the parent skipped, stopping early when a visited vertex is met (a cycle); then ``[EOS]`` and
  ``[TRUE]``/``[FALSE]``. The answer is TRUE iff the tour has 2n − 1 tokens.
* **Next-token rule** (what a transformer computes, :meth:`IsTreeTask.next_token`): let u be the last
  tour token and f its first occurrence; the parent is the tour token before f (none for the root);
  scan u's neighbours in input order from the start (f is the last position: a first visit) or from
  after w, the token before u (the child just finished); skip the parent; the first candidate y gives
  ``[EOS]`` if y is already in the tour (a cycle), else y; with no candidate emit the parent, or
  ``[EOS]`` at the root.

The input space — ordered lists of n − 1 distinct edges of K_n — is indexed by integers (a mixed-radix
code over the falling factorial): n = 6 has 360,360 lists, n = 7 39,070,080, n = 8 ≈ 5.97·10⁹.
networkx (``is_tree``) is the independent ground truth of the answer.
"""
from __future__ import annotations

import math
import operator
import re
from functools import cached_property
from typing import Hashable, Mapping, Sequence

import numpy as np

from automata.alphabet import as_word
from automata.errors import ParameterError, SuccinctError
from automata.implicit import ImplicitAutomaton
from tasks.base import Citation, LowerBound, Samples, Task

WDL = "[WDL] Wen, Dang, Lyu, ICLR 2025 (arXiv 2402.18510)"
BOS, DASH, EOS, TRUE, FALSE = "[BOS]", "-", "[EOS]", "[TRUE]", "[FALSE]"
SPECIALS = (BOS, DASH, EOS, TRUE, FALSE)
VERTEX0 = len(SPECIALS)  # the code of vertex 0; vertex v has code VERTEX0 + v
N_MAX = 1024
PARSE_MAX = 1 << 20  # characters of graph text parse_graph reads
TREE_CACHE = 1 << 21  # networkx verdicts remembered per task (by edge set)


class InvalidGraphError(SuccinctError, ValueError):
    """A graph outside the task's domain (wrong vertex, repeated edge, a loop, wrong number of edges)
    or unreadable graph text."""


def _check_n(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 2 <= int(n) <= N_MAX:
        raise ParameterError(f"istree: n must be an integer in 2..{N_MAX}, got {n!r}")
    return int(n)


def tour(n: int, edges: Sequence[tuple[int, int]]) -> list[int]:
    """The release's depth-first Euler tour from vertex 0 (neighbours in input order, the parent skipped,
    early stop on a cycle), computed by an explicit stack."""
    adj: list[list[int]] = [[] for _ in range(n)]
    for u, v in edges:
        adj[u].append(v)
        adj[v].append(u)
    parent = [-1] * n
    nxt = [0] * n  # the next neighbour index to scan
    visited = [False] * n
    visited[0] = True
    out, cur = [0], 0
    while True:
        k = nxt[cur]
        if k < len(adj[cur]) and adj[cur][k] == parent[cur]:
            k += 1
        if k < len(adj[cur]):
            y = adj[cur][k]
            nxt[cur] = k + 1
            if visited[y]:
                return out  # a cycle: stop
            parent[y], visited[y], cur = cur, True, y
            out.append(y)
        elif parent[cur] < 0:
            return out  # back at the root with nothing left
        else:
            cur = parent[cur]
            out.append(cur)


def next_token(n: int, edges: Sequence[tuple[int, int]], cot: Sequence[str]) -> str:
    """The next chain-of-thought token after the prompt of ``edges`` and the CoT prefix ``cot`` (tokens),
    by the next-token rule of the module docstring — no search, only the retrievals a transformer makes.
    Defined on prefixes of the reference CoT; a prefix that is not a walk from 0 along the edges raises
    :class:`InvalidGraphError` (other walks get the rule's token, which the reference need not produce)."""
    if not cot:
        return "0"
    if cot[-1] == EOS:
        tour_len = len(cot) - 1
        return TRUE if tour_len == 2 * n - 1 else FALSE
    if cot[-1] in (TRUE, FALSE):
        raise ParameterError("the chain of thought is complete")
    if not all(isinstance(t, str) and t.isascii() and t.isdigit() and int(t) < n for t in cot):
        raise InvalidGraphError(f"a tour holds vertices 0..{n - 1} only (then [EOS] and the answer), got {list(cot)}")
    toks = [int(t) for t in cot]
    adjacent = {frozenset(e) for e in edges}
    if toks[0] != 0 or any(frozenset((a, b)) not in adjacent for a, b in zip(toks, toks[1:])):
        raise InvalidGraphError(f"{' '.join(cot)} is not a walk from 0 along the edges (not a tour prefix)")
    u = toks[-1]
    f = toks.index(u)
    parent = toks[f - 1] if f > 0 else None
    adj = [v if w == u else w for w, v in edges if u in (w, v)]
    start = 0 if f == len(toks) - 1 else adj.index(toks[-2]) + 1
    cands = [y for y in adj[start:] if y != parent]
    if cands:
        return EOS if cands[0] in toks else str(cands[0])
    return EOS if parent is None else str(parent)


def parse_graph(text: str) -> list[tuple[int, int]]:
    """Edges from graph text: the release's tokens ``[BOS] 3 - 1 2 - 0 [EOS]`` (BOS/EOS optional), the
    paper's ``<s> 3 ∼ 1 2 ∼ 0`` (``~`` too, either orientation), or the raw ``3-1,2-0`` form. Edges are
    returned oriented u > v, in the given order. Malformed text raises :class:`InvalidGraphError`."""
    if not isinstance(text, str):
        raise InvalidGraphError(f"graph text must be a string, got {type(text).__name__}")
    if len(text) > PARSE_MAX:
        raise InvalidGraphError(f"graph text longer than {PARSE_MAX:,} characters")
    body = text.strip()
    for mark in (BOS, "<s>"):
        if body.startswith(mark):
            body = body[len(mark):]
    for mark in (EOS, "</s>"):
        if body.endswith(mark):
            body = body[: -len(mark)]
    body = body.replace("∼", "~").replace(",", " ")
    if not body.strip():
        return []
    pattern = re.compile(r"\s*([0-9]{1,5})\s*([-~])\s*([0-9]{1,5})\s*")
    edges, pos = [], 0
    while pos < len(body):
        m = pattern.match(body, pos)
        if m is None:
            raise InvalidGraphError(f"cannot read an edge 'u - v' or 'u ~ v' at {body[pos:pos + 20]!r}")
        a, b = int(m.group(1)), int(m.group(3))
        if m.group(2) == "-" and a < b:
            raise InvalidGraphError(f"edge '{a} - {b}': the release's format writes u - v with u > v")
        edges.append((max(a, b), min(a, b)))
        pos = m.end()
    return edges


class IsTreeTask(Task):
    """IsTree on n vertices with n − 1 edges, as the language prompt · CoT (module docstring)."""

    name = "istree"
    citation = Citation(WDL, "Thm 4.7 (IsTree with an O(n) chain of thought), Thm 5.6")

    def __init__(self, n: int) -> None:
        self.n = _check_n(n)
        self.m = self.n - 1
        self.alphabet = SPECIALS + tuple(str(v) for v in range(self.n))
        self.all_edges = tuple((u, v) for u in range(self.n) for v in range(u))  # (u, v), u > v, lex order
        self.prompt_length = 3 * self.m + 2
        self.max_cot = 2 * self.n + 1  # tour ≤ 2n − 1, [EOS], answer

    @property
    def params(self) -> Mapping[str, object]:
        return {"n": self.n}

    def describe(self) -> str:
        return f"istree(n={self.n}) — {self.citation}"

    # --- the input space -------------------------------------------------------------------------
    def input_space(self) -> int:
        """Ordered lists of n − 1 distinct edges: E!/(E − n + 1)!, E = n(n − 1)/2."""
        e = len(self.all_edges)
        return math.perm(e, self.m)

    def encode_inputs(self, start: int, stop: int) -> np.ndarray:
        """Inputs ``start``..``stop − 1`` as (B, n − 1, 2) int64 edges: index → the falling-factorial digits
        (d₁ < E, d₂ < E − 1, …), digit k picks the d_k-th edge not used before (a Lehmer code)."""
        total = self.input_space()
        if not 0 <= start <= stop <= total:
            raise ParameterError(f"istree n={self.n}: index range {start}..{stop} outside 0..{total}")
        if stop - start > (1 << 24):
            raise ParameterError("istree: at most 2^24 inputs per encode_inputs call")
        e = len(self.all_edges)
        radices = [e - k for k in range(self.m)]
        idx = np.arange(start, stop, dtype=object if total >= (1 << 62) else np.int64)
        digits = np.empty((idx.size, self.m), dtype=np.int64)
        for col in range(self.m - 1, -1, -1):
            digits[:, col] = (idx % radices[col]).astype(np.int64)
            idx = idx // radices[col]
        return self._edges_from_digits(digits)

    def _edges_from_digits(self, digits: np.ndarray) -> np.ndarray:
        e = len(self.all_edges)
        avail = np.tile(np.arange(e, dtype=np.int64), (len(digits), 1))
        chosen = np.empty_like(digits)
        rows = np.arange(len(digits))
        for col in range(self.m):
            pick = avail[rows, digits[:, col]]
            chosen[:, col] = pick
            # remove the picked edge: shift the tail left by one
            mask = np.arange(avail.shape[1] - col)[None, :] >= digits[:, col][:, None]
            shifted = np.where(mask[:, :-1], avail[:, 1:avail.shape[1] - col], avail[:, :avail.shape[1] - col - 1])
            avail[:, :avail.shape[1] - col - 1] = shifted
        table = np.array(self.all_edges, dtype=np.int64).reshape(-1, 2)
        return table[chosen]

    def index_of(self, edges: Sequence[tuple[int, int]]) -> int:
        """The index of an edge list (inverse of :meth:`encode_inputs`)."""
        edges = self.check_edges(edges)
        avail = list(self.all_edges)
        idx = 0
        for k, edge in enumerate(edges):
            d = avail.index(tuple(edge))
            idx = idx * (len(self.all_edges) - k) + d
            avail.pop(d)
        return idx

    def sample_inputs(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """``count`` uniformly random inputs (B, n − 1, 2)."""
        e = len(self.all_edges)
        keys = rng.random((count, e))
        chosen = np.argsort(keys, axis=1)[:, : self.m]
        table = np.array(self.all_edges, dtype=np.int64).reshape(-1, 2)
        return table[chosen]

    def check_edges(self, edges: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        """``edges`` as a list of (u, v), u > v, validated: n − 1 distinct edges on vertices 0..n − 1."""
        try:
            out = [(operator.index(u), operator.index(v)) for u, v in edges]
        except (TypeError, ValueError):
            raise InvalidGraphError("edges must be pairs of integers") from None
        if any(isinstance(x, bool) for e in edges for x in e):
            raise InvalidGraphError("edges must be pairs of integers, not booleans")
        if len(out) != self.m:
            raise InvalidGraphError(f"istree n={self.n}: a graph has exactly n − 1 = {self.m} edges, got {len(out)}")
        for u, v in out:
            if not (0 <= v < u < self.n):
                raise InvalidGraphError(f"edge ({u}, {v}): need vertices in 0..{self.n - 1} and u > v")
        if len(set(out)) != len(out):
            raise InvalidGraphError("an edge is repeated")
        return out

    # --- tokens ----------------------------------------------------------------------------------
    def prompt(self, edges: Sequence[tuple[int, int]]) -> tuple[str, ...]:
        edges = self.check_edges(edges)
        return (BOS, *(t for u, v in edges for t in (str(u), DASH, str(v))), EOS)

    def prompt_codes(self, edges: np.ndarray) -> np.ndarray:
        """(B, n − 1, 2) edges → (B, 3(n − 1) + 2) token codes."""
        b = len(edges)
        out = np.empty((b, self.prompt_length), dtype=np.int64)
        out[:, 0] = 0
        out[:, 1:-1:3] = edges[:, :, 0] + VERTEX0
        out[:, 2:-1:3] = 1
        out[:, 3:-1:3] = edges[:, :, 1] + VERTEX0
        out[:, -1] = 2
        return out

    def tour(self, edges: Sequence[tuple[int, int]]) -> list[int]:
        return tour(self.n, self.check_edges(edges))

    def cot(self, edges: Sequence[tuple[int, int]]) -> tuple[str, ...]:
        """The reference chain of thought: tour, ``[EOS]``, answer."""
        t = self.tour(edges)
        return (*(str(v) for v in t), EOS, TRUE if len(t) == 2 * self.n - 1 else FALSE)

    def next_token(self, edges: Sequence[tuple[int, int]], cot: Sequence[str]) -> str:
        return next_token(self.n, self.check_edges(edges), tuple(cot))

    def is_tree(self, edges: Sequence[tuple[int, int]]) -> bool:
        """networkx's ``is_tree`` on the graph (vertices 0..n − 1): the independent ground truth."""
        import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(range(self.n))
        g.add_edges_from(self.check_edges(edges))
        return bool(nx.is_tree(g))

    def check_batch(self, edges: object) -> np.ndarray:
        """A batch (B, n − 1, 2) of valid edge lists as int64 (typed :class:`InvalidGraphError` otherwise)."""
        e = np.asarray(edges)
        if e.ndim != 3 or e.shape[1:] != (self.m, 2) or (e.size and e.dtype.kind not in "iu"):
            raise InvalidGraphError(f"istree n={self.n}: a batch is an integer array (B, {self.m}, 2)")
        e = e.astype(np.int64)
        if e.size and (e.min() < 0 or e.max() >= self.n or (e[:, :, 0] <= e[:, :, 1]).any()):
            raise InvalidGraphError(f"edges must be pairs (u, v) with {self.n} > u > v ≥ 0")
        ids = np.sort(e[:, :, 0] * (e[:, :, 0] - 1) // 2 + e[:, :, 1], axis=1)
        if self.m > 1 and (ids[:, 1:] == ids[:, :-1]).any():
            raise InvalidGraphError("an edge is repeated")
        return e

    def cots(self, edges: np.ndarray) -> np.ndarray:
        """The reference CoTs of a batch, vectorised: (B, n − 1, 2) → (B, 2n + 1) codes, −1 after the
        answer. The same explicit-stack DFS as :func:`tour`, all graphs in lock step."""
        edges = self.check_batch(edges)
        b, n = len(edges), self.n
        rows = np.arange(b)
        # adjacency in input order: adj[b, x, k] = the k-th neighbour of x
        adj = np.full((b, n, self.m), -1, dtype=np.int64)
        deg = np.zeros((b, n), dtype=np.int64)
        for k in range(self.m):
            for a, c in ((0, 1), (1, 0)):
                x, y = edges[:, k, a], edges[:, k, c]
                adj[rows, x, deg[rows, x]] = y
                deg[rows, x] += 1
        parent = np.full((b, n), -1, dtype=np.int64)
        nxt = np.zeros((b, n), dtype=np.int64)
        visited = np.zeros((b, n), dtype=bool)
        visited[:, 0] = True
        cur = np.zeros(b, dtype=np.int64)
        out = np.full((b, self.max_cot), -1, dtype=np.int64)
        out[:, 0] = VERTEX0
        length = np.ones(b, dtype=np.int64)
        active = np.ones(b, dtype=bool)
        for step in range(1, 2 * n - 1):
            r = rows[active]
            if r.size == 0:
                break
            c = cur[r]
            k = nxt[r, c]
            y = np.where(k < deg[r, c], adj[r, c, np.minimum(k, self.m - 1)], -1)
            skip = (y == parent[r, c]) & (y >= 0)
            k = k + skip
            y = np.where(k < deg[r, c], adj[r, c, np.minimum(k, self.m - 1)], -1)
            has = y >= 0
            nxt[r[has], c[has]] = k[has] + 1
            cycle = has & visited[r, np.maximum(y, 0)]
            down = has & ~cycle
            up = ~has & (parent[r, c] >= 0)
            stop = cycle | (~has & (parent[r, c] < 0))
            rd = r[down]
            parent[rd, y[down]] = c[down]
            visited[rd, y[down]] = True
            cur[rd] = y[down]
            cur[r[up]] = parent[r[up], c[up]]
            go = r[~stop]
            out[go, step] = cur[go] + VERTEX0
            length[go] += 1
            active[r[stop]] = False
        out[rows, length] = 2
        out[rows, length + 1] = np.where(length == 2 * n - 1, 3, 4)
        return out

    def trees(self, edges: np.ndarray) -> np.ndarray:
        """networkx's verdict for every graph of a batch (B,) bool; one networkx call per distinct edge
        set (the verdict does not depend on the order), remembered by the task (n = 7: 54,264 sets; at
        most :data:`TREE_CACHE` of them)."""
        edges = self.check_batch(edges)
        ids = edges[:, :, 0] * (edges[:, :, 0] - 1) // 2 + edges[:, :, 1]  # the edge's index in all_edges
        masks = (np.int64(1) << ids).sum(1) if len(self.all_edges) < 63 else None
        if masks is None:  # n ≥ 12: no 64-bit set key; one call per graph
            return np.array([self.is_tree([tuple(map(int, e)) for e in row]) for row in edges], dtype=bool)
        cache = self.__dict__.setdefault("_tree_cache", {})
        if len(cache) > TREE_CACHE:
            cache.clear()
        uniq, rows, inv = np.unique(masks, return_index=True, return_inverse=True)
        for key, row in zip(uniq.tolist(), rows):
            if key not in cache:
                cache[key] = self.is_tree([tuple(map(int, e)) for e in edges[row]])
        return np.array([cache[k] for k in uniq.tolist()], dtype=bool)[inv.reshape(-1)]

    def show(self, edges: Sequence[tuple[int, int]]) -> str:
        return " ".join(self.prompt(edges))

    # --- the language prompt · CoT (the Task interface) -------------------------------------------
    def split(self, word: Sequence[str]) -> tuple[list[tuple[int, int]], tuple[str, ...]] | None:
        """(edges, CoT) of a word whose prompt is well formed, else None."""
        word = tuple(as_word(word))
        p = self.prompt_length
        if len(word) < p or word[0] != BOS or word[p - 1] != EOS:
            return None
        try:
            edges = []
            for k in range(self.m):
                a, d, b = word[1 + 3 * k: 4 + 3 * k]
                if d != DASH:
                    return None
                edges.append((int(a), int(b)))
            edges = self.check_edges(edges)
        except (ValueError, SuccinctError):
            return None
        return edges, word[p:]

    def accepts(self, word: Sequence[str]) -> bool:
        """``word`` = a valid prompt followed by exactly its reference CoT and answer."""
        word = tuple(as_word(word))
        for s in word:
            if s not in self._symbols:
                from automata.errors import UnknownSymbolError

                raise UnknownSymbolError(f"symbol {s!r} not in the istree n={self.n} alphabet")
        parts = self.split(word)
        return parts is not None and parts[1] == self.cot(parts[0])

    @cached_property
    def _symbols(self) -> frozenset[str]:
        return frozenset(self.alphabet)

    def reference(self) -> ImplicitAutomaton:
        return _IsTreeAutomaton(self)

    def samples(self) -> Samples:
        rng = np.random.default_rng(0)
        graphs = [[tuple(map(int, e)) for e in g] for g in self.sample_inputs(rng, 4)]
        pos = [self.prompt(g) + self.cot(g) for g in graphs]
        p0 = pos[0]
        neg = [p0[:-1], p0 + (EOS,), p0[:-1] + ((FALSE if p0[-1] == TRUE else TRUE),), self.prompt(graphs[1])]
        near = [p0[:k] + (s,) + p0[k + 1:] for k in range(self.prompt_length, len(p0))
                for s in ("0", EOS) if s != p0[k]]
        return Samples(tuple(pos), tuple(neg), tuple(w for w in near if not self.accepts(w)))

    def lower_bounds(self) -> tuple[LowerBound, ...]:
        from tasks.istree_bounds import closed_form_rows

        r = closed_form_rows(self.n)
        return (LowerBound("RNN state bits", math.log2(r),
                           f"one-way communication (first n − 2 edges | last edge): R(n) = {r} distinct answer rows "
                           f"(2^(n−1) − 1 vertex bipartitions, plus the all-zero row of a cyclic prefix for n ≥ 5), "
                           f"so 2^B ≥ R(n) for an RNN with B bits of state, with any CoT ({WDL}, Thm 4.7)"),)


class _IsTreeAutomaton(ImplicitAutomaton):
    """The trie of L_n: a state is the word read so far while it is a prefix of an accepted word."""

    def __init__(self, task: IsTreeTask) -> None:
        self.task = task
        self.alphabet = task.alphabet

    def start(self) -> Hashable:
        return ()

    def step(self, state: Hashable, a: str) -> Hashable | None:
        w = (*state, a)  # type: ignore[misc]
        t = self.task
        p = t.prompt_length
        if len(w) <= p:
            k = len(w) - 1
            if k == 0:
                return w if a == BOS else None
            if k == p - 1:
                return w if a == EOS and t.split(w) is not None else None
            slot = (k - 1) % 3
            if slot == 1:
                return w if a == DASH else None
            if not a.isdigit():
                return None
            if slot == 2:
                u, v = int(w[-3]), int(a)
                prev = {(int(w[1 + 3 * j]), int(w[3 + 3 * j])) for j in range((k - 1) // 3)}
                return w if v < u and (u, v) not in prev else None
            return w
        edges, cot = t.split(w[:p])[0], w[p:]
        ref = t.cot(edges)
        return w if len(cot) <= len(ref) and ref[: len(cot)] == cot else None

    def is_accepting(self, state: Hashable) -> bool:
        return self.task.accepts(state)  # type: ignore[arg-type]


def istree_task(n: int) -> IsTreeTask:
    return IsTreeTask(n)


__all__ = ["BOS", "DASH", "EOS", "FALSE", "TRUE", "VERTEX0", "InvalidGraphError", "IsTreeTask", "istree_task",
           "next_token", "parse_graph", "tour"]
