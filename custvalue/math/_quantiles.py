"""Quantiles of a short vector in place, for the compiled kernels that summarise a prediction
over parameter draws customer by customer (``interval="simulate"``) without a draws x
customers block.

:func:`_draw_quantiles` gives exactly what ``numpy.quantile(v, q)`` (linear interpolation,
numpy's default) gives for the same values: the two order statistics around ``q (n - 1)``
are found by selection (Hoare partitioning, expected O(n)) instead of a sort, and combined
with numpy's formula (``a + (b - a) w``, or ``b - (b - a)(1 - w)`` when ``w >= 0.5``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__: list[str] = []


@njit(cache=True, error_model="numpy")
def _select(v, lo, hi, k):  # pragma: no cover - compiled
    """Partially order ``v[lo..hi]`` (inclusive) so that ``v[k]`` is its ``(k - lo)``-th
    smallest, every element left of ``k`` is <= it and every element right of it is >=
    (Numerical Recipes' ``select``: median-of-three pivot, Hoare partitioning)."""
    while True:
        if hi <= lo + 1:
            if hi == lo + 1 and v[hi] < v[lo]:
                v[lo], v[hi] = v[hi], v[lo]
            return
        mid = (lo + hi) >> 1
        v[mid], v[lo + 1] = v[lo + 1], v[mid]
        if v[lo] > v[hi]:
            v[lo], v[hi] = v[hi], v[lo]
        if v[lo + 1] > v[hi]:
            v[lo + 1], v[hi] = v[hi], v[lo + 1]
        if v[lo] > v[lo + 1]:
            v[lo], v[lo + 1] = v[lo + 1], v[lo]
        i = lo + 1
        j = hi
        pivot = v[lo + 1]
        while True:
            i += 1
            while v[i] < pivot:
                i += 1
            j -= 1
            while v[j] > pivot:
                j -= 1
            if j < i:
                break
            v[i], v[j] = v[j], v[i]
        v[lo + 1] = v[j]
        v[j] = pivot
        if j >= k:
            hi = j - 1
        if j <= k:
            lo = i


@njit(cache=True, error_model="numpy")
def _draw_quantiles(v, q, out, i):  # pragma: no cover - compiled
    """``out[:, i] = numpy.quantile(v, q)`` for ``q`` in increasing order, reordering ``v``
    (no nan in ``v``): for each ``q``, ``pos = q (n-1)``, the order statistics ``floor(pos)``
    and the next one, interpolated as numpy does."""
    n = v.size
    start = 0
    for j in range(q.size):
        pos = q[j] * (n - 1)
        k = int(np.floor(pos))
        _select(v, start, n - 1, k)
        a = v[k]
        b = a
        if k + 1 < n:
            b = v[k + 1]
            for m in range(k + 2, n):
                if v[m] < b:
                    b = v[m]
        w = pos - k
        out[j, i] = a + (b - a) * w if w < 0.5 else b - (b - a) * (1.0 - w)  # numpy's _lerp
        start = k
