"""Graph kernels of the DFA core: breadth-first search, backward reachability, partition refinement.

Vectorised with numpy for large frontiers, plain Python below ``_SMALL`` states per step, where numpy's
per-call overhead dominates. Private to :mod:`automata.dfa`.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

_DENSE_LIMIT = 1 << 25  # BFS keeps a dense "seen" mask for state spaces up to this size
_SMALL = 64  # below this many states per step, plain Python beats numpy's per-call overhead


def _ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, e)`` over the pairs, without a Python loop."""
    lengths = ends - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths
    return np.arange(total, dtype=np.int64) - np.repeat(offsets - starts, lengths)


def _bfs(succ: Callable[[np.ndarray], np.ndarray], k: int, start: int, space: int, stop: np.ndarray | None = None,
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
    table: list[list[int]] | None = None
    small_levels = 0
    front: list[int] | np.ndarray = [start]
    base = 0
    halt = stop is not None and bool(stop[start])
    while len(front) and k and not halt:
        if dense and len(front) * k < _SMALL:  # tiny level: a Python loop has far less overhead
            small_levels += 1
            if table is None and delta is not None and small_levels > _SMALL:  # deep: worth a list copy
                table = delta.tolist()
            rows = [table[s] for s in front] if table is not None else succ(np.asarray(front)).tolist()
            new: list[int] = []
            for i, row in enumerate(rows):
                for a, t in enumerate(row):
                    if t >= 0 and not seen[t]:
                        seen[t] = True
                        new.append(t)
                        pend[1].append(base + i)
                        pend[2].append(a)
            pend[0].extend(new)
            halt = stop is not None and any(stop[t] for t in new)
            base += len(front)
            front = new
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


def _path(parent: np.ndarray, symbol: np.ndarray, pos: int) -> list[int]:
    """Symbol codes along the BFS-tree path from the start to position ``pos``."""
    out: list[int] = []
    while parent[pos] >= 0:
        out.append(int(symbol[pos]))
        pos = int(parent[pos])
    return out[::-1]


def _reverse_csr(delta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Predecessor lists: sources of edges into ``q`` are ``preds[indptr[q]:indptr[q + 1]]``."""
    m, k = delta.shape
    dst = delta.reshape(-1)
    edges = np.flatnonzero(dst >= 0)
    edges = edges[np.argsort(dst[edges], kind="stable")]
    indptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(dst[edges], minlength=m), out=indptr[1:])
    return edges // max(k, 1), indptr


def _coreachable(delta: np.ndarray, accepting: np.ndarray) -> np.ndarray:
    """Mask of the states from which an accepting state can be reached (backward BFS)."""
    preds, indptr = _reverse_csr(delta)
    alive = accepting.copy()
    front = np.flatnonzero(alive)
    lists: tuple[list[int], list[int]] | None = None
    while front.size:
        if front.size < _SMALL:  # tiny level: walk the predecessor lists in Python
            lists = lists or (preds.tolist(), indptr.tolist())
            pl, ip = lists
            new = []
            for q in front.tolist():
                for p in pl[ip[q]:ip[q + 1]]:
                    if not alive[p]:
                        alive[p] = True
                        new.append(p)
            front = np.array(new, dtype=np.int64)
            continue
        p = preds[_ranges(indptr[front], indptr[front + 1])]
        front = np.unique(p[~alive[p]])
        alive[front] = True
    return alive


def _coarsest_partition(delta: np.ndarray, accepting: np.ndarray) -> tuple[np.ndarray, int]:
    """Block ids of the Myhill-Nerode classes of a complete DFA (all states assumed reachable).

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
    block = (accepting if 2 * n_acc <= m else ~accepting).astype(np.int64)  # smaller class: id 1
    n1 = int(block.sum())
    preds, indptr = _reverse_csr(delta)
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


def _refine_small(delta: np.ndarray, preds: np.ndarray, indptr: np.ndarray, *arrays: np.ndarray) -> tuple[np.ndarray, int]:
    """Finish :func:`_coarsest_partition` on Python lists once rounds are small (deep DFAs: many tiny rounds)."""
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
