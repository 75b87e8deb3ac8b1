"""Exhaustive checking: every word up to a length, compared across several deciders.

When every decider is causal, one pass over the words of the maximal length decides every shorter
prefix too (each prefix is checked in every extension — a consistency check for free). Otherwise each
length is enumerated separately. Words are streamed in chunks of ``chunk`` rows (memory is
O(chunk·L) whatever ``k^L``), with an optional bar (:mod:`proofs_check.progress`) that counts the
report's words: a causal pass credits each chunk with the distinct words it decides (each prefix once,
where the rest of the row is all 0), so the bar ends at the summary's count of all lengths 1..L. The
report names the shortest, then lexicographically least, word on which the deciders disagree.

Devices: a decider carries its own device (``uhat_decider(net, device="cuda")`` moves each chunk to
the GPU); ``exhaustive_check(..., device="cuda")`` checks that CUDA is there (a typed
:class:`ParameterError` otherwise) and records the device in the report.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from automata.alphabet import Word, all_words, check_alphabet, decode_word, show_word
from automata.errors import ArgumentError, ParameterError, check_int, shown
from proofs_check.deciders import Decider
from proofs_check.progress import Bar, bar as progress_bar


@dataclass(frozen=True)
class Disagreement:
    word: Word
    verdicts: tuple[tuple[str, bool], ...]

    def __str__(self) -> str:
        v = ", ".join(f"{n}: {'accept' if b else 'reject'}" for n, b in self.verdicts)
        return f"{show_word(self.word)} (length {len(self.word)}) — {v}"


@dataclass(frozen=True)
class CheckReport:
    deciders: tuple[str, ...]
    max_len: int
    words: int  # distinct words checked (lengths 1..max_len; fewer when a whole-word check stopped at a disagreement)
    accepted: tuple[int, ...]  # accepted words per length 1..max_len (by the first decider)
    disagreement: Disagreement | None
    seconds: float
    device: str = "cpu"

    @property
    def agree(self) -> bool:
        return self.disagreement is None

    @property
    def words_per_second(self) -> float:
        """Throughput: words enumerated per second (the top length only when every decider is causal)."""
        return self.words / self.seconds if self.seconds > 0 else float("inf")

    def summary(self) -> str:
        verdict = "AGREE" if self.agree else f"DISAGREE on {self.disagreement}"
        return (
            f"{self.words:,} words of length 1..{self.max_len} ({sum(self.accepted):,} accepted): "
            f"{' = '.join(self.deciders)}: {verdict} [{self.seconds:.1f}s, {self.words_per_second:,.0f} words/s]"
        )


MAX_WORDS = 50_000_000  # words one exhaustive check enumerates (proofs_check/cli/limits.py: the cost)


def _better(cand: tuple[int, tuple[int, ...]] | None, best: tuple[int, tuple[int, ...]] | None) -> bool:
    return best is None or (cand is not None and cand < best)


def exhaustive_check(
    alphabet: Sequence[str],
    deciders: Sequence[Decider],
    max_len: int,
    chunk: int = 1 << 15,
    progress: bool = False,
    limit_words: int = MAX_WORDS,
    device: str = "cpu",
) -> CheckReport:
    """Compare ``deciders`` on all words of length 1..``max_len`` over ``alphabet``.

    ``device`` names where the torch deciders run (``"cpu"``, ``"cuda"``, ``"cuda:1"``); it is
    validated here, the deciders themselves were built for it.
    """
    device = _check_device(device)
    check_alphabet(alphabet, "exhaustive_check: the alphabet")
    if check_int(max_len, "exhaustive_check: max_len") < 1:
        raise ParameterError("max_len must be at least 1")
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        raise ParameterError(f"chunk must be a positive number of words, got {shown(chunk)}")
    check_int(limit_words, "exhaustive_check: limit_words", 0)
    if not isinstance(deciders, (list, tuple)) or not all(isinstance(d, Decider) for d in deciders):
        raise ArgumentError(f"exhaustive_check: deciders must be a list of Decider (dfa_decider, ...), got {shown(deciders)}")
    if len(deciders) < 2:
        raise ParameterError("exhaustive checking compares at least two deciders")
    k = len(alphabet)
    total = count_words(k, max_len, limit_words)
    start = time.perf_counter()
    causal = all(d.causal for d in deciders)
    accepted = [0] * max_len
    best: tuple[int, tuple[int, ...]] | None = None
    best_verdicts: tuple[bool, ...] = ()
    lengths = [max_len] if causal else list(range(1, max_len + 1))
    bar = _progress(total, progress)
    checked = 0  # distinct words decided so far (= total unless a whole-word check stops at a disagreement)
    try:
        for length in lengths:
            n_words = k**length
            for lo in range(0, n_words, chunk):
                words = all_words(length, k, lo, lo + chunk)
                if causal:
                    outs = [np.asarray(d(words), dtype=bool) for d in deciders]
                    ref = outs[0]
                    # count each prefix once: prefixes of length p are counted where the rest is all 0
                    for p in range(1, length + 1):
                        tail_zero = ~words[:, p:].any(axis=1) if p < length else np.ones(len(words), bool)
                        accepted[p - 1] += int(ref[:, p - 1][tail_zero].sum())
                    fresh = _decided(words)
                    bad = np.zeros(ref.shape, dtype=bool)
                    for o in outs[1:]:
                        bad |= o != ref
                    if bad.any():
                        rows, cols = np.nonzero(bad)
                        p = int(cols.min())
                        sel = rows[cols == p]
                        prefixes = sorted({tuple(int(x) for x in words[r, : p + 1]) for r in sel})
                        cand = (p + 1, prefixes[0])
                        if _better(cand, best):
                            r = next(r for r in sel if tuple(words[r, : p + 1]) == prefixes[0])
                            best, best_verdicts = cand, tuple(bool(o[r, p]) for o in outs)
                else:
                    outs = [np.asarray(d.whole(words), dtype=bool) for d in deciders]
                    accepted[length - 1] += int(outs[0].sum())
                    bad = np.zeros(len(words), dtype=bool)
                    for o in outs[1:]:
                        bad |= o != outs[0]
                    if bad.any() and best is None:
                        r = int(np.nonzero(bad)[0][0])
                        best = (length, tuple(int(x) for x in words[r]))
                        best_verdicts = tuple(bool(o[r]) for o in outs)
                    fresh = len(words)
                checked += fresh
                bar.update(fresh)
            if best is not None and not causal:
                break  # lengths ascend and rows are lexicographic: the first found is the least
    finally:
        bar.close()
    stopped = best is not None and not causal  # whole-word checks stop after the disagreement's length
    if not stopped and checked != total:  # the enumeration must decide every word exactly once
        raise AssertionError(f"the check decided {checked:,} words, expected {total:,}")
    dis = None
    if best is not None:
        dis = Disagreement(decode_word(best[1], alphabet), tuple(zip((d.name for d in deciders), best_verdicts)))
    return CheckReport(
        tuple(d.name for d in deciders), max_len, checked if stopped else total, tuple(accepted), dis,
        time.perf_counter() - start, device
    )


def _check_device(device: str) -> str:
    """``device`` as a torch device string: one that exists here (:func:`constructions.dtypes.parse_device`,
    else :class:`ParameterError`)."""
    from constructions.dtypes import parse_device

    return str(parse_device(device))


def _decided(words: np.ndarray) -> int:
    """Distinct words a causal chunk of words of one length L decides for the first time: a row whose
    last t symbols are 0 (code 0) is the first extension of its prefixes of lengths L − t..L, so it
    counts min(t + 1, L). Over all k^L rows this sums to k + k² + … + k^L, the report's ``words``."""
    if words.size == 0:
        return 0
    length = words.shape[1]
    nonzero = words[:, ::-1] != 0
    trailing = np.where(nonzero.any(axis=1), nonzero.argmax(axis=1), length)
    return int(np.minimum(trailing + 1, length).sum())


def _progress(total: int, enabled: bool) -> Bar:
    """The words bar: ``total`` = the report's ``words`` (every length 1..max_len)."""
    return progress_bar(total, "verify", "word", enabled)


def count_words(k: int, max_len: int, limit: int) -> int:
    """The number of words of lengths 1..``max_len`` over ``k`` symbols, or :class:`ParameterError` as soon
    as the running sum passes ``limit`` (never a huge integer: ``--max-len 10**9`` is refused at once)."""
    if k <= 1:  # one word per length
        if max_len * k > limit:
            raise ParameterError(f"more than the limit of {limit:,} words up to length {max_len}; lower --max-len")
        return max_len * k
    total, power = 0, 1
    for n in range(1, max_len + 1):
        power *= k
        total += power
        if total > limit:
            raise ParameterError(f"more than the limit of {limit:,} words up to length {max_len} over {k} "
                                 f"symbols (already {total:,} up to length {n}); lower --max-len")
    return total


def word_space(k: int, max_len: int, causal: bool) -> int:
    """Size of a sharded check's index space: the words of length ``max_len`` when every decider is
    causal (each decides all prefixes), else the words of lengths 1..``max_len`` one after the other."""
    return k**max_len if causal else sum(k**n for n in range(1, max_len + 1))


def word_rank(codes: Sequence[int], k: int) -> int:
    """A word's position among all words ordered by length, then lexicographically (lengths 1, 2, …):
    the least rank is the shortest, then lexicographically least word."""
    lex = 0
    for c in codes:
        lex = lex * k + int(c)
    return sum(k**n for n in range(1, len(codes))) + lex


def check_range(alphabet: Sequence[str], deciders: Sequence[Decider], max_len: int, start: int, stop: int,
                chunk: int = 1 << 15) -> dict:
    """One shard of :func:`exhaustive_check`: the words with indices ``start..stop−1`` of
    :func:`word_space`, as a ShardResult's ``count`` (words enumerated), ``stats`` (``accepted_P``: words
    of length P accepted by the first decider, each counted in exactly one shard), ``first`` (the shortest,
    then lexicographically least disagreement in the range; ``index`` = its :func:`word_rank`, so the least
    index over all shards is :func:`exhaustive_check`'s disagreement) and ``recognisers``."""
    k = len(alphabet)
    causal = all(d.causal for d in deciders)
    if not 0 <= start <= stop <= word_space(k, max_len, causal):
        raise ParameterError(f"word range {start}..{stop} is outside 0..{word_space(k, max_len, causal)}")
    accepted = [0] * max_len
    best: tuple[int, tuple[int, ...]] | None = None
    verdicts: tuple[bool, ...] = ()
    count = 0
    for length, lo, hi in _segments(k, max_len, causal, start, stop):
        for a in range(lo, hi, chunk):
            words = all_words(length, k, a, min(hi, a + chunk))
            count += len(words)
            if causal:
                outs = [np.asarray(d(words), dtype=bool) for d in deciders]
                for p in range(1, length + 1):
                    tail_zero = ~words[:, p:].any(axis=1) if p < length else np.ones(len(words), bool)
                    accepted[p - 1] += int(outs[0][:, p - 1][tail_zero].sum())
                bad = np.zeros(outs[0].shape, dtype=bool)
                for o in outs[1:]:
                    bad |= o != outs[0]
                if bad.any():
                    rows, cols = np.nonzero(bad)
                    p = int(cols.min())
                    sel = rows[cols == p]
                    cand = min((p + 1, tuple(int(x) for x in words[r, : p + 1])) for r in sel)
                    if _better(cand, best):
                        r = next(r for r in sel if tuple(words[r, : p + 1]) == cand[1])
                        best, verdicts = cand, tuple(bool(o[r, p]) for o in outs)
            else:
                outs = [np.asarray(d.whole(words), dtype=bool) for d in deciders]
                bad = np.zeros(len(words), dtype=bool)
                for o in outs[1:]:
                    bad |= o != outs[0]
                upto = int(np.nonzero(bad)[0][0]) + 1 if bad.any() else len(words)
                accepted[length - 1] += int(outs[0][:upto].sum())
                if bad.any():  # rows ascend by length, then lexicographically: the first is the least
                    count -= len(words) - upto
                    best = (length, tuple(int(x) for x in words[upto - 1]))
                    verdicts = tuple(bool(o[upto - 1]) for o in outs)
                    break
        if best is not None and not causal:
            break
    first = None
    if best is not None:
        names = [d.name for d in deciders]
        other = next(i for i, v in enumerate(verdicts) if v != verdicts[0])
        first = {"index": word_rank(best[1], k), "input": show_word(decode_word(best[1], alphabet)),
                 "recogniser": names[other], "expected": "accept" if verdicts[0] else "reject",
                 "got": "accept" if verdicts[other] else "reject",
                 "verdicts": [[n, v] for n, v in zip(names, verdicts)]}
    return {"count": count, "stats": {f"accepted_{p}": accepted[p - 1] for p in range(1, max_len + 1)},
            "first": first, "recognisers": [d.name for d in deciders]}


def _segments(k: int, max_len: int, causal: bool, start: int, stop: int):
    """(length, lo, hi): the parts of ``start..stop−1`` of :func:`word_space` within each length."""
    if causal:
        yield max_len, start, stop
        return
    offset = 0
    for length in range(1, max_len + 1):
        lo, hi = max(start, offset), min(stop, offset + k**length)
        if lo < hi:
            yield length, lo - offset, hi - offset
        offset += k**length
