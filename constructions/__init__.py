"""How to recognise a language: B-RASP programs, symbolic UHATs and RNNs, compilers, torch backend."""
