"""Reference automata: explicit DFAs on numpy, implicit (on-the-fly) automata."""
