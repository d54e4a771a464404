"""Benchmarks: each reports figures measured side by side in one run, and their ratio."""
