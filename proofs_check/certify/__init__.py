"""z3 certificates that hold for every word length: UHAT layers, RNN steps, program emptiness, and
bounded model checking (docs/architecture.md, proofs_check/certify)."""
