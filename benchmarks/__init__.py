"""Benchmarks that live in the source checkout, not in the installed product: `cms loadtest` and `cms bench`.

`cms` imports this package only when those commands run.
"""
