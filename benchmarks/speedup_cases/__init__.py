"""Benchmark cases, one module per rule family (see ../fix_speedups.py)."""
