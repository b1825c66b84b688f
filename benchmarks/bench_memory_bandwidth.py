"""Memory-bandwidth reference: one numpy pass over the same bytes the kernels read.

A BG/NBD/Pareto/NBD kernel reads three float64 columns per customer (frequency, recency, T:
24 bytes); a transaction log as the benchmarks build it is customer id (int64), day (int64)
and amount (float64), 24 bytes per transaction. The fastest any kernel can touch those bytes
is one streaming pass; ``np.add.reduce`` over them (read only) and ``np.copyto`` (read +
write) are that floor. ``ns/unit`` of a model divided by ``ns/unit`` here says how far a
kernel is from the memory limit (the rest is arithmetic: lgamma, logs, hypergeometric sums).
"""

from __future__ import annotations

import numpy as np

from benchmarks._harness import Case

CUSTOMER_SIZES = (10_000, 100_000, 1_000_000, 10_000_000)
TRANSACTION_SIZES = (1_000_000, 10_000_000, 100_000_000)
SMOKE_SIZES = (1_000,)


def _columns(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.random((3, n))  # three contiguous float64 columns, 24 bytes per unit


def _case(n: int, unit: str) -> list[Case]:
    cols = _columns(n)
    dst = np.empty_like(cols)
    np.copyto(dst, cols)  # touch the destination pages once: time the copy, not page faults
    nbytes = cols.nbytes

    def read_pass() -> float:
        return float(np.add.reduce(cols, axis=None))

    def copy_pass() -> np.ndarray:
        np.copyto(dst, cols)
        return dst

    def check_read(ours: float, _peer: object) -> None:
        assert np.isclose(ours, cols.sum(dtype=np.float64), rtol=1e-9), "read pass sum is wrong"

    def check_copy(ours: np.ndarray, _peer: object) -> None:
        assert np.array_equal(ours, cols), "copy pass lost bytes"

    return [
        Case(f"bandwidth read 24 B/{unit[:-1]}", n, unit, read_pass, check=check_read,
             notes="numpy add.reduce over 3 float64 columns (read only)", extra={"bytes": nbytes}),
        Case(f"bandwidth copy 24 B/{unit[:-1]}", n, unit, copy_pass, check=check_copy,
             notes="numpy copyto of 3 float64 columns (read + write)", extra={"bytes": 2 * nbytes}),
    ]


def cases(smoke: bool = False) -> list[Case]:
    """Read and copy passes at the customer and transaction sizes of the other benchmarks."""
    if smoke:
        return [c for n in SMOKE_SIZES for c in _case(n, "customers")]
    out = [c for n in CUSTOMER_SIZES for c in _case(n, "customers")]
    out += [c for n in TRANSACTION_SIZES for c in _case(n, "transactions")]
    return out
