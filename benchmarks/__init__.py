"""Benchmarks (``make bench``): timings of the heavy paths; never imported by the library."""
