"""The frequency-group interpolation of :func:`custvalue.math.special.geometric_dropout_mean`.

Large inputs take a faster path: customers sharing a frequency are evaluated exactly at a
few Chebyshev points in log(alpha + T) and interpolated. Every check here compares that path
with an independent evaluation: the row-by-row series (the same quantity without any
interpolation), or the published formula evaluated in mpmath.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custvalue.math import special

TIMES = 4.345 * np.arange(1, 13)  # twelve months in weeks, as clv() uses


def _weights(d: float) -> np.ndarray:
    disc = (1.0 + d) ** -np.arange(1, TIMES.size + 2, dtype=float)
    disc[-1] = 0.0
    return disc[:-1] - disc[1:]


def _row_by_row(*args, **kw):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(special, "_INTERPOLATE_MIN_ROWS", 10**18)
        return special.geometric_dropout_mean(*args, **kw)


def _customers(n, seed, alpha, T_lo, T_hi, p_geom):
    rng = np.random.default_rng(seed)
    x = np.minimum(rng.geometric(p_geom, n) - 1, 80).astype(float)
    return x, alpha + rng.uniform(T_lo, T_hi, n)


def _interpolated_share(t, base, a, A, C, hw):
    out = np.empty((base.size, 1 if hw.size else t.shape[1]))
    exact = special._interpolate_groups(t, base, a, A, C, C, np.ones(base.size), hw, out)
    return 1.0 - exact.size / base.size


@settings(max_examples=25, deadline=None)
@given(st.floats(0.05, 3.0), st.floats(0.1, 3.0), st.floats(0.2, 10.0), st.floats(0.1, 50.0),
       st.floats(0.0, 100.0), st.floats(0.0, 300.0), st.floats(0.2, 0.9),
       st.sampled_from([None, 0.0, 0.01, 0.05, -0.02]), st.integers(0, 2**32 - 1))
def test_interpolated_equals_row_by_row(r, a, b, alpha, T_lo, width, p_geom, d, seed):
    """Summed (a CLV's discount weights) or the full customers x horizons grid: the
    interpolated values agree with the row-by-row series to 5e-13 relative. Both carry
    rounding error: the series up to about 2e-13 where its two parts cancel (a <= 1 with z
    near 1, i.e. young customers and a small alpha), and the interpolant inherits the error
    of the series at its nodes. Checked against mpmath on such rows, the two are equally
    close to the truth; elsewhere both agree to about 1e-14."""
    x, base = _customers(20_000, seed, alpha, T_lo, T_lo + width, p_geom)
    C, A = a + b + x - 1.0, a + b - 1.0 - r
    hw = None if d is None else _weights(d)
    got = special.geometric_dropout_mean(TIMES[None, :], base, a, A, C, C, horizon_weights=hw)
    want = _row_by_row(TIMES[None, :], base, a, A, C, C, horizon_weights=hw)
    assert got.shape == want.shape and np.isfinite(got).all()
    np.testing.assert_allclose(got, want, rtol=5e-13, atol=1e-300)


def test_interpolation_is_used_and_matches_published_formula_in_mpmath():
    """On a benchmark-like base (ages 26-78 weeks) nearly every row is interpolated, and the
    interpolated rows agree with FHL (2005) eq. (10) at 40 digits."""
    import mpmath

    r, alpha, a, b = 0.25, 4.0, 0.8, 2.5
    x, base = _customers(50_000, 3, alpha, 26.0, 78.0, 0.45)
    C, A, hw = a + b + x - 1.0, a + b - 1.0 - r, _weights(0.01)
    assert _interpolated_share(TIMES[None, :], base, a, A, C, hw) > 0.95
    got = special.geometric_dropout_mean(TIMES[None, :], base, a, A, C, C, horizon_weights=hw)
    x0 = x == 0  # the largest group; its extreme ages and a few in between
    rows = np.flatnonzero(x0)[[np.argmin(base[x0]), np.argmax(base[x0]), 5, 500, 5000]]
    rows = np.append(rows, np.flatnonzero(x == 3)[:3])
    with mpmath.workdps(40):
        am, bm, rm = mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(r)
        for i in rows:
            xi, bi = int(x[i]), mpmath.mpf(base[i])
            cm = am + bm + xi - 1
            want = 0
            for tk, wk in zip(TIMES, hw):
                tm = mpmath.mpf(tk)
                want += wk * cm / (am - 1) * (1 - (bi / (bi + tm)) ** (rm + xi)
                                              * mpmath.hyp2f1(rm + xi, bm + xi, cm, tm / (bi + tm)))
            assert got[i] == pytest.approx(float(want), rel=1e-13)


def test_interpolated_rows_do_not_depend_on_row_order():
    r, alpha, a, b = 0.4, 2.0, 1.3, 4.0
    x, base = _customers(30_000, 5, alpha, 0.0, 104.0, 0.5)
    C, A = a + b + x - 1.0, a + b - 1.0 - r
    perm = np.random.default_rng(1).permutation(x.size)
    got = special.geometric_dropout_mean(TIMES[None, :], base, a, A, C, C)
    shuffled = special.geometric_dropout_mean(TIMES[None, :], base[perm], a, A, C[perm], C[perm])
    np.testing.assert_array_equal(shuffled, got[perm])


def test_groups_the_interpolation_cannot_serve_are_summed_row_by_row():
    """Three cases leave rows to the exact kernel: frequencies that are not an integer
    lattice, one age per group (a single point is not interpolated, but still exact), and a
    degenerate fit whose series is handed to quadrature."""
    rng = np.random.default_rng(7)
    n = 10_000
    base = 4.0 + rng.uniform(26, 78, n)
    C = rng.uniform(1.0, 30.0, n)  # not a lattice: nothing interpolated
    assert _interpolated_share(TIMES[None, :], base, 0.8, 2.05, C, np.empty(0)) == 0.0
    np.testing.assert_array_equal(special.geometric_dropout_mean(TIMES[None, :], base, 0.8, 2.05, C, C),
                                  _row_by_row(TIMES[None, :], base, 0.8, 2.05, C, C))

    x = np.where(rng.uniform(size=n) < 0.5, 0.0, 1e6)  # a lattice wider than the rows: the
    C = 2.3 + x  # per-group tables would outgrow the data, so nothing is interpolated
    assert _interpolated_share(TIMES[None, :], base, 0.8, 2.05, C, np.empty(0)) == 0.0

    same = np.full(n, 40.0)  # every customer the same age: a zero-width interval
    x = rng.integers(0, 3, n).astype(float)
    C = 2.3 + x
    got = special.geometric_dropout_mean(TIMES[None, :], same, 0.8, 2.05, C, C)
    np.testing.assert_allclose(got, _row_by_row(TIMES[None, :], same, 0.8, 2.05, C, C), rtol=1e-13)

    r, alpha, a, b, T, t = 2.6e7, 2.65e7, 2.9e6, 3.0e6, 89.0, 30.0  # see test_properties
    x = rng.integers(0, 3, n).astype(float)
    C = a + b + x - 1
    got = special.geometric_dropout_mean([[t]], alpha + T + rng.uniform(0, 1, n), a, a + b - 1 - r, C, C)
    lam, p = (r + x) / (alpha + T), a / (a + b + x)
    np.testing.assert_allclose(got[:, 0], (1 - np.exp(-lam * p * t)) / p, rtol=1e-5)


@pytest.mark.parametrize("a", [0.8, 1.0 + 1e-9, 1.0, 2.5])
def test_rows_near_z_equal_one_match_the_published_formula(a):
    """Customers with alpha + T far below the horizon (z within 1e-3 of 1: more than 20,000
    series terms) are evaluated by Gauss quadrature over the dropout probability, on panels
    graded towards p = 0; checked against FHL eq. (10) as published (mpmath)."""
    import mpmath

    r, b = 0.25, 2.5
    base = np.array([0.01, 0.003, 0.02])
    x = np.array([0.0, 2.0, 7.0])
    C = a + b + x - 1.0
    got = special.geometric_dropout_mean(TIMES[None, :], base, a, a + b - 1.0 - r, C, C)
    am = mpmath.mpf(a)
    if a == 1.0:  # the published formula divides by a - 1: its limit, by a symmetric step
        am = None
    with mpmath.workdps(50):
        for i in range(base.size):
            for k in (0, 5, 11):
                bi, tm, xi = mpmath.mpf(base[i]), mpmath.mpf(TIMES[k]), int(x[i])

                def eq10(am_):
                    cm = am_ + b + xi - 1
                    return cm / (am_ - 1) * (1 - (bi / (bi + tm)) ** (r + xi)
                                             * mpmath.hyp2f1(r + xi, b + xi, cm, tm / (bi + tm)))
                want = eq10(am) if am is not None else (eq10(mpmath.mpf(1) + mpmath.mpf("1e-20"))
                                                        + eq10(mpmath.mpf(1) - mpmath.mpf("1e-20"))) / 2
                assert got[i, k] == pytest.approx(float(want), rel=1e-12)
