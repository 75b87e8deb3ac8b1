"""Class-memoised execution of a UHAT: every distinct layer application computed once, by the module.

[BCL] §2's unique hard attention (THEORY §1) makes a layer's output at position i a function of two
vectors only: v_i and the vector at the position its attention picks (zero when none is unmasked). So
if positions are grouped into **classes** of equal vectors, a layer maps the pair (class of i, class of
the attended position) to a new vector, and a word of length L with K classes per layer needs at most
K·(K+1) distinct layer applications, however long it is — for Lemma 9 networks K is small (the n = 4
witness word: 6,291,456 positions, a few hundred classes per layer).

This module runs a :class:`~constructions.uhat.torch_backend.UHATModule` that way:

* the classes' vectors are a small (K, slots) tensor; every position holds only its class id;
* an attention step computes each class's query and key with the module's own weights, the exact
  integer score table (query class × key class), and then, in one compiled scan over the positions,
  the tie-break's choice among the unmasked positions: per query class the best (score, position) seen
  so far, updated at each key — O(L · Kq) for Kq query classes (Kq = 1 for key-only scores);
* the distinct (class, attended class) pairs are collected by a compiled pass with a presence table,
  the layer map C is applied to those pairs only by the module's own ``_write`` (same weights, same
  dtype, which the precision audit proved exact), and equal results are merged into the next classes;
* ReLU and attention-free steps are maps on the class table alone.

Result: ``⟨t, v_i⟩ > 0`` at every position, equal to ``module(word[None])[0]`` (tests compare them
position by position on random networks and words); cost O(L · Σ_steps Kq + Σ_steps P · slots) for P
distinct pairs per step; memory O(L) int32 for the class ids plus, per attention step, the
Kq × Kk × r score products and a K·(K+1) pair table (at most ``DENSE_PAIRS`` entries, else a sort) —
independent of L. Any mask works: causal masks scan left to right,
anti-causal ones right to left, ``none`` takes the whole word's best per query class.

>>> from constructions.library.presets import PRESETS
>>> from constructions.uhat.lemma9 import compile_lemma9
>>> from constructions.uhat.torch_backend import to_torch
>>> from automata.alphabet import encode_word
>>> program = PRESETS["ab_plus"]()
>>> module = to_torch(compile_lemma9(program), "float64")
>>> [bool(class_prefixes(module, encode_word(tuple(w), program.alphabet))[-1]) for w in ("abab", "aba", "abba")]
[True, False, False]
"""
from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import torch

from automata.alphabet import check_codes
from automata.errors import ParameterError
from constructions.uhat.torch_backend import UHATModule

DENSE_PAIRS = 1 << 26  # presence table entries for the pair pass (K·(K+1) above this: a sort)


@numba.njit(cache=True, inline="always")
def _insert(score, kk, pos, prefer_new, best_s, best_p):  # pragma: no cover - compiled
    """Position ``pos`` of key class ``kk`` becomes selectable: update every query class's best."""
    for q in range(score.shape[0]):
        s = score[q, kk]
        if best_p[q] < 0 or s > best_s[q] or (prefer_new and s == best_s[q]):
            best_s[q] = s
            best_p[q] = pos


@numba.njit(cache=True)
def _scan(cls, qc, kc, score, strict, prefer_new, out):  # pragma: no cover - compiled
    """Positions in the given order; ``out[i]``: class of the chosen earlier-in-scan position, or −1.
    ``prefer_new``: among equal scores the position inserted last wins (else the first)."""
    nq = score.shape[0]
    best_s = np.zeros(nq, dtype=np.int64)
    best_p = np.full(nq, -1, dtype=np.int64)
    for i in range(cls.size):
        c = cls[i]
        if not strict:
            _insert(score, kc[c], i, prefer_new, best_s, best_p)
        p = best_p[qc[c]]
        out[i] = -1 if p < 0 else cls[p]
        if strict:
            _insert(score, kc[c], i, prefer_new, best_s, best_p)


@numba.njit(cache=True)
def _pairs(cls, att, k, table, pair_c, pair_a, out):  # pragma: no cover - compiled
    """Number the distinct (cls[i], att[i]) pairs in order of first occurrence; ``out[i]`` = pair id."""
    n = 0
    for i in range(cls.size):
        key = cls[i] * (k + 1) + att[i] + 1
        t = table[key]
        if t < 0:
            t = n
            table[key] = n
            pair_c[n] = cls[i]
            pair_a[n] = att[i]
            n += 1
        out[i] = t
    return n


@dataclass(frozen=True)
class ClassRun:
    """Verdicts at every position and the sizes that bound the work."""

    verdicts: np.ndarray  # (L,) bool
    max_classes: int  # largest number of distinct vectors at any layer
    max_pairs: int  # largest number of distinct (class, attended class) pairs at any attention step


def _merge(vectors: torch.Tensor, cls: np.ndarray) -> tuple[torch.Tensor, np.ndarray]:
    """Equal rows of ``vectors`` (K, slots) merged into one class; ``cls`` renumbered (untouched when
    the rows are already distinct: no O(L) pass)."""
    uniq, inv = _distinct(vectors)
    if uniq.shape[0] == vectors.shape[0]:
        return vectors, cls
    return uniq, inv.cpu().numpy().astype(np.int32)[cls]


def _distinct(rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Distinct rows of (N, r) and each row's index among them (r = 0: one empty row)."""
    if rows.shape[1] == 0:
        return rows.new_zeros((1, 0)), torch.zeros(rows.shape[0], dtype=torch.long, device=rows.device)
    return torch.unique(rows, dim=0, return_inverse=True)


def _ids(a: np.ndarray, device: torch.device) -> torch.Tensor:
    """An index tensor (int64) on ``device`` from a numpy array."""
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.int64)).to(device)


def _apply(m: UHATModule, k: int, vectors: torch.Tensor, att: torch.Tensor | None) -> torch.Tensor:
    """Step ``k``'s C map on the rows of ``vectors`` (N, slots), attended rows ``att`` (N, |a_cols|)."""
    h = vectors.T.contiguous()
    m._write(h, k, None if att is None else att.T.contiguous())
    return h.T


def _choose(m: UHATModule, k: int, vectors: torch.Tensor, cls: np.ndarray) -> np.ndarray:
    """Class of the position attention step ``k`` picks for every position (−1: none unmasked)."""
    spec = m.steps[k].attend
    x = vectors.T
    qv, qc = _distinct(m.query(x, k).T)
    kv, kc = _distinct(m.key(x, k).T)
    # exact: integral values, products and sums inside the audited bound (elementwise: works on CUDA too)
    score = (qv.to(torch.int64)[:, None, :] * kv.to(torch.int64)[None, :, :]).sum(-1).cpu().numpy()
    qc_np = qc.cpu().numpy().astype(np.int32)
    kc_np = kc.cpu().numpy().astype(np.int32)
    rightmost = spec.tiebreak == "rightmost"
    out = np.empty(cls.size, dtype=np.int32)
    if spec.mask in ("j<i", "j<=i"):
        _scan(cls, qc_np, kc_np, score, spec.mask == "j<i", rightmost, out)
    elif spec.mask in ("j>i", "j>=i"):
        _scan(cls[::-1].copy(), qc_np, kc_np, score, spec.mask == "j>i", not rightmost, out)
        out = out[::-1].copy()
    elif spec.mask == "none":  # every position sees the whole word: one choice per query class
        kpos = kc_np[cls]
        order = np.arange(cls.size)[::-1] if rightmost else np.arange(cls.size)
        present, first = np.unique(kpos[order], return_index=True)
        occ = order[first]  # per present key class: the position the tie-break prefers
        rank = occ if rightmost else cls.size - 1 - occ
        choice = np.empty(score.shape[0], dtype=np.int32)
        for q in range(score.shape[0]):
            pick = np.lexsort((rank, score[q, present]))[-1]  # best score, then the preferred position
            choice[q] = cls[occ[pick]]
        out = choice[qc_np[cls]]
    else:  # pragma: no cover - UHATModule validation rules this out
        raise ParameterError(f"unknown mask {spec.mask!r}")
    return out


def class_run(m: UHATModule, word: np.ndarray | torch.Tensor) -> ClassRun:
    """The module's verdict ``⟨t, v_i⟩ > 0`` at every position of one word, by classes (see module doc)."""
    if not m.plain:
        raise ParameterError("class_run handles [BCL]'s UHATs only (no positions, one hard head per layer)")
    arr = np.asarray(word.cpu() if isinstance(word, torch.Tensor) else word)
    if arr.ndim != 1 and not (arr.ndim == 2 and arr.shape[0] == 1):
        raise ParameterError(f"class_run takes one word (1-D codes or shape (1, L)), got shape {arr.shape}")
    codes = check_codes(arr.reshape(1, -1), m.net_alphabet)[0]
    if codes.size == 0:
        raise ParameterError("the empty word is never accepted (words are non-empty)")
    present = np.flatnonzero(np.bincount(codes, minlength=len(m.net_alphabet)))  # letters of the word only
    index = np.zeros(len(m.net_alphabet), dtype=np.int32)
    index[present] = np.arange(present.size, dtype=np.int32)
    vectors = torch.zeros(present.size, m.n_slots, dtype=m.dtype, device=m.device)
    vectors[:, : m.emb.shape[1]] = m.emb.index_select(0, _ids(present, m.device))
    vectors, cls = _merge(vectors, index[codes])
    max_k, max_p = vectors.shape[0], 0
    with torch.no_grad():
        for k, step in enumerate(m.steps):
            if step.kind == "relu":
                vectors = vectors.clone()
                for d in step.dest:
                    vectors[:, d].clamp_(min=0)
            elif not step.dest:
                continue
            elif step.attend is None:
                vectors = _apply(m, k, vectors, None)
            else:
                att = _choose(m, k, vectors, cls)
                n_cls = vectors.shape[0]
                size = n_cls * (n_cls + 1)
                pair_id = np.empty(cls.size, dtype=np.int32)
                if size <= DENSE_PAIRS:
                    table = np.full(size, -1, dtype=np.int32)
                    pair_c = np.empty(min(size, cls.size), dtype=np.int32)
                    pair_a = np.empty(min(size, cls.size), dtype=np.int32)
                    n_pairs = _pairs(cls, att, n_cls, table, pair_c, pair_a, pair_id)
                    pair_c, pair_a = pair_c[:n_pairs], pair_a[:n_pairs]
                else:
                    keys = cls.astype(np.int64) * (n_cls + 1) + att + 1
                    uniq, inv = np.unique(keys, return_inverse=True)
                    pair_c, pair_a = (uniq // (n_cls + 1)).astype(np.int32), (uniq % (n_cls + 1) - 1).astype(np.int32)
                    pair_id = inv.astype(np.int32)
                max_p = max(max_p, pair_c.size)
                padded = torch.cat([vectors, vectors.new_zeros((1, m.n_slots))])  # row −1: the zero vector
                a_rows = padded.index_select(0, _ids(np.where(pair_a < 0, n_cls, pair_a), m.device))
                a_rows = a_rows.index_select(1, m._index[k]["a"])
                own = vectors.index_select(0, _ids(pair_c, m.device))
                vectors, cls = _apply(m, k, own, a_rows), pair_id
            vectors, cls = _merge(vectors, cls)
            max_k = max(max_k, vectors.shape[0])
        value = m.readout(vectors.T)
    m._scratch_bufs = {}
    verdict = (value > 0).cpu().numpy()
    return ClassRun(verdict[cls], max_k, max_p)


def class_prefixes(m: UHATModule, word: np.ndarray | torch.Tensor) -> torch.Tensor:
    """``(L,)`` bool tensor: the verdict at every position, equal to ``m(word[None])[0]``."""
    return torch.from_numpy(class_run(m, word).verdicts)


__all__ = ["ClassRun", "class_prefixes", "class_run"]
