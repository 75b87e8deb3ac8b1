"""The numbers of docs/results.md's second half (retrieval, IsTree, LTL, scale), each regenerated.

Part of docs/claims_results.py (split to keep each file short); loaded through it.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache

from claim_tools import Claim, claims, cli, commas, holds_from, line_with, n_, qualifier, slash

DOC = "docs/results.md"

# --------------------------------------------------------------------------- retrieval

_VERIFIED = (("index-binary", "index-binary", 12, 49152), ("index (over [n])", "index", 6, 279936),
             ("ar (m = 4 keys)", "ar", 8, 393216), ("cgram (c = 2)", "cgram", 5, 9225),
             ("counting (k = n)", "counting", 5, 93750), ("index-binary", "index-binary", 16, 1048576),
             ("cgram (c = 2)", "cgram", 6, 167436), ("cgram3 (c = 3)", "cgram3", 6, 179316),
             ("counting (k = n)", "counting", 6, 1959552))


def valid_inputs(name: str, n: int) -> int:
    """Valid inputs of a retrieval task's input space (c-gram has invalid rows), counted in batches."""
    from tasks.retrieval import retrieval_task
    from tasks.retrieval_base import BATCH_MAX

    task = retrieval_task(name, n)
    total, step, count = task.input_space(), max(1, BATCH_MAX // (4 * task.input_length)), 0
    for lo in range(0, total, step):
        count += int(task.encode_inputs(lo, min(total, lo + step))[1].sum())
    return count


def verified_row(label: str, name: str, n: int) -> str:
    return f"| {label} | {n} | {n_(valid_inputs(name, n))} |"


_SIZES = (("index", 8), ("index", 64), ("index", 1024), ("index", 65536), ("ar", 64), ("ar", 65536),
          ("cgram", 64), ("cgram", 65536), ("counting", 8), ("counting", 64), ("counting", 65536))


def sizes_table() -> str:
    from claim_tools import retrieval_row
    from constructions.exact import down2, up2

    lines = []
    for name, n in _SIZES:
        r = retrieval_row(name, n)
        beta = ("– (average head)" if (name, n) == ("counting", 8) else "–") if r.beta_min is None else (
            "none in float64" if r.beta_min == math.inf else up2(r.beta_min))  # rounded up: still admissible
        if r.lb_how == "≥ n!":
            lb = f"≥ {down2(r.lb_bits)}" + (" (n!)" if n == 64 else "")  # rounded down: still a bound
        else:
            lb = n_(int(r.lb_bits)) if r.lb_bits == int(r.lb_bits) else down2(r.lb_bits)
        lines.append(f"| {name} | {n_(n)} | {r.layers} | {r.heads} | {r.width} | {r.core_params} | {r.bits} | {beta} | "
                     f"{lb} | {n_(r.rnn_state_bits)} | {r.rag_state_bits} |")
    return "\n".join(lines)


def hybrid_sentence() -> str:
    from constructions.library.retrieval_hybrid import hybrid_size
    from tasks.retrieval import retrieval_task

    def units(name: str) -> int:
        values = {hybrid_size(retrieval_task(name, n)).units for n in (16, 256, 4096)}
        assert len(values) == 1
        return values.pop()

    per_unit = [1 + ((n + 1) ** 2).bit_length() for n in (16, 256, 4096)]
    for name in ("index", "ar", "cgram", "cgram3", "counting"):
        assert [hybrid_size(retrieval_task(name, n)).state_bits for n in (16, 256, 4096)] == [units(name) * b for b in per_unit]

    def bits(name: str) -> str:
        return slash(hybrid_size(retrieval_task(name, n)).state_bits for n in (16, 256, 4096))

    return (f"State units constant (Index {units('index')}, AR {units('ar')}, c-gram {units('cgram')} / {units('cgram3')}, "
            f"Counting {units('counting')}), bits per unit 1 + bl((n + 1)²) ≈ 2·log2 n + 2: state bits at n = 16 / 256 / "
            f"4,096 — Index {bits('index')}, AR {bits('ar')}, Counting {bits('counting')}.")


def cgram_rows() -> str:
    from tasks.retrieval import retrieval_task
    from tasks.retrieval_bounds import count_rows

    return (f"c-gram (no closed form): {slash(count_rows(retrieval_task('cgram', n)) for n in range(2, 8))} rows for "
            f"n = 2..7 (c = 2)")


def lemma_count() -> str:
    from proofs_check.retrieval_proofs import LEMMAS

    return f"the read-out — {sum(len(v) for v in LEMMAS.values())} lemmas"


# --------------------------------------------------------------------------- IsTree


def istree_core() -> str:
    from constructions.library.istree_uhat import istree_uhat
    from tasks.istree import IsTreeTask

    seen = set()
    for n in (3, 8, 64):
        net = istree_uhat(IsTreeTask(n))
        s = net.size()
        core = [m for layer in net.layers for m in layer.maps()]
        nnz, wmax = sum(m.nonzeros for m in core), max(abs(v) for m in core for _, _, v in m.entries)
        seen.add((s.layers, s.uha_layers, s.heads, s.relu_layers, s.max_width, nnz, int(wmax)))
    assert len(seen) == 1
    layers, uha, heads, relu, width, nnz, wmax = seen.pop()
    return (f"{layers} layers ({uha} attention, ≤ {heads} exact hard heads; {relu} ReLU), width {width}, {nnz} non-zero "
            f"integer core weights (|w| ≤ {wmax})")


def istree_row(n: int) -> str:
    """A row of the every-edge-list table: edge lists, trees (networkx), the longest reference CoT."""
    from tasks.istree import IsTreeTask

    task = IsTreeTask(n)
    edges = task.encode_inputs(0, task.input_space())
    longest = int((task.cots(edges) >= 0).sum(axis=1).max())
    trees = int(task.trees(edges).sum())
    if n == 6:
        assert trees == 6**4 * math.factorial(5)
        return f"| {n} | {n_(len(edges))} | {n_(trees)} (= 6^4·5!) | {longest} |"
    return f"| {n} | {n_(len(edges))} | {n_(trees)} | {longest} |"


def istree_demo_stride() -> str:
    from tasks.istree import IsTreeTask

    total = IsTreeTask(6).input_space()
    stride = -(-total // 20_000)  # s = ⌈N/20,000⌉ (proofs_check.istree_check)
    return f"every {stride}th ({n_(len(range(0, total, stride)))} each)"


def istree_n8() -> str:
    from tasks.istree import IsTreeTask

    total = IsTreeTask(8).input_space()
    return f"{total / 1e9:.2f}·10⁹ edge lists"


def istree_counts_n7() -> str:
    """Labelled trees on 7 vertices by networkx over every edge set, times the 6! edge orders."""
    import itertools

    import networkx as nx

    from tasks.istree import IsTreeTask

    pairs = list(itertools.combinations(range(7), 2))
    trees = sum(nx.is_tree(nx.Graph(es)) and len({v for e in es for v in e}) == 7
                for es in itertools.combinations(pairs, 6))
    total = trees * math.factorial(6)
    assert total == 7**5 * math.factorial(6) and IsTreeTask(7).input_space() == math.comb(21, 6) * math.factorial(6)
    return f"{n_(total)} = 7^5·6!"


def istree_rnn_bits() -> str:
    from constructions.library.istree_rnn import rnn_state_bits

    assert holds_from(lambda n: (n + 11) * math.ceil(math.log2(n)), rnn_state_bits, range(2, 10)) == 2
    return f"(n + 11)·⌈log2 n⌉ bits ({rnn_state_bits(64)} at n = 64)"


def istree_rag_bits() -> str:
    from constructions.library.istree_rag import rag_state_bits

    assert holds_from(lambda n: (3 * n - 1).bit_length() + 6 * n.bit_length() + 6, rag_state_bits, range(2, 10)) == 2
    return f"bl(3n − 1) + 6·bl(n) + 6 bits ({rag_state_bits(64)} at n = 64)"


def istree_rag_cot() -> str:
    from constructions.library.istree_rag import rag_cot_bounds, rag_query_bounds

    ns = range(2, 10)
    tokens = holds_from(lambda n: 37 * n - 24, lambda n: rag_cot_bounds(n)[1], ns)
    searches = holds_from(lambda n: 6 * n - 4, lambda n: rag_query_bounds(n)[1], ns)
    assert tokens == searches
    least = {n: (rag_cot_bounds(n)[0], rag_query_bounds(n)[0]) for n in ns}
    n0 = min(n for n in ns if all(least[m] == least[ns[-1]] for m in ns if m >= n))
    t, q = least[ns[-1]]
    return (f"a tree: exactly 37n − 24 tokens, 6n − 4 searches; {t} tokens / {q} searches at the least (n ≥ {n0})"
            if tokens == 2 else "the closed forms fail for small n")


def hybrid_longest() -> str:
    from constructions.library.istree_hybrid import reference_cot
    from tasks.istree import IsTreeTask

    longest = []
    for n in range(2, 7):
        task = IsTreeTask(n)
        edges = task.encode_inputs(0, task.input_space()).tolist()
        longest.append(max(len(reference_cot(n, [tuple(e) for e in row])) for row in edges))
    return f"longest {slash(longest)} for n = 2..6"


def istree_bounds() -> str:
    from tasks.istree_bounds import check_fooling, closed_form_fooling, closed_form_rows, count_rows

    rows = [count_rows(n) for n in range(2, 9)]
    assert rows == [closed_form_rows(n) for n in range(2, 9)]
    assert holds_from(lambda n: 2 ** (n - 1) - 1 + (n >= 5), count_rows, range(2, 9)) == 2
    fooling = [check_fooling(n) for n in range(2, 8)]
    assert fooling == [closed_form_fooling(n) for n in range(2, 8)]
    f0 = holds_from(lambda n: 2 ** (n - 3) + (n >= 5) if n >= 3 else -1, check_fooling, range(2, 8))
    return (f"R(n) = {commas(rows)} for n = 2..8 = 2^(n−1) − 1 + [n ≥ 5]; the proved fooling sets for valid inputs: "
            f"{commas(fooling)} for n = 2..7 (= 2^(n−3) + [n ≥ 5] for n ≥ {f0}), each pair checked. At n = 64: "
            f"{round(math.log2(closed_form_rows(64)))} bits (rows), {math.floor(math.log2(closed_form_fooling(64)))} "
            f"bits (fooling set).")


# --------------------------------------------------------------------------- LTL


def prop13_presets() -> str:
    lines = []
    for preset in ("dyck1-depth2", "stair3", "ab-plus", "b-prec-a-nosucc-c"):
        for form in ("packed", "paper"):
            code, out = cli("ltl-of", preset, "--form", form)
            head = line_with(out, f"UHAT {form}:")
            layers = int(re.search(r"(\d+) layers", head).group(1))
            vectors = max(int(v) for v in line_with(out, "vectors per layer").split(":")[1].split(","))
            tree, dag = re.search(r"tree ([\d,]+) nodes, DAG ([\d,]+)", out).groups()
            states = re.search(r"its DFA: (\d+) states, the language of", out)
            assert code == 0 and states is not None
            lines.append(f"| {preset} | {form} | {layers} | {vectors} | {tree} | {dag} | {states.group(1)} |")
    return "\n".join(lines)


def nested_since(k: int) -> str:
    text = "a"
    for _ in range(k):
        text = f"b S {text}" if text == "a" else f"b S ({text})"
    return text


def prop13_growth() -> str:
    lines = []
    for k in range(1, 7):
        code, out = cli("ltl", nested_since(k), "--round-trip")
        cells = []
        for form in ("packed", "paper"):
            m = re.search(rf"via UHAT {form} \((\d+) layers\): Prop 13 formula tree ([\d,]+), DAG ([\d,]+); its DFA "
                          rf"\d+ states: the same language", out)
            assert code == 0 and m is not None, out
            cells += list(m.groups())
        lines.append(f"| {k} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def ltl_column(n: int) -> str:
    from automata.ltl.formula import dag_size, size, temporal_count
    from automata.ltl.to_dfa import ltl_to_dfa
    from constructions.library.brasp_ltl import brasp_to_ltl
    from tasks.counter import CounterTask

    from claim_tools import family_member

    f = brasp_to_ltl(family_member("counter", n, "full")[1])
    row = f"| {n} | {dag_size(f)} | {temporal_count(f)} | {n_(size(f))} | "
    if n == 6:
        return row + "— |"
    dfa = ltl_to_dfa(f, CounterTask(n).alphabet)
    return row + f"{dfa.num_states} states, " + ("equal" if dfa.equivalent(CounterTask(n).reference_dfa()) is None else "DIFFERENT")


def temporal_ops() -> str:
    from automata.ltl.formula import temporal_count
    from constructions.library.brasp_ltl import brasp_to_ltl

    from claim_tools import family_member

    n0 = holds_from(lambda n: 3 * n + 14, lambda n: temporal_count(brasp_to_ltl(family_member("counter", n, "full")[1])))
    return f"Temporal operators 3n + 14 ({qualifier(n0)})"


def ltl_bounds() -> str:
    from proofs_check.table import ltl_temporal_lower_bound
    from tasks.counter import CounterTask
    from tasks.tiling import TilingTask
    from tasks.tiling_witness import counter_witness, expected_witness_length

    counter = [ltl_temporal_lower_bound(CounterTask(n).shortest_length(), 6) for n in range(1, 5)]
    sigma = len(TilingTask(counter_witness(1)).alphabet)
    witness = [ltl_temporal_lower_bound(expected_witness_length(n), sigma) for n in range(1, 5)]
    at16 = ltl_temporal_lower_bound(expected_witness_length(16), sigma)
    assert at16 >= 2**16
    return (f"is {commas(counter)} for n = 1..4 (shortest 2^n(n + 2) over 6 letters). For the strict tiling witness "
            f"the lower bound is ≥ {commas(witness)} temporal operators for n = 1..4 and ≥ 2^16 at n = 16")


# --------------------------------------------------------------------------- scale


@lru_cache(maxsize=None)
def counter16() -> tuple[int, int]:
    from tasks.counter import counter_dfa

    built = counter_dfa(16)
    return built.num_states, built.minimise().num_states


def witness_explored() -> str:
    from tasks.tiling import TilingTask
    from tasks.tiling_witness import counter_witness

    explored = [TilingTask(counter_witness(n)).reference().explore().num_states for n in (1, 2, 3)]
    return f"explored sizes {slash(explored)} for N = 1..3"


def dyck_sizes() -> str:
    """The closed forms of results.md's Dyck paragraph, checked on the built networks and DFAs."""
    from proofs_check.registry import family
    from proofs_check.table import size_table

    rows = size_table(family("dyck"), list(range(1, 9)), "2")
    assert all(r.packed.uha_layers == 5 * r.n + 2 and r.packed.params == 1300 * r.n - 191 for r in rows)  # type: ignore[union-attr]
    assert {r.packed.max_width for r in rows[1:]} == {10}  # type: ignore[union-attr]
    assert all(r.paper.layers - rows[0].paper.layers == 39 * (r.n - 1) for r in rows)  # type: ignore[union-attr]
    assert all(r.rnn[0] == 2 * r.n + 1 for r in rows)  # type: ignore[index]
    assert all(r.cells["dfa_rnn_units"] == n_(2 ** (r.n + 2) - 3) for r in rows)
    assert all(r.dfa_states == 2 ** (r.n + 1) + 1 for r in rows)
    assert all(r.cells["ub_ltl"].startswith(f"{21 * r.n + 6} (") for r in rows)
    big = size_table(family("dyck"), [6, 7, 8], "8", paper_max_n=0)
    assert all(r.packed.max_width == 28 and r.packed.params == 10216 * r.n + 73 for r in big)  # type: ignore[union-attr]
    assert all(r.rnn[0] == 4 * r.n + 1 for r in big)  # type: ignore[index]
    assert [r.dfa_states for r in big] == [299595, None, None] and [r.lb_dfa for r in big][1:] == [2396747, 19173963]
    return ("the packed UHAT has 5D + 2 UHA layers, width 10 (D ≥ 2) and 1,300·D − 191 parameters — linear; "
            "the paper-faithful network ≈ 39 layers per depth; the stack RNN 2D + 1 units; the one-hot DFA RNN "
            "2^(D+2) − 3 units; the minimal DFA 2^(D+1) + 1 states")


CLAIMS: list[Claim] = [
    *claims(DOC, "quick",
            *((f"| {label} | {n} | {n_(inputs)} |", (lambda a=label, b=name, c=n: verified_row(a, b, c)))
              for label, name, n, inputs in _VERIFIED if inputs < 300_000),
            ("the read-out — 13 lemmas", lemma_count),
            ("State units constant (Index 4, AR 9, c-gram 7 / 9, Counting 9), bits per unit 1 + bl((n + 1)²) ≈ "
             "2·log2 n + 2: state bits at n = 16 / 256 / 4,096 — Index 40 / 72 / 104, AR 90 / 162 / 234, Counting "
             "90 / 162 / 234.", hybrid_sentence),
            ("13 layers (8 attention, ≤ 5 exact hard heads; 5 ReLU), width 61, 825 non-zero integer core weights "
             "(|w| ≤ 5)", istree_core),
            ("(n + 11)·⌈log2 n⌉ bits (450 at n = 64)", istree_rnn_bits),
            ("bl(3n − 1) + 6·bl(n) + 6 bits (56 at n = 64)", istree_rag_bits),
            ("a tree: exactly 37n − 24 tokens, 6n − 4 searches; 13 tokens / 2 searches at the least (n ≥ 4)",
             istree_rag_cot),
            ("every 19th (18,967 each)", istree_demo_stride),
            ("5.97·10⁹ edge lists", istree_n8),
            ("is 0, 2, 3, 4 for n = 1..4 (shortest 2^n(n + 2) over 6 letters). For the strict tiling witness the "
             "lower bound is ≥ 1, 4, 9, 19 temporal operators for n = 1..4 and ≥ 2^16 at n = 16", ltl_bounds)),
    *claims(DOC, "full",
            *((f"| {label} | {n} | {n_(inputs)} |", (lambda a=label, b=name, c=n: verified_row(a, b, c)))
              for label, name, n, inputs in _VERIFIED if inputs >= 300_000),
            ("| index | 8 | 1 | 1 | 5 | 94 | 9 | 8.44 | 24 | 60 | 9 |\n"
             "| index | 64 | 1 | 1 | 5 | 94 | 15 | 14.58 | 384 | 792 | 15 |\n"
             "| index | 1,024 | 1 | 1 | 5 | 94 | 23 | 22.88 | 10,240 | 20,520 | 23 |\n"
             "| index | 65,536 | 1 | 1 | 5 | 94 | 35 | 35.65 | 1,048,576 | 2,097,216 | 35 |\n"
             "| ar | 64 | 2 | 1 | 10 | 560 | 15 | 15.24 | 192 | 931 | 14 |\n"
             "| ar | 65,536 | 2 | 1 | 10 | 560 | 35 | 57.38 | 524,288 | 2,228,309 | 34 |\n"
             "| cgram | 64 | 2 | 1 | 8 | 386 | 21 | 19.43 | ≥ 295.99 (n!) | 1,792 | 15 |\n"
             "| cgram | 65,536 | 2 | 1 | 8 | 386 | 51 | none in float64 | ≥ 954,036.86 | 4,456,448 | 35 |\n"
             "| counting | 8 | 3 | 1 | 12 | 766 | 9 | – (average head) | 12.65 | 60 | 13 |\n"
             "| counting | 64 | 3 | 1 | 12 | 766 | 15 | – | 123.17 | 497 | 22 |\n"
             "| counting | 65,536 | 3 | 1 | 12 | 766 | 35 | – | 131,062.17 | 1,114,231 | 52 |", sizes_table),
            ("c-gram (no closed form): 4 / 18 / 132 / 1,175 / 12,345 / 148,225 rows for n = 2..7 (c = 2)", cgram_rows),
            *((text, (lambda k=k: istree_row(k))) for k, text in enumerate((
                "| 2 | 1 | 1 | 5 |", "| 3 | 6 | 6 | 7 |", "| 4 | 120 | 96 | 9 |", "| 5 | 5,040 | 3,000 | 11 |",
                "| 6 | 360,360 | 155,520 (= 6^4·5!) | 13 |"), start=2)),
            ("12,101,040 = 7^5·6!", istree_counts_n7),
            ("longest 13 / 25 / 37 / 50 / 63 for n = 2..6", hybrid_longest),
            ("R(n) = 1, 3, 7, 16, 32, 64, 128 for n = 2..8 = 2^(n−1) − 1 + [n ≥ 5]; the proved fooling sets for valid "
             "inputs: 1, 1, 2, 5, 9, 17 for n = 2..7 (= 2^(n−3) + [n ≥ 5] for n ≥ 3), each pair checked. At n = 64: "
             "63 bits (rows), 61 bits (fooling set).", istree_bounds),
            ("| dyck1-depth2 | packed | 23 | 60 | 21,728,891 | 741 | 5 |\n"
             "| dyck1-depth2 | paper | 52 | 64 | 3,820,486,919 | 2,066 | 5 |\n"
             "| stair3 | packed | 12 | 9 | 13,671 | 99 | 4 |\n| stair3 | paper | 27 | 12 | 36,625 | 123 | 4 |\n"
             "| ab-plus | packed | 11 | 18 | 7,645 | 127 | 4 |\n| ab-plus | paper | 27 | 9 | 3,891 | 67 | 4 |\n"
             "| b-prec-a-nosucc-c | packed | 8 | 18 | 30,419 | 150 | 3 |\n"
             "| b-prec-a-nosucc-c | paper | 15 | 23 | 91,259 | 170 | 3 |", prop13_presets),
            ("| 1 | 6 | 11 | 6 | 12 | 11 | 6 |\n| 2 | 12 | 287 | 36 | 23 | 287 | 36 |\n"
             "| 3 | 18 | 4,847 | 81 | 34 | 13,855 | 128 |\n| 4 | 24 | 75,743 | 126 | 45 | 1,862,399 | 472 |\n"
             "| 5 | 30 | 1,171,535 | 171 | 56 | 879,000,319 | 1,800 |\n"
             "| 6 | 36 | 18,098,495 | 216 | 67 | 1,556,278,479,359 | 7,016 |", prop13_growth),
            *((text, (lambda k=k: ltl_column(k))) for k, text in enumerate((
                "| 1 | 73 | 17 | 432 | 11 states, equal", "| 2 | 93 | 20 | 1,058 | 30 states, equal",
                "| 3 | 115 | 23 | 2,449 | 77 states, equal", "| 4 | 138 | 26 | 4,905 | 188 states, equal",
                "| 5 | 162 | 29 | 8,726 | 443 states, equal", "| 6 | 187 | 32 | 14,212 | — |"), start=1)),
            ("Temporal operators 3n + 14 (n ≥ 1)", temporal_ops),
            ("(3,538,913 states)", lambda: f"({n_(counter16()[0])} states)"),
            ("minimised to 2,359,280", lambda: f"minimised to {n_(counter16()[1])}"),
            ("explored sizes 73 / 2,113 / 475,681 for N = 1..3", witness_explored),
            ("the packed UHAT has 5D + 2 UHA layers, width 10 (D ≥ 2) and 1,300·D − 191 parameters — linear; "
             "the paper-faithful network ≈ 39 layers per depth; the stack RNN 2D + 1 units; the one-hot DFA RNN "
             "2^(D+2) − 3 units; the minimal DFA 2^(D+1) + 1 states", dyck_sizes)),
]
