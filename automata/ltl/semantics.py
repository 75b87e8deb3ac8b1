"""The batched LTL evaluator: the truth of every subformula at every position, O(|φ|·L) per word.

Words are a ``(B, L)`` int array of symbol codes over an ordered alphabet (all of one length L ≥ 1).
Each distinct subformula (the DAG) is evaluated once, as a ``(B, L)`` bool array, children first:

* φ S ψ at i: let j be the last position < i where ¬φ ∨ ψ holds (a running maximum of indices — the
  same "rightmost j < i" that Prop 16 turns into one attention layer); the value is ψ(j), false if no j;
* φ U ψ mirrored (the first position > i where ¬φ ∨ ψ holds);
* Y X P F H G by shifts, exclusive cumulative any and inclusive cumulative all.

No position is rescanned, so a formula of n nodes costs O(n·B·L).

>>> import numpy as np
>>> from automata.ltl.syntax import parse
>>> accepts(parse("a S b"), ("a", "b"), np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1]]))
array([ True,  True, False,  True])
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from automata.alphabet import encode_word, word_tuple
from automata.errors import ParameterError, shown
from automata.ltl.formula import Binary, Const, Formula, Letter, LTLError, Unary, check, children, postorder
from automata.ltl.syntax import alphabet_tuple, check_alphabet


def _last_before(mark: np.ndarray) -> np.ndarray:
    """``(B, L)`` int: the largest j < i with mark[:, j], or -1."""
    b, length = mark.shape
    idx = np.where(mark, np.arange(length)[None, :], -1)
    run = np.maximum.accumulate(idx, axis=1)
    out = np.full((b, length), -1, dtype=np.int64)
    out[:, 1:] = run[:, :-1]
    return out


def _since(phi: np.ndarray, psi: np.ndarray) -> np.ndarray:
    j = _last_before(~phi | psi)
    got = np.take_along_axis(psi, np.maximum(j, 0), axis=1)
    return got & (j >= 0)


def _rev(x: np.ndarray) -> np.ndarray:
    return x[:, ::-1]


def _node(node: Formula, memo: dict[Formula, np.ndarray], words: np.ndarray, index: dict[str, int]) -> np.ndarray:
    shape = words.shape
    if isinstance(node, Const):
        return np.full(shape, node.value, dtype=bool)
    if isinstance(node, Letter):
        code = index.get(node.symbol)
        return np.zeros(shape, dtype=bool) if code is None else words == code
    if isinstance(node, Unary):
        a = memo[node.arg]
        op = node.op
        out = np.zeros(shape, dtype=bool)
        if op == "!":
            return ~a
        if op == "Y":
            out[:, 1:] = a[:, :-1]
        elif op == "X":
            out[:, :-1] = a[:, 1:]
        elif op == "P":
            out[:, 1:] = np.logical_or.accumulate(a, axis=1)[:, :-1]
        elif op == "F":
            out[:, :-1] = _rev(np.logical_or.accumulate(_rev(a), axis=1))[:, 1:]
        elif op == "H":
            out = np.logical_and.accumulate(a, axis=1)
        elif op == "G":
            out = _rev(np.logical_and.accumulate(_rev(a), axis=1))
        else:
            raise LTLError(f"unknown unary operator {op!r}")
        return out
    assert isinstance(node, Binary)
    a, b = memo[node.left], memo[node.right]
    if node.op == "&":
        return a & b
    if node.op == "|":
        return a | b
    if node.op == "->":
        return ~a | b
    if node.op == "<->":
        return a == b
    if node.op == "S":
        return _since(a, b)
    if node.op == "U":
        return _rev(_since(_rev(a), _rev(b)))
    raise LTLError(f"unknown binary operator {node.op!r}")


def _check_words(words: np.ndarray, alphabet: Sequence[str]) -> np.ndarray:
    if len(set(alphabet)) != len(alphabet) or not alphabet:
        raise ParameterError(f"the alphabet must be non-empty and list each symbol once, got {tuple(alphabet)!r}")
    try:
        words = np.asarray(words)
    except (ValueError, TypeError, RuntimeError):
        raise ParameterError(f"words must be a (B, L >= 1) array of symbol codes, got {shown(words)}") from None
    if words.ndim != 2 or words.shape[1] < 1:
        raise ParameterError(f"words must be a (B, L >= 1) array of symbol codes, got shape {words.shape}")
    if words.size and words.dtype.kind not in "iu":
        raise ParameterError(f"symbol codes must be integers, got {words.dtype}")
    if words.size and (words.min() < 0 or words.max() >= len(alphabet)):
        raise ParameterError(f"symbol codes must lie in 0..{len(alphabet) - 1}")
    return words


def evaluate(f: Formula, alphabet: Sequence[str], words: np.ndarray) -> dict[Formula, np.ndarray]:
    """Every distinct subformula of ``f`` → ``(B, L)`` bool: a, i ⊨ subformula."""
    return _run(f, alphabet, words, keep=True)


def holds(f: Formula, alphabet: Sequence[str], words: np.ndarray) -> np.ndarray:
    """``(B, L)`` bool: the truth of ``f`` at every position. Each subformula's array is dropped once its
    last parent is computed, so memory follows the DAG's width, not its size."""
    return _run(f, alphabet, words, keep=False)[f]


def _run(f: Formula, alphabet: Sequence[str], words: np.ndarray, keep: bool) -> dict[Formula, np.ndarray]:
    check(f)
    alphabet = alphabet_tuple(alphabet)
    check_alphabet(f, alphabet)
    words = _check_words(words, alphabet)
    index = {a: k for k, a in enumerate(alphabet)}
    nodes = postorder(f)
    last_use: dict[int, int] = {}
    for k, node in enumerate(nodes):
        for c in children(node):
            last_use[id(c)] = k
    memo: dict[Formula, np.ndarray] = {}
    for k, node in enumerate(nodes):
        memo[node] = _node(node, memo, words, index)
        if not keep:
            for c in children(node):
                if last_use[id(c)] == k and c is not f:
                    memo.pop(c, None)
    return memo


def accepts(f: Formula, alphabet: Sequence[str], words: np.ndarray) -> np.ndarray:
    """``(B,)`` bool: the words of L(φ) (φ holds at the last position)."""
    return holds(f, alphabet, words)[:, -1]


def accepts_word(f: Formula, alphabet: Sequence[str], word: Sequence[str]) -> bool:
    """Membership of one word (the empty word is never in L(φ))."""
    check(f)
    word = word_tuple(word)
    codes = encode_word(word, alphabet_tuple(alphabet))
    if len(codes) == 0:
        return False
    return bool(accepts(f, alphabet, codes[None, :])[0])


def reference_holds(f: Formula, word: Sequence[str], n: int) -> bool:
    """a, n ⊨ f by the definition (1-based n), quadratic and recursive: for tests of the evaluator only."""
    word = tuple(word)
    if isinstance(f, Const):
        return f.value
    if isinstance(f, Letter):
        return word[n - 1] == f.symbol
    if isinstance(f, Unary):
        a = lambda m: reference_holds(f.arg, word, m)  # noqa: E731
        big = len(word)
        return {"!": lambda: not a(n), "Y": lambda: n > 1 and a(n - 1), "X": lambda: n < big and a(n + 1),
                "P": lambda: any(a(m) for m in range(1, n)), "F": lambda: any(a(m) for m in range(n + 1, big + 1)),
                "H": lambda: all(a(m) for m in range(1, n + 1)),
                "G": lambda: all(a(m) for m in range(n, big + 1))}[f.op]()
    assert isinstance(f, Binary)
    left = lambda m: reference_holds(f.left, word, m)  # noqa: E731
    right = lambda m: reference_holds(f.right, word, m)  # noqa: E731
    if f.op == "S":
        return any(right(j) and all(left(k) for k in range(j + 1, n)) for j in range(1, n))
    if f.op == "U":
        return any(right(j) and all(left(k) for k in range(n + 1, j)) for j in range(n + 1, len(word) + 1))
    return {"&": lambda: left(n) and right(n), "|": lambda: left(n) or right(n),
            "->": lambda: (not left(n)) or right(n), "<->": lambda: left(n) == right(n)}[f.op]()
