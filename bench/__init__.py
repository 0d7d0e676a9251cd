"""Benchmarks: each measures one thing on a fresh database and records it in docs/benchmarks.md."""
