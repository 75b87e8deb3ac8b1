"""Every limit of proofs_check/cli/limits.py is enforced: one past its end gives the one-line refusal (through the
CLI where an argument can carry it, else through the library call the CLI makes). A new limit without a
probe here fails the first test."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from automata.errors import SuccinctError
from proofs_check.cli import main
from proofs_check.cli.limits import find, limits, render


def _write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def _program(tmp: Path, text: str) -> list[str]:
    path = tmp / "p.brasp"
    path.write_text(text)
    return ["program", str(path)]


# (command, option) -> a probe: argv one past the limit (a list), or a callable that must raise
PROBES: dict[tuple[str, str], Callable[[Path, int], list[str] | Callable[[], object]]] = {
    ("verify", "--max-len (words of length 1..L)"): lambda t, hi: ["verify", "counter", "-n", "1", "--max-len", "10"],
    ("verify", "--shards (inputs in all)"): lambda t, hi: ["verify", "counter", "-n", "1", "--max-len", "16",
                                                          "--shards", "2"],
    ("verify", "--shards"): lambda t, hi: ["verify", "counter", "-n", "1", "--max-len", "3", "--shards", str(hi + 1)],
    ("verify", "--workers"): lambda t, hi: ["verify", "counter", "-n", "1", "--max-len", "3", "--shards", "2",
                                            "--workers", str(hi + 1)],
    ("verify", "retrieval inputs without --sample"): lambda t, hi: ["verify", "index", "-n", "9"],
    ("verify", "-n (counter)"): lambda t, hi: ["verify", "counter", "-n", str(hi + 1), "--max-len", "1"],
    ("verify", "-k, -D (dyck): minimal DFA states"): lambda t, hi: ["verify", "dyck", "-k", "8", "-D", "7",
                                                                     "--max-len", "1"],
    ("tm", "-n"): lambda t, hi: ["tm", "examples/loop.tm", "-n", str(hi + 1)],
    ("tm", "--max-steps"): lambda t, hi: ["tm", "examples/loop.tm", "-n", "1", "--max-steps", str(hi + 1)],
    ("tm", "--budget"): lambda t, hi: ["tm", "examples/loop.tm", "-n", "1", "--verify", "--budget", str(hi + 1)],
    ("tm", "characters"): lambda t, hi: ["tm", _write(t / "big.tm", "#" * (hi + 1)), "-n", "1"],
    ("accepts", "-n (counter)"): lambda t, hi: ["accepts", "counter", "-n", str(hi + 1), "0a#"],
    ("mutate", "--count"): lambda t, hi: ["mutate", "ab-plus", "--max-len", "3", "--count", str(hi + 1)],
    ("suite", "--max-len"): lambda t, hi: ["suite", "--max-len", str(hi + 1)],
    ("suite", "--max-rows"): lambda t, hi: ["suite", "--max-rows", str(hi + 1)],
    ("suite", "--budget"): lambda t, hi: ["suite", "--budget", str(hi + 1)],
    ("witness-word", "-n"): lambda t, hi: ["witness-word", "-n", str(hi + 1)],
    ("witness-word", "--corruptions"): lambda t, hi: ["witness-word", "-n", "1", "--corruptions", str(hi + 1)],
    ("witness-word", "--workers"): lambda t, hi: ["witness-word", "-n", "1", "--workers", str(hi + 1)],
    ("table", "-n (values in LO..HI)"): lambda t, hi: ["table", "counter", "-n", f"1..{hi + 1}"],
    ("show --what latex", "non-zero weights"): lambda t, hi: ["show", "counter", "-n", "7", "--what", "latex",
                                                              "--form", "paper"],
    ("trace", "WORD (symbols)"): lambda t, hi: ["trace", "ab-plus", "ab" * (hi // 2 + 1)],
    ("trace", "layers × width × symbols²"): lambda t, hi: ["trace", "counter", "-n", "3", "--form", "paper", "0" * 256],
    ("draw", "--max-states"): lambda t, hi: ["draw", "ab-plus", "--max-states", str(hi + 1)],
    ("program", "characters"): lambda t, hi: _program(t, "#" * (hi + 1)),
    ("program", "operations"): lambda t, hi: _program(t, "alphabet: a\n" + "\n".join(
        f"P{k}(i) := Q_a(i)" for k in range(hi + 1))),
    ("program", "nesting of ( and ¬"): lambda t, hi: _program(t, "alphabet: a\nP(i) := " + "¬" * (hi + 1) + "Q_a(i)"),
    ("ltl", "characters"): lambda t, hi: (lambda: __import__("automata.ltl.syntax", fromlist=["parse"]).parse(
        "a" * (hi + 1))),
    ("ltl", "nesting of parentheses"): lambda t, hi: (lambda: __import__("automata.ltl.syntax", fromlist=["parse"])
                                                      .parse("(" * (hi + 1) + "a" + ")" * (hi + 1))),
    ("ltl", "--max-len"): lambda t, hi: ["ltl", "a S b", "--uhat", "--max-len", str(hi + 1)],
    ("verify ltl-random", "--count"): lambda t, hi: ["verify", "ltl-random", "--count", str(hi + 1)],
}


def test_every_limit_has_a_probe() -> None:
    assert {(lim.command, lim.option) for lim in limits()} == set(PROBES)


@pytest.mark.parametrize("key", sorted(PROBES))
def test_one_past_the_limit_is_refused(key: tuple[str, str], tmp_path: Path, capsys) -> None:
    lim = find(*key)
    probe = PROBES[key](tmp_path, lim.hi)
    if callable(probe):
        with pytest.raises(SuccinctError):
            probe()
        return
    assert main(probe) == 2, probe
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err


def test_the_counter_verify_bound_is_the_dfa_limit() -> None:
    """COUNTER_VERIFY_N_MAX is the largest n whose minimal DFA (a lower bound on the reachable states)
    fits tasks.counter.MAX_DFA_STATES."""
    from proofs_check.cli.limits import COUNTER_VERIFY_N_MAX
    from tasks.counter import MAX_DFA_STATES, expected_min_dfa_states

    assert expected_min_dfa_states(COUNTER_VERIFY_N_MAX) <= MAX_DFA_STATES < expected_min_dfa_states(COUNTER_VERIFY_N_MAX + 1)


def test_the_table_prints_every_limit(capsys) -> None:
    text = render()
    assert all(lim.option in text for lim in limits())
    assert main(["limits"]) == 0 and capsys.readouterr().out == text
