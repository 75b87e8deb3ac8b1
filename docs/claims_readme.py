"""The numbers in the prose and command comments of README.md, each regenerated from the library.

Loaded by docs/check_numbers.py; README's witness table is checked there as a command-output table.
Functions shared with the tutorial live in docs/claims_tutorial.py.
"""
from __future__ import annotations

import math
import re

import claims_tutorial as tut
from claim_tools import Claim, claims, cli, holds_from, line_with, n_, slash

DOC = "README.md"


def demo_words() -> str:
    return f"({n_(sum(6**k for k in range(1, 9)))} words for n = 2)"


def heights() -> str:
    from tasks.tiling import min_height
    from tasks.tiling_witness import counter_witness

    hs = [min_height(counter_witness(n), 4096) for n in (1, 2, 3)]
    assert hs == [2 ** (2**n) for n in (1, 2, 3)]
    return f"minimal heights {slash(hs)} (= 2^(2^n))"


def witness_lengths(ns: tuple[int, ...]) -> str:
    from tasks.tiling_witness import expected_witness_length

    return " / ".join(n_(expected_witness_length(n)) for n in ns)


def suite_counts() -> str:
    from proofs_check.certify.emptiness import prove_empty
    from constructions.library.tiling_brasp import tiling_program
    from tasks.tiling_witness import INSTANCE_SUITE

    suite = {name: make() for name, make in INSTANCE_SUITE.items()}
    unsolvable = [inst for inst, height in suite.values() if height is None]
    proved = sum(prove_empty(tiling_program(inst)).proved_empty for inst in unsolvable)
    return (f"all {len(suite)} instances of the suite (`succinct suite`): non-empty exactly when the solver finds a "
            f"solution, reference DFA = interpreter = both UHATs on every word checked, and the programs of "
            f"{proved} of the {len(unsolvable)} unsolvable instances proved empty")


def istree_core() -> str:
    text = tut.istree_core()
    m = re.fullmatch(r"(\d+) layers \((\d+) attention, ≤ (\d+) hard heads each; (\d+) ReLU\), width (\d+), (\d+) non-zero "
                     r"integer core weights of size ≤ (\d+)", text)
    layers, uha, heads, relu, width, nnz, _ = m.groups()
    return (f"{layers} layers ({uha} attention with ≤ {heads} exact hard heads, {relu} ReLU), width {width}, {nnz} "
            f"non-zero integer core weights")


def istree_formulas() -> str:
    from constructions.library.istree_rag import rag_cot_bounds
    from constructions.library.istree_rnn import rnn_state_bits
    from tasks.istree_bounds import closed_form_fooling, closed_form_rows, count_rows

    assert holds_from(lambda n: 2 ** (n - 1) - 1 + (n >= 5), count_rows, range(2, 9)) == 2
    assert all(closed_form_rows(n) == count_rows(n) for n in range(2, 9))
    assert holds_from(lambda n: 2 ** (n - 3) + (n >= 5) if n >= 3 else -1, closed_form_fooling, range(2, 20)) == 3
    assert holds_from(lambda n: (n + 11) * math.ceil(math.log2(n)), rnn_state_bits, range(2, 20)) == 2
    assert holds_from(lambda n: 37 * n - 24, lambda n: rag_cot_bounds(n)[1], range(2, 20)) == 2
    return "R(N) = 2^(N−1) − 1 + [N ≥ 5]"


def ltl_example1() -> tuple[str, str]:
    code, out = cli("ltl", "Q_b & H(Q_b -> Y Q_a) & H((Q_a & Y true) -> Y Q_b)", "--dfa", "--mona", "--compare",
                    "ab-plus", "--uhat")
    states = re.search(r"DFA: +(\d+) states", out).group(1)
    assert code == 0 and "ab-plus:  the same language" in out and "MONA:     the same language" in out
    ops, att = re.search(r"B-RASP \(Prop 16\): (\d+) operations \((\d+) attention\)", out).groups()
    packed = re.search(r"UHAT packed: (\d+) layers", out).group(1)
    paper = re.search(r"UHAT paper: (\d+) layers", out).group(1)
    check = line_with(out, "words of length 1..")
    assert check.split(":")[-1].strip().startswith("AGREE") or "AGREE" in check
    max_len = re.search(r"length 1\.\.(\d+)", check).group(1)
    return (f"{states} states = (ab)+ = MONA's; Prop 16: {ops} B-RASP ops",
            f"({att} attention), UHAT packed {packed} layers / paper {paper}, all words ≤ {max_len} AGREE")


def dyck_prop13() -> tuple[str, str]:
    code, out = cli("ltl-of", "dyck1-depth2")
    tree, dag = re.search(r"tree ([\d,]+) nodes, DAG ([\d,]+)", out).groups()
    states = re.search(r"reference DFA \((\d+) states\)", out).group(1)
    assert code == 0 and "round trip UHAT → LTL → DFA exact" in out
    return f"formula tree {tree} nodes,", f"DAG {dag}; its DFA = the reference DFA ({states} states)"


def ltl_random() -> str:
    code, out = cli("verify", "ltl-random", "--count", "300")
    m = re.search(r"(\d+) formulas, our minimal DFA against MONA's .*: (\d+) differences", out)
    assert code == 0 and m is not None
    return f"{m.group(1)} seeded random formulas: our DFA = MONA's, {m.group(2)} differences"


def nested_trees() -> str:
    from claims_results_more import nested_since

    trees, layers = [], []
    for k in range(1, 6):
        code, out = cli("ltl", nested_since(k), "--round-trip")
        m = re.search(r"via UHAT packed \((\d+) layers\): Prop 13 formula tree ([\d,]*\d)", out)
        layers.append(int(m.group(1)))
        trees.append(m.group(2))
    return f"{', '.join(trees)} nodes at {layers[0]}–{layers[-1]} packed layers"


def counter_ltl_of() -> str:
    code, out = cli("ltl-of", "counter", "-n", "1")
    tree, dag = re.search(r"tree ([\d,]+) nodes, DAG ([\d,]+)", out).groups()
    value = int(tree.replace(",", ""))
    mantissa = value / 10 ** int(math.log10(value))
    assert code == 3 and "not attempted" in out
    return f"tree ≈{mantissa:.1f}·10^{int(math.log10(value))} nodes, DAG {dag}: DFA not attempted (exit {code})"


def ltl_a_s_b() -> str:
    code, out = cli("ltl", "a S b", "--dfa")
    states = re.search(r"DFA: +(\d+) states", out).group(1)
    return f"minimal complete DFA: {states} states"


def dyck_beside() -> str:
    """The growth factors of README's Dyck paragraph (beside.png's boxes), from the same rows."""
    from proofs_check.plot import series
    from proofs_check.registry import family
    from proofs_check.table import size_table

    def factors(name: str, ns: list[int], variant: str) -> tuple[float, float]:
        data = series(size_table(family(name), ns, variant, paper_max_n=0))
        (_, u0), (_, u1) = data["packed_params"][0], data["packed_params"][-1]
        b = dict(data["lb_rnn"])
        return u1 / u0, b[ns[-1]] / b[ns[0]]

    (du, db), (wu, wb) = factors("dyck", list(range(1, 9)), "2"), factors("tiling-witness", list(range(1, 7)), "strict")
    return (f"for Dyck the UHAT grows ×{du:.1f} while the RNN bound grows ×{db:.1f} — no gap; for L_n the UHAT "
            f"grows ×{wu:.1f} while the bound grows ×{wb:.1f} — the exponential gap")


def dyck_table_forms() -> str:
    """The closed forms stated under README's Dyck table, checked on the rows for D = 1..8."""
    from constructions.library.dyck_rnn import stack_rnn_units
    from proofs_check.registry import family
    from proofs_check.table import size_table

    rows = size_table(family("dyck"), list(range(1, 9)), "2", paper_max_n=0)
    assert all(r.packed.uha_layers == 5 * r.n + 2 for r in rows)  # type: ignore[union-attr]
    assert len({r.packed.max_width for r in rows[1:]}) == 1  # type: ignore[union-attr]
    assert all(r.rnn[0] == stack_rnn_units(2, r.n)[0] == 2 * r.n + 1 for r in rows)  # type: ignore[index]
    assert all(r.dfa_states == 2 ** (r.n + 1) + 1 for r in rows)
    return ("The packed UHAT grows linearly in D (5D + 2 attention-or-affine layers, constant width), the stack "
            "RNN linearly (2D + 1 units; its dense parameters quadratically), the minimal DFA like 2^(D+1)")


def tm_counter() -> str:
    """README's counting-machine numbers: rows and symbols of the accepting run, tiles and program ops."""
    from pathlib import Path

    from tasks.tm import load_tm, simulate
    from tasks.tm_tiling import program_ops, tile_count

    m = load_tm(str(Path(__file__).resolve().parent.parent / "examples" / "counter.tm"))
    rows, words, ops = [], [], []
    for n in (1, 2, 3):
        run = simulate(m, n)
        assert run.outcome == "accept"
        rows.append(len(run.configs) + 1)  # the configurations and the halt row
        words.append(rows[-1] * 2**n * (n + 2))
        ops.append(program_ops(m, n))
    return (f"{', '.join(map(n_, rows))} rows for n = 1, 2, 3 ({', '.join(map(n_, words))} symbols) — with the same "
            f"{tile_count(m)['tiles']} tiles and {', '.join(map(str, ops))} program operations")


CLAIMS: list[Claim] = [
    *claims(DOC, "quick",
            ("(2,015,538 words for n = 2)", demo_words),
            ("minimal heights 4 / 16 / 256 (= 2^(2^n))", heights),
            ("the witness word (24 and 256 symbols)", lambda: f"the witness word ({witness_lengths((1, 2)).replace(' / ', ' and ')} symbols)"),
            ("The n = 4 witness word (6,291,456 symbols)", lambda: f"The n = 4 witness word ({witness_lengths((4,))} symbols)"),
            ("accepts the witness words of 24 / 256 / 10,240 symbols",
             lambda: f"accepts the witness words of {witness_lengths((1, 2, 3))} symbols"),
            ("(360,360 graphs for n = 6)", lambda: f"({n_(tut.istree_lists(6))} graphs for n = 6)"),
            ("# all 279,936 inputs", lambda: f"# all {n_(tut.inputs('index', 6))} inputs"),
            ("# all 49,152 inputs", lambda: f"# all {n_(tut.inputs('index-binary', 12))} inputs"),
            ("log2 C(15, 7) ≈ 12.65 bits", tut.counting_bound),
            ("13 layers (8 attention with ≤ 5 exact hard heads, 5 ReLU), width 61, 825 non-zero integer core weights",
             istree_core),
            ("# all 360,360 edge lists", lambda: f"# all {n_(tut.istree_lists(6))} edge lists"),
            ("# 39,070,080 lists on Dask", lambda: f"# {n_(tut.istree_lists(7))} lists on Dask"),
            ("like 4·2^n units", lambda: tut.witness_rnn_units().replace("about 4·2^n one-bit units", "like 4·2^n units")),
            ("minimal complete DFA: 3 states", ltl_a_s_b),
            ("counter n = 1, 2, 3 → DAG 73, 93, 115", lambda: "counter n = 1, 2, 3 → " + tut.counter_ltl_dags())),
    *claims(DOC, "full",
            ("all 17 instances of the suite (`succinct suite`): non-empty exactly when the solver finds a solution, "
             "reference DFA = interpreter = both UHATs on every word checked, and the programs of 6 of the 7 "
             "unsolvable instances proved empty", suite_counts),
            ("47 / 1,146 / 226,862 states for n = 1 / 2 / 3",
             lambda: tut.witness_dfas().replace("(", "").replace(" minimal", " states for n = 1 / 2 / 3")),
            ("(3n + 35 attention layers)", tut.packed_witness_layers),
            ("R(N) = 2^(N−1) − 1 + [N ≥ 5]", istree_formulas),
            ("4 states = (ab)+ = MONA's; Prop 16: 8 B-RASP ops", lambda: ltl_example1()[0]),
            ("(5 attention), UHAT packed 16 layers / paper 57, all words ≤ 6 AGREE", lambda: ltl_example1()[1]),
            ("formula tree 21,728,891 nodes,", lambda: dyck_prop13()[0]),
            ("DAG 741; its DFA = the reference DFA (5 states)", lambda: dyck_prop13()[1]),
            ("300 seeded random formulas: our DFA = MONA's, 0 differences", ltl_random),
            ("11, 287, 4,847, 75,743, 1,171,535 nodes at 6–30 packed layers", nested_trees),
            ("tree ≈1.8·10^18 nodes, DAG 241,436: DFA not attempted (exit 3)", counter_ltl_of),
            ("10, 44, 760 rows for n = 1, 2, 3 (60, 704, 30,400 symbols) — with the same 70 tiles and 91, 94, 97 "
             "program operations", tm_counter),
            ("for Dyck the UHAT grows ×9.2 while the RNN bound grows ×3.9 — no gap; for L_n the UHAT grows ×1.5 "
             "while the bound grows ×13.1 — the exponential gap", dyck_beside),
            ("The packed UHAT grows linearly in D (5D + 2 attention-or-affine layers, constant width), the stack "
             "RNN linearly (2D + 1 units; its dense parameters quadratically), the minimal DFA like 2^(D+1)",
             dyck_table_forms)),
]
