"""``make demo``: verify the Example 2 counter end to end, Lemma 8 on the tiling witness, LTL both ways, the size table."""
from __future__ import annotations

import time
from typing import Callable, Sequence

import torch

from automata.alphabet import encode_word
from constructions.brasp import interpreter
from constructions.library.tiling_brasp import printed_aggregate_explanation, tiling_program
from constructions.uhat.lemma9 import compile_lemma9
from constructions.uhat.torch_backend import to_torch

from proofs_check.long_word import check_witness_word
from proofs_check.progress import bar as progress_bar
from proofs_check.registry import families, family
from proofs_check.suite import build, judge, single_symbol_changes, verify
from proofs_check.table import render, size_table
from tasks.tiling import encode, solve_report
from tasks.tiling_witness import counter_witness


def run_demo(progress: bool = False) -> int:
    """Every section of :data:`SECTIONS` in order (each prints its part on stdout); 0 when all pass.
    ``progress``: a bar of sections on stderr (:mod:`proofs_check.progress`), naming the running one; its
    total is the final line's section count."""
    t0 = time.perf_counter()
    passed = run_sections(SECTIONS, progress)
    ok = passed == len(SECTIONS)
    print(f"\n{'ALL CHECKS PASSED' if ok else 'SOME CHECKS FAILED'}: {passed}/{len(SECTIONS)} sections passed "
          f"[{time.perf_counter() - t0:.0f}s]")
    return 0 if ok else 1


def run_sections(sections: Sequence[tuple[str, Callable[[], bool]]], progress: bool = False) -> int:
    """Run ``sections`` ((name, check → passed) pairs) in order, every one even after a failure; the
    number that passed. Their output reaches stdout unchanged, whole lines around the bar."""
    passed = 0
    with progress_bar(len(sections), "demo", "section", progress) as bar, bar.printing():
        for name, section in sections:
            bar.step(name)
            passed += bool(section())
            bar.update(1)
    return passed


def _counter_section() -> bool:
    ok = True
    fam = family("counter")
    print("== [BCL] Example 2, the binary counter: exhaustive checks over all words up to two blocks ==")
    for n in (1, 2):
        for variant in ("full", "stream"):
            member = build(fam, n, variant)
            report = verify(member, 2 * (n + 2))
            ok &= report.agree
            print(f"{member.label}: {report.summary()}")
    return ok


def _full_word_section() -> bool:
    ok = True
    print("\n== the full word, and every single-symbol change of it ==")
    for fam_name, n in [(f, n) for f in ("counter", "counter-cyclic") for n in (1, 2, 3, 4)]:
        member = build(family(fam_name), n, "full")
        word = member.task.full_word()
        (res,) = judge(member, [word])
        changes = single_symbol_changes(word, member.task.alphabet)
        verdicts = judge(member, changes)
        split = sum(v.unanimous is None for v in verdicts)
        wrong = sum(v.unanimous is not None and v.unanimous != member.task.accepts(v.word) for v in verdicts)
        rejected = sum(v.unanimous is False for v in verdicts)
        swaps = len(changes) - rejected
        ok &= res.unanimous is True and split == 0 and wrong == 0
        swap_note = (
            f", {swaps} accepted by all (a↔c letter swaps: words of L too, as H relates a and c to b alike)"
            if swaps
            else ""
        )
        print(
            f"{fam_name} n={n}: full word (length {len(word)}) accepted by all {len(res.verdicts)} recognisers: "
            f"{res.unanimous is True}; of {len(changes)} single-symbol changes {rejected} rejected by all"
            f"{swap_note}; {split + wrong} disagreements"
        )
    return ok


def _preset_section() -> bool:
    ok = True
    print("\n== the B-RASP simulator presets ([YCA]): reference DFA = interpreter = UHAT paper = UHAT packed ==")
    for name, pfam in families().items():
        if pfam.has_n:
            continue
        report = verify(build(pfam, None, None), 8)
        ok &= report.agree
        print(f"{name:<20} {report.summary()}")
    return ok


def _retrieval_section() -> bool:
    from proofs_check.demo.retrieval import retrieval_section

    return retrieval_section()


def _istree_section() -> bool:
    from proofs_check.demo.istree import istree_section

    return istree_section()


def _ltl_section() -> bool:
    from proofs_check.demo.ltl import ltl_section

    return ltl_section()


def _dyck_section() -> bool:
    from proofs_check.demo.dyck import dyck_section

    return dyck_section()


def _trace_section() -> bool:
    """A run laid open (docs/tutorial.md §11): the counter n = 1 on 0a#1b#, the program's table with the
    attended positions, and the check that every compiled layer attends the program's o(i) and every
    predicate read back off the network equals its row."""
    from proofs_check.trace import trace

    print("\n== a run laid open: `succinct trace counter -n 1 '0a#1b#'` (the B-RASP table; --html for the picture) ==")
    ok = True
    for form in ("packed", "paper"):
        t = trace("counter", "0a#1b#", n=1, form=form)
        if form == "packed":
            print(t.text(levels=("brasp",)), end="")
        attended = {s.op.name: s.attended for s in t.program.steps}
        same = all(row[0].attended == (attended[t.layer_ops[step.index]][i],)
                   for step in t.uhat.attention_layers for i, row in enumerate(step.picks)
                   if attended[t.layer_ops[step.index]][i] is not None)
        agree = len(set(t.verdicts.values())) == 1 and all(r.agrees for r in t.readings)
        print(f"UHAT {form}: {len(t.uhat.attention_layers)} attention layers attend the program's o(i): {same}; "
              f"{len(t.readings)} predicates read back off the coordinates = the table: {agree}")
        ok &= same and agree
    return ok


def _table_section() -> bool:
    """The size tables (no check fails here: they print measured sizes and proved bounds)."""
    print("\n== size table, tiling witness (strict borders), n = 1..8 — `succinct table tiling-witness -n 1..16` for all ==")
    print(render(size_table(family("tiling-witness"), range(1, 9), "strict", dfa_max_n=2, paper_max_n=1)), end="")
    print("\n== size table, counter (full variant), n = 1..6 ==")
    print(render(size_table(family("counter"), range(1, 7), "full")), end="")
    print(
        "\nLB DFA: a non-empty language of an m-state automaton has a word shorter than m; "
        "LB RNN: Prop 1, k·D ≥ log2(min DFA states); LB LTL: ⌈log2(shortest/|Σ|)⌉ temporal operators, "
        "≈ n for the counter, whose built LTL formula is linear in n — the counter does not separate "
        "UHATs from LTL (THEORY §3); the witness's bound is Ω(2^n)."
    )
    return True


def _suite_section() -> bool:
    """Lemma 8 on every instance of the suite (small budget; `succinct suite` for bigger bounds)."""
    from proofs_check.tiling_suite import run_suite

    print("\n== Lemma 8 on the 17-instance suite: non-empty iff solvable; reference = interpreter = both UHATs ==")
    ok, text = run_suite(max_len=10, max_rows=8, budget=1_000)
    print(text.splitlines()[-1])
    if not ok:
        print(text)
    return ok


def _rnn_section() -> bool:
    """The structured tiling RNN on the witness words; the compact DFA→RNN against its DFA."""
    from constructions.library.dfa_rnn_compact import ceil_sqrt, compare_with_dfa, dfa_to_compact_rnn
    from constructions.library.tiling_rnn import tiling_rnn
    from constructions.rnn.torch_backend import to_torch as rnn_to_torch
    from tasks.counter import CounterTask

    ok = True
    print("\n== RNNs near their bounds (THEORY §7) ==")
    for n in (1, 2, 3):
        inst = counter_witness(n, "strict")
        rnn = tiling_rnn(inst)
        word = encode(solve_report(inst, 1 << 10).grid)
        codes = torch.from_numpy(encode_word(word, inst.alphabet)[None, :])
        prefixes = rnn_to_torch(rnn, torch.float64)(codes)[0]
        good = bool(prefixes[-1]) and not bool(prefixes[:-1].any())
        ok &= good
        size = rnn.size()
        print(f"tiling RNN n={n}: D = {size.units} units, k = {size.precision} (k·D = {size.state_bits} ≥ 2^n = {2**n}); "
              f"witness word of {len(word)} symbols accepted, no proper prefix accepted: {good}")
    for n in (1, 2):
        dfa = CounterTask(n, "stream").reference_dfa()
        rnn = dfa_to_compact_rnn(dfa)
        bad = compare_with_dfa(rnn, dfa, 6)
        ok &= bad is None
        sz = rnn.size()
        print(f"compact DFA→RNN, counter n={n} stream: minimal DFA {dfa.num_states} states → {sz.state_units} state "
              f"units (2⌈√m⌉−2 = {2 * ceil_sqrt(dfa.num_states) - 2}), {sz.hidden_units} hidden; "
              f"all words ≤ 6 agree with the DFA: {bad is None}")
    return ok


def _proof_section() -> bool:
    """z3 proofs for every word length (`succinct prove`), one line per section."""
    from proofs_check.prove import prove_member

    ok = True
    print("\n== proofs for every word length (z3; `succinct prove TASK` prints them in full) ==")
    for name, n, forms in (("counter", 2, ("paper", "packed")), ("ab-plus", None, ("paper", "packed")),
                           ("tiling-witness", 1, ("packed",))):
        report = prove_member(family(name), n, None, forms=forms)
        ok &= report.proved
        for sec in report.sections:
            print(f"{report.label}: {sec.title}: {sec.status} [{sec.seconds:.1f}s]")
    return ok


def _tiling_section() -> bool:
    """Lemma 8 on the doubly exponential witness: solver heights, the witness word through the
    interpreter and both UHATs, the eq. (14e) erratum, and the n = 4 word (6,291,456 symbols) through
    every recogniser with two random corruptions."""
    ok = True
    print("\n== [BCL] Lemma 8 on the 17-tile witness (THEORY §5): minimal heights, the witness word, the erratum ==")
    for n in (1, 2, 3):
        strict = solve_report(counter_witness(n, "strict"), 1 << 10)
        stated = solve_report(counter_witness(n, "as-stated"), 1 << 10)
        ok &= strict.height == 2 ** (2**n) and stated.height == 4
        print(f"n={n}: minimal height {strict.height} with strict borders (2^(2^n) = {2 ** 2**n}), {stated.height} as stated")
    for n in (1, 2):
        inst = counter_witness(n, "strict")
        word = encode(solve_report(inst, 1 << 10).grid)
        codes = encode_word(word, inst.alphabet)[None, :]
        program = tiling_program(inst)
        printed = tiling_program(inst, aggregate="printed")
        verdicts = {
            "interpreter": bool(interpreter.accepts(program, codes)[0]),
            "UHAT packed": bool(to_torch(compile_lemma9(program, packed=True))(torch.from_numpy(codes))[0, -1]),
            "UHAT paper": bool(to_torch(compile_lemma9(program))(torch.from_numpy(codes))[0, -1]),
        }
        as_printed = bool(interpreter.accepts(printed, codes)[0])
        ok &= all(verdicts.values()) and not as_printed
        shown = ", ".join(f"{k}: {'accept' if v else 'reject'}" for k, v in verdicts.items())
        print(
            f"n={n}: witness word of {len(word)} symbols — corrected program {shown}; "
            f"as printed (eq. 14e with ∧): {'accept' if as_printed else 'reject'}"
        )
    for n in (1, 2):  # interior colour 0: the as-stated solution of height 4 — and the strict program's view of it
        stated = counter_witness(n, "as-stated")
        word = encode(solve_report(stated, 1 << 10).grid)
        codes = torch.from_numpy(encode_word(word, stated.alphabet)[None, :])
        v_stated = bool(to_torch(compile_lemma9(tiling_program(stated), packed=True))(codes)[0, -1])
        v_strict = bool(to_torch(compile_lemma9(tiling_program(counter_witness(n, "strict")), packed=True))(codes)[0, -1])
        ok &= v_stated and v_strict == (n == 1)
        print(f"n={n}: as-stated solution of height 4 ({len(word)} symbols): as-stated UHAT "
              f"{'accepts' if v_stated else 'rejects'}, strict-border UHAT {'accepts' if v_strict else 'rejects'}"
              f"{' (for n = 1 the height-4 solution is the strict one too)' if n == 1 else ' (it splits rows at interior colour 0)'}")
    print("why the printed program is empty:", printed_aggregate_explanation())
    report = check_witness_word(4, corruptions=2, workers=2)  # `succinct witness-word -n 4 --corruptions 100`
    ok &= report.ok
    print(report.summary())
    return ok


SECTIONS: tuple[tuple[str, Callable[[], bool]], ...] = (
    ("counter", _counter_section),
    ("full words", _full_word_section),
    ("presets", _preset_section),
    ("tiling witness", _tiling_section),
    ("tiling suite", _suite_section),
    ("RNNs", _rnn_section),
    ("proofs", _proof_section),
    ("retrieval", _retrieval_section),
    ("istree", _istree_section),
    ("LTL", _ltl_section),
    ("trace", _trace_section),
    ("Dyck", _dyck_section),
    ("size tables", _table_section),
)
