"""B-RASP: formulas, programs, parser/printer, batched interpreter."""
