"""Encoding words over an ordered alphabet as integer arrays."""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from automata.errors import ArgumentError, ParameterError, UnknownSymbolError, check_int, shown

Word = tuple[str, ...]
#: The most cells (words × length) :func:`all_words` returns at once (int64: 16 GiB; more cannot be meant).
MAX_CELLS = 1 << 31


def check_alphabet(alphabet: object, where: str = "alphabet") -> Sequence[str]:
    """``alphabet`` if it is an ordered sequence of symbols (a str, or a list, tuple or 1-D array of str);
    :class:`ArgumentError` otherwise (None, a number, a set, a dict, bytes, a nested list)."""
    if isinstance(alphabet, str):
        return alphabet
    if isinstance(alphabet, np.ndarray) and alphabet.ndim == 1:
        alphabet = alphabet.tolist()
    if not isinstance(alphabet, (list, tuple)):
        raise ArgumentError(f"{where} must be a sequence of symbols (str), got {shown(alphabet)}")
    for sym in alphabet:
        if not isinstance(sym, str):
            raise ArgumentError(f"{where}: every symbol must be a str, got {shown(sym)}")
    return alphabet


def word_tuple(word: object, where: str = "a word") -> Word:
    """``word`` as a tuple (symbols not checked); :class:`ArgumentError` unless it is a str or an
    iterable (None, a number, an object)."""
    if isinstance(word, str):
        return tuple(word)
    if not is_iterable(word) or isinstance(word, (bytes, dict, set, frozenset)):
        raise ArgumentError(f"{where} is a sequence of symbols (str), got {shown(word)}")
    return tuple(word)


def is_iterable(value: object) -> bool:
    """Whether ``iter(value)`` works (a 0-d array has ``__iter__`` but is not iterable)."""
    try:
        iter(value)  # type: ignore[call-overload]
    except TypeError:
        return False
    return True


def split_word(text: str, alphabet: Sequence[str]) -> Word:
    """Split ``text`` into symbols: whitespace-separated if it contains spaces, else per character.

    >>> split_word("01a#", ("0", "1", "#", "a"))
    ('0', '1', 'a', '#')
    """
    if not isinstance(text, str):
        raise ArgumentError(f"split_word: the text must be a str, got {shown(text)}")
    check_alphabet(alphabet, "split_word: the alphabet")
    parts = text.split() if any(c.isspace() for c in text.strip()) else list(text.strip())
    word = tuple(parts)
    encode_word(word, alphabet)  # validates
    return word


def as_word(word: object) -> Word:
    """``word`` as a tuple of symbols: a str, list or tuple of str; :class:`ParameterError` for a
    non-sequence (None, a number), :class:`UnknownSymbolError` for a non-str symbol (a number, a nested
    list) — typed errors instead of a TypeError from deep inside."""
    if isinstance(word, str):
        return tuple(word)
    if not isinstance(word, (list, tuple)):
        raise ArgumentError(f"a word is a sequence of symbols (str), got {type(word).__name__}")
    for pos, sym in enumerate(word):
        if not isinstance(sym, str):
            raise UnknownSymbolError(f"symbol at position {pos + 1} is a {type(sym).__name__}, not a str")
    return tuple(word)


def encode_word(word: Iterable[str], alphabet: Sequence[str]) -> np.ndarray:
    """Symbol indices of ``word`` (int64); raises :class:`UnknownSymbolError` on a foreign or non-str
    symbol and :class:`ParameterError` when ``word`` is not a sequence."""
    if not is_iterable(word) or isinstance(word, (bytes, dict, set, frozenset)):
        raise ArgumentError(f"a word is a sequence of symbols (str), got {type(word).__name__}")
    check_alphabet(alphabet, "encode_word: the alphabet")
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
    """Inverse of :func:`encode_word`: :class:`ArgumentError` for a non-integer code,
    :class:`UnknownSymbolError` for one outside ``0..|Σ|-1``."""
    import operator

    check_alphabet(alphabet, "decode_word: the alphabet")
    if isinstance(codes, (str, bytes)) or not is_iterable(codes):
        raise ArgumentError(f"decode_word: codes must be a sequence of ints, got {shown(codes)}")
    out = []
    for pos, c in enumerate(codes):
        try:
            if isinstance(c, bool):
                raise TypeError
            code = operator.index(c)
        except TypeError:
            raise ArgumentError(f"decode_word: the code at position {pos + 1} is {shown(c)}, not an int") from None
        if not 0 <= code < len(alphabet):
            raise UnknownSymbolError(f"symbol code {code} is outside the alphabet {' '.join(alphabet)}")
        out.append(alphabet[code])
    return tuple(out)


def show_word(word: Sequence[str]) -> str:
    """Readable form: symbols concatenated when all are single characters, else space-separated."""
    word = as_word(word)
    if not word:
        return "ε"
    return "".join(word) if all(len(s) == 1 for s in word) else " ".join(word)


def all_words(length: int, k: int, start: int = 0, stop: int | None = None) -> np.ndarray:
    """Rows ``start..stop`` of the lexicographic list of all words of ``length`` over ``range(k)``.

    >>> all_words(2, 2).tolist()
    [[0, 0], [0, 1], [1, 0], [1, 1]]
    """
    length = check_int(length, "all_words: length", 0)
    k = check_int(k, "all_words: k", 0)
    start = check_int(start, "all_words: start", 0, 2**63 - 1)
    if stop is not None:
        stop = check_int(stop, "all_words: stop", 0)
    total = k**length if length * (k.bit_length() - 1) < 128 else 2**128  # else k^length ≥ 2^128: too many
    stop = total if stop is None else min(stop, total)
    if stop - start > 0 and (stop - start) * max(length, 1) > MAX_CELLS:
        raise ParameterError(f"all_words: rows {start}..{stop} of length {length} exceed {MAX_CELLS:,} cells; "
                             f"ask for fewer rows (start, stop)")
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
    check_alphabet(alphabet)
    try:
        w = np.asarray(words)
    except (ValueError, TypeError, RuntimeError):  # ragged nested lists, tensors needing grad, ...
        raise ParameterError(f"words must be a (B, L) array of symbol codes, got {shown(words)}") from None
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
