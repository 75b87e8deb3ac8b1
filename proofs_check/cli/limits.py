"""Limits as data: per command and option, the range the CLI accepts and what its upper end costs.

Each limit is the constant the code enforces, imported from where it lives (so this table cannot drift
from the checks: ``tests/proofs_check/test_limits.py`` drives every CLI limit one past its end and expects
the one-line refusal). The costs were measured on the reference machine (2 cores, 24 GiB, no GPU);
``succinct limits`` prints the table, docs/architecture.md points here.
"""
from __future__ import annotations

from dataclasses import dataclass

from automata.errors import ParameterError


@dataclass(frozen=True)
class Limit:
    command: str
    option: str
    lo: int
    hi: int
    cost: str  # what the upper end costs (or why the bound is where it is)

    def check(self, value: int) -> int:
        """``value`` if it lies in lo..hi, else one :class:`ParameterError` stating the range and the cost."""
        if isinstance(value, bool) or not isinstance(value, int) or not self.lo <= value <= self.hi:
            raise ParameterError(f"{self.option} must lie in {self.lo:,}..{self.hi:,}, got {value!r} "
                                 f"({self.cost})")
        return value


# Bounds that live here because no module below owns them.
SUITE_MAX_LEN = 64
SUITE_MAX_ROWS = 64
SUITE_MAX_BUDGET = 300_000
WITNESS_MAX_CORRUPTIONS = 100_000
WITNESS_MAX_WORKERS = 64
COUNTER_VERIFY_N_MAX = 16  # the largest n whose reference DFA fits tasks.counter.MAX_DFA_STATES


def limits() -> tuple[Limit, ...]:
    """Every limit of the CLI (imported lazily: some modules are heavy)."""
    from automata.ltl.syntax import MAX_PARENS
    from automata.ltl.syntax import MAX_TEXT as LTL_MAX_TEXT
    from constructions.brasp.syntax import MAX_NESTING, MAX_OPS, MAX_TEXT
    from constructions.brasp.trace import MAX_TRACE_LEN
    from constructions.uhat.trace import MAX_TRACE_WORK
    from proofs_check.cli.args import RANGE_MAX
    from proofs_check.dask_run import MAX_WORKERS
    from proofs_check.cli.draw import MAX_STATES
    from proofs_check.exhaustive import MAX_WORDS
    from proofs_check.latex import MAX_NONZEROS
    from proofs_check.long_word import MAX_N
    from proofs_check.mutation import MAX_MUTANTS
    from proofs_check.cli.ltl import MAX_COUNT, MAX_LEN
    from proofs_check.retrieval_check import MAX_INPUTS
    from proofs_check.sharding import MAX_SHARDS
    from proofs_check.registry import family
    from proofs_check.shard_checks import MAX_SHARDED_INPUTS
    from tasks.counter import MAX_DFA_STATES
    from tasks.dyck import MAX_DFA_STATES as DYCK_MAX_DFA_STATES
    from tasks.tm import MAX_TEXT as TM_MAX_TEXT
    from proofs_check.cli.tm import MAX_BUDGET as TM_MAX_BUDGET, MAX_STEPS as TM_MAX_STEPS, N_MAX as TM_N_MAX

    return (
        Limit("verify", "--max-len (words of length 1..L)", 1, MAX_WORDS,
              "words in one process: ≈ 7 min for the counter n = 1 through all six recognisers"),
        Limit("verify", "--shards (inputs in all)", 1, MAX_SHARDED_INPUTS,
              "the sharded index space; its time is the single-process time divided by the workers"),
        Limit("verify", "--shards", 1, MAX_SHARDS, "shard files in one results directory"),
        Limit("verify", "--workers", 1, MAX_WORKERS, "local Dask worker processes"),
        Limit("verify", "retrieval inputs without --sample", 1, MAX_INPUTS,
              "every input of a retrieval task; beyond it, --sample K"),
        Limit("verify", "-n (counter)", 1, COUNTER_VERIFY_N_MAX,
              f"the reference DFA: n = 16 has ≈ 3.5M reachable states (≤ {MAX_DFA_STATES:,}), ≈ 4 min and 1.4 GiB "
              "on a loaded machine with every recogniser; n ≥ 17 is refused at once"),
        Limit("verify", "-k, -D (dyck): minimal DFA states", 1, DYCK_MAX_DFA_STATES,
              "(k^(D+1) − 1)/(k − 1) + 2 states, known before any work: k = 2 reaches D = 16 (131,073), "
              "k = 8 stops at D = 6 (299,595; D = 7 has 2,396,747 and is refused at once)"),
        Limit("accepts", "-n (counter)", 1, family("counter").n_max,
              "no automaton is built; n = 20 takes ≈ 6 min and 1.2 GiB on a loaded machine (both UHATs "
              "compiled and audited)"),
        Limit("mutate", "--count", 1, MAX_MUTANTS, "each mutant is an exhaustive check of its own"),
        Limit("suite", "--max-len", 1, SUITE_MAX_LEN, "a cap; the words actually checked are set by --budget"),
        Limit("suite", "--max-rows", 1, SUITE_MAX_ROWS, "a cap; the encodings actually checked are set by --budget"),
        Limit("suite", "--budget", 1, SUITE_MAX_BUDGET,
              "words per set and instance: the default 30,000 takes ≈ 4 min for all 17 instances, the most ≈ 10× that"),
        Limit("witness-word", "-n", 1, MAX_N, "n = 4 is 6,291,456 symbols; n = 5 would be ≈ 9.6·10^11"),
        Limit("witness-word", "--corruptions", 0, WITNESS_MAX_CORRUPTIONS,
              "each corruption re-runs four recognisers from the last checkpoint"),
        Limit("witness-word", "--workers", 1, WITNESS_MAX_WORKERS, "forked processes for the corruptions"),
        Limit("table", "-n (values in LO..HI)", 1, RANGE_MAX, "values in one range (each family bounds n itself)"),
        Limit("show --what latex", "non-zero weights", 1, MAX_NONZEROS,
              "counter n = 6 paper (35,885) prints as 159 pages; n = 7 (60,126) is refused after compiling, "
              "n ≥ 14 before (a lower bound from the program: n = 14 ≥ 50,602)"),
        Limit("trace", "WORD (symbols)", 1, MAX_TRACE_LEN, "the trace is quadratic in the word"),
        Limit("trace", "layers × width × symbols²", 1, MAX_TRACE_WORK,
              "the exact run: ≈ 1 min (counter n = 1 paper on 256 symbols: 372M; tiling witness paper: ≤ 22 symbols)"),
        Limit("draw", "--max-states", 1, MAX_STATES, "Graphviz lays out a few thousand states in minutes"),
        Limit("program", "characters", 1, MAX_TEXT, "program text"),
        Limit("program", "operations", 1, MAX_OPS, "the paper-faithful compiler: ≈ 2 min for 1,000 (≈ O(ops²))"),
        Limit("program", "nesting of ( and ¬", 1, MAX_NESTING, "every recursive pass over formulas fits"),
        Limit("tm", "-n", 1, TM_N_MAX, "tiling rows of 2^n cells; the counter machine's run has ≈ 2^(2^n) rows "
              "(n = 3: 760 rows, --verify ≈ 1.5 min), so from n = 4 on it stops at --max-steps"),
        Limit("tm", "--max-steps", 1, TM_MAX_STEPS, "simulator steps, each a configuration of 2^n cells"),
        Limit("tm", "--budget", 0, TM_MAX_BUDGET, "words per exhaustive set of --verify"),
        Limit("tm", "characters", 1, TM_MAX_TEXT, "machine description text"),
        Limit("ltl", "characters", 1, LTL_MAX_TEXT, "formula text"),
        Limit("ltl", "nesting of parentheses", 1, MAX_PARENS, "the parser does not recurse"),
        Limit("ltl", "--max-len", 1, MAX_LEN, "|Σ|^L words through Prop 16's UHATs"),
        Limit("verify ltl-random", "--count", 1, MAX_COUNT, "random formulas, each against MONA"),
    )


def find(command: str, option: str) -> Limit:
    for lim in limits():
        if lim.command == command and lim.option == option:
            return lim
    raise KeyError((command, option))


def render() -> str:
    rows = [("command", "option", "allowed", "cost at the upper end (2 cores, 24 GiB)")]
    rows += [(lim.command, lim.option, f"{lim.lo:,}..{lim.hi:,}", lim.cost) for lim in limits()]
    widths = [max(len(r[k]) for r in rows) for k in range(3)]
    return "\n".join(f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:>{widths[2]}}  {d}" for a, b, c, d in rows) + "\n"


__all__ = ["Limit", "find", "limits", "render"]
