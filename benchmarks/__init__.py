"""Benchmarks that print ratios measured in one run (see benchmarks/README.md)."""
