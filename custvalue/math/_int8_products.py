"""Exact products of small-integer matrices: ``C += A B'`` for unsigned 8-bit ``A`` (counts)
and signed 8-bit ``B``, summed in 32-bit integers.

The bootstrap of rating-scale items (:func:`custvalue.math.pls.bootstrap_covariances`)
needs ``counts @ Q`` for 1,000 resamples: counts of 0..255 times cross products of ratings
(|q| <= 127).  A single-precision BLAS product is exact there but spends 4 bytes per
operand and one multiply-add per float lane.  Here both operands are bytes, widened inside
the loop, and LLVM turns the 32-bit multiply-accumulate of widened bytes into
``vpdpwssd``/``vpmaddwd`` (AVX-512 VNNI, or AVX2 ``vpmaddwd``) on machines that have
them: about twice the speed of the float32 product on one core (0.6 against 1.2 ms per
resample of 100,000 rows and 324 columns, measured on a 2-core Zen 4 machine), and exact,
with no rounding to reason about.

A register block of 4 rows of ``A`` by 6 rows of ``B`` keeps 24 accumulators in registers;
the depth is cut into slices of :data:`DEPTH` so that a slice of ``B`` stays in the core's
cache while all rows of ``A`` pass, and so that a 32-bit accumulator cannot overflow
(``DEPTH * 255 * 128 < 2^31``).  The caller pads ``A`` to a multiple of :data:`ROWS` rows
and ``B`` to a multiple of :data:`COLS` rows with zeros.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["ROWS", "COLS", "DEPTH", "accumulate_products"]

ROWS = 4  #: rows of ``A`` per register block
COLS = 6  #: rows of ``B`` per register block
DEPTH = 8192  #: depth slice: a slice of B stays in cache; 32-bit partial sums cannot overflow


@njit(cache=True, nogil=True)
def _block(A, B, C, k0, k1):  # pragma: no cover - compiled
    """``C[r, c] += sum_{k0 <= i < k1} A[r, i] B[c, i]`` by 4 x 6 register blocks."""
    z = np.int32(0)
    for r in range(0, A.shape[0], 4):
        A0 = A[r + 0, k0:k1]
        A1 = A[r + 1, k0:k1]
        A2 = A[r + 2, k0:k1]
        A3 = A[r + 3, k0:k1]
        for c in range(0, B.shape[0], 6):
            s00 = s01 = s02 = s03 = s04 = s05 = z
            s10 = s11 = s12 = s13 = s14 = s15 = z
            s20 = s21 = s22 = s23 = s24 = s25 = z
            s30 = s31 = s32 = s33 = s34 = s35 = z
            B0 = B[c + 0, k0:k1]
            B1 = B[c + 1, k0:k1]
            B2 = B[c + 2, k0:k1]
            B3 = B[c + 3, k0:k1]
            B4 = B[c + 4, k0:k1]
            B5 = B[c + 5, k0:k1]
            for i in range(k1 - k0):  # widened bytes: LLVM emits pairwise multiply-adds
                x0 = np.int32(A0[i])
                x1 = np.int32(A1[i])
                x2 = np.int32(A2[i])
                x3 = np.int32(A3[i])
                y0 = np.int32(B0[i])
                y1 = np.int32(B1[i])
                y2 = np.int32(B2[i])
                y3 = np.int32(B3[i])
                y4 = np.int32(B4[i])
                y5 = np.int32(B5[i])
                s00, s01, s02 = np.int32(s00 + x0 * y0), np.int32(s01 + x0 * y1), np.int32(s02 + x0 * y2)
                s03, s04, s05 = np.int32(s03 + x0 * y3), np.int32(s04 + x0 * y4), np.int32(s05 + x0 * y5)
                s10, s11, s12 = np.int32(s10 + x1 * y0), np.int32(s11 + x1 * y1), np.int32(s12 + x1 * y2)
                s13, s14, s15 = np.int32(s13 + x1 * y3), np.int32(s14 + x1 * y4), np.int32(s15 + x1 * y5)
                s20, s21, s22 = np.int32(s20 + x2 * y0), np.int32(s21 + x2 * y1), np.int32(s22 + x2 * y2)
                s23, s24, s25 = np.int32(s23 + x2 * y3), np.int32(s24 + x2 * y4), np.int32(s25 + x2 * y5)
                s30, s31, s32 = np.int32(s30 + x3 * y0), np.int32(s31 + x3 * y1), np.int32(s32 + x3 * y2)
                s33, s34, s35 = np.int32(s33 + x3 * y3), np.int32(s34 + x3 * y4), np.int32(s35 + x3 * y5)
            C[r + 0, c + 0] += s00
            C[r + 0, c + 1] += s01
            C[r + 0, c + 2] += s02
            C[r + 0, c + 3] += s03
            C[r + 0, c + 4] += s04
            C[r + 0, c + 5] += s05
            C[r + 1, c + 0] += s10
            C[r + 1, c + 1] += s11
            C[r + 1, c + 2] += s12
            C[r + 1, c + 3] += s13
            C[r + 1, c + 4] += s14
            C[r + 1, c + 5] += s15
            C[r + 2, c + 0] += s20
            C[r + 2, c + 1] += s21
            C[r + 2, c + 2] += s22
            C[r + 2, c + 3] += s23
            C[r + 2, c + 4] += s24
            C[r + 2, c + 5] += s25
            C[r + 3, c + 0] += s30
            C[r + 3, c + 1] += s31
            C[r + 3, c + 2] += s32
            C[r + 3, c + 3] += s33
            C[r + 3, c + 4] += s34
            C[r + 3, c + 5] += s35


@njit(cache=True, nogil=True)
def accumulate_products(A, B, C):  # pragma: no cover - compiled
    """``C += A @ B.T`` exactly, in slices of :data:`DEPTH` along the shared dimension.

    Parameters
    ----------
    A : ndarray of uint8, shape (m, n), C-contiguous, ``m`` a multiple of :data:`ROWS`
    B : ndarray of int8, shape (q, n), C-contiguous, ``q`` a multiple of :data:`COLS`
    C : ndarray of int64, shape (m, q)
        Accumulated in place.
    """
    n = A.shape[1]
    for k0 in range(0, n, DEPTH):  # loop over depth slices (not over rows of A)
        _block(A, B, C, k0, min(n, k0 + DEPTH))
