"""``succinct ltl``, ``succinct ltl-of`` and ``succinct verify ltl-random``: LTL, the third side of the
succinctness triangle ([BCL] §2.1, Prop 13, Prop 16; docs/tutorial.md §10).

* ``ltl FORMULA``: the formula and its sizes; ``--dfa`` its minimal complete DFA (ours, and MONA's with
  ``--mona``); ``--uhat`` the B-RASP program of Prop 16 and both compiled UHATs, every recogniser
  checked on all words up to ``--max-len`` against the formula's DFA and the evaluator.
* ``ltl-of TASK``: Prop 13 on a compiled network: the value sets per layer, the formula's sizes, its
  DFA compared with the task's reference DFA.
* ``verify ltl-random --count K``: K seeded random formulas, our DFA against MONA's.
"""
from __future__ import annotations

import argparse
import random
import time
from typing import Sequence

import numpy as np

from automata.dfa import DFA
from automata.errors import ParameterError, StateLimitError
from automata.ltl.formula import Formula, letters, size
from automata.ltl.syntax import describe, parse, to_latex, to_text
from proofs_check.cli.args import add_named_parameters

MAX_LEN = 12  # --max-len bound for the exhaustive checks (|Σ|^12 words at most)
MAX_COUNT = 100_000
PRINT_TREE_MAX = 5_000  # formulas printed as text only up to this many tree nodes
MAX_UHAT_LAYERS = 3_000  # --uhat / --round-trip: the paper-faithful network's layers


def alphabet_of(f: Formula, text: str | None) -> tuple[str, ...]:
    """``--alphabet a,b,c`` or the letters the formula names."""
    if text is None:
        alphabet = letters(f)
        if not alphabet:
            raise ParameterError("the formula names no letter: give the alphabet with --alphabet a,b,…")
        return alphabet
    from automata.ltl.syntax import printable

    parts = tuple(p.strip() for p in text.split(","))
    if not all(parts) or len(set(parts)) != len(parts):
        raise ParameterError(f"--alphabet {text!r}: distinct non-empty symbols separated by commas")
    bad = [p for p in parts if not printable(p)]
    if bad:
        raise ParameterError(f"--alphabet: {bad[0]!r} cannot be written as a letter (no spaces, commas, "
                             "parentheses or operator characters)")
    missing = sorted(set(letters(f)) - set(parts))
    if missing:
        raise ParameterError(f"the formula names {', '.join(missing)}, which --alphabet {text} lacks")
    return parts


def format_dfa(d: DFA) -> str:
    """The transition table: one row per state, → marks the start, * the accepting states."""
    width = max(len(str(d.num_states)), *(len(a) for a in d.alphabet)) + 1
    head = "      " + "".join(f"{a:>{width}}" for a in d.alphabet)
    rows = [head]
    for q in range(d.num_states):
        mark = ("→" if q == d.start else " ") + ("*" if d.accepting[q] else " ")
        cells = "".join(f"{('-' if t < 0 else str(t)):>{width}}" for t in d.delta[q])
        rows.append(f"{mark} {q:>3}{cells}")
    return "\n".join(rows)


def _shortest(d: DFA) -> str:
    w = d.shortest_accepted()
    return "none (the language is empty)" if w is None else f"{' '.join(w)!r} (length {len(w)})"


MAX_WORK = 2_000_000  # |Σ| × DAG: the DFA construction's work per state


def cmd_ltl(args: argparse.Namespace) -> int:
    from automata.ltl.formula import dag_size

    f = parse(args.formula)
    alphabet = alphabet_of(f, args.alphabet)
    if args.max_len is not None and not args.uhat:
        raise ParameterError("--max-len is an option of --uhat")
    if args.max_len is not None and not 1 <= args.max_len <= MAX_LEN:
        raise ParameterError(f"--max-len must lie in 1..{MAX_LEN}")
    if not 0 < args.time_limit <= 86_400:
        raise ParameterError("--time-limit must lie in (0, 86400] seconds")
    work = len(alphabet) * dag_size(f)
    if work > MAX_WORK:
        raise ParameterError(f"|Σ| × DAG = {work:,} exceeds {MAX_WORK:,}: every DFA state would cost that many "
                             "BDD operations per step; use a smaller alphabet or formula")
    if args.compare:
        _compare_target(args.compare, alphabet)
    if args.mona:
        from automata.ltl.mona import check_size

        check_size(f)
    print(f"formula:  {to_text(f)}")
    if args.latex:
        print(f"LaTeX:    {to_latex(f)}")
    print(f"alphabet: {', '.join(alphabet)}")
    print(f"sizes:    {describe(f)}")
    from automata.ltl.to_dfa import ltl_to_dfa

    t0 = time.perf_counter()
    try:
        dfa = ltl_to_dfa(f, alphabet, time_limit=args.time_limit)
    except StateLimitError as err:
        print(f"DFA:      out of reach ({err})")
        return 3
    print(f"DFA:      {dfa.num_states} states (minimal, complete; ours, {time.perf_counter() - t0:.2f} s); "
          f"shortest word {_shortest(dfa)}")
    status = 0
    if args.dfa:
        print(format_dfa(dfa))
    if args.compare:
        status |= _compare_task(dfa, args.compare)
    if args.mona:
        status |= _against_mona(f, alphabet, dfa)
    if args.uhat:
        status |= _uhat(f, alphabet, dfa, args.max_len or 6)
    if args.round_trip:
        status |= _round_trip(f, alphabet, dfa, args.time_limit)
    return status


def _prop16_program(f: Formula, alphabet: tuple[str, ...], option: str):
    """Prop 16's program for ``f``, refused (one line) when its paper-faithful UHAT is too large to build."""
    from constructions.library.ltl_brasp import ltl_to_brasp
    from constructions.uhat.lemma9 import paper_layer_count

    program = ltl_to_brasp(f, alphabet)
    layers = paper_layer_count(program)
    if layers > MAX_UHAT_LAYERS:
        raise ParameterError(f"Prop 16's paper-faithful UHAT would have {layers:,} layers; {option} builds at "
                             f"most {MAX_UHAT_LAYERS:,}")
    return program


def _round_trip(f: Formula, alphabet: tuple[str, ...], dfa: DFA, time_limit: float) -> int:
    """Prop 16 then Prop 13: formula → UHAT (both forms) → formula → DFA, equal to the formula's DFA."""
    from automata.ltl.formula import dag_size
    from automata.ltl.to_dfa import ltl_to_dfa
    from constructions.uhat.lemma9 import compile_lemma9
    from constructions.uhat.to_ltl import uhat_to_ltl

    status = 0
    program = _prop16_program(f, alphabet, "--round-trip")
    for packed in (True, False):
        net = compile_lemma9(program, packed=packed)
        try:
            back = uhat_to_ltl(net, time_limit=time_limit).formula
            again = ltl_to_dfa(back, alphabet, time_limit=time_limit)
        except StateLimitError as err:
            print(f"round trip via UHAT {net.size().model}: out of reach ({err})")
            status |= 3
            continue
        diff = again.equivalent(dfa)
        s = net.size()
        verdict = "the same language" if diff is None else f"DIFFERENT on {' '.join(diff)!r}"
        print(f"round trip via UHAT {s.model} ({s.layers} layers): Prop 13 formula tree {size(back):,}, "
              f"DAG {dag_size(back):,}; its DFA {again.num_states} states: {verdict}")
        status |= int(diff is not None)
    return status


def _compare_target(name: str, alphabet: tuple[str, ...]) -> DFA:
    from proofs_check.registry import family

    fam = family(name)
    if fam.has_n:
        raise ParameterError(f"--compare takes a task without n (the presets), not {name}")
    ref = fam.task(None, fam.variants[0]).reference_dfa()
    if set(ref.alphabet) != set(alphabet):
        raise ParameterError(f"{name} is over {','.join(ref.alphabet)}; give --alphabet {','.join(ref.alphabet)}")
    return ref


def _compare_task(dfa: DFA, name: str) -> int:
    ref = _compare_target(name, tuple(dfa.alphabet))
    if tuple(ref.alphabet) != tuple(dfa.alphabet):  # the same letters in another order: relabel ours
        order = [dfa.alphabet.index(a) for a in ref.alphabet]
        dfa = DFA(ref.alphabet, dfa.delta[:, order], dfa.start, dfa.accepting)
    diff = dfa.equivalent(ref)
    if diff is None:
        print(f"{name}:  the same language as the task's reference DFA ({ref.num_states} states)")
        return 0
    print(f"{name}:  DIFFERENT from the task's reference DFA on {' '.join(diff)!r}")
    return 1


def _against_mona(f: Formula, alphabet: tuple[str, ...], dfa: DFA) -> int:
    from automata.ltl.mona import mona_dfa

    t0 = time.perf_counter()
    ref = mona_dfa(f, alphabet)
    diff = dfa.equivalent(ref)
    took = time.perf_counter() - t0
    if diff is None:
        print(f"MONA:     the same language ({ref.num_states} states after our minimisation, {took:.2f} s)")
        return 0
    print(f"MONA:     DIFFERENT — shortest distinguishing word {' '.join(diff)!r}: ours "
          f"{'accepts' if dfa.accepts(diff) else 'rejects'}, MONA {'accepts' if ref.accepts(diff) else 'rejects'}")
    return 1


def _uhat(f: Formula, alphabet: tuple[str, ...], dfa: DFA, max_len: int) -> int:
    from automata.ltl.semantics import accepts as ltl_accepts
    from constructions.brasp.syntax import format_program
    from constructions.library.ltl_brasp import program_size, size_bound
    from constructions.uhat.lemma9 import compile_lemma9
    from proofs_check.deciders import Decider, dfa_decider, program_decider, uhat_decider
    from proofs_check.exhaustive import exhaustive_check

    program = _prop16_program(f, alphabet, "--uhat")
    ops_bound, size_max = size_bound(f)
    n_att = len(program.attention_ops)
    print(f"B-RASP (Prop 16): {len(program.ops)} operations ({n_att} attention), formula size "
          f"{program_size(program)} (bounds: ≤ {ops_bound} operations, ≤ {size_max} formula nodes)")
    print(format_program(program, "unicode"))
    deciders: list[Decider] = [
        dfa_decider(dfa, "formula's DFA"),
        Decider("LTL evaluator", False, lambda w: ltl_accepts(f, alphabet, w)),
        program_decider(program),
    ]
    for packed in (False, True):
        net = compile_lemma9(program, packed=packed)
        s = net.size()
        print(f"UHAT {s.model}: {s.layers} layers ({s.uha_layers} UHA + {s.relu_layers} ReLU), width {s.max_width}, "
              f"{s.nonzeros} non-zeros, {s.total_bits} bits")
        deciders.append(uhat_decider(net, f"UHAT {s.model}"))
    report = exhaustive_check(alphabet, deciders, max_len)
    print(report.summary())
    return 0 if report.agree else 1


def cmd_ltl_of(args: argparse.Namespace) -> int:
    """Prop 13: the LTL formula of a compiled network, its DFA against the task's reference."""
    from automata.ltl.formula import dag_size
    from automata.ltl.to_dfa import ltl_to_dfa
    from constructions.uhat.to_ltl import uhat_to_ltl
    from proofs_check.registry import family
    from proofs_check.suite import build

    if not 1 <= args.max_vectors <= 100_000 or not 1 <= args.max_states <= 10_000_000 \
            or not 1 <= args.max_dag <= 1_000_000 or not 0 < args.time_limit <= 86_400:
        raise ParameterError("--max-vectors must lie in 1..100,000, --max-states in 1..10,000,000 and "
                             "--max-dag in 1..1,000,000, --time-limit in (0, 86400] s")
    member = build(family(args.task), args.n, args.variant)
    net = member.packed if args.form == "packed" else member.paper
    t0 = time.perf_counter()
    try:
        result = uhat_to_ltl(net, max_vectors=args.max_vectors, time_limit=args.time_limit)
    except StateLimitError as err:
        print(f"{member.label}: Prop 13's formula is out of reach ({err})")
        return 3
    f = result.formula
    s = net.size()
    print(f"{member.label}, UHAT {s.model}: {s.layers} layers, width {s.max_width}, {s.total_bits} bits")
    print(f"vectors per layer (embedding first): {', '.join(map(str, result.vector_counts))}")
    print(f"Prop 13 formula: tree {size(f):,} nodes, DAG {dag_size(f):,} distinct subformulas "
          f"({time.perf_counter() - t0:.2f} s)")
    if args.print_formula:
        if size(f) > PRINT_TREE_MAX:
            raise ParameterError(f"the formula's tree has {size(f):,} nodes; --print-formula prints at most "
                                 f"{PRINT_TREE_MAX:,}")
        print(to_text(f))
    if dag_size(f) > args.max_dag:
        print(f"its DFA: not attempted — the DAG has {dag_size(f):,} > {args.max_dag:,} subformulas "
              "(--max-dag; our LTL → DFA spends O(DAG) BDD operations per transition)")
        return 3
    t0 = time.perf_counter()
    try:
        dfa = ltl_to_dfa(f, net.alphabet, max_dfa_states=args.max_states, time_limit=args.time_limit)
    except StateLimitError as err:
        print(f"its DFA: out of reach ({err})")
        return 3
    ref = member.task.reference_dfa()
    diff = dfa.equivalent(ref)
    took = time.perf_counter() - t0
    if diff is None:
        print(f"its DFA: {dfa.num_states} states, the language of {member.label}'s reference DFA "
              f"({ref.num_states} states) — round trip UHAT → LTL → DFA exact ({took:.2f} s)")
        return 0
    print(f"its DFA: DIFFERENT from the reference on {' '.join(diff)!r}")
    return 1


def verify_random(args: argparse.Namespace) -> int:
    """``verify ltl-random``: seeded random formulas, our minimal DFA against MONA's."""
    from automata.ltl.generate import MAX_DEPTH, random_formula
    from automata.ltl.mona import mona_dfa
    from automata.ltl.semantics import accepts as ltl_accepts
    from automata.ltl.to_dfa import ltl_to_dfa
    from automata.alphabet import all_words
    from proofs_check.progress import bar as progress_bar, wanted

    count = 300 if args.count is None else args.count
    if not 1 <= count <= MAX_COUNT:
        raise ParameterError(f"--count must lie in 1..{MAX_COUNT:,}")
    depth = 4 if args.n is None else args.n
    if not 1 <= depth <= MAX_DEPTH:
        raise ParameterError(f"-n (the formula depth) must lie in 1..{MAX_DEPTH}")
    letters_k = 3
    rng = random.Random(args.seed)
    diffs = 0
    states: list[int] = []
    t0 = time.perf_counter()
    with progress_bar(count, "ltl-random", "formula", wanted(args.progress)) as bar, bar.printing():
        for _ in range(count):
            alphabet = ("a", "b", "c")[: rng.choice((2, letters_k))]
            f = random_formula(rng, alphabet, depth)
            ours = ltl_to_dfa(f, alphabet)
            ref = mona_dfa(f, alphabet)
            diff = ours.equivalent(ref)
            if diff is None:
                for length in (1, 2, 3, 4, 5):
                    w = all_words(length, len(alphabet))
                    if not np.array_equal(ltl_accepts(f, alphabet, w), ours.run(w)):
                        bad = w[np.nonzero(ltl_accepts(f, alphabet, w) != ours.run(w))[0][0]]
                        diff = tuple(alphabet[c] for c in bad)
                        break
            states.append(ours.num_states)
            if diff is not None:
                diffs += 1
                print(f"DIFFERENCE #{diffs}: {to_text(f)} over {','.join(alphabet)}: word {' '.join(diff)!r}")
            bar.update(1)
            bar.step(f"{diffs} differences")
    hist = np.bincount(states)
    spread = ", ".join(f"{q} states: {c}" for q, c in enumerate(hist) if c)
    print(f"ltl-random (seed {args.seed}, depth ≤ {depth}): {count} formulas, our minimal DFA against MONA's "
          f"and the evaluator on all words up to length 5: {diffs} differences ({time.perf_counter() - t0:.1f} s); "
          f"DFA sizes — {spread}")
    return 0 if diffs == 0 else 1


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ltl", help="an LTL formula: sizes, its minimal DFA (--dfa, --mona), its UHAT by Prop 16 (--uhat)")
    p.add_argument("formula", help="e.g. 'a S b' or 'Q_b & H(Q_b -> Y Q_a)' (docs/tutorial.md §10 has the syntax)")
    p.add_argument("--alphabet", help="comma-separated symbols (default: the letters the formula names)")
    p.add_argument("--dfa", action="store_true", help="print the minimal complete DFA")
    p.add_argument("--mona", action="store_true", help="compare with MONA's DFA (ltlf2dfa + mona)")
    p.add_argument("--uhat", action="store_true", help="Prop 16: B-RASP program and UHATs, checked exhaustively")
    p.add_argument("--latex", action="store_true", help="print the formula in LaTeX too")
    p.add_argument("--round-trip", action="store_true", help="Prop 16 then Prop 13: formula → UHAT → formula → DFA")
    p.add_argument("--compare", metavar="TASK", help="compare the DFA with a preset task's reference DFA, e.g. ab-plus")
    p.add_argument("--max-len", type=int, help=f"--uhat: all words up to this length (default 6, at most {MAX_LEN})")
    p.add_argument("--time-limit", type=float, default=300.0,
                   help="seconds for each DFA and Prop 13 formula (default 300; exit 3 when they run out)")
    p = sub.add_parser("ltl-of", help="Prop 13: the LTL formula of a compiled UHAT and its DFA against the task's "
                       "(exit 0 equal, 1 different, 3 not decided within the limits)")
    p.add_argument("task", help="a [BCL] family: counter, the presets (see `succinct tasks`)")
    p.add_argument("-n", type=int, help="family parameter n")
    add_named_parameters(p, int)
    p.add_argument("--variant")
    p.add_argument("--form", choices=["paper", "packed"], default="packed")
    p.add_argument("--max-vectors", type=int, default=20_000,
                   help="give up (exit 3) on layers with more output vectors (at most 100,000)")
    p.add_argument("--max-states", type=int, default=200_000, help="refuse formula DFAs with more states")
    p.add_argument("--max-dag", type=int, default=20_000,
                   help="attempt the formula's DFA only up to this DAG size (exit status 3 above it)")
    p.add_argument("--time-limit", type=float, default=300.0,
                   help="seconds for the formula and, again, for its DFA (default 300; exit 3 when they run out)")
    p.add_argument("--print-formula", action="store_true", help=f"print the formula (trees ≤ {PRINT_TREE_MAX:,} nodes)")


__all__: Sequence[str] = ("cmd_ltl", "cmd_ltl_of", "verify_random", "add_parsers", "alphabet_of", "format_dfa")
