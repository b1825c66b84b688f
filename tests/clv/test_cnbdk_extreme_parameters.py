"""(M)BG/CNBD-k kernels where the mixing distributions degenerate (a and b, or r and alpha,
running off together at a fixed ratio), against the likelihood of Platzer & Reutterer (2016)
eq. (8) evaluated term by term in mpmath at 50 digits.

Before the differences of custvalue.math.special, the per-customer log-likelihood carried
``betaln``/``gammaln`` differences and ``r log a - R log(a+T)`` with 1e-16 of the terms'
size as absolute error (1e-4 and more at scales 1e11-1e14).
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

from custvalue.math import cnbdk



@pytest.fixture(autouse=True)
def _fifty_digits():
    """mpmath's precision is global (other modules set their own): 50 digits per test."""
    with mp.workdps(50):
        yield

ROWS = [(0.0, 0.0, 40.0, 0.0), (1.0, 5.0, 40.0, 0.0), (3.0, 20.0, 40.0, 4.1), (30.0, 39.0, 40.0, 20.0)]


def _params(kind, s):
    return (0.5, 5.0, 0.25 * s, 0.75 * s) if kind == "ab" else (0.1 * s, s, 0.8, 2.4)


def _mp_loglike(r, al, a, b, x, t_x, T, litt, k, shift):
    r, al, a, b, x, t_x, T, litt = (mp.mpf(v) for v in (r, al, a, b, x, t_x, T, litt))
    R = r + k * x

    def lB(p, q):
        return mp.loggamma(p) + mp.loggamma(q) - mp.loggamma(p + q)

    head = ((k - 1) * litt - x * mp.loggamma(k) + mp.loggamma(R) - mp.loggamma(r) + r * mp.log(al)
            + lB(a, b + x + shift) - lB(a, b))
    s2 = mp.fsum(mp.exp(mp.loggamma(R + j) - mp.loggamma(R) - mp.loggamma(j + 1)) * ((T - t_x) / (al + T)) ** j
                 for j in range(k)) / (al + T) ** R
    s1 = a / (b + x - 1 + shift) / (al + t_x) ** R if (x > 0 or shift) else 0
    return head + mp.log(s1 + s2)


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("shift", [0, 1])
@pytest.mark.parametrize("kind", ["ab", "ralpha"])
def test_loglike_matches_mpmath_as_the_pairs_run_off(kind, shift, k):
    x, t_x, T, litt = (np.array(v) for v in zip(*ROWS))
    for s in (1e2, 1e5, 1e8, 1e11, 1e14):
        p = _params(kind, s)
        got = cnbdk.loglike(*p, x, t_x, T, litt, k=k, shift=shift)
        ref = [float(_mp_loglike(*p, *row, k, shift)) for row in ROWS]
        np.testing.assert_allclose(got, ref, rtol=0, atol=5e-13)


@pytest.mark.parametrize("kind,s", [("ab", 1e10), ("ralpha", 1e10), ("ab", 3.0)])
def test_gradient_matches_mpmath_derivative(kind, s):
    p = _params(kind, s)
    x, t_x, T, litt = (np.array(v) for v in zip(*ROWS))
    _, g = cnbdk.loglike_and_score(*p, x, t_x, T, litt, k=2, shift=1)
    for i, row in enumerate(ROWS):
        for j in range(4):
            def f(u, j=j):
                q = [mp.mpf(v) for v in p]
                q[j] = mp.exp(u)
                return _mp_loglike(*q, *row, 2, 1)
            ref = float(mp.diff(f, mp.log(mp.mpf(p[j]))))  # in log parameters: p_j * dL/dp_j
            assert g[i, j] * p[j] == pytest.approx(ref, rel=1e-8, abs=1e-10)


def test_p_alive_matches_mpmath_as_r_and_alpha_run_off():
    for s in (1e2, 1e8, 1e14):
        r, al, a, b = _params("ralpha", s)
        got = cnbdk.p_alive(r, al, a, b, 3.0, 20.0, 40.0, k=2, shift=1)
        R = mp.mpf(r) + 6
        s1 = mp.mpf(a) / (mp.mpf(b) + 3) / (mp.mpf(al) + 20) ** R
        s2 = (1 + R * mp.mpf(20) / (mp.mpf(al) + 40)) / (mp.mpf(al) + 40) ** R
        assert float(np.ravel(got)[0]) == pytest.approx(float(s2 / (s1 + s2)), rel=1e-13)
