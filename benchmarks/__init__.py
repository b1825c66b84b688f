"""Benchmarks of custvalue against the tools a researcher would otherwise use."""
