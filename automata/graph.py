"""Graph kernels of the DFA core: breadth-first search, backward reachability, partition refinement.

Vectorised with numpy for large frontiers, plain Python below ``_SMALL`` states per step, where numpy's
per-call overhead dominates (deep, narrow automata such as [BCL] Example 2's counter, ``(n+2)·2^n``
levels: there the BFS runs as one Python queue over a compact list copy of the table, and finite
languages are minimised by Revuz's signature hashing in DFS post-order instead of one refinement round
per level). From ``COMPILED_MIN`` states on, :mod:`automata.dfa` and :func:`coarsest_partition` hand
the work to the numba-compiled kernels of :mod:`automata.hopcroft` (Hopcroft 1971, O(k·m·log m)), which
are interpreter-free whatever the depth; the paths here then serve small DFAs and installs without
numba. Private to :mod:`automata.dfa`.
"""
from __future__ import annotations

from types import ModuleType
from typing import Callable

import numpy as np

_DENSE_LIMIT = 1 << 25  # BFS keeps a dense "seen" mask for state spaces up to this size
_SMALL = 64  # below this many states per step, plain Python beats numpy's per-call overhead
_ACYCLIC_MIN = 4096  # from this many states on, minimisation first tries the acyclic (finite-language) path
COMPILED_MIN = 4096  # from this many states on, the compiled kernels of automata.hopcroft run (if numba imports)


def compiled_kernels() -> ModuleType | None:
    """The :mod:`automata.hopcroft` module, or None where numba is not installed (pure numpy fallback)."""
    try:
        from automata import hopcroft
    except ImportError:  # pragma: no cover - numba is a declared dependency
        return None
    return hopcroft


def _ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, e)`` over the pairs, without a Python loop."""
    lengths = ends - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths
    return np.arange(total, dtype=np.int64) - np.repeat(offsets - starts, lengths)


def breadth_first(succ: Callable[[np.ndarray], np.ndarray], k: int, start: int, space: int, stop: np.ndarray | None = None,
         delta: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Breadth-first search over integer states ``0..space-1``, level by level.

    ``succ(states)`` gives the ``(n, k)`` successors (``-1`` = none); for an explicit table pass it
    as ``delta`` too (tiny levels then run on a list copy). Returns ``(order, parent, symbol)``: the
    states in the order a queue-based BFS trying symbols in alphabet order discovers them, and for
    each position the position of its BFS-tree parent (``-1`` for the start) and the symbol code
    of the tree edge. The tree path therefore spells each state's shortest, then lexicographically
    least, access word. With a bool mask ``stop``, the search ends after the first level that
    contains a ``stop`` state.
    """
    dense = space <= _DENSE_LIMIT
    seen = np.zeros(space if dense else 0, dtype=bool)
    seen_sorted = np.array([start], dtype=np.int64)
    if dense:
        seen[start] = True
    chunks: list[tuple[np.ndarray, ...]] = []
    pend: tuple[list[int], list[int], list[int]] = ([start], [-1], [-1])  # Python-mode entries
    table: tuple[list[list[int]], list[list[int]]] | None = None
    small_levels = 0
    front: list[int] | np.ndarray = [start]
    base = 0
    halt = stop is not None and bool(stop[start])
    while len(front) and k and not halt:
        if dense and len(front) * k < _SMALL:  # tiny levels: a Python queue has far less overhead
            small_levels += 1
            if table is None and delta is not None and small_levels > _SMALL:  # deep: worth a list copy
                table = _compact_rows(delta, _first_edges(delta))
            if table is None:
                rows = succ(np.asarray(front)).tolist()
                front, halt = _python_level(front, rows, base, seen, pend, stop)
                base += len(rows)
                continue
            front, base, halt = _python_levels(table, front, base, seen, pend, stop, k)
            continue
        front = np.asarray(front, dtype=np.int64)
        nxt = succ(front).reshape(-1)
        flat = np.flatnonzero(nxt >= 0)
        cand = nxt[flat]
        if dense:
            fresh = ~seen[cand]
        else:
            pos = np.minimum(np.searchsorted(seen_sorted, cand), seen_sorted.size - 1)
            fresh = seen_sorted[pos] != cand
        flat, cand = flat[fresh], cand[fresh]
        first = np.sort(np.unique(cand, return_index=True)[1])
        flat, new_a = flat[first], cand[first]
        if dense:
            seen[new_a] = True
        else:
            srt = np.sort(new_a)
            seen_sorted = np.insert(seen_sorted, np.searchsorted(seen_sorted, srt), srt)
        chunks.append(tuple(np.array(x, dtype=np.int64) for x in pend))
        pend = ([], [], [])
        chunks.append((new_a, base + flat // k, flat % k))
        halt = stop is not None and bool(stop[new_a].any())
        base += front.size
        front = new_a
    chunks.append(tuple(np.array(x, dtype=np.int64) for x in pend))
    order, parent, symbol = (np.concatenate(c) for c in zip(*chunks))
    return order, parent, symbol


def _python_level(front: list[int], rows: list[list[int]], base: int, seen: np.ndarray,
                  pend: tuple[list[int], list[int], list[int]], stop: np.ndarray | None) -> tuple[list[int], bool]:
    """One BFS level on Python lists (successor rows given); returns the next level and the halt flag."""
    new: list[int] = []
    for i, row in enumerate(rows, base):
        for a, t in enumerate(row):
            if t >= 0 and not seen[t]:
                seen[t] = True
                new.append(t)
                pend[1].append(i)
                pend[2].append(a)
    pend[0].extend(new)
    return new, stop is not None and any(stop[t] for t in new)


def _first_edges(delta: np.ndarray) -> np.ndarray:
    """Mask of the defined entries of each row that are the first (smallest symbol) to their target:
    the only edges along which a BFS can discover a state."""
    keep = delta >= 0
    for a in range(1, delta.shape[1]):
        keep[:, a] &= (delta[:, :a] != delta[:, a:a + 1]).all(axis=1)
    return keep


def _compact_rows(delta: np.ndarray, keep: np.ndarray) -> tuple[list[list[int]], list[list[int]]]:
    """Per state, the kept targets and their symbols, in symbol order, padded with -1 to the widest row."""
    width = int(keep.sum(axis=1).max()) if keep.size else 0
    order = np.argsort(~keep, axis=1, kind="stable")[:, :width]
    kept = np.take_along_axis(keep, order, 1)
    return (np.where(kept, np.take_along_axis(delta, order, 1), -1).tolist(),
            np.where(kept, order, -1).tolist())


def _python_levels(table: tuple[list[list[int]], list[list[int]]], front: list[int] | np.ndarray, base: int,
                   seen: np.ndarray, pend: tuple[list[int], list[int], list[int]], stop: np.ndarray | None,
                   k: int) -> tuple[list[int], int, bool]:
    """Queue BFS on the compact list copy of an explicit table (:func:`_compact_rows` of
    :func:`_first_edges`), level after level, while levels stay below ``_SMALL`` edges (deep, narrow
    automata: one Python step per edge, no numpy call per level). Returns the next level, its first
    position and the halt flag; ``seen`` is updated in place."""
    targets, symbols = table
    mark = memoryview(seen.view(np.uint8))
    halt_at = None if stop is None else memoryview(np.ascontiguousarray(stop, dtype=bool).view(np.uint8))
    order, parent, symbol = pend
    front = list(front)
    halt = False
    while front and not halt:
        new: list[int] = []
        for i, s in enumerate(front, base):
            for t, a in zip(targets[s], symbols[s]):
                if t >= 0 and not mark[t]:
                    mark[t] = 1
                    new.append(t)
                    parent.append(i)
                    symbol.append(a)
        order.extend(new)
        base += len(front)
        if halt_at is not None:
            halt = any(halt_at[t] for t in new)
        front = new
        if len(front) * k >= _SMALL:
            break
    return front, base, halt

def tree_path(parent: np.ndarray, symbol: np.ndarray, pos: int) -> list[int]:
    """Symbol codes along the BFS-tree path from the start to position ``pos``."""
    out: list[int] = []
    while parent[pos] >= 0:
        out.append(int(symbol[pos]))
        pos = int(parent[pos])
    return out[::-1]


def reverse_csr(delta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Predecessor lists: sources of edges into ``q`` are ``preds[indptr[q]:indptr[q + 1]]``."""
    m, k = delta.shape
    dst = delta.reshape(-1)
    edges = np.flatnonzero(dst >= 0)
    edges = edges[np.argsort(dst[edges], kind="stable")]
    indptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(dst[edges], minlength=m), out=indptr[1:])
    return edges // max(k, 1), indptr


def coreachable(delta: np.ndarray, accepting: np.ndarray) -> np.ndarray:
    """Mask of the states from which an accepting state can be reached (backward BFS)."""
    preds, indptr = reverse_csr(delta)
    alive = accepting.copy()
    front = np.flatnonzero(alive)
    lists: tuple[list[int], list[int]] | None = None
    while front.size:
        if front.size < _SMALL:  # tiny levels: walk the predecessor lists in Python while they stay tiny
            lists = lists or (preds.tolist(), indptr.tolist())
            pl, ip = lists
            mark = memoryview(alive.view(np.uint8))
            level = front.tolist()
            while level and len(level) < _SMALL:
                new = []
                for q in level:
                    for p in pl[ip[q]:ip[q + 1]]:
                        if not mark[p]:
                            mark[p] = 1
                            new.append(p)
                level = new
            front = np.array(level, dtype=np.int64)
            continue
        p = preds[_ranges(indptr[front], indptr[front + 1])]
        front = np.unique(p[~alive[p]])
        alive[front] = True
    return alive


def coarsest_partition(delta: np.ndarray, accepting: np.ndarray) -> tuple[np.ndarray, int]:
    """Block ids of the Myhill-Nerode classes of the states of a complete DFA (reachable or not).

    From ``COMPILED_MIN`` states on, Hopcroft's algorithm compiled with numba
    (:func:`automata.hopcroft.hopcroft_partition`, O(k·m·log m)) does the work. Below that, from
    ``_ACYCLIC_MIN`` states on, a DFA whose live part is acyclic (a finite language) is handled by
    :func:`_acyclic_partition` (O(k·m), no rounds); otherwise, or if that finds a cycle:

    Moore refinement in which each round only re-examines predecessors of states whose block id
    just changed, on a Valmari-style array layout (each block a contiguous segment of ``elems``);
    when a block splits, its largest part keeps the old id, so each state changes id at most
    ``log2 m + 1`` times and the total work is O(k m log m) plus a few numpy calls per round.
    Invariant: members of a block agree on their successors' ids of the previous round, so a
    re-examined state (one successor got a fresh id) can never stay with the untouched members.
    """
    m, _ = delta.shape
    n_acc = int(accepting.sum())
    if n_acc in (0, m):
        return np.zeros(m, dtype=np.int64), 1
    if m >= COMPILED_MIN and (hop := compiled_kernels()) is not None:
        return hop.hopcroft_partition(delta, accepting)
    if m >= _ACYCLIC_MIN:
        quick = _acyclic_partition(delta, accepting)
        if quick is not None:
            return quick
    block = (accepting if 2 * n_acc <= m else ~accepting).astype(np.int64)  # smaller class: id 1
    n1 = int(block.sum())
    preds, indptr = reverse_csr(delta)
    elems = np.argsort(block, kind="stable")
    loc = np.empty(m, dtype=np.int64)
    loc[elems] = np.arange(m)
    bstart = np.zeros(m, dtype=np.int64)
    bend = np.zeros(m, dtype=np.int64)
    bstart[1], bend[0], bend[1] = m - n1, m - n1, m
    nblocks, mark = 2, np.zeros(m, dtype=bool)
    changed = np.flatnonzero(block)
    while changed.size:
        if changed.size < _SMALL:
            return _refine_small(delta, preds, indptr, block, elems, loc, bstart[:nblocks], bend[:nblocks], changed)
        x = np.unique(preds[_ranges(indptr[changed], indptr[changed + 1])])
        rows = np.column_stack((block[x], block[delta[x]]))
        o = np.lexsort(rows.T[::-1])
        x, rows = x[o], rows[o]
        newgrp = np.ones(x.size, dtype=bool)
        newgrp[1:] = (rows[1:] != rows[:-1]).any(axis=1)
        newblk = np.ones(x.size, dtype=bool)
        newblk[1:] = rows[1:, 0] != rows[:-1, 0]
        bid = np.cumsum(newblk) - 1
        blocks = rows[newblk, 0]
        ncand = np.bincount(bid)
        rest = bend[blocks] - bstart[blocks] - ncand
        splits = np.bincount(bid[newgrp]) + (rest > 0) >= 2
        if not splits.any():
            break
        sel = splits[bid]
        x, newgrp, bid = x[sel], newgrp[sel], (np.cumsum(splits) - 1)[bid[sel]]
        blocks, ncand, rest = blocks[splits], ncand[splits], rest[splits]
        tail0, end = bend[blocks] - ncand, bend[blocks]
        # Move the candidates to the tail of their block's segment, grouped by signature.
        tp = _ranges(tail0, end)
        mark[x] = True
        z = elems[tp]
        z = z[~mark[z]]
        pos = loc[x]
        pos = pos[pos < tail0[bid]]
        elems[pos], loc[z] = z, pos
        elems[tp], loc[x] = x, tp
        mark[x] = False
        # Parts of each splitting block: the untouched rest (if any), then each signature group.
        gfirst = np.flatnonzero(newgrp)
        has_rest = rest > 0
        p_blk = np.concatenate((np.flatnonzero(has_rest), bid[gfirst]))
        p_start = np.concatenate((bstart[blocks][has_rest], tp[gfirst]))
        p_size = np.concatenate((rest[has_rest], np.diff(np.append(gfirst, x.size))))
        o = np.lexsort((np.arange(p_blk.size), -p_size, p_blk))
        keep = np.zeros(p_blk.size, dtype=bool)
        first = np.ones(o.size, dtype=bool)
        first[1:] = p_blk[o[1:]] != p_blk[o[:-1]]
        keep[o[first]] = True
        kb = blocks[p_blk[keep]]
        bstart[kb], bend[kb] = p_start[keep], p_start[keep] + p_size[keep]
        fs, fz = p_start[~keep], p_size[~keep]
        ids = nblocks + np.arange(fs.size)
        nblocks += fs.size
        bstart[ids], bend[ids] = fs, fs + fz
        changed = elems[_ranges(fs, fs + fz)]
        block[changed] = np.repeat(ids, fz)
    return block, nblocks


def _acyclic_partition(delta: np.ndarray, accepting: np.ndarray) -> tuple[np.ndarray, int] | None:
    """Myhill-Nerode classes of a complete DFA whose live part (states that reach acceptance) is
    acyclic — a finite language, e.g. [BCL] Example 2's counter — or None if it has a cycle.

    Revuz's algorithm: all dead states form class 0; live states are visited in DFS post-order
    (iterative, cycle check by colours), and each gets the class of its signature (accepting, classes
    of its successors), so a live state's class is fixed once its successors' are. One Python step
    per live edge, O(k·m) in all, whatever the depth — where partition refinement needs one round
    per level of a deep chain (``(n+2)·2^n`` levels for the counter).
    """
    live = coreachable(delta, accepting)
    if live.all():  # complete, finite and without a dead state: there is a cycle
        return None
    targets, symbols = _compact_rows(delta, live[delta])  # live successors only, dead ones implicit
    acc = accepting.tolist()
    cls = [0] * (delta.shape[0] + 1)  # cls[-1] = 0: padding (and the class of every dead state)
    colour = bytearray(delta.shape[0])  # 0 new, 1 on the DFS path, 2 done
    ids: dict[tuple[int, ...], int] = {}
    get = cls.__getitem__
    for root in np.flatnonzero(live).tolist():
        if colour[root]:
            continue
        stack = [root]
        while stack:
            q = stack[-1]
            c = colour[q]
            if c == 0:
                colour[q] = 1
                for t in targets[q]:
                    if t >= 0:
                        ct = colour[t]
                        if ct == 0:
                            stack.append(t)
                        elif ct == 1:
                            return None  # t is on the current path: a cycle through live states
                continue
            stack.pop()
            if c == 2:
                continue  # a second copy, pushed while q was still new
            colour[q] = 2
            # signature: acceptance, the symbols with a live successor, those successors' classes
            cls[q] = ids.setdefault((acc[q], *symbols[q], *map(get, targets[q])), len(ids) + 1)
    cls.pop()
    return np.array(cls, dtype=np.int64), len(ids) + 1


def _refine_small(delta: np.ndarray, preds: np.ndarray, indptr: np.ndarray, *arrays: np.ndarray) -> tuple[np.ndarray, int]:
    """Finish :func:`coarsest_partition` on Python lists once rounds are small (deep DFAs: many tiny rounds)."""
    dl, pl, ip = delta.tolist(), preds.tolist(), indptr.tolist()
    block, elems, loc, bstart, bend, changed = (a.tolist() for a in arrays)
    mark = [False] * len(block)
    while changed:
        groups: dict[int, dict[tuple[int, ...], list[int]]] = {}
        seen: set[int] = set()
        for c in changed:
            for x in pl[ip[c]:ip[c + 1]]:
                if x not in seen:
                    seen.add(x)
                    groups.setdefault(block[x], {}).setdefault(tuple([block[t] for t in dl[x]]), []).append(x)
        changed = []
        for b, by_sig in groups.items():
            cands = [x for grp in by_sig.values() for x in grp]
            rest = bend[b] - bstart[b] - len(cands)
            if len(by_sig) + (rest > 0) < 2:
                continue
            tail0 = bend[b] - len(cands)
            for x in cands:
                mark[x] = True
            outside = [x for x in cands if loc[x] < tail0]
            for x, z in zip(outside, [z for z in elems[tail0:bend[b]] if not mark[z]]):
                elems[loc[x]], loc[z] = z, loc[x]
            for i, x in enumerate(cands, tail0):
                elems[i], loc[x], mark[x] = x, i, False
            parts = [(rest, bstart[b])] if rest else []
            for grp in by_sig.values():
                parts.append((len(grp), tail0))
                tail0 += len(grp)
            best = max(range(len(parts)), key=lambda i: parts[i][0])
            for i, (size, first) in enumerate(parts):
                if i == best:
                    bstart[b], bend[b] = first, first + size
                    continue
                bstart.append(first)
                bend.append(first + size)
                for y in elems[first:first + size]:
                    block[y] = len(bstart) - 1
                    changed.append(y)
    return np.array(block, dtype=np.int64), len(bstart)
