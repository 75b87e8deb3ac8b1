"""Constant-size transformers for the retrieval tasks of [WDL] Thm 4.6 — constructions satisfying it.

[WDL] = Wen, Dang, Lyu, *RNNs are not Transformers (Yet)*, ICLR 2025 (arXiv 2402.18510). Thm 4.6 says
that for Index, associative recall (AR), c-gram retrieval and Counting a transformer of **constant size**
with O(log n)-bit precision solves every size n. The paper's appendix (its weights) is not available to
us: the networks below are **our constructions satisfying the theorem**, not the paper's. They use the
extended model of :mod:`constructions.uhat.model`: positional features p(j) = (1, j, j²) of the 0-based
position (BOS = 0), numeric token codes (a token of value v enters as (v, v²): the embedding table has
one row per symbol and grows with the vocabulary — reported apart from the constant core), several
heads per layer, and an output read-out: logits 2w·z − w² for each answer symbol of value w, whose
argmax is w = round(z) when |z − w| < 1/2 (margin (z − w)² gap ≥ 1 for integral z).

The attention lemma behind every head is a **quadratic match**: query (2u, −1) against key (v, v²)
scores 2uv − v² = u² − (u − v)², uniquely maximal at v = u with margin ≥ 1 (z3 proves each head's
instance for every n: :mod:`proofs_check.retrieval_proofs`).

* **Index** (Def 4.2): 1 layer, 1 hard head. Query (2·tok, −1) at the query ``?i`` (tok = i) against
  (pos, pos²): position i wins; C copies its token value to ``out``.
* **AR** (Def 4.3, distinct keys): layer 1, previous-token head (query (2(j − 1), −1), mask j < i)
  copies tok, tok², is-key of position j − 1 into prev, prev², prevkey; layer 2 at the query key u
  scores 2u·prev − prev² + (prevkey − 1): uniquely maximal at the value right after key u (margin 1;
  the BOS has prev = 0, so no query can match it: the start token is required).
* **c-gram** (Def 4.4): layer 1 has c − 1 offset heads (query (2(j − r), −1), r = 1..c − 1) copying
  x_{j−r}; layer 2 at the last query token sums the c − 1 quadratic matches between the query window
  (its own token and the copied ones) and each position's preceding window:
  maximal iff all match, scaled by L and minus the position so that the first occurrence wins by ≥ 1.
* **Counting** (Def 4.5): layer 1, previous-token head copies q (tok, tok²) to the number token ``#t``;
  layer 2, an **average** head, scores 2u·v − v² + u²·isbos: maximal exactly on
  the BOS, the query position and the data positions holding q, so averaging the BOS indicator gives
  a = 1/(c + 2) (c =
  count of q; the query position itself is in the set too). The embedding of ``#t`` holds b = 1/(t + 2);
  C computes d = M·(b − a), M = (n + 1)(n + 2) (c > t ⇔ b − a ≥ 1/((t + 2)(t + 3)) ≥ 1/M), a ReLU layer gives r₁ = ReLU(d), r₂ = ReLU(d − 1), and
  z = r₁ − r₂ ∈ {0, 1} is the answer's value (no = 0, yes = 1). This is tracr's selector-width idea
  (a BOS sink under averaging). Not exact in floats: run with a float certificate
  (:mod:`constructions.uhat.certified`).
* ``softmax=β`` (Index, AR, c-gram): every hard head becomes a softmax head with inverse temperature β;
  the certificate derives the least β for which the read-out is still exact (≈ ln(4·n·L·W), O(log n)).

**Sizes** (tested against the built objects, :func:`core_size`): layers / heads / width are constants —
Index 1 / 1 / 5, AR 2 / 1 / 9, c-gram 2 / c − 1 / 6 + 2(c − 1), Counting 3 (2 attention + 1 ReLU) / 1 / 13;
the embedding table has |Σ| rows and the output table |answers| rows; weights are integers except
Counting's 1/(t + 1) table entries, and Counting's M = (n + 1)(n + 2) is the only weight that grows
with n (O(log n) bits).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping, Sequence

from automata.errors import ParameterError
from constructions.exact import Affine
from constructions.uhat.model import UHAT, AttentionLayer, Head, ReLULayer

Row = Mapping[str, int | Fraction]  # coefficient per coordinate name ("1" = the constant bias)


@dataclass(frozen=True)
class Layout:
    """Named residual coordinates."""

    names: tuple[str, ...]

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"no coordinate {name!r}") from None

    @property
    def width(self) -> int:
        return len(self.names)

    def affine(self, rows: Sequence[Row], in_names: Sequence[str] | None = None) -> Affine:
        """An affine map whose output row k is Σ coef·x[name] + rows[k]["1"] over ``in_names`` (default:
        this layout; names prefixed "@h:" read head h's attended vector in a C map)."""
        cols = list(in_names or self.names)
        entries, bias = {}, {}
        for r, row in enumerate(rows):
            for name, coef in row.items():
                if name == "1":
                    bias[r] = Fraction(coef)
                else:
                    entries[(r, cols.index(name))] = Fraction(coef)
        return Affine.build(len(cols), len(rows), entries, bias)

    def c_map(self, heads: int, updates: Mapping[str, Row]) -> Affine:
        """C: keep every coordinate, except those in ``updates`` (set to the given row over
        (v, @1:v, @2:v, …))."""
        cols = [*self.names, *(f"@{h + 1}:{n}" for h in range(heads) for n in self.names)]
        rows = [updates.get(n, {n: 1}) for n in self.names]
        return self.affine(rows, cols)


FEATURES = 3  # p(j) = (1, j, j²)


def _positions(lay: Layout) -> Affine:
    return Affine.build(FEATURES, lay.width, {(lay.index("one"), 0): 1, (lay.index("pos"), 1): 1,
                                              (lay.index("pos2"), 2): 1})


def _embedding(task, lay: Layout, extra: Mapping[str, callable] | None = None) -> Affine:
    """tok = value(sym), tok2 = value(sym)² and any ``extra`` coordinate f(sym), per symbol."""
    entries = {}
    for c, sym in enumerate(task.alphabet):
        v = task.value(sym)
        entries[(lay.index("tok"), c)] = v
        if "tok2" in lay.names:
            entries[(lay.index("tok2"), c)] = v * v
        for name, f in (extra or {}).items():
            entries[(lay.index(name), c)] = f(sym)
    return Affine.build(len(task.alphabet), lay.width, entries)


def readout_logits(task, lay: Layout, z: Row) -> Affine:
    """Logits 2w·z − w² over the answer symbols (w = their values): argmax = round(z)."""
    rows = []
    for sym in task.answer_symbols:
        w = task.value(sym)
        row = {name: 2 * w * Fraction(c) for name, c in z.items()}
        row["1"] = -w * w
        rows.append(row)
    return lay.affine(rows)


def match_head(lay: Layout, query: Sequence[Row], key: Sequence[Row], mask: str, beta: Fraction | None) -> Head:
    """A head with the given query/key rows over ``lay``: hard (leftmost) or, with ``beta``, softmax."""
    mode, tb = ("softmax", "leftmost") if beta is not None else ("hard", "leftmost")
    return Head(lay.affine(query), lay.affine(key), mask, tb, mode, beta)  # type: ignore[arg-type]


def _layer(lay: Layout, heads: Sequence[Head], updates: Mapping[str, Row]) -> AttentionLayer:
    h0, *rest = heads
    return AttentionLayer(h0.A, h0.B, lay.c_map(len(heads), updates), h0.mask, h0.tiebreak, h0.mode, h0.beta,
                          tuple(rest))


def _net(task, lay, emb, layers, z) -> UHAT:
    return UHAT(task.alphabet, emb, tuple(layers), None, "last", "packed", (lay.names,) * (len(layers) + 1),
                positions=_positions(lay), output=readout_logits(task, lay, z), output_symbols=tuple(task.answer_symbols))


def _previous_token(lay: Layout, offset: int, beta: Fraction | None) -> Head:
    """Attends position j − offset (the closest one ≥ 0 before j): query (2(j − offset), −1)·(pos, pos²)."""
    return match_head(lay, [{"pos": 2, "one": -2 * offset}, {"one": -1}], [{"pos": 1}, {"pos2": 1}], "j<i", beta)


def index_uhat(task, softmax: Fraction | None = None) -> UHAT:
    """[WDL] Def 4.2 / Thm 4.6 — Index: 1 layer, 1 head, width 5 (see the module docstring)."""
    lay = Layout(("one", "pos", "pos2", "tok", "out"))
    head = match_head(lay, [{"tok": 2}, {"one": -1}], [{"pos": 1}, {"pos2": 1}], "none", softmax)
    layer = _layer(lay, [head], {"out": {"@1:tok": 1}})
    return _net(task, lay, _embedding(task, lay), [layer], {"out": 1})


def ar_uhat(task, softmax: Fraction | None = None) -> UHAT:
    """[WDL] Def 4.3 / Thm 4.6 — associative recall (distinct keys): 2 layers, 1 head each, width 10."""
    lay = Layout(("one", "pos", "pos2", "tok", "tok2", "iskey", "prev", "prev2", "prevkey", "out"))
    emb = _embedding(task, lay, {"iskey": lambda s: int(s.startswith("k"))})  # keys k1..km (the query too)
    l1 = _layer(lay, [_previous_token(lay, 1, softmax)],
                {"prev": {"@1:tok": 1}, "prev2": {"@1:tok2": 1}, "prevkey": {"@1:iskey": 1}})
    match = match_head(lay, [{"tok": 2}, {"one": -1}, {"one": 1}],
                        [{"prev": 1}, {"prev2": 1}, {"prevkey": 1, "1": -1}], "none", softmax)
    l2 = _layer(lay, [match], {"out": {"@1:tok": 1}})
    return _net(task, lay, emb, [l1, l2], {"out": 1})


def cgram_uhat(task, softmax: Fraction | None = None) -> UHAT:
    """[WDL] Def 4.4 / Thm 4.6 — c-gram retrieval: 2 layers (c − 1 offset heads, then 1 match head),
    width 6 + 2(c − 1). Layer 2 scores S·Σ_s (2·w_s·x_{p−s} − x_{p−s}²) − p with S = L = n + c (the
    input length): a full match beats any mismatch by ≥ S − (L − 1) = 1, and among full matches the
    leftmost (the first occurrence) wins by ≥ 1 — no tie is left, so softmax works too. Windows reaching
    the BOS hold a 0 and match nothing; a spurious match at a query position lies right of every
    valid occurrence."""
    c, length = task.c, task.input_length
    prevs = [f"p{r}" for r in range(1, c)] + [f"p{r}sq" for r in range(1, c)]
    lay = Layout(("one", "pos", "pos2", "tok", "tok2", *prevs, "out"))
    emb = _embedding(task, lay)
    heads = [_previous_token(lay, r, softmax) for r in range(1, c)]
    updates: dict[str, Row] = {f"p{r}": {f"@{r}:tok": 1} for r in range(1, c)}
    updates.update({f"p{r}sq": {f"@{r}:tok2": 1} for r in range(1, c)})
    l1 = _layer(lay, heads, updates)
    q_rows: list[Row] = []
    k_rows: list[Row] = []
    for s in range(1, c):  # the query window at the last position: w_1 = tok, w_s = p_{s−1}
        w = "tok" if s == 1 else f"p{s - 1}"
        q_rows += [{w: 2 * length}, {"one": -length}]
        k_rows += [{f"p{s}": 1}, {f"p{s}sq": 1}]
    q_rows.append({"one": -1})
    k_rows.append({"pos": 1})
    match = match_head(lay, q_rows, k_rows, "none", softmax)
    l2 = _layer(lay, [match], {"out": {"@1:tok": 1}})
    return _net(task, lay, emb, [l1, l2], {"out": 1})


def counting_uhat(task) -> UHAT:
    """[WDL] Def 4.5 / Thm 4.6 — Counting: 2 attention layers (a previous-token head, then one
    **average** head) and 1 ReLU layer (2 units), width 12; M = (n + 1)(n + 2) (module docstring)."""
    n = task.n
    lay = Layout(("one", "pos", "pos2", "tok", "tok2", "isbos", "inv", "prev", "prev2", "r1", "r2", "out"))
    inv = lambda s: Fraction(1, task.value(s) + 2) if s.startswith("#") else 0  # noqa: E731 — b = 1/(t + 2)
    emb = _embedding(task, lay, {"isbos": lambda s: int(s == "<s>"), "inv": inv})
    l1 = _layer(lay, [_previous_token(lay, 1, None)], {"prev": {"@1:tok": 1}, "prev2": {"@1:tok2": 1}})
    count = Head(lay.affine([{"prev": 2}, {"one": -1}, {"prev2": 1}]),
                 lay.affine([{"tok": 1}, {"tok2": 1}, {"isbos": 1}]), "j<i", "leftmost", "average")
    big = (n + 1) * (n + 2)
    l2 = _layer(lay, [count], {"r1": {"inv": big, "@1:isbos": -big}, "r2": {"inv": big, "@1:isbos": -big, "1": -1}})
    relu = ReLULayer(lay.width, (lay.index("r1"), lay.index("r2")))
    return _net(task, lay, emb, [l1, l2, relu], {"r1": 1, "r2": -1})


@dataclass(frozen=True)
class CoreSize:
    """The constant core of a construction: what Thm 4.6 says does not grow with n."""

    layers: int  # attention + ReLU layers
    attention_layers: int
    heads: int  # most heads in one layer
    width: int


def core_size(task) -> CoreSize:
    """The size formulas of the module docstring (constants; c-gram's depend on c only)."""
    name = type(task).__name__
    if name == "IndexTask":
        return CoreSize(1, 1, 1, 5)
    if name == "ARTask":
        return CoreSize(2, 2, 1, 10)
    if name == "CgramTask":
        return CoreSize(2, 2, task.c - 1, 6 + 2 * (task.c - 1))
    if name == "CountingTask":
        return CoreSize(3, 2, 1, 12)
    raise ParameterError(f"no transformer construction for {name}")


def retrieval_uhat(task, softmax: Fraction | int | None = None) -> UHAT:
    """The construction for ``task`` (hard attention, or softmax heads with inverse temperature β)."""
    beta = None if softmax is None else _beta(softmax)
    name = type(task).__name__
    if name == "CountingTask":
        if beta is not None:
            raise ParameterError("counting: the construction uses an average head; softmax is offered for "
                                 "index, ar and cgram")
        return counting_uhat(task)
    build = {"IndexTask": index_uhat, "ARTask": ar_uhat, "CgramTask": cgram_uhat}.get(name)
    if build is None:
        raise ParameterError(f"no transformer construction for {name}")
    return build(task, beta)


def _beta(value: object) -> Fraction:
    """A softmax inverse temperature: a positive finite rational (int, Fraction, or a finite float) ≤ 10^6."""
    from numbers import Rational

    if isinstance(value, bool) or not isinstance(value, (Rational, float)):
        raise ParameterError(f"softmax β must be a positive number, got {value!r}")
    if isinstance(value, float) and not (value == value and abs(value) != float("inf")):
        raise ParameterError(f"softmax β must be finite, got {value!r}")
    beta = Fraction(value)
    if not 0 < beta <= 10**6:
        raise ParameterError(f"softmax β must be in (0, 10^6], got {value!r}")
    return beta


def score_margin(task) -> Fraction:
    """Every hard/softmax head's proved score margin (the winner beats every other unmasked position by
    at least this much): 1 for every construction here (z3: :mod:`proofs_check.retrieval_proofs`)."""
    return Fraction(1)


def head_margins(task, net: UHAT) -> dict[tuple[int, int], Fraction]:
    """:func:`score_margin` for every (attention layer, head) of ``net`` — the margins a float
    certificate (:func:`constructions.uhat.certified.certify_float`) takes."""
    return {(k, h): score_margin(task) for k, layer in enumerate(net.layers)
            if isinstance(layer, AttentionLayer) for h in range(layer.n_heads)}


READOUT_MARGIN = Fraction(1)  # exact integral z: logit gap (z − w)² ≥ 1 between round(z) and any other w


__all__ = ["CoreSize", "Layout", "READOUT_MARGIN", "head_margins", "match_head", "readout_logits", "ar_uhat", "cgram_uhat", "core_size", "counting_uhat",
           "index_uhat", "retrieval_uhat", "score_margin"]
