"""Autoregressive decoding with a key/value cache for causal generator UHATs (chain of thought).

A generator (:attr:`UHAT.output`) answers at the last position. Writing a chain of thought means
appending its answer and running again. When **every mask is causal** (j < i or j ≤ i) the vectors of
the earlier positions never change as the word grows, so each layer's keys and attended values of the
earlier positions can be kept — a key/value cache — and one decoding step computes the new position
only: O(L) per head instead of re-running the whole word (O(L²) per head). This is exactly the
computation of full recomputation (the same weights, scores, argmax and tie-break, the same dtype the
precision audit proved exact); ``tests/constructions/test_istree_uhat.py`` checks the two against each
other and against the exact rational semantics.

The cache stores, per attention step and head, the key rows and the value rows (the slots the layer's
C reads from that head) of every position so far, preallocated for ``max_len`` positions. Hard attention
is the argmax over the unmasked prefix of keys, the tie-break by ``torch.argmax``'s first maximal index
(leftmost; rightmost on the reversed scores); the precision audit's dtype makes every score exact.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from automata.errors import ParameterError
from constructions.uhat.torch_backend import UHATModule, gather_rows, visible_keys

CAUSAL = ("j<i", "j<=i")


@dataclass
class KVCache:
    """Keys and values per (attention step, head): tensors (B, max_len, r); ``length`` positions filled."""

    keys: dict[tuple[int, int], torch.Tensor]
    values: dict[tuple[int, int], torch.Tensor]
    length: int
    max_len: int

    def select(self, rows: torch.Tensor) -> "KVCache":
        """The cache of the batch rows ``rows`` (finished words dropped)."""
        return KVCache({k: v[rows] for k, v in self.keys.items()},
                       {k: v[rows] for k, v in self.values.items()}, self.length, self.max_len)


def _check(mod: UHATModule) -> None:
    if not isinstance(mod, UHATModule):
        raise ParameterError(f"decoding needs a UHATModule (to_torch), got {type(mod).__name__}")
    if not mod.generator:
        raise ParameterError("decoding needs a generator (a network with an output read-out)")
    if not mod.dtype.is_floating_point:
        raise ParameterError(f"the key/value decoder runs float dtypes (masked scores are −inf), not {mod.dtype}")
    for st in mod.steps:
        for spec in st.heads:
            if spec.mask not in CAUSAL:
                raise ParameterError(f"a key/value cache needs causal masks (j<i, j<=i); a head has {spec.mask!r}")
            if spec.mode != "hard":
                raise ParameterError("the key/value decoder runs hard-attention heads only")


def _heads(st) -> list[tuple[int, tuple[int, ...]]]:
    """(head, value slots) for every head whose attended vector C reads."""
    out = []
    for head in range(len(st.heads)):
        rows = tuple(s for s, hd in zip(st.a_cols, st.a_heads) if hd == head)
        if rows:
            out.append((head, rows))
    return out


def _argmax(score: torch.Tensor, tiebreak: str) -> torch.Tensor:
    """The maximal entry's index along the last axis, the first (leftmost) or last (rightmost) of
    equal maxima (torch.argmax returns the first)."""
    if tiebreak == "leftmost":
        return score.argmax(-1)
    return score.shape[-1] - 1 - score.flip(-1).argmax(-1)


def prefill(mod: UHATModule, words: torch.Tensor, max_len: int) -> tuple[KVCache, torch.Tensor]:
    """Run ``words`` (B, L) once — dense causal attention, every position — filling a cache for words up
    to ``max_len`` positions; returns the cache and the answer (B,) (index into ``output_symbols``) at
    the last position."""
    _check(mod)
    words = mod._check_words(words).to(mod.device)
    n, length = words.shape
    if not length <= max_len or (mod.max_len is not None and max_len > mod.max_len):
        raise ParameterError(f"max_len {max_len} must be ≥ the prompt length {length} and within the audited "
                             f"bound {mod.max_len}")
    h = mod._run(words, upto=0)
    keys: dict[tuple[int, int], torch.Tensor] = {}
    values: dict[tuple[int, int], torch.Tensor] = {}
    pos = torch.arange(length, device=h.device)
    masks = {m: visible_keys(m, pos[:, None], pos[None, :]) for m in CAUSAL}  # (L queries, L keys)
    bias = {m: torch.zeros(length, length, dtype=h.dtype, device=h.device).masked_fill_(~a, float("-inf"))
            for m, a in masks.items()}
    def attended(h: torch.Tensor, k: int) -> torch.Tensor:
        st, parts = mod.steps[k], []
        for head, rows in _heads(st):
            spec = st.heads[head]
            key = mod.key(h, k, head).view(-1, n, length).permute(1, 2, 0)  # (B, L, r)
            vals = gather_rows(h, rows).view(-1, n, length).permute(1, 2, 0)
            kc = key.new_zeros(n, max_len, key.shape[2])
            vc = vals.new_zeros(n, max_len, vals.shape[2])
            kc[:, :length], vc[:, :length] = key, vals
            keys[(k, head)], values[(k, head)] = kc, vc
            q = mod.query(h, k, head).view(-1, n, length).permute(1, 2, 0)  # (B, L, r)
            score = torch.bmm(q, key.transpose(1, 2)).add_(bias[spec.mask])  # masked keys: −inf
            j = _argmax(score, spec.tiebreak)  # (B, L)
            att = torch.gather(vals, 1, j.unsqueeze(-1).expand(-1, -1, vals.shape[2]))  # (B, L, rv)
            att = att * masks[spec.mask].any(1).to(h.dtype)[None, :, None]
            parts.append(att.permute(2, 0, 1).reshape(len(rows), n * length))
        return torch.cat(parts) if len(parts) > 1 else parts[0]

    mod.run_steps(h, attended)
    last = torch.arange(n, device=h.device) * length + length - 1
    return KVCache(keys, values, length, max_len), mod.readout(h[:, last]).argmax(0)


def empty_cache(mod: UHATModule, rows: int, max_len: int) -> KVCache:
    """A cache for ``rows`` words and no position yet (:func:`step` fills it position by position)."""
    _check(mod)
    keys, values = {}, {}
    for k, st in enumerate(mod.steps):
        if st.kind == "relu" or not st.dest or st.attend is None:
            continue
        for head, vrows in _heads(st):
            r = getattr(mod, f"{st.heads[head].tag}_kw").shape[0]
            keys[(k, head)] = torch.zeros(rows, max_len, r, dtype=mod.dtype, device=mod.device)
            values[(k, head)] = torch.zeros(rows, max_len, len(vrows), dtype=mod.dtype, device=mod.device)
    return KVCache(keys, values, 0, max_len)


def step(mod: UHATModule, cache: KVCache, codes: torch.Tensor | None = None,
         initial: torch.Tensor | None = None) -> torch.Tensor:
    """Append one position per word at ``cache.length`` — the symbol ``codes`` (B,) embedded with its
    positional features, or the layer-0 vectors ``initial`` (B, D₀) given directly (a hybrid's RNN
    states, checked against the module's audited bounds) — update the cache in place and return the
    answer (B,) there: the new position only, every layer."""
    if cache.length >= cache.max_len:
        raise ParameterError(f"the cache holds {cache.max_len} positions; no room for another")
    if (codes is None) == (initial is None):
        raise ParameterError("step takes symbol codes or layer-0 vectors, exactly one")
    p, d0 = cache.length, mod.emb.shape[1]
    if initial is not None:
        if not isinstance(initial, torch.Tensor) or initial.dim() != 2 or initial.shape[1] != d0:
            raise ParameterError(f"initial must be a (B, {d0}) tensor")
        mod._check_initial(initial[:, None, :])
        n = initial.shape[0]
        h = torch.zeros(mod.n_slots, n, dtype=mod.dtype, device=mod.device)
        h[:d0] = initial.to(mod.device, mod.dtype).T
    else:
        codes = mod._check_words(codes.reshape(-1, 1)).to(mod.device).reshape(-1)
        n = codes.shape[0]
        h = torch.zeros(mod.n_slots, n, dtype=mod.dtype, device=mod.device)
        h[:d0] = mod.emb[codes].T
        if mod.n_pos:
            feats = torch.tensor([float(p) ** d for d in range(mod.n_pos)], dtype=mod.dtype, device=mod.device)
            h[:d0] += (mod.pos_w @ feats)[:, None]
    batch = torch.arange(n, device=mod.device)

    def attended(h: torch.Tensor, k: int) -> torch.Tensor:
        st, parts = mod.steps[k], []
        for head, rows in _heads(st):
            spec = st.heads[head]
            kc, vc = cache.keys[(k, head)], cache.values[(k, head)]
            kc[:, p] = mod.key(h, k, head).T
            vc[:, p] = gather_rows(h, rows).T
            upto = p if spec.mask == "j<i" else p + 1  # the unmasked keys are a prefix
            if upto == 0:
                parts.append(h.new_zeros(len(rows), n))
                continue
            q = mod.query(h, k, head).T  # (B, r)
            score = torch.bmm(kc[:, :upto], q.unsqueeze(-1)).squeeze(-1)  # (B, upto)
            parts.append(vc[batch, _argmax(score, spec.tiebreak)].T)
        return torch.cat(parts) if len(parts) > 1 else parts[0]

    mod.run_steps(h, attended)
    cache.length = p + 1
    return mod.readout(h).argmax(0)


def decode(mod: UHATModule, prompts: torch.Tensor, steps: int, stop: tuple[int, ...] = ()) -> torch.Tensor:
    """Greedy decoding of ``steps`` symbols after each prompt (B, L) with the key/value cache. A word
    stops after emitting a symbol in ``stop`` (indices into ``output_symbols``); returns (B, steps)
    output-symbol indices, −1 after a stop."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ParameterError(f"steps must be an integer ≥ 1, got {steps!r}")
    _check(mod)
    symbol_code = torch.tensor([mod.net_alphabet.index(s) if s in mod.net_alphabet else -1
                                for s in mod.output_symbols], device=mod.device)
    n, length = prompts.shape
    cache, nxt = prefill(mod, prompts, length + steps - 1)
    out = torch.full((n, steps), -1, dtype=torch.long, device=mod.device)
    stops = torch.tensor(stop, dtype=torch.long, device=mod.device)
    rows = torch.arange(n, device=mod.device)  # the cache rows still decoded (finished ones may linger)
    done = torch.zeros(n, dtype=torch.bool, device=mod.device)
    for s in range(steps):
        live = ~done[rows]
        out[rows[live], s] = nxt[live]
        done[rows[live]] = torch.isin(nxt[live], stops)
        if s == steps - 1 or bool(done.all()):
            break
        live = ~done[rows]
        if int(live.sum()) < 0.75 * len(rows):  # compact the cache when a quarter has finished
            cache = cache.select(live.nonzero().reshape(-1))
            rows, nxt = rows[live], nxt[live]
        codes = symbol_code[nxt]
        if bool(((codes < 0) & ~done[rows]).any()):
            raise ParameterError("the network emitted a symbol outside its input alphabet; cannot feed it back")
        nxt = step(mod, cache, codes.clamp(min=0))  # finished rows are fed anything; their outputs are dropped
    return out


__all__ = ["KVCache", "decode", "empty_cache", "prefill", "step"]
