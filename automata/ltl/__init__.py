"""LTL over finite words with past and future, read at the last position ([BCL] §2.1).

Public API: :mod:`automata.ltl.formula` (the AST, sizes, builders), :mod:`automata.ltl.syntax`
(``parse``, ``to_text``, ``to_latex``), :mod:`automata.ltl.semantics` (the batched evaluator),
:mod:`automata.ltl.to_dfa` (our LTL → DFA), :mod:`automata.ltl.mona` (the external reference:
ltlf2dfa + MONA).
"""
