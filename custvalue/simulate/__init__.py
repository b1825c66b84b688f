"""Seeded, vectorised simulators that return the same columns as real data plus the truth."""

from .betageo import simulate_betageo, simulate_betageo_transactions

__all__ = ["simulate_betageo", "simulate_betageo_transactions"]
