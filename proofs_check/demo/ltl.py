"""The demo's LTL section ([BCL] §2.1, Prop 13, Prop 16): formulas, their DFAs against MONA, both
translations between LTL and UHATs, and the built formulas of the table's LTL column."""
from __future__ import annotations

import random
import time

from automata.ltl.formula import dag_size, size
from automata.ltl.syntax import parse, to_text
from automata.ltl.to_dfa import ltl_to_dfa

EXAMPLE_1 = "Q_b & H(Q_b -> Y Q_a) & H((Q_a & Y true) -> Y Q_b)"


def ltl_section() -> bool:
    from automata.ltl import mona
    from automata.ltl.generate import random_formula
    from constructions.library.brasp_ltl import brasp_to_ltl
    from constructions.library.ltl_brasp import ltl_to_brasp
    from constructions.uhat.lemma9 import compile_lemma9
    from constructions.uhat.to_ltl import uhat_to_ltl
    from proofs_check.deciders import dfa_decider, program_decider, uhat_decider
    from proofs_check.exhaustive import exhaustive_check
    from proofs_check.registry import families, family

    ok = True
    print("\n== LTL ([BCL] §2.1): Example 1, LTL → UHAT (Prop 16), UHAT → LTL (Prop 13), MONA as reference ==")
    f = parse(EXAMPLE_1)
    ab = family("ab-plus").task(None, "-").reference_dfa()
    dfa = ltl_to_dfa(f, ("a", "b"))
    same = dfa.equivalent(ab) is None
    ok &= same
    line = f"Example 1 {to_text(f)}: minimal DFA {dfa.num_states} states, = (ab)+: {same}"
    have_mona = mona.available()
    if have_mona:
        agree = dfa.equivalent(mona.mona_dfa(f, ("a", "b"))) is None
        ok &= agree
        line += f"; MONA's DFA the same: {agree}"
    print(line)
    program = ltl_to_brasp(f, ("a", "b"))
    ds = [dfa_decider(dfa, "formula's DFA"), program_decider(program)]
    for packed in (False, True):
        net = compile_lemma9(program, packed=packed)
        ds.append(uhat_decider(net, f"UHAT {net.size().model}"))
    report = exhaustive_check(("a", "b"), ds, 10)
    ok &= report.agree
    print(f"Prop 16: {len(program.ops)} B-RASP operations ({len(program.attention_ops)} attention); {report.summary()}")
    for name, fam in families().items():
        if fam.has_n:
            continue
        task = fam.task(None, fam.variants[0])
        cells = []
        for packed in (True, False):
            net = compile_lemma9(fam.program(None, fam.variants[0]), packed=packed)
            g = uhat_to_ltl(net).formula
            eq = ltl_to_dfa(g, net.alphabet).equivalent(task.reference_dfa()) is None
            ok &= eq
            cells.append(f"{net.size().model} ({len(net.layers)} layers): tree {size(g):,}, DAG {dag_size(g):,}, "
                         f"DFA = reference: {eq}")
        print(f"Prop 13 {name:<18} " + "; ".join(cells))
    for n in (1, 2, 3):
        member = family("counter")
        g = brasp_to_ltl(member.program(n, "full"))
        eq = ltl_to_dfa(g, member.task(n, "full").alphabet).equivalent(member.task(n, "full").reference_dfa()) is None
        ok &= eq
        print(f"counter n={n}: the table's built formula (B-RASP → LTL, K = ∅): DAG {dag_size(g):,}, "
              f"tree {size(g):,}; its DFA = the reference DFA: {eq}")
    growth = []
    formula = "a"
    for k in range(1, 6):
        formula = f"b S ({formula})"
        net = compile_lemma9(ltl_to_brasp(parse(formula), ("a", "b")), packed=True)
        growth.append(f"{len(net.layers)} layers → {size(uhat_to_ltl(net).formula):,}")
    print("Prop 13 is exponential: b S (b S … (b S a)), packed UHAT layers → formula tree size: " + ", ".join(growth))
    if have_mona:
        rng = random.Random(0)
        t0 = time.perf_counter()
        diffs = 0
        for _ in range(100):
            alphabet = ("a", "b", "c")[: rng.choice((2, 3))]
            g = random_formula(rng, alphabet, 4)
            diffs += ltl_to_dfa(g, alphabet).equivalent(mona.mona_dfa(g, alphabet)) is not None
        ok &= diffs == 0
        print(f"100 random formulas (seed 0, depth ≤ 4): our minimal DFA against MONA's: {diffs} differences "
              f"[{time.perf_counter() - t0:.1f}s] — `succinct verify ltl-random --count 300` for more")
    else:
        print("MONA or ltlf2dfa is not installed: the comparisons with the external reference were skipped "
              f"({mona.INSTALL_MONA})")
    return ok
