"""The numbers in the prose of docs/tutorial.md and README.md, each regenerated from the library.

Loaded by docs/check_numbers.py; the transcripts and command-output tables are checked there directly.
Many numbers occur in both documents: one function regenerates them for both.
"""
from __future__ import annotations

import math

from claim_tools import Claim, claims, commas, compiled, family_member, holds_from, n_, qualifier, slash

TUT, README = "docs/tutorial.md", "README.md"


def paper_layers() -> str:
    n0 = holds_from(lambda n: 9 * n * n + 25 * n + 110, lambda n: compiled("counter", n, "full", False).size().layers)
    return f"9n² + 25n + 110 layers ({qualifier(n0)}, full variant)"


def counter_precision() -> str:
    from constructions.uhat.precision import precision_audit

    paper, packed = (precision_audit(compiled("counter", 2, "full", p)) for p in (False, True))
    assert paper.exact("bfloat16") and packed.exact("bfloat16")
    return f"magnitude ≤ {paper.max_abs} (paper) or ≤ {packed.max_abs} (packed)"


def words_up_to_8() -> str:
    return f"All {n_(sum(6**k for k in range(1, 9)))} words of length ≤ 8"


def counter_dfas() -> str:
    from tasks.counter import CounterTask

    return f"({commas(CounterTask(n).reference_dfa().num_states for n in range(1, 7))} states for n = 1..6)"


def counter_rnn_units() -> str:
    from constructions.library.counter_rnn import counter_rnn

    n0 = holds_from(lambda n: 6 * n + 3, lambda n: counter_rnn(n).size().units)
    assert n0 == 1 and {counter_rnn(n).size().precision for n in range(1, 7)} == {1}
    return "the structured RNN has 6n + 3 units of 1 bit"


def packed_witness_layers() -> str:
    from constructions.library.tiling_sizes import packed_partial

    n0 = holds_from(lambda n: 3 * n + 35, lambda n: compiled("tiling-witness", n, "strict", True).size().uha_layers,
                    range(1, 4))
    assert n0 == 1 and all(packed_partial(n).uha_layers == 3 * n + 35 for n in range(2, 17))  # refuses n = 1
    return "(3n + 35 attention layers)"


def witness_dfas() -> str:
    from tasks.tiling import TilingTask
    from tasks.tiling_witness import counter_witness

    return f"({slash(TilingTask(counter_witness(n)).reference_dfa().num_states for n in (1, 2, 3))} minimal"


def witness_rnn_units() -> str:
    from constructions.library.tiling_rnn import tiling_rnn_size
    from tasks.tiling_witness import counter_witness

    inst = counter_witness(1)
    ratio = [tiling_rnn_size(n, inst).units / 2**n for n in (12, 14, 16)]  # D = 6n + 4·2^n + 18
    assert all(abs(r - 4) < 0.03 for r in ratio) and all(tiling_rnn_size(n, inst).precision == 1 for n in (1, 8, 16))
    return "about 4·2^n one-bit units"


def witness_word() -> str:
    from tasks.tiling_witness import expected_witness_height, expected_witness_length

    height, length = expected_witness_height(4), expected_witness_length(4)
    assert height == 2**16 and length == height * 16 * 6  # 16 cells of (bits + tile + #), THEORY §5
    return f"(2^16 rows of 16 cells: {n_(length)} symbols)"


def index_core() -> str:
    from constructions.library.retrieval_uhat import retrieval_uhat
    from tasks.retrieval import retrieval_task

    seen = {(s.layers, s.heads, s.max_width, s.core_params)
            for s in (retrieval_uhat(retrieval_task("index", n)).size() for n in (4, 64, 1024))}
    assert len(seen) == 1
    layers, heads, width, core = seen.pop()
    words = {1: "One"}
    return f"{words[layers]} layer, one head, width {width}, {core} core parameters whatever n is" if heads == 1 else "?"


def index_bound() -> str:
    from tasks.retrieval import retrieval_task
    from tasks.retrieval_bounds import closed_form_rows, log2_rows

    assert closed_form_rows(retrieval_task("index", 5)) == 5**5
    return f"n·log2 n bits ({round(log2_rows(retrieval_task('index', 64)))} at n = 64)"


def counting_bound() -> str:
    from tasks.retrieval import retrieval_task
    from tasks.retrieval_bounds import closed_form_rows, log2_rows

    task = retrieval_task("counting", 8)
    assert closed_form_rows(task) == math.comb(15, 7)
    return f"log2 C(15, 7) ≈ {log2_rows(task):.2f} bits"


def index_beta() -> str:
    from claim_tools import retrieval_row

    return (f"≈ {retrieval_row('index', 64).beta_min:.1f} at n = 64, {retrieval_row('index', 65536).beta_min:.1f} at "
            f"n = 65,536 for Index")


def inputs(name: str, n: int) -> int:
    from tasks.retrieval import retrieval_task

    return retrieval_task(name, n).input_space()


def istree_core() -> str:
    from constructions.library.istree_uhat import istree_uhat
    from tasks.istree import IsTreeTask

    net = istree_uhat(IsTreeTask(8))
    s = net.size()
    core = [m for layer in net.layers for m in layer.maps()]
    nnz, wmax = sum(m.nonzeros for m in core), max(abs(v) for m in core for _, _, v in m.entries)
    return (f"{s.layers} layers ({s.uha_layers} attention, ≤ {s.heads} hard heads each; {s.relu_layers} ReLU), width "
            f"{s.max_width}, {nnz} non-zero integer core weights of size ≤ {wmax}")


def istree_lists(n: int) -> int:
    from tasks.istree import IsTreeTask

    return IsTreeTask(n).input_space()


def rag_bits_1024() -> str:
    from constructions.library.istree_rag import rag_state_bits

    return f"bl(3n − 1) + 6·bl(n) + 6 bits ({rag_state_bits(1024)} at n = 1024)"


def hybrid_units() -> str:
    from constructions.library.istree_hybrid import istree_hybrid
    from tasks.istree import IsTreeTask

    units = {istree_hybrid(IsTreeTask(n)).rnn.dim for n in (3, 8)}
    assert len(units) == 1
    return f"a linear RNN with {units.pop()}"


def counter_ltl_dags() -> str:
    from automata.ltl.formula import dag_size
    from constructions.library.brasp_ltl import brasp_to_ltl

    return f"DAG {', '.join(str(dag_size(brasp_to_ltl(family_member('counter', n, 'full')[1]))) for n in (1, 2, 3))}"


CLAIMS: list[Claim] = [
    *claims(TUT, "quick",
            ("All 2,015,538 words of length ≤ 8", words_up_to_8),
            ("(11, 30, 77, 188, 443, 1,018 states for n = 1..6)", counter_dfas),
            ("the structured RNN has 6n + 3 units of 1 bit", counter_rnn_units),
            ("about 4·2^n one-bit units", witness_rnn_units),
            ("(2^16 rows of 16 cells: 6,291,456 symbols)", witness_word),
            ("One layer, one head, width 5, 94 core parameters whatever n is", index_core),
            ("n·log2 n bits (384 at n = 64)", index_bound),
            ("log2 C(15, 7) ≈ 12.65 bits", counting_bound),
            ("all 279,936 inputs", lambda: f"all {n_(inputs('index', 6))} inputs"),
            ("13 layers (8 attention, ≤ 5 hard heads each; 5 ReLU), width 61, 825 non-zero integer core weights "
             "of size ≤ 5", istree_core),
            ("all 360,360 edge lists", lambda: f"all {n_(istree_lists(6))} edge lists"),
            ("# 39,070,080 lists on Dask", lambda: f"# {n_(istree_lists(7))} lists on Dask"),
            ("bl(3n − 1) + 6·bl(n) + 6 bits (84 at n = 1024)", rag_bits_1024),
            ("DAG 73, 93, 115", counter_ltl_dags)),
    *claims(TUT, "full",
            ("9n² + 25n + 110 layers (n ≥ 2, full variant)", paper_layers),
            ("magnitude ≤ 2 (paper) or ≤ 23 (packed)", counter_precision),
            ("a linear RNN with 28", hybrid_units),
            ("(3n + 35 attention layers)", packed_witness_layers),
            ("(47 / 1,146 / 226,862 minimal", witness_dfas),
            ("≈ 14.6 at n = 64, 35.6 at n = 65,536 for Index", index_beta)),
]
