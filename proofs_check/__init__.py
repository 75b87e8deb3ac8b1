"""Is it right, and how big: exhaustive checking, size tables, CLI."""
