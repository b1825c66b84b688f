"""BG/NBD and MBG/NBD kernels where the mixing distributions degenerate: a and b (or r and
alpha) running off together at a fixed ratio, as a fit does on data with one dropout
probability (or one purchase rate) for everyone.

The references are the likelihood of FHL (2005) eq. (6) (Batislam et al. 2007 eq. A.4 for
the MBG/NBD) and the PMF of FHL eq. (8), evaluated in mpmath at 50 digits. Before the
log-gamma/beta differences of custvalue.math.special, the per-customer log-likelihood erred
by 9e-5 at a+b = 1e11 and by 0.86 at a+b = 1e14, and a fit with a and b running off stopped
with "A bad approximation" on gradients of noise.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

from custvalue.math import betageo, modbetageo



@pytest.fixture(autouse=True)
def _fifty_digits():
    """mpmath's precision is global (other modules set their own): 50 digits per test."""
    with mp.workdps(50):
        yield

ROWS = [(0.0, 0.0, 40.0), (1.0, 5.0, 40.0), (3.0, 20.0, 40.0), (30.0, 39.0, 40.0), (7.0, 2.0, 80.0)]
SCALES = [1e2, 1e5, 1e8, 1e11, 1e14]


def _params(kind: str, s: float) -> tuple[float, float, float, float]:
    """a, b (kind 'ab') or r, alpha ('ralpha') at scale s with a fixed ratio."""
    return (0.5, 5.0, 0.25 * s, 0.75 * s) if kind == "ab" else (0.1 * s, s, 0.8, 2.4)


def _mp_loglike(r, alpha, a, b, x, t_x, T, shift=0):
    r, alpha, a, b, x, t_x, T = (mp.mpf(v) for v in (r, alpha, a, b, x, t_x, T))

    def lB(p, q):
        return mp.loggamma(p) + mp.loggamma(q) - mp.loggamma(p + q)

    head = mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(alpha)
    alive = mp.exp(lB(a, b + x + shift) - lB(a, b)) / (alpha + T) ** (r + x)
    dead = (mp.exp(lB(a + 1, b + x - 1 + shift) - lB(a, b)) / (alpha + t_x) ** (r + x)
            if (x > 0 or shift) else 0)
    return head + mp.log(alive + dead)


@pytest.mark.parametrize("shift", [0, 1], ids=["BG/NBD", "MBG/NBD"])
@pytest.mark.parametrize("kind", ["ab", "ralpha"])
def test_loglike_per_customer_matches_mpmath_as_the_pairs_run_off(kind, shift):
    fn = betageo.loglike if shift == 0 else modbetageo.loglike
    worst = 0.0
    for s in SCALES:
        p = _params(kind, s)
        x, t_x, T = (np.array(v) for v in zip(*ROWS))
        got = fn(*p, x, t_x, T)
        ref = [float(_mp_loglike(*p, *row, shift=shift)) for row in ROWS]
        worst = max(worst, float(np.max(np.abs(got - ref))))
    assert worst < 5e-13  # |log L| up to ~100 here: rounding


def _mp_total(theta, rows, weights, shift):
    """Weighted log-likelihood at log-parameters theta (mpmath)."""
    p = [mp.exp(t) for t in theta]
    return sum(w * _mp_loglike(*p, *row, shift=shift) for row, w in zip(rows, weights))


@pytest.mark.parametrize("shift", [0, 1], ids=["BG/NBD", "MBG/NBD"])
@pytest.mark.parametrize("kind,s", [("ab", 1e3), ("ab", 1e9), ("ab", 1e13), ("ralpha", 1e9), ("ralpha", 1e13)])
def test_gradient_and_hessian_in_log_parameters_match_mpmath_derivatives(kind, s, shift):
    """The compiled sums' gradient against mpmath's derivative of the exact likelihood, and
    the Hessian against central differences of that (now exact) gradient."""
    p = np.array(_params(kind, s))
    x, t_x, T = (np.array(v) for v in zip(*ROWS))
    w = np.array([3.0, 1.0, 2.0, 1.0, 5.0])
    ll, g, H = betageo.weighted_loglike_score_hessian(*p, x, t_x, T, w, shift=shift)
    theta = [mp.log(mp.mpf(v)) for v in p]
    ref_g = []
    for k in range(4):
        def f(u, k=k):
            th = list(theta)
            th[k] = u
            return _mp_total(th, ROWS, w, shift)
        ref_g.append(float(mp.diff(f, theta[k])))
    assert float(ll) == pytest.approx(float(_mp_total(theta, ROWS, w, shift)), abs=1e-12)
    np.testing.assert_allclose(g * p, ref_g, rtol=1e-9, atol=1e-10)

    def grad_log(th):
        q = np.exp(th)
        _, gg, _ = betageo.weighted_loglike_score_hessian(*q, x, t_x, T, w, shift=shift)
        return gg * q

    H_log = H * np.outer(p, p) + np.diag(g * p)
    th0, step = np.log(p), 1e-5
    num = np.column_stack([(grad_log(th0 + step * e) - grad_log(th0 - step * e)) / (2 * step)
                           for e in np.eye(4)])
    np.testing.assert_allclose(H_log, num, rtol=1e-6, atol=1e-7 * max(1.0, np.abs(num).max()))


@pytest.mark.parametrize("shift", [0, 1], ids=["BG/NBD", "MBG/NBD"])
@pytest.mark.parametrize("kind", ["ab", "ralpha"])
def test_covariate_row_kernel_matches_mpmath_and_its_own_differences(kind, shift):
    """individual_loglike (the static-covariate path): value against mpmath, gradient in log
    parameters against mpmath's derivative, Hessian against differences of that gradient."""
    x, t_x, T = (np.array(v) for v in zip(*ROWS))
    for s in (1e4, 1e10, 1e14):
        r, al, a, b = _params(kind, s)
        ll, g, h = betageo.individual_loglike(r, np.log(al), np.log(a), np.log(b), x, t_x, T,
                                              shift=shift, hess=True)
        ref = [float(_mp_loglike(r, al, a, b, *row, shift=shift)) for row in ROWS]
        np.testing.assert_allclose(ll, ref, rtol=0, atol=2e-13)
        for i, row in enumerate(ROWS):
            lpar = [mp.mpf(r), mp.log(al), mp.log(a), mp.log(b)]

            def f(u, k):
                q = list(lpar)
                q[k] = u
                return _mp_loglike(q[0], mp.exp(q[1]), mp.exp(q[2]), mp.exp(q[3]), *row, shift=shift)
            ref_g = [float(mp.diff(lambda u, k=k: f(u, k), lpar[k])) for k in range(4)]
            np.testing.assert_allclose(g[i], ref_g, rtol=1e-9, atol=1e-11)
        # Hessian (upper triangle) against central differences of the gradient
        base = np.array([r, np.log(al), np.log(a), np.log(b)])
        step = 1e-5
        cols = []
        for e in np.eye(4):
            up = base + step * e
            dn = base - step * e
            gu = betageo.individual_loglike(up[0], up[1], up[2], up[3], x, t_x, T, shift=shift)[1]
            gd = betageo.individual_loglike(dn[0], dn[1], dn[2], dn[3], x, t_x, T, shift=shift)[1]
            cols.append((gu - gd) / (2 * step))
        num = np.stack(cols, axis=2)  # (n, 4, 4)
        iu = np.triu_indices(4)
        scale = np.maximum(1.0, np.abs(num).max())
        np.testing.assert_allclose(h, num[:, iu[0], iu[1]], rtol=1e-5, atol=1e-6 * scale)


def _mp_pmf(n, t, r, alpha, a, b, shift=0):
    """FHL eq. (8) (one more dropout opportunity for the MBG/NBD), term by term."""
    n, t, r, alpha, a, b = (mp.mpf(v) for v in (n, t, r, alpha, a, b))

    def B(p, q):
        return mp.exp(mp.loggamma(p) + mp.loggamma(q) - mp.loggamma(p + q))

    def nb(j):
        return mp.exp(mp.loggamma(r + j) - mp.loggamma(r) - mp.loggamma(j + 1)) \
            * (alpha / (alpha + t)) ** r * (t / (alpha + t)) ** j
    first = B(a, b + n + shift) / B(a, b) * nb(n)
    if n == 0 and not shift:
        return first
    tail = 1 - mp.fsum(nb(j) for j in range(int(n)))
    return first + B(a + 1, b + n - 1 + shift) / B(a, b) * tail


@pytest.mark.parametrize("kind", ["ab", "ralpha"])
def test_purchase_count_probability_matches_mpmath_as_the_pairs_run_off(kind):
    """To 1e-9 relative: the tail P(N(t) >= n) is scipy's incomplete beta I_z(n, r), which
    keeps ~10 digits at r ~ 1e7 (5.7e-11 measured); elsewhere the kernel is at 1e-13."""
    n = np.arange(0, 9.0)
    for s in SCALES:
        p = _params(kind, s)
        for shift in (0, 1):
            got = betageo.purchase_count_probability(n, 26.0, *p, shift=shift)
            ref = np.array([float(_mp_pmf(k, 26.0, *p, shift=shift)) for k in n])
            np.testing.assert_allclose(got, ref, rtol=1e-9 if kind == "ralpha" else 1e-12, atol=1e-300)
