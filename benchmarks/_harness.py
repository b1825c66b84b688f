"""One way to time things: wall time and peak traced memory, side by side with a peer.

Every benchmark module defines ``cases(smoke)`` yielding :class:`Case` objects; each
case has a custvalue callable and (optionally) the peer's callable on the same inputs.
``benchmarks.run`` times both in the same process and reports the ratio.  Peak memory is
measured with ``tracemalloc`` (numpy reports its buffers to it), so it is the peak of Python
and numpy allocations made during the call.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Case", "measure"]


@dataclass
class Case:
    """One benchmark row: what is measured, at which size, against whom."""

    name: str
    size: int
    unit: str  # "customers", "transactions", "respondents"...
    ours: Callable[[], Any]
    peer: Callable[[], Any] | None = None
    peer_name: str = ""
    peer_max_size: int | None = None  # above this the peer is reported as "not run (cap)"
    check: Callable[[Any, Any], None] | None = None  # correctness check of ours vs peer
    notes: str = ""
    extra: dict = field(default_factory=dict)


def measure(fn: Callable[[], Any], *, trace_memory: bool = True) -> tuple[Any, float, float]:
    """Run ``fn`` once; return (result, seconds, peak MiB of traced allocations)."""
    gc.collect()
    if trace_memory:
        tracemalloc.start()
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    peak = 0.0
    if trace_memory:
        _, peak_b = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        peak = peak_b / 2**20
    return out, dt, peak
