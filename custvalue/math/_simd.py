"""Straight-line double-precision exp and log (no calls into libm), so that loops calling
them compile to SIMD code; shared by the compiled kernels (GHK, the BG/NBD expectations).

Accuracy: exp within 2 ulp, log within 1 ulp (fdlibm's algorithms). Products are kept as
written: callers compile without ``reassoc``, which would let LLVM merge the two-part ln 2
of the argument reduction.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir as llvm_ir
from numba import njit
from numba.core import cgutils, types
from numba.extending import intrinsic

@intrinsic
def _f64_from_bits(typingctx, x):  # pragma: no cover - compiled
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], llvm_ir.DoubleType())

    return sig, codegen


@intrinsic
def _bits_from_f64(typingctx, x):  # pragma: no cover - compiled
    sig = types.int64(types.float64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], llvm_ir.IntType(64))

    return sig, codegen


@intrinsic
def _fma(typingctx, a, b, c):  # pragma: no cover - compiled
    """a * b + c with one rounding (llvm.fma; a vector instruction in SIMD loops)."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        d = llvm_ir.DoubleType()
        fnty = llvm_ir.FunctionType(d, [d, d, d])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.fma.f64")
        return builder.call(fn, args)

    return sig, codegen


_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # fdlibm's split of ln 2
_LN2_LO = 1.90821492927058770002e-10
_SQRT2 = 1.4142135623730951


@njit(cache=True, inline="always", error_model="numpy")
def _exp(x):  # pragma: no cover - compiled
    """exp(x) within 2 ulp: x = k ln2 + r with |r| <= ln2 / 2, Taylor polynomial of degree
    13 for exp(r) (Estrin's scheme), 2**k added to the exponent bits."""
    big = x > 709.782712893384
    if x < -746.0:
        x = -746.0
    if big:
        x = 0.0
    kf = np.rint(x * _LOG2E)
    if not kf == kf:  # nan stays nan
        kf = 0.0
    r = (x - kf * _LN2_HI) - kf * _LN2_LO
    r2 = r * r
    r4 = r2 * r2
    b0 = 1.0 + r
    b1 = 0.5 + r * (1.0 / 6.0)
    b2 = 1.0 / 24.0 + r * (1.0 / 120.0)
    b3 = 1.0 / 720.0 + r * (1.0 / 5040.0)
    b4 = 1.0 / 40320.0 + r * (1.0 / 362880.0)
    b5 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0)
    b6 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0)
    p = ((b0 + r2 * b1) + r4 * (b2 + r2 * b3)) + (r4 * r4) * ((b4 + r2 * b5) + r4 * b6)
    k = np.int64(kf)
    small = k < -1020  # subnormal result: scale in two steps
    if small:
        k += 54
    out = _f64_from_bits(_bits_from_f64(p) + (k << 52))
    if small:
        out *= 5.551115123125783e-17  # 2**-54
    if big:
        out = np.inf
    return out


@njit(cache=True, inline="always", error_model="numpy")
def _log(x):  # pragma: no cover - compiled
    """log(x) within 1 ulp, x >= 0: fdlibm's e_log.c (x = 2**e (1 + f), log(1 + f) from
    s = f / (2 + f) and a minimax polynomial in s**2)."""
    sub = x < 2.2250738585072014e-308
    xs = x * 18014398509481984.0 if sub else x  # 2**54
    bits = _bits_from_f64(xs)
    e = ((bits >> 52) & 0x7FF) - 1023
    if sub:
        e -= 54
    m = _f64_from_bits((bits & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000)
    if m > _SQRT2:
        m *= 0.5
        e += 1
    f = m - 1.0
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    # fdlibm's Lg1 ... Lg7, split into even and odd powers of z
    t1 = w * (3.999999999940941908e-01 + w * (2.222219843214978396e-01
                                              + w * 1.531383769920937332e-01))
    t2 = z * (6.666666666666735130e-01 + w * (2.857142874366239149e-01
                                              + w * (1.818357216161805012e-01
                                                     + w * 1.479819860511658591e-01)))
    hfsq = 0.5 * f * f
    ef = np.float64(e)
    out = ef * _LN2_HI - ((hfsq - (s * (hfsq + (t1 + t2)) + ef * _LN2_LO)) - f)
    if x == 0.0:
        out = -np.inf
    elif not x > 0.0:
        out = np.nan
    elif x == np.inf:
        out = np.inf
    return out
