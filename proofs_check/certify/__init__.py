"""z3 certificates that hold for every word length: UHAT layers, RNN steps, program emptiness, and
bounded model checking (issue 4; ../shared/DESIGN.md "Checking")."""
