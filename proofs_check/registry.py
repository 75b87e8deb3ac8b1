"""The families the CLI knows: a task, its B-RASP program and its RNN, by name and parameters."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from automata.errors import ParameterError, UnknownNameError, shown
from constructions.brasp.program import Program
from constructions.rnn.model import RNNSize
from constructions.uhat.model import UHATSize
from tasks.base import Task


class UnknownTaskError(UnknownNameError):
    """A task name the CLI does not know."""


@dataclass(frozen=True)
class Family:
    name: str
    summary: str
    has_n: bool
    variants: tuple[str, ...]
    task: Callable[[int, str], Task]
    program: Callable[[int, str], Program]
    rnn: Callable[[int, str], object] | None  # structured RNN, if the family has one
    n_max: int = 20
    # optional hooks for the size table (proofs_check.table), used when present:
    rnn_size: Callable[[int, str], RNNSize] | None = None  # closed-form RNN size (else fam.rnn(n, v).size())
    shortest: Callable[[int, str], int] | None = None  # closed-form shortest word length (else the task's)
    dfa_max_n: int = 6  # the table computes exact minimal DFAs up to this n by default
    paper_size: Callable[[int, str], UHATSize | None] | None = None  # closed-form paper-faithful UHAT size
    paper_build_max_n: int | None = None  # above it the table uses paper_size instead of compiling
    n_name: str = "n"  # what n is called on the command line (-D for dyck, whose n is the depth D)
    variant_name: str | None = None  # set when the variant is the value of an integer parameter (-k for dyck)
    dfa_rnn: bool = False  # verify also the one-hot RNN of the minimal DFA (constructions.library.dfa_rnn)

    def label(self, n: int | None, variant: str) -> str:
        """How reports name a member: ``counter n=2 stream``, ``dyck k=2 D=3``, ``ab-plus``."""
        if self.variant_name:
            return f"{self.name} {self.variant_name}={variant} {self.n_name}={n}"
        return f"{self.name} n={n} {variant}" if self.has_n else self.name

    def title(self, variant: str) -> str:
        """How tables and pictures name the family with its variant: ``counter (full)``, ``dyck (k = 2)``."""
        return f"{self.name} ({self.variant_name} = {variant})" if self.variant_name else f"{self.name} ({variant})"

    def check(self, n: int | None, variant: str | None) -> tuple[int | None, str]:
        """(n, variant) validated and normalised: n in 1..n_max for a family with a parameter, None for
        one without (where any -n is refused, not ignored); the variant defaulted. Idempotent."""
        name = self.n_name
        if self.has_n:
            if n is None:
                raise ParameterError(f"{self.name} needs -{name} (1..{self.n_max})")
            if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= self.n_max:
                raise ParameterError(f"{self.name}: {name} = {shown(n)} is out of range 1..{self.n_max}")
        elif n is not None:
            raise ParameterError(f"{self.name} has no parameter n (got -n {shown(n)})")
        v = self.variants[0] if variant is None else variant  # '' is a bad variant, not the default
        if not isinstance(v, str) or v not in self.variants:
            if self.variant_name:
                raise ParameterError(f"{self.name}: {self.variant_name} = {v if isinstance(v, str) else shown(v)} is out of range "
                                     f"{self.variants[0]}..{self.variants[-1]}")
            raise ParameterError(f"{self.name}: unknown variant {shown(v)}; choose {', '.join(self.variants)}")
        return (n if self.has_n else None), v


CYCLIC_H = frozenset({("a", "b"), ("b", "c"), ("c", "a")})


def _counter(name: str = "counter", relation: frozenset[tuple[str, str]] | None = None) -> Family:
    from constructions.library.counter_brasp import counter_program
    from constructions.library.counter_rnn import counter_rnn
    from tasks.counter import DEFAULT_H, CounterTask

    h = DEFAULT_H if relation is None else relation
    pairs = ", ".join(f"{x}{y}" for x, y in sorted(h))
    return Family(
        name,
        f"binary counter of [BCL] Example 2: bin(0) x # bin(1) y # … with consecutive letters in H = {{{pairs}}}",
        True,
        ("full", "stream"),
        lambda n, v: CounterTask(n, v, h),
        lambda n, v: counter_program(n, v, h),
        lambda n, v: counter_rnn(n, v, relation=h),
    )


def _tiling_witness() -> Family:
    from constructions.library.tiling_brasp import tiling_program
    from constructions.library.tiling_rnn import tiling_rnn, tiling_rnn_size
    from constructions.library.tiling_sizes import paper_size_hook
    from tasks.tiling import N_MAX, TilingTask
    from tasks.tiling_witness import counter_witness, expected_witness_length

    return Family(
        "tiling-witness",
        "[BCL] Lemma 8 on the 17-tile 2^W-bit counter tiling (THEORY §5): shortest word (n+2)·2^n·2^(2^n)",
        True,
        ("strict", "as-stated"),
        lambda n, v: TilingTask(counter_witness(n, v)),
        lambda n, v: tiling_program(counter_witness(n, v)),
        lambda n, v: tiling_rnn(counter_witness(n, v)),
        n_max=N_MAX,
        rnn_size=lambda n, v: tiling_rnn_size(n, counter_witness(n, v)),  # closed form, no network built
        shortest=expected_witness_length,  # THEORY §5: (n+2)·2^n·2^(2^n) strict, 4·2^n·(n+2) as stated
        dfa_max_n=1,
        paper_size=paper_size_hook,  # exact closed forms (N ≥ 2), tested against the built networks
        paper_build_max_n=8,
    )


def _dyck() -> Family:
    from constructions.library.dyck_brasp import dyck_program
    from constructions.library.dyck_rnn import dyck_stack_rnn
    from tasks.dyck import D_MAX, K_MAX, DyckTask

    return Family(
        "dyck",
        "Dyck-(k, D): well-nested words over k bracket pairs, depth ≤ D (THEORY §9; -k K -D D, no exponential gap)",
        True,
        tuple(str(k) for k in range(1, K_MAX + 1)),
        lambda d, v: DyckTask(int(v), d),
        lambda d, v: dyck_program(int(v), d),
        lambda d, v: dyck_stack_rnn(int(v), d),
        n_max=D_MAX,
        dfa_max_n=8,
        n_name="D",
        variant_name="k",
        dfa_rnn=True,
    )


def _preset(key: str) -> Family:
    from constructions.library.presets import PRESETS
    from tasks.presets import PRESET_TASKS

    task = PRESET_TASKS[key]()
    return Family(
        key.replace("_", "-"),
        f"B-RASP simulator preset ([YCA]): {task.name}",
        False,
        ("-",),
        lambda n, v: PRESET_TASKS[key](),
        lambda n, v: PRESETS[key](),
        None,
    )


def families() -> dict[str, Family]:
    from tasks.presets import PRESET_TASKS

    out = {
        "counter": _counter(),
        "counter-cyclic": _counter("counter-cyclic", CYCLIC_H),
        "tiling-witness": _tiling_witness(),
        "dyck": _dyck(),
    }
    for key in PRESET_TASKS:
        fam = _preset(key)
        out[fam.name] = fam
    return out


def family(name: str) -> Family:
    fams = families()
    if name not in fams:
        from tasks.retrieval import RETRIEVAL_TASKS

        raise UnknownTaskError(f"unknown task {name!r}; known: {', '.join([*fams, *RETRIEVAL_TASKS])}")
    return fams[name]
