"""Benchmarks for DESIGN.md's performance budgets: `python -m tests.perf [--quick]`."""
