"""A batched numpy interpreter for B-RASP (THEORY §2; [YCA] §3, [BCL] §2.3).

Every predicate is a (B, L) bool array over a batch of B words of length L. Formulas are evaluated by
broadcasting: an atom at position i is viewed as (B, L, 1), at position j as (B, 1, L), so a score
S(i, j) becomes a (B, L, L) array. An attention operation ◀/▶_j[M, S] V : D picks, for each i,

    o(i) = min (◀, leftmost) or max (▶, rightmost) of { j : M(i, j) ∧ S(i, j) }

and outputs V(i, o(i)) if that set is non-empty, else D(i). The value is evaluated only at (i, o(i)).
By default o(i) comes from running max/min tables per class of the score's i-side valuation
(O(L·2^a) for a score reading a atoms at i, :mod:`constructions.brasp.fast_attention`); the O(L²)
matrix path is the fallback for a > 8 and the cross-check (``linear=False``).

Evaluation cost on one word of length L (the whole-word path): per distinct (score, mask, tie-break)
one selection, O(L · 2^a) — operations sharing it reuse it (:func:`selection_groups`); per operation one
gather per distinct j-atom of the value, and one pass per binary ∧/∨/¬ of its *compiled* formula
(:func:`compile_formula`: common factors pulled out, equal subformulas computed once; e.g. Lemma 8's
E_← matching disjunction drops from ~τ²/3 conjunctions to ~τ plus one disjunction per colour). n-ary
∧/∨ accumulate in place into one buffer. Causal programs can also run chunk by chunk with checkpoints:
:mod:`constructions.brasp.streaming`.

>>> from constructions.brasp.syntax import parse_program
>>> p = parse_program("alphabet: a b\\nPA(i) := ▶_j[j<i, 1] Q_a(j) : 0")
>>> evaluate_word(p, ["a", "b", "a"])["PA"]
[False, True, False]
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np

from automata.alphabet import encode_word
from automata.alphabet import check_codes
from automata.errors import ArgumentError, ParameterError, check_int, shown
from constructions.brasp.fast_attention import linear_select
from constructions.brasp.formula import And, Const, Formula, Not, Or, Pred, atoms, conj, disj, neg
from constructions.brasp.program import MASKS, AttentionOp, PositionOp, Program

Resolver = Callable[[Pred], np.ndarray]


@dataclass(frozen=True)
class Compiled:
    """A formula rewritten for evaluation (:func:`compile_formula`): ``root`` is equivalent to the source,
    equal subformulas are one object, and ``shared`` holds the ids of the non-atomic nodes read more
    than once — evaluated once per evaluation and never overwritten in place."""

    root: Formula
    shared: frozenset[int]


def _parts(t: Formula, inner: type) -> tuple[Formula, ...]:
    return t.args if isinstance(t, inner) else (t,)


def _factor_terms(terms: list[Formula], outer: type) -> Formula:
    """Greedy common-factor extraction, e.g. (x ∧ a) ∨ (x ∧ b) ∨ c → (x ∧ (a ∨ b)) ∨ c (distributivity);
    dually for ∧ of ∨. The most frequent factor goes first; ties by first occurrence (deterministic)."""
    inner = And if outer is Or else Or
    join_outer, join_inner = (disj, conj) if outer is Or else (conj, disj)
    joined = join_outer(*terms)  # constants folded away
    if not isinstance(joined, outer):
        return joined
    terms = list(dict.fromkeys(joined.args))  # x ∨ x = x: distinct terms, so each round shrinks them
    groups: list[Formula] = []
    while True:
        counts: dict[Formula, int] = {}
        for t in terms:
            for x in dict.fromkeys(_parts(t, inner)):
                counts[x] = counts.get(x, 0) + 1
        best = max(counts, key=lambda x: counts[x], default=None)
        if best is None or counts[best] < 2:
            return join_outer(*groups, *terms)
        having = [t for t in terms if best in _parts(t, inner)]
        terms = [t for t in terms if best not in _parts(t, inner)]
        groups.append(join_inner(best, _factor_terms(
            [join_inner(*(x for x in _parts(t, inner) if x != best)) for t in having], outer)))


def _factor(f: Formula) -> Formula:
    if isinstance(f, Not):
        return neg(_factor(f.arg))
    if isinstance(f, (And, Or)):
        return _factor_terms([_factor(a) for a in f.args], type(f))
    return f


def _intern(f: Formula, table: dict[object, Formula]) -> Formula:
    """Rebuild ``f`` bottom-up so that equal subformulas are the same object (hash-consing)."""
    if isinstance(f, (Const, Pred)):
        return table.setdefault(f, f)
    if isinstance(f, Not):
        arg = _intern(f.arg, table)
        return table.setdefault(("not", id(arg)), Not(arg))
    args = tuple(_intern(a, table) for a in f.args)
    return table.setdefault((type(f).__name__, tuple(map(id, args))), type(f)(args))


def compile_formula(f: Formula) -> Compiled:
    """Factor common conjuncts/disjuncts, share equal subformulas, mark the shared nodes.

    Semantics-preserving (distributivity, idempotence); e.g. E_←'s ⋁_{left(t)=right(t')} T_t(i) ∧ T_t'(j)
    becomes ⋁_t T_t(i) ∧ R_{left(t)}(j) with one R_c = ⋁_{right(t')=c} T_t'(j) per colour.
    """
    table: dict[object, Formula] = {}
    root = _intern(_factor(f), table)
    uses: dict[int, int] = {}
    seen: set[int] = set()
    stack = [root]
    while stack:
        g = stack.pop()
        if id(g) in seen:
            continue
        seen.add(id(g))
        kids = (g.arg,) if isinstance(g, Not) else g.args if isinstance(g, (And, Or)) else ()
        for k in kids:
            uses[id(k)] = uses.get(id(k), 0) + 1
            stack.append(k)
    shared = frozenset(i for i, n in uses.items() if n > 1)
    return Compiled(root, shared)


def _eval_owned(f: Formula, resolve: Resolver, memo: dict[int, np.ndarray | np.bool_] | None = None,
                shared: frozenset[int] = frozenset()) -> tuple[np.ndarray | np.bool_, bool]:
    """``(value, owned)``: owned values are fresh arrays this evaluation may overwrite in place.

    Nodes whose id is in ``shared`` are computed once (cached in ``memo``) and never owned."""
    if isinstance(f, Const):
        return np.bool_(f.value), False
    if isinstance(f, Pred):
        return resolve(f), False
    if memo is not None and id(f) in shared:
        if id(f) not in memo:
            memo[id(f)] = _eval_node(f, resolve, memo, shared)[0]
        return memo[id(f)], False
    return _eval_node(f, resolve, memo, shared)


def _eval_node(f: Formula, resolve: Resolver, memo: dict[int, np.ndarray | np.bool_] | None,
               shared: frozenset[int]) -> tuple[np.ndarray | np.bool_, bool]:
    if isinstance(f, Not):
        x, owned = _eval_owned(f.arg, resolve, memo, shared)
        if owned:
            return np.logical_not(x, out=x), True
        return np.logical_not(x), isinstance(x, np.ndarray) and x.ndim > 0
    if isinstance(f, (And, Or)):
        return _fold(f, resolve, memo, shared)
    raise TypeError(f"not a formula: {f!r}")


def _fold(f: And | Or, resolve: Resolver, memo: dict[int, np.ndarray | np.bool_] | None,
          shared: frozenset[int]) -> tuple[np.ndarray | np.bool_, bool]:
    """n-ary ∧ / ∨ accumulated in place into one buffer (the first owned full-shape operand if any)."""
    ufunc, absorbing = (np.logical_and, False) if isinstance(f, And) else (np.logical_or, True)
    arrays: list[tuple[np.ndarray, bool]] = []
    for a in f.args:
        x, owned = _eval_owned(a, resolve, memo, shared)
        if isinstance(x, np.ndarray) and x.ndim > 0:
            arrays.append((x, owned))
        elif bool(x) == absorbing:
            return np.bool_(absorbing), False
    if not arrays:
        return np.bool_(not absorbing), False
    if len(arrays) == 1:
        return arrays[0]
    shape = np.broadcast_shapes(*(x.shape for x, _ in arrays))
    k = next((k for k, (x, owned) in enumerate(arrays) if owned and x.shape == shape), None)
    if k is None:
        out = ufunc(arrays[0][0], arrays[1][0], out=np.empty(shape, dtype=bool))
        rest = arrays[2:]
    else:
        out = arrays[k][0]
        rest = arrays[:k] + arrays[k + 1:]
    for x, _ in rest:
        ufunc(out, x, out=out)
    return out, True


def _eval(f: Formula | Compiled, resolve: Resolver) -> np.ndarray | np.bool_:
    """Evaluate ``f`` with atoms supplied by ``resolve`` (numpy broadcasting does the rest).

    A :class:`Compiled` formula evaluates each shared node once. The result may be an array
    ``resolve`` returned (never written to) or a fresh one.
    """
    if isinstance(f, Compiled):
        return _eval_owned(f.root, resolve, {}, f.shared)[0]
    return _eval_owned(f, resolve)[0]


eval_formula = _eval
_compiled_cached = lru_cache(maxsize=4096)(compile_formula)


def compiled(f: Formula) -> Compiled:
    """:func:`compile_formula`, memoised per formula (formulas are hashable values)."""
    try:
        return _compiled_cached(f)
    except TypeError:  # an unhashable hand-built node (a list instead of a tuple): evaluate as is
        return Compiled(f, frozenset())


def mask_matrix(mask: str, length: int) -> np.ndarray:
    """The (L, L) bool matrix M[i, j] of a mask ('none', 'j<i', 'j>i', 'j<=i', 'j>=i').

    >>> mask_matrix("j<i", 3).astype(int).tolist()
    [[0, 0, 0], [1, 0, 0], [1, 1, 0]]
    """
    if not isinstance(mask, str) or mask not in MASKS:
        raise ParameterError(f"unknown mask {shown(mask)}")
    length = check_int(length, "mask_matrix: length", 0, 1 << 20)  # (2^20)^2 cells would not fit anyway
    i = np.arange(length)[:, None]
    j = np.arange(length)[None, :]
    table = {"none": np.ones((length, length), dtype=bool), "j<i": j < i, "j>i": j > i,
             "j<=i": j <= i, "j>=i": j >= i}
    if mask not in table:
        raise ParameterError(f"unknown mask {mask!r}")
    return table[mask]


def check_program(program: object, where: str) -> Program:
    """``program`` if it is a :class:`Program`, else :class:`ArgumentError` (``where``: the function)."""
    if not isinstance(program, Program):
        raise ArgumentError(f"{where} needs a B-RASP Program, got {type(program).__name__}")
    return program


def _check_words(program: Program, words: np.ndarray) -> np.ndarray:
    return check_codes(words, check_program(program, "the interpreter").alphabet)


def _quadratic_select(
    op: AttentionOp, env: dict[str, np.ndarray], batch: int, length: int
) -> tuple[np.ndarray, np.ndarray]:
    """The O(L²) path: the (B, L, L) selectable matrix, then argmax per row."""
    def at_pair(p: Pred) -> np.ndarray:
        a = env[p.name]
        return a[:, :, None] if p.side == "i" else a[:, None, :]

    selectable = mask_matrix(op.mask, length)[None, :, :] & _eval(op.score, at_pair)
    selectable = np.broadcast_to(selectable, (batch, length, length))
    found = selectable.any(axis=2)  # (B, L)
    if op.tiebreak == "leftmost":
        chosen = selectable.argmax(axis=2)
    else:
        chosen = length - 1 - selectable[:, :, ::-1].argmax(axis=2)
    return chosen, found


def gather_at(env: dict[str, np.ndarray], names: Sequence[str], chosen: np.ndarray) -> dict[str, np.ndarray]:
    """Each named (B, L) predicate read at the chosen positions, one gather per distinct name.

    Batch 1 uses a 1-D ``take``; larger batches index the flattened (contiguous) array.
    """
    if not names:
        return {}
    batch, length = chosen.shape
    if batch == 1:
        idx = chosen[0]
        return {n: np.ascontiguousarray(env[n][0]).take(idx)[None, :] for n in names}
    flat = (chosen + (np.arange(batch, dtype=np.int64) * length)[:, None]).ravel()
    return {n: np.ascontiguousarray(env[n]).ravel().take(flat).reshape(batch, length) for n in names}


Selection = tuple[np.ndarray, np.ndarray]


def selection_groups(program: Program) -> tuple[dict[str, int], list[int]]:
    """Attention ops sharing (score, mask, tie-break) select the same o(i): op name → group index, and
    per group the index (in ``program.ops``) of its last op, after which its selection can be freed."""
    keys: dict[tuple[Formula, str, str], int] = {}
    group: dict[str, int] = {}
    last: list[int] = []
    for k, op in enumerate(program.ops):
        if isinstance(op, AttentionOp):
            g = keys.setdefault((op.score, op.mask, op.tiebreak), len(keys))
            if g == len(last):
                last.append(k)
            last[g] = k
            group[op.name] = g
    return group, last


def _select(op: AttentionOp, env: dict[str, np.ndarray], batch: int, length: int, linear: bool) -> Selection:
    picked = linear_select(op.score, op.mask, op.tiebreak, env, _eval, batch, length) if linear else None
    return picked if picked is not None else _quadratic_select(op, env, batch, length)


def _attend(op: AttentionOp, env: dict[str, np.ndarray], batch: int, length: int, linear: bool = True,
            selection: Selection | None = None) -> np.ndarray:
    """V(i, o(i)) where o(i) exists, else D(i); ``selection`` = (chosen, found) if already known."""
    if length == 0:
        return np.zeros((batch, 0), dtype=bool)
    chosen, found = selection if selection is not None else _select(op, env, batch, length, linear)
    gathered = gather_at(env, sorted({name for name, side in atoms(op.value) if side == "j"}), chosen)

    def at_chosen(p: Pred) -> np.ndarray:
        return env[p.name] if p.side == "i" else gathered[p.name]

    value = np.broadcast_to(_eval(compiled(op.value), at_chosen), (batch, length))
    default = np.broadcast_to(_eval(compiled(op.default), lambda p: env[p.name]), (batch, length))
    return np.where(found, value, default)


def evaluate(program: Program, words: np.ndarray, *, linear: bool = True) -> dict[str, np.ndarray]:
    """Every predicate (symbol predicates ``Q_a`` first, then each operation) on a batch of words.

    ``words``: (B, L) integer codes into ``program.alphabet``. Returns name → (B, L) bool array.
    ``linear=True`` selects by classes of the score's i-side valuation (O(L·2^a) per attention, see
    :mod:`constructions.brasp.fast_attention`); ``linear=False`` forces the O(L²) matrix path.
    Operations with the same (score, mask, tie-break) share one selection (:func:`selection_groups`).
    """
    words = _check_words(program, words)
    batch, length = words.shape
    env: dict[str, np.ndarray] = {}
    for code, pred in enumerate(program.symbol_predicates):
        env[pred] = words == code
    group, last = selection_groups(program)
    shared: dict[int, Selection] = {}
    for k, op in enumerate(program.ops):
        if isinstance(op, PositionOp):
            out = np.broadcast_to(_eval(compiled(op.formula), lambda p: env[p.name]), (batch, length))
        elif isinstance(op, AttentionOp):
            g = group[op.name]
            if length and g not in shared:
                shared[g] = _select(op, env, batch, length, linear)
            out = _attend(op, env, batch, length, linear, shared.get(g))
            if last[g] == k:
                shared.pop(g, None)
        else:  # pragma: no cover - Program validation rules this out
            raise TypeError(f"unknown operation {op!r}")
        env[op.name] = np.ascontiguousarray(out, dtype=bool)
    return env


def accepts(program: Program, words: np.ndarray) -> np.ndarray:
    """(B,) bool: the output predicate at the last position (first if ``accept_at == 'first'``)."""
    check_program(program, "accepts")
    words = _check_words(program, words)
    if words.ndim == 2 and words.shape[1] == 0:
        raise ParameterError("words are non-empty: got a batch of length-0 words")
    out = evaluate(program, words)[program.output]
    return out[:, -1] if program.accept_at == "last" else out[:, 0]


def accepts_prefixes(program: Program, words: np.ndarray) -> np.ndarray:
    """(B, L) bool: entry [b, p] says whether the prefix w_1..w_{p+1} of word b is accepted.

    Only for causal programs (every mask j<i or j<=i, accepting at the last position): there the
    output at a position depends on the prefix up to it only, so one run decides every prefix.
    """
    if not check_program(program, "accepts_prefixes").is_causal:
        raise ParameterError(
            f"accepts_prefixes needs a causal program (masks j<i / j<=i, accept at last); "
            f"{program.name} is not"
        )
    return evaluate(program, words)[program.output]


def evaluate_word(program: Program, word: Sequence[str]) -> dict[str, list[bool]]:
    """:func:`evaluate` on one word given as symbols; raises UnknownSymbolError on a foreign symbol."""
    codes = encode_word(word, check_program(program, "evaluate_word").alphabet).reshape(1, -1)
    return {name: [bool(x) for x in arr[0]] for name, arr in evaluate(program, codes).items()}


__all__ = [
    "evaluate", "accepts", "accepts_prefixes", "eval_formula", "evaluate_word", "gather_at", "Compiled",
    "compile_formula", "compiled", "mask_matrix", "selection_groups"
]
