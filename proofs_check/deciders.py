"""Uniform wrappers: every recogniser as a batch decider over integer-coded words.

A decider maps a (B, L) int64 array to per-prefix verdicts (B, L) when it is *causal* (its verdict for
w_1..w_p is available at position p of any longer word), else to whole-word verdicts (B,).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from automata.dfa import DFA
from automata.errors import ArgumentError, check_type, shown
from constructions.brasp import interpreter
from constructions.brasp.program import Program
from constructions.uhat.model import UHAT, AttentionLayer
from constructions.uhat.torch_backend import UHATModule, to_torch


@dataclass(frozen=True)
class Decider:
    name: str
    causal: bool
    fn: Callable[[np.ndarray], np.ndarray]

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise ArgumentError(f"a decider's name is a str, got {shown(self.name)}")
        if not callable(self.fn):
            raise ArgumentError(f"decider {self.name}: the run function must be callable, got {type(self.fn).__name__}")

    def __call__(self, words: np.ndarray) -> np.ndarray:
        return self.fn(words)

    def whole(self, words: np.ndarray) -> np.ndarray:
        """Whole-word verdicts (B,)."""
        out = self.fn(words)
        return out[:, -1] if self.causal else out


def dfa_decider(dfa: DFA, name: str = "reference DFA") -> Decider:
    check_type(dfa, "dfa_decider", DFA, "a DFA")
    return Decider(name, True, dfa.run_prefixes)


def program_decider(program: Program, name: str = "B-RASP interpreter") -> Decider:
    check_type(program, "program_decider", Program, "a B-RASP Program")
    if program.is_causal:
        return Decider(name, True, lambda w: interpreter.accepts_prefixes(program, w))
    return Decider(name, False, lambda w: interpreter.accepts(program, w))


def uhat_is_causal(net: UHAT) -> bool:
    return net.accept_at == "last" and all(
        layer.mask in ("j<i", "j<=i") or not layer.attends
        for layer in net.layers
        if isinstance(layer, AttentionLayer)
    )


def uhat_decider(
    net: UHAT | UHATModule,
    name: str = "UHAT",
    dtype: torch.dtype | str = torch.float64,
    device: str = "cpu",
    causal: bool | None = None,
) -> Decider:
    module = net if isinstance(net, UHATModule) else to_torch(net, dtype, device)
    if causal is None:
        causal = uhat_is_causal(net) if isinstance(net, UHAT) else False
    first = module.accept_at == "first"

    def run(words: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            out = module(torch.from_numpy(words)).cpu().numpy()
        if causal:
            return out
        return out[:, 0] if first else out[:, -1]

    return Decider(name, causal, run)


def rnn_decider(run_prefixes: Callable[[np.ndarray], np.ndarray], name: str) -> Decider:
    return Decider(name, True, run_prefixes)
