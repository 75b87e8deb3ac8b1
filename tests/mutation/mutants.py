"""The curated mutants of ``make mutation`` (issue 14 item 2): plausible bugs in the verifier's core.

Each :class:`Mutant` replaces one exact snippet of one source file (the snippet must occur exactly once,
so a stale entry is reported, never planted in the wrong place) and names the tests that should kill it:
a targeted subset of the default suite, so that one mutant costs seconds (``--full`` runs the whole
default suite instead). The areas follow the issue: the attention kernels, masks and tie-breaks
([BCL] §2's unique hard attention, docs/theory.md §1), the B-RASP interpreter and its defaults
(docs/theory.md §2), [BCL] Lemma 9's paper-faithful and packed compilers, DFA minimisation, the
exhaustive checker, the precision audit and the dtype limits behind every "dtype proved exact", the
DFA → RNN and counter RNN constructions (docs/theory.md §7), the closed-form sizes, the traces and LTL.

:data:`EQUIVALENT` lists the mutants that survive because they do not change what the code computes,
each with the written argument; the runner fails on a survivor that is not listed there, and on a listed
one that is killed (a stale argument).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    """One planted bug: in ``file`` (relative to the repository root) the exact text ``original``,
    which must occur exactly once, becomes ``replacement``; ``tests`` (test files or node ids) should
    fail on the mutated code."""

    name: str
    area: str
    file: str
    original: str
    replacement: str
    description: str
    tests: tuple[str, ...]


# Test selections (the fastest killers first: pytest runs with -x and stops at the first failure).
EXH = ("tests/proofs_check/test_checker_guarantees.py", "tests/proofs_check/test_exhaustive.py")
SHARD = ("tests/proofs_check/test_mutants_exhaustive.py",
         "tests/proofs_check/test_sharding.py::test_family_ranges_merge_to_exhaustive_check")
AK = ("tests/constructions/test_attention_kernel.py", "tests/constructions/test_uhat_torch.py")
TK = ("tests/constructions/test_uhat_fastpaths.py", "tests/constructions/test_uhat_torch.py",
      "tests/constructions/test_uhat_extended.py")
EXT = ("tests/constructions/test_uhat_extended.py",)
INTERP = ("tests/constructions/test_brasp_interpreter.py", "tests/constructions/test_brasp_linear.py")
STREAM = ("tests/constructions/test_brasp_streaming.py",)
L9 = ("tests/constructions/test_lemma9.py", "tests/constructions/test_compiler_properties.py")
DFA_T = ("tests/automata/test_dfa.py", "tests/automata/test_dfa_properties.py")
HOP = ("tests/automata/test_dfa_hopcroft.py", "tests/automata/test_dfa_properties.py")
PREC = ("tests/constructions/test_precision.py",)
PREC_M = ("tests/constructions/test_mutants_precision.py",) + PREC
DTYPE = ("tests/constructions/test_precision.py", "tests/constructions/test_uhat_torch.py",
         "tests/constructions/test_torch_conventions.py")
DTYPE_M = ("tests/constructions/test_mutants_precision.py",) + DTYPE
RNN = ("tests/constructions/test_rnn_library.py", "tests/constructions/test_rnn_properties.py")
COMPACT = ("tests/constructions/test_dfa_rnn_compact.py", "tests/constructions/test_rnn_properties.py")
COUNTER = ("tests/tasks/test_counter.py",)
COUNTER_P = ("tests/constructions/test_counter_program.py",)
TILING = ("tests/constructions/test_tiling_sizes.py",)
TRACE = ("tests/constructions/test_trace.py",)
LTL = ("tests/automata/test_ltl.py",)
ALPHA = ("tests/automata/test_mutants_alphabet.py", "tests/automata/test_alphabet.py",
         "tests/constructions/test_brasp_interpreter.py")


def M(name: str, area: str, file: str, original: str, replacement: str, description: str,
      tests: tuple[str, ...]) -> Mutant:
    return Mutant(name, area, file, original, replacement, description, tests)


_EX = "proofs_check/exhaustive.py"
_AK = "constructions/uhat/attention_kernel.py"
_TK = "constructions/uhat/torch_kernels.py"
_IN = "constructions/brasp/interpreter.py"
_FA = "constructions/brasp/fast_attention.py"

MUTANTS: tuple[Mutant, ...] = (
    # -- the exhaustive checker ---------------------------------------------------------------
    M("exh-causal-overwrite", "exhaustive", _EX, "bad |= o != ref", "bad = o != ref",
      "causal path: only the last decider is compared with the first", EXH),
    M("exh-whole-overwrite", "exhaustive", _EX,
      "                        bad |= o != outs[0]\n                    if bad.any() and best is None:",
      "                        bad = o != outs[0]\n                    if bad.any() and best is None:",
      "whole-word path: only the last decider is compared with the first", EXH),
    M("exh-causal-credit", "exhaustive", _EX, "return int(np.minimum(trailing + 1, length).sum())",
      "return int(np.minimum(trailing, length).sum())",
      "a causal chunk credits one word too few per row (the count check)", EXH),
    M("exh-chunk-unchecked", "exhaustive", _EX, "or chunk < 1:", "or chunk < -(1 << 40):",
      "non-positive chunks accepted (chunk=-1 would check nothing)", EXH),
    M("exh-longest-first", "exhaustive", _EX, "                        p = int(cols.min())\n                        sel = rows[cols == p]\n                        prefixes",
      "                        p = int(cols.max())\n                        sel = rows[cols == p]\n                        prefixes",
      "the causal report names the longest, not the shortest, disagreeing prefix", EXH),
    M("exh-no-stop", "exhaustive", _EX,
      "            if best is not None and not causal:\n                break  # lengths ascend",
      "            if best is not None and not causal and False:\n                break  # lengths ascend",
      "a whole-word check goes on past the disagreement's length (the words it reports)", EXH),
    M("exh-count-words", "exhaustive", _EX, "        total += power\n        if total > limit:",
      "        total = power\n        if total > limit:",
      "count_words counts only the top length (limits checked against too few words)", EXH),
    M("exh-shard-overwrite", "exhaustive", _EX,
      "                    bad |= o != outs[0]\n                if bad.any():\n                    rows, cols",
      "                    bad = o != outs[0]\n                if bad.any():\n                    rows, cols",
      "sharded ranges (check_range, causal): only the last decider is compared", SHARD),
    M("exh-shard-whole-overwrite", "exhaustive", _EX,
      "                    bad |= o != outs[0]\n                upto = ",
      "                    bad = o != outs[0]\n                upto = ",
      "sharded ranges (check_range, whole words): only the last decider is compared", SHARD),
    # -- the attention kernels, masks and tie-breaks --------------------------------------------
    M("ak-exists-strict-past", "attention", _AK, "return pos > 0", "return pos >= 0",
      "j<i: position 0 is said to have an unmasked position (attends instead of the zero vector)", AK),
    M("ak-exists-strict-future", "attention", _AK, "return pos < length - 1", "return pos < length",
      "j>i: the last position is said to have an unmasked position", AK),
    M("ak-tiebreak-unchecked", "attention", _AK, "    if tiebreak not in TIEBREAKS:\n        raise ParameterError(f\"unknown tie-break",
      "    if False:\n        raise ParameterError(f\"unknown tie-break",
      "hard_attention accepts tiebreak='middle' (and behaves as leftmost)", AK),
    M("ak-left-strict-swap", "attention", _AK, "cand = incl[:, :-1] if strict else incl[:, 1:]",
      "cand = incl[:, 1:] if strict else incl[:, :-1]",
      "class kernel, rightmost with j<i / j<=i: strict and non-strict masks swapped", AK),
    M("ak-right-strict-swap", "attention", _AK, "cand = incl[:, 1:] if strict else incl[:, :-1]",
      "cand = incl[:, :-1] if strict else incl[:, 1:]",
      "class kernel, leftmost with j>i / j>=i: strict and non-strict masks swapped", AK),
    M("ak-leftmost-past-ok", "attention", _AK, "ok = (cand < p) if strict else (cand <= p)",
      "ok = (cand <= p) if strict else (cand <= p)",
      "class kernel, leftmost with j<i: the query's own position counts as unmasked", AK),
    M("ak-dense-mask", "attention", _AK, "\"j<=i\": j <= i, \"j>=i\": j >= i}[mask]",
      "\"j<=i\": j < i, \"j>=i\": j >= i}[mask]", "dense kernel: mask j<=i read as j<i", AK),
    M("ak-dense-tiebreak", "attention", _AK, "idx[:, a:e] = torch.where(cand, pos, -1).amax(-1)",
      "idx[:, a:e] = torch.where(cand, pos, length).amin(-1)",
      "dense kernel: rightmost ties resolved leftmost", AK),
    M("ak-class-tiebreak", "attention", _AK, "idx[:, a:e] = torch.where(win, cand, length).amin(-1)",
      "idx[:, a:e] = torch.where(win, cand, -1).amax(-1)",
      "class kernel: leftmost ties between classes resolved rightmost", AK),
    M("ak-classes-by-sort", "attention", _AK, "if radix <= 16 * x.shape[1] + 1024:", "if False:",
      "key classes always by torch.unique, never by the presence table", AK),
    M("ak-low-score", "attention", _AK, "return float(\"-inf\") if dtype.is_floating_point",
      "return -1.0 if dtype.is_floating_point",
      "masked scores set to -1 instead of -inf: a masked key can beat a real score below -1", AK),
    M("tk-linear-rank", "attention", _TK,
      "    rank = pos if spec.tiebreak == \"rightmost\" else length - 1 - pos\n    c = s * length + rank",
      "    rank = pos\n    c = s * length + rank",
      "key-only running maximum: leftmost ties resolved rightmost", TK),
    M("tk-linear-strict-future", "attention", _TK, "best = torch.cat([best[:, 1:], best[:, -1:]], 1)",
      "best = best[:, :]", "key-only running maximum: mask j>i read as j>=i", TK),
    M("tk-posmatch-tie", "attention", _TK,
      "tie = torch.minimum(c1, c2) if spec.tiebreak == \"leftmost\" else torch.maximum(c1, c2)",
      "tie = torch.maximum(c1, c2) if spec.tiebreak == \"leftmost\" else torch.minimum(c1, c2)",
      "positional quadratic match: the tie-break reversed", TK),
    M("tk-attend-last-rank", "attention", _TK,
      "        rank = pos if spec.tiebreak == \"rightmost\" else length - 1 - pos\n        j = torch.where",
      "        rank = pos\n        j = torch.where",
      "generate's last-position step: leftmost ties resolved rightmost",
      ("tests/constructions/test_mutants_attention.py",) + EXT),
    M("tk-average-masked", "attention", _TK, "w = ((score == best) & allowed).to(dtype)",
      "w = (score == best).to(dtype)",
      "average heads: with no unmasked key every (masked) key gets weight", EXT),
    M("uhat-negative-code", "attention", "constructions/uhat/torch_backend.py",
      "bad = (words < 0) | (words >= k)", "bad = words >= k",
      "UHATModule: symbol code -1 indexes the last symbol silently",
      ("tests/constructions/test_torch_conventions.py", "tests/constructions/test_uhat_torch.py")),
    # -- the B-RASP interpreter ------------------------------------------------------------------
    M("int-default-ignored", "interpreter", _IN, "return np.where(found, value, default)",
      "return np.where(found, value, False)", "an attention with no selected position outputs 0, not D(i)",
      INTERP),
    M("int-mask-matrix", "interpreter", _IN, "\"j<=i\": j <= i, \"j>=i\": j >= i}",
      "\"j<=i\": j < i, \"j>=i\": j >= i}", "the quadratic path's mask j<=i read as j<i", INTERP),
    M("int-absorbing", "interpreter", _IN,
      "(np.logical_and, False) if isinstance(f, And) else (np.logical_or, True)",
      "(np.logical_and, True) if isinstance(f, And) else (np.logical_or, False)",
      "n-ary ∧/∨: the absorbing constants swapped", INTERP),
    M("int-factor-join", "interpreter", _IN, "groups.append(join_inner(best, _factor_terms(",
      "groups.append(join_outer(best, _factor_terms(", "common-factor extraction joins with the wrong connective",
      INTERP),
    M("int-gather-batch", "interpreter", _IN,
      "flat = (chosen + (np.arange(batch, dtype=np.int64) * length)[:, None]).ravel()",
      "flat = chosen.ravel()", "batched gathers read every word's values from word 0", INTERP),
    M("fa-rightmost-strict", "interpreter", _FA, "        if mask == \"j<i\":\n            run[:, 0] = -1",
      "        if False:\n            run[:, 0] = -1", "linear selection, rightmost with j<i: read as j<=i", INTERP),
    M("fa-leftmost-strict", "interpreter", _FA,
      "run = np.concatenate([run[:, 1:], np.full((batch, 1), length)], axis=1)", "run = run",
      "linear selection, leftmost with j>i: read as j>=i", INTERP),
    M("fa-found-edge", "interpreter", _FA, "\"j<i\": e < i, \"j<=i\": e <= i",
      "\"j<i\": e <= i, \"j<=i\": e <= i", "linear selection, first/last occurrence: j<i read as j<=i", INTERP),
    M("fa-class-codes", "interpreter", _FA, "code |= env[name].astype(dtype) << dtype(bit)",
      "code |= env[name].astype(dtype)", "i-side valuation classes collapse (bits not shifted)", INTERP),
    M("fa-chunk-leftmost", "interpreter", _FA, "inside = local > first if mask == \"j<i\" else local >= first",
      "inside = local >= first", "streamed causal chunk, leftmost with j<i: read as j<=i", STREAM),
    M("fa-chunk-rightmost", "interpreter", _FA,
      "return (run[:-1] if mask == \"j<i\" else run[1:]), int(run[-1])", "return run[1:], int(run[-1])",
      "streamed causal chunk, rightmost with j<i: read as j<=i", STREAM),
    # -- Lemma 9: paper-faithful and packed compilers, the layout builder ------------------------
    M("l9-and-bias", "lemma9", "constructions/uhat/lemma9.py",
      "self.b.uha({t: Lin.combine([(1, Lin.of(x)), (1, Lin.of(y))], -1)})",
      "self.b.uha({t: Lin.combine([(1, Lin.of(x)), (1, Lin.of(y))], 0)})",
      "paper-faithful ∧ gate without its −1 bias (ReLU(x + y) is not x ∧ y)", L9),
    M("l9-key-sign", "lemma9", "constructions/uhat/lemma9.py",
      "[Lin.combine([(-1, Lin.of(not_s))])]", "[Lin.combine([(1, Lin.of(not_s))])]",
      "paper-faithful score: + (1 − S(j)) instead of − (1 − S(j))", L9),
    M("l9-layer-count", "lemma9", "constructions/uhat/lemma9.py",
      "return inner if isinstance(f, And) else inner + n + 1", "return inner if isinstance(f, And) else inner + n",
      "paper_layer_count: a De Morgan ∨ one layer short", L9 + COUNTER_P),
    M("pk-and-threshold", "lemma9", "constructions/uhat/packed.py", "-(len(args) - 1)), scope, \"and\")",
      "-(len(args) - 2)), scope, \"and\")", "packed n-ary ∧ threshold one too low", L9),
    M("pk-exists-guard", "lemma9", "constructions/uhat/packed.py", "            Pred(\"_exists\", \"j\"),\n",
      "", "packed R not guarded by 'the attended vector is a position'", L9),
    M("pk-key-weight", "lemma9", "constructions/uhat/packed.py", "Lin.combine([(2, p)]) for p in p_k",
      "Lin.combine([(1, p)]) for p in p_k", "packed score: the equality keys weighted 1 instead of 2",
      ("tests/constructions/test_mutants_lemma9.py",) + L9),
    M("pk-level-collision", "lemma9", "constructions/uhat/packed.py",
      "while self.level(at).attention is not None:", "while False:",
      "packed: two attentions scheduled in one level (the first overwritten)", L9),
    M("bld-attended-column", "lemma9", "constructions/uhat/builder.py",
      "col = r + self.index(name[1:]) if name.startswith(ATT) else self.index(name)",
      "col = self.index(name[1:]) if name.startswith(ATT) else self.index(name)",
      "C reads the current vector where it should read the attended one", L9),
    M("bld-neg", "lemma9", "constructions/uhat/builder.py", "return Lin.combine([(-1, self)], 1)",
      "return Lin.combine([(-1, self)], 0)", "Boolean negation as −x instead of 1 − x", L9),
    # -- DFA minimisation -------------------------------------------------------------------------
    M("dfa-equivalent-diff", "dfa", "automata/dfa.py", "return self.product(other, \"xor\").shortest_accepted()",
      "return self.product(other, \"diff\").shortest_accepted()",
      "equivalent() checks one inclusion only", DFA_T),
    M("dfa-quotient-start", "dfa", "automata/dfa.py",
      "block[d.delta[rep]], int(block[d.start]), d.accepting[rep])",
      "block[d.delta[rep]], int(block[0]), d.accepting[rep])", "minimise starts in state 0's class", DFA_T),
    M("dfa-count-overflow", "dfa", "automata/dfa.py", "k**length >= 2**62:", "k**length >= 2**70:",
      "count_by_length switches to Python ints too late (int64 overflow)", DFA_T),
    M("graph-refine-small", "dfa", "automata/graph.py", "if len(by_sig) + (rest > 0) < 2:",
      "if len(by_sig) + (rest > 0) < 3:", "small-round refinement skips two-way splits", DFA_T),
    M("graph-refine-signature", "dfa", "automata/graph.py",
      "newgrp[1:] = (rows[1:] != rows[:-1]).any(axis=1)", "newgrp[1:] = rows[1:, 0] != rows[:-1, 0]",
      "vectorised refinement ignores the successors' blocks", DFA_T),
    M("graph-bfs-order", "dfa", "automata/graph.py",
      "first = np.sort(np.unique(cand, return_index=True)[1])", "first = np.unique(cand, return_index=True)[1]",
      "vectorised BFS discovers a level's states by id, not in queue order (canonical numbering)", DFA_T),
    M("hop-initial-symbols", "dfa", "automata/hopcroft.py",
      "    for a in range(k):\n        stack[top] = first * k + a", "    for a in range(1):\n        stack[top] = first * k + a",
      "Hopcroft's initial worklist holds the first symbol only", HOP),
    M("hop-split-symbols", "dfa", "automata/hopcroft.py", "for a2 in range(k):  # c is the smaller half",
      "for a2 in range(k - 1):  # c is the smaller half", "a split-off block is pushed for all but the last symbol",
      HOP),
    M("hop-larger-half", "dfa", "automata/hopcroft.py", "if 2 * mk <= whole:  # the marked prefix",
      "if 2 * mk > whole:  # the marked prefix", "a split block hands its larger part to the worklist", HOP),
    M("graph-initial-larger-class", "dfa", "automata/graph.py",
      "block = (accepting if 2 * n_acc <= m else ~accepting).astype(np.int64)",
      "block = (accepting if 2 * n_acc > m else ~accepting).astype(np.int64)",
      "Moore refinement starts from the larger initial class", DFA_T),
    M("hop-missing-edge", "dfa", "automata/hopcroft.py", "full[q, a] = t if t >= 0 else m",
      "full[q, a] = t if t >= 0 else 0", "compiled minimisation sends missing edges to state 0, not the sink", HOP),
    # -- precision audit and dtype limits -----------------------------------------------------------
    M("prec-partial-max", "precision", "constructions/uhat/precision.py", "hi += max(ZERO, _hi(t))",
      "hi = max(hi, _hi(t))", "partial sums bounded by the largest term, not the sum of the terms", PREC),
    M("prec-attended-zero", "precision", "constructions/uhat/precision.py", "return _cap(set(v) | {ZERO})",
      "return v", "an attended coordinate forgets the zero vector (no unmasked position)", PREC),
    M("prec-score-add", "precision", "constructions/uhat/precision.py",
      "sc, ps = _sum((_mul(a, b) for a, b in zip(q, key)), ZERO)",
      "sc, ps = _sum((_add(a, b) for a, b in zip(q, key)), ZERO)", "scores as q + k instead of q·k", PREC_M),
    M("dtype-float32-limit", "dtypes", "constructions/dtypes.py", "torch.float32: 2**24,", "torch.float32: 2**25,",
      "float32 said to be exact up to 2^25", DTYPE),
    M("dtype-bfloat16-limit", "dtypes", "constructions/dtypes.py", "torch.bfloat16: 2**8,", "torch.bfloat16: 2**9,",
      "bfloat16 said to be exact up to 2^9", DTYPE),
    M("dtype-check-bound", "dtypes", "constructions/dtypes.py", "    if bound > limit:\n        raise DtypeError(",
      "    if bound > 2 * limit:\n        raise DtypeError(", "check_exact accepts bounds up to twice the limit",
      DTYPE_M),
    M("dtype-smallest", "dtypes", "constructions/dtypes.py", "if integral and bound <= EXACT_LIMIT[dt]:",
      "if integral and bound < 2 * EXACT_LIMIT[dt]:", "smallest_exact picks float32 up to twice its limit",
      DTYPE_M),
    # -- RNN constructions ---------------------------------------------------------------------------
    M("rnn-onehot-bias", "rnn", "constructions/library/dfa_rnn.py", "        bias[row] = -1", "        bias[row] = 0",
      "one-hot RNN: a unit fires without its input symbol", RNN),
    M("rnn-onehot-readout", "rnn", "constructions/library/dfa_rnn.py",
      "for (q, a) in pairs if dfa.accepting[q]}", "for (q, a) in pairs if not dfa.accepting[q]}",
      "one-hot RNN: the readout sums the rejecting states", RNN),
    M("rnn-onehot-size", "rnn", "constructions/library/dfa_rnn.py",
      "return 1 + len(unit_pairs(dfa.trim() if trim else dfa))", "return len(unit_pairs(dfa.trim() if trim else dfa))",
      "one-hot size formula forgets the start unit", RNN),
    M("rnn-compact-margin", "rnn", "constructions/library/dfa_rnn_compact.py", "b = alpha[0] - 2 * big",
      "b = alpha[0] - big", "compact RNN: the row/column gate's margin M halved", COMPACT),
    M("rnn-compact-params", "rnn", "constructions/library/dfa_rnn_compact.py",
      "\"params\": h * (d + k + 1) + d * (h + 1) + 2 * d + 1,", "\"params\": h * (d + k + 1) + d * (h + 1) + 2 * d,",
      "compact RNN parameter formula one short", COMPACT),
    M("rnn-compact-readout", "rnn", "constructions/library/dfa_rnn_compact.py",
      "readout = {(0, i): -s for i in range(nt)}", "readout = {(0, i): -1 for i in range(nt)}",
      "compact RNN readout weighs a row as one state", COMPACT),
    M("counter-rnn-bias", "rnn", "constructions/library/counter_rnn.py",
      "return sum(1 for lit in lits if not lit.positive) - (len(lits) - 1)",
      "return sum(1 for lit in lits if not lit.positive) - len(lits)", "counter RNN: AND units one short of firing",
      RNN),
    M("counter-rnn-size", "rnn", "constructions/library/counter_rnn.py",
      "return 6 * n - 1 + len(groups) + len(classes)", "return 6 * n + len(groups) + len(classes)",
      "counter RNN unit formula off by one", RNN),
    # -- closed-form sizes ---------------------------------------------------------------------------
    M("size-counter-min-dfa", "sizes", "tasks/counter.py", "return (n + 2) * 2 ** (n + 1) - n",
      "return (n + 2) * 2 ** (n + 1) - n + 1", "expected_min_dfa_states off by one", COUNTER),
    M("size-counter-brasp-ops", "sizes", "constructions/library/counter_brasp.py", "\"ops\": 2 * n + 6,",
      "\"ops\": 2 * n + 5,", "counter program: operation count off by one", COUNTER_P),
    M("size-counter-brasp-rel", "sizes", "constructions/library/counter_brasp.py",
      "rel_value = 1 if h == 0 else 3 if h == 1 else 3 * h + 1", "rel_value = 1 if h == 0 else 3 if h == 1 else 3 * h",
      "counter program: REL's formula size one short", COUNTER_P),
    M("size-counter-uhat-width", "sizes", "constructions/library/counter_brasp.py",
      "\"width\": 6 * n * n + 3 * n + 16,", "\"width\": 6 * n * n + 3 * n + 15,",
      "counter's paper-faithful UHAT width formula one short", COUNTER_P),
    M("size-tiling-packed-width", "sizes", "constructions/library/tiling_sizes.py",
      "PACKED_WIDTH: dict[str, Poly] = {\"strict\": _p(174, 2)", "PACKED_WIDTH: dict[str, Poly] = {\"strict\": _p(175, 2)",
      "tiling packed width formula one off", TILING),
    # -- traces ------------------------------------------------------------------------------------
    M("trace-uhat-tiebreak", "trace", "constructions/uhat/trace.py",
      "(ties[0] if head.tiebreak == \"leftmost\" else ties[-1],)",
      "(ties[-1] if head.tiebreak == \"leftmost\" else ties[0],)", "the UHAT trace's tie-break reversed", TRACE),
    M("trace-uhat-written", "trace", "constructions/uhat/trace.py",
      "rows.get(r) == [(index[name], Fraction(1))] and not bias.get(r)", "rows.get(r) == [(index[name], Fraction(1))]",
      "a copied coordinate with a bias is not reported as written",
      ("tests/constructions/test_mutants_trace.py",) + TRACE),
    M("trace-brasp-tiebreak", "trace", "constructions/brasp/trace.py",
      "return chosen[0] if op.tiebreak == \"leftmost\" else chosen[-1]",
      "return chosen[-1] if op.tiebreak == \"leftmost\" else chosen[0]", "the program trace's tie-break reversed",
      TRACE),
    M("trace-brasp-accept-first", "trace", "constructions/brasp/trace.py",
      "return out[-1] if self.program.accept_at == \"last\" else out[0]", "return out[-1]",
      "the program trace ignores accept_at='first'", TRACE),
    # -- LTL -----------------------------------------------------------------------------------------
    M("ltl-since-strict", "ltl", "automata/ltl/semantics.py", "    out[:, 1:] = run[:, :-1]", "    out[:, :] = run",
      "the evaluator's since is non-strict (j ≤ i)", LTL),
    M("ltl-past-strict", "ltl", "automata/ltl/semantics.py",
      "out[:, 1:] = np.logical_or.accumulate(a, axis=1)[:, :-1]", "out = np.logical_or.accumulate(a, axis=1)",
      "the evaluator's P (once) includes the present", LTL),
    M("ltl-nfa-pending-until", "ltl", "automata/ltl/to_dfa.py",
      "return bool(vals[self.c.root]) and not any(vals[t] for t in self.c.temporal if self.c.ops[t][0] == \"U\")",
      "return bool(vals[self.c.root])", "labelling NFA accepts with an until still pending", LTL),
    M("ltl-nfa-since", "ltl", "automata/ltl/to_dfa.py",
      "v = xv is not None and (xv[op[2]] or (xv[op[1]] and xv[pos]))", "v = xv is not None and (xv[op[2]] or xv[pos])",
      "labelling NFA: since forgets that φ must hold", LTL),
    M("ltl-symbolic-since", "ltl", "automata/ltl/to_dfa.py",
      "new = tuple(m.or_(vals[c.ops[k][2]], m.and_(vals[c.ops[k][1]], vals[k])) for k in since_nodes)",
      "new = tuple(m.or_(vals[c.ops[k][2]], vals[k]) for k in since_nodes)",
      "symbolic DFA: since forgets that φ must hold", LTL),
    M("ltl-symbolic-end", "ltl", "automata/ltl/to_dfa.py", "return (m.restrict_zero(vals[c.root]), new)",
      "return (vals[c.root] == 1, new)", "symbolic DFA: acceptance without setting the pending untils to 0", LTL),
    M("alphabet-negative-code", "interpreter", "automata/alphabet.py",
      "if w.size and (w.min() < 0 or w.max() >= k):", "if w.size and w.max() >= k:",
      "check_codes lets negative symbol codes through", ALPHA),
)

# Mutants that survive because they compute the same thing, each with its argument (name → reason).
EQUIVALENT: dict[str, str] = {
    "hop-larger-half": (
        "Hopcroft's correctness does not depend on which part of a split block is pushed: if (B, a) still "
        "waits, both parts get processed (B's pair now means the part that kept the id, the other part is "
        "pushed); if (B, a) was processed (or B is the initial class never pushed, whose complement was), "
        "splitting by B and by one part implies splitting by the other, because every state has exactly one "
        "a-successor in a complete DFA. Pushing the smaller part only gives the O(k·m·log m) bound; the "
        "minimal table is renumbered by BFS afterwards, so the result is identical, only slower."),
    "graph-initial-larger-class": (
        "The first refinement round examines the predecessors of the class with id 1 and groups them by "
        "their full signature (their block, the blocks of all successors); a state of a block with no "
        "successor in that class keeps the block's old signature. Starting from either class of "
        "{accepting, rejecting} therefore splits every block the same way (as partitions); taking the "
        "smaller one only keeps the 'each state changes id O(log m) times' bound. minimise() renumbers the "
        "quotient by BFS, so the DFA it returns is identical."),
    "ak-classes-by-sort": (
        "column_classes has two ways to number the distinct mixed-radix keys: a presence table (codes = the set "
        "positions in increasing order, class = the rank of a key among them) and torch.unique(key, "
        "return_inverse=True) (sorted distinct keys, class = the index among them). Both list the same "
        "sorted distinct keys and give every position the same class number; the table only avoids a sort "
        "when the key range is small."),
}


__all__ = ["EQUIVALENT", "MUTANTS", "Mutant"]
