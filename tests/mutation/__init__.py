"""Mutation testing of the verifier's core (issue 14 item 2; ``make mutation``).

:mod:`tests.mutation.mutants` is the curated list: each mutant is one plausible bug planted in one
source file (an exact snippet and its replacement) together with the test files that should kill it.
:mod:`tests.mutation.run` plants them one at a time in a *copy* of the repository and runs those tests
there; the working tree is never touched. No file here is named ``test_*``: pytest does not collect them.
"""
