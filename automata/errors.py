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


class DFAError(SuccinctError, ValueError):
    """A DFA is malformed, or two DFAs cannot be combined (raised by :mod:`automata.dfa` and its compiled
    helpers; ``automata.dfa.DFAError`` is the same class)."""


class UnknownNameError(SuccinctError, KeyError):
    """A name that is not defined where it is looked up (a task, a program's operation): a
    :class:`SuccinctError` that is also the ``KeyError`` Python would raise."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ArgumentError(ParameterError, TypeError):
    """An argument of the wrong type (None, a str where a number is expected, an object of the wrong
    class): a :class:`ParameterError` that is also the ``TypeError`` Python would raise."""


def shown(value: object, limit: int = 60) -> str:
    """``value`` for an error message: one line, at most about ``limit`` characters (arrays and tensors by
    their type, shape and dtype, long reprs cut).

    >>> shown("x"), shown(None), len(shown(list(range(100))))
    ("'x'", 'None', 60)
    """
    shape = getattr(value, "shape", None)
    if shape is not None and not isinstance(value, (str, bytes, int, float)):
        try:
            dims = tuple(int(d) for d in shape)
        except (TypeError, ValueError):
            dims = None
        if dims is not None and dims != ():
            return f"{type(value).__name__} of shape {dims} and dtype {getattr(value, 'dtype', '?')}"
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not hide the real error
        text = f"<{type(value).__name__}>"
    if "\n" in text or "\r" in text:  # a multi-line repr (arrays inside lists, custom reprs): one line
        text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_int(value: object, what: str, lo: int | None = None, hi: int | None = None) -> int:
    """``value`` as an int (a Python or numpy integer, never a bool) in ``lo..hi``; :class:`ArgumentError`
    for another type, :class:`ParameterError` out of range. ``what`` names it: ``"all_words: length"``."""
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ArgumentError(f"{what} must be an int{_range(lo, hi)}, got {shown(value)}")
    v = int(value)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise ParameterError(f"{what} must be an int{_range(lo, hi)}, got {v if abs(v) < 10**12 else shown(v, 20)}")
    return v


def _range(lo: int | None, hi: int | None) -> str:
    if lo is not None and hi is not None:
        return f" in {lo}..{hi}"
    if lo is not None:
        return f" >= {lo}"
    return "" if hi is None else f" <= {hi}"


def check_type(value: object, what: str, kind: type | tuple[type, ...], expected: str) -> object:
    """``value`` if it is an instance of ``kind``, else :class:`ArgumentError` (``expected``: how the
    message names the kind, e.g. ``"a DFA"``)."""
    if not isinstance(value, kind):
        raise ArgumentError(f"{what} must be {expected}, got {type(value).__name__}")
    return value
