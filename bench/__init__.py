"""Benchmarks (not tests): ``python -m bench`` prints a table and writes bench/results.md."""
