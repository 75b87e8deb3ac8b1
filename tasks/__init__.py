"""What to recognise: the separating languages, with reference automata."""
