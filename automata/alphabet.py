"""Encoding words over an ordered alphabet as integer arrays."""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from automata.errors import UnknownSymbolError

Word = tuple[str, ...]


def split_word(text: str, alphabet: Sequence[str]) -> Word:
    """Split ``text`` into symbols: whitespace-separated if it contains spaces, else per character.

    >>> split_word("01a#", ("0", "1", "#", "a"))
    ('0', '1', 'a', '#')
    """
    parts = text.split() if any(c.isspace() for c in text.strip()) else list(text.strip())
    word = tuple(parts)
    encode_word(word, alphabet)  # validates
    return word


def as_word(word: object) -> Word:
    """``word`` as a tuple of symbols: a str, list or tuple of str; :class:`ParameterError` for a
    non-sequence (None, a number), :class:`UnknownSymbolError` for a non-str symbol (a number, a nested
    list) — typed errors instead of a TypeError from deep inside."""
    from automata.errors import ParameterError

    if isinstance(word, str):
        return tuple(word)
    if not isinstance(word, (list, tuple)):
        raise ParameterError(f"a word is a sequence of symbols (str), got {type(word).__name__}")
    for pos, sym in enumerate(word):
        if not isinstance(sym, str):
            raise UnknownSymbolError(f"symbol at position {pos + 1} is a {type(sym).__name__}, not a str")
    return tuple(word)


def encode_word(word: Iterable[str], alphabet: Sequence[str]) -> np.ndarray:
    """Symbol indices of ``word`` (int64); raises :class:`UnknownSymbolError` on a foreign or non-str
    symbol and :class:`ParameterError` when ``word`` is not a sequence."""
    if not hasattr(word, "__iter__"):
        from automata.errors import ParameterError

        raise ParameterError(f"a word is a sequence of symbols (str), got {type(word).__name__}")
    index = {a: k for k, a in enumerate(alphabet)}
    out = []
    for pos, sym in enumerate(word):
        if not isinstance(sym, str):
            raise UnknownSymbolError(f"symbol at position {pos + 1} is a {type(sym).__name__}, not a str")
        if sym not in index:
            raise UnknownSymbolError(
                f"unknown symbol {sym!r} at position {pos + 1}; alphabet is {' '.join(alphabet)}"
            )
        out.append(index[sym])
    return np.asarray(out, dtype=np.int64)


def decode_word(codes: Iterable[int], alphabet: Sequence[str]) -> Word:
    """Inverse of :func:`encode_word`."""
    return tuple(alphabet[int(c)] for c in codes)


def show_word(word: Sequence[str]) -> str:
    """Readable form: symbols concatenated when all are single characters, else space-separated."""
    if not word:
        return "ε"
    return "".join(word) if all(len(s) == 1 for s in word) else " ".join(word)


def all_words(length: int, k: int, start: int = 0, stop: int | None = None) -> np.ndarray:
    """Rows ``start..stop`` of the lexicographic list of all words of ``length`` over ``range(k)``.

    >>> all_words(2, 2).tolist()
    [[0, 0], [0, 1], [1, 0], [1, 1]]
    """
    total = k**length
    stop = total if stop is None else min(stop, total)
    idx = np.arange(start, stop, dtype=np.int64)
    out = np.empty((idx.size, length), dtype=np.int64)
    for col in range(length - 1, -1, -1):
        out[:, col] = idx % k
        idx //= k
    return out


def check_codes(words: np.ndarray, alphabet: Sequence[str]) -> np.ndarray:
    """Validate a (B, L) batch of integer symbol codes; return it as int64.

    Raises :class:`ParameterError` for a wrong shape or dtype, :class:`UnknownSymbolError` for a code
    outside ``0..|Σ|-1``.
    """
    from automata.errors import ParameterError

    w = np.asarray(words)
    if w.ndim != 2:
        raise ParameterError(f"words must be a (B, L) array of symbol codes, got shape {w.shape}")
    if w.size and w.dtype.kind not in "iu":
        raise ParameterError(f"symbol codes must be integers, got {w.dtype}")
    w = w.astype(np.int64, copy=False)
    k = len(alphabet)
    if w.size and (w.min() < 0 or w.max() >= k):
        bad = int(w[(w < 0) | (w >= k)][0])
        raise UnknownSymbolError(f"symbol code {bad} is outside the alphabet {' '.join(alphabet)}")
    return w
