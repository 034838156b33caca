"""Benchmarks with exact ground truth (``maskgan eval``)."""
