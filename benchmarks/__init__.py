"""Throughput measurements (run by hand or from benchmarks/run.py; never timed assertions in the test suite)."""
