"""Typed exceptions shared by every package (the lowest layer, so all may import it).

The CLI turns any :class:`SuccinctError` into one clear line; anything else is a bug.
"""
from __future__ import annotations


class SuccinctError(Exception):
    """Base of every error the library raises on bad input."""


class UnknownSymbolError(SuccinctError, ValueError):
    """A word contains a symbol outside the alphabet."""


class ParameterError(SuccinctError, ValueError):
    """A family parameter (n, N, length, ...) is out of range."""


class StateLimitError(SuccinctError, RuntimeError):
    """Exploring an implicit automaton exceeded the allowed number of states."""


class MalformedProgramError(SuccinctError, ValueError):
    """A B-RASP program (text or object) is not well formed."""


class NotLemma9FormError(SuccinctError, ValueError):
    """An attention score is outside the special form that Lemma 9 compiles."""


class DtypeError(SuccinctError, ValueError):
    """A dtype cannot represent every value the network computes exactly."""


class PrecisionError(SuccinctError, ValueError):
    """A run leaves the value range that a network's stated precision claims."""


class ToolError(SuccinctError, RuntimeError):
    """An external program (Graphviz ``dot``, ...) is missing, fails or runs past its time limit."""
